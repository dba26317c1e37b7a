#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# linux_poweroff_loop.sh — boot Debian's kernel N times to an /init that
# ends in `poweroff -f` (after `sleep 1`, so the CPU idles tickless first)
# and count how many runs ended with x86vm status 0.  Not a ctest: a soak
# to run by hand, e.g. before and after a change to the run loop or the
# clock.  Each run that fails keeps its console and stderr in OUTDIR.
# Usage: linux_poweroff_loop.sh path/to/x86vm cache-dir N [engine] [outdir]
#   (engine: jit by default; cache-dir as for test_linux.sh)
X86VM=$1
CACHE=$2
N=${3:-10}
ENGINE=${4:-jit}
OUT=${5:-/tmp/x86vm-poweroff-loop}
[ -n "$X86VM" ] && [ -n "$CACHE" ] || { echo "usage: $0 x86vm cache-dir [N] [engine] [outdir]" >&2; exit 2; }
case $X86VM in /*) ;; *) X86VM=$(pwd)/$X86VM ;; esac
. "$(dirname "$0")/linux_common.sh"
linux_fetch "$CACHE" || exit $?
linux_initrd "$CACHE" poweroff.gz <<'INIT' || exit 1
echo "POWEROFF-TEST clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
sleep 1
poweroff -f
INIT
mkdir -p "$OUT" || exit 1
cd "$CACHE" || exit 1
ok=0
i=1
while [ $i -le "$N" ]; do
  s=$(date +%s.%N)
  "$X86VM" --headless --engine "$ENGINE" --kernel kernel/vmlinuz --initrd poweroff.gz \
    --append "console=ttyS0 cryptomgr.notests" --timeout 300 </dev/null >"$OUT/run.out" 2>"$OUT/run.err"
  st=$?
  e=$(date +%s.%N)
  cs=$(grep -a -o "POWEROFF-TEST clocksource=[a-z_-]*" "$OUT/run.out" | cut -d= -f2)
  mhz=$(grep -a -o "tsc: Detected [0-9.]* MHz" "$OUT/run.out" | cut -d' ' -f3)
  printf 'run %d: status %d, %.1f s, TSC %s MHz, clocksource %s: %s\n' "$i" "$st" "$(echo "$e - $s" | bc)" \
    "${mhz:-?}" "${cs:-?}" \
    "$(tail -n 1 "$OUT/run.err")"
  if [ $st = 0 ]; then
    ok=$((ok + 1))
  else
    mv "$OUT/run.out" "$OUT/fail-$i.out"
    mv "$OUT/run.err" "$OUT/fail-$i.err"
  fi
  i=$((i + 1))
done
echo "$ok of $N runs ended with status 0 ($ENGINE)"
[ $ok = "$N" ]
