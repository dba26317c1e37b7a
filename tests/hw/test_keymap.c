/*
 * test_keymap.c — the key model: names and aliases, combo parsing and its
 * errors, US-layout typing of ASCII, the --send-keys syntax, the modifier-
 * dependent Print Screen / Pause sequences, HID usages.  (Every key's bytes
 * through the 8042 are checked against the published tables in test_kbc.c.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

static int run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}

START_TEST(test_names_round_trip) {
  ck_assert_int_eq(KEY_COUNT - 1, 105); /* a 105-key ISO keyboard */
  for (int k = 1; k < KEY_COUNT; k++) {
    const char *n = keymap_name((KeyCode)k);
    ck_assert_ptr_nonnull(n);
    ck_assert_int_eq(keymap_lookup(n, strlen(n)), k);
  }
  ck_assert_ptr_null(keymap_name(KEY_NONE));
  ck_assert_ptr_null(keymap_name(KEY_COUNT));
  ck_assert_int_eq(keymap_lookup("RET", 3), KEY_ENTER);
  ck_assert_int_eq(keymap_lookup("enter", 5), KEY_ENTER);
  ck_assert_int_eq(keymap_lookup("altgr", 5), KEY_RIGHTALT);
  ck_assert_int_eq(keymap_lookup("less", 4), KEY_102ND);
  ck_assert_int_eq(keymap_lookup("kp_enter", 8), KEY_KP_ENTER);
  ck_assert_int_eq(keymap_lookup("f5", 2), KEY_F5);
  ck_assert_int_eq(keymap_lookup("f55", 3), KEY_NONE);
  ck_assert_int_eq(keymap_lookup("f", 1), KEY_F);
  ck_assert_int_eq(keymap_lookup("", 0), KEY_NONE);
}
END_TEST

START_TEST(test_combo) {
  KeyCode k[8];
  char err[200];
  ck_assert_int_eq(keymap_parse_combo("ctrl-alt-delete", k, 8, err, sizeof(err)), 3);
  ck_assert_int_eq(k[0], KEY_LEFTCTRL);
  ck_assert_int_eq(k[1], KEY_LEFTALT);
  ck_assert_int_eq(k[2], KEY_DELETE);
  ck_assert_int_eq(keymap_parse_combo("Shift-A", k, 8, err, sizeof(err)), 2);
  ck_assert_int_eq(k[0], KEY_LEFTSHIFT);
  ck_assert_int_eq(k[1], KEY_A);
  ck_assert_int_eq(keymap_parse_combo("esc", k, 8, err, sizeof(err)), 1);
  ck_assert_int_eq(k[0], KEY_ESC);
  ck_assert_int_eq(keymap_parse_combo("ctrl-kp_subtract", k, 8, err, sizeof(err)), 2);
  ck_assert_int_eq(k[1], KEY_KP_SUBTRACT);

  ck_assert_int_eq(keymap_parse_combo("ctrl-foo-a", k, 8, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "unknown key name 'foo' in 'ctrl-foo-a'");
  ck_assert_int_eq(keymap_parse_combo("ctrl--a", k, 8, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "empty key name in 'ctrl--a'");
  ck_assert_int_eq(keymap_parse_combo("ctrl-", k, 8, err, sizeof(err)), -1);
  ck_assert_int_eq(keymap_parse_combo("", k, 8, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "empty key combination");
  ck_assert_int_eq(keymap_parse_combo("a-b-c", k, 2, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "too many keys in 'a-b-c' (at most 2)");
}
END_TEST

START_TEST(test_char_keys) {
  KeyCode k[2];
  ck_assert_int_eq(keymap_char_keys('a', k), 1);
  ck_assert_int_eq(k[0], KEY_A);
  ck_assert_int_eq(keymap_char_keys('A', k), 2);
  ck_assert_int_eq(k[0], KEY_LEFTSHIFT);
  ck_assert_int_eq(k[1], KEY_A);
  ck_assert_int_eq(keymap_char_keys('z', k), 1);
  ck_assert_int_eq(k[0], KEY_Z);
  ck_assert_int_eq(keymap_char_keys('\n', k), 1);
  ck_assert_int_eq(k[0], KEY_ENTER);
  ck_assert_int_eq(keymap_char_keys(' ', k), 1);
  ck_assert_int_eq(k[0], KEY_SPACE);
  ck_assert_int_eq(keymap_char_keys('0', k), 1);
  ck_assert_int_eq(k[0], KEY_0);
  ck_assert_int_eq(keymap_char_keys(')', k), 2);
  ck_assert_int_eq(k[1], KEY_0);
  ck_assert_int_eq(keymap_char_keys('~', k), 2);
  ck_assert_int_eq(k[1], KEY_GRAVE);
  ck_assert_int_eq(keymap_char_keys('<', k), 2);
  ck_assert_int_eq(k[1], KEY_COMMA);
  ck_assert_int_eq(keymap_char_keys('"', k), 2);
  ck_assert_int_eq(k[1], KEY_APOSTROPHE);
  ck_assert_int_eq(keymap_char_keys('|', k), 2);
  ck_assert_int_eq(k[1], KEY_BACKSLASH);
  ck_assert_int_eq(keymap_char_keys('/', k), 1);
  ck_assert_int_eq(k[0], KEY_SLASH);
  ck_assert_int_eq(keymap_char_keys(3, k), 2); /* ^C */
  ck_assert_int_eq(k[0], KEY_LEFTCTRL);
  ck_assert_int_eq(k[1], KEY_C);
  ck_assert_int_eq(keymap_char_keys(0x7f, k), 0);
  ck_assert_int_eq(keymap_char_keys(0xe9, k), 0);
  /* Every printable ASCII character is typeable. */
  for (int c = 0x20; c < 0x7f; c++)
    ck_assert_int_gt(keymap_char_keys(c, k), 0);
}
END_TEST

/* Events as "+name" / "-name" words for easy comparison. */
static void events_str(const KeyEvent *ev, size_t n, char *buf, size_t len) {
  buf[0] = 0;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%c%s", i ? " " : "", ev[i].down ? '+' : '-', keymap_name(ev[i].key));
  }
}

START_TEST(test_send_keys) {
  char err[200], buf[1024];
  size_t n;
  KeyEvent *ev = keymap_send_keys("ls -A<ret>", &n, err, sizeof(err));
  ck_assert_ptr_nonnull(ev);
  events_str(ev, n, buf, sizeof(buf));
  ck_assert_str_eq(buf, "+l -l +s -s +spc -spc +minus -minus +shift +a -a -shift +ret -ret");
  free(ev);

  ev = keymap_send_keys("<ctrl-alt-delete>", &n, err, sizeof(err));
  ck_assert_ptr_nonnull(ev);
  events_str(ev, n, buf, sizeof(buf));
  ck_assert_str_eq(buf, "+ctrl +alt +delete -delete -alt -ctrl");
  free(ev);

  ev = keymap_send_keys("a<<b>c<F5>", &n, err, sizeof(err));
  ck_assert_ptr_nonnull(ev);
  events_str(ev, n, buf, sizeof(buf));
  ck_assert_str_eq(buf, "+a -a +shift +comma -comma -shift +b -b +shift +dot -dot -shift +c -c +f5 -f5");
  free(ev);

  ev = keymap_send_keys("", &n, err, sizeof(err));
  ck_assert_ptr_nonnull(ev);
  ck_assert_uint_eq(n, 0);
  free(ev);

  ck_assert_ptr_null(keymap_send_keys("ab<ctrl-bogus>", &n, err, sizeof(err)));
  ck_assert_str_eq(err, "send-keys: unknown key name 'bogus' in 'ctrl-bogus' (offset 2)");
  ck_assert_ptr_null(keymap_send_keys("x<ctrl", &n, err, sizeof(err)));
  ck_assert_str_eq(err, "send-keys: '<' at offset 1 has no closing '>' (\"<<\" types '<')");
  ck_assert_ptr_null(keymap_send_keys("<>", &n, err, sizeof(err)));
  ck_assert_str_eq(err, "send-keys: empty key combination (offset 0)");
  ck_assert_ptr_null(keymap_send_keys("caf\xc3\xa9", &n, err, sizeof(err)));
  ck_assert_str_eq(err, "send-keys: no key types character 0xc3 at offset 3");
}
END_TEST

static void assert_seq(const uint8_t *got, size_t n, const uint8_t *want, size_t wn) {
  ck_assert_uint_eq(n, wn);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(got[i] == want[i], "byte %zu: %02x, want %02x", i, got[i], want[i]);
}
#define SEQ(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

START_TEST(test_special_sequences) {
  uint8_t b[KEYMAP_SEQ_MAX];
  assert_seq(b, keymap_set2_make(KEY_PRINTSCREEN, 0, b), SEQ(0xe0, 0x12, 0xe0, 0x7c));
  assert_seq(b, keymap_set2_break(KEY_PRINTSCREEN, 0, b), SEQ(0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12));
  assert_seq(b, keymap_set2_make(KEY_PRINTSCREEN, KEYMOD_SHIFT, b), SEQ(0xe0, 0x7c));
  assert_seq(b, keymap_set2_break(KEY_PRINTSCREEN, KEYMOD_CTRL, b), SEQ(0xe0, 0xf0, 0x7c));
  assert_seq(b, keymap_set2_make(KEY_PRINTSCREEN, KEYMOD_ALT, b), SEQ(0x84));
  assert_seq(b, keymap_set2_break(KEY_PRINTSCREEN, KEYMOD_ALT, b), SEQ(0xf0, 0x84));
  assert_seq(b, keymap_set2_repeat(KEY_PRINTSCREEN, 0, b), SEQ(0xe0, 0x7c));
  assert_seq(b, keymap_set2_make(KEY_PAUSE, 0, b), SEQ(0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77));
  assert_seq(b, keymap_set2_make(KEY_PAUSE, KEYMOD_CTRL, b), SEQ(0xe0, 0x7e, 0xe0, 0xf0, 0x7e));
  ck_assert_uint_eq(keymap_set2_break(KEY_PAUSE, 0, b), 0);
  ck_assert_uint_eq(keymap_set2_repeat(KEY_PAUSE, 0, b), 0);
  assert_seq(b, keymap_set2_break(KEY_RIGHTALT, 0, b), SEQ(0xe0, 0xf0, 0x11));
  assert_seq(b, keymap_set2_repeat(KEY_KP_ENTER, 0, b), SEQ(0xe0, 0x5a));
  ck_assert_uint_eq(keymap_set2_make(KEY_NONE, 0, b), 0);
  ck_assert_uint_eq(keymap_set2_make(KEY_COUNT, 0, b), 0);
  /* The 8042 fold of F0 into bit 7. */
  uint8_t s1[KEYMAP_SEQ_MAX];
  const uint8_t pause[] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
  assert_seq(s1, keymap_translate(pause, sizeof(pause), s1), SEQ(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5));
  ck_assert_uint_eq(keymap_set2_to_set1(0x83), 0x41);
  ck_assert_uint_eq(keymap_set2_to_set1(0x84), 0x54);
  ck_assert_uint_eq(keymap_set2_to_set1(0xfa), 0xfa);
  ck_assert_uint_eq(keymap_set2_to_set1(0x00), 0xff);
}
END_TEST

START_TEST(test_hid_and_set1_lookup) {
  ck_assert_int_eq(keymap_from_hid(0x04), KEY_A);
  ck_assert_int_eq(keymap_from_hid(0x1d), KEY_Z);
  ck_assert_int_eq(keymap_from_hid(0x27), KEY_0);
  ck_assert_int_eq(keymap_from_hid(0x28), KEY_ENTER);
  ck_assert_int_eq(keymap_from_hid(0x32), KEY_BACKSLASH);
  ck_assert_int_eq(keymap_from_hid(0x64), KEY_102ND);
  ck_assert_int_eq(keymap_from_hid(0x65), KEY_MENU);
  ck_assert_int_eq(keymap_from_hid(0x58), KEY_KP_ENTER);
  ck_assert_int_eq(keymap_from_hid(0xe6), KEY_RIGHTALT);
  ck_assert_int_eq(keymap_from_hid(0xe3), KEY_LEFTMETA);
  ck_assert_int_eq(keymap_from_hid(0), KEY_NONE);
  ck_assert_int_eq(keymap_from_hid(0x68), KEY_NONE); /* F13: not on a 105-key board */
  /* Every key is reachable from a usage. */
  bool seen[KEY_COUNT] = {false};
  for (unsigned u = 1; u < 256; u++)
    seen[keymap_from_hid(u)] = true;
  for (int k = 1; k < KEY_COUNT; k++)
    ck_assert_msg(seen[k], "%s has no HID usage", keymap_name((KeyCode)k));
  /* No two keys share a make sequence. */
  for (int a = 1; a < KEY_COUNT; a++)
    for (int b = a + 1; b < KEY_COUNT; b++) {
      uint8_t x[KEYMAP_SEQ_MAX], y[KEYMAP_SEQ_MAX];
      size_t nx = keymap_set2_make((KeyCode)a, 0, x), ny = keymap_set2_make((KeyCode)b, 0, y);
      ck_assert_msg(nx != ny || memcmp(x, y, nx), "%s and %s share a make code", keymap_name((KeyCode)a),
                    keymap_name((KeyCode)b));
    }
  ck_assert_int_eq(keymap_from_set1(0x1e, false), KEY_A);
  ck_assert_int_eq(keymap_from_set1(0x48, true), KEY_UP);
  ck_assert_int_eq(keymap_from_set1(0x48, false), KEY_KP_8);
  ck_assert_int_eq(keymap_from_set1(0x45, false), KEY_NUMLOCK);
  ck_assert_int_eq(keymap_from_set1(0x5b, true), KEY_LEFTMETA);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_keymap");
  TCase *tc = tcase_create("keymap");
  tcase_add_test(tc, test_names_round_trip);
  tcase_add_test(tc, test_combo);
  tcase_add_test(tc, test_char_keys);
  tcase_add_test(tc, test_send_keys);
  tcase_add_test(tc, test_special_sequences);
  tcase_add_test(tc, test_hid_and_set1_lookup);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
