#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_vesamenu.sh — syslinux's graphical menu (vesamenu.c32, from Debian's
# syslinux-common) on our BIOS's VBE: a FAT16 disk as test_linux_disk.sh
# makes it, with a menu of two entries at 640x480; the menu sets a VBE
# mode with the linear framebuffer (its own choice of depth) and draws.
# The run stops after 20 virtual seconds (the menu waits for a key); the
# check is on the PNG screenshot: 640x480, a graphics mode (no text dump),
# several colours and the menu's text and frame drawn.
# Usage: test_vesamenu.sh path/to/x86vm [x86vm arguments]
#   (--bios /usr/share/seabios/bios.bin --vga-bios .../vgabios-isavga.bin: the
#   same menu through SeaBIOS's VGA BIOS on our DISPI registers)
X86VM=$1
shift
MBR=/usr/lib/syslinux/mbr/mbr.bin
MODS=/usr/lib/syslinux/modules/bios
for tool in syslinux mcopy mkfs.fat python3; do
  command -v $tool >/dev/null || PATH=$PATH:/sbin:/usr/sbin
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh --linux)"; exit 77; }
done
for f in "$MBR" "$MODS/vesamenu.c32" "$MODS/libcom32.c32" "$MODS/libutil.c32"; do
  [ -f "$f" ] || { echo "SKIP: $f not installed (package syslinux-common)"; exit 77; }
done
for a in "$@"; do # e.g. SeaBIOS and its VGA BIOS, whose VBE drives the same DISPI registers
  case $a in /*) [ -f "$a" ] || { echo "SKIP: $a not installed"; exit 77; } ;; esac
done
T=$(mktemp -d /tmp/x86vm-vesamenu-XXXXXX)
trap 'rm -rf "$T"' EXIT
IMG=$T/disk.img
SECTORS=65536
START=2048
COUNT=$((SECTORS - START))
le32() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))\\$(printf %03o $((($1 >> 16) & 255)))\\$(printf %03o $((($1 >> 24) & 255)))"; }
chs() {
  c=$(($1 / (16 * 63))); h=$((($1 / 63) % 16)); s=$(($1 % 63 + 1))
  printf "\\$(printf %03o $h)\\$(printf %03o $(((c >> 2 & 0xc0) | s)))\\$(printf %03o $((c & 255)))"
}
truncate -s $((SECTORS * 512)) "$IMG" &&
  mkfs.fat -F 16 -n X86VM --offset $START -h $START "$IMG" $((COUNT / 2)) >/dev/null &&
  dd if="$MBR" of="$IMG" bs=440 count=1 conv=notrunc 2>/dev/null &&
  { printf '\200'; chs $START; printf '\006'; chs $((SECTORS - 1)); le32 $START; le32 $COUNT; } |
    dd of="$IMG" bs=1 seek=446 conv=notrunc 2>/dev/null &&
  printf '\125\252' | dd of="$IMG" bs=1 seek=510 conv=notrunc 2>/dev/null || { echo "FAIL: making the disk image"; exit 1; }
cat >"$T/syslinux.cfg" <<'CFG'
UI vesamenu.c32
PROMPT 0
TIMEOUT 0
MENU RESOLUTION 640 480
MENU TITLE x86vm VBE menu
LABEL one
  MENU LABEL First entry
  KERNEL none1
LABEL two
  MENU LABEL Second entry
  KERNEL none2
CFG
syslinux --install --offset $((START * 512)) "$IMG" &&
  mcopy -i "$IMG@@$((START * 512))" "$MODS/vesamenu.c32" "$MODS/libcom32.c32" "$MODS/libutil.c32" ::/ &&
  mcopy -i "$IMG@@$((START * 512))" "$T/syslinux.cfg" ::syslinux.cfg || { echo "FAIL: installing syslinux"; exit 1; }
"$X86VM" --headless --deterministic --hda "$IMG" --snapshot --timeout 20 "$@" \
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
        w, h, depth, ctype = struct.unpack(">IIBB", d[pos + 8:pos + 18])
    elif t == b"IDAT":
        idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
print("screenshot: %dx%d" % (w, h))
if (w, h) != (640, 480):
    sys.exit(1)
stride = 1 + 3 * w
colours, lit = set(), 0
for y in range(h):
    row = raw[y * stride + 1:(y + 1) * stride]
    for x in range(w):
        p = row[3 * x:3 * x + 3]
        colours.add(p)
        lit += sum(p) > 450
print("%d colours, %d bright pixels" % (len(colours), lit))
sys.exit(0 if len(colours) >= 4 and lit > 500 else 1)
PY
check "screenshot: 640x480 graphics with the menu drawn" $?
echo "syslinux vesamenu on VBE$([ $# -gt 0 ] && echo " ($*)"): $(tail -n 1 "$T/stderr.out")"
[ $fail = 0 ] || { echo "--- COM1 ---"; tail -c 2000 "$T/serial.out"; echo "--- stderr ---"; tail -n 20 "$T/stderr.out"; exit 1; }
