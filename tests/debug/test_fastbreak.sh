#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_fastbreak.sh X86VM SCRIPT — execution breakpoints at full speed.
# SCRIPT (fastbreak.dbg) runs on the default guest three times: stepped
# (a watchpoint makes every continue step and check each instruction: the
# reference), and at full speed with --engine interp and --engine jit.  The
# three transcripts must agree (stops at the same instruction counts, same
# registers), the full-speed runs must have stepped almost nothing (the
# debugger's own count, "info debugger"), and the JIT must have translated.
# The int 13h handler's address comes from a first run with `bint 0x13`, so
# that a physical breakpoint in ROM can be checked against an interrupt stop.
set -u
x86vm=$1 script=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { # ENGINE SCRIPT OUT
  timeout 120 "$x86vm" --deterministic --engine "$1" --jit-stats --debug-script "$2" >"$3" 2>"$3.err"
}
printf 'b 0000:7C00\nc\ndelete 1\nbint 0x13\nc\nc\nc\nquit\n' >"$dir/int13.dbg"
run interp "$dir/int13.dbg" "$dir/int13" || { echo "FAIL: int 13h run exited with $?"; exit 1; }
h=$(sed -n 's/.*interrupt delivered after [0-9]* instructions; handler at F000:\([0-9A-F]*\)$/\1/p' "$dir/int13" | head -1)
[ -n "$h" ] || { echo "FAIL: no int 13h handler found"; cat "$dir/int13"; exit 1; }
lin=$(printf '%X' $((0xF0000 + 0x$h)))
sed -e 's/^@MODE@$/watch 0x80000 4/' -e "s/@H@/$lin/" "$script" >"$dir/stepped.dbg"
sed -e 's/^@MODE@$/bio 0x5ff/' -e "s/@H@/$lin/" "$script" >"$dir/fast.dbg"
run interp "$dir/stepped.dbg" "$dir/ref" || { echo "FAIL: stepped run exited with $?"; tail "$dir/ref"; exit 1; }
run interp "$dir/fast.dbg" "$dir/interp" || { echo "FAIL: interp run exited with $?"; tail "$dir/interp"; exit 1; }
run jit "$dir/fast.dbg" "$dir/jit"
rc=$?
if grep -q "no JIT" "$dir/jit.err"; then jit=no; else
  jit=yes
  [ $rc -eq 0 ] || { echo "FAIL: jit run exited with $rc"; tail "$dir/jit"; exit 1; }
fi
fail=0
# The breakpoint stops: the ROM breakpoints where the interrupt stops were.
grep '^breakpoint 2:' "$dir/int13" | sed 's/: interrupt delivered\( after [0-9]* instructions\).*/\1/' |
  sed 's/^breakpoint 2/B/' >"$dir/int13.stops"
grep '^breakpoint [45] hit' "$dir/interp" | sed 's/^breakpoint [45] hit/B/' >"$dir/rom.stops"
if ! diff -u "$dir/int13.stops" "$dir/rom.stops"; then
  echo "FAIL: ROM breakpoints did not stop where int 13h was delivered"; fail=1; fi
[ "$(grep -c '^breakpoint [0-9]* hit after' "$dir/interp")" -eq 11 ] || {
  echo "FAIL: expected 11 breakpoint stops"; cat "$dir/interp"; fail=1; }
grep -q '^2 on  exec 07C0:4, hit 0 times$' "$dir/interp" || { echo "FAIL: 07C0:0004 was hit"; fail=1; }
# Stepped and full speed agree but for the first breakpoint and the counts.
filter() { grep -v '^(dbg) watch 0x80000 4$\|^(dbg) bio 0x5ff$\|^1 on \|^debugger:\|^(dbg) info debugger\|^watchpoint 1\|^breakpoint 1 set' "$1"; }
filter "$dir/ref" >"$dir/ref.f"
filter "$dir/interp" >"$dir/interp.f"
if ! diff -u "$dir/ref.f" "$dir/interp.f"; then echo "FAIL: stepped and full-speed runs differ"; fail=1; fi
# The reference really stepped, the full-speed run did not: only the
# instruction at each breakpoint it left (7 continues and a run) is stepped.
count() { sed -n "s/^debugger: \([0-9]*\) instructions stepped, \([0-9]*\) run at full speed$/\\$2/p" "$1"; }
rs=$(count "$dir/ref" 1) is=$(count "$dir/interp" 1) if_=$(count "$dir/interp" 2)
echo "stepped run: $rs stepped; full speed: $is stepped, $if_ at full speed"
[ -n "$rs" ] && [ "$rs" -gt 60000 ] || { echo "FAIL: the reference run did not step"; fail=1; }
[ -n "$is" ] && [ "$is" -le 8 ] && [ "$if_" -gt 60000 ] || { echo "FAIL: the full-speed run stepped"; fail=1; }
if [ $jit = yes ]; then
  if ! diff -u "$dir/interp" "$dir/jit"; then echo "FAIL: interp and jit transcripts differ"; fail=1; fi
  t=$(sed -n 's/^jit: \([0-9]*\) translations.*/\1/p' "$dir/jit.err")
  echo "jit: $t translations"
  [ -n "$t" ] && [ "$t" -ge 100 ] || { echo "FAIL: the JIT translated little or nothing"; fail=1; }
fi
[ $fail -eq 0 ] && echo "PASS: breakpoints at full speed stop where stepping does (jit: $jit)"
exit $fail
