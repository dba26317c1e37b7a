/*
 * runner.c — the front ends' run loop over the machine API (see runner.h):
 * timeout, watchdog, console script, monitor, pause, the event queue from
 * another thread, host waiting while the guest is idle, frame pacing.
 */
#define _GNU_SOURCE /* ppoll, pipe2 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i8042.h"
#include "keymap.h"
#include "monitor.h"
#ifdef X86VM_HAVE_VGA
#include "vga.h"
#endif

#define SCRIPT_CHAR_NS 100000      /* typed input: one character per 100 us of virtual time */
#define KEY_POLL_NS 1000000ull     /* a --send-keys step checks every 1 ms whether it is typed */
#define RUN_CHUNK_NS 10000000ull   /* virtual time per machine_run_for() call: 10 ms */
/* The longest host wait while idle or paused.  Everything that should end
 * a wait sooner wakes it: a timer deadline, the timeout, input on a file
 * descriptor, the event queue's pipe, a signal (headless: the watchdog's
 * 100 ms alarm). */
#define IDLE_WAIT_MAX_NS 1000000000ull

/* ---------------- console script ---------------- */

long runner_unescape(const char *s, char *out, char *err, size_t errlen) {
  size_t n = 0;
  while (*s) {
    char c = *s++;
    if (c == '\\') {
      char e = *s++;
      switch (e) {
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'e': c = 27; break;
      case '\\': c = '\\'; break;
      case 'x': {
        int v = 0, k = 0;
        while (k < 2 && ((*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f'))) {
          v = v * 16 + (*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
          s++;
          k++;
        }
        if (k == 0) {
          snprintf(err, errlen, "'\\x' needs one or two hex digits");
          return -1;
        }
        c = (char)v;
        break;
      }
      case 0:
        snprintf(err, errlen, "a lone '\\' at the end (write '\\\\' for a backslash)");
        return -1;
      default:
        snprintf(err, errlen, "unknown escape '\\%c' (want \\n \\r \\t \\e \\\\ \\xHH)", e);
        return -1;
      }
    }
    out[n++] = c;
  }
  out[n] = 0;
  return (long)n;
}

int runner_script_add(Runner *r, ScriptKind kind, const char *text, char *err, size_t errlen) {
  if (r->nscript >= RUNNER_SCRIPT_MAX) {
    snprintf(err, errlen, "too many --expect/--send steps (at most %d)", RUNNER_SCRIPT_MAX);
    return -1;
  }
  char *buf = malloc(strlen(text) + 1);
  if (!buf) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  ScriptStep st = {kind, buf, 0, NULL, 0, 0};
  if (kind == SCRIPT_SCREENDUMP) {
    if (!*text) {
      snprintf(err, errlen, "--screendump: want a file name");
      free(buf);
      return -1;
    }
    strcpy(buf, text);
    r->script[r->nscript++] = st;
    return 0;
  }
  if (kind == SCRIPT_WAIT) {
    char *end;
    double secs = strtod(text, &end);
    if (*end || end == text || !(secs >= 0) || secs > 1e6) {
      snprintf(err, errlen, "--wait %s: want a number of seconds", text);
      free(buf);
      return -1;
    }
    st.wait_ns = (uint64_t)(secs * 1e9);
    r->script[r->nscript++] = st;
    return 0;
  }
  char uerr[128];
  long n = kind == SCRIPT_SEND_KEYS ? 0 : runner_unescape(text, buf, uerr, sizeof uerr);
  if (n < 0) {
    snprintf(err, errlen, "%s '%s': %s", kind == SCRIPT_EXPECT ? "--expect" : "--send", text, uerr);
    free(buf);
    return -1;
  }
  st.len = (size_t)n;
  if (kind == SCRIPT_EXPECT && st.len > RUNNER_HIST / 2) {
    snprintf(err, errlen, "--expect: at most %d bytes", RUNNER_HIST / 2);
    free(buf);
    return -1;
  }
  if (kind == SCRIPT_EXPECT && st.len == 0) {
    snprintf(err, errlen, "--expect '': empty pattern (it would match at once)");
    free(buf);
    return -1;
  }
  if (kind == SCRIPT_SEND_KEYS) {
    char kerr[200];
    st.keys = keymap_send_keys(text, &st.nkeys, kerr, sizeof kerr);
    if (!st.keys) {
      snprintf(err, errlen, "--send-keys '%s': %s", text, kerr);
      free(buf);
      return -1;
    }
    st.len = st.nkeys;
  }
  r->script[r->nscript++] = st;
  return 0;
}

static void script_advance(Runner *r);

/* Type the current send step as COM1's receive FIFO has room. */
static void script_timer_cb(void *opaque) {
  Runner *r = opaque;
  if (r->script_pos >= r->nscript || r->script[r->script_pos].kind == SCRIPT_EXPECT)
    return;
  ScriptStep *st = &r->script[r->script_pos];
  if (st->kind == SCRIPT_WAIT) {
    r->script_pos++;
    script_advance(r);
    return;
  }
  bool keys = st->kind == SCRIPT_SEND_KEYS;
  if (keys) {
    /* The keyboard types them as the guest reads them (kbd_type); the step
     * ends when it has sent the last one. */
    if (r->send_pos == 0) {
      if (kbd_type(r->m->kbc, st->keys, st->nkeys) < 0) {
        snprintf(r->error, sizeof r->error, "--send-keys: out of memory");
        r->script_failed = true;
        machine_request_stop(r->m);
        return;
      }
      r->send_pos = 1;
    }
    if (kbd_type_pending(r->m->kbc) == 0)
      r->send_pos = st->len;
  } else if (r->send_pos < st->len) {
    r->send_pos += machine_serial_input(r->m, (const uint8_t *)st->text + r->send_pos, 1);
  }
  if (r->send_pos >= st->len) {
    r->script_pos++;
    r->send_pos = 0;
    script_advance(r);
  } else {
    timer_mod(r->script_timer, clock_now(r->m->clock) + (keys ? KEY_POLL_NS : SCRIPT_CHAR_NS));
  }
}

/* The expect step current now may already be satisfied by what COM1 sent
 * while earlier steps ran (a guest answering a key before it is released):
 * output is kept from one match to the next, as expect(1) keeps it. */
static bool expect_in_history(Runner *r) {
  ScriptStep *st = &r->script[r->script_pos];
  if (st->len > r->hist_len)
    return false;
  for (size_t i = 0; i + st->len <= r->hist_len; i++)
    if (memcmp(r->hist + i, st->text, st->len) == 0) {
      size_t end = i + st->len;
      memmove(r->hist, r->hist + end, r->hist_len - end);
      r->hist_len -= end;
      return true;
    }
  return false;
}

static void script_advance(Runner *r) {
  for (;;) {
    if (r->script_pos >= r->nscript) {
      ScriptKind last = r->nscript ? r->script[r->nscript - 1].kind : SCRIPT_SEND;
      if (last == SCRIPT_EXPECT || last == SCRIPT_WAIT || last == SCRIPT_SCREENDUMP) { /* a script that ends in typing runs on */
        r->script_done = true;
        machine_request_stop(r->m);
      }
      return;
    }
    ScriptStep *st = &r->script[r->script_pos];
    if (st->kind == SCRIPT_SCREENDUMP) {
      char err[600];
      if (machine_screenshot(r->m, st->text, err, sizeof err) < 0) {
        snprintf(r->error, sizeof r->error, "--screendump %.230s", err);
        r->script_failed = true;
        machine_request_stop(r->m);
        return;
      }
      r->script_pos++;
      continue;
    }
    if (st->kind != SCRIPT_EXPECT) {
      uint64_t delay = st->kind == SCRIPT_WAIT ? st->wait_ns : st->kind == SCRIPT_SEND_KEYS ? KEY_POLL_NS : SCRIPT_CHAR_NS;
      timer_mod(r->script_timer, clock_now(r->m->clock) + delay);
      return;
    }
    if (!expect_in_history(r))
      return;
    r->script_pos++;
  }
}

/* Every byte COM1 transmits: kept, and matched against the current expect. */
static void com1_observer(void *opaque, uint8_t b) {
  Runner *r = opaque;
  if (!r->hist || r->script_pos >= r->nscript)
    return;
  if (r->hist_len == RUNNER_HIST) { /* keep the newer half */
    memmove(r->hist, r->hist + RUNNER_HIST / 2, RUNNER_HIST / 2);
    r->hist_len = RUNNER_HIST / 2;
  }
  r->hist[r->hist_len++] = (char)b;
  ScriptStep *st = &r->script[r->script_pos];
  if (st->kind != SCRIPT_EXPECT || r->hist_len < st->len ||
      memcmp(r->hist + r->hist_len - st->len, st->text, st->len) != 0)
    return;
  r->hist_len = 0;
  r->script_pos++;
  script_advance(r);
}

/* ---------------- typed keys ---------------- */

/* Type a --send-keys string (after what is being typed): the keyboard
 * sends each key as the guest reads the previous ones (kbd_type). */
static int type_keys(Runner *r, const char *keys, char *err, size_t errlen) {
  size_t n;
  char kerr[200];
  KeyEvent *ev = keymap_send_keys(keys, &n, kerr, sizeof kerr);
  if (!ev) {
    snprintf(err, errlen, "%s", kerr);
    return -1;
  }
  int rc = kbd_type(r->m->kbc, ev, n);
  free(ev);
  if (rc < 0)
    snprintf(err, errlen, "out of memory");
  return rc;
}

/* ---------------- set-up ---------------- */

static void timeout_cb(void *opaque) {
  Runner *r = opaque;
  r->timed_out = true;
  machine_request_stop(r->m);
}

Runner *runner_new(Machine *m) {
  Runner *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->m = m;
  if (pipe2(r->wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
    free(r);
    return NULL;
  }
  pthread_mutex_init(&r->qlock, NULL);
  r->timeout_timer = clock_timer_new(m->clock, timeout_cb, r);
  r->script_timer = clock_timer_new(m->clock, script_timer_cb, r);
  if (!r->timeout_timer || !r->script_timer) {
    runner_free(r);
    return NULL;
  }
  m->com1_observer = com1_observer;
  m->com1_observer_opaque = r;
  return r;
}

void runner_free(Runner *r) {
  if (!r)
    return;
  if (r->m->com1_observer_opaque == r)
    r->m->com1_observer = NULL;
  timer_del(r->timeout_timer);
  timer_del(r->script_timer);
  monitor_free(r->monitor);
  monitor_free(r->ui_monitor);
  for (int i = 0; i < r->nscript; i++) {
    free(r->script[i].text);
    free(r->script[i].keys);
  }
  free(r->hist);
  close(r->wake_pipe[0]);
  close(r->wake_pipe[1]);
  pthread_mutex_destroy(&r->qlock);
  free(r);
}

int runner_monitor_open(Runner *r, const char *spec, const char *state_dir, char *err, size_t errlen) {
  r->monitor = monitor_new(r, spec, state_dir, err, errlen);
  return r->monitor ? 0 : -1;
}

/* ---------------- events from other threads ---------------- */

bool runner_post(Runner *r, const RunnerEvent *ev) {
  pthread_mutex_lock(&r->qlock);
  bool ok = r->qtail - r->qhead < RUNNER_QUEUE;
  if (ok)
    r->queue[r->qtail++ % RUNNER_QUEUE] = *ev;
  pthread_mutex_unlock(&r->qlock);
  if (ok) {
    char b = 1;
    ssize_t w = write(r->wake_pipe[1], &b, 1); /* a full pipe already wakes the loop */
    (void)w;
    machine_request_stop(r->m);
  }
  return ok;
}

void runner_tick(Runner *r) {
  r->alarm_ticks++;
  machine_request_stop(r->m);
}

void runner_signal(Runner *r, int sig) {
  r->signalled = sig;
  machine_request_stop(r->m);
}

int runner_apply(Runner *r, const RunnerEvent *ev, char *err, size_t errlen) {
  Machine *m = r->m;
  switch (ev->kind) {
  case REV_PAUSE:
  case REV_TOGGLE_PAUSE: {
    bool pause = ev->kind == REV_PAUSE ? ev->a != 0 : !r->paused;
    if (r->paused && !pause && !m->clock->deterministic)
      clock_set_now(m->clock, clock_now(m->clock)); /* the pause took no virtual time */
    r->paused = pause;
    return 0;
  }
  case REV_RESET:
    machine_reset(m);
    return 0;
  case REV_POWER_OFF:
    r->quit_requested = true;
    r->power_off = true;
    return 0;
  case REV_QUIT:
    r->quit_requested = true;
    return 0;
  case REV_KEY:
    if (ev->a <= KEY_NONE || ev->a >= KEY_COUNT) {
      snprintf(err, errlen, "no such key");
      return -1;
    }
    kbd_key_event(m->kbc, (KeyCode)ev->a, ev->b != 0);
    return 0;
  case REV_KEYS:
    return type_keys(r, ev->path, err, errlen);
  case REV_RELEASE_KEYS:
    kbd_release_all(m->kbc);
    return 0;
  case REV_MOUSE:
    mouse_event(m->kbc, ev->a, ev->b, ev->c, (unsigned)ev->d);
    return 0;
  case REV_SCREENSHOT:
    return machine_screenshot(m, ev->path, err, errlen);
  case REV_CHANGE:
  case REV_EJECT: {
    int drive = ev->a;
    if (ev->kind == REV_CHANGE && drive < 0) {
      drive = machine_classify_image(ev->path, err, errlen);
      if (drive < 0)
        return -1;
      if (drive == PC_HDA) {
        snprintf(err, errlen, "%s: not a CD (ISO 9660) or floppy image; hard disks cannot be inserted", ev->path);
        return -1;
      }
    }
    return machine_change_media(m, drive, ev->kind == REV_CHANGE ? ev->path : NULL, err, errlen);
  }
  case REV_SAVE:
    return machine_save(m, ev->path, err, errlen);
  case REV_LOAD:
    return machine_restore(m, ev->path, err, errlen);
  case REV_MONITOR:
    if (r->ui_monitor || r->monitor)
      monitor_exec(r->ui_monitor ? r->ui_monitor : r->monitor, ev->path);
    return 0;
  }
  snprintf(err, errlen, "unknown event");
  return -1;
}

static void drain_queue(Runner *r) {
  char junk[64];
  while (read(r->wake_pipe[0], junk, sizeof junk) > 0) {
  }
  for (;;) {
    pthread_mutex_lock(&r->qlock);
    bool any = r->qhead != r->qtail;
    RunnerEvent ev;
    if (any)
      ev = r->queue[r->qhead++ % RUNNER_QUEUE];
    pthread_mutex_unlock(&r->qlock);
    if (!any)
      return;
    char err[600];
    if (runner_apply(r, &ev, err, sizeof err) < 0)
      fprintf(stderr, "x86vm: %s\n", err);
  }
}

/* ---------------- the loop ---------------- */

/* Wait on the host up to wait_ns for input on COM1's backend, the monitor
 * or the event queue. */
static void host_wait(Runner *r, uint64_t wait_ns) {
  struct pollfd p[3];
  int n = 0;
  int fd = chardev_wait_fd(r->m->serial);
  if (fd >= 0)
    p[n++] = (struct pollfd){fd, POLLIN, 0};
  fd = monitor_wait_fd(r->monitor);
  if (fd >= 0)
    p[n++] = (struct pollfd){fd, POLLIN, 0};
  p[n++] = (struct pollfd){r->wake_pipe[0], POLLIN, 0};
  struct timespec ts = {(time_t)(wait_ns / NS_PER_SEC), (long)(wait_ns % NS_PER_SEC)};
  if (wait_ns)
    ppoll(p, (nfds_t)n, &ts, NULL);
}

/* The no-progress watchdog, once per host tick: a CPU that is neither
 * halted-and-idle nor paused and retired no instruction over
 * RUNNER_WATCHDOG_TICKS ticks is stuck (an exception loop in the emulator). */
static bool watchdog_fired(Runner *r) {
  if (r->alarm_ticks == r->wd_seen_ticks)
    return false;
  r->wd_seen_ticks = r->alarm_ticks;
  Cpu *cpu = r->m->cpu;
  /* Halted with interrupts on is waiting by design (for a timer, however far,
   * or for input), not being stuck; virtual time is no measure: in real time
   * it moves in an exception loop and stands still while an idle CPU waits
   * for the host to catch up with it. */
  if (r->paused || (cpu->halted && (cpu->eflags & F_IF)) || cpu->icount != r->wd_icount) {
    r->wd_stuck = 0;
    r->wd_icount = cpu->icount;
    return false;
  }
  if (++r->wd_stuck < RUNNER_WATCHDOG_TICKS)
    return false;
  snprintf(r->error, sizeof(r->error), "the CPU made no progress (exception loop at %04x:%08x?)",
           cpu->seg[S_CS].sel, cpu->eip);
  return true;
}

static void frame_and_status(Runner *r) {
  uint64_t host = clock_host_ns();
  if (r->frame_ns && r->on_frame && host >= r->next_frame_ns) {
    r->frame_icount = r->m->cpu->icount;
    r->frame_quiet = r->on_frame(r->frame_opaque);
    r->next_frame_ns = host + r->frame_ns;
  }
  if (host - r->mips_host_ns >= 1000000000ull) {
    uint64_t ic = r->m->cpu->icount;
    r->mips = r->mips_host_ns ? (double)(ic - r->mips_icount) * 1e3 / (double)(host - r->mips_host_ns) : 0;
    r->mips_icount = ic;
    r->mips_host_ns = host;
  }
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* wait, cut to what is left of a host-time --timeout. */
static uint64_t timeout_left(const Runner *r, uint64_t wait) {
  if (!r->timeout_ns || r->m->clock->deterministic)
    return wait;
  uint64_t used = clock_host_ns() - r->host_start_ns;
  return used >= r->timeout_ns ? 0 : min_u64(wait, r->timeout_ns - used);
}

MachineStop runner_run(Runner *r, double timeout_sec) {
  Machine *m = r->m;
  Clock *clk = m->clock;
  if (!r->script_started) {
    r->hist = malloc(RUNNER_HIST);
    if (!r->hist) {
      snprintf(r->error, sizeof(r->error), "out of memory");
      return MSTOP_HOST_ERROR;
    }
    r->script_started = true;
    script_advance(r);
  }
  r->host_start_ns = clock_host_ns();
  r->timed_out = false;
  timer_del(r->timeout_timer);
  r->timeout_ns = timeout_sec > 0 ? (uint64_t)(timeout_sec * 1e9) : 0;
  if (r->timeout_ns && clk->deterministic)
    timer_mod(r->timeout_timer, clock_now(clk) + r->timeout_ns);
  if (!clk->deterministic)
    clock_set_now(clk, clock_now(clk)); /* re-base virtual time on the host clock */
  r->wd_icount = m->cpu->icount;
  r->wd_stuck = 0;

  for (;;) {
    if (m->exit_requested)
      return MSTOP_GUEST_EXIT;
    if (r->script_failed)
      return MSTOP_HOST_ERROR;
    if (r->script_done)
      return MSTOP_SCRIPT_DONE;
    if (r->timed_out)
      return MSTOP_TIMEOUT;
    if (r->signalled)
      return MSTOP_SIGNAL;
    if (r->timeout_ns && !clk->deterministic && clock_host_ns() - r->host_start_ns >= r->timeout_ns)
      return MSTOP_TIMEOUT;
    if (watchdog_fired(r))
      return MSTOP_HOST_ERROR;
    drain_queue(r);
    if (r->monitor)
      monitor_poll(r->monitor);
    if (r->quit_requested)
      return r->power_off ? MSTOP_POWER_OFF : MSTOP_QUIT;
    frame_and_status(r);
    if (r->paused) {
      host_wait(r, timeout_left(r, IDLE_WAIT_MAX_NS));
      continue;
    }
    machine_poll_serial(m);

    MachineStop stop = machine_run_for(m, RUN_CHUNK_NS);
    switch (stop) {
    case MSTOP_BUDGET:
    case MSTOP_REQUEST:
      continue;
    case MSTOP_IDLE: {
      /* Real time: wait on the host until the next timer, input or frame. */
      uint64_t wait = m->idle_deadline == CLOCK_NEVER ? IDLE_WAIT_MAX_NS
                                                      : clock_idle_wait_ns(clk, m->idle_deadline);
      /* A frame due now is made before waiting, so one wake-up (a guest's
       * timer tick) serves both and a quiet frame stops frame wake-ups. */
      frame_and_status(r);
      bool quiet = r->frame_quiet && m->cpu->icount == r->frame_icount;
#ifdef X86VM_HAVE_VGA
      /* The guest ran (a timer tick, say) but left the screen alone: no
       * frame is needed, and none gets a wake-up of its own. */
      quiet |= r->frame_quiet && m->vga && !vga_touched(m->vga);
#endif
      /* Nothing to show: the timers may wait a little (Runner.idle_slack_ns). */
      if (m->idle_deadline != CLOCK_NEVER && wait && (quiet || !r->frame_ns))
        wait += r->idle_slack_ns; /* (a timer already due runs at once) */
      wait = timeout_left(r, min_u64(wait, IDLE_WAIT_MAX_NS));
      if (r->frame_ns && quiet) {
#ifdef X86VM_HAVE_VGA
        /* Nothing new on screen until the guest runs or the blink turns. */
        uint64_t blink = m->vga ? vga_next_blink_ns(m->vga) : CLOCK_NEVER;
        if (blink != CLOCK_NEVER)
          wait = min_u64(wait, clock_idle_wait_ns(clk, blink));
#endif
      } else if (r->frame_ns) {
        uint64_t host = clock_host_ns();
        wait = min_u64(wait, r->next_frame_ns > host ? r->next_frame_ns - host : 0);
      }
      host_wait(r, wait);
      clock_sync_host(clk);
      continue;
    }
    default:
      return stop;
    }
  }
}
