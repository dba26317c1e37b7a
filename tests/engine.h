/*
 * engine.h — test runners pick the execution engine from the environment:
 * X86VM_TEST_ENGINE=interp (default), jit or lockstep.  ctest registers each
 * CPU test once per engine, so every engine runs the same suite.
 */
#ifndef X86VM_TEST_ENGINE_H
#define X86VM_TEST_ENGINE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#ifdef X86VM_HAVE_JIT
#include "jit.h"
#endif

/* Attach the engine named by X86VM_TEST_ENGINE to cpu; exits 2 if it is unavailable. */
static inline void test_engine_setup(Cpu *cpu) {
  const char *e = getenv("X86VM_TEST_ENGINE");
  if (!e || !*e || strcmp(e, "interp") == 0)
    return;
#ifdef X86VM_HAVE_JIT
  if (strcmp(e, "jit") == 0 || strcmp(e, "lockstep") == 0) {
    JitOptions o = {.lockstep = e[0] == 'l'};
    char err[256];
    if (!jit_attach(cpu, &o, err, sizeof err)) {
      fprintf(stderr, "X86VM_TEST_ENGINE=%s: %s\n", e, err);
      exit(2);
    }
    return;
  }
#endif
  fprintf(stderr, "X86VM_TEST_ENGINE=%s: not an engine of this build\n", e);
  exit(2);
}

/* True when the lockstep checker found a difference (its report is on stderr). */
static inline int test_engine_failed(Cpu *cpu) {
#ifdef X86VM_HAVE_JIT
  return jit_lockstep_failed(cpu);
#else
  (void)cpu;
  return 0;
#endif
}

static inline void test_engine_teardown(Cpu *cpu) {
#ifdef X86VM_HAVE_JIT
  if (cpu->jit) {
    if (getenv("X86VM_TEST_JIT_STATS"))
      jit_print_stats(cpu, stderr);
    jit_detach(cpu);
  }
#else
  (void)cpu;
#endif
}

#endif
