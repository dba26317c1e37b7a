/*
 * fuzz_monitor.c — the monitor's command parser and commands, fed lines
 * through a sink monitor (monitor_new_sink) confined to a state directory
 * (monitor_confine), as a socket monitor is.
 *
 * Input: up to 32 lines (split at '\n'), each run by monitor_exec() on a
 * machine with floppy, hard disk and CD.  Before every input the state
 * directory is rebuilt: a snapshot (seed.snap), a text file, a
 * subdirectory, and links to a directory and a file outside it.  After
 * every input the harness checks the confinement itself and aborts if a
 * command reached outside: the file outside must be unchanged, and neither
 * the outside directory nor the state directory's parent may hold
 * anything new.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "monitor.h"
#include "runner.h"

static char state[512], outside[512], victim[600];
static int tmp_entries; /* entries of the harness's directory (state's parent) */
static uint8_t *seed_snap;
static size_t seed_len;

static void sink(void *opaque, const char *text, size_t len) { (void)opaque, (void)text, (void)len; }

static void write_at(const char *dir, const char *name, const void *data, size_t len) {
  char p[2048];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
    perror(p);
    abort();
  }
}

static void rebuild_state_dir(void) {
  fuzz_clear_dir(state);
  char p[1024];
  write_at(state, "seed.snap", seed_snap, seed_len);
  write_at(state, "notes.txt", "notes\n", 6);
  snprintf(p, sizeof p, "%s/sub", state);
  mkdir(p, 0700);
  write_at(p, "inner.snap", seed_snap, seed_len);
  snprintf(p, sizeof p, "%s/link.snap", state);
  if (symlink(victim, p) < 0)
    abort();
  snprintf(p, sizeof p, "%s/linkdir", state);
  if (symlink(outside, p) < 0)
    abort();
}

static void check_outside(void) {
  FILE *f = fopen(victim, "rb");
  char buf[64] = {0};
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose(f);
  if (n != 9 || memcmp(buf, "precious\n", 9) != 0) {
    fprintf(stderr, "fuzz_monitor: a command changed %s outside the state directory\n", victim);
    abort();
  }
  if (fuzz_count_entries(outside) != 3 || fuzz_count_entries(fuzz_tmpdir()) != tmp_entries) {
    fprintf(stderr, "fuzz_monitor: a command created a file in %s or %s, outside the state directory\n",
            outside, fuzz_tmpdir());
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192)
    return 0;
  rebuild_state_dir();
  Machine *m = fuzz_machine_get(true);
  static const uint8_t idle[] = {0xfb, 0xf4, 0xeb, 0xfc};
  mem_write_bytes(m->mem, 0x7c00, idle, sizeof idle);
  fuzz_real_mode_at(m, 0, 0x7c00, true);
  Runner *r = runner_new(m);
  Monitor *mon = r ? monitor_new_sink(r, sink, NULL) : NULL;
  char err[512];
  if (!mon || monitor_confine(mon, state, err, sizeof err) < 0) {
    fprintf(stderr, "fuzz_monitor: set-up failed\n");
    abort();
  }
  char line[MONITOR_LINE_MAX];
  size_t pos = 0;
  for (int lines = 0; pos < size && lines < 32 && !r->quit_requested; lines++) {
    size_t len = 0;
    while (pos < size && data[pos] != '\n') {
      if (len + 1 < sizeof line)
        line[len++] = (char)data[pos];
      pos++;
    }
    pos++;
    line[len] = 0;
    monitor_exec(mon, line);
    machine_run_for(m, 4000); /* a few instructions between commands, as the runner does */
  }
  monitor_free(mon);
  runner_free(r);
  /* Media a `change` inserted stay in the kept machine: take them out. */
  static const int removable[] = {PC_FDA, PC_FDB, PC_CDROM};
  for (int i = 0; i < 3; i++)
    machine_change_media(m, removable[i], m->cfg.images[removable[i]], err, sizeof err);
  check_outside();
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  snprintf(state, sizeof state, "%s/state", fuzz_tmpdir());
  snprintf(outside, sizeof outside, "%s/outside", fuzz_tmpdir());
  snprintf(victim, sizeof victim, "%s/victim", outside);
  mkdir(state, 0700);
  mkdir(outside, 0700);
  write_at(outside, "victim", "precious\n", 9);
  /* A real snapshot of the harness's machine, for loadvm. */
  Machine *m = fuzz_machine_new(true);
  char path[600], err[512];
  snprintf(path, sizeof path, "%s/seed.snap", fuzz_tmpdir());
  if (machine_save(m, path, err, sizeof err) < 0) {
    fprintf(stderr, "fuzz_monitor: %s\n", err);
    abort();
  }
  machine_free(m);
  FILE *f = fopen(path, "rb");
  if (!f)
    abort();
  fseek(f, 0, SEEK_END);
  seed_len = (size_t)ftell(f);
  rewind(f);
  seed_snap = malloc(seed_len);
  if (fread(seed_snap, 1, seed_len, f) != seed_len)
    abort();
  fclose(f);
  tmp_entries = fuzz_count_entries(fuzz_tmpdir());
  return 0;
}
