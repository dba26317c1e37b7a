/*
 * emit.h — a small x86-64 machine-code emitter for the JIT.
 *
 * Only the encodings the translator uses, written from the Intel SDM's
 * opcode tables (volume 2, appendix A): REX prefixes, ModRM/SIB for
 * [base + disp] and [base + index*scale + disp] operands, the ALU group,
 * MOV forms, shifts, MOVZX/MOVSX, SETcc, Jcc/JMP/CALL with rel32 and
 * forward labels.  Why our own and not Zydis's encoder: the translator
 * needs perhaps forty encodings with fixed operand shapes, emitted on the
 * hot path of translation; a table of our own is shorter than the glue
 * to a general encoder and has no per-instruction request structs.
 *
 * Writes go to a buffer; running past its end sets `full` (the translator
 * then flushes the cache and translates again) and never writes beyond.
 */
#ifndef X86VM_JIT_EMIT_H
#define X86VM_JIT_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* Host condition codes (the low nibble of Jcc/SETcc), same numbering as the guest's. */
enum { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G };

typedef struct Emit {
  uint8_t *p;    /* next byte (in the writable view) */
  uint8_t *end;  /* end of the space */
  bool full;     /* ran out of space: the result must be discarded */
} Emit;

static inline void e8(Emit *e, uint32_t b) {
  if (e->p < e->end)
    *e->p++ = (uint8_t)b;
  else
    e->full = true;
}
static inline void e32(Emit *e, uint32_t v) {
  for (int i = 0; i < 4; i++)
    e8(e, v >> (8 * i));
}
static inline void e64(Emit *e, uint64_t v) {
  e32(e, (uint32_t)v);
  e32(e, (uint32_t)(v >> 32));
}

/* REX prefix: w = 64-bit operand; r/x/b = the registers in ModRM.reg, SIB.index, ModRM.rm/SIB.base. */
static inline void rex(Emit *e, int w, int r, int x, int b) {
  uint32_t v = 0x40u | (w ? 8u : 0u) | ((r & 8) ? 4u : 0u) | ((x & 8) ? 2u : 0u) | ((b & 8) ? 1u : 0u);
  if (v != 0x40u)
    e8(e, v);
}
/* Is h one of SPL/BPL/SIL/DIL as a byte register (needs a REX prefix, else it means AH..BH)? */
static inline bool rex_byte(int h) { return h >= 4 && h < 8; }
/* REX for a byte-sized operation: forced when a byte register is SPL..DIL. */
static inline void rex8(Emit *e, int r, bool r_byte, int x, int b, bool b_byte) {
  uint32_t v = 0x40u | ((r & 8) ? 4u : 0u) | ((x & 8) ? 2u : 0u) | ((b & 8) ? 1u : 0u);
  if (v != 0x40u || (r_byte && rex_byte(r)) || (b_byte && rex_byte(b)))
    e8(e, v);
}
/* ModRM + optional SIB + displacement for [base + disp]. */
static inline void modrm_mem(Emit *e, int reg, int base, int32_t disp) {
  int mod = (disp == 0 && (base & 7) != RBP) ? 0 : (disp >= -128 && disp <= 127) ? 1 : 2;
  e8(e, (uint32_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
  if ((base & 7) == RSP)
    e8(e, 0x24);
  if (mod == 1)
    e8(e, (uint32_t)(uint8_t)disp);
  else if (mod == 2)
    e32(e, (uint32_t)disp);
}
/* ModRM + SIB for [base + index << scale + disp] (index != RSP). */
static inline void modrm_sib(Emit *e, int reg, int base, int index, int scale, int32_t disp) {
  int mod = (disp == 0 && (base & 7) != RBP) ? 0 : (disp >= -128 && disp <= 127) ? 1 : 2;
  e8(e, (uint32_t)(mod << 6 | (reg & 7) << 3 | 4));
  e8(e, (uint32_t)(scale << 6 | (index & 7) << 3 | (base & 7)));
  if (mod == 1)
    e8(e, (uint32_t)(uint8_t)disp);
  else if (mod == 2)
    e32(e, (uint32_t)disp);
}

/* Operand sizes for the sized forms. */
enum { SZ8 = 0, SZ16 = 1, SZ32 = 2, SZ64 = 3 };

/* op (32/64-bit) with reg and [base + index + disp]. */
static inline void op_mem_bi(Emit *e, int sz, uint32_t op, int reg, int base, int index, int32_t disp) {
  rex(e, sz == SZ64, reg, index, base);
  e8(e, op);
  modrm_sib(e, reg, base, index, 0, disp);
}

/* op (one byte; the 8-bit form is op & ~1) with reg and [base+disp]; 16-bit adds 66h. */
static inline void op_mem(Emit *e, int sz, uint32_t op, int reg, int base, int32_t disp) {
  if (sz == SZ16)
    e8(e, 0x66);
  if (sz == SZ8)
    rex8(e, reg, true, 0, base, false);
  else
    rex(e, sz == SZ64, reg, 0, base);
  e8(e, sz == SZ8 ? (op & ~1u) : op);
  modrm_mem(e, reg, base, disp);
}
/* op with reg, rm both registers. */
static inline void op_rr(Emit *e, int sz, uint32_t op, int reg, int rm) {
  if (sz == SZ16)
    e8(e, 0x66);
  if (sz == SZ8)
    rex8(e, reg, true, 0, rm, true);
  else
    rex(e, sz == SZ64, reg, 0, rm);
  e8(e, sz == SZ8 ? (op & ~1u) : op);
  e8(e, 0xc0u | (uint32_t)(reg & 7) << 3 | (uint32_t)(rm & 7));
}

/* ALU operation numbers (the /n of 80-83 and the 00-38 row). */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* mov r, [base+disp] (8/16-bit loads into the low part: use movzx for clean values). */
static inline void mov_r_m(Emit *e, int sz, int r, int base, int32_t disp) { op_mem(e, sz, 0x8b, r, base, disp); }
static inline void mov_m_r(Emit *e, int sz, int base, int32_t disp, int r) { op_mem(e, sz, 0x89, r, base, disp); }
static inline void mov_rr(Emit *e, int sz, int dst, int src) { op_rr(e, sz, 0x89, src, dst); }
/* alu r, [base+disp] / alu [base+disp], r / alu dst, src. */
static inline void alu_r_m(Emit *e, int sz, int alu, int r, int base, int32_t disp) {
  op_mem(e, sz, (uint32_t)(alu << 3 | 3), r, base, disp);
}
static inline void alu_m_r(Emit *e, int sz, int alu, int base, int32_t disp, int r) {
  op_mem(e, sz, (uint32_t)(alu << 3 | 1), r, base, disp);
}
static inline void alu_rr(Emit *e, int sz, int alu, int dst, int src) { op_rr(e, sz, (uint32_t)(alu << 3 | 1), src, dst); }
/* alu r, imm (sign-extended imm8 form when it fits; 8-bit uses 80 /n ib). */
static inline void alu_ri(Emit *e, int sz, int alu, int r, int32_t imm) {
  if (sz == SZ16)
    e8(e, 0x66);
  if (sz == SZ8)
    rex8(e, 0, false, 0, r, true);
  else
    rex(e, sz == SZ64, 0, 0, r);
  if (sz == SZ8) {
    e8(e, 0x80);
    e8(e, 0xc0u | (uint32_t)alu << 3 | (uint32_t)(r & 7));
    e8(e, (uint32_t)imm);
  } else if (imm >= -128 && imm <= 127) {
    e8(e, 0x83);
    e8(e, 0xc0u | (uint32_t)alu << 3 | (uint32_t)(r & 7));
    e8(e, (uint32_t)imm);
  } else {
    e8(e, 0x81);
    e8(e, 0xc0u | (uint32_t)alu << 3 | (uint32_t)(r & 7));
    if (sz == SZ16) {
      e8(e, (uint32_t)imm);
      e8(e, (uint32_t)imm >> 8);
    } else {
      e32(e, (uint32_t)imm);
    }
  }
}
/* alu [base+disp], imm (32/64-bit forms only). */
static inline void alu_mi(Emit *e, int sz, int alu, int base, int32_t disp, int32_t imm) {
  rex(e, sz == SZ64, 0, 0, base);
  if (imm >= -128 && imm <= 127) {
    e8(e, 0x83);
    modrm_mem(e, alu, base, disp);
    e8(e, (uint32_t)imm);
  } else {
    e8(e, 0x81);
    modrm_mem(e, alu, base, disp);
    e32(e, (uint32_t)imm);
  }
}
/* mov dword [base+disp], imm32. */
static inline void mov_m_i32(Emit *e, int base, int32_t disp, uint32_t imm) {
  rex(e, 0, 0, 0, base);
  e8(e, 0xc7);
  modrm_mem(e, 0, base, disp);
  e32(e, imm);
}
/* mov r32, imm32 (zero-extends into the 64-bit register). */
static inline void mov_ri(Emit *e, int r, uint32_t imm) {
  if (imm == 0) {
    op_rr(e, SZ32, 0x31, r, r); /* xor r, r (clobbers host flags) */
    return;
  }
  rex(e, 0, 0, 0, r);
  e8(e, 0xb8u + (uint32_t)(r & 7));
  e32(e, imm);
}
static inline void mov_ri_keepflags(Emit *e, int r, uint32_t imm) {
  rex(e, 0, 0, 0, r);
  e8(e, 0xb8u + (uint32_t)(r & 7));
  e32(e, imm);
}
/* movabs r64, imm64. */
static inline void mov_ri64(Emit *e, int r, uint64_t imm) {
  if (imm <= 0xffffffffu) {
    mov_ri_keepflags(e, r, (uint32_t)imm);
    return;
  }
  rex(e, 1, 0, 0, r);
  e8(e, 0xb8u + (uint32_t)(r & 7));
  e64(e, imm);
}
/* movzx r32, byte/word [base+disp]; movsx likewise. */
static inline void movzx_m(Emit *e, int sz, int r, int base, int32_t disp) {
  rex(e, 0, r, 0, base);
  e8(e, 0x0f);
  e8(e, sz == SZ8 ? 0xb6 : 0xb7);
  modrm_mem(e, r, base, disp);
}
static inline void movsx_m(Emit *e, int sz, int r, int base, int32_t disp) {
  rex(e, 0, r, 0, base);
  e8(e, 0x0f);
  e8(e, sz == SZ8 ? 0xbe : 0xbf);
  modrm_mem(e, r, base, disp);
}
/* movzx/movsx r32, r8/r16 (any byte register: SPL..DIL get a REX prefix). */
static inline void movzx_rr(Emit *e, int sz, int dst, int src) {
  rex8(e, dst, false, 0, src, sz == SZ8);
  e8(e, 0x0f);
  e8(e, sz == SZ8 ? 0xb6 : 0xb7);
  e8(e, 0xc0u | (uint32_t)(dst & 7) << 3 | (uint32_t)(src & 7));
}
static inline void movsx_rr(Emit *e, int sz, int dst, int src) {
  rex8(e, dst, false, 0, src, sz == SZ8);
  e8(e, 0x0f);
  e8(e, sz == SZ8 ? 0xbe : 0xbf);
  e8(e, 0xc0u | (uint32_t)(dst & 7) << 3 | (uint32_t)(src & 7));
}
/* lea r64, [base + index << scale + disp]. */
static inline void lea_sib(Emit *e, int r, int base, int index, int scale, int32_t disp) {
  rex(e, 1, r, index, base);
  e8(e, 0x8d);
  modrm_sib(e, r, base, index, scale, disp);
}
/* lea r32, [base + disp] / [base + index << scale + disp] / [index << scale + disp]
 * (the address computed in 64 bits and truncated: a 32-bit wrap-around sum). */
static inline void lea64_m(Emit *e, int r, int base, int32_t disp) {
  rex(e, 1, r, 0, base);
  e8(e, 0x8d);
  modrm_mem(e, r, base, disp);
}
static inline void lea32_m(Emit *e, int r, int base, int32_t disp) {
  rex(e, 0, r, 0, base);
  e8(e, 0x8d);
  modrm_mem(e, r, base, disp);
}
static inline void lea32_sib(Emit *e, int r, int base, int index, int scale, int32_t disp) {
  rex(e, 0, r, index, base);
  e8(e, 0x8d);
  modrm_sib(e, r, base, index, scale, disp);
}
static inline void lea32_index(Emit *e, int r, int index, int scale, int32_t disp) {
  rex(e, 0, r, index, 0);
  e8(e, 0x8d);
  e8(e, (uint32_t)((r & 7) << 3 | 4));
  e8(e, (uint32_t)(scale << 6 | (index & 7) << 3 | 5));
  e32(e, (uint32_t)disp);
}
/* Shift group C1 /n ib (n: 4 shl, 5 shr, 7 sar, 0 rol, 1 ror). */
static inline void shift_ri(Emit *e, int sz, int n, int r, uint8_t count) {
  if (sz == SZ16)
    e8(e, 0x66);
  if (sz == SZ8)
    rex8(e, 0, false, 0, r, true);
  else
    rex(e, sz == SZ64, 0, 0, r);
  e8(e, sz == SZ8 ? 0xc0 : 0xc1);
  e8(e, 0xc0u | (uint32_t)n << 3 | (uint32_t)(r & 7));
  e8(e, count);
}
/* test r, r / test r, imm32. */
static inline void test_rr(Emit *e, int sz, int a, int b) { op_rr(e, sz, 0x85, b, a); }
static inline void test_ri(Emit *e, int sz, int r, uint32_t imm) {
  if (sz == SZ16)
    e8(e, 0x66);
  if (sz == SZ8)
    rex8(e, 0, false, 0, r, true);
  else
    rex(e, sz == SZ64, 0, 0, r);
  if (sz == SZ8) {
    e8(e, 0xf6);
    e8(e, 0xc0u | (uint32_t)(r & 7));
    e8(e, imm);
  } else {
    e8(e, 0xf7);
    e8(e, 0xc0u | (uint32_t)(r & 7));
    if (sz == SZ16) {
      e8(e, imm);
      e8(e, imm >> 8);
    } else {
      e32(e, imm);
    }
  }
}
/* test dword [base+disp], imm32. */
static inline void test_mi(Emit *e, int base, int32_t disp, uint32_t imm) {
  rex(e, 0, 0, 0, base);
  e8(e, 0xf7);
  modrm_mem(e, 0, base, disp);
  e32(e, imm);
}
/* Unary group F7 /n on a register: 2 not, 3 neg. */
static inline void unary_r(Emit *e, int sz, int n, int r) {
  if (sz == SZ16)
    e8(e, 0x66);
  rex(e, sz == SZ64, 0, 0, r);
  e8(e, sz == SZ8 ? 0xf6 : 0xf7);
  e8(e, 0xc0u | (uint32_t)n << 3 | (uint32_t)(r & 7));
}
/* imul r32, r32. */
static inline void imul_rr(Emit *e, int dst, int src) {
  rex(e, 0, dst, 0, src);
  e8(e, 0x0f);
  e8(e, 0xaf);
  e8(e, 0xc0u | (uint32_t)(dst & 7) << 3 | (uint32_t)(src & 7));
}
/* setcc r8 (any byte register). */
static inline void setcc_r(Emit *e, int cc, int r) {
  rex8(e, 0, false, 0, r, true);
  e8(e, 0x0f);
  e8(e, 0x90u + (uint32_t)cc);
  e8(e, 0xc0u | (uint32_t)(r & 7));
}

/* Labels: a forward jump leaves a rel32 to fill; bind() points it here. */
typedef uint8_t *Fixup;
static inline Fixup jcc_fwd(Emit *e, int cc) {
  e8(e, 0x0f);
  e8(e, 0x80u + (uint32_t)cc);
  uint8_t *at = e->p;
  e32(e, 0);
  return e->full ? NULL : at;
}
static inline Fixup jmp_fwd(Emit *e) {
  e8(e, 0xe9);
  uint8_t *at = e->p;
  e32(e, 0);
  return e->full ? NULL : at;
}
/* Point the rel32 at fx to target (both in the writable view). */
static inline void fix_to(Fixup fx, const uint8_t *target) {
  if (!fx)
    return;
  int32_t rel = (int32_t)(target - (fx + 4));
  memcpy(fx, &rel, 4);
}
static inline void bind(Emit *e, Fixup fx) {
  if (!e->full)
    fix_to(fx, e->p);
}
/* Backward/known jumps to an address in the writable view. */
static inline void jcc_to(Emit *e, int cc, const uint8_t *target) { fix_to(jcc_fwd(e, cc), target); }
static inline void jmp_to(Emit *e, const uint8_t *target) { fix_to(jmp_fwd(e), target); }
/* A five-byte NOP (nop dword [rax+rax*1+0]): room for a JMP rel32 patched in later. */
static inline void nop5(Emit *e) {
  static const uint8_t nop[5] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
  for (int i = 0; i < 5; i++)
    e8(e, nop[i]);
}
/* Overwrite a nop5 at `at` (writable view) with JMP to target (writable view). */
static inline void patch_jmp5(uint8_t *at, const uint8_t *target) {
  at[0] = 0xe9;
  fix_to(at + 1, target);
}
/* call rel32 to an address in the writable view (the JIT's own thunks). */
static inline void call_to(Emit *e, const uint8_t *target) {
  e8(e, 0xe8);
  uint8_t *at = e->p;
  e32(e, 0);
  if (!e->full)
    fix_to(at, target);
}
/* call through RAX to an absolute host address. */
static inline void call_abs(Emit *e, const void *fn) {
  mov_ri64(e, RAX, (uint64_t)(uintptr_t)fn);
  e8(e, 0xff);
  e8(e, 0xd0);
}
/* jmp qword [base+disp]. */
static inline void jmp_mem(Emit *e, int base, int32_t disp) {
  rex(e, 0, 0, 0, base);
  e8(e, 0xff);
  modrm_mem(e, 4, base, disp);
}

#endif
