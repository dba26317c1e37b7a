#!/bin/sh
# test_dr_snapshot.sh — a data breakpoint keeps trapping after --restore
# (dr_snapshot.asm): a first run is stopped half-way with --save, a second
# process finishes it from the snapshot, and the guest checks that every
# one of its writes to the watched dword trapped.  Once per engine.
# Usage: test_dr_snapshot.sh X86VM KERNEL ENGINE...
unset DISPLAY WAYLAND_DISPLAY
X86VM=$1
KERNEL=$2
shift 2
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
for engine in "$@"; do
  # 0.006 virtual s at 4 ns per instruction: ~1.5 M of the ~3.6 M instructions
  "$X86VM" --engine $engine --deterministic --kernel "$KERNEL" --debugcon "file:$T/a.out" \
    --timeout 0.006 --save "$T/half.snap" </dev/null >/dev/null 2>"$T/a.err"
  "$X86VM" --engine $engine --deterministic --restore "$T/half.snap" --debugcon "file:$T/b.out" \
    --timeout 5 </dev/null >/dev/null 2>"$T/b.err"
  st=$?
  if [ -s "$T/a.out" ]; then
    echo "FAIL ($engine): the first run did not stop half-way: $(cat "$T/a.out")"; fail=1
  elif [ $st != 1 ] || [ "$(cat "$T/b.out")" != "DR OK" ]; then
    echo "FAIL ($engine): restored run: status $st, guest said: $(cat "$T/b.out" 2>/dev/null)"
    tail -n 3 "$T/a.err" "$T/b.err"; fail=1
  else
    echo "ok ($engine): $(tail -n 1 "$T/b.err")"
  fi
  rm -f "$T/a.out" "$T/b.out" "$T/half.snap"
done
exit $fail
