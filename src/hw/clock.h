/*
 * clock.h — the machine's virtual clock (nanoseconds) and its timers.
 *
 * Devices never read the host clock: they read clock_now() and arm timers
 * with timer_mod(); the machine loop runs the CPU up to clock_next_deadline()
 * and then calls clock_advance_to(), which fires every due timer in deadline
 * order (ties: creation order), with clock_now() equal to each timer's
 * deadline while its callback runs.
 *
 * Time moves with executed instructions: while the CPU runs a slice,
 * clock_now() = time at slice start + (instructions so far) * ns per insn,
 * read from the CPU's instruction counter (clock_attach_icount), so a guest
 * polling a counter sees time pass.  At the end of a slice the machine calls
 * clock_sync_insns() to make that time official (firing due timers), and
 * over idle (halted) periods it jumps straight to the next deadline.
 *  - deterministic mode: that is all, so identical runs are identical;
 *  - real-time mode: in addition clock_sync_host() moves virtual time up to
 *    the host's monotonic clock (sampled only by the machine loop between
 *    CPU slices, never by devices), and idle periods wait for the host.
 *    The ns per instruction follow the engine's measured speed (host ns per
 *    instruction over the recent slices), steered so that virtual time
 *    converges on the host's: after a slice that ran, a lag or lead is
 *    made up by running the next slices' time faster or slower (up to 4x)
 *    rather than by a jump; virtual time jumps only while the CPU is idle,
 *    and then to the next timer deadline at most, so that no timer
 *    interrupt is lost.  A lag over CLOCK_MAX_CATCHUP_NS (the process was
 *    stopped) is given up in one jump.  So guests
 *    that calibrate one counter against another (Linux's TSC against the
 *    PIT) see no gaps that look like SMIs, and a fast engine does not run
 *    ahead of the host.  clock_fix_rate() keeps the configured rate.
 * A timer armed during a slice with a deadline before the slice's planned
 * end calls the kick hook so the machine can cut the slice short.
 */
#ifndef X86VM_CLOCK_H
#define X86VM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_NEVER UINT64_MAX
#define CLOCK_MAX_CATCHUP_NS 1000000000ull /* real time: a lag made up without a jump */
#define NS_PER_SEC 1000000000ull

typedef struct Clock Clock;
typedef struct Timer Timer;
typedef void (*TimerCb)(void *opaque);

struct Timer {
  Clock *clock;     /* owner */
  TimerCb cb;       /* called when the deadline passes */
  void *opaque;     /* argument of cb */
  uint64_t deadline;/* virtual ns; valid when pending */
  bool pending;     /* armed */
  bool lax;         /* a periodic interrupt source (a timer tick) the guest takes as late as
                     * a busy host would deliver it: while the guest idles the host may wait
                     * for it up to --idle-slack late (the runner).  Never a completion a
                     * guest waits on (disk, serial, keyboard bytes): those stay exact. */
  uint32_t seq;     /* creation order: tie breaker */
  Timer *next;      /* all timers of the clock, in creation order */
};

struct Clock {
  uint64_t now;         /* current virtual time, ns */
  bool deterministic;   /* time derives from instructions only */
  uint64_t ns_per_insn; /* ns per executed instruction as configured */
  uint64_t npi_fp;      /* ns per instruction in use, 16.16 fixed point */
  uint64_t rate_fp;     /* real time: the engine's measured host ns per instruction (16.16) */
  bool adaptive;        /* real-time mode: npi_fp follows the engine's speed */
  uint64_t rate_host;   /* host ns at the last clock_sync_host (rate sample start) */
  uint64_t rate_icount; /* *icount then */
  int64_t host_offset;  /* real-time mode: virtual = host monotonic + offset */
  Timer *timers;        /* creation-ordered list */
  Timer *tail;          /* last timer in the list */
  uint32_t ntimers;     /* timers created */
  bool firing;          /* inside clock_advance_to */
  const uint64_t *icount; /* CPU instruction counter, or NULL */
  uint64_t icount_base; /* *icount when `now` was last synced */
  uint64_t slice_end;   /* planned end of the running slice (CLOCK_NEVER: none) */
  void (*kick)(void *opaque); /* called when a timer needs the slice cut short */
  void *kick_opaque;
};

Clock *clock_new(bool deterministic, uint64_t ns_per_insn);
/* The earliest deadline of a pending timer that is not lax (CLOCK_NEVER: none). */
uint64_t clock_next_strict_deadline(const Clock *c);
void clock_free(Clock *clock);                   /* frees all its timers too */
static inline uint64_t clock_now(const Clock *clock) {
  return clock->icount ? clock->now + (((*clock->icount - clock->icount_base) * clock->npi_fp) >> 16)
                       : clock->now;
}
/* Instructions to run for virtual time to move by ns (at least 1), and back. */
static inline uint64_t clock_ns_to_insns(const Clock *clock, uint64_t ns) {
  uint64_t n = (uint64_t)((((unsigned __int128)ns << 16) + clock->npi_fp - 1) / clock->npi_fp);
  return n ? n : 1;
}
static inline uint64_t clock_insns_to_ns(const Clock *clock, uint64_t insns) {
  return (insns * clock->npi_fp) >> 16;
}
/* Real-time mode: keep ns_per_insn fixed (a configured --ns-per-insn). */
void clock_fix_rate(Clock *clock);
/* clock_now() for a hook that takes an opaque pointer (the CPU's TSC time base). */
uint64_t clock_now_hook(void *clock);
/* Earliest pending deadline, or CLOCK_NEVER. */
uint64_t clock_next_deadline(const Clock *clock);
/* Move time forward to ns (never backwards), firing due timers in order. */
void clock_advance_to(Clock *clock, uint64_t ns);

/* Called by the machine loop only. */
void clock_attach_icount(Clock *clock, const uint64_t *icount);
void clock_sync_insns(Clock *clock);                    /* end of a CPU slice */
void clock_account_insns(Clock *clock, uint64_t insns); /* without an icount */
void clock_sync_host(Clock *clock);                     /* real-time mode */
uint64_t clock_host_ns(void);                           /* host monotonic clock, ns */
/* Real-time idle: host ns to wait until virtual time may reach deadline
 * (counted from the host's idea of virtual time, which may be ahead of
 * clock_now() while virtual time catches up; 0 when it is due). */
uint64_t clock_idle_wait_ns(const Clock *clock, uint64_t deadline);
/* Set virtual time after a restore (real-time mode: re-bases on the host). */
void clock_set_now(Clock *clock, uint64_t ns);

Timer *clock_timer_new(Clock *clock, TimerCb cb, void *opaque);
void timer_mod(Timer *t, uint64_t deadline_ns);  /* (re)arm */
void timer_del(Timer *t);                        /* disarm */
static inline bool timer_pending(const Timer *t) { return t->pending; }
static inline uint64_t timer_deadline(const Timer *t) { return t->pending ? t->deadline : CLOCK_NEVER; }

/* Helpers for devices counting at a fixed frequency (Hz): ticks elapsed at ns,
 * and the time at which tick number `ticks` happens (rounded up). */
static inline uint64_t clock_ns_to_ticks(uint64_t ns, uint64_t hz) {
  return (uint64_t)(((unsigned __int128)ns * hz) / NS_PER_SEC);
}
static inline uint64_t clock_ticks_to_ns(uint64_t ticks, uint64_t hz) {
  return (uint64_t)(((unsigned __int128)ticks * NS_PER_SEC + hz - 1) / hz);
}

#endif
