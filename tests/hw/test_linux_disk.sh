#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_disk.sh — Debian's 32-bit kernel booted from a raw hard-disk
# image by a real boot loader from Debian's archive: the disk has syslinux's
# MBR (mbr.bin), one FAT16 partition at 1 MiB made with mkfs.fat, SYSLINUX
# installed in it (syslinux --install) and the kernel + a busybox initramfs
# copied with mcopy.  The kernel console is the VGA text screen only
# (console=tty0); /init prints a marker and uname -a on the screen, starts a
# shell there, and one second later writes a line to /dev/ttyS0 so the
# run can stop (--expect); the check is on the text dump of the screen
# (--screenshot FILE.txt).  Runs deterministically.
# Slow: runs only with X86VM_SLOW_TESTS=1.
# Usage: test_linux_disk.sh path/to/x86vm cache-dir [--bios FILE ...]
#   extra arguments go to x86vm (e.g. --bios /usr/share/seabios/bios.bin
#   --vga-bios /usr/share/seabios/vgabios-isavga.bin); a missing absolute
#   path among them skips the test
X86VM=$1
CACHE=$2
shift 2
if [ "$X86VM_SLOW_TESTS" != 1 ]; then
  echo "SKIP: set X86VM_SLOW_TESTS=1 to boot Linux from a disk (takes a minute)"
  exit 77
fi
MBR=/usr/lib/syslinux/mbr/mbr.bin
for tool in syslinux mcopy mkfs.fat; do
  command -v $tool >/dev/null || PATH=$PATH:/sbin:/usr/sbin
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh --linux)"; exit 77; }
done
for a in "$@"; do
  case $a in /*) [ -f "$a" ] || { echo "SKIP: $a not installed"; exit 77; } ;; esac
done
[ -f "$MBR" ] || { echo "SKIP: $MBR not installed (package syslinux-common)"; exit 77; }
. "$(dirname "$0")/linux_common.sh"
linux_fetch "$CACHE" || exit $?
linux_initrd "$CACHE" initrd-vga.gz <<'INIT' || exit 1
echo "x86vm disk boot: init on $(cat /sys/class/tty/console/active)"
uname -a
dmesg | grep -m 1 "Console: "
(sleep 1; echo "X86VM-SCREEN-READY" >/dev/ttyS0) &
exec sh
INIT

T=$(mktemp -d /tmp/x86vm-lxdisk-XXXXXX)
trap 'rm -rf "$T"' EXIT
# 32 MiB disk (16 heads, 63 sectors: x86vm's geometry), partition 1 at LBA
# 2048 to the end, type 06h (FAT16), active.
IMG=$T/disk.img
SECTORS=65536
START=2048
COUNT=$((SECTORS - START))
le32() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))\\$(printf %03o $((($1 >> 16) & 255)))\\$(printf %03o $((($1 >> 24) & 255)))"; }
chs() { # LBA -> head, sector|cyl-high, cyl-low
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
  APPEND console=tty0 cryptomgr.notests
CFG
syslinux --install --offset $((START * 512)) "$IMG" &&
  mcopy -i "$IMG@@$((START * 512))" "$CACHE/kernel/vmlinuz" ::vmlinuz &&
  mcopy -i "$IMG@@$((START * 512))" "$CACHE/initrd-vga.gz" ::initrd.gz &&
  mcopy -i "$IMG@@$((START * 512))" "$T/syslinux.cfg" ::syslinux.cfg || { echo "FAIL: installing syslinux"; exit 1; }

start=$(date +%s)
"$X86VM" --headless --deterministic --hda "$IMG" --snapshot --timeout 600 "$@" \
  --expect "X86VM-SCREEN-READY" --screenshot "$T/screen.txt" </dev/null >"$T/serial.out" 2>"$T/stderr.out"
st=$?
end=$(date +%s)
fail=0
check() { if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
check "status $st (want 0, marker seen on COM1)" $([ $st = 0 ]; echo $?)
check "no kernel messages on COM1 (console is tty0 only)" $(! grep -q "Linux version" "$T/serial.out"; echo $?)
check "screen: init ran with the console on tty0" $(grep -q "x86vm disk boot: init on tty0" "$T/screen.txt"; echo $?)
check "screen: uname -a" $(grep -q "^Linux (none) [0-9][^ ]* #[0-9]* SMP" "$T/screen.txt"; echo $?)
check "screen: the kernel found a VGA (int 10h answered)" $(grep -q "Console: colour VGA+ 80x25" "$T/screen.txt"; echo $?)
check "screen: shell prompt" $(grep -q "^/ # " "$T/screen.txt"; echo $?)
echo "Linux from disk (syslinux, VGA console$([ $# -gt 0 ] && echo ", $*")): $((end - start)) s; $(tail -n 1 "$T/stderr.out")"
echo "--- screen ---"
cat "$T/screen.txt"
[ $fail = 0 ] || { echo "--- COM1 ---"; tail -c 3000 "$T/serial.out"; echo "--- stderr ---"; tail -n 20 "$T/stderr.out"; exit 1; }
