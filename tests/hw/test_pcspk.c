/*
 * test_pcspk.c — the PC speaker sound source: counter 2 square waves at
 * the programmed frequency (zero crossings), silence when disabled or
 * gated off, on/off times honoured on the virtual clock, PWM through
 * port 61h bit 1 and through one-shot counter 2 reloads (correlated with
 * the encoded sine), bounded memory under a flood of changes.
 */
#include <math.h>
#include <stdlib.h>

#include "hwtest.h"
#include "i8254.h"
#include "pcspk.h"

#define RATE 48000

static IoBus *bus;
static Clock *clk;
static Pit *pit;
static PcSpk *spk;
static IrqRec irq0;

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  clk = clock_new(true, 1);
  memset(&irq0, 0, sizeof(irq0));
  pit = pit_new(bus, clk, irqrec_line(&irq0));
  spk = pcspk_new(pit, clk);
  ck_assert_ptr_nonnull(spk);
}
static void teardown(void) {
  pcspk_free(spk);
  pit_free(pit);
  clock_free(clk);
  iobus_free(bus);
}

/* Channel 2, mode 3, LSB then MSB. */
static void tone(unsigned hz) {
  unsigned count = PIT_HZ / hz;
  outb(bus, 0x43, 0xb6);
  outb(bus, 0x42, (uint8_t)count);
  outb(bus, 0x42, (uint8_t)(count >> 8));
}

static int crossings(const int16_t *s, size_t n) {
  int c = 0, sign = 0;
  for (size_t i = 0; i < n; i++) {
    int sg = s[i] > 0 ? 1 : s[i] < 0 ? -1 : 0;
    if (sg && sign && sg != sign)
      c++;
    if (sg)
      sign = sg;
  }
  return c;
}

static int16_t buf[RATE];

START_TEST(test_tone_1000hz) {
  tone(1000);
  outb(bus, 0x61, 0x03);
  ck_assert_uint_eq(pcspk_render(spk, buf, RATE / 10, RATE), RATE / 10);
  int c = crossings(buf, RATE / 10);
  ck_assert_msg(c >= 198 && c <= 202, "1000 Hz for 0.1 s: %d zero crossings", c);
  /* 440 Hz next, 0.1 s more. */
  tone(440);
  pcspk_render(spk, buf, RATE / 10, RATE);
  c = crossings(buf, RATE / 10);
  ck_assert_msg(c >= 86 && c <= 90, "440 Hz for 0.1 s: %d zero crossings", c);
  int peak = 0;
  for (int i = 0; i < RATE / 10; i++)
    peak = abs(buf[i]) > peak ? abs(buf[i]) : peak;
  ck_assert_int_gt(peak, PCSPK_AMPLITUDE / 3);
}
END_TEST

START_TEST(test_silence) {
  tone(1000);
  outb(bus, 0x61, 0x01); /* counter running, speaker data off */
  pcspk_render(spk, buf, RATE / 10, RATE);
  for (int i = 0; i < RATE / 10; i++)
    ck_assert_int_eq(buf[i], 0);
  outb(bus, 0x61, 0x02); /* speaker on, counter 2 gated off: OUT rests high */
  pcspk_render(spk, buf, RATE / 10, RATE);
  ck_assert_int_eq(crossings(buf, RATE / 10), 0);
  ck_assert_int_lt(abs(buf[RATE / 10 - 1]), 10); /* a step, then it settles to silence */
}
END_TEST

/* On from 50 ms to 100 ms of virtual time: sound only there. */
START_TEST(test_timing) {
  tone(1000);
  clock_advance_to(clk, 50000000);
  outb(bus, 0x61, 0x03);
  clock_advance_to(clk, 100000000);
  outb(bus, 0x61, 0x00);
  clock_advance_to(clk, 150000000);
  ck_assert_uint_eq(pcspk_frames_due(spk, RATE), 7200);
  pcspk_render(spk, buf, 7200, RATE);
  ck_assert_int_eq(crossings(buf, 2400), 0);
  for (int i = 0; i < 2400; i++)
    ck_assert_int_eq(buf[i], 0);
  int c = crossings(buf + 2400, 2400);
  ck_assert_msg(c >= 98 && c <= 102, "50 ms of 1000 Hz: %d crossings", c);
  ck_assert_int_le(crossings(buf + 4800 + 48, 2400 - 48), 0);
  ck_assert_uint_eq(pcspk_frames_due(spk, RATE), 0);
}
END_TEST

/* Correlation of a 16 kHz-carrier PWM rendering, averaged over one
 * carrier period (3 samples), with the sine its duty cycle encodes. */
static double correlate_sine(const int16_t *s, size_t n, double hz) {
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 3; i < n; i++) {
    double x = (s[i] + s[i - 1] + s[i - 2]) / 3.0;
    double y = sin(2 * M_PI * hz * ((double)i - 1) / RATE);
    sxy += x * y;
    sxx += x * x;
    syy += y * y;
  }
  return sxy / sqrt(sxx * syy);
}

#define CARRIER_NS 62500u /* 16 kHz */
#define PWM_PERIODS 3200  /* 0.2 s */

static double duty(unsigned p) { return 0.5 + 0.4 * sin(2 * M_PI * 300.0 * p * CARRIER_NS / 1e9); }

/* A guest toggling port 61h bit 1 itself (counter 2 gated off). */
START_TEST(test_pwm_port61) {
  uint64_t t = 0;
  for (unsigned p = 0; p < PWM_PERIODS; p++) {
    clock_advance_to(clk, t);
    outb(bus, 0x61, 0x02);
    clock_advance_to(clk, t + (uint64_t)(duty(p) * CARRIER_NS));
    outb(bus, 0x61, 0x00);
    t += CARRIER_NS;
  }
  size_t n = pcspk_render(spk, buf, RATE / 5, RATE);
  double r = correlate_sine(buf + RATE / 50, n - RATE / 50, 300.0);
  ck_assert_msg(r > 0.95, "PWM via bit 1: correlation %.3f", r);
}
END_TEST

/* A guest reloading a mode 0 counter 2 each carrier period: OUT is low
 * for the count, then high, so the duty cycle is 1 - count/period. */
START_TEST(test_pwm_oneshot) {
  outb(bus, 0x61, 0x03);
  outb(bus, 0x43, 0x90); /* counter 2, LSB only, mode 0 */
  uint64_t t = 0;
  unsigned period_ticks = (unsigned)(CARRIER_NS * (uint64_t)PIT_HZ / 1000000000u); /* 74 */
  for (unsigned p = 0; p < PWM_PERIODS; p++) {
    clock_advance_to(clk, t);
    outb(bus, 0x42, (uint8_t)lrint((1 - duty(p)) * period_ticks));
    t += CARRIER_NS;
  }
  size_t n = pcspk_render(spk, buf, RATE / 5, RATE);
  double r = correlate_sine(buf + RATE / 50, n - RATE / 50, 300.0);
  ck_assert_msg(r > 0.95, "PWM via one-shot reloads: correlation %.3f", r);
}
END_TEST

/* Nobody renders: memory stays bounded and rendering still works. */
START_TEST(test_bounded) {
  for (unsigned i = 0; i < 3 * PCSPK_EVENTS; i++) {
    clock_advance_to(clk, (uint64_t)i * 1000);
    outb(bus, 0x61, (i & 1) ? 0x02 : 0x00);
  }
  ck_assert_uint_le(spk->len, PCSPK_EVENTS);
  ck_assert_uint_gt(spk->folded, 0);
  /* 24 ms behind: within the lag bound, all rendered. */
  size_t due = pcspk_frames_due(spk, RATE);
  ck_assert_uint_le(due, RATE);
  pcspk_render(spk, buf, due, RATE);
  /* A long pause without rendering: the cursor skips to the lag bound. */
  clock_advance_to(clk, clock_now(clk) + 10 * NS_PER_SEC);
  ck_assert_uint_eq(pcspk_frames_due(spk, RATE), PCSPK_MAX_LAG_NS * RATE / NS_PER_SEC);
  pcspk_render(spk, buf, 1, RATE);
  ck_assert_uint_le(pcspk_frames_due(spk, RATE), PCSPK_MAX_LAG_NS * RATE / NS_PER_SEC);
}
END_TEST

/* pcspk_silent: a front end may skip queuing audio only while rendering
 * would give silence: never while a tone plays or a change is pending,
 * and only once the DC filter has settled after the speaker is turned off. */
START_TEST(test_silent_query) {
  ck_assert(pcspk_silent(spk)); /* reset: off */
  tone(1000);
  outb(bus, 0x61, 0x03);
  ck_assert(!pcspk_silent(spk)); /* a pending change */
  clock_advance_to(clk, clock_now(clk) + NS_PER_SEC / 10);
  pcspk_render(spk, buf, RATE / 10, RATE);
  ck_assert(!pcspk_silent(spk)); /* playing */
  outb(bus, 0x61, 0x00);
  clock_advance_to(clk, clock_now(clk) + NS_PER_SEC / 1000);
  pcspk_render(spk, buf, RATE / 1000, RATE);
  ck_assert(!pcspk_silent(spk)); /* the filter still rings after the edge */
  clock_advance_to(clk, clock_now(clk) + NS_PER_SEC / 2);
  pcspk_render(spk, buf, RATE / 2, RATE);
  int peak = 0;
  for (int i = RATE / 2 - 100; i < RATE / 2; i++)
    peak = abs(buf[i]) > peak ? abs(buf[i]) : peak;
  ck_assert_int_eq(peak, 0);
  ck_assert(pcspk_silent(spk));
}
END_TEST

/* Skipping silence moves the cursor as rendering it would: a tone started
 * after a skipped stretch starts on the same sample, with the same values,
 * as after a rendered one; and nothing is skipped while the speaker plays. */
static int16_t ref[RATE / 10];
START_TEST(test_skip_silence) {
  for (int pass = 0; pass < 2; pass++) {
    teardown();
    setup();
    clock_advance_to(clk, NS_PER_SEC / 4 + 12345); /* silence, not a whole frame */
    size_t n = pcspk_frames_due(spk, RATE);
    ck_assert_uint_gt(n, 0);
    if (pass == 0)
      pcspk_render(spk, buf, n, RATE);
    else
      pcspk_skip(spk, n, RATE);
    ck_assert_uint_eq(pcspk_frames_due(spk, RATE), 0);
    tone(1000);
    outb(bus, 0x61, 0x03);
    clock_advance_to(clk, clock_now(clk) + NS_PER_SEC / 10);
    size_t m = pcspk_frames_due(spk, RATE);
    ck_assert_uint_ge(m, RATE / 10 - 1);
    pcspk_render(spk, buf, RATE / 10 - 1, RATE);
    if (pass == 0)
      memcpy(ref, buf, sizeof ref);
    else
      ck_assert_mem_eq(ref, buf, (RATE / 10 - 1) * sizeof(int16_t));
  }
  /* playing: a skip is refused (the samples matter) */
  size_t before = pcspk_frames_due(spk, RATE);
  clock_advance_to(clk, clock_now(clk) + NS_PER_SEC / 100);
  size_t due = pcspk_frames_due(spk, RATE);
  pcspk_skip(spk, due, RATE);
  ck_assert_uint_eq(pcspk_frames_due(spk, RATE), due);
  ck_assert_uint_ge(due, before);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_pcspk");
  TCase *tc = tcase_create("pcspk");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_tone_1000hz);
  tcase_add_test(tc, test_silence);
  tcase_add_test(tc, test_timing);
  tcase_add_test(tc, test_pwm_port61);
  tcase_add_test(tc, test_pwm_oneshot);
  tcase_add_test(tc, test_bounded);
  tcase_add_test(tc, test_silent_query);
  tcase_add_test(tc, test_skip_silence);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
