#!/usr/bin/env python3
"""bios_modes_ref.py - what bios_modes.img shows and reports in each mode.

  bios_modes_ref.py check MODE PNG LOG BIOS
      exit 0 if PNG (a screen dump taken after MODE, hex, was set and drawn)
      is exactly the picture bios_modes.asm draws there with our BIOS's
      services, and the guest's "MODE ..." line in LOG (COM1) reports the
      BIOS data area, int 10h AH=0Fh, int 43h, read pixels and VBE mode
      info that mode should have.  BIOS: the ROM image (bios.bin), to find
      where the 8x8/8x14/8x16 fonts are for the int 43h check.

The model restates the IBM VGA mode facts (resolution, attribute palette,
plane enable, DAC contents: EGA 64 colours rgbRGB, the CGA 16 colours with
bit 4 as intensity for the 200-line modes, greys for the monochrome modes,
mode 00h summed to greys) and the guest's drawing; glyphs come from
src/bios/font.inc (8x8 in 200-line modes, 8x14 in 350, 8x16 in 480 and
text).  6-bit DAC values widen to 8 bits as v<<2 | v>>4.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ui"))
import pixels  # noqa: E402
from modes_ref import bios_font, bios13, cga6, rgb6  # noqa: E402

EGA_AC = [0, 1, 2, 3, 4, 5, 0x14, 7] + list(range(0x38, 0x40))
CGA16_AC = list(range(8)) + list(range(0x10, 0x18))


def dac(kind, i):
    """6-bit (r, g, b) of DAC entry i (0-63) for the BIOS's DAC kinds."""
    if kind == "mono":
        v = (0x2A if i & 8 else 0) + (0x15 if i & 0x10 else 0)
        return (v, v, v)
    if kind == "cga":
        return cga6((i & 7) | (8 if i & 0x10 else 0))
    rgb = tuple((i >> bit & 1) * 0x2A + (i >> (bit + 3) & 1) * 0x15 for bit in (2, 1, 0))
    if kind == "ega-grey":
        g = (30 * rgb[0] + 59 * rgb[1] + 11 * rgb[2] + 50) // 100
        return (g, g, g)
    return rgb


# mode: kind, width, height, colours, cols, rows, char height, page size, CRTC,
#       mode control, palette byte, attribute palette, plane enable, DAC kind
MODES = {
    0x00: ("text", 360, 400, 16, 40, 25, 16, 0x800, 0x3D4, 0x28, 0x30, EGA_AC, 15, "ega-grey"),
    0x01: ("text", 360, 400, 16, 40, 25, 16, 0x800, 0x3D4, 0x28, 0x30, EGA_AC, 15, "ega"),
    0x02: ("text", 720, 400, 16, 80, 25, 16, 0x1000, 0x3D4, 0x29, 0x30, EGA_AC, 15, "ega"),
    0x03: ("text", 720, 400, 16, 80, 25, 16, 0x1000, 0x3D4, 0x29, 0x30, EGA_AC, 15, "ega"),
    0x07: ("text", 720, 400, 16, 80, 25, 16, 0x1000, 0x3B4, 0x29, 0x30,
           [0] + [8] * 7 + [0x10] + [0x18] * 7, 15, "mono"),
    0x04: ("gfx", 320, 200, 4, 40, 25, 8, 0x4000, 0x3D4, 0x2A, 0x30,
           [0, 0x13, 0x15, 0x17, 2, 4, 6, 7] + list(range(0x10, 0x18)), 3, "cga"),
    0x05: ("gfx", 320, 200, 4, 40, 25, 8, 0x4000, 0x3D4, 0x2A, 0x30,
           [0, 0x13, 0x15, 0x17, 2, 4, 6, 7] + list(range(0x10, 0x18)), 3, "cga"),
    0x06: ("gfx", 640, 200, 2, 80, 25, 8, 0x4000, 0x3D4, 0x1E, 0x3F, [0] + [0x17] * 15, 1, "cga"),
    0x0D: ("gfx", 320, 200, 16, 40, 25, 8, 0x2000, 0x3D4, 0x29, 0x30, CGA16_AC, 15, "cga"),
    0x0E: ("gfx", 640, 200, 16, 80, 25, 8, 0x4000, 0x3D4, 0x29, 0x30, CGA16_AC, 15, "cga"),
    0x0F: ("gfx", 640, 350, 16, 80, 25, 14, 0x8000, 0x3B4, 0x29, 0x30,
           [0, 8, 0, 0, 0x18, 0x18, 0, 0, 0, 8, 0, 0, 0, 0x18, 0, 0], 5, "mono"),
    0x10: ("gfx", 640, 350, 16, 80, 25, 14, 0x8000, 0x3D4, 0x29, 0x30, EGA_AC, 15, "ega"),
    0x11: ("gfx", 640, 480, 2, 80, 30, 16, 0xA000, 0x3D4, 0x29, 0x30, [0] + [0x3F] * 15, 15, "ega"),
    0x12: ("gfx", 640, 480, 16, 80, 30, 16, 0xA000, 0x3D4, 0x29, 0x30, EGA_AC, 15, "ega"),
    0x92: ("gfx", 640, 480, 16, 80, 30, 16, 0xA000, 0x3D4, 0x29, 0x30, EGA_AC, 15, "ega"),
    0x13: ("gfx", 320, 200, 256, 40, 25, 8, 0xFA00, 0x3D4, 0x29, 0x30, list(range(16)), 15, "256"),
    0x102: ("vbe", 800, 600, 16, 0, 0, 0, 0, 0, 0, 0, EGA_AC, 15, "ega"),
    0x104: ("vbe", 1024, 768, 16, 0, 0, 0, 0, 0, 0, 0, EGA_AC, 15, "ega"),
}


def xor_value(m):
    """Colour 1, then 83h (XOR 3) at (200..203, 100): the 4-plane modes keep
    every plane (11h too), CGA modes their bits, 13h has no XOR."""
    n = MODES[m][3]
    if n == 256:
        return 0x83
    if m in (0x04, 0x05, 0x06):
        return (1 ^ 3) & (n - 1)
    return 1 ^ 3


def text_picture(m):
    kind, w, h, _, cols, rows, chh, *_ , ac, _, dkind = MODES[m]
    ac = list(ac)
    ac[1] = 0x3C                                     # AX=1000h BL=1 BH=3Ch
    col = [rgb6(*dac(dkind, ac[i])) for i in range(16)]
    font = bios_font("8x16")
    cells = [[(0x20, 0x07)] * cols for _ in range(rows)]
    cells[0][0], cells[0][1] = (ord("H"), 7), (ord("i"), 7)
    for c in range(3, 6):
        cells[2][c] = (ord("A"), 0x1E)
    cells[20][0] = (ord("S"), 0x4F)                  # put on row 21, scrolled up
    out = []
    for row in cells:
        for sl in range(chh):
            line = []
            for ch, at in row:
                fg, bg = col[at & 15], col[(at >> 4) & 7]   # blink on: 3-bit backgrounds
                bits = font[ch][sl]
                line += [fg if bits >> (7 - i) & 1 else bg for i in range(8)]
                line.append(bg)
            out.append(line)
    return out


def gfx_picture(m, palette=True):
    kind, w, h, n, cols, rows, chh, *_ , ac, plane_en, dkind = MODES[m]
    if m == 0x92:   # 12h set again with bit 7: 12h's drawing, palette reset
        return gfx_picture(0x12, palette=False)
    idx = [[0] * w for _ in range(h)]
    bar_lines = list(range(100, 104))
    if m == 0x102:
        bar_lines += list(range(590, 594))
    if m == 0x104:
        bar_lines += list(range(700, 704))
    for c in range(min(n, 16)):
        for y in bar_lines:
            for x in range(8 * c, 8 * c + 8):
                idx[y][x] = c
    if kind == "gfx":
        for x in range(200, 204):
            idx[100][x] = xor_value(m)
        t = {2: 1, 4: 2, 16: 0x0E, 256: 0x28}[n]
        font = bios_font("8x%d" % chh)
        for r, c, ch in ((1, 2, "X"), (1, 3, "y"), (1, 4, "Z"), (1, 5, "Z"), (20, 0, "S")):
            g = font[ord(ch)]
            for sl in range(chh):
                for i in range(8):
                    if g[sl] >> (7 - i) & 1:
                        idx[r * chh + sl][c * 8 + i] = t
    ac = list(ac)
    if n == 16 and palette:
        ac[5] = 0x3F                                 # AX=1000h BL=5 BH=3Fh
    if n == 4:
        ac[1:4] = [0x12, 0x14, 0x16]                 # AH=0Bh BH=1 BL=0: palette 0
    if n == 256:
        pal = bios13()
        pal[0x28] = rgb6(63, 0, 0)                   # AX=1010h
    else:
        pal = [rgb6(*dac(dkind, ac[c & plane_en])) for c in range(16)]
    return [[pal[v] for v in line] for line in idx]


def font_offsets(bios):
    """Offsets of the 8x8, 8x14 and 8x16 fonts in the ROM image."""
    rom = open(bios, "rb").read()
    offs = {}
    for size in ("8x8", "8x14", "8x16"):
        data = bytes(b for g in bios_font(size) for b in g)
        offs[size] = rom.find(data)
        if offs[size] < 0:
            sys.exit("bios_modes_ref.py: the %s font is not in %s" % (size, bios))
    return offs


def check_report(m, log, bios):
    kind, w, h, n, cols, rows, chh, psize, crtc, mctl, palb, *_ = MODES[m]
    line = None
    for l in open(log, errors="replace"):
        at = l.find("MODE %04X " % m)     # after any teletype text (mirrored to COM1)
        if at >= 0 and "END" in l:
            line = l[at:].strip()
    if not line:
        return ["no report line for mode %04X" % m]
    f = dict(re.findall(r"(\w)=(\S+)", line))
    errs = []

    def want(key, got, exp):
        if got != exp:
            errs.append("%s: %s, want %s" % (key, got, exp))
    if kind == "vbe":
        v = f["v"].split(".")
        want("VBE attributes", v[0], "001B")
        want("VBE bytes a line", v[1], "%04X" % (w // 8))
        want("VBE planes/model", v[2], "0304")
        want("VBE bpp/window A", v[3], "0704")
        want("VBE PhysBasePtr", v[4], "0000")
        want("VBE window segment", v[5], "A000")
        want("VBE LFB request", v[6], "014F")
        want("VBE current mode", v[7], "%04X" % m)
        return errs
    ac1 = MODES[m][11][1]
    if kind == "text":
        ac1 = 0x3C                                   # the guest's AX=1000h
    elif MODES[m][3] == 4 and not m & 0x80:
        ac1 = 0x12                                   # AH=0Bh palette 0, bright
    dkind = MODES[m][13]
    if dkind == "256":
        r, g, bl = (0, 0, 0x2A)                      # CGA blue
    else:
        r, g, bl = dac(dkind, 1)
    want("palette/DAC/display", f["p"], "%02X.00.%02X%02X%02X.1A08" % (ac1, r, g, bl))
    q = f["q"].split(".")
    want("AH=0Fh mode", q[0], "%02X" % m)      # 92h: bit 7, memory kept
    kept = m & 0x80
    m &= 0x7F
    want("AH=0Fh columns", q[1], "%02X" % cols)
    want("AH=0Fh page", q[2], "00")
    b = f["b"].split(".")
    want("BDA 49h", b[0], "%02X" % m)
    want("BDA 4Ah", b[1], "%04X" % cols)
    want("BDA 4Ch", b[2], "%04X" % psize)
    want("BDA 63h", b[3], "%04X" % crtc)
    want("BDA 84h", b[4], "%02X" % (rows - 1))
    want("BDA 85h", b[5], "%04X" % chh)
    want("BDA 65h", b[6], "%02X" % mctl)
    want("BDA 66h", b[7], "%02X" % (0x10 if n == 4 else palb))   # 0Bh chose palette 0
    want("BDA 87h", b[8], "E0" if kept else "60")
    offs = font_offsets(bios)
    size = "8x8" if kind == "text" else "8x%d" % chh
    want("int 43h", f["f"], "%04X" % offs[size])
    if kind == "gfx" and not kept:
        bar3 = 3 if n > 3 else 0
        want("read pixels", f["r"], "%02X%02X" % (bar3, xor_value(m)))
    return errs


def main():
    if len(sys.argv) != 6 or sys.argv[1] != "check":
        sys.exit(__doc__)
    m = int(sys.argv[2], 16)
    png, log, bios = sys.argv[3:6]
    if m not in MODES:
        sys.exit("bios_modes_ref.py: no model of mode %X" % m)
    errs = check_report(m, log, bios)
    w, h, rows = pixels.read_png(png)
    kind, mw, mh = MODES[m][:3]
    if (w, h) != (mw, mh):
        errs.append("picture %dx%d, want %dx%d" % (w, h, mw, mh))
    else:
        ref = text_picture(m) if kind == "text" else gfx_picture(m)
        bad = [(x, y) for y in range(h) for x in range(w) if rows[y][x] != ref[y][x]]
        if bad:
            x, y = bad[0]
            errs.append("%d pixels differ, first at (%d, %d): %06x, want %06x"
                        % (len(bad), x, y, rows[y][x], ref[y][x]))
    for e in errs:
        print("FAIL: mode %02X: %s" % (m, e))
    if errs:
        sys.exit(1)
    print("mode %02X: %dx%d, picture and report as modelled" % (m, w, h))


if __name__ == "__main__":
    main()
