/*
 * cpu.c — CPU lifecycle, lazy flags, exceptions and interrupt delivery,
 * segment register loading (real, v86 and protected mode).
 *
 * Far control transfers across privilege levels, gates and the hardware task
 * switch live in pmode.c; linear memory and paging in mmu.c.
 */
#include "cpu.h"
#include "log.h"

#include "exec.h"
#include "pmode.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields the JIT reaches by fixed offset. */
_Static_assert(offsetof(Cpu, regs) == 0, "regs at offset 0");
_Static_assert(offsetof(Cpu, eip) == 32, "eip offset");
_Static_assert(offsetof(Cpu, eflags) == 36, "eflags offset");
_Static_assert(offsetof(Cpu, cc_op) == 40, "cc_op offset");

const uint8_t parity_table[256] = {
#define P2(n) n, n ^ 4, n ^ 4, n
#define P4(n) P2(n), P2(n ^ 4), P2(n ^ 4), P2(n)
#define P6(n) P4(n), P4(n ^ 4), P4(n ^ 4), P4(n)
    P6(4), P6(0), P6(0), P6(4)
#undef P2
#undef P4
#undef P6
};

/* Mem's hook for a changed physical map (a region mapped, moved or switched,
 * A20): no TLB entry may keep a host pointer or an MMIO decision made under
 * the old map (the flush's new epoch also empties the JIT's jump cache), and
 * translated code goes back to the dispatch loop at its next exit, where the
 * JIT's key sees the map again (JIT_MODE_RAMWIN) before any chained block
 * that assumed the old one runs.  Decoded code is Mem's business
 * (drop_code: page generations and code_write_hook). */
static void cpu_map_changed(void *opaque) {
  Cpu *cpu = opaque;
  tlb_flush(cpu);
  cpu->jit_limit = 0;
}

Cpu *cpu_create(Mem *mem) {
  size_t tlb_bytes = (size_t)TLB_SIZE * sizeof(TlbEntry);
  uint8_t *block = aligned_alloc(64, tlb_bytes + ((sizeof(Cpu) + 63) & ~(size_t)63));
  if (!block)
    return NULL;
  memset(block, 0, tlb_bytes);
  Cpu *cpu = (Cpu *)(block + tlb_bytes);
  memset(cpu, 0, sizeof(*cpu));
  cpu->tlb = (TlbEntry *)block;
  cpu->tlb_nlog = TLB_LOG + 1; /* nothing is known of the entries yet: the first flush kills all */
  cpu->mem = mem;
  if (!mem->map_changed_hook) {
    mem->map_changed_hook = cpu_map_changed;
    mem->map_changed_opaque = cpu;
  }
  cpu_reset(cpu);
  return cpu;
}

static const char *const model_names[CPU_MODEL_COUNT] = {"i686", "286"};

const char *cpu_model_name(CpuModel m) { return (unsigned)m < CPU_MODEL_COUNT ? model_names[m] : "?"; }

int cpu_model_parse(const char *name) {
  for (int i = 0; i < CPU_MODEL_COUNT; i++)
    if (strcmp(name, model_names[i]) == 0)
      return i;
  return -1;
}

void cpu_set_model(Cpu *cpu, CpuModel m) {
  cpu->model = (uint32_t)m;
  cpu_reset(cpu);
}

void cpu_destroy(Cpu *cpu) {
  if (!cpu)
    return;
  if (cpu->mem && cpu->mem->map_changed_opaque == cpu) {
    cpu->mem->map_changed_hook = NULL;
    cpu->mem->map_changed_opaque = NULL;
  }
  free(cpu->icache); /* the interpreter's decoded-instruction cache: plain memory */
  free(cpu->tlb);     /* the allocation that holds the TLB and the Cpu */
}

__attribute__((weak)) void fpu_reset(FpuState *f) {
  memset(f, 0, sizeof(*f));
  f->cw = 0x037f;
  f->tw = 0xffff;
}

static void seg_set_real(SegCache *s, uint16_t sel) {
  s->sel = sel;
  s->base = (uint32_t)sel << 4;
}

void cpu_reset(Cpu *cpu) {
  memset(cpu->regs, 0, sizeof(cpu->regs));
  if (!cpu_is_286(cpu))
    cpu->regs[R_EDX] = 0x00000663; /* family 6, model 6, stepping 3 (the 286 leaves DX 0) */
  cpu->eip = 0xfff0;
  cpu->next_eip = cpu->eip;
  cpu->rep_pending = false;
  cpu->eflags = 0x00000002;
  cpu->cc_op = CC_EFLAGS;
  for (int i = 0; i < S_COUNT; i++) {
    cpu->seg[i] = (SegCache){.sel = 0, .base = 0, .limit = 0xffff,
                             .flags = SF_P | SF_S | SF_RW | SF_ACCESSED};
  }
  cpu->seg[S_CS].sel = 0xf000;
  cpu->seg[S_CS].base = 0xffff0000u;
  cpu->seg[S_LDTR].flags = SF_P | 2;     /* LDT type */
  cpu->seg[S_TR].flags = SF_P | 0xb;     /* busy 32-bit TSS */
  cpu->gdt_base = cpu->idt_base = 0;
  cpu->gdt_limit = cpu->idt_limit = 0xffff;
  memset(cpu->cr, 0, sizeof(cpu->cr));
  cpu->cr[0] = CR0_ET | CR0_CD | CR0_NW;
  memset(cpu->dr, 0, sizeof(cpu->dr));
  cpu->dr[6] = 0xffff0ff0u;
  cpu->dr[7] = 0x00000400u;
  cpu->dr_hit = 0;
  cpu_dr_update(cpu);
  cpu->cpl = 0;
  cpu_set_tsc(cpu, 0);
  cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
  /* With an APIC: enabled (bit 11), bootstrap processor (bit 8). */
  cpu->apic_base = 0xfee00000ull | (cpu->has_apic ? 0x900u : 0);
  cpu->mtrr_def_type = 0;
  fpu_reset(&cpu->fpu);
  cpu->halted = false;
  cpu->intr = cpu->nmi = cpu->inhibit_irq = cpu->nmi_blocked = false;
  cpu->stop = CPU_STOP_NONE;
  cpu->exc_depth = 0;
  cpu->cur_exc = -1;
  cpu_update_mode(cpu);
  tlb_flush(cpu);
}

/* Ticks of virtual time at CPU_TSC_HZ (without the offset). */
static uint64_t tsc_ticks(const Cpu *cpu) {
  uint64_t ns = cpu->time_ns ? cpu->time_ns(cpu->time_opaque) : cpu->icount;
  return (uint64_t)(((unsigned __int128)ns * CPU_TSC_HZ) / 1000000000u);
}

uint64_t cpu_tsc(const Cpu *cpu) { return tsc_ticks(cpu) + cpu->tsc_offset; }

void cpu_set_tsc(Cpu *cpu, uint64_t value) { cpu->tsc_offset = value - tsc_ticks(cpu); }

void cpu_update_mode(Cpu *cpu) {
  uint32_t m = 0;
  if (cpu->cr[0] & CR0_PE) {
    m |= CPU_MODE_PE;
    if (cpu->eflags & F_VM)
      m |= CPU_MODE_VM86;
  }
  if (cpu->cr[0] & CR0_PG)
    m |= CPU_MODE_PG;
  if ((m & CPU_MODE_PE) && !(m & CPU_MODE_VM86)) {
    if (cpu->seg[S_CS].flags & SF_DB)
      m |= CPU_MODE_CS32;
    if (cpu->seg[S_SS].flags & SF_DB)
      m |= CPU_MODE_SS32;
  }
  if (cpu->cpl == 3)
    m |= CPU_MODE_CPL3;
  uint32_t old = cpu->mode;
  cpu->mode = m;
  /* The debugger's mode-change breakpoints (real/protected/paging/v86). */
  if (DBG_HOOKS && cpu->dbg_event && ((old ^ m) & (CPU_MODE_PE | CPU_MODE_PG | CPU_MODE_VM86)))
    cpu->dbg_event(cpu, CPU_DBG_MODE, old, m);
}

/* ---- lazy flags ---- */

/* CF of a lazy shift (kinds SHL, SHR, SAR): the last bit shifted out. */
static uint32_t shift_cf(unsigned kind, uint32_t d, uint32_t cnt, unsigned sz) {
  unsigned bits = 8u << sz;
  uint32_t sign = 1u << (bits - 1);
  if (kind == CC_KIND(CC_SHL8))
    return cnt <= bits ? (d >> (bits - cnt)) & 1 : 0;
  if (kind == CC_KIND(CC_SHR8))
    return (d >> (cnt - 1)) & 1;
  if (cnt >= bits) /* SAR: the sign fills everything */
    return (d & sign) ? 1 : 0;
  int32_t sd = sz == 0 ? (int8_t)d : sz == 1 ? (int16_t)d : (int32_t)d;
  return (uint32_t)(sd >> (cnt - 1)) & 1;
}

static uint32_t szp(uint32_t res, uint32_t sign) {
  uint32_t f = parity_table[res & 0xff];
  if ((res & (sign | (sign - 1))) == 0)
    f |= F_ZF;
  if (res & sign)
    f |= F_SF;
  return f;
}

uint32_t cpu_get_flags(Cpu *c) {
  uint32_t op = c->cc_op;
  if (op == CC_EFLAGS)
    return c->eflags;
  uint32_t d = c->cc_dst, s = c->cc_src, r = c->cc_res;
  unsigned sz = CC_SIZE(op); /* 0: 8, 1: 16, 2: 32 */
  uint32_t sign = sz == 0 ? 0x80u : sz == 1 ? 0x8000u : 0x80000000u;
  uint32_t mask = sign | (sign - 1);
  uint32_t f = szp(r, sign);
  switch (CC_KIND(op)) {
  case 0: /* ADD */
    if ((r & mask) < (d & mask))
      f |= F_CF;
    f |= (d ^ s ^ r) & F_AF;
    if ((d ^ r) & (s ^ r) & sign)
      f |= F_OF;
    break;
  case 1: { /* ADC */
    uint32_t cin = (r - d - s) & 1;
    if (cin ? (r & mask) <= (d & mask) : (r & mask) < (d & mask))
      f |= F_CF;
    f |= (d ^ s ^ r) & F_AF;
    if ((d ^ r) & (s ^ r) & sign)
      f |= F_OF;
    break;
  }
  case 2: /* SUB */
    if ((d & mask) < (s & mask))
      f |= F_CF;
    f |= (d ^ s ^ r) & F_AF;
    if ((d ^ s) & (d ^ r) & sign)
      f |= F_OF;
    break;
  case 3: { /* SBB */
    uint32_t cin = (d - s - r) & 1;
    if (cin ? (d & mask) <= (s & mask) : (d & mask) < (s & mask))
      f |= F_CF;
    f |= (d ^ s ^ r) & F_AF;
    if ((d ^ s) & (d ^ r) & sign)
      f |= F_OF;
    break;
  }
  case 4: /* LOGIC */
    break;
  case 5: /* INC: the CF it preserves is kept in cc_src */
    f |= s & F_CF;
    f |= (d ^ 1 ^ r) & F_AF;
    if ((r & mask) == sign)
      f |= F_OF;
    break;
  case 6: /* DEC */
    f |= s & F_CF;
    f |= (d ^ 1 ^ r) & F_AF;
    if ((r & mask) == sign - 1)
      f |= F_OF;
    break;
  case 7: case 8: case 9: { /* SHL, SHR, SAR: AF set */
    uint32_t cf = shift_cf(CC_KIND(op), d, s, sz);
    f |= cf | F_AF;
    if (CC_KIND(op) == 7 ? (((r & sign) ? 1u : 0u) ^ cf) : CC_KIND(op) == 8 && s == 1 && (d & sign))
      f |= F_OF; /* SHL: MSB ^ CF; SHR: the operand's sign for a 1-bit shift (else 0); SAR: 0 */
    break;
  }
  }
  return (c->eflags & ~F_ARITH) | f;
}

uint32_t cpu_get_cf(const Cpu *c) {
  uint32_t op = c->cc_op;
  if (op == CC_EFLAGS)
    return c->eflags & F_CF;
  uint32_t d = c->cc_dst, s = c->cc_src, r = c->cc_res;
  unsigned sz = CC_SIZE(op);
  uint32_t mask = sz == 0 ? 0xffu : sz == 1 ? 0xffffu : 0xffffffffu;
  switch (CC_KIND(op)) {
  case 0: return (r & mask) < (d & mask);
  case 1: return ((r - d - s) & 1) ? (r & mask) <= (d & mask) : (r & mask) < (d & mask);
  case 2: return (d & mask) < (s & mask);
  case 3: return ((d - s - r) & 1) ? (d & mask) <= (s & mask) : (d & mask) < (s & mask);
  case 4: return 0;
  case 5: case 6: return s & F_CF; /* INC/DEC */
  default: return shift_cf(CC_KIND(op), d, s, sz);
  }
}

void cpu_set_flags(Cpu *c, uint32_t value, uint32_t mask) {
  flags_sync(c);
  c->eflags = (c->eflags & ~mask) | (value & mask);
  c->eflags |= 2;
  c->eflags &= ~0xffc08028u; /* reserved zero bits (and VIF/VIP/ID handled by callers) */
}

bool cpu_cond(Cpu *c, unsigned cc) {
  /* One inlined evaluation per condition, so each only computes its flags. */
  switch (cc & 15) {
#define COND_CASE(n) case n: return cond_eval(c, n);
  COND_CASE(0) COND_CASE(1) COND_CASE(2) COND_CASE(3) COND_CASE(4) COND_CASE(5) COND_CASE(6)
  COND_CASE(7) COND_CASE(8) COND_CASE(9) COND_CASE(10) COND_CASE(11) COND_CASE(12)
  COND_CASE(13) COND_CASE(14) default: return cond_eval(c, 15);
#undef COND_CASE
  }
}

/* ---- exceptions ---- */

void cpu_log_once(unsigned cat, const char *what, unsigned key) {
  if (!log_enabled(cat))
    return;
  static struct { const char *what; unsigned key; } seen[256];
  static int nseen;
  for (int i = 0; i < nseen; i++)
    if (seen[i].what == what && seen[i].key == key)
      return;
  if (nseen < 256) {
    seen[nseen].what = what;
    seen[nseen].key = key;
    nseen++;
  }
  x86_log(cat, "%s [%#x]", what, key);
}

_Noreturn void cpu_raise(Cpu *cpu, int vector, uint32_t error_code) {
  cpu->raised_vec = vector;
  cpu->raised_err = error_code;
  if (!cpu->jmp) {
    fprintf(stderr, "x86vm: internal error: exception %d outside the dispatch loop\n", vector);
    abort();
  }
  longjmp(*cpu->jmp, 1);
}

_Noreturn void seg_fault(Cpu *c, int seg) {
  /* The 286 in real mode raises #GP (13) for a stack-segment limit violation too. */
  bool ss = seg == S_SS && !(cpu_is_286(c) && !(c->mode & CPU_MODE_PE));
  c->fault_reason = "segment limit or access rights"; /* for the debugger */
  cpu_raise(c, ss ? EXC_SS : EXC_GP, 0);
}

static bool exc_contributory(int v) {
  return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

/* Vectors whose exceptions push an error code in protected mode. */
static bool exc_has_error(int v) {
  return v == EXC_DF || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP ||
         v == EXC_PF || v == EXC_AC;
}

/*
 * Called by the dispatch loop when cpu_raise() unwound to it.  Delivers the
 * exception (or escalates to #DF / triple fault when it happened while
 * delivering another).  Returns false on triple fault.
 */
bool cpu_handle_exception(Cpu *cpu) {
  int vec = cpu->raised_vec;
  uint32_t err = cpu->raised_err;
  if (cpu->cur_exc >= 0) {
    int first = cpu->cur_exc;
    if (first == EXC_DF) {
      cpu->cur_exc = -1;
      cpu->stop = CPU_STOP_TRIPLE;
      return false;
    }
    if ((exc_contributory(first) && exc_contributory(vec)) ||
        (first == EXC_PF && (exc_contributory(vec) || vec == EXC_PF))) {
      vec = EXC_DF;
      err = 0;
    }
  }
  if (!(cpu->mode & CPU_MODE_PE) || !exc_has_error(vec))
    err = ERR_NONE;
  else if (err == ERR_NONE)
    err = 0;
  /* Every exception raised here but #DB is a fault: its frame has RF = 1
   * (SDM 17.3.1.1), so that the restarted instruction does not fire its
   * instruction breakpoint again.  A #DB raised here is an instruction
   * breakpoint (pushes RF as it is: 0), the task switch T-bit trap (as it
   * is) or general detect (which sets RF itself). */
  if (vec != EXC_DB && !cpu_is_286(cpu))
    cpu->eflags |= F_RF;
  /* Breakpoints the faulting instruction matched: it did not complete. */
  cpu->dr_hit = 0;
  cpu->cur_exc = vec;
  cpu->halted = false;
  cpu_deliver_interrupt(cpu, vec, false, err, cpu->eip);
  if (vec == EXC_DB) {
    cpu->dr[7] &= ~DR7_GD; /* cleared on entry to the #DB handler */
    cpu->dr_hit = 0;       /* the #DB's own frame traps no more */
  }
  cpu->cur_exc = -1;
  if (cpu->exc_delivered)
    cpu->exc_delivered(cpu, vec, err);
  return true;
}

/* ---- interrupt delivery ---- */

static void deliver_real(Cpu *cpu, int vec, uint32_t return_eip) {
  uint32_t ent = (uint32_t)vec * 4;
  if (ent + 3 > cpu->idt_limit)
    cpu_raise(cpu, vec == EXC_DF ? EXC_DF : EXC_GP, 0);
  uint16_t ip = lin_read16_sys(cpu, cpu->idt_base + ent);
  uint16_t cs = lin_read16_sys(cpu, cpu->idt_base + ent + 2);
  uint32_t fl = cpu_get_flags(cpu);
  /* Push with checks done by the pushes themselves (SP wraps at 64 KiB). */
  uint32_t sp = get_sp(cpu);
  uint32_t m = sp_mask(cpu);
  vwrite16(cpu, S_SS, (sp - 2) & m, (uint16_t)fl);
  vwrite16(cpu, S_SS, (sp - 4) & m, cpu->seg[S_CS].sel);
  vwrite16(cpu, S_SS, (sp - 6) & m, (uint16_t)return_eip);
  set_sp(cpu, sp - 6);
  cpu->eflags = fl & ~(F_IF | F_TF | F_AC | F_RF);
  cpu->cc_op = CC_EFLAGS;
  cpu_load_seg_real(cpu, S_CS, cs);
  cpu->eip = cpu->next_eip = ip;
}

void cpu_deliver_interrupt(Cpu *cpu, int vector, bool software, uint32_t error_code,
                           uint32_t return_eip) {
  if (DBG_HOOKS && cpu->dbg_event) { /* the debugger's interrupt/exception breakpoints and explanations */
    uint32_t kind = software ? CPU_DBG_INT_SOFTWARE
                    : cpu->cur_exc == vector ? CPU_DBG_INT_EXCEPTION : CPU_DBG_INT_EXTERNAL;
    cpu->dbg_event(cpu, CPU_DBG_INT, (uint32_t)vector | kind << 8, error_code);
  }
  if (!(cpu->mode & CPU_MODE_PE))
    deliver_real(cpu, vector, return_eip);
  else
    pmode_deliver_interrupt(cpu, vector, software, error_code, return_eip);
}

/* ---- segment loading ---- */

void cpu_load_seg_real(Cpu *cpu, int seg, uint16_t sel) {
  SegCache *s = &cpu->seg[seg];
  seg_set_real(s, sel);
  if (cpu->mode & CPU_MODE_VM86) {
    /* v86: full reload of the cache (64 KiB, writable data, DPL 3). */
    s->limit = 0xffff;
    s->flags = SF_P | SF_S | SF_RW | SF_ACCESSED | (3 << 5) | (seg == S_CS ? SF_CODE : 0);
  } else if (seg == S_CS) {
    /* Real mode: CS becomes a 16-bit segment that, as every real-mode
     * segment, can be read and written; its limit is kept. */
    s->flags = (uint16_t)((s->flags & ~(SF_DB | SF_DC | SF_CODE)) | SF_RW | SF_P | SF_S);
  } else {
    /* Data segments keep their hidden limit ("unreal mode") but must stay usable. */
    s->flags = (uint16_t)((s->flags & ~(SF_CODE | SF_DC)) | SF_P | SF_S | SF_RW);
  }
  if (seg == S_CS || seg == S_SS)
    cpu_update_mode(cpu);
}

void cpu_load_seg(Cpu *cpu, int seg, uint16_t sel) {
  if (!cpu_pmode(cpu)) {
    cpu_load_seg_real(cpu, seg, sel);
    return;
  }
  pmode_load_data_seg(cpu, seg, sel);
}
