#!/bin/sh
# bench/reverse.sh [X86VM] — reverse execution's costs on the default guest
# (--deterministic, --engine jit): instructions/s of `run N` without the
# checkpoint ring (--reverse-mem 0) and with it (default interval), and the
# latency of a reverse-step back over D instructions (a checkpoint every
# million: a restore, then a replay of up to a million).  Medians of 3.
unset DISPLAY WAYLAND_DISPLAY
x86vm=${1:-build/src/x86vm}
N=${N:-20000000}
t=$(mktemp)
trap 'rm -f "$t"' EXIT
median() { sort -n | sed -n 2p; }
secs() { # secs MIB SCRIPT...: wall seconds of one debugger session
  mib=$1; shift
  printf '%s\n' "$@" >"$t"
  s=$(date +%s.%N)
  "$x86vm" --deterministic --engine jit --reverse-mem "$mib" --debug-script "$t" >/dev/null 2>&1
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}
for mib in 0 256; do
  m=$(for i in 1 2 3; do secs $mib "run $N"; done | median)
  echo "run $N, --reverse-mem $mib: $m s, $(echo "$N / $m / 1000000" | bc -l | cut -c1-5) M instructions/s"
done
# Five reverse-steps of D from instruction 3000000 in one session, less the
# session without them, over five.
base=$(for i in 1 2 3; do secs 256 "run 3000000"; done | median)
for d in 1 1000 100000 500000; do
  with=$(for i in 1 2 3; do secs 256 "run 3000000" "rs $d" "rs $d" "rs $d" "rs $d" "rs $d"; done | median)
  echo "reverse-step $d: $(echo "($with - $base) * 1000 / 5" | bc -l | cut -c1-6) ms"
done
