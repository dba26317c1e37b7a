/*
 * fpu_stubs.h — stand-ins for the CPU core used by the x87 handler tests.
 */
#ifndef X86VM_TESTS_FPU_STUBS_H
#define X86VM_TESTS_FPU_STUBS_H

#include "cpu.h"
#include "exec.h"
#include "ops.h"

extern uint8_t fpu_ram[0x10000]; /* flat guest memory (linear = physical) */

/* An empty TLB for a test's Cpu: every access takes the stubs below. */
TlbEntry *stub_tlb(void);
/* Map fpu_ram in that TLB (on) or empty it again: with it mapped, accesses
 * take the handlers' host-pointer fast paths. */
void stub_tlb_map(TlbEntry *tlb, bool on);

/* Run one x87/MMX handler (op D8-DF, 9B WAIT, 1AE FXSAVE/FXRSTOR, other
 * 0F xx: MMX); returns the
 * exception vector raised, or -1. */
int stub_exec(Cpu *cpu, const Insn *in);

#endif
