#!/usr/bin/env python3
"""gen_font.py - build x86vm's code page 437 text fonts from Debian's
console-setup-linux package.

    apt-get download console-setup-linux
    scripts/gen_font.py console-setup-linux_*.deb

Reads the package's VGA PSF fonts (*-VGA16, *-VGA14, *-VGA8: 8x16, 8x14,
8x8), looks up each CP437 code's Unicode character in the fonts' Unicode
tables (Uni2 first), and writes

    src/bios/font.inc   vga_font_8x16, vga_font_8x14, vga_font_8x8 (nasm)
    src/hw/vga_font.h   the 8x16 table for the VGA's power-on font (C)

Licence of the source glyphs (console-setup's copyright.fonts): the VGA
fonts derive from u_vga16.bdf, Copyright (c) 2000, 2001 Dmitry
Bolkhovityanov, under an MIT-style permission notice, which the generated
files carry.
"""
import gzip
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Code page 437 as Unicode, with the IBM glyphs for the control range.
CP437 = (
    "\u0000☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼"
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
    "`abcdefghijklmnopqrstuvwxyz{|}~⌂"
    "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»"
    "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀"
    "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0"
)
assert len(CP437) == 256

# Characters a font may spell differently (the same glyph under another code point).
ALIASES = {"µ": "μ", "ß": "β", "∙": "·", "Ω": "Ω", "■": "▪", "\u00a0": " ", "►": "▶", "◄": "◀"}

NOTICE = """Copyright (c) 2000, 2001 by Dmitry Bolkhovityanov.  All Rights Reserved.
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.  IN NO EVENT SHALL THE
XFREE86 PROJECT BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
Except as contained in this notice, the name of Dmitry Bolkhovityanov
shall not be used in advertising or otherwise to promote the sale, use
or other dealings in this Software without prior written authorization
from the Dmitry Bolkhovityanov."""


def parse_psf(data):
    """Return (height, glyphs[list of bytes], unicode map {char: glyph index})."""
    if data[:2] == b"\x36\x04":
        mode, height = data[2], data[3]
        n = 512 if mode & 1 else 256
        glyphs = [data[4 + i * height: 4 + (i + 1) * height] for i in range(n)]
        umap = {}
        if mode & 6:
            pos = 4 + n * height
            for g in range(n):
                seq = False
                while True:
                    u = data[pos] | data[pos + 1] << 8
                    pos += 2
                    if u == 0xFFFF:
                        break
                    if u == 0xFFFE:
                        seq = True
                    elif not seq:
                        umap.setdefault(chr(u), g)
        return height, glyphs, umap
    if data[:4] == b"\x72\xb5\x4a\x86":
        hdr = [int.from_bytes(data[i:i + 4], "little") for i in range(4, 32, 4)]
        _, hsize, flags, n, size, height, width = hdr
        if width > 8:
            raise SystemExit("gen_font: want an 8-pixel-wide font")
        glyphs = [data[hsize + i * size: hsize + (i + 1) * size] for i in range(n)]
        umap = {}
        if flags & 1:
            pos = hsize + n * size
            for g in range(n):
                end = data.index(b"\xff", pos)
                entry = data[pos:end]
                pos = end + 1
                single = entry.split(b"\xfe")[0].decode("utf-8")
                for ch in single:
                    umap.setdefault(ch, g)
        return height, glyphs, umap
    raise SystemExit("gen_font: not a PSF font")


def load(path):
    with gzip.open(path, "rb") as f:
        return parse_psf(f.read())


def cp437_table(fonts, size, fallback16=None):
    """CP437 glyphs of one height from every font of that size in the
    directory (Uni2 first, then Uni1, Lat15, the rest by name).  A code no
    font has is made from the 8x16 table: rows 1-14 for 8x14, row pairs
    ORed for 8x8.  Returns (table, names used, codes made)."""
    names = sorted(n for n in os.listdir(fonts) if n.endswith("-%s.psf.gz" % size))
    order = ["Uni2", "Uni1", "Lat15"]
    names.sort(key=lambda n: (order.index(n.split("-")[0]) if n.split("-")[0] in order else 9, n))
    loaded = [(n, load(os.path.join(fonts, n))) for n in names]
    height = loaded[0][1][0]
    out, used, made = [], [], []
    for code, ch in enumerate(CP437):
        if code == 0:
            out.append(bytes(height))
            continue
        for name, (h, glyphs, umap) in loaded:
            g = umap.get(ch, umap.get(ALIASES.get(ch, ""), None))
            if g is not None and h == height:
                out.append(bytes(glyphs[g]))
                if name not in used:
                    used.append(name)
                break
        else:
            if fallback16 is None:
                raise SystemExit("gen_font: no %s font has %02X %s" % (size, code, ch))
            src = fallback16[code]
            if height == 14:
                out.append(src[1:15])
            else:
                out.append(bytes(src[2 * i] | src[2 * i + 1] for i in range(8)))
            made.append("%02Xh" % code)
    return out, used, made


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", sys.argv[1], tmp], check=True)
        fonts = os.path.join(tmp, "usr/share/consolefonts")
        t16, used16, _ = cp437_table(fonts, "VGA16")
        t14, used14, made14 = cp437_table(fonts, "VGA14", t16)
        t8, used8, made8 = cp437_table(fonts, "VGA8", t16)
    tables = {16: t16, 14: t14, 8: t8}
    src = "the VGA fonts of Debian package %s\n(8x16: %s; 8x14: %s; 8x8: %s)" % (
        os.path.basename(sys.argv[1]), ", ".join(used16), ", ".join(used14), ", ".join(used8))
    if made14 or made8:
        src += ";\nmade from the 8x16 glyph where no font of the size has the character:\n8x14 %s; 8x8 %s" % (
            " ".join(made14), " ".join(made8))
    notice_asm = "\n".join("; " + l if l else ";" for l in NOTICE.splitlines())
    src_asm = "\n".join("; " + l for l in src.splitlines())
    with open(os.path.join(ROOT, "src/bios/font.inc"), "w") as f:
        f.write("; font.inc - code page 437 text fonts (8x16, 8x14, 8x8; one byte a row,\n"
                "; bit 7 leftmost).  GENERATED by scripts/gen_font.py from\n%s.\n"
                "; Do not edit: run the script.  The glyphs' licence:\n%s\n" % (src_asm, notice_asm))
        for h in (16, 14, 8):
            f.write("vga_font_8x%d:\n" % h)
            for code, rows in enumerate(tables[h]):
                f.write("        db " + ", ".join("0x%02X" % b for b in rows) + "  ; %02Xh\n" % code)
    notice_c = "\n".join(" * " + l if l else " *" for l in NOTICE.splitlines())
    src_c = "\n".join(" * " + l for l in src.splitlines())
    with open(os.path.join(ROOT, "src/hw/vga_font.h"), "w") as f:
        f.write("/*\n * vga_font.h - the VGA's power-on 8x16 font: code page 437, 256 glyphs x 16\n"
                " * rows, bit 7 leftmost.  GENERATED by scripts/gen_font.py from\n%s.\n"
                " * Do not edit: run the script.  The glyphs' licence:\n%s\n */\n" % (src_c, notice_c))
        f.write("static const uint8_t vga_font_8x16[256 * 16] = {\n")
        for code, rows in enumerate(tables[16]):
            f.write("    " + ", ".join("0x%02x" % b for b in rows) + ", /* %02Xh */\n" % code)
        f.write("};\n")


if __name__ == "__main__":
    main()
