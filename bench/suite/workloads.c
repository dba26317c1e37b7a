/* workloads.c - the six benchmark kernels of bench/run_suite.py.
 *
 * Built twice from this one file: into the bare-metal guest (flat 32-bit
 * protected mode, see boot.asm and guest_main.c) and into a native 32-bit
 * Linux program (native_main.c), both from one object file (-m32 -O2
 * -march=i686 -ffreestanding -nostdinc, x87 floating point, no SSE), so the
 * guest and the host CPU execute the same instructions.  Hosts that cannot
 * run 32-bit programs get an x86-64 build instead (-mfpmath=387 and
 * -fexcess-precision=standard keep the floating-point results identical).
 * Everything is deterministic: the checksum must be identical on real
 * hardware and on every emulator.  Nothing here calls a library (no memcpy,
 * no libgcc helpers: no 64-bit division).  Written from scratch for x86vm.
 */
#include "suite.h"

/* Keep calls as calls: no inlining, cloning or interprocedural shortcuts. */
#define NOIPA __attribute__((noipa))

#define MIB (1u << 20)

static inline u32 xorshift(u32 *s) {
  u32 x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static inline u32 mix(u32 h, u32 v) {
  h ^= v;
  h *= 0x01000193u;
  return h ^ (h >> 15);
}

/* ---------------------------------------------------------------- integer */

/* Register-only arithmetic: ADD/SUB/XOR/OR/AND, IMUL, 32x32->64 MUL, two
 * DIVs, SHL/SHR/SAR by CL, ROL, LEA, MOVZX. 4096 steps per iteration. */
static u32 wl_integer(u32 iters) {
  u32 a = 0x12345678u, b = 0x9abcdef0u, c = 0x0f1e2d3cu, d = 1, h = 0;
  for (u32 it = 0; it < iters; it++) {
    for (u32 i = 1; i <= 4096; i++) {
      a += b ^ (c >> 3);
      b = b * 2654435761u + i;
      c ^= (a << 7) | (a >> 25);
      d += a / ((b >> 16) | 1);
      h += (u32)((i32)(c ^ d) >> (i & 15));
      u64 p = (u64)a * (c | 1);
      d ^= (u32)(p >> 32);
      c += a % ((i & 127) + 3);
      a = (a << (d & 7)) - (c >> (b & 7));
      h = h * 31 + (u16)a + (b >> 11) + (u8)(d >> 8) * 5;
    }
    h = mix(h, it);
  }
  return h ^ a ^ b ^ c ^ d;
}

/* ----------------------------------------------------------------- memory */

/* The count is a register-sized type: the same source also builds as an
 * x86-64 program where REP uses all of RCX. */
static inline void rep_movsd(void *dst, const void *src, unsigned long dwords) {
  __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(dwords) : : "memory");
}

static inline void rep_movsb(void *dst, const void *src, unsigned long bytes) {
  __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(bytes) : : "memory");
}

static inline void rep_stosd(void *dst, u32 v, unsigned long dwords) {
  __asm__ volatile("rep stosl" : "+D"(dst), "+c"(dwords) : "a"(v) : "memory");
}

/* Per iteration: a 4 MiB REP MOVSD copy, a 4 MiB dword loop (load, add,
 * store), a dependent byte loop over 2 MiB, 4096 short unaligned REP MOVSB
 * copies (memcpy-sized) and a 1 MiB REP STOSD fill. */
static u32 wl_memory(u32 iters, u8 *arena) {
  u32 *src = (u32 *)arena;                  /* 4 MiB */
  u32 *dst = (u32 *)(arena + 4 * MIB);      /* 4 MiB */
  u8 *bytes = arena + 8 * MIB;              /* 2 MiB */
  u32 *fill = (u32 *)(arena + 10 * MIB);    /* 1 MiB */
  u32 s = 0x2545f491u, h = 0;
  for (u32 i = 0; i < MIB; i++)
    src[i] = xorshift(&s);
  for (u32 i = 0; i < 2 * MIB; i++)
    bytes[i] = (u8)(i * 7 + (i >> 9));
  for (u32 it = 0; it < iters; it++) {
    rep_movsd(dst, src, MIB);
    for (u32 i = 0; i < MIB; i++)
      src[i] = dst[i] + it;
    u8 x = (u8)it;
    for (u32 i = 0; i < 2 * MIB; i++) {
      x = (u8)(x + bytes[i]);
      bytes[i] = (u8)(x ^ i);
    }
    for (u32 i = 0; i < 4096; i++) {
      u32 r = xorshift(&s);
      rep_movsb((u8 *)dst + (r & (2 * MIB - 1)), bytes + ((r >> 11) & (MIB - 1)),
                16 + (r >> 26));
    }
    rep_stosd(fill, h + it, MIB / 4);
    h = mix(h, src[it & (MIB - 1)]);
    h = mix(h, dst[(it * 4099) & (MIB - 1)]);
    h = mix(h, bytes[(it * 65537) & (2 * MIB - 1)] + x);
    h = mix(h, fill[(it * 257) & (MIB / 4 - 1)]);
  }
  return h;
}

/* ----------------------------------------------------------------- branch */

#define PROG_LEN 4096

/* A bytecode interpreter (dense 16-way switch: a jump table) running a
 * random program whose jumps depend on data, then a loop of branches on
 * random bits that the compiler cannot turn into CMOV (conditional
 * stores), then binary searches for random keys. */
static u32 wl_branch(u32 iters, u8 *arena) {
  u8 *prog = arena;
  u32 *sorted = (u32 *)(arena + PROG_LEN);  /* 4096 ascending values */
  u32 *tab = sorted + 4096;                 /* 256 counters */
  u32 s = 0x6b43a9b5u, h = 0;
  for (u32 i = 0; i < PROG_LEN; i++)
    prog[i] = (u8)(xorshift(&s) & 15);
  for (u32 i = 0; i < 4096; i++)
    sorted[i] = i * 1000 + (xorshift(&s) & 511);
  for (u32 i = 0; i < 256; i++)
    tab[i] = 0;
  for (u32 it = 0; it < iters; it++) {
    u32 acc = it, x = 0x9e3779b9u, y = 7, pc = 0;
    for (u32 step = 0; step < 32768; step++) {
      u32 op = prog[pc];
      pc = (pc + 1) & (PROG_LEN - 1);
      switch (op) {
      case 0: acc += x; break;
      case 1: acc ^= x << 3; break;
      case 2: x = acc * 3 + 1; break;
      case 3: if (acc & 1) pc = (pc + (x & 63)) & (PROG_LEN - 1); break;
      case 4: acc = (acc >> 1) | (acc << 31); break;
      case 5: y += acc >> 7; break;
      case 6: x ^= y; break;
      case 7: if ((x ^ acc) & 4) pc = (pc - (y & 31)) & (PROG_LEN - 1); break;
      case 8: acc -= y; break;
      case 9: tab[acc & 255]++; break;
      case 10: x += tab[y & 255]; break;
      case 11: y = y * 5 + op; break;
      case 12: if (acc & 0x100) acc ^= 0x5bd1e995u; else acc += 0x27d4eb2du; break;
      case 13: x = (x << 5) - x + acc; break;
      case 14: y ^= x >> 13; break;
      default: acc = acc * 0x2c1b3c6du + y; break;
      }
    }
    for (u32 i = 0; i < 32768; i++) {
      u32 r = xorshift(&s);
      if (r & 0x10)
        tab[r >> 24]++;
      else
        tab[(r >> 16) & 255] ^= r;
      if ((r & 0x300) == 0x100)
        tab[r & 255] += 3;
      else if (r & 0x400)
        h += r >> 5;
    }
    for (u32 i = 0; i < 8192; i++) {
      u32 key = xorshift(&s) % 4096000u, lo = 0, hi = 4096;
      while (lo < hi) {
        u32 mid = (lo + hi) >> 1;
        if (sorted[mid] < key)
          lo = mid + 1;
        else
          hi = mid;
      }
      h += lo;
    }
    h = mix(h, acc ^ x ^ y);
    h = mix(h, tab[it & 255]);
  }
  return h;
}

/* ------------------------------------------------------------------- call */

NOIPA static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

NOIPA static u32 op_add(u32 a, u32 b) { return a + b; }
NOIPA static u32 op_xor(u32 a, u32 b) { return a ^ (b << 1); }
NOIPA static u32 op_mul(u32 a, u32 b) { return a * (b | 1); }
NOIPA static u32 op_rot(u32 a, u32 b) { return (a << (b & 31)) | (a >> ((32 - b) & 31)); }
NOIPA static u32 op_sub(u32 a, u32 b) { return a - b * 3; }
NOIPA static u32 op_shr(u32 a, u32 b) { return (a >> (b & 7)) + b; }
NOIPA static u32 op_and(u32 a, u32 b) { return (a & 0xfff0fff0u) + (b | 1); }
NOIPA static u32 op_neg(u32 a, u32 b) { return ~a + b; }

static u32 (*const op_table[8])(u32, u32) = {
  op_add, op_xor, op_mul, op_rot, op_sub, op_shr, op_and, op_neg,
};

NOIPA static u32 leaf3(u32 a, u32 b, u32 c) { return (a * 3 + b) ^ c; }
NOIPA static u32 inner(u32 a, u32 b) { return leaf3(a, b, a ^ b) + leaf3(b, a, 7); }
NOIPA static u32 outer(u32 a, u32 b, u32 c, u32 d) { return inner(a, b) ^ inner(c, d); }

/* Per iteration: recursive fib(20), 8192 calls through a table of function
 * pointers picked at random, 4096 three-level chains of small calls with
 * stack arguments (7 calls each). */
static u32 wl_call(u32 iters) {
  u32 s = 0x3c6ef372u, h = 0;
  for (u32 it = 0; it < iters; it++) {
    h += fib(20);
    for (u32 i = 0; i < 8192; i++)
      h = op_table[xorshift(&s) & 7](h, i);
    for (u32 i = 0; i < 4096; i++)
      h += outer(h, i, it, s);
    h = mix(h, it);
  }
  return h;
}

/* ----------------------------------------------------------------- paging */

/* The whole arena (16384 pages on the guest, mapped by 4-KiB page tables
 * in a scrambled order): per iteration 32768 read-modify-writes at random
 * pages and offsets, then one strided sweep touching every page once. */
static u32 wl_paging(u32 iters, u8 *arena, u32 size) {
  u32 npages = size >> 12;  /* a power of two */
  u32 s = 0x510e527fu, h = 0;
  for (u32 p = 0; p < npages; p++)
    *(u32 *)(arena + (p << 12)) = p;
  for (u32 it = 0; it < iters; it++) {
    for (u32 i = 0; i < 32768; i++) {
      u32 r = xorshift(&s);
      u32 *w = (u32 *)(arena + ((r & (npages - 1)) << 12)) + ((r >> 16) & 1023);
      u32 v = *w;
      *w = v + r;
      h += v;
    }
    for (u32 p = 0; p < npages; p++) {
      u32 *w = (u32 *)(arena + (((p * 2654435761u) & (npages - 1)) << 12)) + ((p + it) & 1023);
      h ^= *w;
      *w += p;
    }
    h = mix(h, it);
  }
  return h;
}

/* -------------------------------------------------------------------- fpu */

static inline double x87_fsin(double x) {
  double r;
  __asm__("fsin" : "=t"(r) : "0"(x));
  return r;
}

static inline double x87_fsqrt(double x) {
  double r;
  __asm__("fsqrt" : "=t"(r) : "0"(x));
  return r;
}

/* The low 32 bits of a double's encoding: an exact fold. */
static inline u32 dbits(double d) {
  union { double d; u32 w[2]; } u;
  u.d = d;
  return u.w[0] ^ u.w[1];
}

/* Per iteration, 2048 points: a 10-term Horner series with a division per
 * term (FMUL, FDIV, FADD), a Leibniz term (FDIV), FSQRT, and FSIN.  FADD,
 * FMUL, FDIV and FSQRT are correctly rounded, so their sums are folded
 * bit for bit; FSIN's last bits differ between CPUs and emulators (QEMU
 * computes it in host double precision), so the sine sum is folded only
 * to 2^-12. */
static u32 wl_fpu(u32 iters) {
  u32 h = 0;
  for (u32 it = 0; it < iters; it++) {
    double ex = 0, pi = 0, sq = 0, sn = 0;
    for (u32 i = 1; i <= 2048; i++) {
      double x = (double)(i32)i * (1.0 / 2048);
      double p = 1.0;
      for (u32 k = 10; k >= 1; k--)
        p = 1.0 + p * x / (double)(i32)k;
      ex += p;
      pi += ((i & 1) ? 4.0 : -4.0) / (double)(i32)(2 * i - 1);
      sq += x87_fsqrt((double)(i32)(i + it));
      sn += x87_fsin(x * 3.0 + (double)(i32)(it & 7));
    }
    h = mix(h, dbits(ex));
    h = mix(h, dbits(pi));
    h = mix(h, dbits(sq));
    h = mix(h, (u32)(i32)(sn * 4096.0));
  }
  return h;
}

/* ------------------------------------------------------------------ entry */

u32 suite_run(u32 wl, u32 iters, void *arena, u32 arena_size) {
  u8 *a = arena;
  switch (wl) {
  case WL_INTEGER: return wl_integer(iters);
  case WL_MEMORY: return wl_memory(iters, a);
  case WL_BRANCH: return wl_branch(iters, a);
  case WL_CALL: return wl_call(iters);
  case WL_PAGING: return wl_paging(iters, a, arena_size);
  case WL_FPU: return wl_fpu(iters);
  default: return 0xdeadbeefu;
  }
}
