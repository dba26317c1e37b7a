/*
 * test_rtc.c — MC146818 register-level tests: calendar from a fixed start,
 * BCD and binary, 12/24 hours, seconds ticking with virtual time, UIP window,
 * periodic interrupt rate on IRQ8, register C clears, update-ended and alarm
 * interrupts, SET bit, NVRAM, NMI mask bit.
 */
#include "hwtest.h"
#include "mc146818.h"

static IoBus *bus;
static Clock *clk;
static Rtc *rtc;
static IrqRec rec;

#define START 1700000000 /* 2023-11-14 22:13:20 UTC, a Tuesday */

static uint8_t rd(int idx) {
  outb(bus, 0x70, (uint8_t)idx);
  return inb(bus, 0x71);
}
static void wr(int idx, uint8_t v) {
  outb(bus, 0x70, (uint8_t)idx);
  outb(bus, 0x71, v);
}

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  clk = clock_new(true, 1);
  memset(&rec, 0, sizeof(rec));
  rec.clock = clk;
  rtc = rtc_new(bus, clk, irqrec_line(&rec), START);
}
static void teardown(void) {
  rtc_free(rtc);
  clock_free(clk);
  iobus_free(bus);
}

START_TEST(test_calendar_bcd) {
  ck_assert_uint_eq(rd(RTC_SEC), 0x20);
  ck_assert_uint_eq(rd(RTC_MIN), 0x13);
  ck_assert_uint_eq(rd(RTC_HOUR), 0x22);
  ck_assert_uint_eq(rd(RTC_WDAY), 3);
  ck_assert_uint_eq(rd(RTC_MDAY), 0x14);
  ck_assert_uint_eq(rd(RTC_MONTH), 0x11);
  ck_assert_uint_eq(rd(RTC_YEAR), 0x23);
  ck_assert_uint_eq(rd(RTC_CENTURY), 0x20);
  ck_assert_uint_eq(rd(RTC_REG_D), 0x80);
  clock_advance_to(clk, 41ull * NS_PER_SEC);
  ck_assert_uint_eq(rd(RTC_SEC), 0x01);
  ck_assert_uint_eq(rd(RTC_MIN), 0x14);
}
END_TEST

START_TEST(test_binary_12h) {
  wr(RTC_REG_B, RTC_B_DM); /* binary, 12 hours */
  ck_assert_uint_eq(rd(RTC_SEC), 20);
  ck_assert_uint_eq(rd(RTC_HOUR), 0x80 | 10); /* 10 PM */
  ck_assert_uint_eq(rd(RTC_YEAR), 23);
}
END_TEST

START_TEST(test_set_time) {
  wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
  wr(RTC_HOUR, 0x08);
  wr(RTC_MIN, 0x30);
  wr(RTC_SEC, 0x00);
  clock_advance_to(clk, 5ull * NS_PER_SEC);
  ck_assert_uint_eq(rd(RTC_SEC), 0x00); /* frozen while SET */
  wr(RTC_REG_B, RTC_B_24H);
  clock_advance_to(clk, clock_now(clk) + 3 * NS_PER_SEC);
  ck_assert_uint_eq(rd(RTC_SEC), 0x03);
  ck_assert_uint_eq(rd(RTC_HOUR), 0x08);
  ck_assert_uint_eq(rd(RTC_MIN), 0x30);
}
END_TEST

START_TEST(test_uip_window) {
  clock_advance_to(clk, NS_PER_SEC / 2);
  ck_assert_uint_eq(rd(RTC_REG_A) & 0x80, 0);
  ck_assert_uint_eq(rd(RTC_REG_A) & 0x7f, 0x26);
  clock_advance_to(clk, NS_PER_SEC - 100000);
  ck_assert_uint_eq(rd(RTC_REG_A) & 0x80, 0x80);
  ck_assert_uint_eq(rd(RTC_SEC), 0x20); /* not updated yet */
  clock_advance_to(clk, NS_PER_SEC + 1000);
  ck_assert_uint_eq(rd(RTC_REG_A) & 0x80, 0);
  ck_assert_uint_eq(rd(RTC_SEC), 0x21);
}
END_TEST

START_TEST(test_periodic_irq8) {
  wr(RTC_REG_A, 0x26); /* 1024 Hz */
  wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
  int acked = 0;
  uint64_t prev = 0;
  /* Acknowledge each interrupt by reading C, as a handler does. */
  for (uint64_t t = 0; t < 10 * 1000000ull; t += 10000) {
    clock_advance_to(clk, t);
    if (rec.level) {
      uint8_t c = rd(RTC_REG_C);
      ck_assert_uint_eq(c & 0xc0, 0xc0);
      ck_assert_int_eq(rec.level, 0);
      ck_assert_uint_eq(rd(RTC_REG_C) & 0x40, 0); /* read clears */
      if (acked)
        ck_assert_uint_eq(rec.rise_ns[acked] - prev, 976562);
      prev = rec.rise_ns[acked];
      acked++;
    }
  }
  ck_assert_int_eq(acked, 10); /* 10 ms at 1024 Hz */
  ck_assert_uint_eq(rtc_periodic_ns(0x2f), 500000000u);
  ck_assert_uint_eq(rtc_periodic_ns(0x23), 122070u);
}
END_TEST

START_TEST(test_update_and_alarm_irq) {
  wr(RTC_SEC_ALARM, 0x23);
  wr(RTC_MIN_ALARM, 0xc0);
  wr(RTC_HOUR_ALARM, 0xff);
  wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_AIE);
  clock_advance_to(clk, NS_PER_SEC);
  ck_assert_int_eq(rec.nrise, 1);
  ck_assert_uint_eq(rec.rise_ns[0], NS_PER_SEC);
  ck_assert_uint_eq(rd(RTC_REG_C) & 0xb0, 0x90); /* IRQF | UF (PF runs too) */
  clock_advance_to(clk, 3 * NS_PER_SEC);
  ck_assert_uint_eq(rd(RTC_REG_C) & 0xb0, 0xb0); /* IRQF | AF | UF at :23 */
  /* Flags are set even when their interrupt is disabled. */
  wr(RTC_REG_B, RTC_B_24H);
  clock_advance_to(clk, 4 * NS_PER_SEC);
  ck_assert_int_eq(rec.level, 0);
  ck_assert_uint_eq(rd(RTC_REG_C) & 0xb0, 0x10);
}
END_TEST

START_TEST(test_nvram_and_nmi) {
  wr(0x40, 0x5a);
  ck_assert_uint_eq(rd(0x40), 0x5a);
  outb(bus, 0x70, 0x80 | 0x40);
  ck_assert(rtc->nmi_masked);
  ck_assert_uint_eq(inb(bus, 0x71), 0x5a);
  rtc_cmos_set(rtc, 0x15, 0x80);
  ck_assert_uint_eq(rd(0x15), 0x80);
  wr(RTC_REG_D, 0x00);
  ck_assert_uint_eq(rd(RTC_REG_D), 0x80);
}
END_TEST

START_TEST(test_divider_reset) {
  wr(RTC_REG_A, 0x70); /* divider held in reset */
  clock_advance_to(clk, 5 * NS_PER_SEC);
  ck_assert_uint_eq(rd(RTC_SEC), 0x20);
  wr(RTC_REG_A, 0x26);
  clock_advance_to(clk, clock_now(clk) + NS_PER_SEC / 2);
  ck_assert_uint_eq(rd(RTC_SEC), 0x21);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_rtc");
  TCase *tc = tcase_create("rtc");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_calendar_bcd);
  tcase_add_test(tc, test_binary_12h);
  tcase_add_test(tc, test_set_time);
  tcase_add_test(tc, test_uip_window);
  tcase_add_test(tc, test_periodic_irq8);
  tcase_add_test(tc, test_update_and_alarm_irq);
  tcase_add_test(tc, test_nvram_and_nmi);
  tcase_add_test(tc, test_divider_reset);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
