/*
 * softfloat80.h — x87 extended-precision (80-bit) arithmetic in integer C.
 *
 * Bit-exact emulation of the x87 data path without the host's FPU: every
 * function works on Float80 bit patterns with 64/128-bit integers, honours
 * the control word in the environment (precision control, rounding control,
 * exception masks for the unmasked over/underflow responses) and reports
 * exception flags and the C1 "rounded up" bit the way the x87 does.
 *
 * The functions always compute the masked response.  The caller (fpu.c)
 * decides from env->flags and the masks whether the result may be stored:
 * an unmasked IE, DE or ZE suppresses the store; an unmasked OE or UE on a
 * register destination stores the bias-adjusted result produced here.
 */
#ifndef X86VM_SOFTFLOAT80_H
#define X86VM_SOFTFLOAT80_H

#include <stdbool.h>
#include <stdint.h>

#include "fpu.h"

/* Arithmetic environment of one operation. */
typedef struct F80Env {
  uint16_t cw;     /* control word: PC, RC, masks */
  uint16_t flags;  /* out: FSW_IE..FSW_PE raised by the operation */
  uint8_t c1;      /* out: 1 if the result was rounded up in magnitude */
} F80Env;

/* Comparison results (as the x87 encodes them in C3/C2/C0). */
enum { F80_GT = 0, F80_LT = 1, F80_EQ = 2, F80_UN = 3 };

/* Float80 constructors and predicates. */
static inline Float80 f80_make(int sign, uint16_t exp, uint64_t mant) {
  Float80 r = { mant, (uint16_t)((sign ? 0x8000u : 0) | exp) };
  return r;
}
static inline int f80_sign(Float80 a) { return a.sexp >> 15; }
static inline uint16_t f80_exp(Float80 a) { return a.sexp & 0x7fff; }
static inline bool f80_is_nan(Float80 a) {
  return f80_exp(a) == 0x7fff && (a.mant & 0x8000000000000000ull) && (a.mant << 1);
}
static inline bool f80_is_snan(Float80 a) {
  return f80_is_nan(a) && !(a.mant & 0x4000000000000000ull);
}
static inline bool f80_eq_bits(Float80 a, Float80 b) { return a.mant == b.mant && a.sexp == b.sexp; }
extern const Float80 f80_indefinite; /* real indefinite: -QNaN C000000000000000 */
extern const Float80 f80_zero, f80_one;

/* Tag of a value for the tag word (FTAG_VALID / ZERO / SPECIAL). */
static inline unsigned f80_tag(Float80 a) {
  uint16_t e = f80_exp(a);
  if (e == 0)
    return a.mant ? FTAG_SPECIAL : FTAG_ZERO;
  if (e == 0x7fff || !(a.mant & 0x8000000000000000ull))
    return FTAG_SPECIAL;
  return FTAG_VALID;
}

/*
 * The common case of round_pack, on 64-bit halves: round hi:lo (bit 63 of
 * hi set; lo holds the bits below hi, any nonzero value marking inexact) to
 * prec bits with rounding control rc.  Returns the rounded hi; *carry is set
 * when rounding up overflowed it (the value is then 0x8000000000000000ull one binade up).
 * softfloat80.c's round_pack computes the same on 128 bits for every range.
 */
static inline uint64_t f80_round_sig(uint64_t hi, uint64_t lo, int prec, int rc, int sign, bool *inexact,
                                 bool *up, bool *carry) {
  bool gt, eq, lsb;
  uint64_t one;
  if (prec == 64) {
    *inexact = lo != 0;
    gt = lo > 0x8000000000000000ull;
    eq = lo == 0x8000000000000000ull;
    lsb = hi & 1;
    one = 1;
  } else {
    int drop = 64 - prec;
    uint64_t mask = (1ull << drop) - 1, half = 1ull << (drop - 1), rh = hi & mask;
    *inexact = (rh | lo) != 0;
    gt = rh > half || (rh == half && lo);
    eq = rh == half && !lo;
    one = 1ull << drop;
    lsb = (hi & one) != 0;
    hi &= ~mask;
  }
  bool u = false;
  if (*inexact) {
    switch (rc) {
    case 0: u = gt || (eq && lsb); break;
    case 1: u = sign; break;
    case 2: u = !sign; break;
    default: break;
    }
  }
  *up = u;
  *carry = false;
  if (u) {
    hi += one;
    if (hi == 0) {
      hi = 0x8000000000000000ull;
      *carry = true;
    }
  }
  return hi;
}

/*
 * FST m64real of a normal value whose double is normal: what f80_to_f64
 * gives (flags PE and C1 in e); false, with e unchanged, for every other
 * operand or result.
 */
static inline bool f80_to_f64_normal(F80Env *e, Float80 a, uint64_t *out) {
  if ((uint16_t)(f80_exp(a) - 1) >= 0x7ffe || !(a.mant >> 63))
    return false;
  bool inexact, up, carry;
  uint64_t r = f80_round_sig(a.mant, 0, 53, (e->cw >> 10) & 3, f80_sign(a), &inexact, &up, &carry);
  int32_t ex = (int32_t)f80_exp(a) - 16383 + 1023 + carry;
  if (ex < 1 || ex > 0x7fe)
    return false;
  if (inexact)
    e->flags |= FSW_PE;
  e->c1 = inexact && up;
  *out = (uint64_t)f80_sign(a) << 63 | (uint64_t)ex << 52 | (r << 1) >> 12;
  return true;
}

/* Basic arithmetic (precision control applies). */
Float80 f80_add(F80Env *e, Float80 a, Float80 b);
Float80 f80_sub(F80Env *e, Float80 a, Float80 b);   /* a - b */
Float80 f80_mul(F80Env *e, Float80 a, Float80 b);
Float80 f80_div(F80Env *e, Float80 a, Float80 b);   /* a / b */
Float80 f80_sqrt(F80Env *e, Float80 a);

/* Comparison: F80_*; quiet = FUCOM semantics (only SNaN signals IE). */
int f80_compare(F80Env *e, Float80 a, Float80 b, bool quiet);

/* Conversions. */
static inline Float80 f80_from_int(int64_t v) {   /* exact */
  if (v == 0)
    return f80_make(0, 0, 0);
  int sign = v < 0;
  uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;
  int s = __builtin_clzll(m);
  return f80_make(sign, (uint16_t)(16383 + 63 - s), m << s);
}
/* To a bits-wide signed integer (16, 32, 64); IE and the integer indefinite
 * (most negative value) when out of range or NaN.  trunc: FISTTP rounding. */
int64_t f80_to_int(F80Env *e, Float80 a, int bits, bool trunc);
Float80 f80_from_f32(F80Env *e, uint32_t v);       /* IE on SNaN, DE on denormal */
Float80 f80_from_f64(F80Env *e, uint64_t v);
uint32_t f80_to_f32(F80Env *e, Float80 a);         /* rounds by RC, range of single */
uint64_t f80_to_f64(F80Env *e, Float80 a);
/* FBSTP: 10-byte packed BCD.  Out of range or NaN: IE and the BCD indefinite. */
void f80_to_bcd(F80Env *e, Float80 a, uint8_t out[10]);
Float80 f80_from_bcd(const uint8_t in[10]);

/* Other x87 operations. */
Float80 f80_round_int(F80Env *e, Float80 a);        /* FRNDINT */
Float80 f80_scale(F80Env *e, Float80 a, Float80 b); /* FSCALE: a * 2^trunc(b) */
/* FXTRACT: *exp gets the unbiased exponent, *sig the significand (1 <= |sig| < 2). */
void f80_xtract(F80Env *e, Float80 a, Float80 *exp, Float80 *sig);
/* FPREM (ieee = false) / FPREM1 (ieee = true): remainder of a / b; *cc gets
 * C0/C1/C2/C3 (quotient bits, C2 = incomplete), or F80_CC_KEEP for a NaN or
 * invalid result, where the x87 clears C1/C2 and leaves C0/C3. */
#define F80_CC_KEEP 0xffffu
Float80 f80_prem(F80Env *e, Float80 a, Float80 b, bool ieee, uint16_t *cc);
/* FXAM condition bits (C0..C3, C1 = sign) for a register; empty: tag empty. */
uint16_t f80_xam(Float80 a, bool empty);

/* Constants: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ by D9 E8+i. */
Float80 f80_const(int i, uint16_t cw);

/* Transcendentals (within 1 ulp of the exact result; see softfloat80.c). */
Float80 f80_f2xm1(F80Env *e, Float80 a);
Float80 f80_yl2x(F80Env *e, Float80 x, Float80 y);     /* y * log2(x) */
Float80 f80_yl2xp1(F80Env *e, Float80 x, Float80 y);   /* y * log2(x + 1) */
Float80 f80_patan(F80Env *e, Float80 y, Float80 x);    /* atan2(y, x) */
/* FSIN/FCOS/FSINCOS/FPTAN.  Return false (C2 = 1, operand unchanged) when
 * |x| >= 2^63.  want: 1 sin, 2 cos, 3 both; tan computes sin/cos. */
bool f80_sincos(F80Env *e, Float80 x, Float80 *s, Float80 *c, int want);
bool f80_tan(F80Env *e, Float80 x, Float80 *t);

#endif
