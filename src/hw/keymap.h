/*
 * keymap.h — the host-independent key model: every key of a 105-key (ISO)
 * PC keyboard, its scan code set 2 sequences, the 8042's set 2 -> set 1
 * translation, key names for combos ("ctrl-alt-delete"), US-layout typing
 * of ASCII text and the --send-keys string syntax.
 *
 * References: IBM PS/2 Hardware Interface Technical Reference (keyboard,
 * scan code sets 1 and 2, 8042 translation); USB HID Usage Tables (page 07h,
 * keyboard), which SDL2's SDL_Scancode values follow.
 *
 * Keys are named as QEMU's `sendkey` names them (ctrl, alt_r, ret, spc,
 * kp_enter, less...), so users can reuse what they know; a few aliases
 * (enter, space, del, win...) are accepted too.
 *
 * Set 2 sequences (KEYMAP_SEQ_MAX bytes at most):
 *  - ordinary keys: make = code, break = F0 code;
 *  - extended keys (E0): make = E0 code, break = E0 F0 code;
 *  - Print Screen depends on the modifiers held:
 *      none:          make E0 12 E0 7C    break E0 F0 7C E0 F0 12
 *      Shift or Ctrl: make E0 7C          break E0 F0 7C
 *      Alt (SysRq):   make 84             break F0 84
 *    (typematic repeats E0 7C, or 84 with Alt);
 *  - Pause sends its whole sequence at press and nothing at release, and
 *    does not repeat:
 *      none:          make E1 14 77 E1 F0 14 F0 77
 *      Ctrl (Break):  make E0 7E E0 F0 7E
 *  - not generated: the "fake shifts" (E0 12 / E0 F0 12) real keyboards wrap
 *    around the navigation keys and keypad slash when Shift or Num Lock is
 *    on; guests (DOS, Linux, Windows) ignore them.
 */
#ifndef X86VM_KEYMAP_H
#define X86VM_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KF_E0 0x01 /* extended key: sequences carry an E0 prefix */

/* KROW(id, name, set 2 code, flags, HID usage) — one row per key, in the
 * keyboard's row order.  Print Screen and Pause have special sequences
 * (above); their code here is the one their typematic repeat uses. */
#define KEYMAP_KEYS(KROW)                                                   \
  KROW(ESC, "esc", 0x76, 0, 0x29)                                           \
  KROW(F1, "f1", 0x05, 0, 0x3a)                                             \
  KROW(F2, "f2", 0x06, 0, 0x3b)                                             \
  KROW(F3, "f3", 0x04, 0, 0x3c)                                             \
  KROW(F4, "f4", 0x0c, 0, 0x3d)                                             \
  KROW(F5, "f5", 0x03, 0, 0x3e)                                             \
  KROW(F6, "f6", 0x0b, 0, 0x3f)                                             \
  KROW(F7, "f7", 0x83, 0, 0x40)                                             \
  KROW(F8, "f8", 0x0a, 0, 0x41)                                             \
  KROW(F9, "f9", 0x01, 0, 0x42)                                             \
  KROW(F10, "f10", 0x09, 0, 0x43)                                           \
  KROW(F11, "f11", 0x78, 0, 0x44)                                           \
  KROW(F12, "f12", 0x07, 0, 0x45)                                           \
  KROW(PRINTSCREEN, "print", 0x7c, KF_E0, 0x46)                             \
  KROW(SCROLLLOCK, "scroll_lock", 0x7e, 0, 0x47)                            \
  KROW(PAUSE, "pause", 0x00, 0, 0x48)                                       \
  KROW(GRAVE, "grave_accent", 0x0e, 0, 0x35)                                \
  KROW(1, "1", 0x16, 0, 0x1e)                                               \
  KROW(2, "2", 0x1e, 0, 0x1f)                                               \
  KROW(3, "3", 0x26, 0, 0x20)                                               \
  KROW(4, "4", 0x25, 0, 0x21)                                               \
  KROW(5, "5", 0x2e, 0, 0x22)                                               \
  KROW(6, "6", 0x36, 0, 0x23)                                               \
  KROW(7, "7", 0x3d, 0, 0x24)                                               \
  KROW(8, "8", 0x3e, 0, 0x25)                                               \
  KROW(9, "9", 0x46, 0, 0x26)                                               \
  KROW(0, "0", 0x45, 0, 0x27)                                               \
  KROW(MINUS, "minus", 0x4e, 0, 0x2d)                                       \
  KROW(EQUAL, "equal", 0x55, 0, 0x2e)                                       \
  KROW(BACKSPACE, "backspace", 0x66, 0, 0x2a)                               \
  KROW(TAB, "tab", 0x0d, 0, 0x2b)                                           \
  KROW(Q, "q", 0x15, 0, 0x14)                                               \
  KROW(W, "w", 0x1d, 0, 0x1a)                                               \
  KROW(E, "e", 0x24, 0, 0x08)                                               \
  KROW(R, "r", 0x2d, 0, 0x15)                                               \
  KROW(T, "t", 0x2c, 0, 0x17)                                               \
  KROW(Y, "y", 0x35, 0, 0x1c)                                               \
  KROW(U, "u", 0x3c, 0, 0x18)                                               \
  KROW(I, "i", 0x43, 0, 0x0c)                                               \
  KROW(O, "o", 0x44, 0, 0x12)                                               \
  KROW(P, "p", 0x4d, 0, 0x13)                                               \
  KROW(LEFTBRACE, "bracket_left", 0x54, 0, 0x2f)                            \
  KROW(RIGHTBRACE, "bracket_right", 0x5b, 0, 0x30)                          \
  KROW(BACKSLASH, "backslash", 0x5d, 0, 0x31)                               \
  KROW(CAPSLOCK, "caps_lock", 0x58, 0, 0x39)                                \
  KROW(A, "a", 0x1c, 0, 0x04)                                               \
  KROW(S, "s", 0x1b, 0, 0x16)                                               \
  KROW(D, "d", 0x23, 0, 0x07)                                               \
  KROW(F, "f", 0x2b, 0, 0x09)                                               \
  KROW(G, "g", 0x34, 0, 0x0a)                                               \
  KROW(H, "h", 0x33, 0, 0x0b)                                               \
  KROW(J, "j", 0x3b, 0, 0x0d)                                               \
  KROW(K, "k", 0x42, 0, 0x0e)                                               \
  KROW(L, "l", 0x4b, 0, 0x0f)                                               \
  KROW(SEMICOLON, "semicolon", 0x4c, 0, 0x33)                               \
  KROW(APOSTROPHE, "apostrophe", 0x52, 0, 0x34)                             \
  KROW(ENTER, "ret", 0x5a, 0, 0x28)                                         \
  KROW(LEFTSHIFT, "shift", 0x12, 0, 0xe1)                                   \
  KROW(102ND, "less", 0x61, 0, 0x64)                                        \
  KROW(Z, "z", 0x1a, 0, 0x1d)                                               \
  KROW(X, "x", 0x22, 0, 0x1b)                                               \
  KROW(C, "c", 0x21, 0, 0x06)                                               \
  KROW(V, "v", 0x2a, 0, 0x19)                                               \
  KROW(B, "b", 0x32, 0, 0x05)                                               \
  KROW(N, "n", 0x31, 0, 0x11)                                               \
  KROW(M, "m", 0x3a, 0, 0x10)                                               \
  KROW(COMMA, "comma", 0x41, 0, 0x36)                                       \
  KROW(DOT, "dot", 0x49, 0, 0x37)                                           \
  KROW(SLASH, "slash", 0x4a, 0, 0x38)                                       \
  KROW(RIGHTSHIFT, "shift_r", 0x59, 0, 0xe5)                                \
  KROW(LEFTCTRL, "ctrl", 0x14, 0, 0xe0)                                     \
  KROW(LEFTMETA, "meta_l", 0x1f, KF_E0, 0xe3)                               \
  KROW(LEFTALT, "alt", 0x11, 0, 0xe2)                                       \
  KROW(SPACE, "spc", 0x29, 0, 0x2c)                                         \
  KROW(RIGHTALT, "alt_r", 0x11, KF_E0, 0xe6)                                \
  KROW(RIGHTMETA, "meta_r", 0x27, KF_E0, 0xe7)                              \
  KROW(MENU, "menu", 0x2f, KF_E0, 0x65)                                     \
  KROW(RIGHTCTRL, "ctrl_r", 0x14, KF_E0, 0xe4)                              \
  KROW(INSERT, "insert", 0x70, KF_E0, 0x49)                                 \
  KROW(HOME, "home", 0x6c, KF_E0, 0x4a)                                     \
  KROW(PAGEUP, "pgup", 0x7d, KF_E0, 0x4b)                                   \
  KROW(DELETE, "delete", 0x71, KF_E0, 0x4c)                                 \
  KROW(END, "end", 0x69, KF_E0, 0x4d)                                       \
  KROW(PAGEDOWN, "pgdn", 0x7a, KF_E0, 0x4e)                                 \
  KROW(UP, "up", 0x75, KF_E0, 0x52)                                         \
  KROW(LEFT, "left", 0x6b, KF_E0, 0x50)                                     \
  KROW(DOWN, "down", 0x72, KF_E0, 0x51)                                     \
  KROW(RIGHT, "right", 0x74, KF_E0, 0x4f)                                   \
  KROW(NUMLOCK, "num_lock", 0x77, 0, 0x53)                                  \
  KROW(KP_DIVIDE, "kp_divide", 0x4a, KF_E0, 0x54)                           \
  KROW(KP_MULTIPLY, "kp_multiply", 0x7c, 0, 0x55)                           \
  KROW(KP_SUBTRACT, "kp_subtract", 0x7b, 0, 0x56)                           \
  KROW(KP_7, "kp_7", 0x6c, 0, 0x5f)                                         \
  KROW(KP_8, "kp_8", 0x75, 0, 0x60)                                         \
  KROW(KP_9, "kp_9", 0x7d, 0, 0x61)                                         \
  KROW(KP_ADD, "kp_add", 0x79, 0, 0x57)                                     \
  KROW(KP_4, "kp_4", 0x6b, 0, 0x5c)                                         \
  KROW(KP_5, "kp_5", 0x73, 0, 0x5d)                                         \
  KROW(KP_6, "kp_6", 0x74, 0, 0x5e)                                         \
  KROW(KP_1, "kp_1", 0x69, 0, 0x59)                                         \
  KROW(KP_2, "kp_2", 0x72, 0, 0x5a)                                         \
  KROW(KP_3, "kp_3", 0x7a, 0, 0x5b)                                         \
  KROW(KP_0, "kp_0", 0x70, 0, 0x62)                                         \
  KROW(KP_DECIMAL, "kp_decimal", 0x71, 0, 0x63)                             \
  KROW(KP_ENTER, "kp_enter", 0x5a, KF_E0, 0x58)

typedef enum KeyCode {
  KEY_NONE = 0,
#define KEYMAP_ENUM(id, name, code, flags, hid) KEY_##id,
  KEYMAP_KEYS(KEYMAP_ENUM)
#undef KEYMAP_ENUM
  KEY_COUNT /* 1 + the number of keys */
} KeyCode;

#define KEYMAP_SEQ_MAX 8      /* longest sequence (Pause) */
#define KEYMAP_HELD_BYTES ((KEY_COUNT + 7) / 8)

/* Modifier state a keyboard keeps for Print Screen and Pause. */
#define KEYMOD_SHIFT 0x01 /* either Shift held */
#define KEYMOD_CTRL  0x02 /* either Ctrl held */
#define KEYMOD_ALT   0x04 /* either Alt held */

/* A key press or release, e.g. one step of a --send-keys string. */
typedef struct KeyEvent {
  KeyCode key;
  bool down;
} KeyEvent;

/* Primary (QEMU sendkey) name of a key, or NULL for KEY_NONE/out of range. */
const char *keymap_name(KeyCode key);
/* Key by name (case-insensitive, len bytes of name; aliases accepted), or KEY_NONE. */
KeyCode keymap_lookup(const char *name, size_t len);
/* The KEYMOD_* bit a key contributes when held (0 for non-modifiers). */
unsigned keymap_modifier(KeyCode key);

/* Set 2 bytes of a key's make, break and typematic repeat with the given
 * KEYMOD_* state; return the byte count (0: nothing is sent). */
size_t keymap_set2_make(KeyCode key, unsigned mods, uint8_t out[KEYMAP_SEQ_MAX]);
size_t keymap_set2_break(KeyCode key, unsigned mods, uint8_t out[KEYMAP_SEQ_MAX]);
size_t keymap_set2_repeat(KeyCode key, unsigned mods, uint8_t out[KEYMAP_SEQ_MAX]);

/* The 8042's translation of one set 2 byte into set 1 (a preceding F0h is
 * folded by the caller as bit 7). */
uint8_t keymap_set2_to_set1(uint8_t code);
/* A whole set 2 sequence in set 1: F0 xx becomes xx' | 80h. Returns bytes. */
size_t keymap_translate(const uint8_t *set2, size_t n, uint8_t *set1);

/* Key at a USB HID keyboard usage (= SDL_Scancode), or KEY_NONE.  The ISO
 * "non-US #" key (32h) is the backslash key's position, so it maps there. */
KeyCode keymap_from_hid(unsigned usage);
/* Key with the given set 1 make code (0x01-0x7f), e0 for E0-prefixed. */
KeyCode keymap_from_set1(uint8_t code, bool e0);

/* "ctrl-alt-delete" -> keys in press order (release in reverse).  Names are
 * separated by '-'.  Returns the count, or -1 with a one-line message in
 * err (empty string, empty or unknown name, more than max keys). */
int keymap_parse_combo(const char *s, KeyCode *keys, size_t max, char *err, size_t errlen);

/* Keys that type ASCII character c on a US layout, modifiers first: 'a' =
 * a, 'A' = shift a, '\n' and '\r' = ret, '\t' = tab, '\b' = backspace, ESC =
 * esc, other control characters 01h-1Ah = ctrl + letter.  Returns the count
 * (1 or 2), or 0 when no key types c. */
int keymap_char_keys(int c, KeyCode out[2]);

/* A --send-keys string as key events.  Syntax:
 *   - a plain character is typed (pressed and released, with Shift when the
 *     US layout needs it), as keymap_char_keys() says;
 *   - <combo> presses the keys of a combo in order and releases them in
 *     reverse: "<ctrl-alt-delete>", "<f5>", "<ret>", "<shift-tab>";
 *   - "<<" is a literal '<' ('>' outside brackets is literal too).
 * Returns a malloc'd array of *n events (free() it), or NULL with a one-line
 * message in err naming the bad name or character and its offset. */
KeyEvent *keymap_send_keys(const char *s, size_t *n, char *err, size_t errlen);

#endif
