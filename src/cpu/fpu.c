/*
 * fpu.c — x87 FPU instruction handlers (escape opcodes D8-DF, WAIT,
 * FXSAVE/FXRSTOR) on top of softfloat80.
 *
 * Structure: op_fpu() checks CR0.EM/TS, the pending-exception rule (#MF when
 * CR0.NE, else the FERR# hook), then dispatches on the escape byte and ModRM.
 * Every memory read and write check is done before the FPU state changes,
 * so a fault leaves the instruction restartable.  Stack faults (IE + SF,
 * C1 = 1 on overflow, 0 on underflow) and the masked/unmasked responses
 * follow the Intel SDM vol. 1 ch. 8.
 */
#include <string.h>

#include "cpu.h"
#include "exec.h"
#include "ops.h"
#include "softfloat80.h"

/* ---- stack and tags ---- */

static unsigned fpu_top(const FpuState *f) { return (f->sw >> 11) & 7; }
static void fpu_set_top(FpuState *f, unsigned t) { f->sw = (uint16_t)((f->sw & ~FSW_TOP) | (t & 7) << 11); }
static unsigned fpu_phys(const FpuState *f, unsigned i) { return (fpu_top(f) + i) & 7; }
static unsigned fpu_tag(const FpuState *f, unsigned p) { return (f->tw >> (2 * p)) & 3; }
static void fpu_set_tag(FpuState *f, unsigned p, unsigned t) {
  f->tw = (uint16_t)((f->tw & ~(3u << (2 * p))) | t << (2 * p));
}
static bool fpu_empty(const FpuState *f, unsigned i) { return fpu_tag(f, fpu_phys(f, i)) == FTAG_EMPTY; }
static Float80 fpu_st(const FpuState *f, unsigned i) { return f->st[fpu_phys(f, i)]; }
static void fpu_set_st(FpuState *f, unsigned i, Float80 v) {
  unsigned p = fpu_phys(f, i);
  f->st[p] = v;
  fpu_set_tag(f, p, f80_tag(v));
}
static void fpu_pop(FpuState *f) {
  fpu_set_tag(f, fpu_top(f), FTAG_EMPTY);
  fpu_set_top(f, fpu_top(f) + 1);
}
static void fpu_push(FpuState *f, Float80 v) {
  fpu_set_top(f, fpu_top(f) - 1);
  fpu_set_st(f, 0, v);
}

static void fpu_finit(FpuState *f) {
  f->cw = 0x037f;
  f->sw = 0;
  f->tw = 0xffff;
  f->fop = 0;
  f->fip = f->fdp = 0;
  f->fcs = f->fds = 0;
}

void fpu_reset(FpuState *f) {
  fpu_finit(f);
  memset(f->st, 0, sizeof f->st);
  f->mxcsr = 0x1f80;
  memset(f->xmm, 0, sizeof f->xmm);
}

/* ---- exceptions ---- */

static void fpu_ferr(FpuState *f, int level) {
  if (f->ferr)
    f->ferr(f->ferr_opaque, level);
}

/* Recompute ES/B from the flags and masks (FLDCW, FLDENV, FRSTOR). */
static void fpu_update_es(FpuState *f) {
  bool es = (f->sw & ~f->cw & FSW_EXC) != 0;
  bool was = (f->sw & FSW_ES) != 0;
  if (es)
    f->sw |= FSW_ES | FSW_B;
  else
    f->sw &= (uint16_t)~(FSW_ES | FSW_B);
  if (was && !es)
    fpu_ferr(f, 0);
}

/*
 * Merge an operation's flags into SW.  C1 takes the rounding direction.
 * Returns false when an unmasked IE, DE or ZE forbids storing the result.
 */
static bool fpu_finish(FpuState *f, const F80Env *e) {
  f->sw = (uint16_t)((f->sw & ~FSW_C1) | e->flags | (e->c1 ? FSW_C1 : 0));
  uint16_t unmasked = e->flags & ~f->cw & FSW_EXC;
  if (unmasked)
    f->sw |= FSW_ES | FSW_B;
  return !(unmasked & (FSW_IE | FSW_DE | FSW_ZE));
}

/* Control word as stored: bits 13-15 read as 0, bit 6 as 1 (measured on hardware). */
static uint16_t fpu_cw_value(uint16_t v) { return (uint16_t)((v & 0x1f3f) | 0x0040); }

static F80Env fpu_env(const FpuState *f) {
  F80Env e = { f->cw, 0, 0 };
  return e;
}

/* Stack underflow (reading an empty register). Returns true if masked. */
static bool fpu_underflow(FpuState *f) {
  f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_IE | FSW_SF);
  if (!(f->cw & FSW_IE)) {
    f->sw |= FSW_ES | FSW_B;
    return false;
  }
  return true;
}

/* Stack overflow (pushing onto a full stack). Returns true if masked. */
static bool fpu_overflow(FpuState *f) {
  f->sw |= FSW_IE | FSW_SF | FSW_C1;
  if (!(f->cw & FSW_IE)) {
    f->sw |= FSW_ES | FSW_B;
    return false;
  }
  return true;
}

/* CR0.EM / CR0.TS and the pending-exception check of a waiting instruction. */
static void fpu_check_avail(Cpu *cpu) {
  if (cpu->cr[0] & (CR0_EM | CR0_TS))
    cpu_raise(cpu, EXC_NM, ERR_NONE);
}
/*
 * CR0.NE = 1: #MF.  CR0.NE = 0 (MS-DOS compatibility): assert FERR#.  If that
 * makes an interrupt deliverable now (IRQ13 unmasked, IF = 1), the waiting
 * instruction freezes as on hardware: it does not execute, EIP stays on it,
 * the interrupt is taken before it and it runs again after the handler.
 * Returns true when frozen.  Otherwise (IRQ13 masked or IF = 0, where the
 * chipset's IGNNE# lets the FPU go on) the instruction proceeds.
 */
static bool fpu_check_pending(Cpu *cpu) {
  FpuState *f = &cpu->fpu;
  if (!(f->sw & FSW_ES))
    return false;
  if (cpu->cr[0] & CR0_NE)
    cpu_raise(cpu, EXC_MF, ERR_NONE);
  fpu_ferr(f, 1);
  if (cpu->intr && (cpu->eflags & F_IF)) {
    cpu->next_eip = cpu->eip;
    return true;
  }
  return false;
}

/* ---- memory operands ---- */

static uint64_t rd64(Cpu *cpu, int seg, uint32_t off) {
  uint32_t lo = vread32(cpu, seg, off);
  uint32_t hi = vread32(cpu, seg, off + 4);
  return (uint64_t)hi << 32 | lo;
}
static Float80 rd80(Cpu *cpu, int seg, uint32_t off) {
  Float80 v;
  v.mant = rd64(cpu, seg, off);
  v.sexp = vread16(cpu, seg, off + 8);
  return v;
}
static void wr64(Cpu *cpu, int seg, uint32_t off, uint64_t v) {
  vwrite32(cpu, seg, off, (uint32_t)v);
  vwrite32(cpu, seg, off + 4, (uint32_t)(v >> 32));
}
static void wr80(Cpu *cpu, int seg, uint32_t off, Float80 v) {
  wr64(cpu, seg, off, v.mant);
  vwrite16(cpu, seg, off + 8, v.sexp);
}

/* ---- arithmetic ---- */

enum { AR_ADD, AR_MUL, AR_COM, AR_COMP, AR_SUB, AR_SUBR, AR_DIV, AR_DIVR };

static inline Float80 fpu_arith(F80Env *e, int op, Float80 a, Float80 b) {
  switch (op) {
  case AR_ADD: return f80_add(e, a, b);
  case AR_MUL: return f80_mul(e, a, b);
  case AR_SUB: return f80_sub(e, a, b);
  case AR_SUBR: return f80_sub(e, b, a);
  case AR_DIV: return f80_div(e, a, b);
  default: return f80_div(e, b, a);
  }
}

static uint16_t cc_of(int rel) {
  switch (rel) {
  case F80_GT: return 0;
  case F80_LT: return FSW_C0;
  case F80_EQ: return FSW_C3;
  default: return FSW_C3 | FSW_C2 | FSW_C0;
  }
}

/* FCOM family: compare ST0 with b, set C0/C2/C3, pop npop times. */
static void fpu_compare(FpuState *f, Float80 b, bool b_empty, bool quiet, int npop) {
  F80Env e = fpu_env(f);
  uint16_t cc;
  if (fpu_empty(f, 0) || b_empty) {
    cc = FSW_C3 | FSW_C2 | FSW_C0;
    if (!fpu_underflow(f))
      return;
  } else {
    cc = cc_of(f80_compare(&e, fpu_st(f, 0), b, quiet));
    if (!fpu_finish(f, &e))
      return;
  }
  f->sw = (uint16_t)((f->sw & ~FSW_CC) | cc);
  while (npop-- > 0)
    fpu_pop(f);
}

/* FCOMI family: EFLAGS ZF/PF/CF. */
static void fpu_comi(Cpu *cpu, unsigned i, bool quiet, bool pop) {
  FpuState *f = &cpu->fpu;
  F80Env e = fpu_env(f);
  int rel;
  if (fpu_empty(f, 0) || fpu_empty(f, i)) {
    rel = F80_UN;
    if (!fpu_underflow(f))
      return;
  } else {
    rel = f80_compare(&e, fpu_st(f, 0), fpu_st(f, i), quiet);
    uint16_t c1 = f->sw & FSW_C1; /* FCOMI leaves C1 alone */
    bool ok = fpu_finish(f, &e);
    f->sw = (uint16_t)((f->sw & ~FSW_C1) | c1);
    if (!ok)
      return;
  }
  static const uint32_t fl[4] = { 0, F_CF, F_ZF, F_ZF | F_PF | F_CF };
  cpu_set_flags(cpu, fl[rel], F_ZF | F_PF | F_CF | F_OF | F_SF | F_AF);
  if (pop)
    fpu_pop(f);
}

/* dest(i) = ST0 op b (or b op ST0 for reversed ops), with stack checks. */
static void fpu_arith_to(FpuState *f, int op, unsigned dst, Float80 a, Float80 b, bool empty, int pop) {
  F80Env e = fpu_env(f);
  if (empty) {
    if (!fpu_underflow(f))
      return;
    fpu_set_st(f, dst, f80_indefinite);
  } else {
    Float80 r = fpu_arith(&e, op, a, b);
    if (!fpu_finish(f, &e))
      return;
    fpu_set_st(f, dst, r);
  }
  if (pop)
    fpu_pop(f);
}

/* Store a unary result to ST0 (with empty check). */
typedef Float80 (*UnaryFn)(F80Env *e, Float80 a);
static void fpu_unary(FpuState *f, UnaryFn fn) {
  if (fpu_empty(f, 0)) {
    if (fpu_underflow(f))
      fpu_set_st(f, 0, f80_indefinite);
    return;
  }
  F80Env e = fpu_env(f);
  Float80 r = fn(&e, fpu_st(f, 0));
  if (fpu_finish(f, &e))
    fpu_set_st(f, 0, r);
}

static Float80 fn_chs(F80Env *e, Float80 a) { a.sexp ^= 0x8000; return a; }
static Float80 fn_abs(F80Env *e, Float80 a) { a.sexp &= 0x7fff; return a; }
static Float80 fn_f2xm1(F80Env *e, Float80 a) { return f80_f2xm1(e, a); }
static Float80 fn_sqrt(F80Env *e, Float80 a) { return f80_sqrt(e, a); }
static Float80 fn_rndint(F80Env *e, Float80 a) { return f80_round_int(e, a); }

/* Push a value loaded from memory; flags from its conversion, and for
 * m32/m64 reals (conv) an SNaN signals IE and is loaded quiet. */
static void fpu_load(FpuState *f, Float80 v, F80Env *e, bool conv) {
  if (!fpu_empty(f, 7)) {
    if (fpu_overflow(f))
      fpu_push(f, f80_indefinite);
    return;
  }
  if (conv && f80_is_snan(v)) {
    e->flags |= FSW_IE;
    v.mant |= 0x4000000000000000ull;
  }
  if (!fpu_finish(f, e))
    return;
  fpu_push(f, v);
}

/* ST1 = fn(ST0, ST1), pop (FYL2X, FYL2XP1, FPATAN). */
typedef Float80 (*BinFn)(F80Env *e, Float80 st0, Float80 st1);
static Float80 fn_yl2x(F80Env *e, Float80 x, Float80 y) { return f80_yl2x(e, x, y); }
static Float80 fn_yl2xp1(F80Env *e, Float80 x, Float80 y) { return f80_yl2xp1(e, x, y); }
static Float80 fn_patan(F80Env *e, Float80 x, Float80 y) { return f80_patan(e, y, x); }
static void fpu_binpop(FpuState *f, BinFn fn) {
  if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
    if (!fpu_underflow(f))
      return;
    fpu_set_st(f, 1, f80_indefinite);
  } else {
    F80Env e = fpu_env(f);
    Float80 r = fn(&e, fpu_st(f, 0), fpu_st(f, 1));
    if (!fpu_finish(f, &e))
      return;
    fpu_set_st(f, 1, r);
  }
  fpu_pop(f);
}

/* ---- environment (FSTENV/FLDENV/FSAVE/FRSTOR) ---- */

/* Full tag word with each non-empty register classified from its contents. */
static uint16_t fpu_full_tags(const FpuState *f) {
  uint16_t tw = 0;
  for (unsigned p = 0; p < 8; p++) {
    unsigned t = fpu_tag(f, p) == FTAG_EMPTY ? FTAG_EMPTY : f80_tag(f->st[p]);
    tw |= (uint16_t)(t << (2 * p));
  }
  return tw;
}

static uint32_t env_size(const Insn *in) { return (in->flags & INSN_O32) ? 28 : 14; }

static void fpu_store_env(Cpu *cpu, const Insn *in, uint32_t off) {
  FpuState *f = &cpu->fpu;
  int seg = in->seg;
  bool o32 = (in->flags & INSN_O32) != 0;
  bool pm = cpu_pmode(cpu);
  uint16_t tw = fpu_full_tags(f);
  vcheck_write(cpu, seg, off, env_size(in));
  if (o32) {
    vwrite32(cpu, seg, off, 0xffff0000u | f->cw);
    vwrite32(cpu, seg, off + 4, 0xffff0000u | f->sw);
    vwrite32(cpu, seg, off + 8, 0xffff0000u | tw);
    if (pm) {
      vwrite32(cpu, seg, off + 12, f->fip);
      vwrite32(cpu, seg, off + 16, f->fcs | (uint32_t)(f->fop & 0x7ff) << 16);
      vwrite32(cpu, seg, off + 20, f->fdp);
      vwrite32(cpu, seg, off + 24, 0xffff0000u | f->fds);
    } else {
      uint32_t ip = f->fip + ((uint32_t)f->fcs << 4), dp = f->fdp + ((uint32_t)f->fds << 4);
      vwrite32(cpu, seg, off + 12, 0xffff0000u | (ip & 0xffff));
      vwrite32(cpu, seg, off + 16, (ip >> 16) << 12 | (f->fop & 0x7ff));
      vwrite32(cpu, seg, off + 20, 0xffff0000u | (dp & 0xffff));
      vwrite32(cpu, seg, off + 24, (dp >> 16) << 12);
    }
  } else {
    vwrite16(cpu, seg, off, f->cw);
    vwrite16(cpu, seg, off + 2, f->sw);
    vwrite16(cpu, seg, off + 4, tw);
    if (pm) {
      vwrite16(cpu, seg, off + 6, (uint16_t)f->fip);
      vwrite16(cpu, seg, off + 8, f->fcs);
      vwrite16(cpu, seg, off + 10, (uint16_t)f->fdp);
      vwrite16(cpu, seg, off + 12, f->fds);
    } else {
      uint32_t ip = f->fip + ((uint32_t)f->fcs << 4), dp = f->fdp + ((uint32_t)f->fds << 4);
      vwrite16(cpu, seg, off + 6, (uint16_t)ip);
      vwrite16(cpu, seg, off + 8, (uint16_t)(((ip >> 16) & 0xf) << 12 | (f->fop & 0x7ff)));
      vwrite16(cpu, seg, off + 10, (uint16_t)dp);
      vwrite16(cpu, seg, off + 12, (uint16_t)(((dp >> 16) & 0xf) << 12));
    }
  }
}

/* Read an environment image into *out (no state change). */
static void fpu_read_env(Cpu *cpu, const Insn *in, uint32_t off, FpuState *out) {
  int seg = in->seg;
  bool pm = cpu_pmode(cpu);
  if (in->flags & INSN_O32) {
    out->cw = (uint16_t)vread32(cpu, seg, off);
    out->sw = (uint16_t)vread32(cpu, seg, off + 4);
    out->tw = (uint16_t)vread32(cpu, seg, off + 8);
    uint32_t a = vread32(cpu, seg, off + 12), b = vread32(cpu, seg, off + 16);
    uint32_t c = vread32(cpu, seg, off + 20), d = vread32(cpu, seg, off + 24);
    if (pm) {
      out->fip = a;
      out->fcs = (uint16_t)b;
      out->fop = (uint16_t)((b >> 16) & 0x7ff);
      out->fdp = c;
      out->fds = (uint16_t)d;
    } else {
      out->fip = (a & 0xffff) | ((b >> 12) & 0xffff) << 16;
      out->fop = (uint16_t)(b & 0x7ff);
      out->fdp = (c & 0xffff) | ((d >> 12) & 0xffff) << 16;
      out->fcs = out->fds = 0;
    }
  } else {
    out->cw = vread16(cpu, seg, off);
    out->sw = vread16(cpu, seg, off + 2);
    out->tw = vread16(cpu, seg, off + 4);
    uint16_t a = vread16(cpu, seg, off + 6), b = vread16(cpu, seg, off + 8);
    uint16_t c = vread16(cpu, seg, off + 10), d = vread16(cpu, seg, off + 12);
    if (pm) {
      out->fip = a;
      out->fcs = b;
      out->fdp = c;
      out->fds = d;
      out->fop = 0;
    } else {
      out->fip = a | (uint32_t)(b >> 12) << 16;
      out->fop = b & 0x7ff;
      out->fdp = c | (uint32_t)(d >> 12) << 16;
      out->fcs = out->fds = 0;
    }
  }
}

/* Install an environment read by fpu_read_env: tags keep only empty/non-empty. */
static void fpu_apply_env(FpuState *f, const FpuState *n) {
  f->cw = fpu_cw_value(n->cw);
  f->sw = n->sw;
  f->tw = 0;
  for (unsigned p = 0; p < 8; p++)
    fpu_set_tag(f, p, ((n->tw >> (2 * p)) & 3) == FTAG_EMPTY ? FTAG_EMPTY : f80_tag(f->st[p]));
  f->fip = n->fip;
  f->fcs = n->fcs;
  f->fop = n->fop;
  f->fdp = n->fdp;
  f->fds = n->fds;
  bool was = (f->sw & FSW_ES) != 0;
  f->sw &= (uint16_t)~(FSW_ES | FSW_B);
  if (f->sw & ~f->cw & FSW_EXC)
    f->sw |= FSW_ES | FSW_B;
  else if (was)
    fpu_ferr(f, 0);
}

/* ---- the escape opcodes ---- */

static bool is_control(unsigned esc, const Insn *in) {
  unsigned reg = in->reg;
  if (in->flags & INSN_MEM)
    return (esc == 1 && reg >= 4) || (esc == 5 && (reg == 4 || reg == 6 || reg == 7));
  return (esc == 3 && (in->modrm == 0xe2 || in->modrm == 0xe3)) || (esc == 7 && in->modrm == 0xe0);
}

static void fpu_mem(Cpu *cpu, const Insn *in, unsigned esc) {
  FpuState *f = &cpu->fpu;
  uint32_t off = ea_offset(cpu, in);
  int seg = in->seg;
  unsigned reg = in->reg;
  F80Env e = fpu_env(f);

  if (esc == 0 || esc == 2 || esc == 4 || esc == 6) { /* arithmetic with a memory operand */
    Float80 b;
    F80Env ce = e;
    switch (esc) {
    case 0: b = f80_from_f32(&ce, vread32(cpu, seg, off)); break;
    case 4: b = f80_from_f64(&ce, rd64(cpu, seg, off)); break;
    case 2: b = f80_from_int((int32_t)vread32(cpu, seg, off)); break;
    default: b = f80_from_int((int16_t)vread16(cpu, seg, off)); break;
    }
    Float80 a = fpu_st(f, 0);
    bool a_ok = !fpu_empty(f, 0) && !f80_is_nan(a) && !(f80_exp(a) != 0 && !(a.mant >> 63));
    /* DE of a denormal memory operand, unless a higher-priority IE/ZE occurs */
    uint16_t mem_de = a_ok ? (ce.flags & FSW_DE) : 0;
    if (reg == AR_COM || reg == AR_COMP) {
      e.flags |= mem_de;
      if (fpu_empty(f, 0)) {
        fpu_compare(f, b, true, false, reg == AR_COMP);
        return;
      }
      uint16_t cc = cc_of(f80_compare(&e, a, b, false));
      if (!fpu_finish(f, &e))
        return;
      f->sw = (uint16_t)((f->sw & ~FSW_CC) | cc);
      if (reg == AR_COMP)
        fpu_pop(f);
      return;
    }
    if (fpu_empty(f, 0)) {
      if (fpu_underflow(f))
        fpu_set_st(f, 0, f80_indefinite);
      return;
    }
    Float80 r = fpu_arith(&e, (int)reg, a, b);
    if (mem_de && !(e.flags & (FSW_IE | FSW_ZE))) {
      if (mem_de & ~f->cw) { /* unmasked DE: the operation does not happen */
        e.flags = FSW_DE;
        e.c1 = 0;
      } else {
        e.flags |= FSW_DE;
      }
    }
    if (fpu_finish(f, &e))
      fpu_set_st(f, 0, r);
    return;
  }

  switch (esc << 3 | reg) {
  case 1 << 3 | 0: { /* FLD m32real */
    Float80 v = f80_from_f32(&e, vread32(cpu, seg, off));
    fpu_load(f, v, &e, true);
    return;
  }
  case 5 << 3 | 0: { /* FLD m64real */
    Float80 v = f80_from_f64(&e, rd64(cpu, seg, off));
    fpu_load(f, v, &e, true);
    return;
  }
  case 3 << 3 | 5: { /* FLD m80real */
    Float80 v = rd80(cpu, seg, off);
    fpu_load(f, v, &e, false);
    return;
  }
  case 3 << 3 | 0: { /* FILD m32int */
    Float80 v = f80_from_int((int32_t)vread32(cpu, seg, off));
    fpu_load(f, v, &e, false);
    return;
  }
  case 7 << 3 | 0: { /* FILD m16int */
    Float80 v = f80_from_int((int16_t)vread16(cpu, seg, off));
    fpu_load(f, v, &e, false);
    return;
  }
  case 7 << 3 | 5: { /* FILD m64int */
    Float80 v = f80_from_int((int64_t)rd64(cpu, seg, off));
    fpu_load(f, v, &e, false);
    return;
  }
  case 7 << 3 | 4: { /* FBLD m80bcd */
    uint8_t b[10];
    for (int i = 0; i < 10; i++)
      b[i] = vread8(cpu, seg, off + (uint32_t)i);
    fpu_load(f, f80_from_bcd(b), &e, false);
    return;
  }
  case 1 << 3 | 2: case 1 << 3 | 3: /* FST(P) m32real */
  case 5 << 3 | 2: case 5 << 3 | 3: /* FST(P) m64real */
  case 3 << 3 | 2: case 3 << 3 | 3: /* FIST(P) m32int */
  case 7 << 3 | 2: case 7 << 3 | 3: /* FIST(P) m16int */
  case 7 << 3 | 7:                  /* FISTP m64int */
  case 3 << 3 | 7:                  /* FSTP m80real */
  case 7 << 3 | 6: {                /* FBSTP m80bcd */
    bool pop = reg != 2;
    unsigned kind = esc << 3 | reg;
    uint32_t size = esc == 1 ? 4 : esc == 5 ? 8 : esc == 3 ? (reg == 7 ? 10 : 4) : reg == 7 ? 8 : reg == 6 ? 10 : 2;
    vcheck_write(cpu, seg, off, size);
    Float80 a = fpu_st(f, 0);
    bool empty = fpu_empty(f, 0);
    if (empty) {
      f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_IE | FSW_SF);
      e.flags = FSW_IE;
      a = f80_indefinite;
    }
    uint8_t buf[10];
    uint64_t v = 0;
    F80Env t = fpu_env(f);
    switch (kind) {
    case 1 << 3 | 2: case 1 << 3 | 3: v = f80_to_f32(&t, a); break;
    case 5 << 3 | 2: case 5 << 3 | 3: v = f80_to_f64(&t, a); break;
    case 3 << 3 | 2: case 3 << 3 | 3: v = (uint32_t)f80_to_int(&t, a, 32, false); break;
    case 7 << 3 | 2: case 7 << 3 | 3: v = (uint16_t)f80_to_int(&t, a, 16, false); break;
    case 7 << 3 | 7: v = (uint64_t)f80_to_int(&t, a, 64, false); break;
    case 3 << 3 | 7: break;
    default: f80_to_bcd(&t, a, buf); break;
    }
    if (empty) {
      t.flags = (uint16_t)((t.flags & ~FSW_PE) | FSW_IE);
      t.c1 = 0;
    }
    uint16_t unmasked = t.flags & ~f->cw & FSW_EXC;
    bool store = !(unmasked & (FSW_IE | FSW_OE | FSW_UE));
    if (store) {
      if (kind == (3 << 3 | 7))
        wr80(cpu, seg, off, a);
      else if (kind == (7 << 3 | 6))
        for (int i = 0; i < 10; i++)
          vwrite8(cpu, seg, off + (uint32_t)i, buf[i]);
      else if (size == 2)
        vwrite16(cpu, seg, off, (uint16_t)v);
      else if (size == 4)
        vwrite32(cpu, seg, off, (uint32_t)v);
      else
        wr64(cpu, seg, off, v);
    }
    fpu_finish(f, &t);
    if (store && pop)
      fpu_pop(f);
    return;
  }
  case 1 << 3 | 4: { /* FLDENV */
    FpuState n;
    fpu_read_env(cpu, in, off, &n);
    fpu_apply_env(f, &n);
    return;
  }
  case 1 << 3 | 5: /* FLDCW */
    f->cw = fpu_cw_value(vread16(cpu, seg, off));
    fpu_update_es(f);
    return;
  case 1 << 3 | 6: /* FNSTENV: then all exceptions masked */
    fpu_store_env(cpu, in, off);
    f->cw |= FCW_MASKS;
    fpu_update_es(f);
    return;
  case 1 << 3 | 7: /* FNSTCW */
    vwrite16(cpu, seg, off, f->cw);
    return;
  case 5 << 3 | 7: /* FNSTSW m16 */
    vwrite16(cpu, seg, off, f->sw);
    return;
  case 5 << 3 | 4: { /* FRSTOR */
    FpuState n;
    fpu_read_env(cpu, in, off, &n);
    uint32_t base = off + env_size(in);
    Float80 regs[8];
    for (unsigned i = 0; i < 8; i++)
      regs[i] = rd80(cpu, seg, base + 10 * i);
    unsigned top = (n.sw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++)
      f->st[(top + i) & 7] = regs[i];
    fpu_apply_env(f, &n);
    return;
  }
  case 5 << 3 | 6: { /* FNSAVE */
    vcheck_write(cpu, seg, off, env_size(in) + 80);
    fpu_store_env(cpu, in, off);
    uint32_t base = off + env_size(in);
    for (unsigned i = 0; i < 8; i++)
      wr80(cpu, seg, base + 10 * i, fpu_st(f, i));
    bool was = (f->sw & FSW_ES) != 0;
    fpu_finit(f);
    if (was)
      fpu_ferr(f, 0);
    return;
  }
  default:
    cpu_raise(cpu, EXC_UD, ERR_NONE);
  }
}

static void fpu_reg(Cpu *cpu, const Insn *in, unsigned esc) {
  FpuState *f = &cpu->fpu;
  unsigned i = in->rm, reg = in->reg;
  F80Env e = fpu_env(f);
  bool stp_pop = false;
  switch (esc) {
  case 0: /* D8: ST0 = ST0 op ST(i) */
    if (reg == AR_COM || reg == AR_COMP)
      fpu_compare(f, fpu_st(f, i), fpu_empty(f, i), false, reg == AR_COMP);
    else
      fpu_arith_to(f, (int)reg, 0, fpu_st(f, 0), fpu_st(f, i), fpu_empty(f, 0) || fpu_empty(f, i), 0);
    return;
  case 4: /* DC: ST(i) = ST(i) op ST0 */
  case 6: /* DE: the same, then pop */
    if (reg == AR_COM || reg == AR_COMP) {
      if (esc == 6 && reg == AR_COMP && i != 1)
        break;
      fpu_compare(f, fpu_st(f, i), fpu_empty(f, i), false, esc == 6 && reg == AR_COMP ? 2 : reg == AR_COMP);
      return;
    }
    {
      static const int rev[8] = { AR_ADD, AR_MUL, 0, 0, AR_SUB, AR_SUBR, AR_DIV, AR_DIVR };
      /* DC E0+i is FSUBR ST(i),ST0: ST(i) = ST0 - ST(i) = ST(i) SUBR ST0... expressed with a = ST(i) */
      int op = reg == 4 ? AR_SUBR : reg == 5 ? AR_SUB : reg == 6 ? AR_DIVR : reg == 7 ? AR_DIV : rev[reg];
      fpu_arith_to(f, op, i, fpu_st(f, i), fpu_st(f, 0), fpu_empty(f, 0) || fpu_empty(f, i), esc == 6);
    }
    return;
  case 1: /* D9 */
    switch (reg) {
    case 0: { /* FLD ST(i) */
      Float80 v = fpu_st(f, i);
      if (fpu_empty(f, i)) { /* underflow wins over overflow */
        if (fpu_underflow(f))
          fpu_push(f, f80_indefinite);
        return;
      }
      if (!fpu_empty(f, 7)) {
        if (fpu_overflow(f))
          fpu_push(f, f80_indefinite);
        return;
      }
      f->sw &= (uint16_t)~FSW_C1;
      fpu_push(f, v);
      return;
    }
    case 1: { /* FXCH */
      if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        if (!fpu_underflow(f))
          return;
        if (fpu_empty(f, 0))
          fpu_set_st(f, 0, f80_indefinite);
        if (fpu_empty(f, i))
          fpu_set_st(f, i, f80_indefinite);
      }
      Float80 a = fpu_st(f, 0), b = fpu_st(f, i);
      fpu_set_st(f, 0, b);
      fpu_set_st(f, i, a);
      f->sw &= (uint16_t)~FSW_C1;
      return;
    }
    case 2: /* FNOP */
      if (i == 0)
        return;
      break;
    case 3: stp_pop = true; goto fstp_reg; /* FSTP1 (undocumented alias) */
    case 4:
      switch (i) {
      case 0: fpu_unary(f, fn_chs); f->sw &= (uint16_t)~FSW_C1; return;
      case 1: fpu_unary(f, fn_abs); f->sw &= (uint16_t)~FSW_C1; return;
      case 4: fpu_compare(f, f80_zero, false, false, 0); return; /* FTST */
      case 5: /* FXAM */
        f->sw = (uint16_t)((f->sw & ~FSW_CC) | f80_xam(fpu_st(f, 0), fpu_empty(f, 0)));
        return;
      }
      break;
    case 5: /* constants */
      if (i == 7)
        break;
      if (!fpu_empty(f, 7)) {
        if (fpu_overflow(f))
          fpu_push(f, f80_indefinite);
        return;
      }
      f->sw &= (uint16_t)~FSW_C1;
      fpu_push(f, i == 6 ? f80_zero : f80_const((int)i, f->cw));
      return;
    case 6:
      switch (i) {
      case 0: fpu_unary(f, fn_f2xm1); return;
      case 1: fpu_binpop(f, fn_yl2x); return;
      case 2: goto ptan; /* FPTAN */
      case 3: fpu_binpop(f, fn_patan); return;
      case 4: { /* FXTRACT */
        if (fpu_empty(f, 0)) {
          if (fpu_underflow(f)) {
            fpu_set_st(f, 0, f80_indefinite);
            fpu_push(f, f80_indefinite);
          }
          return;
        }
        if (!fpu_empty(f, 7)) {
          if (fpu_overflow(f)) {
            fpu_set_st(f, 0, f80_indefinite);
            fpu_push(f, f80_indefinite);
          }
          return;
        }
        Float80 ex, sig;
        f80_xtract(&e, fpu_st(f, 0), &ex, &sig);
        if (!fpu_finish(f, &e))
          return;
        fpu_set_st(f, 0, ex);
        fpu_push(f, sig);
        return;
      }
      case 5: goto prem; /* FPREM1 */
      case 6: /* FDECSTP */
        fpu_set_top(f, fpu_top(f) - 1);
        f->sw &= (uint16_t)~FSW_C1;
        return;
      case 7: /* FINCSTP */
        fpu_set_top(f, fpu_top(f) + 1);
        f->sw &= (uint16_t)~FSW_C1;
        return;
      }
      break;
    case 7:
      switch (i) {
      case 0: goto prem;
      case 1: fpu_binpop(f, fn_yl2xp1); return;
      case 2: fpu_unary(f, fn_sqrt); return;
      case 3: goto sincos;
      case 4: fpu_unary(f, fn_rndint); return;
      case 5: /* FSCALE */
        if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
          if (fpu_underflow(f))
            fpu_set_st(f, 0, f80_indefinite);
          return;
        } else {
          Float80 r = f80_scale(&e, fpu_st(f, 0), fpu_st(f, 1));
          if (fpu_finish(f, &e))
            fpu_set_st(f, 0, r);
        }
        return;
      case 6: case 7: { /* FSIN, FCOS */
        if (fpu_empty(f, 0)) {
          if (fpu_underflow(f))
            fpu_set_st(f, 0, f80_indefinite);
          return;
        }
        Float80 s, c;
        if (!f80_sincos(&e, fpu_st(f, 0), &s, &c, i == 6 ? 1 : 2)) {
          f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_C2);
          return;
        }
        f->sw &= (uint16_t)~FSW_C2;
        if (fpu_finish(f, &e))
          fpu_set_st(f, 0, i == 6 ? s : c);
        return;
      }
      }
      break;
    }
    break;
  case 2: /* DA */
    if (reg < 4) {
      static const unsigned cond[4] = { 2, 4, 6, 0x0a };
      if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        if (fpu_underflow(f))
          fpu_set_st(f, 0, f80_indefinite);
        return;
      }
      if (cpu_cond(cpu, cond[reg]))
        fpu_set_st(f, 0, fpu_st(f, i));
      return;
    }
    if (in->modrm == 0xe9) { /* FUCOMPP */
      fpu_compare(f, fpu_st(f, 1), fpu_empty(f, 1), true, 2);
      return;
    }
    break;
  case 3: /* DB */
    if (reg < 4) {
      static const unsigned cond[4] = { 3, 5, 7, 0x0b };
      if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        if (fpu_underflow(f))
          fpu_set_st(f, 0, f80_indefinite);
        return;
      }
      if (cpu_cond(cpu, cond[reg]))
        fpu_set_st(f, 0, fpu_st(f, i));
      return;
    }
    if (reg == 4) {
      switch (i) {
      case 0: case 1: case 4: return; /* FENI, FDISI, FSETPM: no-ops on a 387+ */
      case 2: /* FNCLEX */
        if (f->sw & FSW_ES)
          fpu_ferr(f, 0);
        f->sw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
        return;
      case 3: /* FNINIT */
        if (f->sw & FSW_ES)
          fpu_ferr(f, 0);
        fpu_finit(f);
        return;
      }
      break;
    }
    if (reg == 5 || reg == 6) {
      fpu_comi(cpu, i, reg == 5, false);
      return;
    }
    break;
  case 5: /* DD */
    switch (reg) {
    case 0: /* FFREE */
      fpu_set_tag(f, fpu_phys(f, i), FTAG_EMPTY);
      f->sw &= (uint16_t)~FSW_C1;
      return;
    case 1: /* FXCH alias */
      {
        Insn alias = *in;
        alias.reg = 1;
        fpu_reg(cpu, &alias, 1);
      }
      return;
    case 2: /* FST ST(i) */
    case 3: /* FSTP ST(i) */
      stp_pop = reg == 3;
    fstp_reg:
      if (fpu_empty(f, 0)) {
        if (!fpu_underflow(f))
          return;
        fpu_set_st(f, i, f80_indefinite);
      } else {
        fpu_set_st(f, i, fpu_st(f, 0));
        f->sw &= (uint16_t)~FSW_C1;
      }
      if (stp_pop)
        fpu_pop(f);
      return;
    case 4: /* FUCOM */
    case 5: /* FUCOMP */
      fpu_compare(f, fpu_st(f, i), fpu_empty(f, i), true, reg == 5);
      return;
    }
    break;
  case 7: /* DF */
    switch (reg) {
    case 0: /* FFREEP */
      fpu_set_tag(f, fpu_phys(f, i), FTAG_EMPTY);
      fpu_pop(f);
      return;
    case 1: {
      Insn alias = *in;
      alias.reg = 1;
      fpu_reg(cpu, &alias, 1);
      return;
    }
    case 2: case 3: stp_pop = true; goto fstp_reg; /* FSTP aliases */
    case 4:
      if (i == 0) { /* FNSTSW AX */
        set_reg16(cpu, R_EAX, f->sw);
        return;
      }
      break;
    case 5: case 6:
      fpu_comi(cpu, i, reg == 5, true);
      return;
    }
    break;
  }
  cpu_raise(cpu, EXC_UD, ERR_NONE);

prem:
  if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
    f->sw &= (uint16_t)~FSW_C2;
    if (fpu_underflow(f))
      fpu_set_st(f, 0, f80_indefinite);
    return;
  } else {
    uint16_t cc;
    Float80 r = f80_prem(&e, fpu_st(f, 0), fpu_st(f, 1), in->modrm == 0xf5, &cc);
    if (!fpu_finish(f, &e))
      return;
    if (cc != F80_CC_KEEP)
      f->sw = (uint16_t)((f->sw & ~FSW_CC) | cc);
    else
      f->sw &= (uint16_t)~(FSW_C1 | FSW_C2);
    fpu_set_st(f, 0, r);
  }
  return;

ptan:
  if (fpu_empty(f, 0)) {
    if (fpu_underflow(f)) {
      fpu_set_st(f, 0, f80_indefinite);
      fpu_push(f, f80_indefinite);
    }
    return;
  }
  if (!fpu_empty(f, 7)) {
    if (fpu_overflow(f)) {
      fpu_set_st(f, 0, f80_indefinite);
      fpu_push(f, f80_indefinite);
    }
    return;
  } else {
    Float80 t;
    if (!f80_tan(&e, fpu_st(f, 0), &t)) {
      f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_C2);
      return;
    }
    f->sw &= (uint16_t)~FSW_C2;
    if (!fpu_finish(f, &e))
      return;
    fpu_set_st(f, 0, t);
    fpu_push(f, f80_is_nan(t) ? t : f80_one);
  }
  return;

sincos:
  if (fpu_empty(f, 0)) {
    if (fpu_underflow(f)) {
      fpu_set_st(f, 0, f80_indefinite);
      fpu_push(f, f80_indefinite);
    }
    return;
  }
  if (!fpu_empty(f, 7)) {
    if (fpu_overflow(f)) {
      fpu_set_st(f, 0, f80_indefinite);
      fpu_push(f, f80_indefinite);
    }
    return;
  } else {
    Float80 s, c;
    if (!f80_sincos(&e, fpu_st(f, 0), &s, &c, 3)) {
      f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_C2);
      return;
    }
    f->sw &= (uint16_t)~FSW_C2;
    if (!fpu_finish(f, &e))
      return;
    fpu_set_st(f, 0, s);
    fpu_push(f, c);
  }
}

/* ---- fast paths ---- */

/*
 * A normal m32real/m64real operand as Float80 (exact, no flags).  False for
 * zeros, denormals, infinities and NaNs (their flags and NaN rules are in
 * fpu_mem and softfloat80).
 */
static bool fast_real32(uint32_t v, Float80 *out) {
  uint32_t ex = (v >> 23) & 0xff;
  if (ex == 0 || ex == 0xff)
    return false;
  *out = f80_make((int)(v >> 31), (uint16_t)(ex - 127 + 16383), 0x8000000000000000ull | (uint64_t)v << 40);
  return true;
}
static bool fast_real64(uint64_t v, Float80 *out) {
  uint32_t ex = (uint32_t)(v >> 52) & 0x7ff;
  if (ex == 0 || ex == 0x7ff)
    return false;
  *out = f80_make((int)(v >> 63), (uint16_t)(ex - 1023 + 16383), 0x8000000000000000ull | v << 11);
  return true;
}

/* The last-instruction pointer and opcode (every non-control instruction). */
static void fpu_note_insn(Cpu *cpu, const Insn *in, unsigned esc) {
  FpuState *f = &cpu->fpu;
  f->fip = cpu->eip;
  f->fcs = cpu->seg[S_CS].sel;
  f->fop = (uint16_t)(esc << 8 | in->modrm);
}

/*
 * The fast paths run only once they cannot fail: the checks first, then the
 * instruction pointers (fpu_note_insn, fpu_note_data), then the operation.
 */
static inline void fpu_note_data(Cpu *cpu, const Insn *in, uint32_t off) {
  cpu->fpu.fdp = off;
  cpu->fpu.fds = cpu->seg[in->seg].sel;
}

/* dest (physical register pd) = a op b as fpu_arith_to does for non-empty
 * operands; false when an unmasked exception left it unchanged. */
static inline bool fast_arith(FpuState *f, int op, unsigned pd, Float80 a, Float80 b) {
  F80Env e = fpu_env(f);
  Float80 r = fpu_arith(&e, op, a, b);
  if (!fpu_finish(f, &e))
    return false;
  f->st[pd] = r;
  fpu_set_tag(f, pd, f80_tag(r));
  return true;
}

/* Push v (the caller checked that ST7 is empty); C1 = 0. */
static inline void fast_push(FpuState *f, unsigned top, Float80 v) {
  unsigned p = (top - 1) & 7;
  f->sw = (uint16_t)((f->sw & ~(FSW_TOP | FSW_C1)) | p << 11);
  f->st[p] = v;
  fpu_set_tag(f, p, f80_tag(v));
}

/* The end of a fast load from memory at off: data and instruction pointers noted, v pushed. */
static inline bool fast_load_done(Cpu *cpu, const Insn *in, unsigned esc, uint32_t off, unsigned top, Float80 v) {
  fpu_note_data(cpu, in, off);
  fpu_note_insn(cpu, in, esc);
  fast_push(&cpu->fpu, top, v);
  return true;
}

/*
 * The memory forms of the commonest instructions (arithmetic with an
 * m32real/m64real/m32int operand, FLD and FILD, FST(P) m64real) when the
 * registers involved are valid numbers, a real memory operand is a normal
 * number and the access hits the TLB.  They do what fpu_mem does for those
 * operands, without its checks for the other cases.  False, with nothing
 * changed: take fpu_general.
 */
static bool fpu_fast_mem(Cpu *cpu, const Insn *in, unsigned esc) {
  FpuState *f = &cpu->fpu;
  uint32_t off = ea_offset(cpu, in);
  int seg = in->seg;
  unsigned top = fpu_top(f);
  Float80 b;
  uint8_t *h;
  switch (esc << 3 | in->reg) {
  case 0 << 3 | 0: case 0 << 3 | 1: case 0 << 3 | 4: /* FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR m32real */
  case 0 << 3 | 5: case 0 << 3 | 6: case 0 << 3 | 7:
    if (!(h = seg_host(cpu, seg, off, 4, false)) || !fast_real32(ld32(h), &b))
      return false;
    break;
  case 4 << 3 | 0: case 4 << 3 | 1: case 4 << 3 | 4: /* the same, m64real */
  case 4 << 3 | 5: case 4 << 3 | 6: case 4 << 3 | 7: {
    uint64_t v;
    if (!(h = seg_host(cpu, seg, off, 8, false)))
      return false;
    memcpy(&v, h, 8);
    if (!fast_real64(v, &b))
      return false;
    break;
  }
  case 2 << 3 | 0: case 2 << 3 | 1: case 2 << 3 | 4: /* the same, m32int */
  case 2 << 3 | 5: case 2 << 3 | 6: case 2 << 3 | 7:
    if (!(h = seg_host(cpu, seg, off, 4, false)))
      return false;
    b = f80_from_int((int32_t)ld32(h)); /* exact; 0 gives +0 */
    break;
  case 5 << 3 | 0: { /* FLD m64real */
    uint64_t v;
    if (fpu_tag(f, (top + 7) & 7) != FTAG_EMPTY || !(h = seg_host(cpu, seg, off, 8, false)))
      return false;
    memcpy(&v, h, 8);
    if (!fast_real64(v, &b))
      return false;
    return fast_load_done(cpu, in, esc, off, top, b);
  }
  case 1 << 3 | 0: /* FLD m32real */
    if (fpu_tag(f, (top + 7) & 7) != FTAG_EMPTY || !(h = seg_host(cpu, seg, off, 4, false)) ||
        !fast_real32(ld32(h), &b))
      return false;
    return fast_load_done(cpu, in, esc, off, top, b);
  case 3 << 3 | 0: /* FILD m32int */
    if (fpu_tag(f, (top + 7) & 7) != FTAG_EMPTY || !(h = seg_host(cpu, seg, off, 4, false)))
      return false;
    b = f80_from_int((int32_t)ld32(h));
    return fast_load_done(cpu, in, esc, off, top, b);
  case 5 << 3 | 2: case 5 << 3 | 3: { /* FST(P) m64real */
    if (fpu_tag(f, top) != FTAG_VALID || !(h = seg_host(cpu, seg, off, 8, true)))
      return false;
    F80Env t = fpu_env(f);
    uint64_t v;
    if (!f80_to_f64_normal(&t, f->st[top], &v))
      v = f80_to_f64(&t, f->st[top]);
    if (t.flags & ~f->cw & FSW_EXC) /* an unmasked exception: fpu_mem's rules */
      return false;
    memcpy(h, &v, 8);
    fpu_note_data(cpu, in, off);
    fpu_note_insn(cpu, in, esc);
    fpu_finish(f, &t);
    if (in->reg == 3)
      fpu_pop(f);
    return true;
  }
  default:
    return false;
  }
  /* ST0 = ST0 op b */
  if (fpu_tag(f, top) != FTAG_VALID)
    return false;
  fpu_note_data(cpu, in, off);
  fpu_note_insn(cpu, in, esc);
  fast_arith(f, (int)in->reg, top, f->st[top], b);
  return true;
}

/*
 * The register forms of FLD, FXCH, FST(P), the constants and (when both
 * registers hold valid numbers) the arithmetic instructions D8, DC, DE;
 * false otherwise (take fpu_general).
 */
static bool fpu_fast_reg(Cpu *cpu, const Insn *in, unsigned esc) {
  FpuState *f = &cpu->fpu;
  unsigned i = in->rm, reg = in->reg, top = fpu_top(f), pi = (top + i) & 7;
  switch (in->modrm >> 3 | esc << 5) {
  case 1 << 5 | 0x18: /* D9 C0+i: FLD ST(i) */
    if (fpu_tag(f, pi) == FTAG_EMPTY || fpu_tag(f, (top + 7) & 7) != FTAG_EMPTY)
      return false;
    fpu_note_insn(cpu, in, esc);
    fast_push(f, top, f->st[pi]);
    return true;
  case 1 << 5 | 0x1d: /* D9 E8-EE: FLD1 ... FLDZ */
    if (i == 7 || fpu_tag(f, (top + 7) & 7) != FTAG_EMPTY)
      return false;
    fpu_note_insn(cpu, in, esc);
    fast_push(f, top, i == 6 ? f80_zero : f80_const((int)i, f->cw));
    return true;
  case 1 << 5 | 0x19: { /* D9 C8+i: FXCH ST(i) */
    if (fpu_tag(f, top) == FTAG_EMPTY || fpu_tag(f, pi) == FTAG_EMPTY)
      return false;
    fpu_note_insn(cpu, in, esc);
    Float80 a = f->st[top], b = f->st[pi];
    fpu_set_st(f, 0, b);
    fpu_set_st(f, i, a);
    f->sw &= (uint16_t)~FSW_C1;
    return true;
  }
  case 5 << 5 | 0x1a: case 5 << 5 | 0x1b: /* DD D0+i, D8+i: FST(P) ST(i) */
    if (fpu_tag(f, top) == FTAG_EMPTY)
      return false;
    fpu_note_insn(cpu, in, esc);
    fpu_set_st(f, i, f->st[top]);
    f->sw &= (uint16_t)~FSW_C1;
    if (reg == 3)
      fpu_pop(f);
    return true;
  }
  if (reg == AR_COM || reg == AR_COMP || fpu_tag(f, top) != FTAG_VALID || fpu_tag(f, pi) != FTAG_VALID)
    return false;
  switch (esc) {
  case 0: /* ST0 = ST0 op ST(i) */
    fpu_note_insn(cpu, in, esc);
    fast_arith(f, (int)reg, top, f->st[top], f->st[pi]);
    return true;
  case 4: /* ST(i) = ST(i) op ST0; DC/DE F0+i..: the reversed forms swap SUB/SUBR, DIV/DIVR */
  case 6: {
    static const int op[8] = { AR_ADD, AR_MUL, 0, 0, AR_SUBR, AR_SUB, AR_DIVR, AR_DIV };
    fpu_note_insn(cpu, in, esc);
    if (fast_arith(f, op[reg], pi, f->st[pi], f->st[top]) && esc == 6)
      fpu_pop(f);
    return true;
  }
  default:
    return false;
  }
}

/* Everything op_fpu's fast paths leave: every form, every check. */
static __attribute__((noinline)) void fpu_general(Cpu *cpu, const Insn *in, unsigned esc) {
  fpu_check_avail(cpu);
  bool control = is_control(esc, in);
  /* FNxxx control instructions do not wait; everything else does. */
  if (!control && fpu_check_pending(cpu))
    return;
  if (in->flags & INSN_MEM) {
    uint32_t off = ea_offset(cpu, in);
    fpu_mem(cpu, in, esc);
    if (!control)
      fpu_note_data(cpu, in, off);
  } else {
    fpu_reg(cpu, in, esc);
  }
  if (!control)
    fpu_note_insn(cpu, in, esc);
}

void op_fpu(struct Cpu *cpu, const Insn *in) {
  unsigned esc = in->op & 7;
  /* available and nothing pending: the fast forms (none is a control instruction) */
  if (!(cpu->cr[0] & (CR0_EM | CR0_TS)) && !(cpu->fpu.sw & FSW_ES) &&
      ((in->flags & INSN_MEM) ? fpu_fast_mem(cpu, in, esc) : fpu_fast_reg(cpu, in, esc)))
    return;
  fpu_general(cpu, in, esc);
}

void op_fwait(struct Cpu *cpu, const Insn *in) {
  if ((cpu->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
    cpu_raise(cpu, EXC_NM, ERR_NONE);
  (void)fpu_check_pending(cpu);
}

/* ---- FXSAVE / FXRSTOR (512-byte image, 16-byte aligned) ---- */

void op_fxsave_M(struct Cpu *cpu, const Insn *in) {
  FpuState *f = &cpu->fpu;
  fpu_check_avail(cpu);
  uint32_t off = ea_offset(cpu, in);
  int seg = in->seg;
  if ((cpu->seg[seg].base + off) & 15)
    cpu_raise(cpu, EXC_GP, 0);
  vcheck_write(cpu, seg, off, 512);
  uint8_t ftw = 0;
  for (unsigned p = 0; p < 8; p++)
    if (fpu_tag(f, p) != FTAG_EMPTY)
      ftw |= (uint8_t)(1u << p);
  vwrite16(cpu, seg, off, f->cw);
  vwrite16(cpu, seg, off + 2, f->sw);
  vwrite16(cpu, seg, off + 4, ftw);
  vwrite16(cpu, seg, off + 6, f->fop & 0x7ff);
  vwrite32(cpu, seg, off + 8, f->fip);
  vwrite32(cpu, seg, off + 12, f->fcs);
  vwrite32(cpu, seg, off + 16, f->fdp);
  vwrite32(cpu, seg, off + 20, f->fds);
  vwrite32(cpu, seg, off + 24, f->mxcsr);
  vwrite32(cpu, seg, off + 28, 0x0000ffbfu);
  for (unsigned i = 0; i < 8; i++) {
    Float80 v = fpu_st(f, i);
    wr80(cpu, seg, off + 32 + 16 * i, v);
    vwrite16(cpu, seg, off + 42 + 16 * i, 0);
    vwrite32(cpu, seg, off + 44 + 16 * i, 0);
  }
  for (unsigned i = 0; i < 8; i++)
    for (unsigned k = 0; k < 16; k += 4) {
      const uint8_t *x = &f->xmm[i][k];
      vwrite32(cpu, seg, off + 160 + 16 * i + k,
               (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24);
    }
}

void op_fxrstor_M(struct Cpu *cpu, const Insn *in) {
  FpuState *f = &cpu->fpu;
  fpu_check_avail(cpu);
  uint32_t off = ea_offset(cpu, in);
  int seg = in->seg;
  if ((cpu->seg[seg].base + off) & 15)
    cpu_raise(cpu, EXC_GP, 0);
  FpuState n = *f;
  n.cw = vread16(cpu, seg, off);
  n.sw = vread16(cpu, seg, off + 2);
  uint8_t ftw = vread8(cpu, seg, off + 4);
  n.fop = vread16(cpu, seg, off + 6) & 0x7ff;
  n.fip = vread32(cpu, seg, off + 8);
  n.fcs = vread16(cpu, seg, off + 12);
  n.fdp = vread32(cpu, seg, off + 16);
  n.fds = vread16(cpu, seg, off + 20);
  uint32_t mxcsr = vread32(cpu, seg, off + 24);
  if (mxcsr & ~0x0000ffbfu)
    cpu_raise(cpu, EXC_GP, 0);
  n.mxcsr = mxcsr;
  unsigned top = (n.sw >> 11) & 7;
  for (unsigned i = 0; i < 8; i++)
    n.st[(top + i) & 7] = rd80(cpu, seg, off + 32 + 16 * i);
  for (unsigned i = 0; i < 8; i++)
    for (unsigned k = 0; k < 16; k += 4) {
      uint32_t w = vread32(cpu, seg, off + 160 + 16 * i + k);
      for (unsigned b = 0; b < 4; b++)
        n.xmm[i][k + b] = (uint8_t)(w >> (8 * b));
    }
  n.tw = 0;
  for (unsigned p = 0; p < 8; p++)
    fpu_set_tag(&n, p, (ftw >> p) & 1 ? f80_tag(n.st[p]) : FTAG_EMPTY);
  bool was = (f->sw & FSW_ES) != 0;
  n.cw = fpu_cw_value(n.cw);
  *f = n;
  f->sw &= (uint16_t)~(FSW_ES | FSW_B);
  if (f->sw & ~f->cw & FSW_EXC)
    f->sw |= FSW_ES | FSW_B;
  else if (was)
    fpu_ferr(f, 0);
}

/* ---- MMX (0F 60-7F, D1-FE): registers alias the x87 significands ---- */

static uint64_t mmx_get(const FpuState *f, unsigned n) { return f->st[n & 7].mant; }
static void mmx_set(FpuState *f, unsigned n, uint64_t v) {
  f->st[n & 7].mant = v;
  f->st[n & 7].sexp = 0xffff;
}

static int64_t sat(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Element-wise operation on 64-bit packed values with lanes of `bits` bits. */
typedef int64_t (*LaneFn)(int64_t a, int64_t b, int bits);
static uint64_t lanes(uint64_t a, uint64_t b, int bits, bool sign, LaneFn fn) {
  uint64_t r = 0, mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  for (int sh = 0; sh < 64; sh += bits) {
    uint64_t ea = (a >> sh) & mask, eb = (b >> sh) & mask;
    int64_t x = (int64_t)ea, y = (int64_t)eb;
    if (sign && bits < 64) {
      x = (int64_t)(ea << (64 - bits)) >> (64 - bits);
      y = (int64_t)(eb << (64 - bits)) >> (64 - bits);
    }
    r |= ((uint64_t)fn(x, y, bits) & mask) << sh;
  }
  return r;
}
static int64_t l_add(int64_t a, int64_t b, int bits) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t l_sub(int64_t a, int64_t b, int bits) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static int64_t l_adds(int64_t a, int64_t b, int bits) {
  return sat(a + b, -(1ll << (bits - 1)), (1ll << (bits - 1)) - 1);
}
static int64_t l_subs(int64_t a, int64_t b, int bits) {
  return sat(a - b, -(1ll << (bits - 1)), (1ll << (bits - 1)) - 1);
}
static int64_t l_addus(int64_t a, int64_t b, int bits) { return sat(a + b, 0, (1ll << bits) - 1); }
static int64_t l_subus(int64_t a, int64_t b, int bits) { return sat(a - b, 0, (1ll << bits) - 1); }
static int64_t l_cmpeq(int64_t a, int64_t b, int bits) { return a == b ? -1 : 0; }
static int64_t l_cmpgt(int64_t a, int64_t b, int bits) { return a > b ? -1 : 0; }
static int64_t l_mullo(int64_t a, int64_t b, int bits) { return a * b; }
static int64_t l_mulhi(int64_t a, int64_t b, int bits) { return (a * b) >> 16; }

/* Shift every lane by count (logical left/right or arithmetic right). */
static uint64_t mmx_shift(uint64_t a, uint64_t count, int bits, int kind) {
  uint64_t r = 0, mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  for (int sh = 0; sh < 64; sh += bits) {
    uint64_t e = (a >> sh) & mask, v;
    if (kind == 0) /* left */
      v = count >= (uint64_t)bits ? 0 : e << count;
    else if (kind == 1) /* logical right */
      v = count >= (uint64_t)bits ? 0 : e >> count;
    else { /* arithmetic right */
      int64_t s = (int64_t)(e << (64 - bits)) >> (64 - bits);
      v = (uint64_t)(s >> (count >= (uint64_t)bits ? bits - 1 : (int)count));
    }
    r |= (v & mask) << sh;
  }
  return r;
}

/* Pack signed lanes of a then b into narrower lanes with saturation. */
static uint64_t mmx_pack(uint64_t a, uint64_t b, int bits, bool usat) {
  int nb = bits / 2, n = 64 / bits;
  int64_t lo = usat ? 0 : -(1ll << (nb - 1)), hi = usat ? (1ll << nb) - 1 : (1ll << (nb - 1)) - 1;
  uint64_t r = 0, mask = (1ull << nb) - 1;
  for (int i = 0; i < 2 * n; i++) {
    uint64_t src = i < n ? a : b;
    int k = i % n;
    int64_t v = (int64_t)(src << (64 - bits * (k + 1))) >> (64 - bits);
    r |= ((uint64_t)sat(v, lo, hi) & mask) << (nb * i);
  }
  return r;
}

/* Interleave the low (hi = false) or high halves of a and b, lanes of `bits`. */
static uint64_t mmx_unpack(uint64_t a, uint64_t b, int bits, bool hi) {
  uint64_t r = 0, mask = (1ull << bits) - 1;
  int n = 32 / bits;
  if (hi) {
    a >>= 32;
    b >>= 32;
  }
  for (int i = 0; i < n; i++) {
    r |= ((a >> (bits * i)) & mask) << (2 * bits * i);
    r |= ((b >> (bits * i)) & mask) << (2 * bits * i + bits);
  }
  return r;
}

void op_mmx(struct Cpu *cpu, const Insn *in) {
  FpuState *f = &cpu->fpu;
  if (cpu->cr[0] & CR0_EM)
    cpu_raise(cpu, EXC_UD, ERR_NONE);
  if (cpu->cr[0] & CR0_TS)
    cpu_raise(cpu, EXC_NM, ERR_NONE);
  if (fpu_check_pending(cpu))
    return;
  unsigned op = in->op & 0xff;
  if (op == 0x77) { /* EMMS: all empty, TOP = 0 */
    f->tw = 0xffff;
    fpu_set_top(f, 0);
    return;
  }
  bool mem = (in->flags & INSN_MEM) != 0;
  uint32_t off = mem ? ea_offset(cpu, in) : 0;
  unsigned dst = in->reg;
  uint64_t r;

  /* Stores first: their only fault is the memory write. */
  if (op == 0x7e) { /* MOVD Ed, Pq */
    rm_write32(cpu, in, (uint32_t)mmx_get(f, in->reg));
    goto done;
  }
  if (op == 0x7f) { /* MOVQ Qq, Pq */
    if (mem)
      wr64(cpu, in->seg, off, mmx_get(f, in->reg));
    else
      mmx_set(f, in->rm, mmx_get(f, in->reg));
    goto done;
  }
  if (op >= 0x71 && op <= 0x73) { /* shift by immediate: Nq, Ib */
    unsigned count = in->imm & 0xff;
    int bits = op == 0x71 ? 16 : op == 0x72 ? 32 : 64;
    int kind = in->reg == 6 ? 0 : in->reg == 2 ? 1 : 2;
    mmx_set(f, in->rm, mmx_shift(mmx_get(f, in->rm), count, bits, kind));
    goto done;
  }

  /* Loads: source operand (m32 for MOVD and the low unpacks). */
  uint64_t src;
  if (op == 0x6e || (op >= 0x60 && op <= 0x62)) {
    if (mem)
      src = vread32(cpu, in->seg, off);
    else
      src = op == 0x6e ? cpu->regs[in->rm] : mmx_get(f, in->rm);
  } else {
    src = mem ? rd64(cpu, in->seg, off) : mmx_get(f, in->rm);
  }
  uint64_t a = mmx_get(f, dst);
  switch (op) {
  case 0x60: r = mmx_unpack(a, src, 8, false); break;
  case 0x61: r = mmx_unpack(a, src, 16, false); break;
  case 0x62: r = mmx_unpack(a, src, 32, false); break;
  case 0x63: r = mmx_pack(a, src, 16, false); break;
  case 0x64: r = lanes(a, src, 8, true, l_cmpgt); break;
  case 0x65: r = lanes(a, src, 16, true, l_cmpgt); break;
  case 0x66: r = lanes(a, src, 32, true, l_cmpgt); break;
  case 0x67: r = mmx_pack(a, src, 16, true); break;
  case 0x68: r = mmx_unpack(a, src, 8, true); break;
  case 0x69: r = mmx_unpack(a, src, 16, true); break;
  case 0x6a: r = mmx_unpack(a, src, 32, true); break;
  case 0x6b: r = mmx_pack(a, src, 32, false); break;
  case 0x6e: r = (uint32_t)src; break;
  case 0x6f: r = src; break;
  case 0x74: r = lanes(a, src, 8, false, l_cmpeq); break;
  case 0x75: r = lanes(a, src, 16, false, l_cmpeq); break;
  case 0x76: r = lanes(a, src, 32, false, l_cmpeq); break;
  case 0xd1: r = mmx_shift(a, src, 16, 1); break;
  case 0xd2: r = mmx_shift(a, src, 32, 1); break;
  case 0xd3: r = mmx_shift(a, src, 64, 1); break;
  case 0xd5: r = lanes(a, src, 16, true, l_mullo); break;
  case 0xd8: r = lanes(a, src, 8, false, l_subus); break;
  case 0xd9: r = lanes(a, src, 16, false, l_subus); break;
  case 0xdb: r = a & src; break;
  case 0xdc: r = lanes(a, src, 8, false, l_addus); break;
  case 0xdd: r = lanes(a, src, 16, false, l_addus); break;
  case 0xdf: r = ~a & src; break;
  case 0xe1: r = mmx_shift(a, src, 16, 2); break;
  case 0xe2: r = mmx_shift(a, src, 32, 2); break;
  case 0xe5: r = lanes(a, src, 16, true, l_mulhi); break;
  case 0xe8: r = lanes(a, src, 8, true, l_subs); break;
  case 0xe9: r = lanes(a, src, 16, true, l_subs); break;
  case 0xeb: r = a | src; break;
  case 0xec: r = lanes(a, src, 8, true, l_adds); break;
  case 0xed: r = lanes(a, src, 16, true, l_adds); break;
  case 0xef: r = a ^ src; break;
  case 0xf1: r = mmx_shift(a, src, 16, 0); break;
  case 0xf2: r = mmx_shift(a, src, 32, 0); break;
  case 0xf3: r = mmx_shift(a, src, 64, 0); break;
  case 0xf5: { /* PMADDWD */
    r = 0;
    for (int k = 0; k < 2; k++) {
      int64_t s = 0;
      for (int j = 0; j < 2; j++) {
        int sh = 32 * k + 16 * j;
        s += (int64_t)(int16_t)(a >> sh) * (int16_t)(src >> sh);
      }
      r |= (uint64_t)(uint32_t)s << (32 * k);
    }
    break;
  }
  case 0xf8: r = lanes(a, src, 8, false, l_sub); break;
  case 0xf9: r = lanes(a, src, 16, false, l_sub); break;
  case 0xfa: r = lanes(a, src, 32, false, l_sub); break;
  case 0xfc: r = lanes(a, src, 8, false, l_add); break;
  case 0xfd: r = lanes(a, src, 16, false, l_add); break;
  case 0xfe: r = lanes(a, src, 32, false, l_add); break;
  default: cpu_raise(cpu, EXC_UD, ERR_NONE);
  }
  mmx_set(f, dst, r);
done:
  /* Every MMX instruction but EMMS: TOP = 0, all registers valid. */
  fpu_set_top(f, 0);
  f->tw = 0;
}
