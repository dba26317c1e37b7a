/*
 * jit_random.c — random-program differential test of the JIT against the
 * interpreter.
 *
 * Each program is generated from a seed: straight-line integer code (ALU
 * in 8/16/32 bits, the high-byte registers AH..BH included, MOV with
 * immediates, shifts and rotates in 16 and 32 bits, multiply/divide,
 * INC/DEC/NOT/NEG, LEA, MOVZX/MOVSX, SETcc/CMOVcc, PUSH/POP, loads, stores
 * and read-modify-writes,
 * loads at the edges of RAM and of an MMIO region in the legacy hole),
 * forward conditional branches, a counted backward loop, stores that
 * rewrite an immediate of a later instruction in the same block
 * (self-modifying code), stores that rewrite a subroutine on another page
 * which the program then calls (the caller's block goes on; the call finds
 * the stale translation through the jump cache), and accesses through a
 * segment with a small limit
 * that fault (#GP), like DIV by zero (#DE).  Every exception goes through
 * an interrupt gate to a HLT.  The program runs once under each engine from
 * the same state; registers, EIP, EFLAGS, the instruction count and all of
 * RAM must be equal.  Registers and data start half the time at edge values
 * (0, 1, 0x7f, 0x80, 0xffff, 0x80000000, shift widths...).
 *
 * With --inject, the precise-fault test: for each program and each N, a
 * page fault is injected at the Nth data access (cpu->inject_pf, see
 * cpu.h) under each engine, N = 1, 2, ... until the program ends first;
 * the state the fault handler sees (registers, EIP, EFLAGS, CR2, the
 * exception frame in memory, the instruction count) must be equal.
 *
 * With --irq, interrupts: each run goes in slices of 1-40 instructions,
 * one in four of 50-450 (the same under both engines) with INTR raised at every slice end, as the
 * machine's timers raise theirs, and the programs also contain CLI, STI,
 * PUSHFD/POPFD and PUSH SS/POP SS; a handler (vector 20h) counts the
 * interrupts and hashes their return EIPs into memory, so an interrupt
 * taken one instruction early or late (a lost STI or POP SS shadow) shows.
 * JIT_RANDOM_TRACE=1 prints the state at every slice end.
 *
 * usage: jit_random [--inject | --irq] [--cache MIB] [programs] [first-seed]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "exec.h"
#include "interp.h"
#include "jit.h"

#define RAM (1u << 20)
#define GDT 0x8000u
#define IDT 0x8800u
#define HANDLER 0x9000u
#define IRQ_HANDLER 0x9100u /* --irq: vector 0x20, counts and hashes the return EIPs into DATA+0xF0/F4 */
#define IRQ_VEC 0x20u
#define CODE 0x10000u
#define SUB 0x13000u /* a subroutine on a page of its own: ADD EAX, imm8; XOR ECX, EBX; RET */
#define DATA 0x40000u
#define STACK 0x70000u

static uint64_t rng;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

typedef struct Prog {
  uint8_t b[8192];
  uint32_t n;
} Prog;
static void put(Prog *p, const uint8_t *bytes, uint32_t n) {
  if (p->n + n <= sizeof p->b) {
    memcpy(p->b + p->n, bytes, n);
    p->n += n;
  }
}
#define PUT(p, ...) do { const uint8_t _b[] = {__VA_ARGS__}; put(p, _b, sizeof _b); } while (0)

/* Destination registers: everything but ESP, ESI (data pointer) and EDI (loop counter). */
static uint8_t dreg(void) {
  static const uint8_t r[] = {R_EAX, R_ECX, R_EDX, R_EBX, R_EBP};
  return r[rnd() % 5];
}
static uint8_t anyreg(void) { return (uint8_t)(rnd() % 8); }
/* Any 8-bit register: AL..BL, AH..BH (never part of ESP, EBP, ESI, EDI). */
static uint8_t r8any(void) { return (uint8_t)(rnd() % 8); }

/* A register or memory value: half the time one of the edges where flags,
 * shifts and sign and zero extension change behaviour. */
static uint32_t val(void) {
  static const uint32_t edge[] = {0,          1,          2,          0x7f,       0x80,       0xff,
                                  0x100,      0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff,
                                  0x80000000, 0x80000001, 0xffffffff, 0xfffffffe, 0xffffff80, 0xffff8000,
                                  31,         32,         33,         16,         8,          0x00ff00ff};
  uint32_t r = rnd();
  return r & 1 ? edge[(r >> 1) % (sizeof edge / sizeof edge[0])] : rnd();
}
static uint8_t modrm_rr(uint8_t reg, uint8_t rm) { return (uint8_t)(0xc0 | reg << 3 | rm); }

/* One random instruction (no control flow). */
static void gen_insn(Prog *p) {
  uint8_t d = dreg(), s = anyreg(), op = (uint8_t)(rnd() % 8);
  switch (rnd() % 32) {
  case 0: PUT(p, (uint8_t)(op << 3 | 1), modrm_rr(s, d)); break;                 /* alu r/m32, r32 */
  case 1: PUT(p, (uint8_t)(op << 3 | 3), modrm_rr(d, s)); break;                 /* alu r32, r/m32 */
  case 2: PUT(p, 0x81, modrm_rr(op, d), (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd()); break;
  case 3: PUT(p, 0x83, modrm_rr(op, d), (uint8_t)rnd()); break;
  case 4: PUT(p, (uint8_t)(op << 3), modrm_rr(s & 3 ? s : 1, d & 3)); break;     /* alu r/m8, r8 */
  case 5: PUT(p, 0x66, (uint8_t)(op << 3 | 1), modrm_rr(s, d)); break;           /* alu r/m16, r16 */
  case 6: PUT(p, (uint8_t)(op << 3 | 1), (uint8_t)(0x46 | s << 3), (uint8_t)(rnd() % 120)); break; /* alu [esi+d8], r */
  case 7: PUT(p, (uint8_t)(op << 3 | 3), (uint8_t)(0x46 | d << 3), (uint8_t)(rnd() % 120)); break; /* alu r, [esi+d8] */
  case 8: PUT(p, 0xc1, modrm_rr((uint8_t)(rnd() % 8), d), (uint8_t)(rnd() % 40)); break; /* shifts/rotates */
  case 9: PUT(p, 0xd3, modrm_rr((uint8_t)(4 + rnd() % 4), d)); break;
  case 10: PUT(p, 0xf7, modrm_rr((uint8_t)(2 + rnd() % 6), d)); break; /* not neg mul imul div idiv */
  case 11: PUT(p, 0x0f, 0xaf, modrm_rr(d, s)); break;
  case 12: PUT(p, 0x6b, modrm_rr(d, s), (uint8_t)rnd()); break;
  case 13: PUT(p, (uint8_t)(0x40 + (rnd() % 2) * 8 + d)); break;                 /* inc/dec */
  case 14: PUT(p, 0x8d, (uint8_t)(0x84 | d << 3), (uint8_t)((rnd() % 4) << 6 | s << 3 | R_ESI), (uint8_t)rnd(), (uint8_t)rnd(), 0, 0); break; /* lea */
  case 15: PUT(p, 0x0f, (uint8_t)(0xb6 + (rnd() % 2) * 8 + rnd() % 2), modrm_rr(d, s)); break; /* movzx/movsx */
  case 16: PUT(p, 0x0f, (uint8_t)(0x90 + rnd() % 16), modrm_rr(0, d & 3)); break;   /* setcc */
  case 17: PUT(p, 0x0f, (uint8_t)(0x40 + rnd() % 16), modrm_rr(d, s)); break;       /* cmovcc */
  case 18: PUT(p, (uint8_t)(0x50 + s), (uint8_t)(0x58 + d)); break;                  /* push / pop */
  case 19: PUT(p, 0x89, (uint8_t)(0x46 | s << 3), (uint8_t)(rnd() % 124)); break;    /* mov [esi+d8], r */
  case 20: PUT(p, 0x8b, (uint8_t)(0x46 | d << 3), (uint8_t)(rnd() % 124)); break;    /* mov r, [esi+d8] */
  case 24: PUT(p, 0xff, 0x76, (uint8_t)(rnd() % 124), (uint8_t)(0x58 + d)); break; /* push [esi+d8]; pop r */
  case 25: { /* load near the ends of RAM and of the MMIO region in the legacy hole (mmio_read) */
    static const uint32_t at[] = {0x9fffc, 0x9fffd, 0x9ffff, 0xa0000, 0xbfffe, 0xbffff, 0xc0000,
                                  0xffffc, 0xffffd, 0xfffff, 0x100000, 0x8000};
    uint32_t a = at[rnd() % 12];
    switch (rnd() % 3) {
    case 0: PUT(p, 0x8a, (uint8_t)(0x05 | (d & 3) << 3)); break; /* mov r8, [abs] */
    case 1: PUT(p, 0x66, 0x8b, (uint8_t)(0x05 | d << 3)); break; /* mov r16, [abs] */
    default: PUT(p, 0x8b, (uint8_t)(0x05 | d << 3)); break;      /* mov r32, [abs] */
    }
    PUT(p, (uint8_t)a, (uint8_t)(a >> 8), (uint8_t)(a >> 16), 0);
    break;
  }
  case 26: /* 8-bit ALU with the high-byte registers too: r/m8, r8 or r8, r/m8 */
    PUT(p, (uint8_t)(op << 3 | (rnd() % 2 ? 0 : 2)), modrm_rr(r8any(), r8any()));
    break;
  case 27: /* MOV r8, imm8 / MOV r16, imm16 / TEST r8, r8 / MOV r8, r8 */
    switch (rnd() % 4) {
    case 0: PUT(p, (uint8_t)(0xb0 + r8any()), (uint8_t)val()); break;
    case 1: PUT(p, 0x66, (uint8_t)(0xb8 + d), (uint8_t)val(), (uint8_t)(val() >> 8)); break;
    case 2: PUT(p, 0x84, modrm_rr(r8any(), r8any())); break;
    default: PUT(p, (uint8_t)(rnd() % 2 ? 0x88 : 0x8a), modrm_rr(r8any(), r8any())); break;
    }
    break;
  case 28: /* shifts and rotates: 16-bit by imm8, by 1 (D1), 32-bit by 1 */
    switch (rnd() % 3) {
    case 0: PUT(p, 0x66, 0xc1, modrm_rr((uint8_t)(rnd() % 8), d), (uint8_t)(rnd() % 40)); break;
    case 1: PUT(p, 0x66, 0xd1, modrm_rr((uint8_t)(rnd() % 8), d)); break;
    default: PUT(p, 0xd1, modrm_rr((uint8_t)(rnd() % 8), d)); break;
    }
    break;
  case 29: /* SETcc into any 8-bit register; 8-bit ALU with an immediate */
    if (rnd() % 2)
      PUT(p, 0x0f, (uint8_t)(0x90 + rnd() % 16), modrm_rr(0, r8any()));
    else
      PUT(p, 0x80, modrm_rr(op, r8any()), (uint8_t)val());
    break;
  case 30: /* 8-bit loads, stores and ALU through memory with any 8-bit register */
    switch (rnd() % 3) {
    case 0: PUT(p, 0x88, (uint8_t)(0x46 | r8any() << 3), (uint8_t)(rnd() % 124)); break;
    case 1: PUT(p, 0x8a, (uint8_t)(0x46 | r8any() << 3), (uint8_t)(rnd() % 124)); break;
    default: PUT(p, (uint8_t)(op << 3 | (rnd() % 2 ? 0 : 2)), (uint8_t)(0x46 | r8any() << 3), (uint8_t)(rnd() % 124)); break;
    }
    break;
  case 23: /* mov r32, r32 */
    if (rnd() % 2)
      PUT(p, 0x89, modrm_rr(s, d));
    else
      PUT(p, 0x8b, modrm_rr(d, s));
    break;
  case 22: /* adc/sbb with a memory destination or source, 8 or 32 bits */
    PUT(p, (uint8_t)((rnd() % 2 ? 0x10 : 0x18) | (rnd() % 4)), (uint8_t)(0x46 | d << 3), (uint8_t)(rnd() % 120));
    break;
  case 21: /* inc/dec byte, word or dword [esi+d8] */
    if (rnd() % 3 == 0)
      PUT(p, 0x66);
    PUT(p, (uint8_t)(0xfe | (rnd() % 2)), (uint8_t)(0x46 | (rnd() % 2) << 3), (uint8_t)(rnd() % 120));
    break;
  default: /* ES has a 0x30000 limit: ES:[esi + big] faults now and then */
    if (rnd() % 8)
      PUT(p, 0x26, 0x8b, (uint8_t)(0x86 | d << 3), 0x00, 0x00, 0xfe, 0xff); /* es:[esi-20000h]: in bounds */
    else
      PUT(p, 0x26, 0x8b, (uint8_t)(0x86 | d << 3), 0x10, 0x00, 0x00, 0x00); /* es:[esi+10h]: #GP */
    break;
  }
}

static bool irq_mode; /* --irq */
static void gen_prog(Prog *p) {
  p->n = 0;
  PUT(p, 0xbf, 3, 0, 0, 0); /* mov edi, 3: loop count */
  uint32_t loop = p->n;
  int len = 8 + (int)(rnd() % 40);
  for (int i = 0; i < len; i++) {
    uint32_t r = rnd() % 16;
    if (r == 0) {
      /* forward Jcc over one instruction */
      Prog tmp = {.n = 0};
      gen_insn(&tmp);
      PUT(p, (uint8_t)(0x70 + rnd() % 16), (uint8_t)tmp.n);
      put(p, tmp.b, tmp.n);
    } else if (r == 1) {
      /* self-modifying: rewrite the imm8 of an ADD a few bytes ahead */
      uint32_t at = CODE + p->n + 7 + 2; /* after this 7-byte store, the 83 /0 ib's immediate */
      PUT(p, 0xc6, 0x05, (uint8_t)at, (uint8_t)(at >> 8), (uint8_t)(at >> 16), 0, (uint8_t)rnd());
      PUT(p, 0x83, modrm_rr(0, dreg()), 0x11);
    } else if (r == 2) {
      /* rewrite the subroutine's imm8 from this page, then call it */
      uint32_t at = SUB + 2;
      PUT(p, 0xc6, 0x05, (uint8_t)at, (uint8_t)(at >> 8), (uint8_t)(at >> 16), 0, (uint8_t)rnd());
      int32_t rel = (int32_t)SUB - (int32_t)(CODE + p->n + 5);
      PUT(p, 0xe8, (uint8_t)rel, (uint8_t)(rel >> 8), (uint8_t)(rel >> 16), (uint8_t)(rel >> 24));
    } else if (irq_mode && r == 3) {
      /* what changes when an interrupt may come: CLI, STI (its shadow),
       * POPF, POP SS (its shadow) */
      switch (rnd() % 4) {
      case 0: PUT(p, 0xfa); break;             /* cli */
      case 1: PUT(p, 0xfb); break;             /* sti */
      case 2: PUT(p, 0x9c, 0x9d); break;       /* pushfd; popfd */
      default: PUT(p, 0x16, 0x17); break;      /* push ss; pop ss */
      }
    } else {
      gen_insn(p);
    }
  }
  /* dec edi; jnz loop */
  PUT(p, 0x4f);
  int32_t rel = (int32_t)loop - (int32_t)(p->n + 6);
  PUT(p, 0x0f, 0x85, (uint8_t)rel, (uint8_t)(rel >> 8), (uint8_t)(rel >> 16), (uint8_t)(rel >> 24));
  PUT(p, 0xf4); /* hlt */
}

/* An MMIO region at 0xA0000-0xBFFFF (as VGA memory): reads give a pattern of the offset, writes are dropped.
 * (main also maps a ROM at 0xF0000-0xFFFFF.) */
static uint32_t mmio_read(void *opaque, uint32_t off, int size) {
  (void)opaque;
  uint32_t v = off * 0x9e3779b1u ^ 0xa5a5a5a5u;
  return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}
static void mmio_write(void *opaque, uint32_t off, int size, uint32_t v) { (void)opaque, (void)off, (void)size, (void)v; }

static void set_seg(Cpu *c, int s, uint16_t sel, uint16_t flags, uint32_t limit) {
  c->seg[s] = (SegCache){sel, flags, 0, limit};
}

/* RAM below the legacy hole (the rest of the 1 MiB is the test's MMIO and
 * ROM) zeroed through Mem, so that neither engine runs what it decoded from
 * an earlier program. */
static void clear_ram(Mem *m) {
  static const uint8_t zero[MEM_HOLE_LO];
  mem_write_bytes(m, 0, zero, MEM_HOLE_LO);
}

static void setup(Mem *m, Cpu *c, const Prog *p, uint64_t seed) {
  cpu_set_intr(c, false);
  c->inhibit_irq = false;
  clear_ram(m);
  cpu_reset(c);
  /* GDT: null, flat code, flat data; IDT: 32 interrupt gates to HLT. */
  uint8_t gdt[24] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0};
  mem_write_bytes(m, GDT, gdt, sizeof gdt);
  for (uint32_t v = 0; v < 32; v++) {
    uint8_t g[8] = {(uint8_t)HANDLER, (uint8_t)(HANDLER >> 8), 0x08, 0, 0, 0x8e, 0, 0};
    mem_write_bytes(m, IDT + v * 8, g, 8);
  }
  mem_write8(m, HANDLER, 0xf4);
  {
    /* inc dword [DATA+F0]; push eax; mov eax,[esp+4]; xor [DATA+F4],eax; rol dword [DATA+F4],7; pop eax; iret */
    const uint32_t cnt = DATA + 0xf0, h = DATA + 0xf4;
    const uint8_t irq[] = {0xff, 0x05, (uint8_t)cnt, (uint8_t)(cnt >> 8), (uint8_t)(cnt >> 16), 0,
                           0x50, 0x8b, 0x44, 0x24, 0x04,
                           0x31, 0x05, (uint8_t)h, (uint8_t)(h >> 8), (uint8_t)(h >> 16), 0,
                           0xc1, 0x05, (uint8_t)h, (uint8_t)(h >> 8), (uint8_t)(h >> 16), 0, 7,
                           0x58, 0xcf};
    mem_write_bytes(m, IRQ_HANDLER, irq, sizeof irq);
    uint8_t g[8] = {(uint8_t)IRQ_HANDLER, (uint8_t)(IRQ_HANDLER >> 8), 0x08, 0, 0, 0x8e, 0, 0};
    mem_write_bytes(m, IDT + IRQ_VEC * 8, g, 8);
  }
  mem_write_bytes(m, CODE, p->b, p->n);
  static const uint8_t sub[] = {0x83, 0xc0, 0x11, 0x31, 0xd9, 0xc3};
  mem_write_bytes(m, SUB, sub, sizeof sub);
  rng = seed * 0x2545f4914f6cdd1dull + 1;
  for (uint32_t i = 0; i < 256; i += 4)
    mem_write32(m, DATA + i, val());
  mem_write32(m, DATA + 0xf0, 0); /* --irq: the handler's count and EIP hash */
  mem_write32(m, DATA + 0xf4, 0);
  c->gdt_base = GDT;
  c->gdt_limit = 23;
  c->idt_base = IDT;
  c->idt_limit = (IRQ_VEC + 1) * 8 - 1;
  c->cr[0] = CR0_PE | CR0_ET;
  set_seg(c, S_CS, 0x08, 0xc09b, 0xffffffffu);
  set_seg(c, S_DS, 0x10, 0xc093, 0xffffffffu);
  set_seg(c, S_SS, 0x10, 0xc093, 0xffffffffu);
  set_seg(c, S_FS, 0x10, 0xc093, 0xffffffffu);
  set_seg(c, S_GS, 0x10, 0xc093, 0xffffffffu);
  set_seg(c, S_ES, 0x10, 0x4093, 0x2ffffu);
  c->cpl = 0;
  for (int i = 0; i < 8; i++)
    c->regs[i] = val();
  c->regs[R_ESP] = STACK;
  c->regs[R_ESI] = DATA;
  c->eflags = 0x2 | (rnd() & (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)) | (irq_mode ? F_IF : 0);
  c->cc_op = CC_EFLAGS;
  c->eip = CODE;
  c->halt_exits = true;
  cpu_update_mode(c);
  tlb_flush(c);
}

static const char *compare(Cpu *ci, Cpu *cj, Mem *mi, Mem *mj, CpuStop si, CpuStop sj) {
  if (si != sj)
    return "stop reason";
  if (memcmp(ci->regs, cj->regs, sizeof ci->regs))
    return "registers";
  if (ci->eip != cj->eip)
    return "EIP";
  if (cpu_get_flags(ci) != cpu_get_flags(cj))
    return "EFLAGS";
  if (ci->icount != cj->icount)
    return "instruction count";
  if (ci->cr[2] != cj->cr[2])
    return "CR2";
  if (memcmp(mi->ram, mj->ram, RAM))
    return "memory";
  return NULL;
}

/* --irq: the acknowledge answers IRQ_VEC and lowers INTR. */
static int irq_ack(void *opaque) {
  cpu_set_intr(opaque, false);
  return IRQ_VEC;
}

/* --irq: run in slices of 1..40 instructions, a quarter of 50..450 (the
 * same lengths under both engines), raising INTR at every slice end as the machine's timers do
 * between slices; the handler hashes the return EIPs into memory. */
static bool trace; /* JIT_RANDOM_TRACE */
static CpuStop run_sliced(Cpu *c, uint64_t seed) {
  uint64_t r = seed * 0xda942042e4dd58b5ull + 3;
  CpuStop st = CPU_STOP_BUDGET;
  for (int slice = 0; slice < 20000; slice++) {
    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    st = cpu_run(c, r % 4 ? 1 + (r >> 8) % 40 : 50 + (r >> 8) % 400); /* some long enough to chain */
    if (trace)
      fprintf(stderr, "%s slice %d: icount %llu eip %08x [%02x %02x] if %d inh %d cnt %u\n", c->jit ? "jit" : "int", slice,
              (unsigned long long)c->icount, c->eip, mem_read8(c->mem, c->eip - 2), mem_read8(c->mem, c->eip - 1), !!(c->eflags & F_IF), c->inhibit_irq, mem_read32(c->mem, DATA + 0xf0));
    if (st == CPU_STOP_BUDGET && c->halted)
      st = CPU_STOP_HLT; /* the program's HLT ended the slice: done (an interrupt would wake it) */
    if (st != CPU_STOP_BUDGET)
      break;
    cpu_set_intr(c, true);
  }
  return st;
}

/* Precise faults: inject #PF at every data access of each program. */
static int inject_test(int programs, uint64_t first, Mem *mi, Cpu *ci, Mem *mj, Cpu *cj) {
  static Prog p;
  int bad = 0;
  uint64_t points = 0;
  for (int i = 0; i < programs && bad < 5; i++) {
    uint64_t seed = first + (uint64_t)i;
    rng = seed * 0x9e3779b97f4a7c15ull + 7;
    gen_prog(&p);
    for (uint64_t n = 1;; n++) {
      setup(mi, ci, &p, seed);
      setup(mj, cj, &p, seed);
      ci->inject_pf = cj->inject_pf = n;
      CpuStop si = cpu_run(ci, 200000), sj = cpu_run(cj, 200000);
      bool fired = ci->inject_pf == 0;
      const char *diff = compare(ci, cj, mi, mj, si, sj);
      if (!diff && fired != (cj->inject_pf == 0))
        diff = "whether the fault happened";
      if (diff) {
        bad++;
        printf("jit_random --inject: seed %llu, fault at data access %llu: %s differ (interp eip=%08x "
               "icount=%llu cr2=%08x, jit eip=%08x icount=%llu cr2=%08x)\n",
               (unsigned long long)seed, (unsigned long long)n, diff, ci->eip, (unsigned long long)ci->icount,
               ci->cr[2], cj->eip, (unsigned long long)cj->icount, cj->cr[2]);
        break;
      }
      if (!fired)
        break;
      points++;
    }
  }
  ci->inject_pf = cj->inject_pf = 0;
  printf("jit_random --inject: %d programs, %llu injected page faults, %d differences\n", programs,
         (unsigned long long)points, bad);
  return bad || points == 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  bool inject = argc > 1 && strcmp(argv[1], "--inject") == 0;
  if (inject) {
    argv++;
    argc--;
  }
  trace = getenv("JIT_RANDOM_TRACE") != NULL;
  irq_mode = argc > 1 && strcmp(argv[1], "--irq") == 0;
  if (irq_mode) {
    argv++;
    argc--;
  }
  /* --cache MIB: a small translation-cache bound that must hold while new code keeps coming. */
  size_t cache = 0;
  if (argc > 2 && strcmp(argv[1], "--cache") == 0) {
    cache = (size_t)atoi(argv[2]) << 20;
    argv += 2;
    argc -= 2;
  }
  int programs = argc > 1 ? atoi(argv[1]) : 3000;
  uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
  if (!jit_supported()) {
    printf("jit_random: no JIT on this host\n");
    return 0;
  }
  Mem *mi = mem_create(RAM), *mj = mem_create(RAM);
  if (mi && mj) {
    mem_map_mmio(mi, 0xa0000, 0x20000, mmio_read, mmio_write, NULL, "pattern");
    mem_map_mmio(mj, 0xa0000, 0x20000, mmio_read, mmio_write, NULL, "pattern");
    static uint8_t rom[0x10000]; /* and a ROM at the top of the hole */
    for (uint32_t i = 0; i < sizeof rom; i++)
      rom[i] = (uint8_t)(i * 7 + 0x3c);
    mem_map_rom(mi, 0xf0000, rom, sizeof rom, "rom");
    mem_map_rom(mj, 0xf0000, rom, sizeof rom, "rom");
  }
  Cpu *ci = mi ? cpu_create(mi) : NULL, *cj = mj ? cpu_create(mj) : NULL;
  char err[256];
  JitOptions o = {.cache_bytes = cache};
  if (!ci || !cj || !jit_attach(cj, &o, err, sizeof err)) {
    fprintf(stderr, "jit_random: setup failed\n");
    return 2;
  }
  if (irq_mode)
    for (Cpu *c = ci; c; c = c == ci ? cj : NULL) {
      c->int_ack = irq_ack;
      c->io_opaque = c;
    }
  static Prog p;
  int bad = 0, faults = 0, smc = 0, irqs = 0;
  if (inject)
    bad = inject_test(programs, first, mi, ci, mj, cj);
  int ran = 0, ran_off = 0;
  for (int i = 0; i < programs && bad < 5 && !inject; i++, ran++) {
    uint64_t seed = first + (uint64_t)i;
    rng = seed * 0x9e3779b97f4a7c15ull + 7;
    gen_prog(&p);
    setup(mi, ci, &p, seed);
    setup(mj, cj, &p, seed);
    CpuStop si = irq_mode ? run_sliced(ci, seed) : cpu_run(ci, 200000);
    CpuStop sj = irq_mode ? run_sliced(cj, seed) : cpu_run(cj, 200000);
    const char *diff = compare(ci, cj, mi, mj, si, sj);
    faults += ci->eip == HANDLER + 1;
    irqs += (int)mem_read32(mi, DATA + 0xf0);
    if (diff) {
      bad++;
      printf("jit_random: seed %llu: %s differ (interp eip=%08x icount=%llu, jit eip=%08x icount=%llu)\n",
             (unsigned long long)seed, diff, ci->eip, (unsigned long long)ci->icount, cj->eip,
             (unsigned long long)cj->icount);
      for (int r = 0; r < 8; r++)
        printf("  r%d %08x %08x\n", r, ci->regs[r], cj->regs[r]);
      printf("  eflags %08x %08x\n", cpu_get_flags(ci), cpu_get_flags(cj));
      for (uint32_t a = 0, shown = 0; a < RAM && shown < 4; a++)
        if (mi->ram[a] != mj->ram[a]) {
          printf("  memory %05x: %02x %02x\n", a, mi->ram[a], mj->ram[a]);
          shown++;
        }
    }
    smc += memcmp(mi->ram + CODE, p.b, p.n) != 0;
    JitStats cs;
    jit_get_stats(cj, &cs);
    if (cs.code_bytes + cs.record_bytes > cs.bound) {
      printf("jit_random: seed %llu: cache holds %llu bytes, over its bound %llu\n", (unsigned long long)seed,
             (unsigned long long)(cs.code_bytes + cs.record_bytes), (unsigned long long)cs.bound);
      bad++;
    }
    /* (With interrupts a program may still run off into memory, then
     * triple-fault or loop, as it does under both engines: compare()
     * checked that.) */
    if (irq_mode && si != CPU_STOP_HLT)
      ran_off++;
    else if (si != CPU_STOP_HLT) {
      printf("jit_random: seed %llu: did not end in HLT (stop %d)\n", (unsigned long long)seed, (int)si);
      bad++;
    }
  }
  JitStats st;
  jit_get_stats(cj, &st);
  if (!inject)
    printf("jit_random%s: %d programs, %d differences; %d ended in an exception handler, %d rewrote their code; "
         "%llu translations, %llu stale, %llu cache flushes (bound %llu MiB)\n",
         irq_mode ? " --irq" : "", ran, bad, faults, smc, (unsigned long long)st.blocks,
         (unsigned long long)st.stale, (unsigned long long)st.flushes, (unsigned long long)(st.bound >> 20));
  if (irq_mode) {
    printf("jit_random --irq: %d interrupts taken; %d programs ran off their code (equally)\n", irqs, ran_off);
    if (!irqs)
      bad++;
  }
  if (!inject && cache && !st.flushes) {
    printf("jit_random: the cache bound was never reached: the test proves nothing\n");
    bad++;
  }
  jit_detach(cj);
  interp_free(ci);
  interp_free(cj);
  cpu_destroy(ci);
  cpu_destroy(cj);
  mem_destroy(mi);
  mem_destroy(mj);
  return bad ? 1 : (!inject && (faults == 0 || smc == 0)) ? 1 : 0;
}
