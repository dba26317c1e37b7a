#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_symbols.sh X86VM ELF SCRIPT — symbols from an ELF file name breakpoints
# and show in the disassembly; a missing or non-ELF file, a missing script
# and the lockstep engine are usage errors (exit 2).
set -u
x86vm=$1 elf=$2 script=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 120 "$x86vm" --deterministic --debug-symbols "$elf" --debug-script "$script" >"$out" 2>/dev/null || {
  echo "FAIL: exit $?"; cat "$out"; exit 1; }
fail=0
grep -q '^breakpoint 1 hit' "$out" || { echo "FAIL: no stop at boot_main"; fail=1; }
grep -q '^=> 0000:7C0B  FA  *<boot_main> cli' "$out" || { echo "FAIL: boot_main not named at the stop"; fail=1; }
grep -q '^   0000:7C00  EB09  *<boot_sector> jmp' "$out" || { echo "FAIL: boot_sector not named in disas"; fail=1; }
grep -q '<boot_sector+2> nop' "$out" || { echo "FAIL: no symbol+offset in disas"; fail=1; }
grep -q '^=> 0000:7CC4  AC  *<boot_print> lodsb' "$out" || { echo "FAIL: until boot_print"; fail=1; }
grep -q '^breakpoint 2 hit' "$out" || { echo "FAIL: no stop at stage2"; fail=1; }
# Bad input: one line, exit 2.
"$x86vm" --debug-symbols /nonexistent --debug-script "$script" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a missing symbol file must exit 2"; fail=1; }
"$x86vm" --debug-symbols "$script" --debug-script "$script" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a non-ELF symbol file must exit 2"; fail=1; }
"$x86vm" --debug-script /nonexistent >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a missing script must exit 2"; fail=1; }
if "$x86vm" --help 2>/dev/null | grep -q -- '--engine ENGINE'; then
  "$x86vm" --engine lockstep --debug-script "$script" >/dev/null 2>&1
  rc=$?
  # 2: refused; a build without the JIT refuses lockstep with 2 as well.
  [ $rc -eq 2 ] || { echo "FAIL: --debug-script with --engine lockstep must exit 2 (got $rc)"; fail=1; }
fi
[ $fail -eq 0 ] || { cat "$out"; exit 1; }
echo "PASS: symbols name breakpoints and disassembly"
