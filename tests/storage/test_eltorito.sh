#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_eltorito.sh — El Torito floppy and hard-disk emulation in our BIOS:
# CDs made here with xorriso whose boot images are eltorito_boot.asm (which
# checks int 13h on the emulated drive and reports on ports E9h/F4h), a
# no-emulation CD for contrast, and Debian's memtest86+ ISO (1.44 MB floppy
# emulation) booted to its screen when the package can be fetched.
# Usage: test_eltorito.sh X86VM ROMS SRCDIR
X86VM=$1 ROMS=$2 SRC=$3
for tool in xorriso nasm python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh)"; exit 77; }
done
T=$(mktemp -d /tmp/x86vm-eltorito-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
n=0

# image FILE BOOTBIN SECTORS: BOOTBIN, then sectors that start with their LBA
image() {
  python3 -c "
import struct, sys
boot = open('$2', 'rb').read()
img = bytearray(boot)
for lba in range(1, $3):
    img += struct.pack('<I', lba) + bytes([lba & 0xff]) * 508
open('$1', 'wb').write(img)"
}

nasm -f bin -o "$T/fd.bin" "$SRC/eltorito_boot.asm" || exit 1
nasm -f bin -DHD -o "$T/hd.bin" "$SRC/eltorito_boot.asm" || exit 1
mkdir -p "$T/fdroot" "$T/hdroot"
image "$T/fdroot/floppy.img" "$T/fd.bin" 2880
image "$T/hdroot/disk.img" "$T/hd.bin" $((20 * 4 * 16))
xorriso -as mkisofs -quiet -o "$T/fd.iso" -b floppy.img -c boot.cat "$T/fdroot" 2>"$T/x.err" ||
  { cat "$T/x.err"; exit 1; }
xorriso -as mkisofs -quiet -o "$T/hd.iso" -hard-disk-boot -b disk.img -c boot.cat "$T/hdroot" 2>"$T/x.err" ||
  { cat "$T/x.err"; exit 1; }

# boot NAME ISO [flags]: expect status 33 (10h << 1 | 1) and the ok line on E9h.
boot() {
  name=$1 iso=$2
  shift 2
  n=$((n + 1))
  "$X86VM" --headless --debugcon stderr --cdrom "$iso" --boot d --serial null --timeout 30 "$@" </dev/null \
    >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" != 33 ] || ! grep -Eq "12345679?8 ok" "$T/err"; then
    echo "FAIL: $name: status $st (want 33; a failed step k gives 2k+1)"; tail -n 5 "$T/err"
    fail=$((fail + 1))
  else
    echo "ok: $name"
  fi
}
boot "floppy emulation" "$T/fd.iso"
head -c 1474560 /dev/zero >"$T/realfd.img"
boot "floppy emulation with a real floppy" "$T/fd.iso" --fda "$T/realfd.img"
boot "hard-disk emulation" "$T/hd.iso"
# A real hard disk moves up to 81h under hard-disk emulation; the emulated
# drive still answers as 80h.
head -c $((1024 * 1024)) /dev/zero >"$T/real.img"
boot "hard-disk emulation with a real disk" "$T/hd.iso" --hda "$T/real.img"
if "$X86VM" --help | grep -q -- "--engine"; then
  boot "floppy emulation (jit)" "$T/fd.iso" --engine jit
fi

# Debian's memtest86+ (its ISO boots a 1.44 MB floppy image): to its screen.
MT=$T/mt
mkdir -p "$MT"
if (cd "$MT" && apt-get download memtest86+ >/dev/null 2>&1) && dpkg-deb -x "$MT"/memtest86+_*.deb "$MT/x" &&
   [ -f "$MT/x/usr/lib/memtest86+/memtest86+ia32.iso" ]; then
  n=$((n + 1))
  "$X86VM" --headless --cdrom "$MT/x/usr/lib/memtest86+/memtest86+ia32.iso" --boot d --serial null \
    --timeout 15 --mem 64 --screenshot "$T/mt.txt" </dev/null >/dev/null 2>"$T/mt.err"
  # Its own screen: the version header, and the test running without errors.
  if grep -Eq "Memtest86\+ v[0-9]" "$T/mt.txt" && grep -q "Errors: 0" "$T/mt.txt"; then
    echo "ok: memtest86+ ISO: $(grep -Em1 "Memtest86\+ v[0-9]" "$T/mt.txt" | tr -s ' ')"
  else
    echo "FAIL: memtest86+ ISO did not reach its screen:"; cat "$T/mt.txt"; tail -n 3 "$T/mt.err"
    fail=$((fail + 1))
  fi
  # It reacts to a key: F1 on the PS/2 keyboard opens its settings menu.
  n=$((n + 1))
  "$X86VM" --headless --cdrom "$MT/x/usr/lib/memtest86+/memtest86+ia32.iso" --boot d --serial null \
    --timeout 60 --mem 64 --wait 6 --send-keys '<f1>' --wait 3 --screenshot "$T/mt2.txt" </dev/null \
    >/dev/null 2>"$T/mt2.err"
  if grep -q "Settings:" "$T/mt2.txt" && grep -q "Test selection" "$T/mt2.txt" && ! grep -q "Settings:" "$T/mt.txt"; then
    echo "ok: memtest86+ opened its settings on F1"
  else
    echo "FAIL: memtest86+ did not react to F1:"; cat "$T/mt2.txt"; tail -n 3 "$T/mt2.err"
    fail=$((fail + 1))
  fi
else
  echo "SKIP: memtest86+ (apt-get download memtest86+ failed)"
fi

echo "$((n - fail))/$n El Torito checks passed"
[ "$fail" = 0 ]
