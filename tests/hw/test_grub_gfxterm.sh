#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_grub_gfxterm.sh — GRUB (Debian's grub-pc-bin, a grub-mkrescue CD
# image) switches its menu to gfxterm at 800x600x32 through our BIOS's VBE
# and draws it into the linear framebuffer.  Booted from the CD (El Torito)
# for one virtual second; the check is on the PNG screenshot: 800x600 with
# the menu's text and highlight drawn.
# Usage: test_grub_gfxterm.sh path/to/x86vm [x86vm arguments]
X86VM=$1
shift
for tool in grub-mkrescue xorriso mformat python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh --linux)"; exit 77; }
done
[ -d /usr/lib/grub/i386-pc ] || { echo "SKIP: grub-pc-bin not installed (scripts/deps.sh --linux)"; exit 77; }
T=$(mktemp -d /tmp/x86vm-grub-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/iso/boot/grub"
cat >"$T/iso/boot/grub/grub.cfg" <<'CFG'
insmod all_video
insmod gfxterm
set gfxmode=800x600x32
terminal_output gfxterm
set timeout=-1
menuentry "x86vm gfxterm entry" { true }
CFG
grub-mkrescue -o "$T/grub.iso" "$T/iso" >"$T/mk.log" 2>&1 || { echo "FAIL: grub-mkrescue"; cat "$T/mk.log"; exit 1; }
"$X86VM" --headless --deterministic --cdrom "$T/grub.iso" --boot d --timeout 1 "$@" \
  --screenshot "$T/screen.png" </dev/null >"$T/serial.out" 2>"$T/stderr.out"
st=$?
[ -n "$X86VM_TEST_SCREEN" ] && cp "$T/screen.png" "$X86VM_TEST_SCREEN"
fail=0
check() { if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
check "status $st (want 124: the menu waits until the time-out)" $([ $st = 124 ]; echo $?)
python3 - "$T/screen.png" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat = 8, b""
while pos < len(d):
    n, t = struct.unpack(">I4s", d[pos:pos + 8])
    if t == b"IHDR":
        w, h = struct.unpack(">II", d[pos + 8:pos + 16])
    elif t == b"IDAT":
        idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
print("screenshot: %dx%d" % (w, h))
if (w, h) != (800, 600):
    sys.exit(1)
stride = 1 + 3 * w
lit = sum(1 for y in range(h) for x in range(w)
          if sum(raw[y * stride + 1 + 3 * x:y * stride + 4 + 3 * x]) > 300)
print("%d lit pixels" % lit)
sys.exit(0 if lit > 5000 else 1)
PY
check "screenshot: 800x600 with the menu drawn" $?
echo "GRUB gfxterm on VBE$([ $# -gt 0 ] && echo " ($*)"): $(tail -n 1 "$T/stderr.out")"
[ $fail = 0 ] || { echo "--- COM1 ---"; tail -c 2000 "$T/serial.out"; echo "--- stderr ---"; tail -n 20 "$T/stderr.out"; exit 1; }
