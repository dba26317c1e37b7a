/*
 * fuzz_monsock.c — the monitor as a client on its socket sees it: a
 * monitor on unix:PATH with a token file (as tcp:PORT,token=FILE has; the
 * token rule is the same for both), fed the input as one client's bytes.
 *
 * Per input: a new client connects, writes the input (at most 8 KiB) and
 * closes its side; the harness runs monitor_poll() until the bytes are
 * consumed, a few instructions of the guest between polls, as the runner
 * does, then reads what the monitor answered.  Checks (abort on failure):
 *  - a client whose first line is not the token gets nothing executed: no
 *    banner or prompt is sent to it, the guest is not paused, no quit or
 *    reset is requested and the state directory gains no file;
 *  - a client that sent the token gets the banner;
 *  - whatever was sent, nothing outside the state directory changes.
 * Lines end at \n or \r (\r\n counts once), as in monitor_poll().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "monitor.h"
#include "runner.h"

#define TOKEN "fuzz-token-5a17"

static char state[512], sock_path[600];
static Runner *runner;
static Monitor *mon;

/* Whether the client's first line is the token (what monitor_poll accepts). */
static bool sends_token(const uint8_t *data, size_t size) {
  size_t n = 0;
  while (n < size && data[n] != '\n' && data[n] != '\r')
    n++;
  return n < size && n == strlen(TOKEN) && memcmp(data, TOKEN, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192)
    return 0;
  Machine *m = runner->m;
  runner->paused = false;
  runner->quit_requested = false;
  runner->power_off = false;
  int state_files = fuzz_count_entries(state);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  memcpy(a.sun_path, sock_path, strlen(sock_path) + 1); /* fits: checked at set-up */
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    perror("fuzz_monsock: connect");
    abort();
  }
  /* The socket buffer takes 8 KiB at once; then the client is done. */
  size_t off = 0;
  while (off < size) {
    ssize_t w = write(fd, data + off, size - off);
    if (w <= 0) {
      perror("fuzz_monsock: write");
      abort();
    }
    off += (size_t)w;
  }
  shutdown(fd, SHUT_WR);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  char out[65536];
  size_t got = 0;
  for (int i = 0; i < 64 && !runner->quit_requested; i++) {
    monitor_poll(mon);
    if (!runner->paused)
      machine_run_for(m, 2000);
    ssize_t n;
    while (got < sizeof out - 1 && (n = read(fd, out + got, sizeof out - 1 - got)) > 0)
      got += (size_t)n;
  }
  close(fd);
  monitor_poll(mon); /* the server notices the hang-up */
  out[got] = 0;
  bool banner = memmem(out, got, "x86vm monitor", 13) != NULL;
  if (!sends_token(data, size)) {
    if (got || runner->paused || runner->quit_requested || fuzz_count_entries(state) != state_files) {
      fprintf(stderr, "fuzz_monsock: a client without the token got %zu bytes of answer%s%s%s\n", got,
              runner->paused ? ", paused the guest" : "", runner->quit_requested ? ", ended the run" : "",
              fuzz_count_entries(state) != state_files ? ", wrote a file" : "");
      abort();
    }
  } else if (!banner) {
    fprintf(stderr, "fuzz_monsock: a client with the token got no banner\n");
    abort();
  }
  fuzz_clear_dir(state); /* what an authorised client's commands (savevm, screendump) wrote */
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  snprintf(state, sizeof state, "%s/state", fuzz_tmpdir());
  snprintf(sock_path, sizeof sock_path, "%s/mon.sock", fuzz_tmpdir());
  if (strlen(sock_path) >= sizeof((struct sockaddr_un *)0)->sun_path) {
    fprintf(stderr, "fuzz_monsock: %s: too long for a socket name\n", sock_path);
    abort();
  }
  mkdir(state, 0700);
  const char *token = fuzz_write_file("token", TOKEN "\n", strlen(TOKEN) + 1);
  if (chmod(token, 0600) < 0)
    abort();
  Machine *m = fuzz_machine_new(true);
  static const uint8_t idle[] = {0xfb, 0xf4, 0xeb, 0xfc};
  mem_write_bytes(m->mem, 0x7c00, idle, sizeof idle);
  fuzz_real_mode_at(m, 0, 0x7c00, true);
  runner = runner_new(m);
  char spec[700], err[512];
  snprintf(spec, sizeof spec, "unix:%s,token=%s", sock_path, token);
  mon = runner ? monitor_new(runner, spec, state, err, sizeof err) : NULL;
  if (!mon) {
    fprintf(stderr, "fuzz_monsock: set-up failed: %s\n", runner ? err : "out of memory");
    abort();
  }
  runner->monitor = mon;
  return 0;
}
