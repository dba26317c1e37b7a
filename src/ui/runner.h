/*
 * runner.h — what every front end shares: the loop that drives a Machine
 * (src/hw/pc.h) through its small API, with the host around it.
 *
 * The runner owns what is not the board: the --timeout, the no-progress
 * watchdog, the --expect/--send console script, the monitor, pausing, and
 * host waiting while the guest is idle.  Both front ends use it: the
 * headless one (headless.c) calls runner_run() on the main thread; the
 * window (sdl.c) calls it on an emulation thread.
 *
 * Threading rule: the machine and every device are touched by the
 * emulation thread only (the one inside runner_run()).  Another thread (the
 * window's) talks to a running machine only through runner_post(), a
 * mutex-protected queue the loop drains between CPU slices, and reads what
 * the loop publishes (frames through the on_frame hook, the status line).
 */
#ifndef X86VM_RUNNER_H
#define X86VM_RUNNER_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pc.h"

#define RUNNER_SCRIPT_MAX 64
#define RUNNER_QUEUE 256
#define RUNNER_HIST 65536 /* COM1 output kept for the next --expect */

/* One step of the scripted console. */
typedef enum ScriptKind {
  SCRIPT_EXPECT,     /* wait for text on COM1 */
  SCRIPT_SEND,       /* type text on COM1 */
  SCRIPT_SEND_KEYS,  /* type on the PS/2 keyboard (keymap_send_keys syntax) */
  SCRIPT_WAIT,       /* let text seconds of virtual time pass */
  SCRIPT_SCREENDUMP  /* save the screen to text (PNG, or .txt) now */
} ScriptKind;

typedef struct ScriptStep {
  ScriptKind kind;
  char *text;        /* unescaped (SEND/EXPECT), as given (SEND_KEYS) */
  size_t len;
  struct KeyEvent *keys;  /* SEND_KEYS: the key events */
  size_t nkeys;
  uint64_t wait_ns;        /* SCRIPT_WAIT */
} ScriptStep;

/* What another thread may ask of a running machine. */
typedef enum RunnerEventKind {
  REV_KEY,          /* a: KeyCode (keymap.h), b: 1 down / 0 up */
  REV_KEYS,         /* type path, a --send-keys string (keymap_send_keys) */
  REV_RELEASE_KEYS, /* release every key held (the window lost focus) */
  REV_MOUSE,        /* a: dx, b: dy, c: wheel, d: buttons (bit 0 left, 1 right, 2 middle) */
  REV_PAUSE,        /* pause (a = 1) or resume (a = 0) */
  REV_TOGGLE_PAUSE,
  REV_RESET,        /* hard reset */
  REV_POWER_OFF,    /* switch off: ends the run */
  REV_QUIT,         /* end the run (window closed) */
  REV_SCREENSHOT,   /* save the screen to path (PNG) */
  REV_SAVE,         /* save the machine to path */
  REV_LOAD,         /* load the machine from path */
  REV_CHANGE,       /* a: drive (PC_FDA...; -1: by the image's content), path: new medium */
  REV_EJECT,        /* a: drive */
  REV_MONITOR       /* run path as a monitor command line (on ui_monitor, else --monitor) */
} RunnerEventKind;

typedef struct RunnerEvent {
  RunnerEventKind kind;
  int a, b, c, d;
  char path[1024];
} RunnerEvent;

typedef struct Runner {
  Machine *m;
  /* console script */
  ScriptStep script[RUNNER_SCRIPT_MAX];
  int nscript;
  int script_pos;               /* current step */
  char *hist;                   /* what COM1 sent since the last expect matched */
  size_t hist_len;              /* bytes in hist (at most RUNNER_HIST: older ones dropped) */
  size_t send_pos;              /* bytes/keys of the current send step typed */
  Timer *script_timer;          /* paces typed input on the virtual clock */
  bool script_done;             /* the last expect matched */
  bool script_started;
  bool script_failed;           /* a --screendump could not be written (see error) */
  /* timeout */
  uint64_t timeout_ns;          /* virtual ns if deterministic, host ns otherwise; 0: none */
  uint64_t host_start_ns;       /* host time when runner_run started */
  Timer *timeout_timer;         /* deterministic timeout */
  bool timed_out;
  /* watchdog: see runner_tick() */
  volatile sig_atomic_t alarm_ticks; /* bumped by the host timer (runner_tick) */
  int wd_seen_ticks;            /* last tick the loop looked at */
  int wd_stuck;                 /* consecutive ticks without progress while not idle */
  uint64_t wd_icount;           /* icount at the last progress check */
  volatile sig_atomic_t signalled; /* SIGINT/SIGTERM number */
  /* control */
  struct Monitor *monitor;      /* --monitor, or NULL */
  struct Monitor *ui_monitor;   /* the window's monitor console (REV_MONITOR), or NULL */
  bool paused;                  /* the CPU and virtual time stand still */
  bool quit_requested;          /* monitor/window quit, or power off */
  bool power_off;               /* the quit was a power-off */
  /* the other thread's queue */
  pthread_mutex_t qlock;
  RunnerEvent queue[RUNNER_QUEUE];
  unsigned qhead, qtail;
  int wake_pipe[2];             /* a byte per post: wakes an idle host wait */
  /* display: called on the emulation thread about every frame_ns of host time
   * while the guest runs; returns true when the picture is fully published.
   * While the guest waits idle and the last frame published everything, the
   * runner skips frames until the guest runs again or the text blink phase
   * turns, so an idle guest costs no frame wake-ups. */
  bool (*on_frame)(void *opaque);
  void *frame_opaque;
  uint64_t frame_ns;            /* 0: no frames */
  uint64_t next_frame_ns;
  bool frame_quiet;             /* the last frame published everything */
  uint64_t frame_icount;        /* icount at the last frame */
  /* Real time, guest halted and nothing to show or sound: the host wait for
   * the next timer may end up to this much later, and the timers due by then
   * fire one after another (virtual time catches up, none is lost).  A
   * 250 Hz guest tick then costs one host wake-up in three, not one each,
   * and the later ticks run on warm caches.  Input, the monitor and the
   * window end a wait at once; a guest that changes its screen or sounds
   * the speaker gets exact wake-ups. */
  uint64_t idle_slack_ns;
  /* status for a title bar: guest MIPS over the last second */
  uint64_t mips_icount, mips_host_ns;
  volatile double mips;         /* read by the UI thread (a torn read is harmless) */
  char error[256];              /* MSTOP_HOST_ERROR message */
} Runner;

/* Watchdog: a CPU that retires no instruction for this many ticks (100 ms
 * each) while it is not halted-and-idle ends the run as a host error. */
#define RUNNER_WATCHDOG_TICKS 20

/* A runner for m (not owned). NULL on out of memory. */
Runner *runner_new(Machine *m);
void runner_free(Runner *r);
/* Add a console script step (before runner_run). 0, or -1 with a message
 * (too many steps, a bad escape or key name). */
int runner_script_add(Runner *r, ScriptKind kind, const char *text, char *err, size_t errlen);
/* Attach a monitor (monitor_new: stdio, pty, unix:PATH, tcp:PORT,token=FILE
 * or tcp:PORT,insecure; state_dir confines its file names, NULL: the
 * current directory). 0 or -1 + message. */
int runner_monitor_open(Runner *r, const char *spec, const char *state_dir, char *err, size_t errlen);
/* Run until something ends the run (never MSTOP_BUDGET/IDLE/REQUEST).
 * timeout_sec 0: none. */
MachineStop runner_run(Runner *r, double timeout_sec);
/* From any thread: queue an event for the loop. false if the queue is full. */
bool runner_post(Runner *r, const RunnerEvent *ev);
/* From a signal handler or the host timer: a watchdog tick / a signal. */
void runner_tick(Runner *r);
void runner_signal(Runner *r, int sig);
/* Apply one event now (emulation thread; used by the loop and the monitor).
 * 0, or -1 with a message. */
int runner_apply(Runner *r, const RunnerEvent *ev, char *err, size_t errlen);
/* Unescape a --send/--expect string (\n \r \t \e \\ \xHH) into out (room
 * for strlen(s) + 1). The length, or -1 with a message for a bad escape. */
long runner_unescape(const char *s, char *out, char *err, size_t errlen);

#endif
