/*
 * ops_alu.c — integer arithmetic and logic: ADD..CMP in every operand form,
 * INC/DEC/NOT/NEG, shifts and rotates, SHLD/SHRD, MUL/IMUL/DIV/IDIV, BCD
 * adjusts, bit tests and scans, XADD/CMPXCHG/CMPXCHG8B.
 */
#include "exec.h"
#include "ops.h"

/* Size index: 0 = 8 bits, 1 = 16, 2 = 32. */
static inline unsigned vsz(const Insn *in) { return (in->flags & INSN_O32) ? 2 : 1; }
static const uint32_t size_mask[3] = {0xffu, 0xffffu, 0xffffffffu};
static const uint32_t size_sign[3] = {0x80u, 0x8000u, 0x80000000u};
static const unsigned size_bits[3] = {8, 16, 32};

static inline uint32_t carry_in(Cpu *c) { return cf_eval(c); }

/* The eight ALU operations (ModRM reg order). Sets lazy flags; returns the result. */
static inline uint32_t alu(Cpu *c, unsigned op, unsigned sz, uint32_t d, uint32_t s) {
  uint32_t m = size_mask[sz], r;
  switch (op) {
  case 0: r = (d + s) & m; set_cc(c, CC_ADD8 + sz, d, s, r); break;
  case 1: r = (d | s) & m; set_cc(c, CC_LOGIC8 + sz, d, s, r); break;
  case 2: r = (d + s + carry_in(c)) & m; set_cc(c, CC_ADC8 + sz, d, s, r); break;
  case 3: r = (d - s - carry_in(c)) & m; set_cc(c, CC_SBB8 + sz, d, s, r); break;
  case 4: r = (d & s) & m; set_cc(c, CC_LOGIC8 + sz, d, s, r); break;
  case 5: r = (d - s) & m; set_cc(c, CC_SUB8 + sz, d, s, r); break;
  case 6: r = (d ^ s) & m; set_cc(c, CC_LOGIC8 + sz, d, s, r); break;
  default: r = (d - s) & m; set_cc(c, CC_SUB8 + sz, d, s, r); break;
  }
  return r;
}

#define ALU_FORMS(name, opn)                                                   \
  void op_##name##_EbGb(Cpu *c, const Insn *in) {                              \
    uint8_t s = reg8(c, in->reg);                                              \
    if ((opn) == 7) {                                                          \
      alu(c, opn, 0, rm_read8(c, in), s);                                      \
    } else {                                                                   \
      uint8_t d = rmw_read8(c, in);                                            \
      rm_write8(c, in, (uint8_t)alu(c, opn, 0, d, s));                         \
    }                                                                          \
  }                                                                            \
  void op_##name##_EvGv(Cpu *c, const Insn *in) {                              \
    unsigned sz = vsz(in);                                                     \
    uint32_t s = regv(c, in, in->reg);                                         \
    if ((opn) == 7) {                                                          \
      alu(c, opn, sz, rm_readv(c, in), s);                                     \
    } else {                                                                   \
      uint32_t d = rmw_readv(c, in);                                           \
      rm_writev(c, in, alu(c, opn, sz, d, s));                                 \
    }                                                                          \
  }                                                                            \
  void op_##name##_GbEb(Cpu *c, const Insn *in) {                              \
    uint8_t s = rm_read8(c, in);                                               \
    uint8_t r = (uint8_t)alu(c, opn, 0, reg8(c, in->reg), s);                  \
    if ((opn) != 7)                                                            \
      set_reg8(c, in->reg, r);                                                 \
  }                                                                            \
  void op_##name##_GvEv(Cpu *c, const Insn *in) {                              \
    uint32_t s = rm_readv(c, in);                                              \
    uint32_t r = alu(c, opn, vsz(in), regv(c, in, in->reg), s);                \
    if ((opn) != 7)                                                            \
      set_regv(c, in, in->reg, r);                                             \
  }                                                                            \
  void op_##name##_ALIb(Cpu *c, const Insn *in) {                              \
    uint8_t r = (uint8_t)alu(c, opn, 0, (uint8_t)c->regs[R_EAX], (uint8_t)in->imm); \
    if ((opn) != 7)                                                            \
      set_reg8(c, R_EAX, r);                                                   \
  }                                                                            \
  void op_##name##_eAXIz(Cpu *c, const Insn *in) {                             \
    unsigned sz = vsz(in);                                                     \
    uint32_t r = alu(c, opn, sz, regv(c, in, R_EAX), in->imm & size_mask[sz]); \
    if ((opn) != 7)                                                            \
      set_regv(c, in, R_EAX, r);                                               \
  }                                                                            \
  void op_##name##_EbIb(Cpu *c, const Insn *in) {                              \
    if ((opn) == 7) {                                                          \
      alu(c, opn, 0, rm_read8(c, in), (uint8_t)in->imm);                       \
    } else {                                                                   \
      uint8_t d = rmw_read8(c, in);                                            \
      rm_write8(c, in, (uint8_t)alu(c, opn, 0, d, (uint8_t)in->imm));          \
    }                                                                          \
  }                                                                            \
  void op_##name##_EvIz(Cpu *c, const Insn *in) {                              \
    unsigned sz = vsz(in);                                                     \
    if ((opn) == 7) {                                                          \
      alu(c, opn, sz, rm_readv(c, in), in->imm & size_mask[sz]);               \
    } else {                                                                   \
      uint32_t d = rmw_readv(c, in);                                           \
      rm_writev(c, in, alu(c, opn, sz, d, in->imm & size_mask[sz]));           \
    }                                                                          \
  }

ALU_FORMS(add, 0)
ALU_FORMS(or, 1)
ALU_FORMS(adc, 2)
ALU_FORMS(sbb, 3)
ALU_FORMS(and, 4)
ALU_FORMS(sub, 5)
ALU_FORMS(xor, 6)
ALU_FORMS(cmp, 7)

void op_test_EbGb(Cpu *c, const Insn *in) { alu(c, 4, 0, rm_read8(c, in), reg8(c, in->reg)); }
void op_test_EvGv(Cpu *c, const Insn *in) { alu(c, 4, vsz(in), rm_readv(c, in), regv(c, in, in->reg)); }
void op_test_ALIb(Cpu *c, const Insn *in) { alu(c, 4, 0, (uint8_t)c->regs[R_EAX], (uint8_t)in->imm); }
void op_test_eAXIz(Cpu *c, const Insn *in) {
  alu(c, 4, vsz(in), regv(c, in, R_EAX), in->imm & size_mask[vsz(in)]);
}
void op_test_EbIb(Cpu *c, const Insn *in) { alu(c, 4, 0, rm_read8(c, in), (uint8_t)in->imm); }
void op_test_EvIz(Cpu *c, const Insn *in) {
  alu(c, 4, vsz(in), rm_readv(c, in), in->imm & size_mask[vsz(in)]);
}

/* ---- INC / DEC / NOT / NEG ---- */

static inline uint32_t incdec(Cpu *c, unsigned sz, uint32_t d, bool dec) {
  uint32_t cf = cf_eval(c); /* CF is preserved: it rides in cc_src */
  uint32_t r = (dec ? d - 1 : d + 1) & size_mask[sz];
  set_cc(c, (dec ? CC_DEC8 : CC_INC8) + sz, d, cf, r);
  return r;
}

void op_inc_Zv(Cpu *c, const Insn *in) {
  unsigned n = in->op & 7;
  set_regv(c, in, n, incdec(c, vsz(in), regv(c, in, n), false));
}
void op_dec_Zv(Cpu *c, const Insn *in) {
  unsigned n = in->op & 7;
  set_regv(c, in, n, incdec(c, vsz(in), regv(c, in, n), true));
}
void op_inc_Eb(Cpu *c, const Insn *in) { uint8_t d = rmw_read8(c, in); rm_write8(c, in, (uint8_t)incdec(c, 0, d, false)); }
void op_dec_Eb(Cpu *c, const Insn *in) { uint8_t d = rmw_read8(c, in); rm_write8(c, in, (uint8_t)incdec(c, 0, d, true)); }
void op_inc_Ev(Cpu *c, const Insn *in) { uint32_t d = rmw_readv(c, in); rm_writev(c, in, incdec(c, vsz(in), d, false)); }
void op_dec_Ev(Cpu *c, const Insn *in) { uint32_t d = rmw_readv(c, in); rm_writev(c, in, incdec(c, vsz(in), d, true)); }

void op_not_Eb(Cpu *c, const Insn *in) { uint8_t d = rmw_read8(c, in); rm_write8(c, in, (uint8_t)~d); }
void op_not_Ev(Cpu *c, const Insn *in) { uint32_t d = rmw_readv(c, in); rm_writev(c, in, ~d); }
void op_neg_Eb(Cpu *c, const Insn *in) { uint8_t d = rmw_read8(c, in); rm_write8(c, in, (uint8_t)alu(c, 5, 0, 0, d)); }
void op_neg_Ev(Cpu *c, const Insn *in) { uint32_t d = rmw_readv(c, in); rm_writev(c, in, alu(c, 5, vsz(in), 0, d)); }

/* ---- shifts and rotates (flags computed eagerly) ---- */

static inline uint32_t szp_flags(uint32_t r, unsigned sz) {
  uint32_t f = parity_table[r & 0xff];
  if ((r & size_mask[sz]) == 0)
    f |= F_ZF;
  if (r & size_sign[sz])
    f |= F_SF;
  return f;
}

/* op: 0 rol, 1 ror, 2 rcl, 3 rcr, 4 shl, 5 shr, 6 sal(=shl), 7 sar. */
static inline uint32_t shift_op(Cpu *c, unsigned op, unsigned sz, uint32_t d, unsigned cnt) {
  cnt &= 0x1f;
  if (cnt == 0)
    return d;
  uint32_t m = size_mask[sz], sign = size_sign[sz];
  unsigned bits = size_bits[sz];
  d &= m;
  if (op >= 4) {
    /* SHL, SHR, SAR: all six flags replaced, kept lazy (cpu.c cpu_get_flags:
     * CF the last bit out, AF set, OF = MSB ^ CF for SHL, the operand's
     * sign for a 1-bit SHR, else 0 — SHR's OF for longer shifts is
     * undefined in the SDM; the captured hardware traces (SingleStepTests)
     * show it clear). */
    uint32_t r, kind;
    if (op == 5) {
      r = d >> cnt;
      kind = CC_SHR8;
    } else if (op == 7) {
      int32_t sd = sz == 0 ? (int8_t)d : sz == 1 ? (int16_t)d : (int32_t)d;
      r = (uint32_t)(sd >> (cnt >= bits ? bits - 1 : cnt)) & m;
      kind = CC_SAR8;
    } else {
      r = cnt < 32 ? (d << cnt) & m : 0;
      kind = CC_SHL8;
    }
    c->cc_dst = d;
    c->cc_src = cnt;
    c->cc_res = r;
    c->cc_op = kind + sz;
    return r;
  }
  /* The rotates keep the flags they do not replace. */
  uint32_t fl = cpu_get_flags(c);
  uint32_t cf = fl & F_CF, of = 0, r;
  uint32_t keep = fl & ~F_ARITH;
  uint32_t arith = fl & F_ARITH;
  switch (op) {
  case 0: { /* ROL */
    unsigned k = cnt % bits;
    r = k ? ((d << k) | (d >> (bits - k))) & m : d;
    cf = r & 1;
    of = ((r & sign) ? 1 : 0) ^ cf;
    arith = (arith & ~(F_CF | F_OF)) | cf | (of ? F_OF : 0);
    break;
  }
  case 1: { /* ROR */
    unsigned k = cnt % bits;
    r = k ? ((d >> k) | (d << (bits - k))) & m : d;
    cf = (r & sign) ? 1 : 0;
    of = ((r & sign) ? 1 : 0) ^ ((r & (sign >> 1)) ? 1 : 0);
    arith = (arith & ~(F_CF | F_OF)) | cf | (of ? F_OF : 0);
    break;
  }
  case 2: { /* RCL */
    unsigned k = sz == 2 ? cnt : cnt % (bits + 1);
    r = d;
    for (unsigned i = 0; i < k; i++) {
      uint32_t out = (r & sign) ? 1 : 0;
      r = ((r << 1) | cf) & m;
      cf = out;
    }
    of = ((r & sign) ? 1 : 0) ^ cf;
    arith = (arith & ~(F_CF | F_OF)) | cf | (of ? F_OF : 0);
    break;
  }
  default: { /* RCR */
    unsigned k = sz == 2 ? cnt : cnt % (bits + 1);
    r = d;
    for (unsigned i = 0; i < k; i++) {
      uint32_t out = r & 1;
      r = (r >> 1) | (cf ? sign : 0);
      cf = out;
    }
    of = ((r & sign) ? 1 : 0) ^ ((r & (sign >> 1)) ? 1 : 0);
    arith = (arith & ~(F_CF | F_OF)) | cf | (of ? F_OF : 0);
    break;
  }
  }
  c->eflags = keep | (arith & F_ARITH);
  c->cc_op = CC_EFLAGS;
  return r;
}

static inline unsigned shift_count(Cpu *c, const Insn *in) {
  /* D0/D1: by 1; D2/D3: by CL; C0/C1: by Ib */
  if (in->op == 0xd0 || in->op == 0xd1)
    return 1;
  if (in->op == 0xd2 || in->op == 0xd3)
    return (uint8_t)c->regs[R_ECX];
  return (uint8_t)in->imm;
}

#define SHIFT_FORMS(name, opn)                                                  \
  void op_##name##_Eb(Cpu *c, const Insn *in) {                                 \
    uint8_t d = rmw_read8(c, in);                                               \
    rm_write8(c, in, (uint8_t)shift_op(c, opn, 0, d, shift_count(c, in)));      \
  }                                                                             \
  void op_##name##_Ev(Cpu *c, const Insn *in) {                                 \
    uint32_t d = rmw_readv(c, in);                                              \
    rm_writev(c, in, shift_op(c, opn, vsz(in), d, shift_count(c, in)));         \
  }
SHIFT_FORMS(rol, 0)
SHIFT_FORMS(ror, 1)
SHIFT_FORMS(rcl, 2)
SHIFT_FORMS(rcr, 3)
SHIFT_FORMS(shl, 4)
SHIFT_FORMS(shr, 5)
SHIFT_FORMS(sar, 7)

static void shld_shrd(Cpu *c, const Insn *in, bool left) {
  unsigned cnt = ((in->op & 1) ? (uint8_t)c->regs[R_ECX] : (uint8_t)in->imm) & 0x1f;
  unsigned sz = vsz(in), bits = size_bits[sz];
  uint32_t d = rmw_readv(c, in);
  if (cnt == 0)
    return;
  uint32_t s = regv(c, in, in->reg), m = size_mask[sz], sign = size_sign[sz];
  uint64_t r64;
  uint32_t r, cf;
  if (left) {
    uint64_t cat = ((uint64_t)d << bits) | s; /* d:s */
    if (bits == 16 && cnt > 16) /* 16-bit: undefined, behave as a 32-bit rotate of d:s:d */
      cat = ((uint64_t)d << 32) | ((uint64_t)s << 16) | d;
    r64 = cat << cnt;
    r = (uint32_t)(r64 >> (bits == 16 && cnt > 16 ? 32 : bits)) & m;
    cf = (uint32_t)((cat >> ((bits == 16 && cnt > 16 ? 48 : 2 * bits) - cnt)) & 1);
  } else {
    uint64_t cat = ((uint64_t)s << bits) | d; /* s:d */
    if (bits == 16 && cnt > 16)
      cat = ((uint64_t)d << 32) | ((uint64_t)s << 16) | d;
    r = (uint32_t)(cat >> cnt) & m;
    cf = (uint32_t)((cat >> (cnt - 1)) & 1);
  }
  uint32_t of = ((r ^ d) & sign) ? F_OF : 0;
  set_arith_flags(c, szp_flags(r, sz) | cf | of);
  rm_writev(c, in, r);
}
void op_shld_EvGv(Cpu *c, const Insn *in) { shld_shrd(c, in, true); }
void op_shrd_EvGv(Cpu *c, const Insn *in) { shld_shrd(c, in, false); }

/* ---- multiply and divide ---- */

static void set_mul_flags(Cpu *c, bool over, uint32_t low, unsigned sz) {
  set_arith_flags(c, (over ? (F_CF | F_OF) : 0) | szp_flags(low, sz));
}

void op_mul_Eb(Cpu *c, const Insn *in) {
  uint16_t r = (uint16_t)((uint8_t)c->regs[R_EAX] * rm_read8(c, in));
  set_reg16(c, R_EAX, r);
  set_mul_flags(c, r >> 8, r & 0xff, 0);
}
void op_imul_Eb(Cpu *c, const Insn *in) {
  int16_t r = (int16_t)((int8_t)c->regs[R_EAX] * (int8_t)rm_read8(c, in));
  set_reg16(c, R_EAX, (uint16_t)r);
  set_mul_flags(c, r != (int8_t)r, (uint32_t)r & 0xff, 0);
}
void op_mul_Ev(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  if (in->flags & INSN_O32) {
    uint64_t r = (uint64_t)c->regs[R_EAX] * s;
    c->regs[R_EAX] = (uint32_t)r;
    c->regs[R_EDX] = (uint32_t)(r >> 32);
    set_mul_flags(c, r >> 32, (uint32_t)r, 2);
  } else {
    uint32_t r = (uint32_t)(uint16_t)c->regs[R_EAX] * s;
    set_reg16(c, R_EAX, (uint16_t)r);
    set_reg16(c, R_EDX, (uint16_t)(r >> 16));
    set_mul_flags(c, r >> 16, r & 0xffff, 1);
  }
}
void op_imul_Ev(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  if (in->flags & INSN_O32) {
    int64_t r = (int64_t)(int32_t)c->regs[R_EAX] * (int32_t)s;
    c->regs[R_EAX] = (uint32_t)r;
    c->regs[R_EDX] = (uint32_t)((uint64_t)r >> 32);
    set_mul_flags(c, r != (int32_t)r, (uint32_t)r, 2);
  } else {
    int32_t r = (int16_t)c->regs[R_EAX] * (int16_t)s;
    set_reg16(c, R_EAX, (uint16_t)r);
    set_reg16(c, R_EDX, (uint16_t)((uint32_t)r >> 16));
    set_mul_flags(c, r != (int16_t)r, (uint32_t)r & 0xffff, 1);
  }
}
static uint32_t imul2(Cpu *c, const Insn *in, uint32_t a, uint32_t b) {
  if (in->flags & INSN_O32) {
    int64_t r = (int64_t)(int32_t)a * (int32_t)b;
    set_mul_flags(c, r != (int32_t)r, (uint32_t)r, 2);
    return (uint32_t)r;
  }
  int32_t r = (int16_t)a * (int16_t)b;
  set_mul_flags(c, r != (int16_t)r, (uint32_t)r & 0xffff, 1);
  return (uint32_t)r & 0xffff;
}
void op_imul_GvEv(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  set_regv(c, in, in->reg, imul2(c, in, regv(c, in, in->reg), s));
}
void op_imul_GvEvIz(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  set_regv(c, in, in->reg, imul2(c, in, s, in->imm));
}

/*
 * #DE on the 80286 (CPU_MODEL_286).  The 286 has changed the arithmetic
 * flags when it raises #DE, and pushes them; rules worked out from the
 * real-286 single-step suite (docs/CPU_MODELS.md), matching every #DE test
 * of DIV and AAM 0 and the IDIV ones named below:
 *  - DIV divides hi:lo by d with a restoring shift-and-subtract loop: each
 *    step compares the partial remainder with d, subtracts when it is not
 *    below (or a bit was shifted out), and shifts remainder:quotient left;
 *    the overflow is seen after the loop.  The flags are those of the
 *    compare made after bits-1 shifts (AAM 0: the same with hi:lo = 0:AL).
 *  - IDIV: AF = 1; SF/ZF/PF from the signed remainder (with d = 0: the low
 *    half of the dividend); CF = OF = (d > 0).  Only where d = 0 or the
 *    quotient's magnitude fits in the operand size (but not its signed
 *    range); larger quotients keep the flags (not modelled).
 * Then raise #DE.  Operand size bits is 8 or 16.
 */
static _Noreturn void div_fault_286(Cpu *c, uint32_t hi, uint32_t lo, uint32_t d, unsigned bits) {
  const uint32_t m = (1u << bits) - 1;
  uint32_t a = hi, q = lo, carry = 0; /* carry: the bit the last shift moved out of a */
  for (unsigned i = 0; i + 1 < bits; i++) {
    uint32_t take = carry || a >= d;
    if (take)
      a = (a - d) & m;
    carry = a >> (bits - 1);
    a = ((a << 1) | (q >> (bits - 1))) & m;
    q = ((q << 1) | take) & m;
  }
  set_cc(c, bits == 8 ? CC_SUB8 : CC_SUB16, a, d, (a - d) & m);
  cpu_raise(c, EXC_DE, ERR_NONE);
}
static _Noreturn void idiv_fault_286(Cpu *c, int32_t n, int32_t d, unsigned bits) {
  const uint32_t m = (1u << bits) - 1;
  if (d == 0) {
    set_arith_flags(c, szp_flags((uint32_t)n & m, bits == 8 ? 0 : 1) | F_AF);
  } else if ((n / d < 0 ? -(n / d) : n / d) <= (int32_t)m) {
    int32_t r = n % d;
    set_arith_flags(c, szp_flags((uint32_t)r & m, bits == 8 ? 0 : 1) | F_AF | (d > 0 ? F_CF | F_OF : 0));
  }
  cpu_raise(c, EXC_DE, ERR_NONE);
}

void op_div_Eb(Cpu *c, const Insn *in) {
  uint8_t s = rm_read8(c, in);
  uint16_t a = (uint16_t)c->regs[R_EAX];
  if (s == 0 || a / s > 0xff) {
    if (cpu_is_286(c))
      div_fault_286(c, a >> 8, a & 0xff, s, 8);
    cpu_raise(c, EXC_DE, ERR_NONE);
  }
  set_reg16(c, R_EAX, (uint16_t)((a / s) | (a % s) << 8));
}
void op_idiv_Eb(Cpu *c, const Insn *in) {
  int8_t s = (int8_t)rm_read8(c, in);
  int16_t a = (int16_t)c->regs[R_EAX];
  if (s == 0) {
    if (cpu_is_286(c))
      idiv_fault_286(c, a, 0, 8);
    cpu_raise(c, EXC_DE, ERR_NONE);
  }
  int32_t q = a / s, r = a % s;
  if (q > 127 || q < -128) {
    if (cpu_is_286(c))
      idiv_fault_286(c, a, s, 8);
    cpu_raise(c, EXC_DE, ERR_NONE);
  }
  set_reg16(c, R_EAX, (uint16_t)((uint8_t)q | (uint8_t)r << 8));
}
void op_div_Ev(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  if (s == 0 && !(in->flags & INSN_O32) && cpu_is_286(c))
    div_fault_286(c, (uint16_t)c->regs[R_EDX], (uint16_t)c->regs[R_EAX], 0, 16);
  if (s == 0)
    cpu_raise(c, EXC_DE, ERR_NONE);
  if (in->flags & INSN_O32) {
    uint64_t a = ((uint64_t)c->regs[R_EDX] << 32) | c->regs[R_EAX];
    uint64_t q = a / s;
    if (q > 0xffffffffu)
      cpu_raise(c, EXC_DE, ERR_NONE);
    c->regs[R_EAX] = (uint32_t)q;
    c->regs[R_EDX] = (uint32_t)(a % s);
  } else {
    uint32_t a = ((uint32_t)(uint16_t)c->regs[R_EDX] << 16) | (uint16_t)c->regs[R_EAX];
    uint32_t q = a / s;
    if (q > 0xffff) {
      if (cpu_is_286(c))
        div_fault_286(c, a >> 16, a & 0xffff, s, 16);
      cpu_raise(c, EXC_DE, ERR_NONE);
    }
    set_reg16(c, R_EAX, (uint16_t)q);
    set_reg16(c, R_EDX, (uint16_t)(a % s));
  }
}
void op_idiv_Ev(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  if (s == 0 && !(in->flags & INSN_O32) && cpu_is_286(c))
    idiv_fault_286(c, (int32_t)(((uint32_t)(uint16_t)c->regs[R_EDX] << 16) | (uint16_t)c->regs[R_EAX]), 0, 16);
  if (s == 0)
    cpu_raise(c, EXC_DE, ERR_NONE);
  if (in->flags & INSN_O32) {
    int64_t a = (int64_t)(((uint64_t)c->regs[R_EDX] << 32) | c->regs[R_EAX]);
    if (a == INT64_MIN && (int32_t)s == -1)
      cpu_raise(c, EXC_DE, ERR_NONE);
    int64_t q = a / (int32_t)s, r = a % (int32_t)s;
    if (q > INT32_MAX || q < INT32_MIN)
      cpu_raise(c, EXC_DE, ERR_NONE);
    c->regs[R_EAX] = (uint32_t)q;
    c->regs[R_EDX] = (uint32_t)r;
  } else {
    int32_t a = (int32_t)(((uint32_t)(uint16_t)c->regs[R_EDX] << 16) | (uint16_t)c->regs[R_EAX]);
    if (a == INT32_MIN && (int16_t)s == -1)
      cpu_raise(c, EXC_DE, ERR_NONE); /* |quotient| 2^31: the 286 rule keeps the flags too */
    int32_t q = a / (int16_t)s, r = a % (int16_t)s;
    if (q > 32767 || q < -32768) {
      if (cpu_is_286(c))
        idiv_fault_286(c, a, (int16_t)s, 16);
      cpu_raise(c, EXC_DE, ERR_NONE);
    }
    set_reg16(c, R_EAX, (uint16_t)q);
    set_reg16(c, R_EDX, (uint16_t)r);
  }
}

/* ---- BCD ---- */

void op_daa(Cpu *c, const Insn *in) {
  uint32_t f = cpu_get_flags(c);
  uint8_t al = (uint8_t)c->regs[R_EAX], old = al;
  uint32_t cf = f & F_CF, af = 0;
  if ((al & 0x0f) > 9 || (f & F_AF)) {
    al = (uint8_t)(al + 6);
    af = F_AF;
  }
  if (old > 0x99 || cf) {
    al = (uint8_t)(al + 0x60);
    cf = F_CF;
  } else {
    cf = 0;
  }
  set_reg8(c, R_EAX, al);
  uint32_t of = ((old ^ al) & (al ^ 0x60) & 0x80) ? F_OF : 0; /* undefined: as the 386 computes it */
  c->eflags = (f & ~F_ARITH) | szp_flags(al, 0) | cf | af | of;
  c->cc_op = CC_EFLAGS;
}
void op_das(Cpu *c, const Insn *in) {
  uint32_t f = cpu_get_flags(c);
  uint8_t al = (uint8_t)c->regs[R_EAX], old = al;
  uint32_t cf = 0, af = 0;
  if ((al & 0x0f) > 9 || (f & F_AF)) {
    cf = (f & F_CF) | (al < 6 ? F_CF : 0); /* SDM: old CF or the borrow of AL - 6 */
    al = (uint8_t)(al - 6);
    af = F_AF;
  }
  if (old > 0x99 || (f & F_CF)) {
    al = (uint8_t)(al - 0x60);
    cf = F_CF;
  }
  set_reg8(c, R_EAX, al);
  uint32_t of = ((old ^ al) & old & 0x80) ? F_OF : 0;
  c->eflags = (f & ~F_ARITH) | szp_flags(al, 0) | cf | af | of;
  c->cc_op = CC_EFLAGS;
}
void op_aaa(Cpu *c, const Insn *in) {
  uint32_t f = cpu_get_flags(c);
  uint16_t ax = (uint16_t)c->regs[R_EAX];
  uint32_t fl;
  if ((ax & 0x0f) > 9 || (f & F_AF)) {
    ax = (uint16_t)(ax + 0x106);
    fl = F_AF | F_CF;
  } else {
    fl = 0;
  }
  ax &= 0xff0f;
  set_reg16(c, R_EAX, ax);
  c->eflags = (f & ~F_ARITH) | fl | szp_flags(ax & 0xff, 0);
  c->cc_op = CC_EFLAGS;
}
void op_aas(Cpu *c, const Insn *in) {
  uint32_t f = cpu_get_flags(c);
  uint16_t ax = (uint16_t)c->regs[R_EAX];
  uint32_t fl;
  if ((ax & 0x0f) > 9 || (f & F_AF)) {
    ax = (uint16_t)(ax - 6 - 0x100); /* SDM: AX := AX - 6 (borrows into AH); AH := AH - 1 */
    fl = F_AF | F_CF;
  } else {
    fl = 0;
  }
  ax &= 0xff0f;
  set_reg16(c, R_EAX, ax);
  c->eflags = (f & ~F_ARITH) | fl | szp_flags(ax & 0xff, 0);
  c->cc_op = CC_EFLAGS;
}
void op_aam_Ib(Cpu *c, const Insn *in) {
  uint8_t base = (uint8_t)in->imm;
  if (base == 0 && cpu_is_286(c))
    div_fault_286(c, 0, (uint8_t)c->regs[R_EAX], 0, 8); /* AL / 0 by the DIV loop */
  if (base == 0)
    cpu_raise(c, EXC_DE, ERR_NONE);
  uint8_t al = (uint8_t)c->regs[R_EAX];
  uint8_t q = al / base, r = al % base;
  set_reg16(c, R_EAX, (uint16_t)(q << 8 | r));
  set_cc(c, CC_LOGIC8, 0, 0, r);
}
void op_aad_Ib(Cpu *c, const Insn *in) {
  uint16_t ax = (uint16_t)c->regs[R_EAX];
  uint8_t al = (uint8_t)((ax & 0xff) + (ax >> 8) * (uint8_t)in->imm);
  set_reg16(c, R_EAX, al);
  set_cc(c, CC_LOGIC8, 0, 0, al);
}

/* ---- bit test / scan ---- */

/* op: 0 bt, 1 bts, 2 btr, 3 btc */
static void bt_common(Cpu *c, const Insn *in, unsigned op, uint32_t bitoff, bool reg_offset) {
  unsigned sz = vsz(in), bits = size_bits[sz];
  uint32_t cf;
  if (!(in->flags & INSN_MEM)) {
    uint32_t v = regv(c, in, in->rm);
    unsigned b = bitoff & (bits - 1);
    cf = (v >> b) & 1;
    if (op == 1) v |= 1u << b;
    else if (op == 2) v &= ~(1u << b);
    else if (op == 3) v ^= 1u << b;
    if (op)
      set_regv(c, in, in->rm, v);
  } else {
    uint32_t off = ea_offset(c, in);
    if (reg_offset) {
      int32_t sb = sz == 2 ? (int32_t)bitoff : (int16_t)bitoff;
      off += (uint32_t)((sb >> (sz == 2 ? 5 : 4)) * (int32_t)(bits / 8));
      if (!(in->flags & INSN_A32))
        off &= 0xffff;
    }
    unsigned b = bitoff & (bits - 1);
    uint32_t v;
    if (op) {
      uint32_t lin = seg_lin(c, in->seg, off, bits / 8, true);
      lin_check_write(c, lin, bits / 8);
      v = sz == 2 ? lin_read32(c, lin) : lin_read16(c, lin);
      cf = (v >> b) & 1;
      if (op == 1) v |= 1u << b;
      else if (op == 2) v &= ~(1u << b);
      else v ^= 1u << b;
      if (sz == 2) lin_write32(c, lin, v); else lin_write16(c, lin, (uint16_t)v);
    } else {
      v = sz == 2 ? vread32(c, in->seg, off) : vread16(c, in->seg, off);
      cf = (v >> b) & 1;
    }
  }
  flags_sync(c);
  c->eflags = (c->eflags & ~F_CF) | cf;
}
void op_bt_EvGv(Cpu *c, const Insn *in) { bt_common(c, in, 0, regv(c, in, in->reg), true); }
void op_bts_EvGv(Cpu *c, const Insn *in) { bt_common(c, in, 1, regv(c, in, in->reg), true); }
void op_btr_EvGv(Cpu *c, const Insn *in) { bt_common(c, in, 2, regv(c, in, in->reg), true); }
void op_btc_EvGv(Cpu *c, const Insn *in) { bt_common(c, in, 3, regv(c, in, in->reg), true); }
void op_bt_EvIb(Cpu *c, const Insn *in) { bt_common(c, in, 0, in->imm & 0xff, false); }
void op_bts_EvIb(Cpu *c, const Insn *in) { bt_common(c, in, 1, in->imm & 0xff, false); }
void op_btr_EvIb(Cpu *c, const Insn *in) { bt_common(c, in, 2, in->imm & 0xff, false); }
void op_btc_EvIb(Cpu *c, const Insn *in) { bt_common(c, in, 3, in->imm & 0xff, false); }

void op_bsf_GvEv(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  flags_sync(c);
  if (s == 0) {
    c->eflags |= F_ZF;
    return;
  }
  c->eflags &= ~F_ZF;
  set_regv(c, in, in->reg, (uint32_t)__builtin_ctz(s));
}
void op_bsr_GvEv(Cpu *c, const Insn *in) {
  uint32_t s = rm_readv(c, in);
  flags_sync(c);
  if (s == 0) {
    c->eflags |= F_ZF;
    return;
  }
  c->eflags &= ~F_ZF;
  set_regv(c, in, in->reg, 31u - (uint32_t)__builtin_clz(s));
}

/* ---- exchange-and-add / compare-and-exchange ---- */

void op_xadd_EbGb(Cpu *c, const Insn *in) {
  uint8_t d = rmw_read8(c, in), s = reg8(c, in->reg);
  uint8_t r = (uint8_t)alu(c, 0, 0, d, s);
  set_reg8(c, in->reg, d);
  rm_write8(c, in, r);
}
void op_xadd_EvGv(Cpu *c, const Insn *in) {
  uint32_t d = rmw_readv(c, in), s = regv(c, in, in->reg);
  uint32_t r = alu(c, 0, vsz(in), d, s);
  set_regv(c, in, in->reg, d);
  rm_writev(c, in, r);
}
void op_cmpxchg_EbGb(Cpu *c, const Insn *in) {
  uint8_t d = rmw_read8(c, in);
  alu(c, 7, 0, (uint8_t)c->regs[R_EAX], d);
  if ((uint8_t)c->regs[R_EAX] == d) {
    rm_write8(c, in, reg8(c, in->reg));
  } else {
    rm_write8(c, in, d); /* the processor always writes back */
    set_reg8(c, R_EAX, d);
  }
}
void op_cmpxchg_EvGv(Cpu *c, const Insn *in) {
  uint32_t d = rmw_readv(c, in);
  uint32_t a = regv(c, in, R_EAX);
  alu(c, 7, vsz(in), a, d);
  if (a == d) {
    rm_writev(c, in, regv(c, in, in->reg));
  } else {
    rm_writev(c, in, d);
    set_regv(c, in, R_EAX, d);
  }
}
void op_cmpxchg8b_Mq(Cpu *c, const Insn *in) {
  uint32_t off = ea_offset(c, in);
  uint32_t lin = seg_lin(c, in->seg, off, 8, true);
  lin_check_write(c, lin, 8);
  uint32_t lo = lin_read32(c, lin), hi = lin_read32(c, lin + 4);
  flags_sync(c);
  if (lo == c->regs[R_EAX] && hi == c->regs[R_EDX]) {
    lin_write32(c, lin, c->regs[R_EBX]);
    lin_write32(c, lin + 4, c->regs[R_ECX]);
    c->eflags |= F_ZF;
  } else {
    lin_write32(c, lin, lo);
    lin_write32(c, lin + 4, hi);
    c->regs[R_EAX] = lo;
    c->regs[R_EDX] = hi;
    c->eflags &= ~F_ZF;
  }
}

/* ---- operand-form-specialised handlers (installed by ops_alu_form) ---- */

/* ALU operation opn on a register (32-bit, or 8-bit by number) or memory destination. */
static inline void alu_r32(Cpu *c, unsigned opn, unsigned d, uint32_t s) {
  uint32_t r = alu(c, opn, 2, c->regs[d], s);
  if (opn != 7)
    c->regs[d] = r;
}
static inline void alu_r8(Cpu *c, unsigned opn, unsigned d, uint8_t s) {
  uint8_t r = (uint8_t)alu(c, opn, 0, reg8(c, d), s);
  if (opn != 7)
    set_reg8(c, d, r);
}
/* Memory destination through seg_host(): CMP only reads; the others need a
 * writable page (as rmw_read* checks).  false: nothing done, the caller hands
 * the instruction to the row's handler. */
static inline bool alu_m32(Cpu *c, const Insn *in, unsigned opn, uint32_t s) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 4, opn != 7);
  if (unlikely(h == NULL))
    return false;
  uint32_t r = alu(c, opn, 2, ld32(h), s);
  if (opn != 7)
    st32(h, r);
  return true;
}
static inline bool alu_m8(Cpu *c, const Insn *in, unsigned opn, uint8_t s) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 1, opn != 7);
  if (unlikely(h == NULL))
    return false;
  uint8_t r = (uint8_t)alu(c, opn, 0, *h, s);
  if (opn != 7)
    *h = r;
  return true;
}
static inline bool alu_r32_m(Cpu *c, const Insn *in, unsigned opn) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 4, false);
  if (unlikely(h == NULL))
    return false;
  alu_r32(c, opn, in->reg, ld32(h));
  return true;
}

#define ALU_FAST(name, opn)                                                                          \
  static void op_##name##_EdGd_reg(Cpu *c, const Insn *in) { alu_r32(c, opn, in->rm, c->regs[in->reg]); } \
  static void op_##name##_EdGd_mem(Cpu *c, const Insn *in) {                                        \
    if (!alu_m32(c, in, opn, c->regs[in->reg]))                                                      \
      op_##name##_EvGv(c, in);                                                                       \
  }                                                                                                  \
  static void op_##name##_GdEd_reg(Cpu *c, const Insn *in) { alu_r32(c, opn, in->reg, c->regs[in->rm]); } \
  static void op_##name##_GdEd_mem(Cpu *c, const Insn *in) {                                        \
    if (!alu_r32_m(c, in, opn))                                                                      \
      op_##name##_GvEv(c, in);                                                                       \
  }                                                                                                  \
  static void op_##name##_EdId_reg(Cpu *c, const Insn *in) { alu_r32(c, opn, in->rm, in->imm); }    \
  static void op_##name##_EdId_mem(Cpu *c, const Insn *in) {                                        \
    if (!alu_m32(c, in, opn, in->imm))                                                               \
      op_##name##_EvIz(c, in);                                                                       \
  }                                                                                                  \
  static void op_##name##_EAXId(Cpu *c, const Insn *in) { alu_r32(c, opn, R_EAX, in->imm); }        \
  static void op_##name##_EbGb_reg(Cpu *c, const Insn *in) { alu_r8(c, opn, in->rm, reg8(c, in->reg)); } \
  static void op_##name##_EbGb_mem(Cpu *c, const Insn *in) {                                        \
    if (!alu_m8(c, in, opn, reg8(c, in->reg)))                                                       \
      op_##name##_EbGb(c, in);                                                                       \
  }                                                                                                  \
  static void op_##name##_GbEb_reg(Cpu *c, const Insn *in) { alu_r8(c, opn, in->reg, reg8(c, in->rm)); } \
  static void op_##name##_EbIb_reg(Cpu *c, const Insn *in) { alu_r8(c, opn, in->rm, (uint8_t)in->imm); } \
  static void op_##name##_EbIb_mem(Cpu *c, const Insn *in) {                                        \
    if (!alu_m8(c, in, opn, (uint8_t)in->imm))                                                       \
      op_##name##_EbIb(c, in);                                                                       \
  }
ALU_FAST(add, 0)
ALU_FAST(or, 1)
ALU_FAST(adc, 2)
ALU_FAST(sbb, 3)
ALU_FAST(and, 4)
ALU_FAST(sub, 5)
ALU_FAST(xor, 6)
ALU_FAST(cmp, 7)
#undef ALU_FAST

static void op_test_EdGd_reg(Cpu *c, const Insn *in) { alu(c, 4, 2, c->regs[in->rm], c->regs[in->reg]); }
static void op_test_EbGb_reg(Cpu *c, const Insn *in) { alu(c, 4, 0, reg8(c, in->rm), reg8(c, in->reg)); }
static void op_inc_Zd(Cpu *c, const Insn *in) {
  unsigned n = in->op & 7;
  c->regs[n] = incdec(c, 2, c->regs[n], false);
}
static void op_dec_Zd(Cpu *c, const Insn *in) {
  unsigned n = in->op & 7;
  c->regs[n] = incdec(c, 2, c->regs[n], true);
}

/* 32-bit register shifted by an immediate, 1 or CL. */
#define SHIFT_FAST(name, opn)                                                          \
  static void op_##name##_Ed_reg(Cpu *c, const Insn *in) {                             \
    c->regs[in->rm] = shift_op(c, opn, 2, c->regs[in->rm], shift_count(c, in));        \
  }
SHIFT_FAST(rol, 0)
SHIFT_FAST(ror, 1)
SHIFT_FAST(shl, 4)
SHIFT_FAST(shr, 5)
SHIFT_FAST(sar, 7)
#undef SHIFT_FAST

InsnFn ops_alu_form(const Insn *in) {
  /* Rows by opcode: the eight ALU operations share one layout (opcode bits 5-3
   * in 00-3F, ModRM.reg in 80-83). */
#define ALU_TABLE(form) \
  {op_add_##form, op_or_##form, op_adc_##form, op_sbb_##form, op_and_##form, op_sub_##form, op_xor_##form, op_cmp_##form}
  static const InsnFn EdGd_reg[8] = ALU_TABLE(EdGd_reg), EdGd_mem[8] = ALU_TABLE(EdGd_mem);
  static const InsnFn GdEd_reg[8] = ALU_TABLE(GdEd_reg), GdEd_mem[8] = ALU_TABLE(GdEd_mem);
  static const InsnFn EdId_reg[8] = ALU_TABLE(EdId_reg), EdId_mem[8] = ALU_TABLE(EdId_mem);
  static const InsnFn EAXId[8] = ALU_TABLE(EAXId);
  static const InsnFn EbGb_reg[8] = ALU_TABLE(EbGb_reg), EbGb_mem[8] = ALU_TABLE(EbGb_mem);
  static const InsnFn GbEb_reg[8] = ALU_TABLE(GbEb_reg);
  static const InsnFn EbIb_reg[8] = ALU_TABLE(EbIb_reg), EbIb_mem[8] = ALU_TABLE(EbIb_mem);
#undef ALU_TABLE
  const unsigned op = in->op;
  const bool o32 = in->flags & INSN_O32, mem = in->flags & INSN_MEM;
  /* LOCK: the row's handler (a locked form is rare and must stay exact). */
  if (in->flags & INSN_LOCK)
    return NULL;
  if (op < 0x40 && (op & 7) < 6) {
    const unsigned k = op >> 3;
    switch (op & 7) {
    case 0: return mem ? EbGb_mem[k] : EbGb_reg[k];
    case 1: return o32 ? (mem ? EdGd_mem[k] : EdGd_reg[k]) : NULL;
    case 2: return mem ? NULL : GbEb_reg[k];
    case 3: return o32 ? (mem ? GdEd_mem[k] : GdEd_reg[k]) : NULL;
    case 5: return o32 ? EAXId[k] : NULL;
    default: return NULL;
    }
  }
  switch (op) {
  case 0x80: case 0x82: return mem ? EbIb_mem[in->reg] : EbIb_reg[in->reg];
  case 0x81: case 0x83: return o32 ? (mem ? EdId_mem[in->reg] : EdId_reg[in->reg]) : NULL;
  case 0x84: return mem ? NULL : op_test_EbGb_reg;
  case 0x85: return o32 && !mem ? op_test_EdGd_reg : NULL;
  case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    return o32 ? op_inc_Zd : NULL;
  case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
    return o32 ? op_dec_Zd : NULL;
  case 0xc1: case 0xd1: case 0xd3:
    if (!o32 || mem)
      return NULL;
    switch (in->reg) {
    case 0: return op_rol_Ed_reg;
    case 1: return op_ror_Ed_reg;
    case 4: case 6: return op_shl_Ed_reg;
    case 5: return op_shr_Ed_reg;
    case 7: return op_sar_Ed_reg;
    default: return NULL;
    }
  default:
    return NULL;
  }
}
