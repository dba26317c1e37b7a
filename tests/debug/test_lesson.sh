#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_lesson.sh X86VM ROMDIR LESSON GOLDEN — docs/DEBUGGER.md's first lesson
# is this test: the default guest under --debug-script LESSON in
# deterministic mode, its transcript (stdout) compared with GOLDEN.
# With X86VM_UPDATE_GOLDEN=1 the transcript replaces GOLDEN instead (after a
# change to the BIOS or the guest moves addresses: read the diff first).
set -u
x86vm=$1 lesson=$3 golden=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 120 "$x86vm" --deterministic --debug-script "$lesson" >"$out" 2>/dev/null
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: x86vm exited with $rc"
  tail -20 "$out"
  exit 1
fi
if [ "${X86VM_UPDATE_GOLDEN:-0}" = 1 ]; then
  cp "$out" "$golden"
  echo "updated $golden"
  exit 0
fi
if ! diff -u "$golden" "$out"; then
  echo "FAIL: the transcript differs from $golden"
  exit 1
fi
# The lesson's claims hold in the transcript (so a golden updated without
# reading it still cannot drop them).
grep -q '^breakpoint 1 hit' "$out" || { echo "FAIL: no stop at 0000:7C00"; exit 1; }
[ "$(grep -c '^\[[0-9]*\] ' "$out")" -ge 23 ] || { echo "FAIL: fewer than 23 explained steps"; exit 1; }
grep -q '^watchpoint [0-9]*: 4 bytes changed' "$out" || { echo "FAIL: the tick-count watchpoint did not fire"; exit 1; }
grep -q '^  ZF=\|^  IF=' "$out" || { echo "FAIL: no flag explanations"; exit 1; }
echo "PASS: lesson transcript matches ($(wc -l <"$golden") lines)"
