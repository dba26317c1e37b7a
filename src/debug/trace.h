/*
 * trace.h — `--trace FILE`: one line per step of the machine, written from
 * the debugger's StepRecord:
 *
 *   ICOUNT CS:EIP BYTES DISASSEMBLY | CHANGES
 *
 * ICOUNT is the number of instructions retired before it; CHANGES lists
 * what the step changed: registers (EAX=OLD->NEW; EIP only when it did not
 * just move past the instruction), each flag (ZF=0->1), segment selectors,
 * control registers, memory written ([PHYS]=OLDBYTES->NEWBYTES, runs of
 * consecutive bytes), port I/O (OUT 03F8=41) and interrupts delivered
 * (INT 08h).  A step that delivered an interrupt without retiring an
 * instruction shows "- (no instruction retired)".
 */
#ifndef X86VM_TRACE_H
#define X86VM_TRACE_H

#include <stdint.h>

#include "pc.h"

/* Trace m to path ("-": stdout) for limit instructions (0: until the machine
 * stops or SIGINT/SIGTERM).  *why: the machine's stop (MSTOP_QUIT when the
 * limit was reached, MSTOP_SIGNAL when interrupted).  Returns 0, 2 if the
 * file cannot be made, or 6 on a write error. */
int debug_trace_run(Machine *m, const char *path, uint64_t limit, MachineStop *why);

#endif
