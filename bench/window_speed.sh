#!/bin/sh
# window_speed.sh — does the window slow emulation down?  The benchmark guest
# (build/bench/bench.img: an integer workload that exits through port F4h)
# run headless and in the SDL2 window (under Xvfb), RUNS times each,
# alternating; prints the median wall seconds of each and the ratio
# (goal: the window within 5 % of headless).
# Usage: bench/window_speed.sh [BUILD_DIR] [RUNS] [ENGINE]   (defaults: build 5 jit)
BUILD=${1:-build}
RUNS=${2:-5}
ENGINE=${3:-jit}
X86VM=$BUILD/src/x86vm
IMG=$BUILD/bench/bench.img
[ -x "$X86VM" ] && [ -f "$IMG" ] || { echo "window_speed: build $X86VM and $IMG first"; exit 1; }
command -v Xvfb >/dev/null || { echo "window_speed: Xvfb is not installed (scripts/deps.sh)"; exit 1; }
T=$(mktemp -d /tmp/x86vm-wspeed-XXXXXX)
Xvfb -displayfd 3 -screen 0 1600x1200x24 -nolisten tcp 3>"$T/dpy" 2>/dev/null &
XPID=$!
trap 'kill $XPID 2>/dev/null; rm -rf "$T"' EXIT
while [ ! -s "$T/dpy" ]; do sleep 0.1; done
DPY=:$(cat "$T/dpy")

run() { # run headless|window -> wall seconds
  t0=$(date +%s.%N)
  if [ "$1" = window ]; then
    DISPLAY=$DPY SDL_AUDIODRIVER=dummy "$X86VM" --display sdl --no-audio --engine "$ENGINE" --fda "$IMG" \
      --timeout 600 </dev/null >/dev/null 2>"$T/err"
  else
    "$X86VM" --headless --serial null --engine "$ENGINE" --fda "$IMG" --timeout 600 </dev/null >/dev/null 2>"$T/err"
  fi
  st=$?
  t1=$(date +%s.%N)
  [ $((st & 1)) = 1 ] || { echo "window_speed: $1 run ended with status $st: $(tail -n 1 "$T/err")" >&2; exit 1; }
  echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
: >"$T/h"; : >"$T/w"
for i in $(seq "$RUNS"); do
  run headless >>"$T/h" || exit 1
  run window >>"$T/w" || exit 1
done
h=$(median <"$T/h"); w=$(median <"$T/w")
echo "bench.img, --engine $ENGINE, median of $RUNS wall-clock runs:"
echo "  headless: $h s   ($(tr '\n' ' ' <"$T/h"))"
echo "  window:   $w s   ($(tr '\n' ' ' <"$T/w"))"
echo "$w $h" | awk '{printf "  window / headless: %.3f   (goal <= 1.05)\n", $1 / $2}'
