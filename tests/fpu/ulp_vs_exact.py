#!/usr/bin/env python3
"""ulp_vs_exact.py — error of the host x87 and of softfloat80 transcendentals
against the exact result (mpmath, 300 bits), in units in the last place of
the 64-bit significand.

    fpu_diff --dump 2000 | python3 ulp_vs_exact.py

Only finite, in-domain cases with normal results are counted.  FSIN/FCOS/
FSINCOS/FPTAN are judged against the function of the argument (true pi), so
large arguments show the x87's reduction with its 68-bit pi in both columns.
"""
import sys
from collections import defaultdict
from mpmath import mp, mpf, sin, cos, tan, atan2, log, power

mp.prec = 300


def f80(s):
    sexp, mant = s.split(':')
    sexp, mant = int(sexp, 16), int(mant, 16)
    e, sign = sexp & 0x7fff, sexp >> 15
    if e == 0x7fff or (e != 0 and not mant >> 63):
        return None
    v = mpf(mant) * power(2, (e if e else 1) - 16383 - 63)
    return -v if sign else v


def ulps(got, exact):
    if got is None or exact == 0:
        return None
    ex = int(mp.floor(mp.log(abs(exact), 2)))
    if ex < -16382:
        return None
    return float(abs(got - exact) / power(2, ex - 63))


def exact_of(cls, a, b):
    if cls == 'F2XM1':
        return [power(2, a) - 1]
    if cls == 'FYL2X':
        return [b * log(a, 2)] if a > 0 else None
    if cls == 'FYL2XP1':
        return [b * log(1 + a, 2)] if a > -1 else None
    if cls == 'FPATAN':
        return [atan2(b, a)]
    if cls == 'FSIN':
        return [sin(a)]
    if cls == 'FCOS':
        return [cos(a)]
    if cls == 'FPTAN':
        return [None, tan(a)]       # r1 = 1.0, r2 = tan
    if cls == 'FSINCOS':
        return [cos(a), sin(a)]     # r1 = cos, r2 = sin
    return None


stats = defaultdict(lambda: {'n': 0, 'special': 0, 'hw': [0, 0, 0], 'sf': [0, 0, 0], 'hwmax': 0.0, 'sfmax': 0.0})
for line in sys.stdin:
    f = line.split()
    if len(f) != 8:
        continue
    cls, cw = f[0], int(f[1], 16)
    if (cw >> 10) & 3:
        continue                      # round-to-nearest cases only
    a, b = f80(f[2]), f80(f[3])
    if a is None or b is None:
        continue
    if cls in ('FSIN', 'FCOS', 'FPTAN', 'FSINCOS'):
        if abs(a) >= 2**63:
            continue
        cls += ' |x|<4' if abs(a) < 4 else ' |x|>=4'
    if (cls == 'F2XM1' and abs(a) > 1) or (cls == 'FYL2XP1' and abs(a) >= 0.2929):
        continue                      # outside the architectural domain
    ex = exact_of(cls.split()[0], a, b)
    if not ex:
        continue
    outs = [(f[4], f[6]), (f[5], f[7])]
    for k, e in enumerate(ex):
        if e is None:
            continue
        uh, us = ulps(f80(outs[k][0]), e), ulps(f80(outs[k][1]), e)
        st = stats[cls]
        if uh is None or us is None or (uh > 2**20 and us > 2**20):
            st['special'] += 1        # zero/denormal/special results: checked bit-exactly by fpu_diff
            continue
        st['n'] += 1
        for key, u in (('hw', uh), ('sf', us)):
            st[key][0 if u <= 0.5 else 1 if u <= 1 else 2] += 1
            st[key + 'max'] = max(st[key + 'max'], u)

print('%-16s %7s | %-36s | %-36s' % ('class', 'n', 'host x87: <=0.5 / <=1 / >1 ulp, max', 'softfloat80: <=0.5 / <=1 / >1, max'))
for cls, st in sorted(stats.items()):
    if not st['n']:
        continue
    n = st['n']
    def fmt(k):
        h = st[k]
        return '%7.3f%% %7.3f%% %7.3f%% %8.3g' % (100.0 * h[0] / n, 100.0 * h[1] / n, 100.0 * h[2] / n, st[k + 'max'])
    print('%-16s %7d | %-36s | %-36s' % (cls, n, fmt('hw'), fmt('sf')))
