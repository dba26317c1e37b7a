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
for a in "$@"; do
  case $a in /*) [ -f "$a" ] || { echo "SKIP: $a not installed"; exit 77; } ;; esac
done
. "$(dirname "$0")/linux_common.sh"
linux_disk_tools || exit $?
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
IMG=$T/disk.img
linux_disk "$IMG" "$CACHE/kernel/vmlinuz" "$CACHE/initrd-vga.gz" "console=tty0 cryptomgr.notests" ||
  { echo "FAIL: making the disk image"; exit 1; }

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
