/*
 * i8042.h — Intel 8042 keyboard controller (ports 60h/64h) with a PS/2
 * keyboard (IRQ1) and PS/2 mouse (IRQ12), plus the PS/2 "system control
 * port A" at 92h (fast A20 and fast reset).
 * References: IBM PC/AT Technical Reference (keyboard controller), IBM
 * PS/2 Hardware Interface Technical Reference (keyboard/mouse protocol).
 */
#ifndef X86VM_I8042_H
#define X86VM_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "irq.h"
#include "keymap.h"

#define KBC_QUEUE 32
#define KBC_MOUSE_ACC_MAX 1000000 /* held-back mouse motion is clamped here */
#define KBD_BUF 16 /* the keyboard's own buffer: more queued bytes are an overrun */
#define KBD_RESERVE (KEYMAP_SEQ_MAX + 1) /* queue room mouse packets leave the keyboard */

/* Status register bits (port 64h read). */
#define KBC_ST_OBF  0x01 /* output buffer full */
#define KBC_ST_IBF  0x02 /* input buffer full (never: we process at once) */
#define KBC_ST_SYS  0x04 /* system flag */
#define KBC_ST_CMD  0x08 /* last write was to port 64h */
#define KBC_ST_UNLOCKED 0x10 /* keyboard not inhibited */
#define KBC_ST_AUX  0x20 /* output buffer holds mouse data */

/* Command byte bits. */
#define KBC_CB_KBD_INT 0x01
#define KBC_CB_AUX_INT 0x02
#define KBC_CB_SYS     0x04
#define KBC_CB_KBD_DIS 0x10
#define KBC_CB_AUX_DIS 0x20
#define KBC_CB_XLAT    0x40

#define KBC_FIELDS(F, A, S, FR, AR)                                                      \
  F(uint8_t, status)        /* status register (OBF/AUX computed) */                     \
  F(uint8_t, cmd_byte)      /* controller command byte */                                \
  F(uint8_t, outport)       /* output port: bit0 reset line, bit1 A20 */                 \
  F(uint8_t, pending_cmd)   /* controller command waiting for its data byte (0: none) */ \
  F(bool, obf)              /* output buffer full */                                     \
  F(bool, obf_aux)          /* ... with mouse data */                                    \
  F(uint8_t, outbuf)        /* output buffer */                                          \
  A(uint8_t, q, KBC_QUEUE)  /* pending bytes for the output buffer */                    \
  AR(uint8_t, q_src, KBC_QUEUE, 0, 3) /* per byte: 0 controller, 1 keyboard, 2 mouse, 3 D3h */ \
  FR(uint8_t, q_head, 0, KBC_QUEUE - 1) /* first queued byte */                          \
  FR(uint8_t, q_len, 0, KBC_QUEUE) /* queued bytes */                                    \
  F(bool, xlat_f0)          /* translation: saw a set-2 break prefix F0h */              \
  F(uint8_t, kbd_pending)   /* keyboard command waiting for its argument (0: none) */    \
  FR(uint8_t, kbd_set, 1, 2) /* keyboard scancode set (1 or 2 supported) */              \
  F(bool, kbd_enabled)      /* keyboard scanning (F4h/F5h) */                            \
  FR(uint8_t, kbd_leds, 0, 7) /* LED state (EDh) */                                      \
  FR(uint8_t, kbd_typematic, 0, 0x7f) /* typematic rate/delay (F3h) */                   \
  A(uint8_t, kbd_held, KEYMAP_HELD_BYTES) /* keys down, one bit per KeyCode */           \
  FR(uint8_t, kbd_rep_key, 0, KEY_COUNT - 1) /* key being repeated (KEY_NONE: none) */   \
  F(uint64_t, kbd_rep_at)   /* virtual ns of its next repeat */                          \
  F(bool, kbd_overrun)      /* overrun code sent; nothing more until a sequence fits */  \
  F(uint8_t, mouse_pending) /* mouse command waiting for its argument (0: none) */       \
  F(bool, mouse_enabled)    /* data reporting (F4h) */                                   \
  F(bool, mouse_remote)     /* remote mode (F0h) */                                      \
  F(bool, mouse_wrap)       /* wrap (echo) mode */                                       \
  F(uint8_t, mouse_rate)    /* sample rate */                                            \
  FR(uint8_t, mouse_res, 0, 3) /* resolution */                                          \
  F(bool, mouse_scale21)    /* 2:1 scaling */                                            \
  FR(uint8_t, mouse_buttons, 0, 7) /* button state: 1 left, 2 right, 4 middle */         \
  FR(uint8_t, mouse_id, 0, 3) /* device ID: 0 standard, 3 IntelliMouse (wheel) */        \
  FR(uint8_t, mouse_knock, 0, 2) /* rates of the 200,100,80 knock matched so far */      \
  FR(int32_t, mouse_acc_dx, -KBC_MOUSE_ACC_MAX, KBC_MOUSE_ACC_MAX) /* motion not yet reported */ \
  FR(int32_t, mouse_acc_dy, -KBC_MOUSE_ACC_MAX, KBC_MOUSE_ACC_MAX) /* (remote mode, full queue) */ \
  FR(int32_t, mouse_acc_dz, -KBC_MOUSE_ACC_MAX, KBC_MOUSE_ACC_MAX)                       \
  F(bool, mouse_acc_buttons) /* a button change not yet reported */                      \
  F(uint8_t, port92)        /* port 92h bits (bit1 A20) */                               \
  F(bool, irq1_level)       /* IRQ1 output */                                            \
  F(bool, irq12_level)      /* IRQ12 output */
typedef struct Kbc {
  SAVE_DECLARE(KBC_FIELDS)
  Clock *clock;                               /* virtual clock (NULL: no typematic repeat) */
  Timer *rep_timer;                           /* next typematic repeat */
  KeyEvent *play;                             /* events kbd_type() has yet to send */
  size_t play_pos, play_len, play_cap;        /* next, count, allocated */
  Timer *play_timer;                          /* next kbd_type() event */
  IrqLine irq_kbd;                            /* IRQ1 */
  IrqLine irq_aux;                            /* IRQ12 */
  void (*set_a20)(void *opaque, bool on);     /* A20 gate output */
  void (*reset)(void *opaque);                /* CPU reset line pulse */
  void *cb_opaque;                            /* for set_a20 / reset */
  uint8_t logged[32];                         /* unknown commands already logged */
  Device dev;                                 /* reset/save/load record */
} Kbc;
#define KBC_VERSION 2
const SaveTable *kbc_table(void);

Kbc *kbc_new(IoBus *bus, Clock *clock, IrqLine irq1, IrqLine irq12, void (*set_a20)(void *, bool),
             void (*reset)(void *), void *cb_opaque);
void kbc_free(Kbc *kbc);
void kbc_reset(Kbc *kbc);
/* Input: a key pressed or released on the host.  The keyboard sends its
 * set 2 (or, if the guest chose it, set 1) sequence; the controller
 * translates to set 1 when the command byte's XLAT bit is set.  Send only
 * changes (no host auto-repeat): the keyboard repeats a held key itself at
 * the guest's typematic rate (F3h) on the virtual clock until it is released
 * or another key is pressed.  Repeated presses/releases are ignored. */
void kbd_key_event(Kbc *kbc, KeyCode key, bool down);
/* Release every held key (breaks sent), e.g. when the window loses focus. */
void kbd_release_all(Kbc *kbc);
/* Type key events (e.g. from keymap_send_keys) paced on the virtual clock:
 * one every KBD_TYPE_GAP_NS at most, each only once the guest has read the
 * keyboard's earlier bytes, so a long string never overruns the keyboard.
 * Without a clock they are sent at once.  Pending events are host input,
 * not machine state: a machine reset does not drop them, and snapshots do
 * not record them.  Returns 0, or -1 when out of memory (nothing queued). */
#define KBD_TYPE_GAP_NS 10000000u
int kbd_type(Kbc *kbc, const KeyEvent *ev, size_t n);
size_t kbd_type_pending(const Kbc *kbc);
/* The same by set 1 make code (0x01..0x7f) and E0 flag. */
void kbc_key_event(Kbc *kbc, uint8_t set1_code, bool e0, bool down);
/* Input: relative mouse motion (dx right, dy up, dz wheel: positive = toward
 * the user, i.e. scroll down, as PS/2 reports it) and the buttons now held
 * (1 left, 2 right, 4 middle).  In stream mode the motion goes out as
 * packets (4 bytes with the wheel once the guest knocked 200,100,80), split
 * so no packet overflows its 9-bit range; when the queue has no room the
 * motion and button change are held back and merged with what follows,
 * sent as the guest reads.  In remote mode it accumulates for EBh. */
void mouse_event(Kbc *kbc, int dx, int dy, int dz, unsigned buttons);
void kbc_mouse_event(Kbc *kbc, int dx, int dy, uint8_t buttons); /* mouse_event without wheel */
bool kbc_a20(const Kbc *kbc);

#endif
