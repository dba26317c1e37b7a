/*
 * test_kbc.c — 8042 register-level tests: self-test and interface tests,
 * command byte, IRQ1 on output, keyboard reset/identify/LEDs/set selection,
 * set 2 -> set 1 translation, untranslated set 2, mouse through D4h with
 * IRQ12, A20 through the output port and port 92h, reset through FEh.
 */
#include <stddef.h>
#include <stdlib.h>

#include "hwtest.h"
#include "i8042.h"

static IoBus *bus;
static Kbc *kbc;
static Clock *clk;
static IrqRec irq1, irq12;
static int a20_state, resets;

static void a20_cb(void *opaque, bool on) { a20_state = on; }
static void reset_cb(void *opaque) { resets++; }

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  memset(&irq1, 0, sizeof(irq1));
  memset(&irq12, 0, sizeof(irq12));
  a20_state = -1;
  resets = 0;
  clk = clock_new(true, 1);
  kbc = kbc_new(bus, clk, irqrec_line(&irq1), irqrec_line(&irq12), a20_cb, reset_cb, NULL);
}
static void teardown(void) {
  kbc_free(kbc);
  clock_free(clk);
  iobus_free(bus);
}

/* Read one byte from the output buffer, asserting OBF was set. */
static uint8_t rd_data(void) {
  ck_assert_uint_eq(inb(bus, 0x64) & 0x01, 0x01);
  return inb(bus, 0x60);
}
static void assert_empty(void) { ck_assert_uint_eq(inb(bus, 0x64) & 0x01, 0); }

START_TEST(test_self_tests) {
  ck_assert_int_eq(a20_state, 1);
  outb(bus, 0x64, 0xaa);
  ck_assert_uint_eq(inb(bus, 0x64) & 0x0c, 0x0c); /* SYS and CMD */
  ck_assert_uint_eq(rd_data(), 0x55);
  assert_empty();
  outb(bus, 0x64, 0xab);
  ck_assert_uint_eq(rd_data(), 0x00);
  outb(bus, 0x64, 0xa9);
  ck_assert_uint_eq(rd_data(), 0x00);
}
END_TEST

START_TEST(test_command_byte_and_irq1) {
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x45);
  outb(bus, 0x64, 0x20);
  ck_assert_int_eq(irq1.level, 1);
  ck_assert_uint_eq(rd_data(), 0x45);
  ck_assert_int_eq(irq1.level, 0);
  /* No IRQ1 with interrupts off in the command byte. */
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x44);
  outb(bus, 0x64, 0x20);
  ck_assert_int_eq(irq1.level, 0);
  ck_assert_uint_eq(rd_data(), 0x44);
}
END_TEST

START_TEST(test_keyboard_commands) {
  outb(bus, 0x60, 0xff); /* reset */
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0xaa);
  outb(bus, 0x60, 0xf2); /* identify (translated) */
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0xab);
  ck_assert_uint_eq(rd_data(), 0x41);
  outb(bus, 0x60, 0xed);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x07);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(kbc->kbd_leds, 7);
  outb(bus, 0x60, 0xf3);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x20);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0xee);
  ck_assert_uint_eq(rd_data(), 0xee);
  outb(bus, 0x60, 0xf5);
  ck_assert_uint_eq(rd_data(), 0xfa);
  kbc_key_event(kbc, 0x1e, false, true);
  assert_empty(); /* scanning disabled */
  outb(bus, 0x60, 0xf4);
  ck_assert_uint_eq(rd_data(), 0xfa);
}
END_TEST

START_TEST(test_translation) {
  /* Default: set 2 keyboard, controller translates to set 1. */
  kbc_key_event(kbc, 0x1e, false, true);  /* A down */
  ck_assert_int_eq(irq1.level, 1);
  ck_assert_uint_eq(rd_data(), 0x1e);
  kbc_key_event(kbc, 0x1e, false, false); /* A up: F0 1C -> 9E */
  ck_assert_uint_eq(rd_data(), 0x9e);
  kbc_key_event(kbc, 0x48, true, true);   /* Up arrow: E0 75 -> E0 48 */
  ck_assert_uint_eq(rd_data(), 0xe0);
  ck_assert_uint_eq(rd_data(), 0x48);
  assert_empty();
  /* Translation off: raw set 2. */
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x01);
  kbc_key_event(kbc, 0x1e, false, true);
  ck_assert_uint_eq(rd_data(), 0x1c);
  kbc_key_event(kbc, 0x1e, false, false);
  ck_assert_uint_eq(rd_data(), 0xf0);
  ck_assert_uint_eq(rd_data(), 0x1c);
  /* Set 1 selected on the keyboard, translation off. */
  outb(bus, 0x60, 0xf0);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x01);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0xf0);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x00);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0x01);
  kbc_key_event(kbc, 0x1c, false, true);
  ck_assert_uint_eq(rd_data(), 0x1c);
}
END_TEST

START_TEST(test_kbd_disable) {
  outb(bus, 0x64, 0xad);
  kbc_key_event(kbc, 0x02, false, true);
  assert_empty();
  outb(bus, 0x64, 0xae);
  ck_assert_uint_eq(rd_data(), 0x02);
}
END_TEST

START_TEST(test_mouse) {
  outb(bus, 0x64, 0xa8); /* enable aux */
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x47); /* both interrupts, translation */
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 0xff);
  ck_assert_int_eq(irq12.level, 1);
  ck_assert_int_eq(irq1.level, 0);
  ck_assert_uint_eq(inb(bus, 0x64) & 0x21, 0x21);
  ck_assert_uint_eq(inb(bus, 0x60), 0xfa);
  ck_assert_uint_eq(rd_data(), 0xaa);
  ck_assert_uint_eq(rd_data(), 0x00);
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 0xf2);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0x00);
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 0xf3);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 200);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 0xf4);
  ck_assert_uint_eq(rd_data(), 0xfa);
  kbc_mouse_event(kbc, 5, -3, 1);
  ck_assert_uint_eq(rd_data(), 0x29);
  ck_assert_uint_eq(rd_data(), 5);
  ck_assert_uint_eq(rd_data(), 0xfd);
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 0xe9);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0x24); /* enabled, left button (status bit 2) */
  ck_assert_uint_eq(rd_data(), 2);
  ck_assert_uint_eq(rd_data(), 200);
  assert_empty();
}
END_TEST

/* D3h (write mouse output buffer) answers even with the mouse port disabled,
 * flagged as mouse data, with IRQ12 when enabled (Linux's AUX probe). */
START_TEST(test_aux_loop) {
  ck_assert_uint_eq(kbc->cmd_byte & KBC_CB_AUX_DIS, KBC_CB_AUX_DIS);
  outb(bus, 0x64, 0xd3);
  outb(bus, 0x60, 0x5a);
  ck_assert_uint_eq(inb(bus, 0x64) & 0x21, 0x21);
  ck_assert_uint_eq(inb(bus, 0x60), 0x5a);
  outb(bus, 0x64, 0xa8);
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x47);
  outb(bus, 0x64, 0xd3);
  outb(bus, 0x60, 0xa5);
  ck_assert_int_eq(irq12.level, 1);
  ck_assert_int_eq(irq1.level, 0);
  ck_assert_uint_eq(inb(bus, 0x60), 0xa5);
  ck_assert_int_eq(irq12.level, 0);
}
END_TEST

START_TEST(test_a20_and_reset) {
  outb(bus, 0x64, 0xd0);
  ck_assert_uint_eq(rd_data() & 0x03, 0x03);
  outb(bus, 0x64, 0xd1);
  outb(bus, 0x60, 0xdd); /* A20 off, reset line high */
  ck_assert_int_eq(a20_state, 0);
  ck_assert_uint_eq(inb(bus, 0x92) & 0x02, 0);
  ck_assert_int_eq(resets, 0);
  outb(bus, 0x64, 0xd1);
  outb(bus, 0x60, 0xdf);
  ck_assert_int_eq(a20_state, 1);
  outb(bus, 0x92, 0x00);
  ck_assert_int_eq(a20_state, 0);
  outb(bus, 0x64, 0xd0);
  ck_assert_uint_eq(rd_data() & 0x02, 0);
  outb(bus, 0x92, 0x02);
  ck_assert_int_eq(a20_state, 1);
  ck_assert_uint_eq(inb(bus, 0x92), 0x02);
  outb(bus, 0x64, 0xfe);
  ck_assert_int_eq(resets, 1);
  outb(bus, 0x92, 0x03);
  ck_assert_int_eq(resets, 2);
}
END_TEST

START_TEST(test_save_restore) {
  kbc_key_event(kbc, 0x10, false, true);
  kbc_key_event(kbc, 0x11, false, true);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&kbc->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  kbc_reset(kbc);
  assert_empty();
  ck_assert_int_eq(device_load(&kbc->dev, r), 0);
  ck_assert_uint_eq(rd_data(), 0x10);
  ck_assert_uint_eq(rd_data(), 0x11);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST


/* ---- every key, both sets (from the published set 1 and set 2 tables,
 * written here independently of keymap.c's table) ---- */

typedef struct KeyBytes {
  const char *name;  /* QEMU sendkey name */
  const char *set1;  /* set 1 make */
  const char *set2;  /* set 2 make */
} KeyBytes;

static const KeyBytes published[] = {
  {"esc", "01", "76"}, {"f1", "3b", "05"}, {"f2", "3c", "06"}, {"f3", "3d", "04"},
  {"f4", "3e", "0c"}, {"f5", "3f", "03"}, {"f6", "40", "0b"}, {"f7", "41", "83"},
  {"f8", "42", "0a"}, {"f9", "43", "01"}, {"f10", "44", "09"}, {"f11", "57", "78"},
  {"f12", "58", "07"}, {"print", "e0 2a e0 37", "e0 12 e0 7c"}, {"scroll_lock", "46", "7e"},
  {"pause", "e1 1d 45 e1 9d c5", "e1 14 77 e1 f0 14 f0 77"},
  {"grave_accent", "29", "0e"}, {"1", "02", "16"}, {"2", "03", "1e"}, {"3", "04", "26"},
  {"4", "05", "25"}, {"5", "06", "2e"}, {"6", "07", "36"}, {"7", "08", "3d"},
  {"8", "09", "3e"}, {"9", "0a", "46"}, {"0", "0b", "45"}, {"minus", "0c", "4e"},
  {"equal", "0d", "55"}, {"backspace", "0e", "66"},
  {"tab", "0f", "0d"}, {"q", "10", "15"}, {"w", "11", "1d"}, {"e", "12", "24"},
  {"r", "13", "2d"}, {"t", "14", "2c"}, {"y", "15", "35"}, {"u", "16", "3c"},
  {"i", "17", "43"}, {"o", "18", "44"}, {"p", "19", "4d"}, {"bracket_left", "1a", "54"},
  {"bracket_right", "1b", "5b"}, {"backslash", "2b", "5d"},
  {"caps_lock", "3a", "58"}, {"a", "1e", "1c"}, {"s", "1f", "1b"}, {"d", "20", "23"},
  {"f", "21", "2b"}, {"g", "22", "34"}, {"h", "23", "33"}, {"j", "24", "3b"},
  {"k", "25", "42"}, {"l", "26", "4b"}, {"semicolon", "27", "4c"}, {"apostrophe", "28", "52"},
  {"ret", "1c", "5a"},
  {"shift", "2a", "12"}, {"less", "56", "61"}, {"z", "2c", "1a"}, {"x", "2d", "22"},
  {"c", "2e", "21"}, {"v", "2f", "2a"}, {"b", "30", "32"}, {"n", "31", "31"},
  {"m", "32", "3a"}, {"comma", "33", "41"}, {"dot", "34", "49"}, {"slash", "35", "4a"},
  {"shift_r", "36", "59"},
  {"ctrl", "1d", "14"}, {"meta_l", "e0 5b", "e0 1f"}, {"alt", "38", "11"}, {"spc", "39", "29"},
  {"alt_r", "e0 38", "e0 11"}, {"meta_r", "e0 5c", "e0 27"}, {"menu", "e0 5d", "e0 2f"},
  {"ctrl_r", "e0 1d", "e0 14"},
  {"insert", "e0 52", "e0 70"}, {"home", "e0 47", "e0 6c"}, {"pgup", "e0 49", "e0 7d"},
  {"delete", "e0 53", "e0 71"}, {"end", "e0 4f", "e0 69"}, {"pgdn", "e0 51", "e0 7a"},
  {"up", "e0 48", "e0 75"}, {"left", "e0 4b", "e0 6b"}, {"down", "e0 50", "e0 72"},
  {"right", "e0 4d", "e0 74"},
  {"num_lock", "45", "77"}, {"kp_divide", "e0 35", "e0 4a"}, {"kp_multiply", "37", "7c"},
  {"kp_subtract", "4a", "7b"}, {"kp_7", "47", "6c"}, {"kp_8", "48", "75"}, {"kp_9", "49", "7d"},
  {"kp_add", "4e", "79"}, {"kp_4", "4b", "6b"}, {"kp_5", "4c", "73"}, {"kp_6", "4d", "74"},
  {"kp_1", "4f", "69"}, {"kp_2", "50", "72"}, {"kp_3", "51", "7a"}, {"kp_0", "52", "70"},
  {"kp_decimal", "53", "71"}, {"kp_enter", "e0 1c", "e0 5a"},
};
#define NPUBLISHED (sizeof(published) / sizeof(published[0]))

static size_t parse_hex(const char *s, uint8_t *out) {
  size_t n = 0;
  while (*s) {
    out[n++] = (uint8_t)strtoul(s, (char **)&s, 16);
    while (*s == ' ')
      s++;
  }
  return n;
}

/* The break the tables give: Print Screen's is its own sequence, Pause has
 * none; others are set 1 make | 80h, set 2 F0 before the last byte. */
static size_t published_break(const KeyBytes *kb, bool set1, uint8_t *out) {
  if (!strcmp(kb->name, "pause"))
    return 0;
  if (!strcmp(kb->name, "print"))
    return parse_hex(set1 ? "e0 b7 e0 aa" : "e0 f0 7c e0 f0 12", out);
  size_t n = parse_hex(set1 ? kb->set1 : kb->set2, out);
  if (set1) {
    out[n - 1] |= 0x80;
    return n;
  }
  out[n] = out[n - 1];
  out[n - 1] = 0xf0;
  return n + 1;
}

static void expect_bytes(const char *what, const char *name, const uint8_t *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ck_assert_msg(inb(bus, 0x64) & 1, "%s %s: byte %zu missing", name, what, i);
    uint8_t b = inb(bus, 0x60);
    ck_assert_msg(b == want[i], "%s %s: byte %zu is %02x, want %02x", name, what, i, b, want[i]);
  }
  ck_assert_msg(!(inb(bus, 0x64) & 1), "%s %s: extra byte %02x", name, what, inb(bus, 0x60));
}

static void check_all_keys(bool set1) {
  bool seen[KEY_COUNT] = {false};
  for (size_t i = 0; i < NPUBLISHED; i++) {
    const KeyBytes *kb = &published[i];
    KeyCode key = keymap_lookup(kb->name, strlen(kb->name));
    ck_assert_msg(key != KEY_NONE, "no key named %s", kb->name);
    ck_assert_msg(!seen[key], "%s twice", kb->name);
    seen[key] = true;
    uint8_t want[16];
    kbd_key_event(kbc, key, true);
    expect_bytes("make", kb->name, want, parse_hex(set1 ? kb->set1 : kb->set2, want));
    kbd_key_event(kbc, key, false);
    expect_bytes("break", kb->name, want, published_break(kb, set1, want));
  }
  ck_assert_uint_eq(NPUBLISHED, KEY_COUNT - 1); /* every key of the enum was pressed */
}

START_TEST(test_all_keys_translated) {
  ck_assert_uint_eq(kbc->cmd_byte & KBC_CB_XLAT, KBC_CB_XLAT);
  check_all_keys(true);
}
END_TEST

START_TEST(test_all_keys_set2) {
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x01); /* translation off */
  check_all_keys(false);
}
END_TEST

/* The keyboard itself in set 1 (F0 01), translation off: set 1 bytes. */
START_TEST(test_all_keys_set1_keyboard) {
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x01);
  outb(bus, 0x60, 0xf0);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x01);
  ck_assert_uint_eq(rd_data(), 0xfa);
  check_all_keys(true);
}
END_TEST

#define SEQ(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

START_TEST(test_modifier_variants) {
  kbd_key_event(kbc, KEY_LEFTSHIFT, true);
  expect_bytes("make", "shift", SEQ(0x2a));
  kbd_key_event(kbc, KEY_PRINTSCREEN, true);
  expect_bytes("make", "shift-print", SEQ(0xe0, 0x37));
  kbd_key_event(kbc, KEY_PRINTSCREEN, false);
  expect_bytes("break", "shift-print", SEQ(0xe0, 0xb7));
  kbd_key_event(kbc, KEY_LEFTSHIFT, false);
  expect_bytes("break", "shift", SEQ(0xaa));
  kbd_key_event(kbc, KEY_RIGHTALT, true);
  expect_bytes("make", "alt_r", SEQ(0xe0, 0x38));
  kbd_key_event(kbc, KEY_PRINTSCREEN, true);
  expect_bytes("make", "alt-print (SysRq)", SEQ(0x54));
  kbd_key_event(kbc, KEY_PRINTSCREEN, false);
  expect_bytes("break", "alt-print (SysRq)", SEQ(0xd4));
  kbd_key_event(kbc, KEY_RIGHTALT, false);
  expect_bytes("break", "alt_r", SEQ(0xe0, 0xb8));
  kbd_key_event(kbc, KEY_RIGHTCTRL, true);
  expect_bytes("make", "ctrl_r", SEQ(0xe0, 0x1d));
  kbd_key_event(kbc, KEY_PAUSE, true);
  expect_bytes("make", "ctrl-pause (Break)", SEQ(0xe0, 0x46, 0xe0, 0xc6));
  kbd_key_event(kbc, KEY_PAUSE, false);
  expect_bytes("break", "ctrl-pause (Break)", NULL, 0);
}
END_TEST

/* Typematic repeat on the virtual clock at the guest's rate and delay. */
static int count_bytes(uint8_t want) {
  int n = 0;
  while (inb(bus, 0x64) & 1) {
    uint8_t b = inb(bus, 0x60);
    ck_assert_msg(b == want, "got %02x, want %02x", b, want);
    n++;
  }
  return n;
}

START_TEST(test_typematic) {
  /* Default 2Bh: 500 ms delay, period 11 * 2 * 4.17 ms = 91.74 ms. */
  kbd_key_event(kbc, KEY_A, true);
  ck_assert_int_eq(count_bytes(0x1e), 1);
  clock_advance_to(clk, 499999999);
  ck_assert_int_eq(count_bytes(0x1e), 0);
  clock_advance_to(clk, 500000000);
  ck_assert_int_eq(count_bytes(0x1e), 1);
  clock_advance_to(clk, 500000000 + 91740000 - 1);
  ck_assert_int_eq(count_bytes(0x1e), 0);
  clock_advance_to(clk, 500000000 + 91740000);
  ck_assert_int_eq(count_bytes(0x1e), 1);
  clock_advance_to(clk, 500000000 + 5 * 91740000);
  ck_assert_int_eq(count_bytes(0x1e), 4);
  /* Another key takes over the repeat; A stays held but silent. */
  kbd_key_event(kbc, KEY_B, true);
  ck_assert_int_eq(count_bytes(0x30), 1);
  uint64_t t = clock_now(clk);
  clock_advance_to(clk, t + 500000000 + 91740000);
  ck_assert_int_eq(count_bytes(0x30), 2);
  /* Releasing the repeating key stops the repeat (A does not resume). */
  kbd_key_event(kbc, KEY_B, false);
  ck_assert_int_eq(count_bytes(0xb0), 1);
  clock_advance_to(clk, clock_now(clk) + 2000000000);
  ck_assert_int_eq(count_bytes(0x1e), 0);
  kbd_key_event(kbc, KEY_A, false);
  ck_assert_int_eq(count_bytes(0x9e), 1);
  /* F3h 00h: 250 ms, 30/s (33.36 ms); the guest's rate is used. */
  outb(bus, 0x60, 0xf3);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x00);
  ck_assert_uint_eq(rd_data(), 0xfa);
  t = clock_now(clk);
  kbd_key_event(kbc, KEY_ENTER, true);
  ck_assert_int_eq(count_bytes(0x1c), 1);
  clock_advance_to(clk, t + 250000000 + 10 * 33360000 - 1);
  ck_assert_int_eq(count_bytes(0x1c), 10);
  clock_advance_to(clk, t + 250000000 + 10 * 33360000);
  ck_assert_int_eq(count_bytes(0x1c), 1);
  /* Pause does not repeat, and pressing it stops Enter's repeat. */
  kbd_key_event(kbc, KEY_PAUSE, true);
  expect_bytes("make", "pause", SEQ(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5));
  clock_advance_to(clk, clock_now(clk) + 1000000000);
  expect_bytes("repeat", "pause", NULL, 0);
  kbd_key_event(kbc, KEY_PAUSE, false);
  kbd_key_event(kbc, KEY_ENTER, false);
  ck_assert_int_eq(count_bytes(0x9c), 1);
  /* Scanning disabled (F5h) stops the repeat. */
  kbd_key_event(kbc, KEY_C, true);
  ck_assert_int_eq(count_bytes(0x2e), 1);
  outb(bus, 0x60, 0xf5);
  ck_assert_uint_eq(rd_data(), 0xfa);
  clock_advance_to(clk, clock_now(clk) + 2000000000);
  expect_bytes("repeat", "c (disabled)", NULL, 0);
  ck_assert(!timer_pending(kbc->rep_timer));
}
END_TEST

START_TEST(test_release_all) {
  kbd_key_event(kbc, KEY_LEFTCTRL, true);
  kbd_key_event(kbc, KEY_LEFTALT, true);
  kbd_key_event(kbc, KEY_DELETE, true);
  expect_bytes("make", "ctrl-alt-delete", SEQ(0x1d, 0x38, 0xe0, 0x53));
  kbd_release_all(kbc);
  expect_bytes("break", "release_all", SEQ(0xe0, 0xd3, 0xb8, 0x9d));
  ck_assert(!timer_pending(kbc->rep_timer));
  kbd_release_all(kbc);
  expect_bytes("break", "second release_all", NULL, 0);
  /* Duplicate presses (host auto-repeat) and releases are ignored. */
  kbd_key_event(kbc, KEY_X, true);
  kbd_key_event(kbc, KEY_X, true);
  kbd_key_event(kbc, KEY_X, false);
  kbd_key_event(kbc, KEY_X, false);
  expect_bytes("make/break", "x", SEQ(0x2d, 0xad));
}
END_TEST

START_TEST(test_kbd_commands_more) {
  outb(bus, 0x60, 0xf0); /* get set, translated: 2 -> 41h */
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x00);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0x41);
  outb(bus, 0x60, 0xf0); /* set 3 is refused */
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x03);
  ck_assert_uint_eq(rd_data(), 0xfe);
  ck_assert_uint_eq(kbc->kbd_set, 2);
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x01); /* translation off: identify is AB 83 */
  outb(bus, 0x60, 0xf2);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0xab);
  ck_assert_uint_eq(rd_data(), 0x83);
  outb(bus, 0x60, 0xf3);
  ck_assert_uint_eq(rd_data(), 0xfa);
  outb(bus, 0x60, 0x7f);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(kbc->kbd_typematic, 0x7f);
  outb(bus, 0x60, 0xf6); /* defaults */
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(kbc->kbd_typematic, 0x2b);
  /* Keys held over FFh are forgotten: no break for them afterwards. */
  kbd_key_event(kbc, KEY_Q, true);
  ck_assert_uint_eq(rd_data(), 0x15);
  outb(bus, 0x60, 0xff);
  ck_assert_uint_eq(rd_data(), 0xfa);
  ck_assert_uint_eq(rd_data(), 0xaa);
  kbd_key_event(kbc, KEY_Q, false);
  assert_empty();
}
END_TEST

/* A guest that stops reading: the keyboard's 16-byte buffer fills, one
 * overrun code (00h, translated FFh) takes the place of what is lost. */
START_TEST(test_overrun) {
  static const KeyCode letters[] = {KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O,
                                    KEY_P, KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K,
                                    KEY_L, KEY_Z};
  for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
    kbd_key_event(kbc, letters[i], true);
  /* One byte in the output buffer, 15 queued, then the overrun code. */
  static const uint8_t want[] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                 0x18, 0x19, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0xff};
  expect_bytes("make", "20 letters", want, sizeof(want));
  kbd_key_event(kbc, KEY_M, true);
  expect_bytes("make", "m after the overrun", SEQ(0x32));
}
END_TEST

START_TEST(test_save_restore_keyboard) {
  kbd_key_event(kbc, KEY_A, true);
  ck_assert_uint_eq(rd_data(), 0x1e);
  clock_advance_to(clk, 100000000);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&kbc->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  kbc_reset(kbc);
  ck_assert(!timer_pending(kbc->rep_timer));
  ck_assert_int_eq(device_check(&kbc->dev, r), 0);
  ck_assert_int_eq(device_load(&kbc->dev, r), 0);
  /* The repeat comes at 500 ms as before the restore, and A is still held. */
  clock_advance_to(clk, 499999999);
  assert_empty();
  clock_advance_to(clk, 500000000);
  ck_assert_uint_eq(rd_data(), 0x1e);
  kbd_key_event(kbc, KEY_A, false);
  ck_assert_uint_eq(rd_data(), 0x9e);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

/* Out-of-range values in a snapshot are refused by check, nothing applied. */
START_TEST(test_restore_validates) {
  static const struct {
    size_t off, size;
    uint64_t val;
    const char *msg;
  } bad[] = {
    {offsetof(Kbc, kbd_set), 1, 3, "snapshot 'kbc' field 'kbd_set' = 0x3 out of range 0x1..0x2"},
    {offsetof(Kbc, q_len), 1, KBC_QUEUE + 1, "field 'q_len' = 0x21 out of range 0..0x20"},
    {offsetof(Kbc, kbd_rep_key), 1, KEY_COUNT, "field 'kbd_rep_key'"},
    {offsetof(Kbc, kbd_held) + KEYMAP_HELD_BYTES - 1, 1, 0x80, "does not exist"},
    {offsetof(Kbc, kbd_pending), 1, 0x42, "field 'kbd_pending' = 0x42 takes no argument"},
    {offsetof(Kbc, mouse_id), 1, 4, "field 'mouse_id' = 0x4 out of range 0..0x3"},
    {offsetof(Kbc, mouse_acc_dx) + 3, 1, 0x40, "field 'mouse_acc_dx' = 1073741824 out of range -1000000..1000000"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    kbc_reset(kbc);
    memset((uint8_t *)kbc + bad[i].off, (int)bad[i].val, bad[i].size);
    SaveWriter *w = save_writer_new();
    ck_assert_int_eq(device_save(&kbc->dev, w), 0);
    size_t len;
    const uint8_t *buf = save_writer_buffer(w, &len);
    char err[256];
    SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
    ck_assert_ptr_nonnull(r);
    kbc_reset(kbc);
    ck_assert_int_eq(device_check(&kbc->dev, r), -1);
    ck_assert_msg(strstr(save_error(r), bad[i].msg), "case %zu: %s", i, save_error(r));
    ck_assert_int_eq(device_load(&kbc->dev, r), -1);
    ck_assert_uint_eq(kbc->kbd_set, 2); /* untouched */
    ck_assert_uint_eq(kbc->q_len, 0);
    save_reader_free(r);
    save_writer_free(w);
  }
}
END_TEST

/* ---- mouse ---- */

static void mouse_cmd(uint8_t v) {
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, v);
  ck_assert_uint_eq(rd_data(), 0xfa);
}

static void mouse_on(void) {
  outb(bus, 0x64, 0xa8);
  outb(bus, 0x64, 0x60);
  outb(bus, 0x60, 0x47);
  mouse_cmd(0xf4);
}

static uint8_t mouse_id(void) {
  mouse_cmd(0xf2);
  return rd_data();
}

static void knock(uint8_t a, uint8_t b, uint8_t c) {
  mouse_cmd(0xf3);
  mouse_cmd(a);
  mouse_cmd(0xf3);
  mouse_cmd(b);
  mouse_cmd(0xf3);
  mouse_cmd(c);
}

START_TEST(test_wheel_knock) {
  mouse_on();
  ck_assert_uint_eq(mouse_id(), 0);
  knock(200, 100, 60); /* wrong last rate */
  ck_assert_uint_eq(mouse_id(), 0);
  mouse_cmd(0xf3);     /* interrupted by another command */
  mouse_cmd(200);
  mouse_cmd(0xe6);
  mouse_cmd(0xf3);
  mouse_cmd(100);
  mouse_cmd(0xf3);
  mouse_cmd(80);
  ck_assert_uint_eq(mouse_id(), 0);
  mouse_event(kbc, 1, 1, 1, 0);
  expect_bytes("packet", "3-byte", SEQ(0x08, 1, 1));
  knock(200, 200, 100); /* a repeated 200 restarts the knock */
  mouse_cmd(0xf3);
  mouse_cmd(80);
  ck_assert_uint_eq(mouse_id(), 3);
  ck_assert_uint_eq(kbc->mouse_rate, 80);
  mouse_event(kbc, 1, 2, -1, 1);
  expect_bytes("packet", "wheel up", SEQ(0x09, 1, 2, 0xff));
  mouse_event(kbc, -3, 0, 2, 4);
  expect_bytes("packet", "wheel down", SEQ(0x1c, 0xfd, 0, 2));
  mouse_event(kbc, 0, 0, 20, 0); /* wheel beyond a packet: split at 7 */
  expect_bytes("packet", "big wheel", SEQ(0x08, 0, 0, 7, 0x08, 0, 0, 7, 0x08, 0, 0, 6));
  mouse_cmd(0xf6); /* defaults keep the ID */
  ck_assert_uint_eq(mouse_id(), 3);
  outb(bus, 0x64, 0xd4);
  outb(bus, 0x60, 0xff); /* reset: back to a standard mouse */
  expect_bytes("reset", "mouse", SEQ(0xfa, 0xaa, 0x00));
  ck_assert_uint_eq(mouse_id(), 0);
}
END_TEST

/* Read mouse packets until the queue is empty; sum the motion. */
static int drain_packets(int size, int *sx, int *sy, int *sz, uint8_t *last_b0) {
  int n = 0;
  while (inb(bus, 0x64) & 1) {
    ck_assert_uint_eq(inb(bus, 0x64) & 0x20, 0x20);
    uint8_t b0 = inb(bus, 0x60);
    ck_assert_msg(b0 & 0x08, "packet %d: byte 0 %02x lacks bit 3", n, b0);
    ck_assert_msg(!(b0 & 0xc0), "packet %d: overflow bit set (%02x)", n, b0);
    int dx = rd_data(), dy = rd_data();
    *sx += (b0 & 0x10) ? dx - 256 : dx;
    *sy += (b0 & 0x20) ? dy - 256 : dy;
    if (size == 4)
      *sz += (int8_t)rd_data();
    *last_b0 = b0;
    n++;
  }
  return n;
}

START_TEST(test_mouse_split_and_coalesce) {
  mouse_on();
  mouse_event(kbc, 1000, -600, 0, 0);
  expect_bytes("packets", "1000,-600",
               SEQ(0x28, 0xff, 0x01, 0x28, 0xff, 0x01, 0x28, 0xff, 0xa6, 0x08, 235, 0));
  /* 2:1 scaling: chunks of 127 doubled; small moves by the table. */
  mouse_cmd(0xe7);
  mouse_event(kbc, 300, 4, 0, 0);
  expect_bytes("packets", "scaled", SEQ(0x08, 254, 6, 0x08, 254, 0, 0x08, 92, 0));
  mouse_cmd(0xe6);
  /* A flood the guest does not read: the queue never overflows, nothing
   * is lost, and the keyboard still gets through. */
  int sx = 0, sy = 0, sz = 0;
  uint8_t b0 = 0;
  for (int i = 0; i < 500; i++) {
    mouse_event(kbc, 7, -3, 0, (i / 100) & 1);
    ck_assert_uint_le(kbc->q_len, KBC_QUEUE - KBD_RESERVE + 0u);
  }
  kbd_key_event(kbc, KEY_A, true);
  int keys = 0;
  while (inb(bus, 0x64) & 1) {
    if (!(inb(bus, 0x64) & 0x20)) {
      ck_assert_uint_eq(inb(bus, 0x60), 0x1e);
      keys++;
      continue;
    }
    uint8_t b = inb(bus, 0x60);
    int dx = rd_data(), dy = rd_data();
    sx += (b & 0x10) ? dx - 256 : dx;
    sy += (b & 0x20) ? dy - 256 : dy;
    b0 = b;
  }
  ck_assert_int_eq(keys, 1);
  ck_assert_int_eq(sx, 3500);
  ck_assert_int_eq(sy, -1500);
  ck_assert_uint_eq(b0 & 7, 0); /* the last button state (i = 499: released) */
  (void)sz;
}
END_TEST

START_TEST(test_mouse_remote) {
  mouse_on();
  mouse_cmd(0xf0); /* remote mode */
  mouse_event(kbc, 30, 5, 0, 2);
  mouse_event(kbc, 10, -10, 0, 2);
  assert_empty();
  mouse_cmd(0xeb);
  expect_bytes("read data", "remote", SEQ(0x2a, 40, 0xfb));
  mouse_cmd(0xeb);
  expect_bytes("read data", "remote again", SEQ(0x0a, 0, 0));
  mouse_event(kbc, 400, 0, 0, 0); /* beyond 9 bits: overflow bit */
  mouse_cmd(0xeb);
  expect_bytes("read data", "overflow", SEQ(0x48, 0xff, 0));
  mouse_cmd(0xea); /* back to stream */
  mouse_event(kbc, 1, 0, 0, 0);
  expect_bytes("packet", "stream", SEQ(0x08, 1, 0));
  mouse_cmd(0xe8); /* resolution */
  mouse_cmd(3);
  ck_assert_uint_eq(kbc->mouse_res, 3);
  mouse_cmd(0xf5); /* disabled: motion is dropped */
  mouse_event(kbc, 5, 5, 0, 0);
  assert_empty();
  int sx = 0, sy = 0, sz = 0;
  uint8_t b0;
  ck_assert_int_eq(drain_packets(3, &sx, &sy, &sz, &b0), 0);
}
END_TEST

/* kbd_type: a --send-keys string paced on the virtual clock, waiting for
 * a guest that does not read. */
START_TEST(test_type_paced) {
  char err[200];
  size_t n;
  KeyEvent *ev = keymap_send_keys("aB<ret>", &n, err, sizeof(err));
  ck_assert_ptr_nonnull(ev);
  ck_assert_int_eq(kbd_type(kbc, ev, n), 0);
  free(ev);
  ck_assert_uint_eq(kbd_type_pending(kbc), 8);
  assert_empty(); /* nothing before the clock moves */
  /* A guest that reads everything at once: one event per 10 ms. */
  static const uint8_t want[] = {0x1e, 0x9e, 0x2a, 0x30, 0xb0, 0xaa, 0x1c, 0x9c};
  for (size_t i = 0; i < sizeof(want); i++) {
    clock_advance_to(clk, i * KBD_TYPE_GAP_NS);
    ck_assert_uint_eq(rd_data(), want[i]);
    assert_empty();
  }
  ck_assert_uint_eq(kbd_type_pending(kbc), 0);
  /* A guest that does not read: each keystroke is pressed and released,
   * the next one waits instead of overrunning (or holding a key down until
   * it repeats), then they come in order as the guest reads. */
  ev = keymap_send_keys("abcdefghijklmnopqrstuvwxyz", &n, err, sizeof(err));
  ck_assert_int_eq(kbd_type(kbc, ev, n), 0);
  free(ev);
  clock_advance_to(clk, clock_now(clk) + 10 * NS_PER_SEC);
  ck_assert_uint_eq(kbd_type_pending(kbc), 50);
  static const uint8_t letters[26] = {0x1e, 0x30, 0x2e, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17,
                                      0x24, 0x25, 0x26, 0x32, 0x31, 0x18, 0x19, 0x10, 0x13,
                                      0x1f, 0x14, 0x16, 0x2f, 0x11, 0x2d, 0x15, 0x2c};
  for (int i = 0; i < 26; i++) {
    if (i)
      clock_advance_to(clk, clock_now(clk) + 2 * KBD_TYPE_GAP_NS);
    ck_assert_uint_eq(rd_data(), letters[i]);
    ck_assert_uint_eq(rd_data(), letters[i] | 0x80);
    assert_empty();
  }
  ck_assert_uint_eq(kbd_type_pending(kbc), 0);
  ck_assert(!timer_pending(kbc->play_timer));
  /* A whole chord goes through unread, keys released as typed. */
  ev = keymap_send_keys("<ctrl-alt-delete>x", &n, err, sizeof(err));
  ck_assert_int_eq(kbd_type(kbc, ev, n), 0);
  free(ev);
  clock_advance_to(clk, clock_now(clk) + 10 * NS_PER_SEC);
  ck_assert_uint_eq(kbd_type_pending(kbc), 2);
  ck_assert(!timer_pending(kbc->rep_timer));
  expect_bytes("chord", "ctrl-alt-delete", SEQ(0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d));
  clock_advance_to(clk, clock_now(clk) + 2 * KBD_TYPE_GAP_NS);
  expect_bytes("after the chord", "x", SEQ(0x2d, 0xad));
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_kbc");
  TCase *tc = tcase_create("kbc");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_self_tests);
  tcase_add_test(tc, test_command_byte_and_irq1);
  tcase_add_test(tc, test_keyboard_commands);
  tcase_add_test(tc, test_translation);
  tcase_add_test(tc, test_kbd_disable);
  tcase_add_test(tc, test_mouse);
  tcase_add_test(tc, test_aux_loop);
  tcase_add_test(tc, test_a20_and_reset);
  tcase_add_test(tc, test_save_restore);
  tcase_add_test(tc, test_all_keys_translated);
  tcase_add_test(tc, test_all_keys_set2);
  tcase_add_test(tc, test_all_keys_set1_keyboard);
  tcase_add_test(tc, test_modifier_variants);
  tcase_add_test(tc, test_typematic);
  tcase_add_test(tc, test_release_all);
  tcase_add_test(tc, test_kbd_commands_more);
  tcase_add_test(tc, test_overrun);
  tcase_add_test(tc, test_save_restore_keyboard);
  tcase_add_test(tc, test_restore_validates);
  tcase_add_test(tc, test_wheel_knock);
  tcase_add_test(tc, test_mouse_split_and_coalesce);
  tcase_add_test(tc, test_mouse_remote);
  tcase_add_test(tc, test_type_paced);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
