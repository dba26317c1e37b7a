/*
 * jit.h — the basic-block translator: guest x86 to host x86-64.
 *
 * jit_attach() gives a CPU a translation cache and sets cpu->jit_exec, the
 * hook the dispatch loop (src/interp/interp.c) calls before interpreting:
 * the loop keeps interrupts, HLT, single-step traps and exception delivery;
 * translated code runs the instructions in between.  Only x86-64 hosts
 * translate; elsewhere jit_supported() is false and the interpreter runs.
 */
#ifndef X86VM_JIT_H
#define X86VM_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu.h"

typedef struct JitOptions {
  size_t cache_bytes;  /* bound on translated code + block records (0: default 64 MiB) */
  bool no_inline;      /* translate every instruction as a call to its handler */
  bool lockstep;       /* run every block with both engines and compare (lockstep.c) */
  FILE *dump;          /* if set: every translation's guest and host listing (listing.c) */
  FILE *perf_map;      /* if set: a perf(1) map line per translation (host code -> guest address) */
} JitOptions;

typedef struct JitStats {
  uint64_t blocks;        /* translations made (all time) */
  uint64_t live_blocks;   /* translations in the cache now */
  uint64_t code_bytes;    /* host code bytes in the cache now */
  uint64_t record_bytes;  /* block records (decoded instructions, links) in the cache now */
  uint64_t bound;         /* the configured bound on code + records */
  uint64_t lookups;       /* block lookups from the dispatch loop */
  uint64_t hits;          /* lookups that found a valid translation */
  uint64_t flushes;       /* full cache flushes (cache full) */
  uint64_t stale;         /* translations dropped because their code was written */
  uint64_t chains;        /* direct jumps patched to jump block to block */
  uint64_t jc_fills;      /* jump-cache entries written (indirect jumps, returns) */
  uint64_t lockstep_blocks;  /* blocks compared in lockstep mode */
  uint64_t lockstep_skipped; /* blocks not compared (port or MMIO I/O, pending events) */
} JitStats;

bool jit_supported(void);
/* Give cpu a translator. Returns false (with a one-line message in err) on failure. */
bool jit_attach(Cpu *cpu, const JitOptions *opt, char *err, size_t errlen);
void jit_detach(Cpu *cpu);
/* Drop every translation (e.g. after restoring a snapshot). */
void jit_flush(Cpu *cpu);
void jit_get_stats(const Cpu *cpu, JitStats *st);
void jit_print_stats(const Cpu *cpu, FILE *f);
/* Lockstep: nonzero once a difference was found (the report went to stderr). */
bool jit_lockstep_failed(const Cpu *cpu);

/* The teaching debugger's JIT view: the translation of the block at the
 * current CS:EIP (made now if there is none yet), each guest instruction
 * beside the host code made for it.  False, with the reason written, if
 * there is none (no JIT attached, code not translatable here). */
bool jit_show_current(Cpu *cpu, FILE *f);

#endif
