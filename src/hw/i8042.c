/*
 * i8042.c — 8042 keyboard controller, PS/2 keyboard and mouse, port 92h
 * (see i8042.h).  References: IBM PC/AT Technical Reference; IBM PS/2
 * Hardware Interface Technical Reference (keyboard and auxiliary device).
 *
 * Everything the controller and the two devices send goes through one
 * queue in front of the output buffer, tagged with its source: bytes from
 * the keyboard are translated from set 2 to set 1 when the command byte's
 * XLAT bit is set, as the real controller does.
 */
#include "log.h"
#include "i8042.h"

#include <stdio.h>
#include <stdlib.h>

SAVE_TABLE_DEFINE(kbc_table, Kbc, KBC_FIELDS, KBC_VERSION)

/* Byte sources: the controller itself, the keyboard, the mouse, and the
 * controller's "write mouse output buffer" (D3h), which is marked as mouse
 * data but, like every controller reply, is not held back by AUX_DIS. */
enum { SRC_CTRL = 0, SRC_KBD = 1, SRC_AUX = 2, SRC_CTRL_AUX = 3 };

/* Scancode set 2 make code of each set 1 make code 0x00..0x58 (0: none). */
static const uint8_t set1_to_set2[0x59] = {
  0x00, 0x76, 0x16, 0x1e, 0x26, 0x25, 0x2e, 0x36, /* 00-07: -, Esc, 1..6 */
  0x3d, 0x3e, 0x46, 0x45, 0x4e, 0x55, 0x66, 0x0d, /* 08-0f: 7..0, -, =, BkSp, Tab */
  0x15, 0x1d, 0x24, 0x2d, 0x2c, 0x35, 0x3c, 0x43, /* 10-17: Q W E R T Y U I */
  0x44, 0x4d, 0x54, 0x5b, 0x5a, 0x14, 0x1c, 0x1b, /* 18-1f: O P [ ] Enter LCtrl A S */
  0x23, 0x2b, 0x34, 0x33, 0x3b, 0x42, 0x4b, 0x4c, /* 20-27: D F G H J K L ; */
  0x52, 0x0e, 0x12, 0x5d, 0x1a, 0x22, 0x21, 0x2a, /* 28-2f: ' ` LShift \ Z X C V */
  0x32, 0x31, 0x3a, 0x41, 0x49, 0x4a, 0x59, 0x7c, /* 30-37: B N M , . / RShift KP* */
  0x11, 0x29, 0x58, 0x05, 0x06, 0x04, 0x0c, 0x03, /* 38-3f: LAlt Space Caps F1..F5 */
  0x0b, 0x83, 0x0a, 0x01, 0x09, 0x77, 0x7e, 0x6c, /* 40-47: F6..F10 NumLk ScrLk KP7 */
  0x75, 0x7d, 0x7b, 0x6b, 0x73, 0x74, 0x79, 0x69, /* 48-4f: KP8 KP9 KP- KP4 KP5 KP6 KP+ KP1 */
  0x72, 0x7a, 0x70, 0x71, 0x84, 0x00, 0x61, 0x78, /* 50-57: KP2 KP3 KP0 KP. SysRq - <> F11 */
  0x07,                                           /* 58: F12 */
};

/* The controller's set 2 -> set 1 translation (unknown codes pass through). */
static uint8_t xlat(uint8_t code) {
  if (code == 0)
    return 0xff;
  for (int i = 1; i < (int)sizeof(set1_to_set2); i++)
    if (set1_to_set2[i] == code)
      return (uint8_t)i;
  return code;
}

static void update_irqs(Kbc *k) {
  bool kbd = k->obf && !k->obf_aux && (k->cmd_byte & KBC_CB_KBD_INT);
  bool aux = k->obf && k->obf_aux && (k->cmd_byte & KBC_CB_AUX_INT);
  if (kbd != k->irq1_level) {
    k->irq1_level = kbd;
    irq_set(&k->irq_kbd, kbd);
  }
  if (aux != k->irq12_level) {
    k->irq12_level = aux;
    irq_set(&k->irq_aux, aux);
  }
}

/* Move the next deliverable byte into the output buffer. */
static void refill(Kbc *k) {
  while (!k->obf && k->q_len) {
    uint8_t src = k->q_src[k->q_head];
    if ((src == SRC_KBD && (k->cmd_byte & KBC_CB_KBD_DIS)) ||
        (src == SRC_AUX && (k->cmd_byte & KBC_CB_AUX_DIS)))
      break; /* that interface is disabled: its data waits */
    uint8_t b = k->q[k->q_head];
    k->q_head = (uint8_t)((k->q_head + 1) % KBC_QUEUE);
    k->q_len--;
    if (src == SRC_KBD && (k->cmd_byte & KBC_CB_XLAT)) {
      if (b == 0xf0) {
        k->xlat_f0 = true;
        continue;
      }
      b = xlat(b);
      if (k->xlat_f0 && b < 0x80)
        b |= 0x80;
      k->xlat_f0 = false;
    }
    k->outbuf = b;
    k->obf = true;
    k->obf_aux = src == SRC_AUX || src == SRC_CTRL_AUX;
  }
  update_irqs(k);
}

static void push(Kbc *k, uint8_t b, int src) {
  if (k->q_len < KBC_QUEUE) {
    int tail = (k->q_head + k->q_len) % KBC_QUEUE;
    k->q[tail] = b;
    k->q_src[tail] = (uint8_t)src;
    k->q_len++;
  }
  refill(k);
}

static void set_a20(Kbc *k, bool on) {
  bool was = kbc_a20(k);
  if (on) {
    k->outport |= 0x02;
    k->port92 |= 0x02;
  } else {
    k->outport &= (uint8_t)~0x02;
    k->port92 &= (uint8_t)~0x02;
  }
  if (was != on && k->set_a20)
    k->set_a20(k->cb_opaque, on);
}

bool kbc_a20(const Kbc *k) { return k->outport & 0x02; }

static void request_reset(Kbc *k) {
  if (k->reset)
    k->reset(k->cb_opaque);
}

/* ---- PS/2 keyboard ---- */

static void kbd_defaults(Kbc *k) {
  k->kbd_set = 2;
  k->kbd_typematic = 0x2b;
  k->kbd_pending = 0;
}

static void kbd_write(Kbc *k, uint8_t v) {
  if (k->kbd_pending) {
    uint8_t cmd = k->kbd_pending;
    k->kbd_pending = 0;
    switch (cmd) {
    case 0xed: k->kbd_leds = v & 7; push(k, 0xfa, SRC_KBD); return;
    case 0xf3: k->kbd_typematic = v & 0x7f; push(k, 0xfa, SRC_KBD); return;
    case 0xf0:
      if (v == 0) {
        push(k, 0xfa, SRC_KBD);
        push(k, k->kbd_set, SRC_KBD);
      } else if (v <= 3) {
        k->kbd_set = v;
        push(k, 0xfa, SRC_KBD);
      } else {
        push(k, 0xfe, SRC_KBD);
      }
      return;
    default: break;
    }
  }
  switch (v) {
  case 0xed:
  case 0xf3:
  case 0xf0:
    k->kbd_pending = v;
    push(k, 0xfa, SRC_KBD);
    break;
  case 0xee: push(k, 0xee, SRC_KBD); break; /* echo */
  case 0xf2: /* identify: MF2 keyboard */
    push(k, 0xfa, SRC_KBD);
    push(k, 0xab, SRC_KBD);
    push(k, 0x83, SRC_KBD);
    break;
  case 0xf4: k->kbd_enabled = true; push(k, 0xfa, SRC_KBD); break;
  case 0xf5: kbd_defaults(k); k->kbd_enabled = false; push(k, 0xfa, SRC_KBD); break;
  case 0xf6: kbd_defaults(k); push(k, 0xfa, SRC_KBD); break;
  case 0xff: /* reset and self-test (BAT) */
    kbd_defaults(k);
    k->kbd_enabled = true;
    k->kbd_leds = 0;
    push(k, 0xfa, SRC_KBD);
    push(k, 0xaa, SRC_KBD);
    break;
  default:
    if (v >= 0xf7 && v <= 0xfe)
      push(k, 0xfa, SRC_KBD); /* set-3 key modes, resend: accepted */
    else
      push(k, 0xfe, SRC_KBD); /* unknown: ask for a resend */
    break;
  }
}

void kbc_key_event(Kbc *k, uint8_t code, bool e0, bool down) {
  if (!k->kbd_enabled || code == 0 || code >= sizeof(set1_to_set2))
    return;
  if (k->kbd_set == 1) {
    if (e0)
      push(k, 0xe0, SRC_KBD);
    push(k, (uint8_t)(code | (down ? 0 : 0x80)), SRC_KBD);
    return;
  }
  if (e0)
    push(k, 0xe0, SRC_KBD);
  if (!down)
    push(k, 0xf0, SRC_KBD);
  push(k, set1_to_set2[code], SRC_KBD);
}

/* ---- PS/2 mouse ---- */

static void mouse_defaults(Kbc *k) {
  k->mouse_rate = 100;
  k->mouse_res = 2;
  k->mouse_scale21 = false;
  k->mouse_enabled = false;
  k->mouse_remote = false;
  k->mouse_pending = 0;
}

static void mouse_packet(Kbc *k, int dx, int dy) {
  uint8_t b0 = (uint8_t)(0x08 | (k->mouse_buttons & 7));
  if (dx < -256 || dx > 255) {
    b0 |= 0x40;
    dx = dx < 0 ? -256 : 255;
  }
  if (dy < -256 || dy > 255) {
    b0 |= 0x80;
    dy = dy < 0 ? -256 : 255;
  }
  if (dx < 0)
    b0 |= 0x10;
  if (dy < 0)
    b0 |= 0x20;
  push(k, b0, SRC_AUX);
  push(k, (uint8_t)dx, SRC_AUX);
  push(k, (uint8_t)dy, SRC_AUX);
}

static void mouse_write(Kbc *k, uint8_t v) {
  if (k->mouse_wrap && v != 0xec && v != 0xff) {
    push(k, v, SRC_AUX);
    return;
  }
  if (k->mouse_pending) {
    if (k->mouse_pending == 0xf3)
      k->mouse_rate = v;
    else
      k->mouse_res = v & 3;
    k->mouse_pending = 0;
    push(k, 0xfa, SRC_AUX);
    return;
  }
  switch (v) {
  case 0xff:
    mouse_defaults(k);
    push(k, 0xfa, SRC_AUX);
    push(k, 0xaa, SRC_AUX);
    push(k, 0x00, SRC_AUX);
    break;
  case 0xf6: mouse_defaults(k); push(k, 0xfa, SRC_AUX); break;
  case 0xf5: k->mouse_enabled = false; push(k, 0xfa, SRC_AUX); break;
  case 0xf4: k->mouse_enabled = true; push(k, 0xfa, SRC_AUX); break;
  case 0xf3:
  case 0xe8: k->mouse_pending = v; push(k, 0xfa, SRC_AUX); break;
  case 0xe6: k->mouse_scale21 = false; push(k, 0xfa, SRC_AUX); break;
  case 0xe7: k->mouse_scale21 = true; push(k, 0xfa, SRC_AUX); break;
  case 0xf2: push(k, 0xfa, SRC_AUX); push(k, 0x00, SRC_AUX); break; /* standard mouse */
  case 0xe9: /* status request */
    push(k, 0xfa, SRC_AUX);
    push(k, (uint8_t)((k->mouse_remote << 6) | (k->mouse_enabled << 5) | (k->mouse_scale21 << 4) |
                      (k->mouse_buttons & 7)), SRC_AUX);
    push(k, k->mouse_res, SRC_AUX);
    push(k, k->mouse_rate, SRC_AUX);
    break;
  case 0xea: k->mouse_remote = false; push(k, 0xfa, SRC_AUX); break;
  case 0xf0: k->mouse_remote = true; push(k, 0xfa, SRC_AUX); break;
  case 0xeb: push(k, 0xfa, SRC_AUX); mouse_packet(k, 0, 0); break;
  case 0xee: k->mouse_wrap = true; push(k, 0xfa, SRC_AUX); break;
  case 0xec: k->mouse_wrap = false; push(k, 0xfa, SRC_AUX); break;
  default: push(k, 0xfe, SRC_AUX); break;
  }
}

void kbc_mouse_event(Kbc *k, int dx, int dy, uint8_t buttons) {
  k->mouse_buttons = buttons & 7;
  if (k->mouse_enabled && !k->mouse_remote)
    mouse_packet(k, dx, dy);
}

/* ---- controller ---- */

static void controller_command(Kbc *k, uint8_t v) {
  if (v >= 0x20 && v <= 0x3f) {
    push(k, v == 0x20 ? k->cmd_byte : 0x00, SRC_CTRL);
    return;
  }
  if (v >= 0x60 && v <= 0x7f) {
    k->pending_cmd = v;
    return;
  }
  if (v >= 0xf0) { /* pulse output port bits 0-3 low: bit 0 is the CPU reset */
    if (!(v & 1))
      request_reset(k);
    return;
  }
  switch (v) {
  case 0xa7: k->cmd_byte |= KBC_CB_AUX_DIS; break;
  case 0xa8: k->cmd_byte &= (uint8_t)~KBC_CB_AUX_DIS; refill(k); break;
  case 0xa9: push(k, 0x00, SRC_CTRL); break; /* aux interface test: OK */
  case 0xaa: /* controller self-test */
    k->status |= KBC_ST_SYS;
    push(k, 0x55, SRC_CTRL);
    break;
  case 0xab: push(k, 0x00, SRC_CTRL); break; /* keyboard interface test: OK */
  case 0xad: k->cmd_byte |= KBC_CB_KBD_DIS; break;
  case 0xae: k->cmd_byte &= (uint8_t)~KBC_CB_KBD_DIS; refill(k); break;
  case 0xc0: push(k, 0x80, SRC_CTRL); break; /* input port: keyboard not inhibited */
  case 0xd0: {
    uint8_t out = k->outport & 0x0f;
    if (k->obf && !k->obf_aux)
      out |= 0x10;
    if (k->obf && k->obf_aux)
      out |= 0x20;
    push(k, out, SRC_CTRL);
    break;
  }
  case 0xd1:
  case 0xd2:
  case 0xd3:
  case 0xd4: k->pending_cmd = v; break;
  case 0xdd: set_a20(k, false); break;
  case 0xdf: set_a20(k, true); break;
  case 0xe0: push(k, 0x00, SRC_CTRL); break; /* test inputs */
  default:
    if (!(k->logged[v >> 3] & (1u << (v & 7)))) {
      k->logged[v >> 3] |= (uint8_t)(1u << (v & 7));
      x86_log(LOG_DEV, "i8042: unknown controller command %#04x ignored", v);
    }
    break;
  }
  update_irqs(k);
}

static void data_write(Kbc *k, uint8_t v) {
  uint8_t cmd = k->pending_cmd;
  k->pending_cmd = 0;
  switch (cmd) {
  case 0x60:
    k->cmd_byte = v;
    if (v & KBC_CB_SYS)
      k->status |= KBC_ST_SYS;
    else
      k->status &= (uint8_t)~KBC_ST_SYS;
    refill(k);
    break;
  case 0xd1:
    set_a20(k, v & 0x02);
    k->outport = (uint8_t)((v & ~0x02) | (k->outport & 0x02));
    if (!(v & 0x01))
      request_reset(k);
    k->outport |= 0x01;
    break;
  case 0xd2: push(k, v, SRC_CTRL); break;
  case 0xd3: push(k, v, SRC_CTRL_AUX); break;
  case 0xd4: mouse_write(k, v); break;
  case 0: kbd_write(k, v); break;
  default: break; /* other RAM writes (61h-7Fh): ignored */
  }
}

static uint32_t kbc_io_read(void *opaque, uint16_t port, int size) {
  Kbc *k = opaque;
  switch (port) {
  case 0x60: {
    uint8_t v = k->outbuf;
    if (k->obf) {
      k->obf = false;
      update_irqs(k); /* drop the line so the next byte makes a new edge */
      refill(k);
    }
    return v;
  }
  case 0x64: {
    uint8_t st = (uint8_t)((k->status & (KBC_ST_SYS | KBC_ST_CMD)) | KBC_ST_UNLOCKED);
    if (k->obf)
      st |= KBC_ST_OBF | (k->obf_aux ? KBC_ST_AUX : 0);
    return st;
  }
  default: /* 0x92 */
    return (k->port92 & 0xfc) | (kbc_a20(k) ? 0x02 : 0);
  }
}

static void kbc_io_write(void *opaque, uint16_t port, int size, uint32_t val) {
  Kbc *k = opaque;
  uint8_t v = (uint8_t)val;
  switch (port) {
  case 0x60:
    k->status &= (uint8_t)~KBC_ST_CMD;
    data_write(k, v);
    break;
  case 0x64:
    k->status |= KBC_ST_CMD;
    controller_command(k, v);
    break;
  default: /* 0x92: bit 1 A20, bit 0 fast reset */
    k->port92 = v & 0xfe;
    set_a20(k, v & 0x02);
    if (v & 0x01)
      request_reset(k);
    break;
  }
}

void kbc_reset(Kbc *k) {
  k->status = 0;
  k->cmd_byte = KBC_CB_XLAT | KBC_CB_AUX_DIS | KBC_CB_KBD_INT;
  k->pending_cmd = 0;
  k->obf = k->obf_aux = false;
  k->outbuf = 0;
  k->q_head = k->q_len = 0;
  k->xlat_f0 = false;
  kbd_defaults(k);
  k->kbd_enabled = true;
  k->kbd_leds = 0;
  mouse_defaults(k);
  k->mouse_wrap = false;
  k->mouse_buttons = 0;
  k->outport = 0x01; /* reset line inactive; A20 set below */
  k->port92 = 0;
  if (k->set_a20)
    k->set_a20(k->cb_opaque, true);
  k->outport |= 0x02;
  k->port92 |= 0x02;
  update_irqs(k);
}

static void dev_reset(void *opaque) { kbc_reset(opaque); }
static int dev_save(void *opaque, SaveWriter *w) { return save_put_table(w, "kbc", kbc_table(), opaque); }
static int dev_check(void *opaque, SaveReader *r) { return save_check_table(r, "kbc", kbc_table()); }
static int dev_load(void *opaque, SaveReader *r) {
  Kbc *k = opaque;
  if (save_get_table(r, "kbc", kbc_table(), k) < 0)
    return -1;
  if (k->set_a20)
    k->set_a20(k->cb_opaque, kbc_a20(k));
  irq_set(&k->irq_kbd, k->irq1_level);
  irq_set(&k->irq_aux, k->irq12_level);
  return 0;
}

Kbc *kbc_new(IoBus *bus, IrqLine irq1, IrqLine irq12, void (*a20)(void *, bool),
             void (*reset)(void *), void *cb_opaque) {
  Kbc *k = calloc(1, sizeof(*k));
  if (!k)
    return NULL;
  k->irq_kbd = irq1;
  k->irq_aux = irq12;
  k->set_a20 = a20;
  k->reset = reset;
  k->cb_opaque = cb_opaque;
  k->dev = (Device){"kbc", k, dev_reset, dev_save, dev_check, dev_load};
  kbc_reset(k);
  if (bus && (iobus_register_ex(bus, 0x60, 1, kbc_io_read, kbc_io_write, k, "i8042-data", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x64, 1, kbc_io_read, kbc_io_write, k, "i8042-cmd", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x92, 1, kbc_io_read, kbc_io_write, k, "port92", IOBUS_8BIT) < 0)) {
    free(k);
    return NULL;
  }
  return k;
}

void kbc_free(Kbc *k) { free(k); }
