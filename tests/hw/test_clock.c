/*
 * test_clock.c — virtual clock: timers fire in deadline order (ties in
 * creation order) with clock_now() at their deadline, re-arming from a
 * callback, deletion, instruction-count interpolation, the slice kick.
 */
#include "hwtest.h"

static Clock *clk;
static char order[32];
static int norder;
static uint64_t seen_now[32];

typedef struct Ctx {
  char tag;      /* recorded in order[] */
  Timer *t;      /* its timer */
  uint64_t period; /* re-arm period, 0 for one-shot */
} Ctx;

static void cb(void *opaque) {
  Ctx *c = opaque;
  seen_now[norder] = clock_now(clk);
  order[norder++] = c->tag;
  if (c->period)
    timer_mod(c->t, clock_now(clk) + c->period);
}

static int kicks;
static void kick(void *opaque) { kicks++; }

START_TEST(test_order_and_now) {
  clk = clock_new(true, 1);
  norder = 0;
  memset(order, 0, sizeof(order));
  Ctx a = {'a', NULL, 0}, b = {'b', NULL, 0}, c = {'c', NULL, 300};
  a.t = clock_timer_new(clk, cb, &a);
  b.t = clock_timer_new(clk, cb, &b);
  c.t = clock_timer_new(clk, cb, &c);
  timer_mod(a.t, 500);
  timer_mod(b.t, 500);
  timer_mod(c.t, 100);
  ck_assert_uint_eq(clock_next_deadline(clk), 100);
  clock_advance_to(clk, 1000);
  ck_assert_str_eq(order, "ccabcc"); /* deadline 1000 is due at 1000 */
  ck_assert_uint_eq(seen_now[0], 100);
  ck_assert_uint_eq(seen_now[1], 400);
  ck_assert_uint_eq(seen_now[2], 500);
  ck_assert_uint_eq(seen_now[4], 700);
  ck_assert_uint_eq(clock_now(clk), 1000);
  ck_assert_uint_eq(seen_now[5], 1000);
  ck_assert_uint_eq(clock_next_deadline(clk), 1300);
  timer_del(c.t);
  ck_assert_uint_eq(clock_next_deadline(clk), CLOCK_NEVER);
  clock_advance_to(clk, 500); /* never backwards */
  ck_assert_uint_eq(clock_now(clk), 1000);
  clock_free(clk);
}
END_TEST

START_TEST(test_icount) {
  clk = clock_new(true, 5);
  uint64_t icount = 1000;
  clock_attach_icount(clk, &icount);
  ck_assert_uint_eq(clock_now(clk), 0);
  icount += 10;
  ck_assert_uint_eq(clock_now(clk), 50);
  norder = 0;
  memset(order, 0, sizeof(order));
  Ctx a = {'a', NULL, 0};
  a.t = clock_timer_new(clk, cb, &a);
  clk->slice_end = 200;
  clk->kick = kick;
  kicks = 0;
  timer_mod(a.t, 150);
  ck_assert_int_eq(kicks, 1); /* before the planned slice end */
  timer_mod(a.t, 300);
  ck_assert_int_eq(kicks, 1);
  timer_mod(a.t, 120);
  icount += 20; /* now 150 */
  clock_sync_insns(clk);
  ck_assert_str_eq(order, "a");
  ck_assert_uint_eq(seen_now[0], 120);
  ck_assert_uint_eq(clock_now(clk), 150);
  icount += 2;
  ck_assert_uint_eq(clock_now(clk), 160);
  clock_free(clk);
}
END_TEST

/* The strict deadline skips lax timers (ticks): the runner's idle slack
 * may delay those, never the others. */
START_TEST(test_strict_deadline) {
  clk = clock_new(false, 1);
  Ctx a = {'a', NULL, 0}, b = {'b', NULL, 0};
  a.t = clock_timer_new(clk, cb, &a);
  b.t = clock_timer_new(clk, cb, &b);
  a.t->lax = true;
  ck_assert_uint_eq(clock_next_strict_deadline(clk), CLOCK_NEVER);
  timer_mod(a.t, 100);
  ck_assert_uint_eq(clock_next_deadline(clk), 100);
  ck_assert_uint_eq(clock_next_strict_deadline(clk), CLOCK_NEVER);
  timer_mod(b.t, 300);
  ck_assert_uint_eq(clock_next_deadline(clk), 100);
  ck_assert_uint_eq(clock_next_strict_deadline(clk), 300);
  timer_del(b.t);
  ck_assert_uint_eq(clock_next_strict_deadline(clk), CLOCK_NEVER);
  clock_free(clk);
}
END_TEST

START_TEST(test_tick_conversions) {
  ck_assert_uint_eq(clock_ns_to_ticks(NS_PER_SEC, 1193182), 1193182);
  ck_assert_uint_eq(clock_ticks_to_ns(1193182, 1193182), NS_PER_SEC);
  for (uint64_t t = 0; t < 5000; t++)
    ck_assert_uint_eq(clock_ns_to_ticks(clock_ticks_to_ns(t, 1193182), 1193182), t);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_clock");
  TCase *tc = tcase_create("clock");
  tcase_add_test(tc, test_order_and_now);
  tcase_add_test(tc, test_icount);
  tcase_add_test(tc, test_tick_conversions);
  tcase_add_test(tc, test_strict_deadline);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
