#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_acpi_tables.sh — the ACPI tables of --machine pc in guest memory:
# dump E0000h-FFFFFh with the debugger's x/ command at power-on and again
# after our BIOS's POST and the default guest ran (nothing may overwrite
# them), and check every table's signature, length, checksum and contents
# with acpi_tables.py; --machine isa must have no RSDP.
# Usage: test_acpi_tables.sh path/to/x86vm
X86VM=$1
HERE=$(dirname "$0")
T=$(mktemp -d /tmp/x86vm-acpi-XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
dump() { # $1: instructions to run first
  [ "$1" -gt 0 ] && echo "run $1"
  a=$((0xe0000))
  while [ $a -lt $((0x100000)) ]; do
    printf 'x/4096xb %#x\n' $a
    a=$((a + 4096))
  done
  echo quit
}
fail=0
for n in 0 5000000; do
  dump $n >"$T/dbg"
  "$X86VM" --machine pc --deterministic --debug-script "$T/dbg" >"$T/out" 2>&1
  echo "--machine pc after $n instructions:"
  python3 "$HERE/acpi_tables.py" pc <"$T/out" || { fail=1; tail -n 3 "$T/out"; }
done
dump 0 >"$T/dbg"
"$X86VM" --deterministic --debug-script "$T/dbg" >"$T/out" 2>&1
echo "--machine isa:"
python3 "$HERE/acpi_tables.py" none <"$T/out" || fail=1
exit $fail
