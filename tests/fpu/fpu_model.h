/*
 * fpu_model.h — the x87 test harness shared by fpu_diff and fpu_golden.
 *
 * A test case is one instruction class applied to two 80-bit operands under
 * one control word, in a fixed frame: the stack holds b in ST1 and a in ST0,
 * the instruction runs, the status word is read with FNSTSW, then ST0 and
 * ST1 are stored (r1, r2).  Memory-destination classes also produce up to
 * 10 bytes (mem).  model_run() computes that with softfloat80; the x86-64
 * hardware runner in fpu_diff.c computes it with the host's x87.
 */
#ifndef X86VM_TESTS_FPU_MODEL_H
#define X86VM_TESTS_FPU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "softfloat80.h"

/* Instruction classes. */
#define MODEL_CLASSES(Y)                                                                     \
  Y(FADD) Y(FSUB) Y(FSUBR) Y(FMUL) Y(FDIV) Y(FDIVR) Y(FSQRT) Y(FCOM) Y(FUCOM) Y(FTST)          \
  Y(FXAM) Y(FRNDINT) Y(FSCALE) Y(FXTRACT) Y(FPREM) Y(FPREM1) Y(FIST16) Y(FIST32) Y(FIST64)   \
  Y(FST32) Y(FST64) Y(FLD32) Y(FLD64) Y(FBSTP) Y(FLDC) Y(FADD32) Y(FMUL64) Y(F2XM1) Y(FYL2X) \
  Y(FYL2XP1) Y(FPATAN) Y(FSIN) Y(FCOS) Y(FPTAN) Y(FSINCOS)
#define Y_ENUM(n) MC_##n,
enum { MODEL_CLASSES(Y_ENUM) MC_COUNT };
#undef Y_ENUM
extern const char *const model_class_names[MC_COUNT];

/* What a class produces (bits of model_outputs()). */
#define MO_R1  1u  /* ST0 after */
#define MO_R2  2u  /* ST1 after */
#define MO_MEM 4u  /* memory bytes */
unsigned model_outputs(int cls);
int model_mem_bytes(int cls);    /* bytes of mem compared (0..10) */
bool model_is_transcendental(int cls);

typedef struct ModelCase {
  int cls;
  uint16_t cw;
  Float80 a, b;    /* ST0, ST1 before (for loads a.mant holds the memory image) */
} ModelCase;

typedef struct ModelOut {
  Float80 r1, r2;
  uint8_t mem[10];
  uint16_t sw;     /* FNSTSW after the instruction, TOP field cleared */
} ModelOut;

/* Run a case through softfloat80. */
void model_run(const ModelCase *c, ModelOut *o);

/* Random case generation (xorshift state). */
uint64_t model_rand(uint64_t *s);
void model_gen(uint64_t *s, int cls, ModelCase *c);
/* One random 80-bit operand (specials, boundaries; normal exponents in [lo, hi]). */
Float80 model_value(uint64_t *s, int lo, int hi);
/* One random binary32 (ebits 8, fbits 23) or binary64 (11, 52) pattern. */
uint64_t model_ieee(uint64_t *s, int ebits, int fbits);

/* Distance in units in the last place between two 80-bit values (same sign
 * finite or identical specials: 0 when equal; UINT64_MAX when incomparable). */
uint64_t model_ulps(Float80 x, Float80 y);

#endif
