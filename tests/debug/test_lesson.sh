#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_lesson.sh X86VM IMAGE|ROMDIR LESSON GOLDEN — a lesson of
# docs/DEBUGGER.md is a test: LESSON runs under --debug-script in
# deterministic mode (on the floppy IMAGE, or on the default guest when given
# a directory), and its transcript (stdout) must equal GOLDEN.  Lines of
# LESSON of the form "#! REGEX" are claims the lesson makes: each must match
# a line of the transcript (grep -E), so a golden updated without reading it
# still cannot drop them.  With X86VM_UPDATE_GOLDEN=1 the transcript
# replaces GOLDEN instead (after a change to the BIOS or a guest moves
# addresses: read the diff first).
set -u
x86vm=$1 image=$2 lesson=$3 golden=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ -f "$image" ]; then
  timeout 120 "$x86vm" --deterministic --fda "$image" --debug-script "$lesson" >"$out" 2>/dev/null
else
  timeout 120 "$x86vm" --deterministic --debug-script "$lesson" >"$out" 2>/dev/null
fi
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
fail=0
if ! diff -u "$golden" "$out"; then
  echo "FAIL: the transcript differs from $golden"
  fail=1
fi
claims=0
while IFS= read -r line; do
  case "$line" in
  '#! '*)
    re=${line#'#! '}
    claims=$((claims + 1))
    grep -Eq -- "$re" "$out" || { echo "FAIL: no transcript line matches: $re"; fail=1; }
    ;;
  esac
done <"$lesson"
[ $fail -eq 0 ] || exit 1
echo "PASS: $(basename "$lesson"): transcript matches ($(wc -l <"$golden") lines), $claims claims hold"
