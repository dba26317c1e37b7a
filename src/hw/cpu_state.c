/*
 * cpu_state.c — the save table of the CPU (struct Cpu, src/cpu/cpu.h) for
 * machine snapshots (savestate.h): the architectural registers, segment
 * caches, descriptor tables, control and debug registers, the MSRs the CPU
 * keeps, the x87/MMX state and the execution state that must survive a
 * save (instruction count, HLT, pending NMI, the one-instruction interrupt
 * shadow).  Struct Cpu is laid out for the interpreter and the JIT rather
 * than declared with a SAVE_DECLARE X-macro, so its table is written out
 * here, with offsets and sizes taken from the struct itself; the layout
 * hash in every snapshot catches a table changed without a version bump.
 * Rebuilt on load: mode (saved, but recomputed by cpu_update_mode), the
 * armed-breakpoint cache (cpu_dr_update, from DR7 and CR4), the TLB, decoded and translated code, the interrupt line (from the PIC).
 * The CPU model (cpu->model) is not in this table: the machine records it
 * in its own "cpumodel" chunk (pc.c) and restores only into a CPU of the
 * same model.
 * Versions: 1 first; 2 cc_op encoding kind << 2 | size; 3 tsc_offset on
 * virtual time (the TSC counted instructions before).
 * A snapshot is untrusted input (savestate.h): the entries bound what the
 * engines index or trust (cc_op, CPL, descriptor-table limits, the bits of
 * EFLAGS, the FPU control word, MXCSR and FOP), and cpu_valid() checks the
 * fields that depend on each other, before anything is loaded.
 */
#include "cpu_state.h"

#include <stddef.h>

/* Bits the CPU can hold (what its writers keep): anything else in a
 * snapshot would be state no instruction can produce. */
#define EFLAGS_BITS (F_ARITH | 0x2u | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF | F_VM | F_AC | \
                     F_VIF | F_VIP | F_ID)
#define CR0_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                  CR0_NW | CR0_CD | CR0_PG)
#define CR4_BITS (CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSFXSR | 0x400u)
#define MODE_BITS (CPU_MODE_PE | CPU_MODE_VM86 | CPU_MODE_CS32 | CPU_MODE_SS32 | CPU_MODE_PG | \
                   CPU_MODE_CPL3)

/* A segment cache as descriptor loads leave it: a page-granular limit has
 * its low 12 bits set, and LDTR/TR (checked by the CPU's invariant) hold
 * system descriptors. */
static int seg_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const SegCache *s = saved;
  (void)live;
  if ((s->flags & SF_G) && (s->limit & 0xfff) != 0xfff)
    return save_reject_field(r, chunk, "limit", s->limit, "is not page-granular (G set)");
  return 0;
}

static const SaveTable *seg_table(void) {
  static const SaveField f[] = {SAVE_FIELD(SegCache, sel) SAVE_FIELD(SegCache, flags)
                                SAVE_FIELD(SegCache, base) SAVE_FIELD(SegCache, limit)};
  static const SaveTable t = {"SegCache", 1, f, sizeof(f) / sizeof(f[0]), sizeof(SegCache),
                              seg_valid};
  return &t;
}
static const SaveTable *f80_table(void) {
  static const SaveField f[] = {SAVE_FIELD(Float80, mant) SAVE_FIELD(Float80, sexp)};
  static const SaveTable t = {"Float80", 1, f, sizeof(f) / sizeof(f[0]), sizeof(Float80), NULL};
  return &t;
}
/* TOP (SW bits 11-13) and the tags (2 bits each) take any value; the
 * control word and MXCSR hold what FLDCW / FXRSTOR keep, FOP 11 bits. */
static const SaveTable *fpu_table(void) {
  static const SaveField f[] = {
    SAVE_NESTED(FpuState, st, 8, f80_table) SAVE_FIELD_MASK(FpuState, cw, 0x1f7f)
    SAVE_FIELD(FpuState, sw) SAVE_FIELD(FpuState, tw) SAVE_FIELD_MASK(FpuState, fop, 0x7ff)
    SAVE_FIELD(FpuState, fip) SAVE_FIELD(FpuState, fdp) SAVE_FIELD(FpuState, fcs)
    SAVE_FIELD(FpuState, fds) SAVE_FIELD_MASK(FpuState, mxcsr, 0xffbf)
    {"xmm", offsetof(FpuState, xmm), 1, 128, NULL, false, false, 0, 0, 0},
  };
  static const SaveTable t = {"FpuState", 1, f, sizeof(f) / sizeof(f[0]), sizeof(FpuState), NULL};
  return &t;
}

/* Fields that depend on each other or on the mode: the lazy-flags record
 * is one the flag evaluators handle (operand size 8/16/32, a shift count of
 * 1-31), the control registers hold what MOV CRn accepts, CPL is 0 outside
 * protected mode and 3 in virtual-8086 mode, LDTR and TR hold system
 * descriptors. */
static int cpu_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Cpu *c = saved;
  (void)live;
  uint32_t op = c->cc_op;
  if (op != CC_EFLAGS && (op < CC_ADD8 || CC_SIZE(op) > 2))
    return save_reject_field(r, chunk, "cc_op", op, "is not a lazy-flags operation");
  if (op >= CC_SHL8 && (c->cc_src < 1 || c->cc_src > 31))
    return save_reject_field(r, chunk, "cc_src", c->cc_src, "is not a shift count (1-31)");
  uint32_t cr0 = c->cr[0];
  if (cr0 & ~CR0_BITS)
    return save_reject_field(r, chunk, "cr[0]", cr0, "has bits outside %#x", CR0_BITS);
  if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
    return save_reject_field(r, chunk, "cr[0]", cr0, "has PG without PE");
  if ((cr0 & CR0_NW) && !(cr0 & CR0_CD))
    return save_reject_field(r, chunk, "cr[0]", cr0, "has NW without CD");
  if (c->cr[1])
    return save_reject_field(r, chunk, "cr[1]", c->cr[1], "(reserved) is not 0");
  if (c->cr[3] & ~0xfffff018u)
    return save_reject_field(r, chunk, "cr[3]", c->cr[3], "has bits outside 0xfffff018");
  if (c->cr[4] & ~CR4_BITS)
    return save_reject_field(r, chunk, "cr[4]", c->cr[4], "has bits outside %#x", CR4_BITS);
  if (!(cr0 & CR0_PE) && c->cpl != 0)
    return save_reject_field(r, chunk, "cpl", c->cpl, "outside protected mode");
  if ((cr0 & CR0_PE) && (c->eflags & F_VM) && c->cpl != 3)
    return save_reject_field(r, chunk, "cpl", c->cpl, "in virtual-8086 mode");
  for (int i = S_LDTR; i <= S_TR; i++)
    if ((c->seg[i].flags & SF_P) && (c->seg[i].flags & SF_S))
      return save_reject_field(r, chunk, i == S_LDTR ? "seg[6].flags" : "seg[7].flags",
                               c->seg[i].flags, "is not a system descriptor");
  return 0;
}

const SaveTable *cpu_save_table(void) {
  static const SaveField f[] = {
    SAVE_ARRAY(Cpu, regs, 8) SAVE_FIELD(Cpu, eip) SAVE_FIELD_MASK(Cpu, eflags, EFLAGS_BITS)
    SAVE_FIELD_RANGE(Cpu, cc_op, CC_EFLAGS, CC_COUNT - 1) SAVE_FIELD(Cpu, cc_src)
    SAVE_FIELD(Cpu, cc_dst) SAVE_FIELD(Cpu, cc_res) SAVE_NESTED(Cpu, seg, S_COUNT, seg_table)
    SAVE_FIELD(Cpu, gdt_base) SAVE_FIELD_RANGE(Cpu, gdt_limit, 0, 0xffff)
    SAVE_FIELD(Cpu, idt_base) SAVE_FIELD_RANGE(Cpu, idt_limit, 0, 0xffff)
    SAVE_ARRAY(Cpu, cr, 5) SAVE_ARRAY(Cpu, dr, 8) SAVE_FIELD_RANGE(Cpu, cpl, 0, 3)
    SAVE_FIELD_MASK(Cpu, mode, MODE_BITS) /* recomputed on load, but kept to its bits */
    SAVE_FIELD_RANGE(Cpu, tsc_offset, 0, UINT64_MAX) /* any: an offset */
    SAVE_FIELD(Cpu, sysenter_cs) SAVE_FIELD(Cpu, sysenter_esp) SAVE_FIELD(Cpu, sysenter_eip)
    SAVE_FIELD(Cpu, apic_base) SAVE_FIELD(Cpu, mtrr_def_type)
    SAVE_NESTED(Cpu, fpu, 1, fpu_table)
    SAVE_FIELD_RANGE(Cpu, icount, 0, UINT64_MAX) /* any: a counter */
    SAVE_FIELD(Cpu, halted) SAVE_FIELD(Cpu, nmi) SAVE_FIELD(Cpu, inhibit_irq)
  };
  static const SaveTable t = {"Cpu", CPU_SAVE_VERSION, f, sizeof(f) / sizeof(f[0]), sizeof(Cpu),
                              cpu_valid};
  return &t;
}
