#!/bin/sh
# bench/reverse.sh [X86VM] — reverse execution's costs on the default guest
# (--deterministic, --engine jit): instructions/s of `run N` without the
# checkpoint ring (--record-mem 0) and with it (default interval), and the
# latency of a reverse-step back over D instructions (a checkpoint every
# million: a restore, then a replay of up to a million).  Medians of 3.
unset DISPLAY WAYLAND_DISPLAY
x86vm=${1:-build/src/x86vm}
N=${N:-20000000}
t=$(mktemp)
trap 'rm -f "$t"' EXIT
median() { sort -n | sed -n 2p; }
# CPU seconds (user + system) of one debugger session: on a shared host
# the wall clock measures the neighbours too.
secs() { # secs MIB SCRIPT...
  mib=$1; shift
  printf '%s\n' "$@" >"$t"
  /usr/bin/time -f "%U %S" -o "$t.time" \
    "$x86vm" --deterministic --engine jit --record-mem "$mib" --debug-script "$t" >/dev/null 2>&1
  awk '{ print $1 + $2 }' "$t.time"
  rm -f "$t.time"
}
for mib in 0 256; do
  m=$(for i in 1 2 3; do secs $mib "run $N"; done | median)
  echo "run $N, --record-mem $mib: $m s, $(echo "$N / $m / 1000000" | bc -l | cut -c1-5) M instructions/s"
done
# Twenty reverse-steps of D from instruction 12000000 in one session, less
# the session without them, over twenty.
K=20
base=$(for i in 1 2 3; do secs 256 "run 12000000"; done | median)
for d in 1 1000 100000 500000; do
  cmds=$(i=0; while [ $i -lt $K ]; do echo "rs $d"; i=$((i + 1)); done)
  with=$(for i in 1 2 3; do secs 256 "run 12000000" "$cmds"; done | median)
  echo "reverse-step $d: $(echo "($with - $base) * 1000 / $K" | bc -l | cut -c1-5) ms"
done
