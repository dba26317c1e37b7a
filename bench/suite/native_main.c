/* native_main.c - the benchmark suite's workloads as a 32-bit Linux program
 * (gcc -m32): the physical limit the emulators are compared with.  Also
 * builds as an x86-64 program for hosts that cannot run 32-bit code.
 *
 * Usage: suite-native WORKLOAD ITERS
 * Runs suite_run() once (same kernels, same flags as the guest) on a
 * pre-faulted 64 MiB arena of 4-KiB pages (transparent huge pages off, like
 * the guest's page tables) and prints
 *   SUITE wl=W iter=XXXXXXXX csum=XXXXXXXX ns=N
 * where N is the nanoseconds suite_run() took (CLOCK_MONOTONIC).
 * Written for x86vm. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "suite.h"

static unsigned long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s WORKLOAD ITERS\n", argv[0]);
    return 2;
  }
  u32 wl = (u32)strtoul(argv[1], NULL, 0), iters = (u32)strtoul(argv[2], NULL, 0);
  if (wl >= WL_COUNT) {
    fprintf(stderr, "%s: workload %u out of range\n", argv[0], wl);
    return 2;
  }
  void *arena = mmap(NULL, SUITE_ARENA_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  madvise(arena, SUITE_ARENA_SIZE, MADV_NOHUGEPAGE);
  memset(arena, 0, SUITE_ARENA_SIZE);
  unsigned long long t0 = now_ns();
  u32 csum = suite_run(wl, iters, arena, SUITE_ARENA_SIZE);
  unsigned long long t1 = now_ns();
  printf("SUITE wl=%u iter=%08x csum=%08x ns=%llu\n", wl, iters, csum, t1 - t0);
  return 0;
}
