/*
 * fpu_seq.h — instruction-sequence differential test against the host x87.
 */
#ifndef X86VM_TESTS_FPU_SEQ_H
#define X86VM_TESTS_FPU_SEQ_H

#include <stdint.h>

/* Run n random sequences; returns how many agreed (-1: no executable memory).
 * Prints up to verbose mismatching sequences. */
long seq_run(long n, uint64_t seed, int verbose);

#endif
