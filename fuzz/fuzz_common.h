/*
 * fuzz_common.h — what the libFuzzer harnesses in fuzz/ share: a private
 * temporary directory, a small test machine (a HLT-only BIOS, floppy, hard
 * disk and CD images in that directory, deterministic time), snapshot
 * CRC fix-ups, and a little-endian byte reader over the fuzzer's input.
 */
#ifndef X86VM_FUZZ_COMMON_H
#define X86VM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pc.h"

/* libFuzzer's entry points. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A directory of our own under $TMPDIR, removed with its files at exit. */
const char *fuzz_tmpdir(void);
/* Remove everything in dir, subdirectories too (our own files: no links
 * followed), and keep dir. */
void fuzz_clear_dir(const char *dir);
/* The entries readdir lists in dir ("." and ".." too); -1 if it cannot be opened. */
int fuzz_count_entries(const char *dir);
/* Write a file in fuzz_tmpdir() (name relative); its full path, static storage per name slot. */
const char *fuzz_write_file(const char *name, const void *data, size_t len);

/* The harnesses' machine: mem_mib of RAM, 1 MiB of video memory, a BIOS
 * that halts, COM1 to nowhere, deterministic time; with drives: a 1.44 MB
 * floppy, a 4 MiB hard disk and a CD image (all with --snapshot, so guest
 * writes never reach the files).  Aborts if it cannot be built. */
#define FUZZ_MEM_MIB 2
Machine *fuzz_machine_new(bool drives);
/* The same, but kept from one input to the next (building a machine costs
 * more than most inputs): reset, RAM cleared, run flags cleared.  Device
 * state is what machine_reset leaves; the drives' overlays keep what
 * earlier inputs wrote.  FUZZ_FRESH=1 in the environment builds a new one
 * every time (to check that a crash does not depend on earlier inputs). */
Machine *fuzz_machine_get(bool drives);

/* Real-mode guest helpers: an IVT whose every vector points to an IRET,
 * and the CPU at seg:off (real mode, IF as given). */
void fuzz_real_mode_at(Machine *m, uint16_t seg, uint16_t off, bool intr_on);

/* Every port the machine's devices answer (pc.h's map), for the harnesses
 * that pick ports by index. */
extern const uint16_t fuzz_ports[];
extern const size_t fuzz_nports;

/* A real-mode program at 0000:1000 that loops forever over fuzz_ports:
 * reads each, writes back the value read and then a value that changes
 * every round, in byte, word and dword widths; with interrupts on.  Used
 * to make snapshots of busy devices and to run restored ones. */
#define FUZZ_EXERCISER_ADDR 0x1000u
void fuzz_load_exerciser(Machine *m);

/* Recompute the CRC of every chunk of a snapshot image in place (format in
 * savestate.h), so mutations reach the loaders' field checks. */
void fuzz_fix_snapshot_crcs(uint8_t *img, size_t len);

/* "--NAME=VALUE" among argv (libFuzzer's own flags start with one dash). */
const char *fuzz_arg(int argc, char **argv, const char *name);

/* Input reader: bytes until the input ends, then zeros. */
typedef struct FuzzIn {
  const uint8_t *p;
  size_t n;
} FuzzIn;
static inline uint8_t fin_u8(FuzzIn *in) {
  if (!in->n)
    return 0;
  in->n--;
  return *in->p++;
}
static inline uint32_t fin_le(FuzzIn *in, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++)
    v |= (uint32_t)fin_u8(in) << (8 * i);
  return v;
}

#endif
