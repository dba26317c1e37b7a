#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_rmkernel.sh — --kernel with kernels whose real-mode setup must run:
# our BIOS POSTs, then starts the setup the loader placed (rmkernel.asm
# checks the hand-over; a protocol 2.07 image with code32_start 0 and a
# 2.01 zImage), then Debian's iPXE (ipxe.lkrn) to its banner when the
# package can be fetched.  Usage: test_rmkernel.sh X86VM SRCDIR
X86VM=$1 SRC=$2
command -v nasm >/dev/null || { echo "SKIP: nasm not installed"; exit 77; }
T=$(mktemp -d /tmp/x86vm-rmk-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
nasm -f bin -o "$T/lkrn.bin" "$SRC/rmkernel.asm" || exit 1
nasm -f bin -DZIMAGE -o "$T/zimage.bin" "$SRC/rmkernel.asm" || exit 1
for k in lkrn zimage; do
  n=$((n + 1))
  "$X86VM" --headless --kernel "$T/$k.bin" --append "test line" --serial "file:$T/$k.out" \
    --timeout 20 </dev/null 2>"$T/err"
  st=$?
  # 10h << 1 | 1 = 33; a failed check k gives 2k+1
  if [ "$st" != 33 ] || ! grep -q "rmk-ok" "$T/$k.out"; then
    echo "FAIL: $k: status $st (want 33)"; tail -n 3 "$T/err"; fail=$((fail + 1))
  else
    echo "ok: $k"
  fi
done

# Debian's iPXE: its real-mode setup relocates itself with BIOS services.
mkdir -p "$T/ipxe"
if (cd "$T/ipxe" && apt-get download ipxe >/dev/null 2>&1) && dpkg-deb -x "$T"/ipxe/ipxe_*.deb "$T/ipxe/x" &&
   [ -f "$T/ipxe/x/boot/ipxe.lkrn" ]; then
  n=$((n + 1))
  "$X86VM" --headless --kernel "$T/ipxe/x/boot/ipxe.lkrn" --serial "file:$T/ipxe.out" --timeout 90 \
    --expect "Open Source Network Boot Firmware" </dev/null 2>"$T/err"
  st=$?
  if [ "$st" != 0 ]; then
    echo "FAIL: ipxe.lkrn: status $st, no banner"; tail -n 3 "$T/err"; tail -c 400 "$T/ipxe.out"
    fail=$((fail + 1))
  else
    echo "ok: ipxe.lkrn: $(grep -a -m1 "Open Source Network Boot Firmware" "$T/ipxe.out")"
  fi
else
  echo "SKIP: ipxe.lkrn (apt-get download ipxe failed)"
fi
echo "$((n - fail))/$n real-mode kernel checks passed"
[ "$fail" = 0 ]
