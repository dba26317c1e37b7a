/*
 * ops_unimpl.c — what runs for a table row whose handler is not written yet.
 *
 * Handlers are declared weak in ops.h, so a row naming a missing handler
 * still links (its pointer is NULL); the decoder then substitutes
 * op_unimplemented, which logs the instruction once and raises #UD in the
 * guest, as an unimplemented instruction must.  The core is linked as a
 * whole archive (x86vm_link_core in CMakeLists.txt) so every handler that
 * exists is always present.
 */
#include "log.h"
#include "cpu.h"
#include "ops.h"

void op_unimplemented(struct Cpu *cpu, const Insn *in) {
  cpu_log_once(LOG_UNIMPL, x86_mnemonic(in), in->op);
  cpu_raise(cpu, EXC_UD, ERR_NONE);
}

void op_invalid(struct Cpu *cpu, const Insn *in) {
  (void)in;
  cpu_raise(cpu, EXC_UD, ERR_NONE);
}
