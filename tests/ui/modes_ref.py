#!/usr/bin/env python3
"""modes_ref.py - what modes_guest.img draws in its graphics modes, pixel by pixel.

  modes_ref.py check K PNG    exit 0 if PNG (a screenshot of mode K, 2-7) shows
                              exactly the picture modes_guest.asm draws there

The models below restate modes_guest.asm's drawing code and the palettes it
uses (the EGA colours our BIOS loads for text, the BIOS mode 13h palette, or
the guest's own DAC values); 6-bit DAC values widen to 8 bits as v<<2 | v>>4.
Text modes (0, 1) depend on the font and have no model here.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pixels  # noqa: E402


def rgb6(r, g, b):
    e = lambda v: (v << 2 | v >> 4) & 255
    return e(r) << 16 | e(g) << 8 | e(b)


def ega16():
    """Mode 12h: attribute palette 0-5, 14h, 7, 38h-3Fh into the EGA DAC."""
    ac = [0, 1, 2, 3, 4, 5, 0x14, 7] + list(range(0x38, 0x40))
    out = []
    for e in ac:
        ch = [(e >> bit & 1) * 0x2A + (e >> (bit + 3) & 1) * 0x15 for bit in (2, 1, 0)]
        out.append(rgb6(*ch))
    return out


def bios13():
    """The BIOS mode 13h DAC: CGA colours, 16 greys, a 6x6x6 cube, black."""
    pal = []
    for c in range(16):
        ch = []
        for bit in (4, 2, 1):
            v = 0x2A if c & bit else 0
            if c == 6 and bit == 2:
                v = 0x15
            if c & 8:
                v += 0x15
            ch.append(v)
        pal.append(rgb6(*ch))
    pal += [rgb6(*[(i * 4 + 3)] * 3) for i in range(16)]
    lv = [l * 63 // 5 for l in range(6)]
    pal += [rgb6(lv[n // 36], lv[n % 36 // 6], lv[n % 6]) for n in range(216)]
    return pal + [0] * 8


def mode2(x, y):
    if y < 120:
        c = x // 40
    elif y < 160:
        bit = 7 - (x & 7)
        c = sum(((b >> bit) & 1) << p for p, b in enumerate((0xF0, 0xCC, 0xAA, 0x0F)))
    elif y < 320:
        c = 15 if x % 16 == 0 else ((x // 8) + (y - 160) // 8) & 15
    else:
        d = x - (y - 320)
        c = d // 40 if d % 40 == 0 and 1 <= d // 40 <= 15 else 0
    return EGA[c]


def mode3(x, y):
    c = (y // 12) * 16 + x // 20 if y < 192 else x * 4 // 5
    return rgb6(c >> 2, c & 63, 63 - (c >> 2))


def mode4(x, y):
    p, b = x % 4, x // 4
    if y in (0, 239) or x in (0, 319):
        c = 15
    elif y < 60:
        c = (32 + 5 * 36, 32 + 5 * 6, 32 + 5, 32 + 5 * 36 + 5 * 6)[p]
    elif y < 120:
        c = 15 if p * 20 <= b < p * 20 + 20 else 0
    else:
        c = 32 + (y - 120) // 20 * 36 + b * 6 // 80 * 6 + p
    return BIOS13[c]


def mode5(x, y):
    c = 255 if x == y or x in (0, 639) or y in (0, 479) else x // 40 + y // 30 * 16
    r = (c >> 4) << 2 | (c >> 4) >> 2
    g = (c & 15) << 2 | (c & 15) >> 2
    return rgb6(r, g, 63 - r)


def mode6(x, y):
    if x in (0, 799) or y in (0, 599):
        return 0xFFFFFF
    return (x * 327 >> 10) << 16 | (y * 435 >> 10) << 8 | (0xC0 if (x ^ y) & 32 else 0)


def mode7(x, y):
    if x in (0, 1023) or y in (0, 767):
        return 0xFFFFFF
    e5 = lambda v: (v << 3 | v >> 2) & 255
    e6 = lambda v: (v << 2 | v >> 4) & 255
    return e5(x >> 5) << 16 | e6(y // 12) << 8 | (255 if (x ^ y) & 64 else 0)


EGA = ega16()
BIOS13 = bios13()
MODELS = {2: (640, 480, mode2), 3: (320, 200, mode3), 4: (320, 240, mode4),
          5: (640, 480, mode5), 6: (800, 600, mode6), 7: (1024, 768, mode7)}


def main():
    a = sys.argv[1:]
    if len(a) != 3 or a[0] != "check" or not a[1].isdigit():
        sys.exit(__doc__)
    k = int(a[1])
    if k not in MODELS:
        sys.exit("modes_ref.py: no model for mode %d" % k)
    mw, mh, f = MODELS[k]
    w, h, rows = pixels.read_png(a[2])
    if (w, h) != (mw, mh):
        print("FAIL: mode %d: %dx%d, want %dx%d" % (k, w, h, mw, mh))
        sys.exit(1)
    bad = [(x, y) for y in range(h) for x in range(w) if rows[y][x] != f(x, y)]
    if bad:
        x, y = bad[0]
        print("FAIL: mode %d: %d of %d pixels differ from the model; first at (%d,%d): %06x, want %06x"
              % (k, len(bad), w * h, x, y, rows[y][x], f(x, y)))
        sys.exit(1)
    print("mode %d: %dx%d as drawn" % (k, w, h))


if __name__ == "__main__":
    main()
