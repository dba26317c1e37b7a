/*
 * keymap.c — the key model (see keymap.h): per-key set 2 sequences, the
 * 8042 translation table, names, combos, US-layout typing, --send-keys.
 */
#include "keymap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct KeyInfo {
  const char *name; /* QEMU sendkey name */
  uint8_t set2;     /* set 2 code (after E0 when KF_E0) */
  uint8_t flags;    /* KF_* */
  uint8_t hid;      /* USB HID usage, page 07h */
} KeyInfo;

static const KeyInfo keys[KEY_COUNT] = {
  [KEY_NONE] = {NULL, 0, 0, 0},
#define KEYMAP_INFO(id, nm, code, fl, usage) [KEY_##id] = {nm, code, fl, usage},
  KEYMAP_KEYS(KEYMAP_INFO)
#undef KEYMAP_INFO
};

/* Other names users type (QEMU's own alternatives and common words). */
static const struct {
  const char *alias;
  KeyCode key;
} aliases[] = {
  {"escape", KEY_ESC},         {"enter", KEY_ENTER},         {"return", KEY_ENTER},
  {"space", KEY_SPACE},        {"del", KEY_DELETE},          {"ins", KEY_INSERT},
  {"bksp", KEY_BACKSPACE},     {"pageup", KEY_PAGEUP},       {"pagedown", KEY_PAGEDOWN},
  {"control", KEY_LEFTCTRL},   {"ctrl_l", KEY_LEFTCTRL},     {"alt_l", KEY_LEFTALT},
  {"shift_l", KEY_LEFTSHIFT},  {"altgr", KEY_RIGHTALT},      {"win", KEY_LEFTMETA},
  {"super", KEY_LEFTMETA},     {"printscreen", KEY_PRINTSCREEN}, {"prtsc", KEY_PRINTSCREEN},
  {"sysrq", KEY_PRINTSCREEN},  {"capslock", KEY_CAPSLOCK},   {"numlock", KEY_NUMLOCK},
  {"scrolllock", KEY_SCROLLLOCK}, {"asterisk", KEY_KP_MULTIPLY}, {"102nd", KEY_102ND},
  {"compose", KEY_MENU},       {"grave", KEY_GRAVE},         {"period", KEY_DOT},
};

/* The 8042's set 2 -> set 1 translation for codes 00h-7Fh (IBM PS/2
 * Technical Reference); codes 80h and up pass unchanged except 83h (F7)
 * and 84h (Alt+SysRq).  Entries for codes no 105-key keyboard sends are
 * part of the same published table. */
static const uint8_t xlat_lo[0x80] = {
  /* 00 */ 0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58,
  /* 08 */ 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
  /* 10 */ 0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,
  /* 18 */ 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
  /* 20 */ 0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c,
  /* 28 */ 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
  /* 30 */ 0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e,
  /* 38 */ 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
  /* 40 */ 0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,
  /* 48 */ 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
  /* 50 */ 0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e,
  /* 58 */ 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
  /* 60 */ 0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,
  /* 68 */ 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
  /* 70 */ 0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,
  /* 78 */ 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t keymap_set2_to_set1(uint8_t code) {
  if (code < 0x80)
    return xlat_lo[code];
  if (code == 0x83)
    return 0x41;
  if (code == 0x84)
    return 0x54;
  return code;
}

size_t keymap_translate(const uint8_t *in, size_t n, uint8_t *out) {
  size_t o = 0;
  bool brk = false;
  for (size_t i = 0; i < n; i++) {
    if (in[i] == 0xf0) {
      brk = true;
      continue;
    }
    out[o++] = (uint8_t)(keymap_set2_to_set1(in[i]) | (brk ? 0x80 : 0));
    brk = false;
  }
  return o;
}

const char *keymap_name(KeyCode key) {
  return key > KEY_NONE && key < KEY_COUNT ? keys[key].name : NULL;
}

static bool name_eq(const char *a, const char *b, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!b[i] || tolower((unsigned char)a[i]) != b[i])
      return false;
  return b[len] == 0;
}

KeyCode keymap_lookup(const char *name, size_t len) {
  if (!len)
    return KEY_NONE;
  for (int k = 1; k < KEY_COUNT; k++)
    if (name_eq(name, keys[k].name, len))
      return (KeyCode)k;
  for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
    if (name_eq(name, aliases[i].alias, len))
      return aliases[i].key;
  return KEY_NONE;
}

unsigned keymap_modifier(KeyCode key) {
  switch (key) {
  case KEY_LEFTSHIFT:
  case KEY_RIGHTSHIFT: return KEYMOD_SHIFT;
  case KEY_LEFTCTRL:
  case KEY_RIGHTCTRL: return KEYMOD_CTRL;
  case KEY_LEFTALT:
  case KEY_RIGHTALT: return KEYMOD_ALT;
  default: return 0;
  }
}

static size_t put(uint8_t *out, const uint8_t *b, size_t n) {
  memcpy(out, b, n);
  return n;
}

size_t keymap_set2_make(KeyCode key, unsigned mods, uint8_t out[KEYMAP_SEQ_MAX]) {
  if (key <= KEY_NONE || key >= KEY_COUNT)
    return 0;
  if (key == KEY_PAUSE) {
    if (mods & KEYMOD_CTRL) /* Ctrl+Pause is Break */
      return put(out, (const uint8_t[]){0xe0, 0x7e, 0xe0, 0xf0, 0x7e}, 5);
    return put(out, (const uint8_t[]){0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77}, 8);
  }
  if (key == KEY_PRINTSCREEN) {
    if (mods & KEYMOD_ALT)
      return put(out, (const uint8_t[]){0x84}, 1);
    if (mods & (KEYMOD_SHIFT | KEYMOD_CTRL))
      return put(out, (const uint8_t[]){0xe0, 0x7c}, 2);
    return put(out, (const uint8_t[]){0xe0, 0x12, 0xe0, 0x7c}, 4);
  }
  size_t n = 0;
  if (keys[key].flags & KF_E0)
    out[n++] = 0xe0;
  out[n++] = keys[key].set2;
  return n;
}

size_t keymap_set2_break(KeyCode key, unsigned mods, uint8_t out[KEYMAP_SEQ_MAX]) {
  if (key <= KEY_NONE || key >= KEY_COUNT || key == KEY_PAUSE)
    return 0;
  if (key == KEY_PRINTSCREEN) {
    if (mods & KEYMOD_ALT)
      return put(out, (const uint8_t[]){0xf0, 0x84}, 2);
    if (mods & (KEYMOD_SHIFT | KEYMOD_CTRL))
      return put(out, (const uint8_t[]){0xe0, 0xf0, 0x7c}, 3);
    return put(out, (const uint8_t[]){0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12}, 6);
  }
  size_t n = 0;
  if (keys[key].flags & KF_E0)
    out[n++] = 0xe0;
  out[n++] = 0xf0;
  out[n++] = keys[key].set2;
  return n;
}

size_t keymap_set2_repeat(KeyCode key, unsigned mods, uint8_t out[KEYMAP_SEQ_MAX]) {
  if (key == KEY_PAUSE)
    return 0;
  if (key == KEY_PRINTSCREEN)
    return mods & KEYMOD_ALT ? put(out, (const uint8_t[]){0x84}, 1)
                             : put(out, (const uint8_t[]){0xe0, 0x7c}, 2);
  return keymap_set2_make(key, mods, out);
}

KeyCode keymap_from_hid(unsigned usage) {
  if (usage == 0x32) /* ISO "non-US # and ~": the backslash key's position */
    return KEY_BACKSLASH;
  for (int k = 1; k < KEY_COUNT; k++)
    if (usage && keys[k].hid == usage)
      return (KeyCode)k;
  return KEY_NONE;
}

KeyCode keymap_from_set1(uint8_t code, bool e0) {
  for (int k = 1; k < KEY_COUNT; k++) {
    if (k == KEY_PAUSE)
      continue;
    if (keymap_set2_to_set1(keys[k].set2) == code && !!(keys[k].flags & KF_E0) == e0)
      return (KeyCode)k;
  }
  return KEY_NONE;
}

int keymap_parse_combo(const char *s, KeyCode *out, size_t max, char *err, size_t errlen) {
  if (!s || !*s) {
    snprintf(err, errlen, "empty key combination");
    return -1;
  }
  size_t n = 0;
  const char *p = s;
  for (;;) {
    const char *e = strchr(p, '-');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (!len) {
      snprintf(err, errlen, "empty key name in '%s'", s);
      return -1;
    }
    KeyCode k = keymap_lookup(p, len);
    if (k == KEY_NONE) {
      snprintf(err, errlen, "unknown key name '%.*s' in '%s'", (int)len, p, s);
      return -1;
    }
    if (n == max) {
      snprintf(err, errlen, "too many keys in '%s' (at most %zu)", s, max);
      return -1;
    }
    out[n++] = k;
    if (!e)
      break;
    p = e + 1;
  }
  return (int)n;
}

/* US layout: the unshifted and shifted character of each symbol key. */
static const struct {
  char plain, shifted;
  KeyCode key;
} us_symbols[] = {
  {'`', '~', KEY_GRAVE},       {'1', '!', KEY_1},          {'2', '@', KEY_2},
  {'3', '#', KEY_3},           {'4', '$', KEY_4},          {'5', '%', KEY_5},
  {'6', '^', KEY_6},           {'7', '&', KEY_7},          {'8', '*', KEY_8},
  {'9', '(', KEY_9},           {'0', ')', KEY_0},          {'-', '_', KEY_MINUS},
  {'=', '+', KEY_EQUAL},       {'[', '{', KEY_LEFTBRACE},  {']', '}', KEY_RIGHTBRACE},
  {'\\', '|', KEY_BACKSLASH},  {';', ':', KEY_SEMICOLON},  {'\'', '"', KEY_APOSTROPHE},
  {',', '<', KEY_COMMA},       {'.', '>', KEY_DOT},        {'/', '?', KEY_SLASH},
};

static const KeyCode letter_keys[26] = {
  KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
  KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
};

int keymap_char_keys(int c, KeyCode out[2]) {
  switch (c) {
  case ' ': out[0] = KEY_SPACE; return 1;
  case '\n':
  case '\r': out[0] = KEY_ENTER; return 1;
  case '\t': out[0] = KEY_TAB; return 1;
  case '\b': out[0] = KEY_BACKSPACE; return 1;
  case 0x1b: out[0] = KEY_ESC; return 1;
  default: break;
  }
  if (c >= 'a' && c <= 'z') {
    out[0] = letter_keys[c - 'a'];
    return 1;
  }
  if (c >= 'A' && c <= 'Z') {
    out[0] = KEY_LEFTSHIFT;
    out[1] = letter_keys[c - 'A'];
    return 2;
  }
  if (c >= 0x01 && c <= 0x1a) {
    out[0] = KEY_LEFTCTRL;
    out[1] = letter_keys[c - 1];
    return 2;
  }
  for (size_t i = 0; i < sizeof(us_symbols) / sizeof(us_symbols[0]); i++) {
    if (c == us_symbols[i].plain) {
      out[0] = us_symbols[i].key;
      return 1;
    }
    if (c == us_symbols[i].shifted) {
      out[0] = KEY_LEFTSHIFT;
      out[1] = us_symbols[i].key;
      return 2;
    }
  }
  return 0;
}

typedef struct EvBuf {
  KeyEvent *ev;
  size_t n, cap;
} EvBuf;

static bool ev_add(EvBuf *b, KeyCode k, bool down) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 32;
    KeyEvent *p = realloc(b->ev, cap * sizeof(*p));
    if (!p)
      return false;
    b->ev = p;
    b->cap = cap;
  }
  b->ev[b->n++] = (KeyEvent){k, down};
  return true;
}

/* Press keys[0..n) in order, release in reverse. */
static bool ev_chord(EvBuf *b, const KeyCode *k, int n) {
  for (int i = 0; i < n; i++)
    if (!ev_add(b, k[i], true))
      return false;
  for (int i = n - 1; i >= 0; i--)
    if (!ev_add(b, k[i], false))
      return false;
  return true;
}

#define COMBO_MAX 8

KeyEvent *keymap_send_keys(const char *s, size_t *n, char *err, size_t errlen) {
  EvBuf b = {malloc(sizeof(KeyEvent)), 0, 1};
  if (!b.ev)
    goto oom;
  for (size_t i = 0; s[i];) {
    KeyCode k[COMBO_MAX];
    int nk;
    if (s[i] == '<' && s[i + 1] == '<') {
      nk = keymap_char_keys('<', k);
      i += 2;
    } else if (s[i] == '<') {
      const char *end = strchr(s + i, '>');
      if (!end) {
        snprintf(err, errlen, "send-keys: '<' at offset %zu has no closing '>' (\"<<\" types '<')", i);
        goto fail;
      }
      char combo[128];
      size_t len = (size_t)(end - (s + i + 1));
      if (len >= sizeof(combo)) {
        snprintf(err, errlen, "send-keys: key combination at offset %zu is too long", i);
        goto fail;
      }
      memcpy(combo, s + i + 1, len);
      combo[len] = 0;
      char cerr[200];
      nk = keymap_parse_combo(combo, k, COMBO_MAX, cerr, sizeof(cerr));
      if (nk < 0) {
        snprintf(err, errlen, "send-keys: %s (offset %zu)", cerr, i);
        goto fail;
      }
      i += len + 2;
    } else {
      unsigned char c = (unsigned char)s[i];
      nk = keymap_char_keys(c, k);
      if (!nk) {
        snprintf(err, errlen, "send-keys: no key types character 0x%02x at offset %zu", c, i);
        goto fail;
      }
      i++;
    }
    if (!ev_chord(&b, k, nk))
      goto oom;
  }
  *n = b.n;
  return b.ev;
oom:
  snprintf(err, errlen, "send-keys: out of memory");
fail:
  free(b.ev);
  return NULL;
}
