/*
 * cpu_state.h — the CPU's snapshot table (see cpu_state.c).
 */
#ifndef X86VM_CPU_STATE_H
#define X86VM_CPU_STATE_H

#include "cpu.h"
#include "savestate.h"

#define CPU_SAVE_VERSION 3 /* 2: cc_op encoding kind << 2 | size; 3: tsc_offset on virtual time */
/* The table of struct Cpu (lazy flags must be materialised before saving:
 * cpu_get_flags()). */
const SaveTable *cpu_save_table(void);

#endif
