#!/bin/sh
# debug_cost.sh — what execution breakpoints cost under the debugger.  The
# interpreter benchmark guest (build/bench/bench.img, bench/bench.asm: 32-bit
# integer loops, ~335M instructions, interrupts off) runs to its exit under a
# debugger script (--deterministic: the same instructions every time) with:
#   idle     the debugger attached, no breakpoint: `c` at full speed;
#   bp-cold  an execution breakpoint on a page no code runs from: armed, the
#            engines still run everything in blocks and translations;
#   bp-hot   one on the page of the hot loops (at a data byte, never hit):
#            that page runs one instruction at a time, each offered to the
#            debugger;
#   stepped  a watchpoint: the debugger steps and checks every instruction,
#            as every execution breakpoint did before; INSNS/40 of them
#            (`run`), or it takes minutes.
# Prints instructions/s (median of RUNS) and the ratio to idle, for the
# interpreter and the JIT.  A benchmark, not a test.
# Usage: bench/debug_cost.sh [BUILD_DIR] [RUNS] [STEPPED_INSNS]   (build 3 5000000)
unset DISPLAY WAYLAND_DISPLAY
BUILD=${1:-build}
RUNS=${2:-3}
NSTEP=${3:-5000000}
X86VM=$BUILD/src/x86vm
IMG=$BUILD/bench/bench.img
[ -x "$X86VM" ] || { echo "debug_cost: $X86VM not built"; exit 1; }
[ -f "$IMG" ] || { echo "debug_cost: $IMG not built (target bench_images)"; exit 1; }
T=$(mktemp -d /tmp/x86vm-dbgcost-XXXXXX)
trap 'rm -rf "$T"' EXIT
# bench.asm's loops are at 7EE6h-7FFFh (page 7000h); boot_drive, a data
# byte, is at 7C5Ah on that page; nothing runs from page 0 (the IVT).
script() { # NAME SETUP RUN
  { printf '%b' "$2"; printf '%s\ninfo debugger\nquit\n' "$3"; } >"$T/$1.dbg"
}
script idle '' c
script bp-cold 'b *0x100\n' c
script bp-hot 'b *0x7c5a\n' c
script stepped 'watch 0x80000 4\n' "run $NSTEP"
# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-8s %-7s %12s %9s %9s %8s\n' mode engine instructions seconds MIPS "x idle"
for engine in interp jit; do
  idle_rate=
  for mode in idle bp-cold bp-hot stepped; do
    times=
    for r in $(seq "$RUNS"); do
      s=$(date +%s.%N)
      "$X86VM" --deterministic --engine $engine --fda "$IMG" --debug-script "$T/$mode.dbg" >"$T/out" 2>"$T/err"
      e=$(date +%s.%N)
      if grep -q 'no JIT' "$T/err"; then echo "(no JIT in this build)"; break 2; fi
      n=$(sed -n 's/^debugger: \([0-9]*\) instructions stepped, \([0-9]*\) run at full speed$/\1 \2/p' "$T/out" |
          awk '{print $1 + $2}')
      [ -n "$n" ] || { echo "debug_cost: $mode/$engine printed no count"; cat "$T/out" "$T/err"; exit 1; }
      times="$times $(echo "$e - $s" | bc -l)"
    done
    t=$(median $times)
    rate=$(echo "$n / $t" | bc -l)
    [ -z "$idle_rate" ] && idle_rate=$rate
    printf '%-8s %-7s %12s %9.3f %9.1f %8.3f\n' $mode $engine $n "$t" "$(echo "$rate / 1000000" | bc -l)" \
      "$(echo "$rate / $idle_rate" | bc -l)"
  done
done
