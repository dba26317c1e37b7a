/*
 * fuzz_snapshot.c — machine_restore() of a snapshot image from memory.
 *
 * The input is a snapshot file (format in savestate.h).  Before restoring,
 * every chunk's CRC is recomputed (fuzz_fix_snapshot_crcs), so a mutation
 * reaches the per-device field checks instead of stopping at the CRC.  The
 * image goes to the machine through a memfd (machine_restore takes a path:
 * /proc/self/fd/N).  If the restore is accepted, the machine runs 4000
 * instructions of whatever the snapshot holds: the seeds hold the port
 * exerciser (fuzz_common.h), so every device is read and written from its
 * restored state, and a bad index or count that the checks let through
 * shows as an ASan report.
 *
 * FUZZ_VERBOSE=1 in the environment prints each restore's outcome.
 *
 * Seeds: fuzz_snapshot --make-seeds=DIR writes snapshots of the exerciser
 * after 0, 3000, 20000 and 150000 instructions in real mode, and after
 * guest-visible device set-ups (a floppy read by DMA, an IDE read, VGA in
 * a graphics mode), into DIR.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 16 || size > (4u << 20))
    return 0;
  uint8_t *img = malloc(size);
  memcpy(img, data, size);
  fuzz_fix_snapshot_crcs(img, size);
  if (memfd < 0 && (memfd = memfd_create("x86vm-fuzz-snapshot", MFD_CLOEXEC)) < 0) {
    perror("memfd_create");
    abort();
  }
  if (ftruncate(memfd, 0) < 0 || pwrite(memfd, img, size, 0) != (ssize_t)size) {
    perror("fuzz_snapshot: memfd");
    abort();
  }
  free(img);
  char path[64], err[1024];
  snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
  Machine *m = fuzz_machine_get(true); /* an accepted restore replaces all its state */
  static int verbose = -1;
  if (verbose < 0)
    verbose = getenv("FUZZ_VERBOSE") != NULL;
  int rc = machine_restore(m, path, err, sizeof err);
  if (verbose)
    fprintf(stderr, "fuzz_snapshot: %s\n", rc == 0 ? "restored" : err);
  if (rc == 0) {
    /* Run in slices so timers and DMA move between them. */
    for (int i = 0; i < 8 && !m->exit_requested; i++) {
      uint64_t before = m->cpu->icount;
      MachineStop st = machine_run_for(m, 500u * 4);
      if (st != MSTOP_BUDGET && st != MSTOP_IDLE && m->cpu->icount == before)
        break;
    }
    if (verbose)
      fprintf(stderr, "fuzz_snapshot: ran to instruction %llu\n", (unsigned long long)m->cpu->icount);
  }
  return 0;
}

/* ---- seeds ---- */

static void save(Machine *m, const char *dir, const char *name) {
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (machine_save(m, path, err, sizeof err) < 0) {
    fprintf(stderr, "fuzz_snapshot: %s\n", err);
    exit(1);
  }
  printf("%s\n", path);
}

static void run_insns(Machine *m, uint64_t n) {
  uint64_t end = m->cpu->icount + n;
  while (m->cpu->icount < end && !m->exit_requested) {
    uint64_t left = end - m->cpu->icount;
    machine_run_for(m, (left < 25000 ? left : 25000) * 4); /* 4 virtual ns per instruction */
  }
}

static void make_seeds(const char *dir) {
  static const uint64_t after[] = {0, 3000, 20000, 150000};
  char name[64];
  for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
    Machine *m = fuzz_machine_new(true);
    fuzz_load_exerciser(m);
    run_insns(m, after[i]);
    snprintf(name, sizeof name, "exerciser-%llu.snap", (unsigned long long)after[i]);
    save(m, dir, name);
    machine_free(m);
  }
  /* Device set-ups a guest makes, then the exerciser (from the port the
   * set-up left), so the snapshot holds busy devices. */
  static const struct {
    const char *name;
    uint8_t bytes[40];
    size_t n;
  } setups[] = {
      /* DMA ch2 to 2000h, 512 bytes; FDC READ DATA C0 H0 S1 N2 */
      {"floppy-dma",
       {0xb0, 0x06, 0xe6, 0x0a, 0xb0, 0x46, 0xe6, 0x0b, 0x31, 0xc0, 0xe6, 0x04, 0xb0, 0x20, 0xe6, 0x04,
        0xb0, 0xff, 0xe6, 0x05, 0xb0, 0x01, 0xe6, 0x05, 0xb0, 0x02, 0xe6, 0x0a, 0xba, 0xf2, 0x03, 0xb0,
        0x1c, 0xee, 0xb2, 0xf5, 0xb0, 0xe6, 0xee},
       39},
      /* IDE: LBA 0, 1 sector, READ SECTORS */
      {"ide-read",
       {0xba, 0xf6, 0x01, 0xb0, 0xe0, 0xee, 0xb2, 0xf2, 0xb0, 0x01, 0xee, 0xb2, 0xf7, 0xb0, 0x20, 0xee},
       16},
      /* VGA: misc output, sequencer memory mode, a graphics-controller mode */
      {"vga-mode",
       {0xba, 0xc2, 0x03, 0xb0, 0x63, 0xee, 0xb2, 0xc4, 0xb8, 0x04, 0x06, 0xef, 0xb2, 0xce, 0xb8, 0x05,
        0x40, 0xef, 0xb8, 0x06, 0x05, 0xef},
       22},
  };
  for (size_t i = 0; i < sizeof setups / sizeof setups[0]; i++) {
    Machine *m = fuzz_machine_new(true);
    fuzz_load_exerciser(m);
    /* The set-up at 0:0800, then a jump to the exerciser. */
    uint8_t code[64];
    memcpy(code, setups[i].bytes, setups[i].n);
    size_t n = setups[i].n;
    int rel = (int)FUZZ_EXERCISER_ADDR - (int)(0x800 + n + 3);
    code[n++] = 0xe9, code[n++] = (uint8_t)rel, code[n++] = (uint8_t)(rel >> 8);
    mem_write_bytes(m->mem, 0x800, code, (uint32_t)n);
    m->cpu->eip = 0x800;
    run_insns(m, 5000);
    snprintf(name, sizeof name, "%s.snap", setups[i].name);
    save(m, dir, name);
    machine_free(m);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *dir = fuzz_arg(*argc, *argv, "make-seeds");
  if (dir) {
    make_seeds(dir);
    exit(0);
  }
  return 0;
}
