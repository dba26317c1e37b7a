/*
 * headless.c — the headless front end: the runner on the calling thread,
 * a 100 ms host timer for the timeout and the no-progress watchdog, and
 * SIGINT/SIGTERM ending the run cleanly.
 */
#include <signal.h>
#include <sys/time.h>

#include "frontend.h"

static Runner *g_runner; /* for the signal handlers only */

static void on_signal(int sig) {
  if (g_runner)
    runner_signal(g_runner, sig);
}

static void on_alarm(int sig) {
  (void)sig;
  if (g_runner)
    runner_tick(g_runner);
}

MachineStop headless_run(Runner *r, const Options *o) {
  g_runner = r;
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN); /* a closed console pipe must not kill the run silently */
  struct sigaction al = {0};
  al.sa_handler = on_alarm;
  al.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &al, NULL);
  struct itimerval it = {{0, 100000}, {0, 100000}};
  setitimer(ITIMER_REAL, &it, NULL);

  MachineStop why = runner_run(r, o->timeout);

  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  g_runner = NULL;
  return why;
}
