/*
 * test_debugport.c — ports E9h (output and detection), 80h (POST code) and
 * F4h (exit status (v << 1) | 1).
 */
#include <stdio.h>

#include "debugport.h"
#include "hwtest.h"

static IoBus *bus;
static DebugPort *d;
static int exit_status;
static char e9buf[64];
static int e9len;

static void exit_cb(void *opaque, int status) { exit_status = status; }
static void e9_cb(void *opaque, uint8_t b) {
  if (e9len < (int)sizeof(e9buf) - 1)
    e9buf[e9len++] = (char)b;
}

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  exit_status = -1;
  e9len = 0;
  memset(e9buf, 0, sizeof(e9buf));
  d = debugport_new(bus, exit_cb, NULL);
  d->e9_out = NULL;
  d->e9_hook = e9_cb;
}
static void teardown(void) {
  debugport_free(d);
  iobus_free(bus);
}

START_TEST(test_e9) {
  ck_assert_uint_eq(inb(bus, 0xe9), 0xe9);
  for (const char *p = "ok\n"; *p; p++)
    outb(bus, 0xe9, (uint8_t)*p);
  ck_assert_str_eq(e9buf, "ok\n");
  ck_assert_uint_eq(inb(bus, 0x402), 0xe9); /* SeaBIOS's debug port */
  outb(bus, 0x402, '!');
  ck_assert_str_eq(e9buf, "ok\n!");
  /* To a real stream too. */
  FILE *f = tmpfile();
  d->e9_out = f;
  outb(bus, 0xe9, 'Z');
  fflush(f);
  rewind(f);
  ck_assert_int_eq(fgetc(f), 'Z');
  fclose(f);
  d->e9_out = NULL;
}
END_TEST

START_TEST(test_post) {
  ck_assert(!d->post_seen);
  outb(bus, 0x80, 0x12);
  outb(bus, 0x80, 0x34);
  ck_assert(d->post_seen);
  ck_assert_uint_eq(d->post_code, 0x34);
  ck_assert_uint_eq(inb(bus, 0x80), 0x34);
}
END_TEST

START_TEST(test_exit) {
  outb(bus, 0xf4, 0x00);
  ck_assert_int_eq(exit_status, 1);
  outb(bus, 0xf4, 0x10);
  ck_assert_int_eq(exit_status, 0x21);
  iobus_write(bus, 0xf4, 4, 0x31); /* wide writes reach the low byte */
  ck_assert_int_eq(exit_status, 0x63);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_debugport");
  TCase *tc = tcase_create("debugport");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_e9);
  tcase_add_test(tc, test_post);
  tcase_add_test(tc, test_exit);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
