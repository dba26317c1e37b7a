/*
 * replay_main.c — a main() for the harnesses outside libFuzzer: the normal
 * (gcc) build links each harness with it as fuzz_replay_<name>, which runs
 * the inputs named on the command line (files, or directories of files)
 * once each (gzip-compressed files expanded).  ctest replays the checked-in corpora this way, so every
 * crash the fuzzers once found stays a regression test without clang; and
 * options a harness takes in LLVMFuzzerInitialize (--make-seeds=DIR,
 * --random=N) work the same, at the uninstrumented build's speed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fuzz_common.h"

static long ran;

/* One input; gzip-compressed files (the snapshot seeds are) are expanded. */
static void run_file(const char *path) {
  gzFile f = gzopen(path, "rb");
  size_t n = 0, cap = 1 << 16;
  uint8_t *buf = malloc(cap);
  int got;
  while (f && buf && (got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
    n += (size_t)got;
    if (n == cap && !(buf = realloc(buf, cap *= 2)))
      break;
  }
  if (!f || !buf || !gzeof(f)) {
    fprintf(stderr, "%s: cannot read\n", path);
    exit(2);
  }
  gzclose(f);
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  ran++;
}

static void run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    perror(path);
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    run_file(path);
    return;
  }
  struct dirent **list;
  int n = scandir(path, &list, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    if (list[i]->d_name[0] != '.') {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", path, list[i]->d_name);
      run_path(p);
    }
    free(list[i]);
  }
  free(list);
}

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--", 2) != 0)
      run_path(argv[i]);
  printf("%s: %ld inputs ran\n", argv[0], ran);
  return 0;
}
