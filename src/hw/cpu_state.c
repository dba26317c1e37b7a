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
 */
#include "cpu_state.h"

#include <stddef.h>

#define CF(T, f) {#f, offsetof(T, f), sizeof(((T *)0)->f), 1, NULL},
#define CA(T, f, n) {#f, offsetof(T, f), sizeof(((T *)0)->f[0]), (n), NULL},
#define CS(T, f, n, fn) {#f, offsetof(T, f), sizeof(((T *)0)->f[0]), (n), fn},

static const SaveTable *seg_table(void) {
  static const SaveField f[] = {CF(SegCache, sel) CF(SegCache, flags) CF(SegCache, base) CF(SegCache, limit)};
  static const SaveTable t = {"SegCache", 1, f, sizeof(f) / sizeof(f[0]), sizeof(SegCache)};
  return &t;
}
static const SaveTable *f80_table(void) {
  static const SaveField f[] = {CF(Float80, mant) CF(Float80, sexp)};
  static const SaveTable t = {"Float80", 1, f, sizeof(f) / sizeof(f[0]), sizeof(Float80)};
  return &t;
}
static const SaveTable *fpu_table(void) {
  static const SaveField f[] = {
    CS(FpuState, st, 8, f80_table) CF(FpuState, cw) CF(FpuState, sw) CF(FpuState, tw)
    CF(FpuState, fop) CF(FpuState, fip) CF(FpuState, fdp) CF(FpuState, fcs) CF(FpuState, fds)
    CF(FpuState, mxcsr) {"xmm", offsetof(FpuState, xmm), 1, 128, NULL},
  };
  static const SaveTable t = {"FpuState", 1, f, sizeof(f) / sizeof(f[0]), sizeof(FpuState)};
  return &t;
}
const SaveTable *cpu_save_table(void) {
  static const SaveField f[] = {
    CA(Cpu, regs, 8) CF(Cpu, eip) CF(Cpu, eflags) CF(Cpu, cc_op) CF(Cpu, cc_src) CF(Cpu, cc_dst)
    CF(Cpu, cc_res) CS(Cpu, seg, S_COUNT, seg_table) CF(Cpu, gdt_base) CF(Cpu, gdt_limit)
    CF(Cpu, idt_base) CF(Cpu, idt_limit) CA(Cpu, cr, 5) CA(Cpu, dr, 8) CF(Cpu, cpl) CF(Cpu, mode)
    CF(Cpu, tsc_offset) CF(Cpu, sysenter_cs) CF(Cpu, sysenter_esp) CF(Cpu, sysenter_eip)
    CF(Cpu, apic_base) CF(Cpu, mtrr_def_type)
    {"fpu", offsetof(Cpu, fpu), sizeof(FpuState), 1, fpu_table},
    CF(Cpu, icount) CF(Cpu, halted) CF(Cpu, nmi) CF(Cpu, inhibit_irq)
  };
  static const SaveTable t = {"Cpu", CPU_SAVE_VERSION, f, sizeof(f) / sizeof(f[0]), sizeof(Cpu)};
  return &t;
}

