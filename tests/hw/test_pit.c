/*
 * test_pit.c — 8254 register-level tests: IRQ0 edges in modes 2 and 3 at the
 * right virtual times, mode 0 one-shot, counter latch, read-back status,
 * LSB/MSB access modes, BCD, channel 2 gate/output via port 61h, refresh bit.
 */
#include "hwtest.h"
#include "i8254.h"

static IoBus *bus;
static Clock *clk;
static Pit *pit;
static IrqRec rec;

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  clk = clock_new(true, 1);
  memset(&rec, 0, sizeof(rec));
  rec.clock = clk;
  pit = pit_new(bus, clk, irqrec_line(&rec));
  ck_assert_int_eq(rec.level, 1); /* idle OUT is high */
  rec.nrise = 0;
}
static void teardown(void) {
  pit_free(pit);
  clock_free(clk);
  iobus_free(bus);
}

static uint64_t tick_ns(uint64_t ticks) { return clock_ticks_to_ns(ticks, PIT_HZ); }

START_TEST(test_mode2_irq_edges) {
  clock_advance_to(clk, 5000);
  uint64_t start = clock_ns_to_ticks(clock_now(clk), PIT_HZ);
  outb(bus, 0x43, 0x34); /* ch0, lo/hi, mode 2, binary */
  outb(bus, 0x40, 1000 & 0xff);
  outb(bus, 0x40, 1000 >> 8);
  clock_advance_to(clk, 10 * 1000000ull); /* 10 ms: 1193182 Hz / 1000 = ~11.9 edges */
  ck_assert_int_eq(rec.nrise, 11);
  for (int k = 0; k < rec.nrise; k++)
    ck_assert_uint_eq(rec.rise_ns[k], tick_ns(start + (uint64_t)(k + 1) * 1000));
}
END_TEST

START_TEST(test_mode3_square_wave) {
  outb(bus, 0x43, 0x36); /* ch0, lo/hi, mode 3 */
  outb(bus, 0x40, 0x00);
  outb(bus, 0x40, 0x00); /* 65536: the BIOS's 18.2 Hz */
  clock_advance_to(clk, 1000000000ull);
  ck_assert_int_eq(rec.nrise, 18);
  ck_assert_uint_eq(rec.rise_ns[0], tick_ns(65536));
  /* Output high for the first half, low for the second. */
  ck_assert(pit_out(pit, 0) == ((clock_ns_to_ticks(1000000000ull, PIT_HZ) % 65536) < 32768));
}
END_TEST

START_TEST(test_mode0_one_shot) {
  outb(bus, 0x43, 0x30); /* ch0, lo/hi, mode 0 */
  outb(bus, 0x40, 100);
  ck_assert(!pit_out(pit, 0));
  outb(bus, 0x40, 0);
  clock_advance_to(clk, tick_ns(99));
  ck_assert_int_eq(rec.nrise, 0);
  ck_assert(!pit_out(pit, 0));
  clock_advance_to(clk, tick_ns(100));
  ck_assert_int_eq(rec.nrise, 1);
  ck_assert(pit_out(pit, 0));
  clock_advance_to(clk, tick_ns(100000));
  ck_assert_int_eq(rec.nrise, 1);
  /* The counter wraps and keeps counting. */
  outb(bus, 0x43, 0x00);
  uint16_t v = inb(bus, 0x40);
  v |= (uint16_t)(inb(bus, 0x40) << 8);
  ck_assert_uint_eq(v, (uint16_t)(100 - 100000));
}
END_TEST

START_TEST(test_latch_and_read_back) {
  outb(bus, 0x43, 0xb4); /* ch2, lo/hi, mode 2 */
  outb(bus, 0x42, 0x10);
  outb(bus, 0x42, 0x27); /* 10000 */
  outb(bus, 0x61, 0x01); /* gate on */
  clock_advance_to(clk, tick_ns(1234));
  outb(bus, 0x43, 0x80); /* latch ch2 */
  clock_advance_to(clk, tick_ns(2000));
  uint16_t v = inb(bus, 0x42);
  v |= (uint16_t)(inb(bus, 0x42) << 8);
  ck_assert_uint_eq(v, 10000 - 1234);
  /* Read-back: status + count of ch2. */
  outb(bus, 0x43, 0xc8);
  uint8_t st = inb(bus, 0x42);
  ck_assert_uint_eq(st, 0x80 | 0x30 | (2 << 1)); /* OUT high, lo/hi, mode 2 */
  v = inb(bus, 0x42);
  v |= (uint16_t)(inb(bus, 0x42) << 8);
  ck_assert_uint_eq(v, 10000 - 2000);
  /* Status only: null count set right after a control word. */
  outb(bus, 0x43, 0xb0);
  outb(bus, 0x43, 0xe8);
  ck_assert_uint_eq(inb(bus, 0x42) & 0x40, 0x40);
}
END_TEST

START_TEST(test_lsb_msb_modes) {
  outb(bus, 0x43, 0x92); /* ch2, LSB only, mode 1 */
  outb(bus, 0x42, 50);
  outb(bus, 0x43, 0x80);
  ck_assert_uint_eq(inb(bus, 0x42), 50); /* waiting for the gate */
  outb(bus, 0x43, 0xa4); /* ch2, MSB only, mode 2 */
  outb(bus, 0x42, 0x02); /* 0x200 */
  outb(bus, 0x61, 0x01);
  clock_advance_to(clk, clock_now(clk) + tick_ns(0x80));
  ck_assert_uint_eq(inb(bus, 0x42), 0x01); /* MSB of ~0x180 */
}
END_TEST

START_TEST(test_bcd) {
  outb(bus, 0x43, 0x35); /* ch0, lo/hi, mode 2, BCD */
  outb(bus, 0x40, 0x00);
  outb(bus, 0x40, 0x10); /* 1000 decimal */
  clock_advance_to(clk, tick_ns(1));
  outb(bus, 0x43, 0x00);
  uint16_t v = inb(bus, 0x40);
  v |= (uint16_t)(inb(bus, 0x40) << 8);
  ck_assert_uint_eq(v, 0x0999);
  clock_advance_to(clk, tick_ns(3000));
  ck_assert_int_eq(rec.nrise, 3);
}
END_TEST

START_TEST(test_port61_gate_out) {
  /* Channel 2 mode 0 as Linux's TSC calibration uses it. */
  outb(bus, 0x61, 0x00);
  outb(bus, 0x43, 0xb0);
  outb(bus, 0x42, 0xff);
  outb(bus, 0x42, 0x00); /* 255 ticks */
  clock_advance_to(clk, tick_ns(1000));
  ck_assert_uint_eq(inb(bus, 0x61) & 0x20, 0); /* gate low: paused */
  uint64_t t0 = clock_now(clk);
  outb(bus, 0x61, 0x01);
  clock_advance_to(clk, t0 + tick_ns(254));
  ck_assert_uint_eq(inb(bus, 0x61) & 0x20, 0);
  clock_advance_to(clk, t0 + tick_ns(256));
  ck_assert_uint_eq(inb(bus, 0x61) & 0x20, 0x20);
  ck_assert_uint_eq(inb(bus, 0x61) & 0x0f, 0x01);
}
END_TEST

START_TEST(test_refresh_toggles) {
  uint8_t a = inb(bus, 0x61) & 0x10;
  clock_advance_to(clk, clock_now(clk) + 15085);
  uint8_t b = inb(bus, 0x61) & 0x10;
  ck_assert_uint_ne(a, b);
}
END_TEST

START_TEST(test_save_restore) {
  outb(bus, 0x43, 0x34);
  outb(bus, 0x40, 0xe8);
  outb(bus, 0x40, 0x03);
  clock_advance_to(clk, tick_ns(1500));
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&pit->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  pit_reset(pit);
  ck_assert(!timer_pending(pit->timer));
  ck_assert_int_eq(device_load(&pit->dev, r), 0);
  ck_assert(timer_pending(pit->timer));
  ck_assert_uint_eq(timer_deadline(pit->timer), tick_ns(2000));
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_pit");
  TCase *tc = tcase_create("pit");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_mode2_irq_edges);
  tcase_add_test(tc, test_mode3_square_wave);
  tcase_add_test(tc, test_mode0_one_shot);
  tcase_add_test(tc, test_latch_and_read_back);
  tcase_add_test(tc, test_lsb_msb_modes);
  tcase_add_test(tc, test_bcd);
  tcase_add_test(tc, test_port61_gate_out);
  tcase_add_test(tc, test_refresh_toggles);
  tcase_add_test(tc, test_save_restore);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
