/*
 * fuzz_guest.c — arbitrary guest code under the lockstep engine: every
 * block runs through the interpreter and through its JIT translation from
 * the same state, and lockstep.c compares registers, flags, segments,
 * control registers, FPU, instruction count and every RAM byte written.
 * A difference aborts (libFuzzer keeps the input); without a JIT on the
 * host the interpreter alone runs the code (ASan/UBSan still watch).
 *
 * Input: byte 0 picks the mode (0 real, 1 protected 32-bit ring 0, 2 v86
 * with IOPL 0, 3 v86 with IOPL 3), bytes 1-16 seed the registers and data,
 * the rest (at most 512 bytes) is the code.  Every exception and interrupt
 * vector goes to a HLT (a 32-bit ring-0 gate in protected mode and v86,
 * the IVT in real mode); v86 is entered by an IRETD from ring 0, so the
 * engines themselves make the switch.  At most 5000 instructions (and 2 s).
 *
 * FUZZ_INTERP_ONLY=1 in the environment: no JIT, the interpreter alone.
 *
 * --random=N[,SEED]: instead of fuzzing, run N pseudo-random programs (a
 * third in each mode: real, protected, v86 alternating IOPL), print the
 * counts per mode and stop reason, the blocks compared and every
 * difference (each also written as a fuzzer input, random-SEED, into
 * $FUZZ_DUMP_DIR or the current directory), and exit 1 if there was one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "fuzz_common.h"
#include "interp.h"
#ifdef X86VM_HAVE_JIT
#include "jit.h"
#endif

#define RAM (1u << 20)
#define GDT 0x8000u
#define IDT 0x8800u
#define TSS 0x9800u
#define HANDLER 0x9000u
#define ENTRY 0xa000u  /* protected mode: the IRETD to v86 */
#define CODE 0x10000u  /* the program (real mode and v86: 1000:0000) */
#define DATA 0x20000u  /* data (DS/ES = 2000h in real mode and v86) */
#define STACK 0x70000u
#define MAX_CODE 512

static Mem *mem;
static Cpu *cpu;
static bool have_jit;

static uint32_t mmio_read(void *opaque, uint32_t off, int size) {
  (void)opaque;
  uint32_t v = off * 0x9e3779b1u ^ 0x5a5a5a5au;
  return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}
static void mmio_write(void *opaque, uint32_t off, int size, uint32_t v) { (void)opaque, (void)off, (void)size, (void)v; }

static void attach(void) {
#ifdef X86VM_HAVE_JIT
  if (getenv("FUZZ_INTERP_ONLY"))
    return; /* the interpreter alone (faster under ASan) */
  char err[256];
  JitOptions o = {.lockstep = true};
  have_jit = jit_supported() && jit_attach(cpu, &o, err, sizeof err);
#endif
}

static void init(void) {
  mem = mem_create(RAM);
  if (!mem)
    abort();
  mem_map_mmio(mem, 0xa0000, 0x20000, mmio_read, mmio_write, NULL, "pattern");
  static uint8_t rom[0x10000];
  for (uint32_t i = 0; i < sizeof rom; i++)
    rom[i] = (uint8_t)(i * 7 + 0x3c);
  mem_map_rom(mem, 0xf0000, rom, sizeof rom, "rom");
  cpu = cpu_create(mem);
  if (!cpu)
    abort();
  attach();
}

static void set_seg(int s, uint16_t sel, uint16_t flags, uint32_t base, uint32_t limit) {
  cpu->seg[s] = (SegCache){sel, flags, base, limit};
}

static void desc(uint8_t *d, uint32_t base, uint32_t limit, uint8_t access, uint8_t gran) {
  d[0] = (uint8_t)limit, d[1] = (uint8_t)(limit >> 8), d[2] = (uint8_t)base, d[3] = (uint8_t)(base >> 8);
  d[4] = (uint8_t)(base >> 16), d[5] = access, d[6] = (uint8_t)(gran | ((limit >> 16) & 0xf));
  d[7] = (uint8_t)(base >> 24);
}

/* Set up RAM and the CPU for one program. */
static void setup(int mode, const uint8_t seed[16], const uint8_t *code, size_t n) {
  /* RAM below A0000h back to zeros, through Mem (so translations of old
   * code are dropped), only in the pages the last program touched. */
  static const uint8_t zero[4096];
  for (uint32_t pa = 0; pa < 0xa0000; pa += 4096)
    if (memcmp(mem->ram + pa, zero, 4096) != 0)
      mem_write_bytes(mem, pa, zero, 4096);
  cpu_set_intr(cpu, false);
  cpu->inhibit_irq = false;
  cpu_reset(cpu);
  cpu->halt_exits = true;
  mem_write_bytes(mem, CODE, code, (uint32_t)n);
  uint32_t x = 0x12345678u;
  for (int i = 0; i < 16; i++)
    x = (x ^ seed[i]) * 0x01000193u;
  for (uint32_t i = 0; i < 0x1000; i += 4) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    mem_write32(mem, DATA + i, (i & 0x40) ? x : (i & 0x80) ? 0 : 0x80000000u >> (x & 31));
  }
  for (int r = 0; r < 8; r++)
    cpu->regs[r] = (uint32_t)seed[2 * r] | (uint32_t)seed[2 * r + 1] << 8 |
                   ((seed[r] & 0x80) ? 0xffff0000u : 0);
  cpu->regs[R_ESP] = 0xfff0;
  mem_write8(mem, HANDLER, 0xf4);
  if (mode == 0) {
    for (uint32_t v = 0; v < 256; v++)
      mem_write32(mem, v * 4, HANDLER); /* 0000:9000 */
    cpu_load_seg_real(cpu, S_CS, CODE >> 4);
    cpu_load_seg_real(cpu, S_DS, DATA >> 4);
    cpu_load_seg_real(cpu, S_ES, DATA >> 4);
    cpu_load_seg_real(cpu, S_SS, STACK >> 4);
    cpu->eip = 0;
    cpu->eflags = 0x2 | (seed[15] & (F_CF | F_ZF | F_SF));
    cpu->cc_op = CC_EFLAGS;
    cpu_update_mode(cpu);
    tlb_flush(cpu);
    return;
  }
  /* GDT: null, code 08h, data 10h (flat, ring 0), TSS 18h; IDT: 256 ring-0
   * interrupt gates to HANDLER, DPL 3 so INT n from v86 with IOPL 3 gets there. */
  uint8_t gdt[32] = {0};
  desc(gdt + 8, 0, 0xfffff, 0x9a, 0xc0);
  desc(gdt + 16, 0, 0xfffff, 0x92, 0xc0);
  desc(gdt + 24, TSS, 0x67, 0x8b, 0x00);
  mem_write_bytes(mem, GDT, gdt, sizeof gdt);
  for (uint32_t v = 0; v < 256; v++) {
    uint8_t g[8] = {(uint8_t)HANDLER, (uint8_t)(HANDLER >> 8), 0x08, 0, 0, 0xee, 0, 0};
    mem_write_bytes(mem, IDT + v * 8, g, 8);
  }
  mem_write32(mem, TSS + 4, STACK + 0x8000); /* ESP0 */
  mem_write32(mem, TSS + 8, 0x10);           /* SS0 */
  mem_write16(mem, TSS + 0x66, 0x68);        /* no I/O bitmap */
  cpu->gdt_base = GDT;
  cpu->gdt_limit = sizeof gdt - 1;
  cpu->idt_base = IDT;
  cpu->idt_limit = 256 * 8 - 1;
  cpu->cr[0] = CR0_PE | CR0_ET;
  set_seg(S_CS, 0x08, 0xc09b, 0, 0xffffffffu);
  for (int s = S_ES; s <= S_GS; s++)
    if (s != S_CS)
      set_seg(s, 0x10, 0xc093, 0, 0xffffffffu);
  set_seg(S_TR, 0x18, 0x008b, TSS, 0x67);
  cpu->cpl = 0;
  cpu->cc_op = CC_EFLAGS;
  if (mode == 1) {
    cpu->eip = CODE;
    cpu->regs[R_ESP] = STACK;
    cpu->eflags = 0x2 | (seed[15] & (F_CF | F_ZF | F_SF));
  } else {
    /* push gs, fs, ds, es, ss, esp, eflags, cs, eip; iretd */
    uint32_t fl = 0x2 | F_VM | (mode == 3 ? F_IOPL : 0) | (seed[15] & (F_CF | F_ZF | F_SF));
    const uint32_t v[9] = {0, 0, DATA >> 4, DATA >> 4, STACK >> 4, 0xfff0, fl, CODE >> 4, 0};
    uint8_t e[9 * 5 + 1];
    for (int i = 0; i < 9; i++) {
      e[i * 5] = 0x68;
      for (int k = 0; k < 4; k++)
        e[i * 5 + 1 + k] = (uint8_t)(v[i] >> (8 * k));
    }
    e[45] = 0xcf;
    mem_write_bytes(mem, ENTRY, e, sizeof e);
    cpu->eip = ENTRY;
    cpu->regs[R_ESP] = STACK;
    cpu->eflags = 0x2;
  }
  cpu_update_mode(cpu);
  tlb_flush(cpu);
}

static bool run(int mode, const uint8_t seed[16], const uint8_t *code, size_t n, CpuStop *stop) {
  setup(mode, seed, code, n);
  /* 5000 instructions in slices of 50.  A REP string instruction resumes
   * by re-executing itself every 4096 iterations, so a slice may be 200000
   * iterations, each one logged and compared by lockstep: the one bound not
   * in instructions is 2 s of CPU time per program, so such programs end
   * early instead of timing out the fuzzer. */
  clock_t t0 = clock();
  *stop = CPU_STOP_BUDGET;
  for (uint64_t end = cpu->icount + 5000; cpu->icount < end && *stop == CPU_STOP_BUDGET;) {
    uint64_t left = end - cpu->icount;
    *stop = cpu_run(cpu, left < 50 ? left : 50);
    if (clock() - t0 > 2 * CLOCKS_PER_SEC)
      break;
  }
#ifdef X86VM_HAVE_JIT
  if (have_jit && jit_lockstep_failed(cpu)) {
    /* The report went to stderr; start a fresh translator for the next program. */
    jit_detach(cpu);
    attach();
    return false;
  }
#endif
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 18)
    return 0;
  if (!cpu)
    init();
  size_t n = size - 17 > MAX_CODE ? MAX_CODE : size - 17;
  CpuStop stop;
  if (!run(data[0] & 3, data + 1, data + 17, n, &stop)) {
    fprintf(stderr, "fuzz_guest: the engines differ (mode %d)\n", data[0] & 3);
    abort();
  }
  return 0;
}

/* ---- the random-program campaign ---- */

static uint64_t rng;
static uint32_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static int campaign(long count, uint64_t seed0) {
  if (!cpu)
    init();
  static const char *mode_names[4] = {"real", "protected32", "v86-iopl0", "v86-iopl3"};
  static const char *stop_names[6] = {"none", "budget", "hlt", "triple", "request", "shutdown"};
  long per_mode[4] = {0}, stops[4][6] = {{0}}, diffs = 0;
  for (long i = 0; i < count; i++) {
    rng = (seed0 + (uint64_t)i) * 0x9e3779b97f4a7c15ull + 1;
    for (int k = 0; k < 4; k++)
      rnd();
    /* real, protected, v86 in turn by program number (seed - 1); v86
     * alternates IOPL 0 and 3.  --random=1,S reruns program S alone. */
    uint64_t num = seed0 + (uint64_t)i - 1;
    int mode = (int)(num % 3) == 2 ? 2 + (int)((num / 3) & 1) : (int)(num % 3);
    uint8_t seed[16], code[128];
    for (int k = 0; k < 16; k++)
      seed[k] = (uint8_t)rnd();
    size_t n = 16 + rnd() % (sizeof code - 16);
    for (size_t k = 0; k < n; k++)
      code[k] = (uint8_t)rnd();
    CpuStop st;
    if (!run(mode, seed, code, n, &st)) {
      diffs++;
      printf("fuzz_guest --random: program %ld (seed %llu, %s): the engines differ\n", i,
             (unsigned long long)(seed0 + (uint64_t)i), mode_names[mode]);
      /* The program as a fuzzer input, to replay and keep as a regression. */
      const char *dir = getenv("FUZZ_DUMP_DIR");
      char path[512];
      snprintf(path, sizeof path, "%s/random-%llu", dir ? dir : ".", (unsigned long long)(seed0 + (uint64_t)i));
      FILE *f = fopen(path, "wb");
      uint8_t m8 = (uint8_t)mode;
      if (f && fwrite(&m8, 1, 1, f) == 1 && fwrite(seed, 1, 16, f) == 16 && fwrite(code, 1, n, f) == n)
        printf("fuzz_guest --random: written as %s\n", path);
      if (f)
        fclose(f);
    }
    per_mode[mode]++;
    stops[mode][st < 6 ? st : 0]++;
  }
  for (int m = 0; m < 4; m++) {
    printf("fuzz_guest --random: %-11s %7ld programs:", mode_names[m], per_mode[m]);
    for (int s = 1; s < 6; s++)
      if (stops[m][s])
        printf(" %s %ld", stop_names[s], stops[m][s]);
    printf("\n");
  }
#ifdef X86VM_HAVE_JIT
  if (have_jit) {
    JitStats js;
    jit_get_stats(cpu, &js);
    printf("fuzz_guest --random: lockstep compared %llu blocks, skipped %llu (port/MMIO I/O)\n",
           (unsigned long long)js.lockstep_blocks, (unsigned long long)js.lockstep_skipped);
  }
#endif
  printf("fuzz_guest --random: %ld programs, %ld differences (%s)\n", count, diffs,
         have_jit ? "interpreter vs JIT in lockstep" : "interpreter only: no differential check");
  return diffs ? 1 : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *r = fuzz_arg(*argc, *argv, "random");
  if (r) {
    char *end;
    long n = strtol(r, &end, 10);
    uint64_t seed = *end == ',' ? strtoull(end + 1, NULL, 0) : 1;
    exit(campaign(n, seed));
  }
  return 0;
}
