/*
 * i8042.c — 8042 keyboard controller, PS/2 keyboard and mouse, port 92h
 * (see i8042.h).  References: IBM PC/AT Technical Reference; IBM PS/2
 * Hardware Interface Technical Reference (keyboard and auxiliary device).
 *
 * Everything the controller and the two devices send goes through one
 * queue in front of the output buffer, tagged with its source: bytes from
 * the keyboard are translated from set 2 to set 1 when the command byte's
 * XLAT bit is set, as the real controller does (keymap.c holds the table).
 *
 * The keyboard keeps the set of held keys and repeats the last one pressed
 * at the guest's typematic rate on the virtual clock.  It may hold up to
 * KBD_BUF bytes in the queue; a key sequence that does not fit is dropped
 * and the overrun code (00h in set 2, FFh in set 1) sent once in its place.
 */
#include "log.h"
#include "i8042.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte sources: the controller itself, the keyboard, the mouse, and the
 * controller's "write mouse output buffer" (D3h), which is marked as mouse
 * data but, like every controller reply, is not held back by AUX_DIS. */
enum { SRC_CTRL = 0, SRC_KBD = 1, SRC_AUX = 2, SRC_CTRL_AUX = 3 };

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
      b = keymap_set2_to_set1(b);
      if (k->xlat_f0)
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

static bool key_held(const Kbc *k, int key) { return k->kbd_held[key >> 3] & (1u << (key & 7)); }

/* Values the table's bounds cannot say: the commands waiting for an
 * argument are ones that take one, only existing keys are held, a repeating
 * key has its next repeat time, and the mouse ID is one we answer with. */
static int kbc_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Kbc *t = saved;
  (void)live;
  if (t->pending_cmd && !(t->pending_cmd >= 0x60 && t->pending_cmd <= 0x7f) &&
      !(t->pending_cmd >= 0xd1 && t->pending_cmd <= 0xd4))
    return save_reject_field(r, chunk, "pending_cmd", t->pending_cmd, "takes no data byte");
  if (t->kbd_pending && t->kbd_pending != 0xed && t->kbd_pending != 0xf3 && t->kbd_pending != 0xf0)
    return save_reject_field(r, chunk, "kbd_pending", t->kbd_pending, "takes no argument");
  for (int key = KEY_COUNT; key < KEYMAP_HELD_BYTES * 8; key++)
    if (key_held(t, key)) {
      char f[24];
      snprintf(f, sizeof(f), "kbd_held[%d]", key >> 3);
      return save_reject_field(r, chunk, f, t->kbd_held[key >> 3],
                               "holds key %d, which does not exist", key);
    }
  if (t->kbd_rep_key != KEY_NONE && !t->kbd_rep_at)
    return save_reject_field(r, chunk, "kbd_rep_at", 0, "for repeating key %u", t->kbd_rep_key);
  /* The next repeat is at most the longest delay (1 s) away: one far behind
   * the snapshot's time would be caught up one repeat at a time. */
  uint64_t now;
  if (t->kbd_rep_key != KEY_NONE && save_reader_time(r, &now) &&
      (t->kbd_rep_at + 2000000000u < now || t->kbd_rep_at > now + 2000000000u))
    return save_reject_field(r, chunk, "kbd_rep_at", t->kbd_rep_at,
                             "is not within 2 s of the snapshot's time %#llx",
                             (unsigned long long)now);
  if (t->mouse_pending && t->mouse_pending != 0xf3 && t->mouse_pending != 0xe8)
    return save_reject_field(r, chunk, "mouse_pending", t->mouse_pending, "takes no argument");
  if (t->mouse_id != 0 && t->mouse_id != 3)
    return save_reject_field(r, chunk, "mouse_id", t->mouse_id, "is neither 0 nor 3");
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(kbc_table, Kbc, KBC_FIELDS, KBC_VERSION, kbc_valid)

static void set_held(Kbc *k, int key, bool on) {
  if (on)
    k->kbd_held[key >> 3] |= (uint8_t)(1u << (key & 7));
  else
    k->kbd_held[key >> 3] &= (uint8_t)~(1u << (key & 7));
}
static unsigned held_mods(const Kbc *k) {
  static const KeyCode mod_keys[] = {KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_LEFTCTRL,
                                     KEY_RIGHTCTRL, KEY_LEFTALT,    KEY_RIGHTALT};
  unsigned m = 0;
  for (size_t i = 0; i < sizeof(mod_keys) / sizeof(mod_keys[0]); i++)
    if (key_held(k, mod_keys[i]))
      m |= keymap_modifier(mod_keys[i]);
  return m;
}

/* Typematic byte (F3h): bits 6-5 delay (250 ms steps from 250 ms), bits 4-3
 * B and 2-0 A: period (8 + A) * 2^B * 4.17 ms (30 to 2 characters/s). */
static uint64_t typematic_delay_ns(uint8_t t) { return (uint64_t)(((t >> 5) & 3) + 1) * 250000000u; }
static uint64_t typematic_period_ns(uint8_t t) {
  return ((uint64_t)(8 + (t & 7)) << ((t >> 3) & 3)) * 4170000u;
}

static unsigned kbd_queued(const Kbc *k) {
  unsigned n = 0;
  for (int i = 0; i < k->q_len; i++)
    if (k->q_src[(k->q_head + i) % KBC_QUEUE] == SRC_KBD)
      n++;
  return n;
}

/* Send a key's set 2 sequence as the keyboard does: converted by the
 * keyboard itself when set 1 is selected; when it does not fit in the
 * keyboard's buffer (with room for one more byte), the overrun code once. */
static bool kbd_send(Kbc *k, const uint8_t *seq, size_t n) {
  uint8_t s1[KEYMAP_SEQ_MAX];
  if (!n)
    return true;
  if (k->kbd_set == 1) {
    n = keymap_translate(seq, n, s1);
    seq = s1;
  }
  if (kbd_queued(k) + n + 1 > KBD_BUF || k->q_len + n + 1 > KBC_QUEUE) {
    if (!k->kbd_overrun)
      push(k, k->kbd_set == 1 ? 0xff : 0x00, SRC_KBD);
    k->kbd_overrun = true;
    return false;
  }
  k->kbd_overrun = false;
  for (size_t i = 0; i < n; i++)
    push(k, seq[i], SRC_KBD);
  return true;
}

static void rep_stop(Kbc *k) {
  k->kbd_rep_key = KEY_NONE;
  k->kbd_rep_at = 0;
  if (k->rep_timer)
    timer_del(k->rep_timer);
}

static void rep_start(Kbc *k, KeyCode key) {
  uint8_t seq[KEYMAP_SEQ_MAX];
  if (!k->rep_timer || !keymap_set2_repeat(key, 0, seq)) {
    rep_stop(k); /* a new key stops the old one's repeat even if it has none (Pause) */
    return;
  }
  k->kbd_rep_key = (uint8_t)key;
  k->kbd_rep_at = clock_now(k->clock) + typematic_delay_ns(k->kbd_typematic);
  timer_mod(k->rep_timer, k->kbd_rep_at);
}

static void rep_timer_cb(void *opaque) {
  Kbc *k = opaque;
  KeyCode key = (KeyCode)k->kbd_rep_key;
  if (key == KEY_NONE || !key_held(k, key) || !k->kbd_enabled) {
    rep_stop(k);
    return;
  }
  uint8_t seq[KEYMAP_SEQ_MAX];
  kbd_send(k, seq, keymap_set2_repeat(key, held_mods(k), seq));
  k->kbd_rep_at += typematic_period_ns(k->kbd_typematic);
  timer_mod(k->rep_timer, k->kbd_rep_at);
}

void kbd_key_event(Kbc *k, KeyCode key, bool down) {
  if (key <= KEY_NONE || key >= KEY_COUNT || down == key_held(k, key))
    return;
  uint8_t seq[KEYMAP_SEQ_MAX];
  if (down) {
    if (!k->kbd_enabled)
      return; /* not scanning: the guest never learns of this key */
    size_t n = keymap_set2_make(key, held_mods(k), seq);
    set_held(k, key, true);
    kbd_send(k, seq, n);
    rep_start(k, key);
  } else {
    set_held(k, key, false);
    if (k->kbd_rep_key == key)
      rep_stop(k);
    if (k->kbd_enabled)
      kbd_send(k, seq, keymap_set2_break(key, held_mods(k), seq));
  }
}

void kbd_release_all(Kbc *k) {
  /* Ordinary keys first, then the modifiers, as fingers leave the keys. */
  for (int mods = 0; mods < 2; mods++)
    for (int key = KEY_COUNT - 1; key > KEY_NONE; key--)
      if (key_held(k, key) && (keymap_modifier((KeyCode)key) != 0) == mods)
        kbd_key_event(k, (KeyCode)key, false);
}

static bool any_key_held(const Kbc *k) {
  for (int i = 0; i < KEYMAP_HELD_BYTES; i++)
    if (k->kbd_held[i])
      return true;
  return false;
}

/* The next kbd_type() event.  A keystroke's first press waits until the
 * guest has read all the keyboard sent; releases and the other keys of a
 * chord only wait for buffer room, so no key stays down for long (and
 * starts repeating) because the guest is slow. */
static void play_cb(void *opaque) {
  Kbc *k = opaque;
  if (k->play_pos < k->play_len) {
    KeyEvent e = k->play[k->play_pos];
    uint8_t seq[KEYMAP_SEQ_MAX];
    size_t n = e.down ? keymap_set2_make(e.key, held_mods(k), seq)
                      : keymap_set2_break(e.key, held_mods(k), seq);
    bool wait = e.down && !any_key_held(k) ? kbd_queued(k) || (k->obf && !k->obf_aux)
                                           : kbd_queued(k) + n + 1 > KBD_BUF;
    if (wait) {
      timer_mod(k->play_timer, clock_now(k->clock) + KBD_TYPE_GAP_NS);
      return;
    }
    k->play_pos++;
    kbd_key_event(k, e.key, e.down);
  }
  if (k->play_pos < k->play_len)
    timer_mod(k->play_timer, clock_now(k->clock) + KBD_TYPE_GAP_NS);
  else
    k->play_pos = k->play_len = 0;
}

int kbd_type(Kbc *k, const KeyEvent *ev, size_t n) {
  if (!k->play_timer) {
    for (size_t i = 0; i < n; i++)
      kbd_key_event(k, ev[i].key, ev[i].down);
    return 0;
  }
  if (k->play_len + n > k->play_cap) {
    size_t cap = (k->play_len + n) * 2;
    KeyEvent *p = realloc(k->play, cap * sizeof(*p));
    if (!p)
      return -1;
    k->play = p;
    k->play_cap = cap;
  }
  memcpy(k->play + k->play_len, ev, n * sizeof(*ev));
  k->play_len += n;
  if (n && !timer_pending(k->play_timer))
    timer_mod(k->play_timer, clock_now(k->clock));
  return 0;
}

size_t kbd_type_pending(const Kbc *k) { return k->play_len - k->play_pos; }

void kbc_key_event(Kbc *k, uint8_t code, bool e0, bool down) {
  kbd_key_event(k, keymap_from_set1(code, e0), down);
}

static void kbd_defaults(Kbc *k) {
  k->kbd_set = 2;
  k->kbd_typematic = 0x2b; /* 500 ms, 10.9 characters/s */
  k->kbd_pending = 0;
  rep_stop(k);
}

/* Power-on or FFh: defaults, no keys held, scanning. */
static void kbd_power_on(Kbc *k) {
  kbd_defaults(k);
  memset(k->kbd_held, 0, sizeof(k->kbd_held));
  k->kbd_overrun = false;
  k->kbd_enabled = true;
  k->kbd_leds = 0;
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
      } else if (v <= 2) {
        k->kbd_set = v;
        push(k, 0xfa, SRC_KBD);
      } else {
        push(k, 0xfe, SRC_KBD); /* set 3 is not offered (guests fall back to set 2) */
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
    kbd_power_on(k);
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

/* ---- PS/2 mouse ---- */

#define MOUSE_ACC_MAX KBC_MOUSE_ACC_MAX

static int clampi(int64_t v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : (int)v; }

static void mouse_clear_acc(Kbc *k) {
  k->mouse_acc_dx = k->mouse_acc_dy = k->mouse_acc_dz = 0;
  k->mouse_acc_buttons = false;
}

static void mouse_defaults(Kbc *k) {
  k->mouse_rate = 100;
  k->mouse_res = 2;
  k->mouse_scale21 = false;
  k->mouse_enabled = false;
  k->mouse_remote = false;
  k->mouse_pending = 0;
  k->mouse_knock = 0;
  mouse_clear_acc(k);
}

static int packet_size(const Kbc *k) { return k->mouse_id == 3 ? 4 : 3; }

/* One movement packet; counts beyond 9 bits set the overflow bit (EBh). */
static void mouse_packet(Kbc *k, int dx, int dy, int dz) {
  uint8_t b0 = (uint8_t)(0x08 | (k->mouse_buttons & 7)); /* bits 0-2: left, right, middle */
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
  if (k->mouse_id == 3)
    push(k, (uint8_t)clampi(dz, -8, 7), SRC_AUX);
}

/* 2:1 scaling (stream mode): 1->1, 2->1, 3->3, 4->6, 5->9, n->2n. */
static int scale21(int d) {
  static const int small[6] = {0, 1, 1, 3, 6, 9};
  int a = d < 0 ? -d : d;
  int s = a < 6 ? small[a] : 2 * a;
  return d < 0 ? -s : s;
}

/* Stream mode: report held-back motion, as many packets as the queue
 * takes (leaving the keyboard room); the rest waits for the guest's reads. */
static void mouse_flush(Kbc *k) {
  if (!k->mouse_enabled || k->mouse_remote || k->mouse_wrap)
    return;
  int lim = k->mouse_scale21 ? 127 : 255;
  while (k->mouse_acc_dx || k->mouse_acc_dy || k->mouse_acc_dz || k->mouse_acc_buttons) {
    if (KBC_QUEUE - k->q_len < packet_size(k) + KBD_RESERVE)
      return;
    int dx = clampi(k->mouse_acc_dx, -lim, lim);
    int dy = clampi(k->mouse_acc_dy, -lim, lim);
    int dz = clampi(k->mouse_acc_dz, -7, 7);
    k->mouse_acc_dx -= dx;
    k->mouse_acc_dy -= dy;
    k->mouse_acc_dz -= dz;
    k->mouse_acc_buttons = false;
    if (k->mouse_scale21) {
      dx = scale21(dx);
      dy = scale21(dy);
    }
    mouse_packet(k, dx, dy, dz);
  }
}

void mouse_event(Kbc *k, int dx, int dy, int dz, unsigned buttons) {
  buttons &= 7;
  bool changed = buttons != k->mouse_buttons;
  k->mouse_buttons = (uint8_t)buttons;
  if (k->mouse_wrap || (!k->mouse_enabled && !k->mouse_remote))
    return; /* not reporting: motion is lost, as on a real mouse */
  k->mouse_acc_dx = clampi((int64_t)k->mouse_acc_dx + dx, -MOUSE_ACC_MAX, MOUSE_ACC_MAX);
  k->mouse_acc_dy = clampi((int64_t)k->mouse_acc_dy + dy, -MOUSE_ACC_MAX, MOUSE_ACC_MAX);
  if (k->mouse_id == 3)
    k->mouse_acc_dz = clampi((int64_t)k->mouse_acc_dz + dz, -MOUSE_ACC_MAX, MOUSE_ACC_MAX);
  if (!k->mouse_remote) {
    k->mouse_acc_buttons |= changed;
    mouse_flush(k);
  }
}

void kbc_mouse_event(Kbc *k, int dx, int dy, uint8_t buttons) { mouse_event(k, dx, dy, 0, buttons); }

/* IntelliMouse: sample rates 200, 100, 80 in a row switch to ID 3. */
static void mouse_knock(Kbc *k, uint8_t rate) {
  static const uint8_t knock[3] = {200, 100, 80};
  if (rate == knock[k->mouse_knock])
    k->mouse_knock++;
  else
    k->mouse_knock = rate == knock[0] ? 1 : 0;
  if (k->mouse_knock == 3) {
    k->mouse_id = 3;
    k->mouse_knock = 0;
    mouse_clear_acc(k);
  }
}

static void mouse_write(Kbc *k, uint8_t v) {
  if (k->mouse_wrap && v != 0xec && v != 0xff) {
    push(k, v, SRC_AUX);
    return;
  }
  if (k->mouse_pending) {
    if (k->mouse_pending == 0xf3) {
      k->mouse_rate = v;
      mouse_knock(k, v);
    } else {
      k->mouse_res = v & 3;
      mouse_clear_acc(k);
    }
    k->mouse_pending = 0;
    push(k, 0xfa, SRC_AUX);
    return;
  }
  if (v != 0xf3)
    k->mouse_knock = 0; /* the knock must be three F3h commands in a row */
  switch (v) {
  case 0xff:
    mouse_defaults(k);
    k->mouse_wrap = false;
    k->mouse_id = 0;
    push(k, 0xfa, SRC_AUX);
    push(k, 0xaa, SRC_AUX);
    push(k, 0x00, SRC_AUX);
    break;
  case 0xf6: mouse_defaults(k); push(k, 0xfa, SRC_AUX); break;
  case 0xf5: k->mouse_enabled = false; mouse_clear_acc(k); push(k, 0xfa, SRC_AUX); break;
  case 0xf4: k->mouse_enabled = true; mouse_clear_acc(k); push(k, 0xfa, SRC_AUX); break;
  case 0xf3:
  case 0xe8: k->mouse_pending = v; push(k, 0xfa, SRC_AUX); break;
  case 0xe6: k->mouse_scale21 = false; push(k, 0xfa, SRC_AUX); break;
  case 0xe7: k->mouse_scale21 = true; push(k, 0xfa, SRC_AUX); break;
  case 0xf2: push(k, 0xfa, SRC_AUX); push(k, k->mouse_id, SRC_AUX); break;
  case 0xe9: { /* status: remote, enabled, 2:1, then left, middle, right */
    uint8_t b = k->mouse_buttons;
    push(k, 0xfa, SRC_AUX);
    push(k, (uint8_t)((k->mouse_remote << 6) | (k->mouse_enabled << 5) | (k->mouse_scale21 << 4) |
                      ((b & 1) << 2) | ((b & 4) ? 2 : 0) | ((b & 2) ? 1 : 0)), SRC_AUX);
    push(k, k->mouse_res, SRC_AUX);
    push(k, k->mouse_rate, SRC_AUX);
    break;
  }
  case 0xea: k->mouse_remote = false; mouse_clear_acc(k); push(k, 0xfa, SRC_AUX); break;
  case 0xf0: k->mouse_remote = true; mouse_clear_acc(k); push(k, 0xfa, SRC_AUX); break;
  case 0xeb: /* read data: everything counted since the last report */
    push(k, 0xfa, SRC_AUX);
    mouse_packet(k, k->mouse_acc_dx, k->mouse_acc_dy, k->mouse_acc_dz);
    mouse_clear_acc(k);
    break;
  case 0xee: k->mouse_wrap = true; push(k, 0xfa, SRC_AUX); break;
  case 0xec: k->mouse_wrap = false; push(k, 0xfa, SRC_AUX); break;
  default: push(k, 0xfe, SRC_AUX); break;
  }
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
      mouse_flush(k); /* room for held-back motion */
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
  kbd_power_on(k);
  mouse_defaults(k);
  k->mouse_wrap = false;
  k->mouse_buttons = 0;
  k->mouse_id = 0;
  k->outport = 0x01; /* reset line inactive; A20 set below */
  k->port92 = 0;
  if (k->set_a20)
    k->set_a20(k->cb_opaque, true);
  k->outport |= 0x02;
  k->port92 |= 0x02;
  update_irqs(k);
}

static void dev_reset(void *opaque) { kbc_reset(opaque); }
static void post_load(void *opaque) {
  Kbc *k = opaque;
  if (k->rep_timer) {
    if (k->kbd_rep_key != KEY_NONE)
      timer_mod(k->rep_timer, k->kbd_rep_at);
    else
      timer_del(k->rep_timer);
  }
  if (k->set_a20)
    k->set_a20(k->cb_opaque, kbc_a20(k));
  irq_set(&k->irq_kbd, k->irq1_level);
  irq_set(&k->irq_aux, k->irq12_level);
}

Kbc *kbc_new(IoBus *bus, Clock *clock, IrqLine irq1, IrqLine irq12, void (*a20)(void *, bool),
             void (*reset)(void *), void *cb_opaque) {
  Kbc *k = calloc(1, sizeof(*k));
  if (!k)
    return NULL;
  k->clock = clock;
  if (clock && (!(k->rep_timer = clock_timer_new(clock, rep_timer_cb, k)) ||
                !(k->play_timer = clock_timer_new(clock, play_cb, k)))) {
    kbc_free(k);
    return NULL;
  }
  k->irq_kbd = irq1;
  k->irq_aux = irq12;
  k->set_a20 = a20;
  k->reset = reset;
  k->cb_opaque = cb_opaque;
  k->dev = (Device){.name = "kbc", .opaque = k, .reset = dev_reset, .post_load = post_load,
                    .chunk = {{.state = k, .table = kbc_table}}};
  kbc_reset(k);
  if (bus && (iobus_register_ex(bus, 0x60, 1, kbc_io_read, kbc_io_write, k, "i8042-data", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x64, 1, kbc_io_read, kbc_io_write, k, "i8042-cmd", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x92, 1, kbc_io_read, kbc_io_write, k, "port92", IOBUS_8BIT) < 0)) {
    kbc_free(k);
    return NULL;
  }
  return k;
}

void kbc_free(Kbc *k) {
  if (!k)
    return;
  if (k->rep_timer)
    timer_del(k->rep_timer);
  if (k->play_timer)
    timer_del(k->play_timer);
  free(k->play);
  free(k);
}
