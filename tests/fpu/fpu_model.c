/*
 * fpu_model.c — runs the test frame of fpu_model.h through softfloat80 and
 * generates random operands (special values, denormals, pseudo-denormals,
 * unsupported formats, values near rounding boundaries).
 */
#include "fpu_model.h"

#include <string.h>

#define Y_NAME(n) #n,
const char *const model_class_names[MC_COUNT] = { MODEL_CLASSES(Y_NAME) };
#undef Y_NAME

#define J 0x8000000000000000ull

unsigned model_outputs(int cls) {
  switch (cls) {
  case MC_FCOM: case MC_FUCOM: case MC_FTST: case MC_FXAM:
    return 0;
  case MC_FIST16: case MC_FIST32: case MC_FIST64: case MC_FST32: case MC_FST64: case MC_FBSTP:
    return MO_MEM;
  case MC_FXTRACT: case MC_FLD32: case MC_FLD64: case MC_FLDC: case MC_FPTAN: case MC_FSINCOS:
    return MO_R1 | MO_R2;
  default:
    return MO_R1;
  }
}

int model_mem_bytes(int cls) {
  switch (cls) {
  case MC_FIST16: return 2;
  case MC_FIST32: case MC_FST32: return 4;
  case MC_FIST64: case MC_FST64: return 8;
  case MC_FBSTP: return 10;
  default: return 0;
  }
}

bool model_is_transcendental(int cls) { return cls >= MC_F2XM1; }

static uint16_t cc_of(int rel) {
  switch (rel) {
  case F80_GT: return 0;
  case F80_LT: return FSW_C0;
  case F80_EQ: return FSW_C3;
  default: return FSW_C3 | FSW_C2 | FSW_C0;
  }
}

void model_run(const ModelCase *c, ModelOut *o) {
  F80Env e = { c->cw, 0, 0 };
  Float80 a = c->a, b = c->b, r = a;
  uint16_t cc = 0;
  bool pop = false, push = false, store_mem = false;
  Float80 pushed = a;
  memset(o, 0, sizeof *o);
  memset(o->mem, 0xa5, sizeof o->mem);
  o->r1 = a;
  o->r2 = b;
  switch (c->cls) {
  case MC_FADD: r = f80_add(&e, a, b); break;
  case MC_FSUB: r = f80_sub(&e, a, b); break;
  case MC_FSUBR: r = f80_sub(&e, b, a); break;
  case MC_FMUL: r = f80_mul(&e, a, b); break;
  case MC_FDIV: r = f80_div(&e, a, b); break;
  case MC_FDIVR: r = f80_div(&e, b, a); break;
  case MC_FSQRT: r = f80_sqrt(&e, a); break;
  case MC_FCOM: cc = cc_of(f80_compare(&e, a, b, false)); break;
  case MC_FUCOM: cc = cc_of(f80_compare(&e, a, b, true)); break;
  case MC_FTST: cc = cc_of(f80_compare(&e, a, f80_zero, false)); break;
  case MC_FXAM: cc = f80_xam(a, false); break;
  case MC_FRNDINT: r = f80_round_int(&e, a); break;
  case MC_FSCALE: r = f80_scale(&e, a, b); break;
  case MC_FXTRACT: f80_xtract(&e, a, &r, &pushed); push = true; break;
  case MC_FPREM: case MC_FPREM1:
    r = f80_prem(&e, a, b, c->cls == MC_FPREM1, &cc);
    if (cc == F80_CC_KEEP) /* C0/C3 unchanged: 0 in this frame */
      cc = 0;
    break;
  case MC_FIST16: case MC_FIST32: case MC_FIST64: {
    int bits = c->cls == MC_FIST16 ? 16 : c->cls == MC_FIST32 ? 32 : 64;
    int64_t v = f80_to_int(&e, a, bits, false);
    for (int i = 0; i < bits / 8; i++)
      o->mem[i] = (uint8_t)((uint64_t)v >> (8 * i));
    store_mem = true;
    pop = true;
    break;
  }
  case MC_FST32: case MC_FST64: {
    uint64_t v = c->cls == MC_FST32 ? f80_to_f32(&e, a) : f80_to_f64(&e, a);
    for (int i = 0; i < (c->cls == MC_FST32 ? 4 : 8); i++)
      o->mem[i] = (uint8_t)(v >> (8 * i));
    store_mem = true;
    break;
  }
  case MC_FBSTP:
    f80_to_bcd(&e, a, o->mem);
    store_mem = true;
    pop = true;
    break;
  case MC_FLD32: case MC_FLD64:
    pushed = c->cls == MC_FLD32 ? f80_from_f32(&e, (uint32_t)a.mant) : f80_from_f64(&e, a.mant);
    if (f80_is_snan(pushed)) {
      e.flags |= FSW_IE;
      pushed.mant |= 0x4000000000000000ull;
    }
    r = a;
    push = true;
    break;
  case MC_FLDC:
    pushed = f80_const((int)(a.mant % 7), c->cw);
    push = true;
    break;
  case MC_FADD32: case MC_FMUL64: {
    F80Env ce = e;
    Float80 m = c->cls == MC_FADD32 ? f80_from_f32(&ce, (uint32_t)b.mant) : f80_from_f64(&ce, b.mant);
    if (!f80_is_nan(a) && !(f80_exp(a) != 0 && !(a.mant & J)))
      e.flags |= ce.flags;
    if (e.flags & FSW_DE & ~c->cw)
      break;
    r = c->cls == MC_FADD32 ? f80_add(&e, a, m) : f80_mul(&e, a, m);
    break;
  }
  case MC_F2XM1: r = f80_f2xm1(&e, a); break;
  case MC_FYL2X: r = f80_yl2x(&e, a, b); pop = true; break;
  case MC_FYL2XP1: r = f80_yl2xp1(&e, a, b); pop = true; break;
  case MC_FPATAN: r = f80_patan(&e, b, a); pop = true; break;
  case MC_FSIN: case MC_FCOS:
    if (!f80_sincos(&e, a, c->cls == MC_FSIN ? &r : &pushed, c->cls == MC_FSIN ? &pushed : &r,
                    c->cls == MC_FSIN ? 1 : 2)) {
      cc = FSW_C2;
      r = a;
    }
    break;
  case MC_FPTAN:
    if (!f80_tan(&e, a, &r)) {
      cc = FSW_C2;
      r = a;
    } else {
      pushed = f80_is_nan(r) ? r : f80_one;
      push = true;
    }
    break;
  case MC_FSINCOS:
    if (!f80_sincos(&e, a, &r, &pushed, 3)) {
      cc = FSW_C2;
      r = a;
    } else {
      push = true;
    }
    break;
  }
  uint16_t unmasked = e.flags & ~c->cw & FSW_EXC;
  bool abort = (unmasked & (FSW_IE | FSW_DE | FSW_ZE)) != 0;
  if (store_mem && (abort || (unmasked & (FSW_OE | FSW_UE))))
    memset(o->mem, 0xa5, sizeof o->mem);
  if (!abort && !store_mem) {
    if (push) {
      o->r1 = pushed;
      o->r2 = r;
    } else if (pop) {
      o->r1 = r;
    } else {
      o->r1 = r;
    }
  }
  o->sw = (uint16_t)(e.flags | cc | (e.c1 ? FSW_C1 : 0));
  if (unmasked)
    o->sw |= FSW_ES | FSW_B;
}

/* ---- random operands ---- */

uint64_t model_rand(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* A significand with patterns near rounding boundaries. */
static uint64_t gen_mant(uint64_t *s) {
  uint64_t m = model_rand(s);
  switch (model_rand(s) % 8) {
  case 0: return J;
  case 1: return ~0ull;
  case 2: { int k = (int)(model_rand(s) % 64); return J | (m & ~0ull << k); } /* trailing zeros */
  case 3: { int k = (int)(model_rand(s) % 64); return J | m | ((1ull << k) - 1); } /* trailing ones */
  case 4: { int k = 1 + (int)(model_rand(s) % 63); return J | ((m & ~0ull << k) | (1ull << (k - 1))); } /* halfway */
  default: return J | m;
  }
}

Float80 model_value(uint64_t *s, int lo, int hi) {
  int sign = (int)(model_rand(s) & 1);
  uint64_t m = model_rand(s);
  switch (model_rand(s) % 40) {
  case 0: return f80_make(sign, 0, 0);
  case 1: return f80_make(sign, 0, (m & 0x7fffffffffffffffull) >> (model_rand(s) % 63));
  case 2: return f80_make(sign, 0, m | J);                           /* pseudo-denormal */
  case 3: return f80_make(sign, 0x7fff, J);                          /* infinity */
  case 4: return f80_make(sign, 0x7fff, J | 0x4000000000000000ull | (m >> (model_rand(s) % 64))); /* QNaN */
  case 5: return f80_make(sign, 0x7fff, J | ((m & 0x3fffffffffffffffull) | 1)); /* SNaN */
  case 6: return f80_indefinite;
  case 7: return f80_make(sign, 0x7ffe, ~0ull);
  case 8: return f80_make(sign, 1, J | (m & 3));
  case 9: /* unsupported: unnormal, pseudo-infinity/NaN */
    if (model_rand(s) % 4)
      return f80_make(sign, 0, 0);
    return f80_make(sign, (uint16_t)(1 + model_rand(s) % 0x7fff), m & 0x7fffffffffffffffull);
  case 10: return f80_make(sign, 16383, J);
  case 11: return f80_make(sign, (uint16_t)(16382 + (model_rand(s) & 1)), gen_mant(s));
  case 12: return f80_make(sign, (uint16_t)(1 + model_rand(s) % 80), gen_mant(s));
  case 13: return f80_make(sign, (uint16_t)(0x7ffe - model_rand(s) % 80), gen_mant(s));
  case 14: return f80_make(sign, (uint16_t)(1 + model_rand(s) % 0x7ffe), gen_mant(s));
  default:
    return f80_make(sign, (uint16_t)(lo + (int)(model_rand(s) % (uint64_t)(hi - lo + 1))), gen_mant(s));
  }
}

uint64_t model_ieee(uint64_t *s, int ebits, int fbits) {
  uint64_t m = model_rand(s) & ((1ull << fbits) - 1);
  uint64_t emax = (1ull << ebits) - 1, e;
  switch (model_rand(s) % 8) {
  case 0: e = 0; break;
  case 1: e = emax; break;
  case 2: e = 0; m = 0; break;
  case 3: e = emax; m = model_rand(s) % 3 ? 0 : m; break;
  default: e = model_rand(s) % (emax + 1); break;
  }
  return ((model_rand(s) & 1) << (ebits + fbits)) | (e << fbits) | m;
}

void model_gen(uint64_t *s, int cls, ModelCase *c) {
  static const uint16_t pcs[3] = { 0x000, 0x200, 0x300 };
  uint16_t masks = (model_rand(s) % 4) ? 0x3f : (uint16_t)(model_rand(s) & 0x3f);
  c->cls = cls;
  c->cw = (uint16_t)(0x1040 | pcs[model_rand(s) % 3] | (model_rand(s) % 4) << 10 | masks);
  int lo = 16383 - 80, hi = 16383 + 80;
  switch (cls) {
  case MC_F2XM1: hi = 16382; break;
  case MC_FYL2XP1: hi = 16381; break;
  case MC_FSIN: case MC_FCOS: case MC_FPTAN: case MC_FSINCOS: lo = 16383 - 70; hi = 16383 + 64; break;
  default: break;
  }
  c->a = model_value(s, lo, hi);
  if (model_is_transcendental(cls) && model_rand(s) % 8) /* mostly in-domain operands */
    c->a = f80_make((int)(model_rand(s) & 1), (uint16_t)(lo + (int)(model_rand(s) % (uint64_t)(hi - lo + 1))),
                    J | model_rand(s));
  if (cls == MC_FYL2X && model_rand(s) % 8)
    c->a.sexp &= 0x7fff;
  if (model_rand(s) % 2) {
    c->b = model_value(s, lo, hi);
  } else { /* close to a: cancellation, equal exponents, near-ties */
    c->b = c->a;
    c->b.sexp = (uint16_t)(c->b.sexp ^ ((model_rand(s) & 1) << 15));
    if (f80_exp(c->b) > 2 && f80_exp(c->b) < 0x7ffd)
      c->b.sexp = (uint16_t)(c->b.sexp + (int)(model_rand(s) % 5) - 2);
    c->b.mant += model_rand(s) % 5 - 2;
  }
  if (cls == MC_FSCALE && model_rand(s) % 4)
    c->b = f80_from_int((int64_t)(model_rand(s) % 200) - 100);
  if (cls == MC_FPREM || cls == MC_FPREM1) {
    if (model_rand(s) % 2 && f80_exp(c->b) > 0 && f80_exp(c->b) < 0x7fff) {
      int d = (int)(model_rand(s) % 140);
      if (f80_exp(c->b) + d < 0x7fff)
        c->a = f80_make(f80_sign(c->a), (uint16_t)(f80_exp(c->b) + d), gen_mant(s));
    }
  }
  if (cls == MC_FLD32 || cls == MC_FADD32)
    (cls == MC_FLD32 ? &c->a : &c->b)->mant = model_ieee(s, 8, 23);
  if (cls == MC_FLD64 || cls == MC_FMUL64)
    (cls == MC_FLD64 ? &c->a : &c->b)->mant = model_ieee(s, 11, 52);
  if (cls == MC_FIST16 || cls == MC_FIST32 || cls == MC_FIST64 || cls == MC_FBSTP) {
    if (model_rand(s) % 2) {
      int bits = cls == MC_FIST16 ? 16 : cls == MC_FIST32 ? 32 : 64;
      c->a = f80_make((int)(model_rand(s) & 1), (uint16_t)(16383 + model_rand(s) % (uint64_t)(bits + 2)),
                      gen_mant(s));
    }
  }
  /* Classes whose unmasked IE/DE/ZE responses change the stack shape. */
  if (cls == MC_FXTRACT || cls == MC_FLD32 || cls == MC_FLD64 || cls == MC_FPTAN || cls == MC_FSINCOS)
    c->cw |= FSW_IE | FSW_DE | FSW_ZE;
}

/* ---- ulps ---- */

uint64_t model_ulps(Float80 x, Float80 y) {
  if (f80_eq_bits(x, y))
    return 0;
  if (f80_sign(x) != f80_sign(y) || f80_exp(x) == 0x7fff || f80_exp(y) == 0x7fff)
    return UINT64_MAX;
  /* Ordinal of a finite value: exponent * 2^63 + fraction (denormals: exp 0). */
  unsigned __int128 ox = ((unsigned __int128)f80_exp(x) << 63) + (x.mant & ~J);
  unsigned __int128 oy = ((unsigned __int128)f80_exp(y) << 63) + (y.mant & ~J);
  if (f80_exp(x) == 0)
    ox = x.mant;
  if (f80_exp(y) == 0)
    oy = y.mant;
  unsigned __int128 d = ox > oy ? ox - oy : oy - ox;
  return d > UINT64_MAX ? UINT64_MAX : (uint64_t)d;
}
