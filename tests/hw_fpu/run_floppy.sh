#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# run_floppy.sh — boot a self-checking floppy under x86vm (our BIOS) and
# require the guest's pass exit: 0 written to port F4h, i.e. status 1.
# Usage: run_floppy.sh path/to/x86vm image.img path/to/roms
X86VM=$1
IMG=$2
ROMS=$3
if [ ! -f "$ROMS/bios.bin" ]; then
  echo "SKIP: $ROMS/bios.bin not built"
  exit 77
fi
OUT=$(mktemp /tmp/x86vm-hwfpu-XXXXXX)
trap 'rm -f "$OUT"' EXIT
"$X86VM" --headless --serial null --deterministic --timeout 20 --fda "$IMG" \
  </dev/null >"$OUT" 2>&1
st=$?
cat "$OUT"
if [ $st != 1 ]; then
  # status (v << 1) | 1: v is the number of the failed check
  if [ $((st & 1)) = 1 ]; then
    echo "FAIL: $IMG: guest check $(((st - 1) / 2)) failed"
  else
    echo "FAIL: $IMG: x86vm status $st (no guest exit)"
  fi
  exit 1
fi
echo "PASS: $IMG"
