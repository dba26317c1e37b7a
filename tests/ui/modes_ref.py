#!/usr/bin/env python3
"""modes_ref.py - what modes_guest.img draws in its graphics modes, pixel by pixel.

  modes_ref.py check K PNG    exit 0 if PNG (a screenshot of mode K, 0-7) shows
                              exactly the picture modes_guest.asm draws there

The models below restate modes_guest.asm's drawing code and the palettes it
uses (the EGA colours our BIOS loads for text, the BIOS mode 13h palette, or
the guest's own DAC values); 6-bit DAC values widen to 8 bits as v<<2 | v>>4.
The text modes restate the screen's characters and attributes and draw them
with the BIOS font (src/bios/font.inc) as a VGA does: 9-dot cells whose 9th
column repeats the 8th only for C0h-DFh, blink off (4-bit backgrounds), no
cursor.  Mode 1's 8x8 glyphs are the BIOS's 8x8 font, which int 10h AX=1112h
loads (the guest falls back to squeezing the 8x16 font itself, and says so on
COM1, only on a BIOS without that call).
"""
import re
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


def cga6(c):
    """6-bit (r, g, b) of CGA colour c (0-15): brown's green halved."""
    ch = []
    for bit in (4, 2, 1):
        v = 0x2A if c & bit else 0
        if c == 6 and bit == 2:
            v = 0x15
        if c & 8:
            v += 0x15
        ch.append(v)
    return tuple(ch)


def bios13():
    """The BIOS mode 13h DAC: CGA colours, 16 greys, a 6x6x6 cube, black."""
    pal = [rgb6(*cga6(c)) for c in range(16)]
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


def bios_font(size="8x16"):
    """The BIOS's font of that cell size (its vga_font_8xN table in font.inc)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "bios", "font.inc")
    rows = int(size.split("x")[1])
    glyphs, inside = {}, False
    for line in open(path):
        label = re.match(r"^(\w+):", line)
        if label:
            inside = label.group(1) == "vga_font_" + size
            continue
        m = re.match(r"\s*db\s+(.*?)\s*;\s*([0-9A-Fa-f]{2})h", line)
        if m and inside:
            glyphs[int(m.group(2), 16)] = [int(v, 16) for v in m.group(1).split(",")]
    if sorted(glyphs) != list(range(256)) or any(len(g) != rows for g in glyphs.values()):
        sys.exit("modes_ref.py: cannot read 256 %s glyphs from %s" % (size, path))
    return [glyphs[c] for c in range(256)]


# modes_guest.asm's user_font, 'A'..'H'
USER = [[0xAA, 0x55] * 8, [0xCC] * 16, [0xFF, 0x00] * 8, [0x80 >> (r & 7) for r in range(16)],
        [0xFF] + [0x81] * 14 + [0xFF], [0xFF] * 8 + [0] * 8, [0x01] * 16, [0xFF] * 16]


class Screen:
    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.cells = [[(0x20, 0x07)] * cols for _ in range(rows)]

    def put(self, r, c, chars, attr):
        for i, ch in enumerate(chars):
            self.cells[r][c + i] = (ch if isinstance(ch, int) else ord(ch), attr)

    def box(self, r, c, left, mid, n, right, attr):
        self.put(r, c, [left] + [mid] * n + [right], attr)

    def render(self, font, chh):
        out = []
        for row in self.cells:
            for sl in range(chh):
                line = []
                for ch, at in row:
                    fg, bg = EGA[at & 15], EGA[at >> 4]
                    bits = font[ch][sl]
                    line += [fg if bits >> (7 - i) & 1 else bg for i in range(8)]
                    line.append(fg if 0xC0 <= ch <= 0xDF and bits & 1 else bg)
                out.append(line)
        return out


def hexch(v):
    return "0123456789abcdef"[v]


def text0():
    font = bios_font()
    for i, g in enumerate(USER):
        font[ord("A") + i] = g
    s = Screen(80, 25)
    s.put(0, 0, " " * 80, 0x1F)
    s.put(0, 1, "mode 0 80x25 text: user glyphs at 41h-48h, 256 attributes, blink off, 9th dot", 0x1F)
    s.put(2, 2, "ABCDEFGH", 0x0F)
    s.put(2, 12, "abcdefgh", 0x07)
    s.put(2, 22, "ABCDEFGH", 0x4E)
    s.put(2, 32, "ABCDEFGH", 0xE1)
    for a in range(256):
        s.put(4 + a // 16, 2 + 2 * (a % 16), hexch(a >> 4) + hexch(a & 15), a)
    s.put(4, 42, list(range(0xC0, 0xE0)), 0x0A)
    s.put(5, 42, [0xC4] * 32, 0x0E)
    s.put(6, 42, [0xDB] * 32, 0x0C)
    s.put(7, 42, list(range(0xB0, 0xC0)) + list(range(0xE0, 0xF0)), 0x0B)
    s.put(8, 42, "H" * 32, 0x0D)
    s.put(9, 42, "G" * 32, 0x09)
    s.box(11, 42, 0xC9, 0xCD, 30, 0xBB, 0x1E)
    for r in (12, 13, 14):
        s.box(r, 42, 0xBA, 0x20, 30, 0xBA, 0x1E)
    s.box(15, 42, 0xC8, 0xCD, 30, 0xBC, 0x1E)
    s.put(13, 45, "9th dot only for c0h-dfh", 0x1E)
    s.put(17, 42, [0xDA] + [0xC4] * 8 + [0xC2] + [0xC4] * 8 + [0xBF], 0x07)
    s.put(18, 42, [0xB3] + list(b"ABCDEFGH") + [0xB3] + list(b"abcdefgh") + [0xB3], 0x07)
    s.put(19, 42, [0xC0] + [0xC4] * 8 + [0xC1] + [0xC4] * 8 + [0xD9], 0x07)
    s.put(21, 2, "bright bg:", 0x07)
    for i, a in enumerate(range(0x80, 0x100, 0x10)):
        s.put(21, 12 + 4 * i, " hi ", a)
    s.put(23, 2, "dark grey (attribute 08h) on black", 0x08)
    return s.render(font, 16)


def text1():
    font = bios_font("8x8") # the BIOS's own 8x8 font (int 10h AX=1112h)
    s = Screen(80, 50)
    s.box(0, 0, 0xC9, 0xCD, 78, 0xBB, 0x0B)
    for r in range(1, 49):
        s.put(r, 0, [0xBA], 0x0B)
        s.put(r, 79, [0xBA], 0x0B)
    s.box(49, 0, 0xC8, 0xCD, 78, 0xBC, 0x0B)
    s.put(0, 24, " MODE 1 80x50 text, 8x8 font ", 0x1E)
    for r in range(1, 49):
        s.put(r, 2, "row %02d" % r, r % 15 + 1)
        s.put(r, 10, [0x20 + (r + i) % 95 for i in range(32)], 0x07)
        for k in range(32):
            a = (r + 7 * k) & 0xFF
            ch = 0xB0 + (a & 3)
            s.put(r, 44 + k, [0xDB if ch == 0xB3 else ch], a)
    return s.render(font, 8)


EGA = ega16()
BIOS13 = bios13()
TEXT = {0: (720, 400, text0), 1: (720, 400, text1)}
MODELS = {2: (640, 480, mode2), 3: (320, 200, mode3), 4: (320, 240, mode4),
          5: (640, 480, mode5), 6: (800, 600, mode6), 7: (1024, 768, mode7)}


def main():
    a = sys.argv[1:]
    if len(a) != 3 or a[0] != "check" or not a[1].isdigit():
        sys.exit(__doc__)
    k = int(a[1])
    if k in TEXT:
        mw, mh, make = TEXT[k]
        pic = make()
        f = lambda x, y: pic[y][x]
    elif k in MODELS:
        mw, mh, f = MODELS[k]
    else:
        sys.exit("modes_ref.py: no model for mode %d" % k)
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
