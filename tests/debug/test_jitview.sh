#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_jitview.sh X86VM SCRIPT — the debugger's `jit` command under --engine
# jit shows the block at CS:EIP in two columns: the guest instruction on the
# left (xor ax, ax at 0000:7C0C in the default guest's boot sector), host
# x86-64 code on the right; under --engine interp it says there is none.
# Skipped (77) when the build has no JIT.
set -u
x86vm=$1 script=$2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
timeout 120 "$x86vm" --deterministic --engine jit --debug-script "$script" >"$out" 2>"$err"
rc=$?
if grep -q "no JIT" "$err"; then exit 77; fi
[ $rc -eq 0 ] || { echo "FAIL: jit run exited with $rc"; cat "$err"; tail "$out"; exit 1; }
fail() { echo "FAIL: $1"; cat "$out"; exit 1; }
grep -q '^block 0000:00007c0c phys 00007c0c' "$out" || fail "no block header for 0000:7C0C"
grep -q '^guest (16-bit) *| host (x86-64)$' "$out" || fail "no column header"
# The guest instruction and, on the same row, the first host instruction.
grep -Eq '^00007c0c  xor ax, ax +\| [0-9a-f]{8,}  [a-z]+' "$out" || fail "guest xor beside host code"
# More host code below it in the right column, e.g. the call of a handler or a move.
[ "$(grep -Ec '^ +\| [0-9a-f]{8,}  (mov|call|add|cmp|jmp|jb|jne|nop|xor|movzx|and|or|lea)\b' "$out")" -ge 3 ] ||
  fail "fewer than 3 host instructions in the right column"
timeout 120 "$x86vm" --deterministic --engine interp --debug-script "$script" >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: interp run exited with $rc"; cat "$err"; exit 1; }
grep -q '^no translation: the machine runs in the interpreter' "$out" || fail "interp: no 'no translation'"
grep -q '^block ' "$out" && fail "interp: a block was listed"
echo "PASS: the JIT view shows guest beside host code; none under the interpreter"
