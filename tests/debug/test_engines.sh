#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_engines.sh X86VM SCRIPT — the default guest under the debugger gives the
# same transcript (registers after runs at full speed and after steps) with
# --engine interp and --engine jit (skipped when the build has no JIT).
set -u
x86vm=$1 script=$2
a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
timeout 120 "$x86vm" --deterministic --engine interp --debug-script "$script" >"$a" 2>/dev/null || {
  echo "FAIL: interp run exited with $?"; tail "$a"; exit 1; }
timeout 120 "$x86vm" --deterministic --engine jit --debug-script "$script" >"$b" 2>/tmp/x86vm-engines-err.$$
rc=$?
if grep -q "no JIT" /tmp/x86vm-engines-err.$$; then rm -f /tmp/x86vm-engines-err.$$; exit 77; fi
rm -f /tmp/x86vm-engines-err.$$
[ $rc -eq 0 ] || { echo "FAIL: jit run exited with $rc"; tail "$b"; exit 1; }
# The runs really ran: 200 and 40 steps printed, three full-speed stops.
[ "$(grep -c '^\[[0-9]*\] ' "$a")" -eq 240 ] || { echo "FAIL: expected 240 step lines"; exit 1; }
grep -q '^breakpoint 2: port OUT 03F8h' "$a" || { echo "FAIL: no stop at the COM1 write"; exit 1; }
if ! diff -u "$a" "$b"; then
  echo "FAIL: interp and jit transcripts differ"
  exit 1
fi
echo "PASS: interp and jit agree ($(wc -l <"$a") lines)"
