/*
 * softfloat80.c — x87 extended-precision arithmetic in integer C.
 *
 * Written from the Intel SDM (vol. 1 ch. 4 and 8, vol. 2 instruction pages):
 * operands are unpacked to sign / unbounded exponent / normalised 64-bit
 * significand, the exact (or exact-plus-sticky) result is formed in 128 bits
 * and rounded once by round_pack(), which implements precision control, the
 * four rounding modes, tininess detected after rounding, masked responses
 * (denormal results, infinity or largest finite on overflow) and the
 * unmasked responses (exponent bias-adjusted by 24576 on a register
 * destination).
 *
 * Transcendentals are evaluated in a 128-bit software float (Xf below) with
 * series after argument reduction, then rounded once; the error before the
 * final rounding is about 2^-120 relative, so results are the correctly
 * rounded value except very near rounding boundaries.  FSIN/FCOS/FSINCOS/
 * FPTAN reduce modulo the 68-bit approximation of pi/2 the x87 uses, so they
 * agree with hardware for large arguments too.
 */
#include "softfloat80.h"

#include <stddef.h>

typedef unsigned __int128 u128;

#define BIAS 16383
#define J_BIT 0x8000000000000000ull
#define Q_BIT 0x4000000000000000ull
#define ZERO_EXP (-1000000) /* unpacked exponent of a zero: below everything */

const Float80 f80_indefinite = { 0xc000000000000000ull, 0xffff };
const Float80 f80_zero = { 0, 0 };
const Float80 f80_one = { J_BIT, BIAS };

/* ---- unpacking ---- */

enum { K_ZERO, K_FIN, K_INF, K_QNAN, K_SNAN, K_BAD };

typedef struct Unp {
  int k;        /* K_* class */
  int sign;     /* 1 = negative */
  int32_t exp;  /* unbiased-by-nothing exponent: value = sig * 2^(exp - BIAS - 63) */
  uint64_t sig; /* normalised (bit 63 set) when k == K_FIN */
  bool den;     /* the operand was a denormal or pseudo-denormal */
} Unp;

static int clz64(uint64_t v) { return __builtin_clzll(v); }
static int clz128(u128 m) {
  uint64_t hi = (uint64_t)(m >> 64);
  return hi ? clz64(hi) : 64 + clz64((uint64_t)m);
}

static Unp unpack(Float80 a) {
  Unp u = { K_FIN, f80_sign(a), f80_exp(a), a.mant, false };
  bool j = (a.mant & J_BIT) != 0;
  if (u.exp == 0x7fff) {
    if (!j)
      u.k = K_BAD;
    else if (!(a.mant << 1))
      u.k = K_INF;
    else
      u.k = (a.mant & Q_BIT) ? K_QNAN : K_SNAN;
  } else if (u.exp == 0) {
    if (a.mant == 0) {
      u.k = K_ZERO;
      u.exp = ZERO_EXP;
    } else {
      int s = clz64(a.mant);
      u.den = true;
      u.sig <<= s;
      u.exp = 1 - s;
    }
  } else if (!j) {
    u.k = K_BAD; /* unnormal */
  }
  return u;
}

static bool is_nan_k(int k) { return k == K_QNAN || k == K_SNAN; }


/* ---- rounding ---- */

static int rc_of(const F80Env *e) { return (e->cw >> 10) & 3; }
static int prec_of(const F80Env *e) {
  static const int8_t prec[4] = { 24, 64, 53, 64 }; /* PC 1 is reserved: as 3 */
  return prec[(e->cw >> 8) & 3];
}

static bool round_up(int rc, int sign, bool lsb, u128 rem, u128 half) {
  if (!rem)
    return false;
  switch (rc) {
  case 0: return rem > half || (rem == half && lsb);
  case 1: return sign;
  case 2: return !sign;
  default: return false;
  }
}

static u128 shr_sticky(u128 m, int64_t n) {
  if (n <= 0)
    return m;
  if (n >= 128)
    return m != 0;
  return (m >> n) | ((m & (((u128)1 << n) - 1)) != 0);
}

/* Destination formats for round_pack. */
typedef struct Fmt {
  int32_t bias;   /* exponent bias */
  int32_t emax;   /* largest biased exponent of a finite number */
  int32_t adjust; /* unmasked over/underflow bias adjustment */
} Fmt;
static const Fmt FMT80 = { BIAS, 0x7ffe, 24576 };
static const Fmt FMT64 = { 1023, 0x7fe, 1536 };
static const Fmt FMT32 = { 127, 0xfe, 192 };

typedef struct Pk {
  int sign;
  int32_t exp;  /* biased in the destination format */
  uint64_t sig; /* significand with the integer bit at bit 63 (0 for denormals) */
} Pk;

/*
 * Round (-1)^sign * m * 2^(exp - BIAS - 127) (m != 0, any alignment; exp is
 * biased for the x87 format) to prec bits in format f.
 */
static __attribute__((noinline)) Pk round_pack(F80Env *e, int sign, int64_t exp, u128 m, int prec, const Fmt *f) {
  Pk p = { sign, 0, 0 };
  int lz = clz128(m);
  int rc = rc_of(e);
  int drop = 128 - prec;
  u128 mask = ((u128)1 << drop) - 1, half = (u128)1 << (drop - 1), one = (u128)1 << drop;
  m <<= lz;
  exp = exp - lz - BIAS + f->bias;
  u128 rem = m & mask;
  bool up = round_up(rc, sign, (m >> drop) & 1, rem, half);
  u128 r = m & ~mask;
  int64_t rexp = exp;
  if (up) {
    r += one;
    if (r == 0) {
      r = (u128)1 << 127;
      rexp++;
    }
  }
  if (rexp > f->emax) {
    e->flags |= FSW_OE;
    if (!(e->cw & FSW_OE) && rexp - f->adjust <= f->emax) {
      if (rem) {
        e->flags |= FSW_PE;
        e->c1 = up;
      }
      p.exp = (int32_t)(rexp - f->adjust);
      p.sig = (uint64_t)(r >> 64);
      return p;
    }
    e->flags |= FSW_PE;
    if (!(e->cw & FSW_OE)) { /* unmasked but beyond the bias adjustment: infinity */
      e->c1 = 1;
      p.exp = f->emax + 1;
      p.sig = J_BIT;
      return p;
    }
    if (rc == 0 || (rc == 1 && sign) || (rc == 2 && !sign)) {
      e->c1 = 1;
      p.exp = f->emax + 1;
      p.sig = J_BIT;
    } else {
      e->c1 = 0;
      p.exp = f->emax;
      p.sig = ~0ull << (64 - prec);
    }
    return p;
  }
  if (rexp < 1) {
    if (!(e->cw & FSW_UE) && rexp + f->adjust >= 1) {
      e->flags |= FSW_UE;
      if (rem) {
        e->flags |= FSW_PE;
        e->c1 = up;
      }
      p.exp = (int32_t)(rexp + f->adjust);
      p.sig = (uint64_t)(r >> 64);
      return p;
    }
    if (!(e->cw & FSW_UE)) { /* unmasked but beyond the bias adjustment: zero */
      e->flags |= FSW_UE | FSW_PE;
      e->c1 = 0;
      return p;
    }
    u128 d = shr_sticky(m, 1 - exp);
    rem = d & mask;
    up = round_up(rc, sign, (d >> drop) & 1, rem, half);
    r = d & ~mask;
    if (up)
      r += one;
    if (rem || !(e->cw & FSW_UE)) {
      e->flags |= FSW_UE | (rem ? FSW_PE : 0);
      e->c1 = up;
    }
    p.exp = (r >> 127) ? 1 : 0;
    p.sig = (uint64_t)(r >> 64);
    return p;
  }
  if (rem) {
    e->flags |= FSW_PE;
    e->c1 = up;
  }
  p.exp = (int32_t)rexp;
  p.sig = (uint64_t)(r >> 64);
  return p;
}

static Float80 pack80(Pk p) { return f80_make(p.sign, (uint16_t)(p.exp & 0x7fff), p.sig); }

/*
 * Fast path of rp80 for a result that stays a normal number: hi:lo as for
 * f80_round_sig, exp biased.  False (nothing changed) when the rounded result
 * leaves the normal range: the caller takes round_pack.
 */
static inline bool rp80_fast(F80Env *e, int sign, int64_t exp, uint64_t hi, uint64_t lo, int prec,
                             Float80 *out) {
  bool inexact, up, carry;
  uint64_t r = f80_round_sig(hi, lo, prec, rc_of(e), sign, &inexact, &up, &carry);
  exp += carry;
  if (exp < 1 || exp > 0x7ffe)
    return false;
  if (inexact) {
    e->flags |= FSW_PE;
    e->c1 = up;
  }
  *out = f80_make(sign, (uint16_t)exp, r);
  return true;
}

static inline Float80 rp80(F80Env *e, int sign, int64_t exp, u128 m, int prec) {
  if (m == 0)
    return f80_make(sign, 0, 0);
  int lz = clz128(m);
  u128 n = m << lz;
  Float80 r;
  if (rp80_fast(e, sign, exp - lz, (uint64_t)(n >> 64), (uint64_t)n, prec, &r))
    return r;
  return pack80(round_pack(e, sign, exp, m, prec, &FMT80));
}

/* (hi:lo) / d with hi < d: the 64-bit quotient and the remainder. */
static inline uint64_t div128_64(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem) {
#if defined(__x86_64__)
  uint64_t q, r;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d) : "cc");
  *rem = r;
  return q;
#else
  u128 n = (u128)hi << 64 | lo;
  *rem = (uint64_t)(n % d);
  return (uint64_t)(n / d);
#endif
}

/* ---- NaN handling ---- */

static Float80 quiet(Float80 a) {
  a.mant |= Q_BIT;
  return a;
}

/* Result of an operation with a NaN operand among a (and b if two). */
static Float80 nan_result(F80Env *e, Float80 a, const Unp *ua, Float80 b, const Unp *ub) {
  bool an = is_nan_k(ua->k), bn = ub && is_nan_k(ub->k);
  if (ua->k == K_SNAN || (ub && ub->k == K_SNAN))
    e->flags |= FSW_IE;
  if (an && bn) {
    if (ua->k != ub->k)
      return quiet(ua->k == K_QNAN ? a : b);
    uint64_t ma = a.mant | Q_BIT, mb = b.mant | Q_BIT;
    if (ma != mb)
      return quiet(ma > mb ? a : b);
    return quiet(f80_sign(a) ? b : a);
  }
  return quiet(an ? a : b);
}

static Float80 invalid(F80Env *e) {
  e->flags |= FSW_IE;
  return f80_indefinite;
}

/* Handle NaN / unsupported operands of a binary operation. */
static bool bin_special(F80Env *e, Float80 a, Float80 b, Unp *ua, Unp *ub, Float80 *res) {
  *ua = unpack(a);
  *ub = unpack(b);
  if (ua->k == K_BAD || ub->k == K_BAD) {
    *res = invalid(e);
    return true;
  }
  if (is_nan_k(ua->k) || is_nan_k(ub->k)) {
    *res = nan_result(e, a, ua, b, ub);
    return true;
  }
  return false;
}

/* Raise DE for denormal operands; true if DE is unmasked (abort). */
static bool denormal_check(F80Env *e, const Unp *ua, const Unp *ub) {
  if (ua->den || (ub && ub->den)) {
    e->flags |= FSW_DE;
    return !(e->cw & FSW_DE);
  }
  return false;
}

static Float80 inf80(int sign) { return f80_make(sign, 0x7fff, J_BIT); }
static Float80 zero80(int sign) { return f80_make(sign, 0, 0); }

/* ---- basic arithmetic ---- */

/* Both operands normal numbers (not zero, denormal, unnormal, infinity, NaN). */
static inline bool both_normal(Float80 a, Float80 b) {
  return (uint16_t)((a.sexp & 0x7fff) - 1) < 0x7ffe && (uint16_t)((b.sexp & 0x7fff) - 1) < 0x7ffe &&
         (a.mant & b.mant) >> 63;
}

/*
 * Quotient of normalised significands A / B (exponents ea, eb): 64 quotient
 * bits from one 128/64 division; the remainder against half the divisor
 * gives f80_round_sig the rest (below, at or above half).  False when the
 * result is not a normal number (then the 128-bit path below).
 */
static inline bool div_fast(F80Env *e, int sign, int32_t ea, uint64_t A, int32_t eb, uint64_t B, Float80 *res) {
  uint64_t q, rem;
  int64_t ex = (int64_t)ea - eb + BIAS - 1;
  if (A >= B) { /* quotient in [1, 2): A * 2^63 / B */
    q = div128_64(A >> 1, A << 63, B, &rem);
    ex++;
  } else { /* in (1/2, 1): A * 2^64 / B */
    q = div128_64(A, 0, B, &rem);
  }
  uint64_t lo = 0;
  if (rem) /* 2 * rem against B without overflow: rem against B - rem */
    lo = rem > B - rem ? J_BIT | 1 : rem == B - rem ? J_BIT : 1;
  return rp80_fast(e, sign, ex, q, lo, prec_of(e), res);
}

/*
 * |a| + |b| of two normal numbers with the same sign, on 64-bit halves: the
 * sum's top 64 bits and below them the rest, exact or (more than 64 bits
 * apart) with a sticky bit, which is all f80_round_sig needs.  False when the
 * result is not a normal number.
 */
static inline bool add_fast(F80Env *e, const Unp *ua, const Unp *ub, Float80 *res) {
  if (ua->exp < ub->exp) {
    const Unp *t = ua;
    ua = ub;
    ub = t;
  }
  uint32_t d = (uint32_t)(ua->exp - ub->exp);
  uint64_t bh, bl; /* b aligned to a: bh in a's 64 bits, bl the bits below */
  if (d == 0) {
    bh = ub->sig;
    bl = 0;
  } else if (d < 64) {
    bh = ub->sig >> d;
    bl = ub->sig << (64 - d);
  } else if (d == 64) {
    bh = 0;
    bl = ub->sig;
  } else if (d < 128) {
    bh = 0;
    bl = ub->sig >> (d - 64) | ((ub->sig << (128 - d)) != 0);
  } else {
    bh = 0;
    bl = 1;
  }
  uint64_t hi = ua->sig + bh, lo = bl;
  int64_t ex = ua->exp;
  if (hi < bh) { /* carry out: shift right one, keeping the dropped bit sticky */
    lo = (hi << 63) | (lo >> 1) | (lo & 1);
    hi = (hi >> 1) | J_BIT;
    ex++;
  }
  return rp80_fast(e, ua->sign, ex, hi, lo, prec_of(e), res);
}

static __attribute__((noinline)) Float80 addsub(F80Env *e, Float80 a, Float80 b, int neg) {
  Unp ua, ub;
  Float80 r;
  if (both_normal(a, b)) { /* what unpack gives for them, without the checks */
    ua = (Unp){ K_FIN, f80_sign(a), f80_exp(a), a.mant, false };
    ub = (Unp){ K_FIN, f80_sign(b), f80_exp(b), b.mant, false };
    ub.sign ^= neg;
    if (ua.sign == ub.sign && add_fast(e, &ua, &ub, &r))
      return r;
    goto finite;
  }
  if (bin_special(e, a, b, &ua, &ub, &r))
    return r;
  ub.sign ^= neg;
  if (ua.k == K_INF || ub.k == K_INF) {
    if (ua.k == K_INF && ub.k == K_INF && ua.sign != ub.sign)
      return invalid(e);
    if (denormal_check(e, &ua, &ub))
      return a;
    return inf80(ua.k == K_INF ? ua.sign : ub.sign);
  }
  if (denormal_check(e, &ua, &ub))
    return a;
  if (ua.k == K_ZERO && ub.k == K_ZERO)
    return zero80(ua.sign == ub.sign ? ua.sign : rc_of(e) == 1);
finite:;
  int rc = rc_of(e);
  if (ua.exp < ub.exp) {
    Unp t = ua;
    ua = ub;
    ub = t;
  }
  u128 A = (u128)ua.sig << 63;
  u128 B = shr_sticky((u128)ub.sig << 63, (int64_t)ua.exp - ub.exp);
  u128 m;
  int sign;
  if (ua.sign == ub.sign) {
    m = A + B;
    sign = ua.sign;
  } else if (A >= B) {
    m = A - B;
    sign = ua.sign;
  } else {
    m = B - A;
    sign = ub.sign;
  }
  if (m == 0)
    return zero80(rc == 1);
  return rp80(e, sign, (int64_t)ua.exp + 1, m, prec_of(e));
}

/* Same-sign sums of normal numbers inline (add_fast), the rest in addsub. */
static inline Float80 addsub_fast(F80Env *e, Float80 a, Float80 b, int neg) {
  if (both_normal(a, b) && !((a.sexp ^ b.sexp) >> 15 ^ neg)) {
    Unp ua = { K_FIN, f80_sign(a), f80_exp(a), a.mant, false };
    Unp ub = { K_FIN, f80_sign(a), f80_exp(b), b.mant, false };
    Float80 r;
    if (add_fast(e, &ua, &ub, &r))
      return r;
  }
  return addsub(e, a, b, neg);
}
Float80 f80_add(F80Env *e, Float80 a, Float80 b) { return addsub_fast(e, a, b, 0); }
Float80 f80_sub(F80Env *e, Float80 a, Float80 b) { return addsub_fast(e, a, b, 1); }

/* The general cases of each operation, out of line so that the fast paths
 * in front of them need no registers saved. */
static __attribute__((noinline)) Float80 mul_general(F80Env *e, Float80 a, Float80 b);
static __attribute__((noinline)) Float80 div_general(F80Env *e, Float80 a, Float80 b);

Float80 f80_mul(F80Env *e, Float80 a, Float80 b) {
  Float80 r;
  if (both_normal(a, b)) { /* the product of the significands is in [2^126, 2^128) */
    u128 m = (u128)a.mant * b.mant;
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    int64_t ex = (int64_t)f80_exp(a) + f80_exp(b) - BIAS + 1;
    if (!(hi >> 63)) {
      hi = hi << 1 | lo >> 63;
      lo <<= 1;
      ex--;
    }
    if (rp80_fast(e, f80_sign(a) ^ f80_sign(b), ex, hi, lo, prec_of(e), &r))
      return r;
  }
  return mul_general(e, a, b);
}

static Float80 mul_general(F80Env *e, Float80 a, Float80 b) {
  Unp ua, ub;
  Float80 r;
  if (bin_special(e, a, b, &ua, &ub, &r))
    return r;
  int sign = ua.sign ^ ub.sign;
  if ((ua.k == K_INF && ub.k == K_ZERO) || (ua.k == K_ZERO && ub.k == K_INF))
    return invalid(e);
  if (denormal_check(e, &ua, &ub))
    return a;
  if (ua.k == K_INF || ub.k == K_INF)
    return inf80(sign);
  if (ua.k == K_ZERO || ub.k == K_ZERO)
    return zero80(sign);
  u128 m = (u128)ua.sig * ub.sig;
  return rp80(e, sign, (int64_t)ua.exp + ub.exp - BIAS + 1, m, prec_of(e));
}

Float80 f80_div(F80Env *e, Float80 a, Float80 b) {
  Float80 r;
  if (both_normal(a, b) &&
      div_fast(e, f80_sign(a) ^ f80_sign(b), f80_exp(a), a.mant, f80_exp(b), b.mant, &r))
    return r;
  return div_general(e, a, b);
}

static Float80 div_general(F80Env *e, Float80 a, Float80 b) {
  Unp ua, ub;
  Float80 r;
  if (bin_special(e, a, b, &ua, &ub, &r))
    return r;
  int sign = ua.sign ^ ub.sign;
  if ((ua.k == K_INF && ub.k == K_INF) || (ua.k == K_ZERO && ub.k == K_ZERO))
    return invalid(e);
  if (ub.k == K_ZERO && ua.k != K_INF) {
    e->flags |= FSW_ZE;
    return inf80(sign);
  }
  if (denormal_check(e, &ua, &ub))
    return a;
  if (ua.k == K_INF)
    return inf80(sign);
  if (ua.k == K_ZERO || ub.k == K_INF)
    return zero80(sign);
  if (div_fast(e, sign, ua.exp, ua.sig, ub.exp, ub.sig, &r))
    return r;
  u128 num = (u128)ua.sig << 64;
  u128 q = num / ub.sig;
  uint64_t rem = (uint64_t)(num % ub.sig);
  u128 num2 = (u128)rem << 62;
  u128 q2 = num2 / ub.sig;
  uint64_t rem2 = (uint64_t)(num2 % ub.sig);
  u128 m = (q << 62) | q2 | (rem2 != 0);
  return rp80(e, sign, (int64_t)ua.exp - ub.exp + BIAS + 1, m, prec_of(e));
}

/*
 * floor(sqrt(n)) for n >= 2^126 (a root in [2^63, 2^64)), with the
 * remainder n - root^2: a double-precision
 * estimate (good to about 2^12 units), one Newton step on the exact integer
 * residual, then unit steps until root^2 <= n < (root+1)^2.  The estimate
 * only decides how many steps run; the result is exact whatever it is.
 */
static uint64_t isqrt128(u128 n, u128 *remp) {
  double s = __builtin_sqrt((double)(uint64_t)(n >> 64)) * 4294967296.0;
  uint64_t r = s >= 18446744073709551615.0 ? ~0ull : s < 9223372036854775808.0 ? J_BIT : (uint64_t)s;
  u128 sq = (u128)r * r;
  if (sq > n) { /* r - (sq - n) / 2r, rounded down: still >= r - 1 of the true root, or above */
    u128 d = sq - n;
    uint64_t rem, step = div128_64((uint64_t)(d >> 64) >> 1, (uint64_t)(d >> 1), r, &rem);
    r -= step;
  } else {
    u128 d = n - sq;
    uint64_t rem, step = div128_64((uint64_t)(d >> 64) >> 1, (uint64_t)(d >> 1), r, &rem);
    r += step;
  }
  sq = (u128)r * r;
  while (sq > n) {
    r--;
    sq = (u128)r * r;
  }
  u128 rem = n - sq;
  while (rem >= 2 * (u128)r + 1) {
    rem -= 2 * (u128)r + 1;
    r++;
  }
  *remp = rem;
  return r;
}

Float80 f80_sqrt(F80Env *e, Float80 a) {
  Unp ua = unpack(a);
  if (ua.k == K_BAD)
    return invalid(e);
  if (is_nan_k(ua.k))
    return nan_result(e, a, &ua, a, NULL);
  if (ua.k == K_ZERO)
    return a;
  if (ua.sign)
    return invalid(e);
  if (ua.k == K_INF)
    return a;
  if (denormal_check(e, &ua, NULL))
    return a;
  int64_t ex = (int64_t)ua.exp - BIAS;
  int k = (ex & 1) ? 64 : 63;
  u128 rem;
  uint64_t r0 = isqrt128((u128)ua.sig << k, &rem);
  u128 m = ((u128)r0 << 64) | (rem > r0 ? ((u128)3 << 62) : (rem ? 1 : 0));
  int64_t half = (ex - 63 - k) / 2;
  return rp80(e, 0, BIAS + 63 + half, m, prec_of(e));
}

/* ---- comparison ---- */

int f80_compare(F80Env *e, Float80 a, Float80 b, bool quiet_cmp) {
  Unp ua = unpack(a), ub = unpack(b);
  if (ua.k == K_BAD || ub.k == K_BAD) {
    e->flags |= FSW_IE;
    return F80_UN;
  }
  if (is_nan_k(ua.k) || is_nan_k(ub.k)) {
    if (!quiet_cmp || ua.k == K_SNAN || ub.k == K_SNAN)
      e->flags |= FSW_IE;
    return F80_UN;
  }
  if (ua.den || ub.den)
    e->flags |= FSW_DE;
  if (ua.k == K_ZERO && ub.k == K_ZERO)
    return F80_EQ;
  if (ua.sign != ub.sign)
    return ua.sign ? F80_LT : F80_GT;
  int32_t ea = ua.k == K_INF ? 0x10000 : ua.exp, eb = ub.k == K_INF ? 0x10000 : ub.exp;
  int mag; /* -1, 0, 1: |a| vs |b| */
  if (ea != eb)
    mag = ea < eb ? -1 : 1;
  else if (ua.sig != ub.sig)
    mag = ua.sig < ub.sig ? -1 : 1;
  else
    mag = 0;
  if (mag == 0)
    return F80_EQ;
  if (ua.sign)
    mag = -mag;
  return mag < 0 ? F80_LT : F80_GT;
}

/* ---- conversions ---- */


int64_t f80_to_int(F80Env *e, Float80 a, int bits, bool trunc) {
  Unp ua = unpack(a);
  int64_t indef = (int64_t)((uint64_t)-1 << (bits - 1));
  if (ua.k == K_BAD || ua.k == K_INF || is_nan_k(ua.k)) {
    e->flags |= FSW_IE;
    return indef;
  }
  if (ua.k == K_ZERO)
    return 0;
  int64_t s = (int64_t)BIAS + 63 - ua.exp;
  if (s < 0) {
    e->flags |= FSW_IE;
    return indef;
  }
  u128 x = shr_sticky((u128)ua.sig << 64, s);
  u128 ip = x >> 64;
  uint64_t frac = (uint64_t)x;
  bool up = round_up(trunc ? 3 : rc_of(e), ua.sign, ip & 1, frac, (u128)1 << 63);
  ip += up;
  u128 lim = ((u128)1 << (bits - 1)) - (ua.sign ? 0 : 1);
  if (ip > lim) {
    e->flags |= FSW_IE;
    return indef;
  }
  if (frac) {
    e->flags |= FSW_PE;
    e->c1 = up;
  }
  return ua.sign ? (int64_t)(0 - (uint64_t)ip) : (int64_t)(uint64_t)ip;
}

/* Extend a binary32/binary64 value given as fields (exponent width ew). */
static Float80 from_ieee(F80Env *e, int sign, uint32_t ex, uint64_t frac, int fbits, int32_t bias,
                         uint32_t emaxf) {
  if (ex == emaxf) {
    if (!frac)
      return inf80(sign);
    return f80_make(sign, 0x7fff, J_BIT | (frac << (63 - fbits)));
  }
  if (ex == 0) {
    if (!frac)
      return zero80(sign);
    e->flags |= FSW_DE;
    int s = clz64(frac);
    /* value = frac * 2^(1 - bias - fbits) */
    return f80_make(sign, (uint16_t)(1 - bias - fbits + 63 - s + BIAS), frac << s);
  }
  return f80_make(sign, (uint16_t)(ex - bias + BIAS), J_BIT | (frac << (63 - fbits)));
}

Float80 f80_from_f32(F80Env *e, uint32_t v) {
  return from_ieee(e, v >> 31, (v >> 23) & 0xff, v & 0x7fffff, 23, 127, 0xff);
}
Float80 f80_from_f64(F80Env *e, uint64_t v) {
  return from_ieee(e, (int)(v >> 63), (uint32_t)(v >> 52) & 0x7ff, v & 0xfffffffffffffull, 52, 1023,
                   0x7ff);
}

/* Narrow to binary32/64: returns sign, biased exponent, fraction in the Pk. */
static Pk to_ieee(F80Env *e, Float80 a, const Fmt *f, int prec, int fbits) {
  Pk p = { f80_sign(a), 0, 0 };
  if ((uint16_t)(f80_exp(a) - 1) < 0x7ffe && a.mant >> 63) {
    /* a normal operand and a normal result: f80_round_sig, the exponent rebiased */
    bool inexact, up, carry;
    uint64_t r = f80_round_sig(a.mant, 0, prec, rc_of(e), p.sign, &inexact, &up, &carry);
    int64_t ex = (int64_t)f80_exp(a) - BIAS + f->bias + carry;
    if (ex >= 1 && ex <= f->emax) {
      if (inexact)
        e->flags |= FSW_PE;
      e->c1 = inexact && up;
      p.exp = (int32_t)ex;
      p.sig = (r << 1) >> (64 - fbits);
      return p;
    }
  }
  Unp ua = unpack(a);
  uint32_t emaxf = (uint32_t)f->emax + 1;
  switch (ua.k) {
  case K_BAD:
    e->flags |= FSW_IE;
    p.sign = 1;
    p.exp = (int32_t)emaxf;
    p.sig = 1ull << (fbits - 1);
    return p;
  case K_SNAN:
  case K_QNAN:
    if (ua.k == K_SNAN)
      e->flags |= FSW_IE;
    p.exp = (int32_t)emaxf;
    p.sig = ((a.mant | Q_BIT) << 1) >> (64 - fbits);
    return p;
  case K_INF:
    p.exp = (int32_t)emaxf;
    return p;
  case K_ZERO:
    return p;
  default:
    break;
  }
  F80Env t = { e->cw, 0, 0 };
  p = round_pack(&t, ua.sign, ua.exp, (u128)ua.sig << 64, prec, f);
  p.sig = (p.sig << 1) >> (64 - fbits); /* drop the integer bit */
  if (t.flags & ~t.cw & (FSW_OE | FSW_UE)) {
    /* unmasked over/underflow to memory: nothing is stored, no PE */
    t.flags &= (uint16_t)~FSW_PE;
    t.c1 = 0;
    p.exp = 0;
    p.sig = 0;
  }
  e->flags |= t.flags;
  e->c1 = t.c1;
  return p;
}

uint32_t f80_to_f32(F80Env *e, Float80 a) {
  Pk p = to_ieee(e, a, &FMT32, 24, 23);
  return ((uint32_t)p.sign << 31) | ((uint32_t)p.exp << 23) | (uint32_t)p.sig;
}
uint64_t f80_to_f64(F80Env *e, Float80 a) {
  Pk p = to_ieee(e, a, &FMT64, 53, 52);
  return ((uint64_t)p.sign << 63) | ((uint64_t)p.exp << 52) | p.sig;
}

void f80_to_bcd(F80Env *e, Float80 a, uint8_t out[10]) {
  F80Env t = *e;
  int64_t v = 0;
  Unp ua = unpack(a);
  bool bad = ua.k == K_BAD || ua.k == K_INF || is_nan_k(ua.k);
  if (!bad) {
    v = f80_to_int(&t, a, 64, false);
    bad = (t.flags & FSW_IE) || v >= 1000000000000000000ll || v <= -1000000000000000000ll;
  }
  if (bad) {
    e->flags |= FSW_IE;
    for (int i = 0; i < 7; i++)
      out[i] = 0;
    out[7] = 0xc0;
    out[8] = 0xff;
    out[9] = 0xff;
    return;
  }
  e->flags = t.flags;
  e->c1 = t.c1;
  uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  for (int i = 0; i < 9; i++) {
    unsigned lo = (unsigned)(m % 10);
    m /= 10;
    unsigned hi = (unsigned)(m % 10);
    m /= 10;
    out[i] = (uint8_t)(lo | hi << 4);
  }
  out[9] = ua.sign ? 0x80 : 0;
}

Float80 f80_from_bcd(const uint8_t in[10]) {
  uint64_t m = 0;
  for (int i = 8; i >= 0; i--)
    m = m * 100 + (uint64_t)((in[i] >> 4) * 10 + (in[i] & 15));
  Float80 r = f80_from_int((int64_t)m);
  if (in[9] & 0x80)
    r.sexp |= 0x8000;
  return r;
}

/* ---- other x87 operations ---- */

Float80 f80_round_int(F80Env *e, Float80 a) {
  Unp ua = unpack(a);
  if (ua.k == K_BAD)
    return invalid(e);
  if (is_nan_k(ua.k))
    return nan_result(e, a, &ua, a, NULL);
  if (ua.k == K_ZERO || ua.k == K_INF)
    return a;
  if (denormal_check(e, &ua, NULL))
    return a;
  int64_t s = (int64_t)BIAS + 63 - ua.exp;
  if (s <= 0)
    return a;
  u128 x = shr_sticky((u128)ua.sig << 64, s);
  uint64_t ip = (uint64_t)(x >> 64), frac = (uint64_t)x;
  bool up = round_up(rc_of(e), ua.sign, ip & 1, frac, (u128)1 << 63);
  if (frac) {
    e->flags |= FSW_PE;
    e->c1 = up;
  }
  u128 r = (u128)ip + up;
  if (r == 0)
    return zero80(ua.sign);
  int lz = clz128(r);
  r <<= lz;
  return f80_make(ua.sign, (uint16_t)(BIAS + 127 - lz), (uint64_t)(r >> 64));
}

Float80 f80_scale(F80Env *e, Float80 a, Float80 b) {
  Unp ua, ub;
  Float80 r;
  if (bin_special(e, a, b, &ua, &ub, &r))
    return r;
  if (ub.k == K_INF) {
    if (!ub.sign) {
      if (ua.k == K_ZERO)
        return invalid(e);
      if (denormal_check(e, &ua, NULL))
        return a;
      return inf80(ua.sign);
    }
    if (ua.k == K_INF)
      return invalid(e);
    if (denormal_check(e, &ua, NULL))
      return a;
    return zero80(ua.sign);
  }
  if (denormal_check(e, &ua, &ub))
    return a;
  if (ua.k == K_INF || ua.k == K_ZERO)
    return a;
  int64_t n = 0;
  if (ub.k == K_FIN) {
    int64_t s = (int64_t)BIAS + 63 - ub.exp;
    if (s < 63 - 20)
      n = 1 << 20;
    else if (s < 64)
      n = (int64_t)(ub.sig >> s);
    if (ub.sign)
      n = -n;
  }
  return rp80(e, ua.sign, (int64_t)ua.exp + n, (u128)ua.sig << 64, 64);
}

void f80_xtract(F80Env *e, Float80 a, Float80 *exp, Float80 *sig) {
  Unp ua = unpack(a);
  if (ua.k == K_BAD) {
    *exp = *sig = invalid(e);
    return;
  }
  if (is_nan_k(ua.k)) {
    *exp = *sig = nan_result(e, a, &ua, a, NULL);
    return;
  }
  if (ua.k == K_ZERO) {
    e->flags |= FSW_ZE;
    *exp = inf80(1);
    *sig = a;
    return;
  }
  if (ua.k == K_INF) {
    *exp = inf80(0);
    *sig = a;
    return;
  }
  if (denormal_check(e, &ua, NULL)) {
    *exp = *sig = a;
    return;
  }
  *exp = f80_from_int((int64_t)ua.exp - BIAS);
  *sig = f80_make(ua.sign, BIAS, ua.sig);
}

Float80 f80_prem(F80Env *e, Float80 a, Float80 b, bool ieee, uint16_t *cc) {
  Unp ua, ub;
  Float80 r;
  *cc = F80_CC_KEEP;
  if (bin_special(e, a, b, &ua, &ub, &r))
    return r;
  if (ua.k == K_INF || ub.k == K_ZERO)
    return invalid(e);
  *cc = 0;
  if (denormal_check(e, &ua, &ub))
    return a;
  if (ua.k == K_ZERO || ub.k == K_INF) /* a itself, normalised (denormals may underflow) */
    return ua.k == K_ZERO ? a : rp80(e, ua.sign, ua.exp, (u128)ua.sig << 64, 64);
  int64_t d = (int64_t)ua.exp - ub.exp;
  int sign = ua.sign;
  u128 rem;
  int64_t rexp; /* exponent for rp80 of rem: value = rem * 2^(rexp - BIAS - 127) */
  uint64_t q = 0;
  if (d >= 64) {
    int64_t n = 32 + ((d - 32) & 31);
    /* quotient chunk of n+1 bits: a / (b * 2^(d - n)) truncated */
    u128 num = (u128)ua.sig << n; /* n <= 63 */
    q = (uint64_t)(num / ub.sig);
    rem = num % ub.sig;
    rexp = (int64_t)ub.exp + (d - n) + 64;
    *cc = FSW_C2;
    if (rem == 0)
      return zero80(sign);
    return rp80(e, sign, rexp, rem, 64);
  }
  if (d >= 0) {
    u128 num = (u128)ua.sig << d;
    q = (uint64_t)(num / ub.sig);
    rem = num % ub.sig;
  } else {
    rem = ua.sig;
    q = 0;
  }
  rexp = (d >= 0 ? (int64_t)ub.exp : (int64_t)ua.exp) + 64;
  if (ieee) {
    if (d >= 0) {
      u128 twice = rem << 1;
      if (twice > ub.sig || (twice == ub.sig && (q & 1))) {
        q++;
        rem = ub.sig - rem;
        sign ^= 1;
      }
    } else if (d == -1 && ua.sig > ub.sig) {
      /* |a| in (|b|/2, |b|): quotient 1, remainder |b| - |a| */
      q = 1;
      rem = ((u128)ub.sig << 1) - ua.sig;
      sign ^= 1;
    }
  }
  *cc = (uint16_t)(((q & 4) ? FSW_C0 : 0) | ((q & 2) ? FSW_C3 : 0) | ((q & 1) ? FSW_C1 : 0));
  if (rem == 0)
    return zero80(ua.sign);
  return rp80(e, sign, rexp, rem, 64);
}

uint16_t f80_xam(Float80 a, bool empty) {
  uint16_t c = f80_sign(a) ? FSW_C1 : 0;
  if (empty)
    return c | FSW_C3 | FSW_C0;
  Unp ua = unpack(a);
  switch (ua.k) {
  case K_BAD: return c;
  case K_QNAN:
  case K_SNAN: return c | FSW_C0;
  case K_INF: return c | FSW_C2 | FSW_C0;
  case K_ZERO: return c | FSW_C3;
  default: return c | (ua.den ? (FSW_C3 | FSW_C2) : FSW_C2);
  }
}

/* ---- 128-bit software float for transcendentals ---- */

typedef struct Xf {
  int sign;
  int64_t exp; /* value = m * 2^(exp - 127) */
  u128 m;      /* bit 127 set, or 0 for zero */
} Xf;

static Xf xf_norm(int sign, int64_t exp, u128 m) {
  Xf r = { sign, exp, m };
  if (!m) {
    r.exp = ZERO_EXP;
    return r;
  }
  int lz = clz128(m);
  r.m = m << lz;
  r.exp = exp - lz;
  return r;
}

static Xf xf_from_unp(const Unp *u) {
  if (u->k == K_ZERO)
    return xf_norm(u->sign, 0, 0);
  return xf_norm(u->sign, (int64_t)u->exp - BIAS, (u128)u->sig << 64);
}

static Xf xf_const(uint64_t hi, uint64_t lo, int64_t exp) {
  Xf r = { 0, exp, ((u128)hi << 64) | lo };
  return r;
}

static Xf xf_int(int64_t v) {
  int sign = v < 0;
  uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;
  return xf_norm(sign, 127, m);
}

static Xf xf_neg(Xf a) {
  a.sign ^= 1;
  return a;
}

static u128 mul_hi128(u128 a, u128 b) {
  uint64_t a1 = (uint64_t)(a >> 64), a0 = (uint64_t)a, b1 = (uint64_t)(b >> 64), b0 = (uint64_t)b;
  u128 p11 = (u128)a1 * b1, p10 = (u128)a1 * b0, p01 = (u128)a0 * b1, p00 = (u128)a0 * b0;
  u128 mid = (p00 >> 64) + (uint64_t)p10 + (uint64_t)p01;
  return p11 + (p10 >> 64) + (p01 >> 64) + (mid >> 64);
}

static Xf xf_mul(Xf a, Xf b) {
  if (!a.m || !b.m)
    return xf_norm(a.sign ^ b.sign, 0, 0);
  u128 m = mul_hi128(a.m, b.m);
  if (m >> 126) { /* normalised factors: xf_norm's shift is 0 or 1 */
    Xf r = { a.sign ^ b.sign, a.exp + b.exp + 1, m };
    if (!(m >> 127)) {
      r.m <<= 1;
      r.exp--;
    }
    return r;
  }
  return xf_norm(a.sign ^ b.sign, a.exp + b.exp + 1, m);
}

static Xf xf_add(Xf a, Xf b) {
  if (!b.m)
    return a;
  if (!a.m)
    return b;
  if (a.exp < b.exp || (a.exp == b.exp && a.m < b.m)) {
    Xf t = a;
    a = b;
    b = t;
  }
  int64_t d = a.exp - b.exp;
  u128 A = a.m >> 1, B = shr_sticky(b.m >> 1, d); /* sticky: keeps inexactness visible */
  u128 m = a.sign == b.sign ? A + B : A - B;
  if (m >> 126) { /* the usual case: xf_norm's shift is 0 or 1 */
    Xf r = { a.sign, a.exp + 1, m };
    if (!(m >> 127)) {
      r.m <<= 1;
      r.exp--;
    }
    return r;
  }
  return xf_norm(a.sign, a.exp + 1, m);
}

static Xf xf_sub(Xf a, Xf b) { return xf_add(a, xf_neg(b)); }

static Xf xf_div(Xf a, Xf b) {
  if (!a.m)
    return a;
  u128 r = a.m, q = 0;
  bool carry = false;
  for (int i = 0; i < 128; i++) {
    q <<= 1;
    if (carry || r >= b.m) {
      r -= b.m;
      q |= 1;
    }
    carry = (r >> 127) != 0;
    r <<= 1;
  }
  q |= (r != 0 || carry); /* sticky */
  return xf_norm(a.sign ^ b.sign, a.exp - b.exp, q);
}

static Float80 xf_to_f80(F80Env *e, Xf a) {
  if (!a.m)
    return zero80(a.sign);
  return rp80(e, a.sign, a.exp + BIAS, a.m, 64);
}

#define NTERMS 72
/* Constant tables (identical on every call: a benign lazily filled cache). */
static Xf inv_tab[NTERMS];  /* 1/n */
static Xf fact_tab[NTERMS]; /* 1/n! */
static volatile int tabs_ready;

static void tabs_init(void) {
  if (tabs_ready)
    return;
  Xf one = xf_int(1);
  fact_tab[0] = one;
  inv_tab[0] = one;
  for (int n = 1; n < NTERMS; n++) {
    inv_tab[n] = xf_div(one, xf_int(n));
    fact_tab[n] = xf_mul(fact_tab[n - 1], inv_tab[n]);
  }
  tabs_ready = 1;
}

static bool xf_tiny(Xf term, Xf sum) { return !term.m || term.exp < sum.exp - 130; }

static Xf xf_ln2(void) { return xf_const(0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, -1); }
static Xf xf_log2e(void) { return xf_const(0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull, 0); }
static Xf xf_pi(int64_t exp) { return xf_const(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, exp); }

/* e^y - 1 for |y| < 1. */
static Xf xf_expm1(Xf y) {
  Xf sum = y, term = y;
  for (int n = 2; n < NTERMS; n++) {
    term = xf_mul(xf_mul(term, y), inv_tab[n]);
    sum = xf_add(sum, term);
    if (xf_tiny(term, sum))
      break;
  }
  return sum;
}

/* 2 * atanh(s) = ln((1 + s) / (1 - s)) for |s| < 0.2. */
static Xf xf_atanh2(Xf s) {
  Xf s2 = xf_mul(s, s), term = s, sum = s;
  for (int n = 3; n < NTERMS; n += 2) {
    term = xf_mul(term, s2);
    Xf t = xf_mul(term, inv_tab[n]);
    sum = xf_add(sum, t);
    if (xf_tiny(t, sum))
      break;
  }
  sum.exp++;
  return sum;
}

/* atan(t) for |t| <= 0.42. */
static Xf xf_atan_small(Xf t) {
  Xf t2 = xf_mul(t, t), term = t, sum = t;
  for (int n = 3; n < NTERMS; n += 2) {
    term = xf_neg(xf_mul(term, t2));
    Xf u = xf_mul(term, inv_tab[n]);
    sum = xf_add(sum, u);
    if (xf_tiny(u, sum))
      break;
  }
  return sum;
}

/* sin and cos of |t| <= pi/4 by Taylor series. */
static Xf xf_sin_small(Xf t) {
  Xf t2 = xf_mul(t, t), p = t, sum = t;
  for (int n = 3; n < NTERMS; n += 2) {
    p = xf_neg(xf_mul(p, t2));
    Xf u = xf_mul(p, fact_tab[n]);
    sum = xf_add(sum, u);
    if (xf_tiny(u, sum))
      break;
  }
  return sum;
}
static Xf xf_cos_small(Xf t) {
  Xf t2 = xf_mul(t, t), p = xf_int(1), sum = p;
  if (!t.m)
    return sum;
  for (int n = 2; n < NTERMS; n += 2) {
    p = xf_neg(xf_mul(p, t2));
    Xf u = xf_mul(p, fact_tab[n]);
    sum = xf_add(sum, u);
    if (xf_tiny(u, sum))
      break;
  }
  return sum;
}

/* ---- transcendental instructions ---- */

Float80 f80_f2xm1(F80Env *e, Float80 a) {
  Unp ua = unpack(a);
  if (ua.k == K_BAD)
    return invalid(e);
  if (is_nan_k(ua.k))
    return nan_result(e, a, &ua, a, NULL);
  if (ua.k == K_ZERO)
    return a;
  if (ua.k == K_INF)
    return ua.sign ? f80_make(1, BIAS, J_BIT) : a;
  if (denormal_check(e, &ua, NULL))
    return a;
  if (ua.exp > BIAS || (ua.exp == BIAS && ua.sig != J_BIT)) {
    /* outside the architectural domain: the x87 leaves the operand */
    e->flags |= FSW_PE;
    return a;
  }
  tabs_init();
  return xf_to_f80(e, xf_expm1(xf_mul(xf_from_unp(&ua), xf_ln2())));
}

/* log2(x) for finite x > 0. */
static Xf xf_log2(Xf x) {
  int64_t k = x.exp;
  Xf m = x;
  m.exp = 0;                                         /* in [1, 2) */
  if (m.m > ((u128)0xb504f333f9de6484ull << 64)) { /* m > sqrt(2): use m / 2 */
    m.exp = -1;
    k++;
  }
  Xf one = xf_int(1);
  Xf s = xf_div(xf_sub(m, one), xf_add(m, one));
  Xf l = xf_mul(xf_atanh2(s), xf_log2e());
  return xf_add(xf_int(k), l);
}

/* Round a FYL2X/FYL2XP1 result: the x87 reports even exact ones as inexact. */
static Float80 log_result(F80Env *e, Xf v) {
  Float80 r = xf_to_f80(e, v);
  if (!(e->flags & FSW_PE)) {
    e->flags |= FSW_PE;
    if (f80_exp(r) == 0)
      e->flags |= FSW_UE;
  }
  return r;
}

Float80 f80_yl2x(F80Env *e, Float80 x, Float80 y) {
  Unp ux, uy;
  Float80 r;
  if (bin_special(e, x, y, &ux, &uy, &r))
    return r;
  if (ux.sign && ux.k != K_ZERO)
    return invalid(e);
  if (ux.k == K_ZERO) {
    if (uy.k == K_ZERO)
      return invalid(e);
    if (uy.k != K_INF)
      e->flags |= FSW_ZE;
    return inf80(!uy.sign);
  }
  if (ux.k == K_INF) {
    if (uy.k == K_ZERO)
      return invalid(e);
    if (denormal_check(e, &uy, NULL))
      return x;
    return inf80(uy.sign);
  }
  bool is_one = ux.exp == BIAS && ux.sig == J_BIT;
  if (uy.k == K_INF) {
    if (is_one)
      return invalid(e);
    if (denormal_check(e, &ux, NULL))
      return x;
    return inf80(uy.sign ^ (ux.exp < BIAS));
  }
  if (denormal_check(e, &ux, &uy))
    return x;
  if (uy.k == K_ZERO || is_one)
    return zero80(uy.sign ^ (ux.exp < BIAS));
  tabs_init();
  return log_result(e, xf_mul(xf_log2(xf_from_unp(&ux)), xf_from_unp(&uy)));
}

Float80 f80_yl2xp1(F80Env *e, Float80 x, Float80 y) {
  Unp ux, uy;
  Float80 r;
  if (bin_special(e, x, y, &ux, &uy, &r))
    return r;
  if (ux.k == K_INF) {
    if (ux.sign || uy.k == K_ZERO)
      return invalid(e);
    if (denormal_check(e, &uy, NULL))
      return x;
    return inf80(uy.sign);
  }
  if (ux.k == K_ZERO) {
    if (uy.k == K_INF)
      return invalid(e);
    if (denormal_check(e, &uy, NULL))
      return x;
    return zero80(ux.sign ^ uy.sign);
  }
  if (uy.k == K_INF) {
    if (denormal_check(e, &ux, NULL))
      return x;
    return inf80(uy.sign ^ ux.sign);
  }
  if (denormal_check(e, &ux, &uy))
    return x;
  if (uy.k == K_ZERO)
    return zero80(ux.sign ^ uy.sign);
  tabs_init();
  Xf xv = xf_from_unp(&ux), l;
  if (xv.exp < -2) {
    Xf s = xf_div(xv, xf_add(xf_int(2), xv));
    l = xf_mul(xf_atanh2(s), xf_log2e());
  } else { /* outside the architectural domain: log2(1 + x) directly */
    Xf u = xf_add(xf_int(1), xv);
    if (!u.m || u.sign) { /* x <= -1: the x87 returns x */
      e->flags |= FSW_PE;
      return x;
    }
    l = xf_log2(u);
  }
  return log_result(e, xf_mul(l, xf_from_unp(&uy)));
}

Float80 f80_patan(F80Env *e, Float80 y, Float80 x) {
  Unp ux, uy;
  Float80 r;
  if (bin_special(e, y, x, &uy, &ux, &r))
    return r;
  tabs_init();
  Xf pi = xf_pi(1), res;
  if (uy.k == K_ZERO || ux.k == K_INF || uy.k == K_INF || ux.k == K_ZERO) {
    if (denormal_check(e, &ux, &uy))
      return y;
    if (uy.k == K_ZERO)
      res = ux.sign ? pi : xf_norm(0, 0, 0);
    else if (uy.k == K_INF && ux.k == K_INF)
      res = ux.sign ? xf_mul(pi, xf_const(0xc000000000000000ull, 0, -1)) : xf_pi(-1);
    else if (uy.k == K_INF || ux.k == K_ZERO)
      res = xf_pi(0);
    else
      res = ux.sign ? pi : xf_norm(0, 0, 0);
    res.sign = uy.sign;
    return xf_to_f80(e, res);
  }
  if (denormal_check(e, &ux, &uy))
    return y;
  Xf ax = xf_from_unp(&ux), ay = xf_from_unp(&uy);
  ax.sign = ay.sign = 0;
  bool swap = ay.exp > ax.exp || (ay.exp == ax.exp && ay.m > ax.m);
  Xf t = swap ? xf_div(ax, ay) : xf_div(ay, ax); /* in [0, 1] */
  Xf one = xf_int(1);
  if (t.exp > -2 || (t.exp == -2 && t.m > ((u128)0xd413cccfe7799211ull << 64))) {
    /* t > sqrt(2) - 1: atan(t) = pi/4 + atan((t - 1) / (t + 1)) */
    res = xf_add(xf_pi(-1), xf_atan_small(xf_div(xf_sub(t, one), xf_add(t, one))));
  } else {
    res = xf_atan_small(t);
  }
  if (swap)
    res = xf_sub(xf_pi(0), res);
  if (ux.sign)
    res = xf_sub(pi, res);
  res.sign = uy.sign;
  return xf_to_f80(e, res);
}

/* The x87's 68-bit pi/2 (value * 2^-67) used for argument reduction. */
#define HW_PIO2 (((u128)0xcull << 64) | 0x90fdaa22168c234cull)

/*
 * Reduce |x| (finite, |x| < 2^63) modulo the x87's pi/2 to t with
 * |t| <= pi/4; *q gets the quadrant.
 */
static Xf reduce(const Unp *ux, uint64_t *q) {
  int64_t ex = (int64_t)ux->exp - BIAS;
  if (ex < -1) {
    *q = 0;
    Xf t = xf_from_unp(ux);
    t.sign = 0;
    return t;
  }
  u128 r = 0;
  uint64_t qq = 0;
  int64_t total = 64 + ex + 4;
  if (total <= 128) { /* the dividend sig * 2^(ex + 4) fits: one division */
    u128 n = (u128)ux->sig << (ex + 4);
    qq = (uint64_t)(n / HW_PIO2);
    r = n % HW_PIO2;
    total = 0;
  }
  for (int64_t i = 0; i < total; i++) {
    int bit = i < 64 ? (int)((ux->sig >> (63 - i)) & 1) : 0;
    r = (r << 1) | (u128)bit;
    qq <<= 1;
    if (r >= HW_PIO2) {
      r -= HW_PIO2;
      qq |= 1;
    }
  }
  int sign = 0;
  if ((r << 1) > HW_PIO2) {
    r = HW_PIO2 - r;
    qq++;
    sign = 1;
  }
  *q = qq;
  return xf_norm(sign, 127 - 67, r);
}

static bool trig_special(F80Env *e, Float80 x, Unp *ux, Float80 *res) {
  *ux = unpack(x);
  if (ux->k == K_BAD || ux->k == K_INF) {
    *res = invalid(e);
    return true;
  }
  if (is_nan_k(ux->k)) {
    *res = nan_result(e, x, ux, x, NULL);
    return true;
  }
  return false;
}

bool f80_sincos(F80Env *e, Float80 x, Float80 *s, Float80 *c, int want) {
  Unp ux;
  Float80 r;
  if (trig_special(e, x, &ux, &r)) {
    *s = *c = r;
    return true;
  }
  if (ux.k == K_ZERO) {
    *s = x;
    *c = f80_one;
    return true;
  }
  if (ux.k == K_FIN && ux.exp - BIAS >= 63)
    return false;
  if (denormal_check(e, &ux, NULL)) {
    *s = *c = x;
    return true;
  }
  tabs_init();
  uint64_t q;
  Xf t = reduce(&ux, &q);
  /* only the series the quadrant needs: sine of an even quadrant is the
   * sine series, of an odd one the cosine series; cosine the other way */
  bool odd = q & 1;
  bool need_s = (want & 1 && !odd) || (want & 2 && odd);
  bool need_c = (want & 1 && odd) || (want & 2 && !odd);
  Xf st = need_s ? xf_sin_small(t) : xf_int(0), ct = need_c ? xf_cos_small(t) : xf_int(0);
  Xf sv, cv;
  switch (q & 3) {
  case 0: sv = st; cv = ct; break;
  case 1: sv = ct; cv = xf_neg(st); break;
  case 2: sv = xf_neg(st); cv = xf_neg(ct); break;
  default: sv = xf_neg(ct); cv = st; break;
  }
  if (ux.sign)
    sv = xf_neg(sv);
  F80Env e2 = *e;
  if (want & 2)
    *c = xf_to_f80(&e2, cv);
  if (want & 1)
    *s = xf_to_f80(e, sv);
  else
    *e = e2;
  if (want == 3) /* FSINCOS: flags of both, C1 from the sine */
    e->flags |= e2.flags;
  return true;
}

bool f80_tan(F80Env *e, Float80 x, Float80 *t) {
  Unp ux;
  Float80 r;
  if (trig_special(e, x, &ux, &r)) {
    *t = r;
    return true;
  }
  if (ux.k == K_ZERO) {
    *t = x;
    return true;
  }
  if (ux.k == K_FIN && ux.exp - BIAS >= 63)
    return false;
  if (denormal_check(e, &ux, NULL)) {
    *t = x;
    return true;
  }
  tabs_init();
  uint64_t q;
  Xf a = reduce(&ux, &q), v;
  if (a.exp < -70 && !(q & 1)) { /* tan(a) = a + a^3/3 + ...: keep the direction of the error */
    v = xf_add(a, xf_mul(xf_mul(xf_mul(a, a), a), inv_tab[3]));
  } else {
    Xf st = xf_sin_small(a), ct = xf_cos_small(a);
    v = (q & 1) ? xf_neg(xf_div(ct, st)) : xf_div(st, ct);
  }
  if (ux.sign)
    v = xf_neg(v);
  *t = xf_to_f80(e, v);
  return true;
}

/* ---- constants ---- */

Float80 f80_const(int i, uint16_t cw) {
  static const struct { uint64_t hi, lo; int exp; } k[] = {
    { J_BIT, 0, 0 },                                   /* 1 */
    { 0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull, 1 }, /* log2(10) */
    { 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull, 0 }, /* log2(e) */
    { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 1 }, /* pi */
    { 0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull, -2 }, /* log10(2) */
    { 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, -1 }, /* ln(2) */
  };
  if (i < 0 || i >= 6)
    return f80_zero;
  F80Env e = { (uint16_t)(cw | FCW_MASKS), 0, 0 };
  u128 m = ((u128)k[i].hi << 64) | k[i].lo;
  return rp80(&e, 0, BIAS + k[i].exp, m, 64);
}
