#!/usr/bin/env python3
"""pixels.py - pictures for the window tests, standard library only.

  pixels.py topng IN.xwd OUT.png          a window grab (xwd -silent) as PNG
  pixels.py compare A B [--crop]          A, B: PNG or XWD; exit 0 if the pixels
                                          are equal (--crop: compare B's centre
                                          region of A's size, for a window larger
                                          than the guest screen; a B exactly k
                                          times A's size is sampled every k pixels,
                                          for a window at an integer scale)
  pixels.py stats A                       size and number of distinct colours
  pixels.py edges A                       fraction of horizontally adjacent pixel
                                          pairs whose colours differ by more than
                                          48 (sum over R, G, B): high for a screen
                                          hatched with garbage glyphs
  pixels.py differ A B                    fraction of pixels that differ (1 if the
                                          sizes differ)
  pixels.py crop A X Y W H K OUT.png      the W x H region at (X, Y) of A, each
                                          pixel made K x K (for OCR of small text)

PNG: 8-bit RGB or RGBA, non-interlaced (what x86vm's --screenshot writes).
XWD: ZPixmap, 24/32 bits per pixel, as Xvfb's xwd writes.
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("%s: unsupported PNG format" % path)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride if f else 0):   # filter 0 (None): bytes as they are
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        xrgb = bytearray(4 * w)        # 00RRGGBB big-endian words, by slices (fast)
        for k in range(3):
            xrgb[k + 1::4] = line[k::bpp]
        rows.append(list(struct.unpack(">%dI" % w, xrgb)))
        prev = line
    return w, h, rows


def read_xwd(path):
    data = open(path, "rb").read()
    hdr = struct.unpack(">25I", data[:100])
    hsize, _, fmt, depth, w, h = hdr[0], hdr[1], hdr[2], hdr[3], hdr[4], hdr[5]
    byte_order, bpp, bpl, ncolors = hdr[7], hdr[11], hdr[12], hdr[19]
    if fmt != 2 or bpp not in (24, 32):
        raise ValueError("%s: unsupported XWD format" % path)
    off = hsize + ncolors * 12
    step = bpp // 8
    rows = []
    for y in range(h):
        base = off + y * bpl
        row = []
        for x in range(w):
            p = data[base + x * step:base + x * step + step]
            v = int.from_bytes(p, "little" if byte_order == 0 else "big")
            row.append(v & 0xffffff)
        rows.append(row)
    return w, h, rows


def read_any(path):
    with open(path, "rb") as f:
        magic = f.read(8)
    return read_png(path) if magic == b"\x89PNG\r\n\x1a\n" else read_xwd(path)


def write_png(path, w, h, rows):
    raw = b"".join(b"\0" + b"".join(struct.pack(">I", p)[1:] for p in r) for r in rows)
    def chunk(k, b):
        return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "topng":
        w, h, rows = read_any(a[1])
        write_png(a[2], w, h, rows)
    elif len(a) >= 3 and a[0] == "compare":
        wa, ha, ra = read_any(a[1])
        wb, hb, rb = read_any(a[2])
        k = wb // wa if wa and wb % wa == 0 and hb == ha * (wb // wa) else 0
        if "--crop" in a and k > 1:
            rb = [r[k // 2::k] for r in rb[k // 2::k]]
            wb, hb = wa, ha
        if "--crop" in a and (wb, hb) != (wa, ha):
            x0, y0 = (wb - wa) // 2, (hb - ha) // 2
            if x0 < 0 or y0 < 0:
                print("FAIL: %s is %dx%d, smaller than %s (%dx%d)" % (a[2], wb, hb, a[1], wa, ha))
                sys.exit(1)
            rb = [r[x0:x0 + wa] for r in rb[y0:y0 + ha]]
            wb, hb = wa, ha
        if (wa, ha) != (wb, hb):
            print("FAIL: sizes differ: %dx%d vs %dx%d" % (wa, ha, wb, hb))
            sys.exit(1)
        diff = [(x, y) for y in range(ha) for x in range(wa) if ra[y][x] != rb[y][x]]
        if diff:
            x, y = diff[0]
            print("FAIL: %d of %d pixels differ; first at (%d,%d): %06x vs %06x"
                  % (len(diff), wa * ha, x, y, ra[y][x], rb[y][x]))
            sys.exit(1)
        print("equal: %dx%d, %d colours%s" % (wa, ha, len({p for r in ra for p in r}),
                                               " (window at %dx)" % k if k > 1 else ""))
    elif len(a) >= 2 and a[0] == "stats":
        w, h, rows = read_any(a[1])
        print("%dx%d %d colours" % (w, h, len({p for r in rows for p in r})))
    elif len(a) >= 2 and a[0] == "edges":
        w, h, rows = read_any(a[1])
        n = e = 0
        for r in rows:
            for p, q in zip(r, r[1:]):
                n += 1
                e += sum(abs(((p >> s) & 255) - ((q >> s) & 255)) for s in (0, 8, 16)) > 48
        print("%.4f" % (e / n if n else 0))
    elif len(a) >= 3 and a[0] == "differ":
        wa, ha, ra = read_any(a[1])
        wb, hb, rb = read_any(a[2])
        if (wa, ha) != (wb, hb) or not wa * ha:
            print("1.0000")
        else:
            d = sum(p != q for r, t in zip(ra, rb) for p, q in zip(r, t))
            print("%.4f" % (d / (wa * ha)))
    elif len(a) >= 8 and a[0] == "crop":
        w, h, rows = read_any(a[1])
        x, y, cw, ch, k = (int(v) for v in a[2:7])
        if x < 0 or y < 0 or cw <= 0 or ch <= 0 or k <= 0 or x + cw > w or y + ch > h:
            sys.exit("crop: the region is not inside the %dx%d picture" % (w, h))
        out = []
        for r in rows[y:y + ch]:
            line = [p for p in r[x:x + cw] for _ in range(k)]
            out += [line] * k
        write_png(a[7], cw * k, ch * k, out)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
