/*
 * clock.c — virtual clock and timers (see clock.h).  A handful of timers
 * exist per machine, so a linear scan is the simplest correct scheduler.
 */
#include "clock.h"

#include <stdlib.h>
#include <time.h>

Clock *clock_new(bool deterministic, uint64_t ns_per_insn) {
  Clock *c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->deterministic = deterministic;
  c->ns_per_insn = ns_per_insn ? ns_per_insn : 1;
  c->npi_fp = c->rate_fp = c->ns_per_insn << 16;
  c->adaptive = !deterministic;
  c->host_offset = -(int64_t)clock_host_ns();
  c->rate_host = clock_host_ns();
  c->slice_end = CLOCK_NEVER;
  return c;
}

void clock_free(Clock *c) {
  if (!c)
    return;
  Timer *t = c->timers;
  while (t) {
    Timer *n = t->next;
    free(t);
    t = n;
  }
  free(c);
}

uint64_t clock_host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_now_hook(void *clock) { return clock_now(clock); }

static Timer *earliest(const Clock *c) {
  Timer *best = NULL;
  for (Timer *t = c->timers; t; t = t->next)
    if (t->pending && (!best || t->deadline < best->deadline))
      best = t; /* strict '<' keeps creation order on ties */
  return best;
}

uint64_t clock_next_deadline(const Clock *c) {
  Timer *t = earliest(c);
  return t ? t->deadline : CLOCK_NEVER;
}

uint64_t clock_next_strict_deadline(const Clock *c) {
  uint64_t d = CLOCK_NEVER;
  for (Timer *t = c->timers; t; t = t->next)
    if (t->pending && !t->lax && t->deadline < d)
      d = t->deadline;
  return d;
}

void clock_attach_icount(Clock *c, const uint64_t *icount) {
  c->icount = icount;
  c->icount_base = icount ? *icount : 0;
  c->rate_icount = c->icount_base;
}

void clock_sync_insns(Clock *c) {
  if (!c->icount)
    return;
  uint64_t target = clock_now(c);
  c->icount_base = *c->icount;
  clock_advance_to(c, target);
}

void clock_advance_to(Clock *c, uint64_t ns) {
  if (c->firing)
    return; /* a callback must not advance time */
  if (c->icount) { /* fold instructions executed so far into `now` */
    c->now = clock_now(c);
    c->icount_base = *c->icount;
  }
  c->firing = true;
  for (;;) {
    Timer *t = earliest(c);
    if (!t || t->deadline > ns)
      break;
    if (t->deadline > c->now)
      c->now = t->deadline;
    t->pending = false;
    t->cb(t->opaque);
  }
  if (ns > c->now)
    c->now = ns;
  c->firing = false;
}

void clock_account_insns(Clock *c, uint64_t insns) {
  clock_advance_to(c, c->now + clock_insns_to_ns(c, insns));
}

void clock_fix_rate(Clock *c) {
  c->adaptive = false;
  c->npi_fp = c->rate_fp = c->ns_per_insn << 16;
}

#define RATE_MIN_INSNS 10000u   /* a shorter run between two syncs is no sample */
#define NPI_FP_MIN (1u << 8)    /* 1/256 ns per instruction */
#define NPI_FP_MAX (1000ull << 16)
#define STEER_NS 10000000       /* make up a lag or lead over about this much time */

static uint64_t clamp_fp(uint64_t fp) { return fp < NPI_FP_MIN ? NPI_FP_MIN : fp > NPI_FP_MAX ? NPI_FP_MAX : fp; }

/* Real time: host ns per instruction since the last call, blended into
 * rate_fp.  The machine loop calls clock_sync_host after every slice and
 * every idle wait, so a sample is one slice (an idle interval retires
 * nothing and only moves the start).  A sample counts for 1/8, and at most
 * 4x or 1/4 of the rate so far (a host that descheduled us is no guide).
 * Returns the instructions retired since the last call. */
static uint64_t rate_sample(Clock *c, uint64_t host) {
  uint64_t insns = c->icount ? *c->icount - c->rate_icount : 0;
  uint64_t dh = host - c->rate_host;
  if (c->icount)
    c->rate_icount = *c->icount;
  c->rate_host = host;
  if (insns < RATE_MIN_INSNS)
    return insns;
  uint64_t fp = (uint64_t)(((unsigned __int128)dh << 16) / insns);
  if (fp > c->rate_fp * 4)
    fp = c->rate_fp * 4;
  if (fp < c->rate_fp / 4)
    fp = c->rate_fp / 4;
  c->rate_fp = clamp_fp((c->rate_fp * 7 + fp) / 8);
  return insns;
}

void clock_sync_host(Clock *c) {
  uint64_t host = clock_host_ns();
  int64_t v = (int64_t)host + c->host_offset; /* the host's idea of virtual time */
  if (c->adaptive) {
    uint64_t insns = rate_sample(c, host);
    int64_t lag = v - (int64_t)c->now;
    if (insns && lag < (int64_t)CLOCK_MAX_CATCHUP_NS) {
      /* The CPU is running: steer instead of jumping.  Time per instruction
       * is the engine's rate scaled by 1 + lag / STEER_NS, within 1/4x..4x. */
      int64_t r = (int64_t)c->rate_fp;
      int64_t fp = r + (int64_t)(((__int128)r * lag) / STEER_NS);
      fp = fp < r / 4 ? r / 4 : fp > r * 4 ? r * 4 : fp;
      c->npi_fp = clamp_fp((uint64_t)fp);
      return;
    }
    c->npi_fp = c->rate_fp;
    if (v > 0 && lag < (int64_t)CLOCK_MAX_CATCHUP_NS) {
      /* Idle: up to the next deadline only, so that a timer's interrupt is
       * taken before the next one fires (none is lost to a jump); the rest
       * is made up by steering once the CPU runs. */
      uint64_t d = clock_next_deadline(c);
      if (d < (uint64_t)v)
        v = (int64_t)d;
      clock_advance_to(c, (uint64_t)v > c->now ? (uint64_t)v : c->now);
      return;
    }
  }
  if (v > 0 && (uint64_t)v > c->now)
    clock_advance_to(c, (uint64_t)v);
}

uint64_t clock_idle_wait_ns(const Clock *c, uint64_t deadline) {
  int64_t v = (int64_t)clock_host_ns() + c->host_offset;
  uint64_t from = v > 0 && (uint64_t)v > c->now ? (uint64_t)v : c->now;
  return deadline > from ? deadline - from : 0;
}

void clock_set_now(Clock *c, uint64_t ns) {
  c->now = ns;
  c->icount_base = c->icount ? *c->icount : 0;
  c->rate_icount = c->icount_base;
  c->rate_host = clock_host_ns();
  c->host_offset = (int64_t)ns - (int64_t)c->rate_host;
}

Timer *clock_timer_new(Clock *c, TimerCb cb, void *opaque) {
  Timer *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->clock = c;
  t->cb = cb;
  t->opaque = opaque;
  t->seq = c->ntimers++;
  if (c->tail)
    c->tail->next = t;
  else
    c->timers = t;
  c->tail = t;
  return t;
}

void timer_mod(Timer *t, uint64_t deadline_ns) {
  t->deadline = deadline_ns;
  t->pending = true;
  Clock *c = t->clock;
  if (deadline_ns < c->slice_end && c->kick && !c->firing)
    c->kick(c->kick_opaque);
}

void timer_del(Timer *t) { t->pending = false; }
