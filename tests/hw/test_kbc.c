/*
 * test_kbc.c — 8042 register-level tests: self-test and interface tests,
 * command byte, IRQ1 on output, keyboard reset/identify/LEDs/set selection,
 * set 2 -> set 1 translation, untranslated set 2, mouse through D4h with
 * IRQ12, A20 through the output port and port 92h, reset through FEh.
 */
#include "hwtest.h"
#include "i8042.h"

static IoBus *bus;
static Kbc *kbc;
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
  kbc = kbc_new(bus, irqrec_line(&irq1), irqrec_line(&irq12), a20_cb, reset_cb, NULL);
}
static void teardown(void) {
  kbc_free(kbc);
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
  ck_assert_uint_eq(rd_data(), 0x21);
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
  ck_assert_int_eq(kbc->dev.save(kbc, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  kbc_reset(kbc);
  assert_empty();
  ck_assert_int_eq(kbc->dev.load(kbc, r), 0);
  ck_assert_uint_eq(rd_data(), 0x10);
  ck_assert_uint_eq(rd_data(), 0x11);
  save_reader_free(r);
  save_writer_free(w);
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
  suite_add_tcase(s, tc);
  return run_suite(s);
}
