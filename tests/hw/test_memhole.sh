#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_memhole.sh — memhole.asm, a floppy boot sector, looks for an EMS
# page frame in C8000h-EFFFFh after our BIOS's POST: every 16 KiB page
# must read FFh and drop writes (no RAM for an EMS manager to find), and
# on --machine pc shadow RAM opened through the i440FX's PAM3 must take
# writes there (exit status 33), under each engine given; --machine isa
# has the same holes and no PCI (status 35).  The pages' verdicts are on
# port E9h ("D400:R": RAM, ":F": a hole).
# Usage: test_memhole.sh path/to/x86vm source-dir [engine...]
X86VM=$1 SRC=$2
shift 2
ENGINES=${*:-interp}
command -v nasm >/dev/null || { echo "SKIP: nasm not installed"; exit 77; }
T=$(mktemp -d /tmp/x86vm-memhole-XXXXXX)
trap 'rm -rf "$T"' EXIT
nasm -f bin -o "$T/fd.img" "$SRC/memhole.asm" || exit 1
truncate -s 1474560 "$T/fd.img"
fail=0
run() { # run MACHINE ENGINE WANT
  "$X86VM" --headless --deterministic --machine "$1" --engine "$2" --fda "$T/fd.img" --timeout 20 \
    --debugcon stderr </dev/null >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" != "$3" ]; then
    echo "FAIL: --machine $1 --engine $2: status $st (want $3; 2n+1: check n failed)"
    fail=$((fail + 1))
  else
    echo "ok: --machine $1 --engine $2: status $st"
  fi
  grep -a ':[FRO] ' "$T/err"
}
for e in $ENGINES; do
  run pc "$e" 33
done
run isa interp 35
[ $fail = 0 ]
