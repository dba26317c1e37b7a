/* suite.h - the benchmark suite's workload kernels, shared by the bare-metal
 * guest (guest_main.c + boot.asm) and the native 32-bit Linux program
 * (native_main.c).  No libc: the kernels build with -ffreestanding -nostdinc,
 * so this header defines its own fixed-width types. Written for x86vm. */
#ifndef SUITE_H
#define SUITE_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;

enum {
  WL_INTEGER, /* ALU, MUL, DIV, shifts and rotates in registers */
  WL_MEMORY,  /* REP MOVSD/STOSD/MOVSB, dword and byte loops over MiBs */
  WL_BRANCH,  /* switch-dispatched bytecode, unpredictable branches */
  WL_CALL,    /* recursion, small direct calls, indirect calls */
  WL_PAGING,  /* random and strided touches of 16384 4-KiB pages */
  WL_FPU,     /* x87: FADD/FMUL/FDIV/FSQRT/FSIN */
  WL_COUNT
};

/* Bytes of scratch memory every workload may use (page-aligned). */
#define SUITE_ARENA_SIZE (64u << 20)

/* Runs workload `wl`: set-up (always), then `iters` iterations of its loop;
 * returns a checksum that depends on every iteration. iters = 0 measures
 * the set-up alone. */
u32 suite_run(u32 wl, u32 iters, void *arena, u32 arena_size);

#endif
