/*
 * fpu.h — x87 FPU / MMX state (embedded in Cpu as cpu->fpu).
 * Owned by the x87 work (src/cpu/fpu.c, softfloat80.c); the integer core
 * only embeds it.  Plain data: it can be copied and saved as bytes (except
 * the FERR# hook pointers, which the machine sets after creating the CPU).
 */
#ifndef X86VM_FPU_H
#define X86VM_FPU_H

#include <stdint.h>

typedef struct Float80 {
  uint64_t mant;   /* significand with explicit integer bit */
  uint16_t sexp;   /* sign (bit 15) and biased exponent */
} Float80;

/* Status word bits. */
#define FSW_IE  0x0001u /* invalid operation */
#define FSW_DE  0x0002u /* denormal operand */
#define FSW_ZE  0x0004u /* zero divide */
#define FSW_OE  0x0008u /* overflow */
#define FSW_UE  0x0010u /* underflow */
#define FSW_PE  0x0020u /* precision (inexact) */
#define FSW_SF  0x0040u /* stack fault */
#define FSW_ES  0x0080u /* error summary */
#define FSW_C0  0x0100u
#define FSW_C1  0x0200u
#define FSW_C2  0x0400u
#define FSW_TOP 0x3800u /* top-of-stack pointer, bits 11-13 */
#define FSW_C3  0x4000u
#define FSW_B   0x8000u /* busy (mirrors ES) */
#define FSW_EXC 0x003fu /* the six exception flags */
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* Control word fields. */
#define FCW_MASKS 0x003fu /* exception masks, same bit order as FSW_EXC */
#define FCW_PC    0x0300u /* precision control: 0 = 24, 2 = 53, 3 = 64 bits */
#define FCW_RC    0x0c00u /* rounding: 0 nearest, 1 down, 2 up, 3 toward zero */
#define FCW_X     0x1000u /* infinity control (ignored since the 387) */

/* Tag values (2 bits per physical register in FpuState.tw). */
#define FTAG_VALID   0u
#define FTAG_ZERO    1u
#define FTAG_SPECIAL 2u
#define FTAG_EMPTY   3u

typedef struct FpuState {
  Float80 st[8];   /* physical registers R0-R7 (MMX MM0-7 alias their mant) */
  uint16_t cw;     /* control word */
  uint16_t sw;     /* status word (TOP in bits 11-13) */
  uint16_t tw;     /* full tag word, 2 bits per register */
  uint16_t fop;    /* last opcode (11 bits: low 3 bits of the first byte, ModRM) */
  uint32_t fip, fdp; /* last instruction / data pointer offsets */
  uint16_t fcs, fds; /* their selectors */
  uint32_t mxcsr;  /* SSE control/status (kept for FXSAVE/FXRSTOR only) */
  uint8_t xmm[8][16]; /* XMM0-7 (kept for FXSAVE/FXRSTOR only) */
  /*
   * FERR# output (CR0.NE = 0): the machine routes it to IRQ13.  Called with
   * level 1 when an unmasked exception is found pending by an FPU
   * instruction, 0 when FNCLEX/FNINIT/FLDCW/FLDENV clear it.  May be NULL.
   */
  void (*ferr)(void *opaque, int level);
  void *ferr_opaque; /* argument for ferr */
} FpuState;

struct Cpu;
/*
 * Reset: the FINIT state (CW 037F, SW 0, all tags empty, pointers 0), plus
 * MXCSR = 1F80 and XMM registers cleared.  The ferr hook is kept.
 */
void fpu_reset(FpuState *f);

#endif
