#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_pcibios.sh — pcibios.asm, a floppy boot sector, checks our BIOS's
# PCI BIOS calls, its $PIR table, the BARs POST assigned and PAM0 on
# --machine pc (exit status 33), under each engine given; on --machine isa
# the installation check must fail (status 35: no PCI there).
# Usage: test_pcibios.sh path/to/x86vm source-dir [engine...]
X86VM=$1 SRC=$2
shift 2
ENGINES=${*:-interp}
command -v nasm >/dev/null || { echo "SKIP: nasm not installed"; exit 77; }
T=$(mktemp -d /tmp/x86vm-pcibios-XXXXXX)
trap 'rm -rf "$T"' EXIT
nasm -f bin -o "$T/fd.img" "$SRC/pcibios.asm" || exit 1
truncate -s 1474560 "$T/fd.img"
fail=0
run() { # run MACHINE ENGINE WANT
  "$X86VM" --headless --deterministic --machine "$1" --engine "$2" --fda "$T/fd.img" --timeout 20 \
    --debugcon stderr </dev/null >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" != "$3" ]; then
    echo "FAIL: --machine $1 --engine $2: status $st (want $3; 2n+1: check n failed)"
    tail -n 3 "$T/err"
    fail=$((fail + 1))
  else
    echo "ok: --machine $1 --engine $2: status $st"
  fi
}
for e in $ENGINES; do
  run pc "$e" 33
done
run isa interp 35
[ $fail = 0 ]
