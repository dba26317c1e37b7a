#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_vesa.sh — Debian's 32-bit kernel from a syslinux disk (as
# test_linux_disk.sh builds it) with vga=788: the kernel's real-mode setup
# asks our BIOS's VBE for mode 114h|LFB (800x600x16), the kernel's
# framebuffer driver takes the linear framebuffer at E0000000h and the
# console draws there.  /init copies the kernel's framebuffer lines to
# COM1; the checks: VBE mode and LFB address in those lines, an 800x600
# PNG screenshot with console text on it.  Runs deterministically.
# Slow: runs only with X86VM_SLOW_TESTS=1.
# Usage: test_linux_vesa.sh path/to/x86vm cache-dir [x86vm arguments]
# (X86VM_TEST_SCREEN=FILE keeps the screenshot.)
X86VM=$1
CACHE=$2
shift 2
if [ "$X86VM_SLOW_TESTS" != 1 ]; then
  echo "SKIP: set X86VM_SLOW_TESTS=1 to boot Linux on the VBE framebuffer (takes a minute)"
  exit 77
fi
MBR=/usr/lib/syslinux/mbr/mbr.bin
for tool in syslinux mcopy mkfs.fat python3; do
  command -v $tool >/dev/null || PATH=$PATH:/sbin:/usr/sbin
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh --linux)"; exit 77; }
done
[ -f "$MBR" ] || { echo "SKIP: $MBR not installed (package syslinux-common)"; exit 77; }
. "$(dirname "$0")/linux_common.sh"
linux_fetch "$CACHE" || exit $?
linux_initrd "$CACHE" initrd-vesa.gz <<'INIT' || exit 1
echo "x86vm vesa boot: init on $(cat /sys/class/tty/console/active)"
uname -a
{ dmesg | grep -i -e "vesafb" -e "framebuffer" -e "fb0" -e "Console: switching"
  cat /proc/fb; echo "X86VM-FB-DONE"; } >/dev/ttyS0
exec sh
INIT

T=$(mktemp -d /tmp/x86vm-lxvesa-XXXXXX)
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
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=tty0 vga=788 cryptomgr.notests
CFG
syslinux --install --offset $((START * 512)) "$IMG" &&
  mcopy -i "$IMG@@$((START * 512))" "$CACHE/kernel/vmlinuz" ::vmlinuz &&
  mcopy -i "$IMG@@$((START * 512))" "$CACHE/initrd-vesa.gz" ::initrd.gz &&
  mcopy -i "$IMG@@$((START * 512))" "$T/syslinux.cfg" ::syslinux.cfg || { echo "FAIL: installing syslinux"; exit 1; }

start=$(date +%s)
"$X86VM" --headless --deterministic --hda "$IMG" --snapshot --timeout 600 "$@" \
  --expect "X86VM-FB-DONE" --screenshot "$T/screen.png" </dev/null >"$T/serial.out" 2>"$T/stderr.out"
st=$?
end=$(date +%s)
fail=0
check() { if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
check "status $st (want 0, marker seen on COM1)" $([ $st = 0 ]; echo $?)
check "COM1: a VESA framebuffer in /proc/fb" $(grep -qi "vesa" "$T/serial.out"; echo $?)
check "COM1: the LFB at e0000000" $(grep -qi "framebuffer at 0xe0000000" "$T/serial.out"; echo $?)
check "COM1: mode 800x600x16" $(grep -qi "mode is 800x600x16" "$T/serial.out"; echo $?)
# The screenshot: 800x600, and the console's text makes some pixels bright.
python3 - "$T/screen.png" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(d):
    n, t = struct.unpack(">I4s", d[pos:pos + 8])
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", d[pos + 8:pos + 18])
    elif t == b"IDAT":
        idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
assert (w, h, depth, ctype) == (800, 600, 8, 2), (w, h, depth, ctype)
stride = 1 + 3 * w
lit = 0
for y in range(h):
    row = raw[y * stride:(y + 1) * stride]
    assert row[0] == 0, "filter %d" % row[0]
    lit += sum(1 for x in range(w) if sum(row[1 + 3 * x:4 + 3 * x]) > 300)
print("screenshot: 800x600, %d bright pixels" % lit)
sys.exit(0 if lit > 2000 else 1)
PY
check "screenshot: 800x600 with console text" $?
echo "Linux on the VBE framebuffer (vga=788$([ $# -gt 0 ] && echo ", $*")): $((end - start)) s; $(tail -n 1 "$T/stderr.out")"
echo "--- COM1 ---"
tail -c 2000 "$T/serial.out"
[ -n "$X86VM_TEST_SCREEN" ] && cp "$T/screen.png" "$X86VM_TEST_SCREEN"
[ $fail = 0 ] || { echo "--- stderr ---"; tail -n 20 "$T/stderr.out"; exit 1; }
