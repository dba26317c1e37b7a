/*
 * interp.h — the portable interpreter engine.  cpu_run()/cpu_step() are
 * declared in cpu.h; this header adds what only users of this engine need.
 */
#ifndef X86VM_INTERP_H
#define X86VM_INTERP_H

#include "cpu.h"

/* Free the decoded-instruction cache (cpu_destroy() also does). */
void interp_free(Cpu *c);

#endif
