/*
 * explain.h — the teaching debugger's explanations: what one step did, in
 * plain English with the actual values (registers old -> new, each flag that
 * changed and why, memory written, stack pushes and pops, port I/O,
 * interrupts and faults with the check that failed, mode changes).
 */
#ifndef X86VM_EXPLAIN_H
#define X86VM_EXPLAIN_H

#include <stddef.h>

#include "debug.h"

/* The sentence for a mnemonic of opcodes.def (src/debug/mnemonics.def), or NULL. */
const char *explain_mnemonic(const char *mnemonic);
/* Name of an exception vector ("#GP", "#PF"...) or NULL for the others. */
const char *explain_vector_name(unsigned vector);
/* What a well-known PC port is ("PIC master command"...), or NULL. */
const char *explain_port(unsigned port);

/* The explanation of rec, one fact per line, each line starting with two
 * spaces and ending with '\n', into buf (NUL-terminated, cut at cap).
 * d reads memory for stack pops.  Returns the length it needed. */
size_t explain_step(Debugger *d, const StepRecord *rec, char *buf, size_t cap);

#endif
