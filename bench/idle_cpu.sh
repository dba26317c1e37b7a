#!/bin/sh
# idle_cpu.sh — host CPU an idle guest costs in a window: x86vm's SDL2
# window and qemu-system-i386's SDL window side by side, the same guest (our
# default guest at its prompt: HLT between timer ticks, a clock redrawn each
# second, a blinking cursor) under Xvfb, CPU time of every thread of the
# process (user + system, /proc/PID/stat) over SECONDS after a warm-up.
# Prints each as a percentage of one host core and the ratio.  Runs each
# RUNS times and reports medians (the machine is noisy).
# GUEST linux instead boots Debian's i386 kernel to a busybox shell on the
# VGA console (fetched as the Linux tests do, tests/hw/linux_common.sh) and
# measures it idle at the prompt (tickless: the CPU halts between timers).
# Usage: bench/idle_cpu.sh [BUILD_DIR] [SECONDS] [RUNS] [GUEST]
#        (defaults: build 30 3 default; GUEST is default or linux)
# Needs Xvfb; QEMU is skipped if qemu-system-i386 is missing.
BUILD=${1:-build}
SECS=${2:-30}
RUNS=${3:-3}
GUEST=${4:-default}
X86VM=$BUILD/src/x86vm
ROMS=$BUILD/roms
command -v Xvfb >/dev/null || { echo "idle_cpu: Xvfb is not installed (scripts/deps.sh)"; exit 1; }
[ -x "$X86VM" ] || { echo "idle_cpu: $X86VM not built"; exit 1; }
T=$(mktemp -d /tmp/x86vm-idle-XXXXXX)
Xvfb -displayfd 3 -screen 0 1600x1200x24 -nolisten tcp 3>"$T/dpy" 2>/dev/null &
XPID=$!
trap 'kill $XPID 2>/dev/null; rm -rf "$T"' EXIT
while [ ! -s "$T/dpy" ]; do sleep 0.1; done
export DISPLAY=:$(cat "$T/dpy") SDL_AUDIODRIVER=dummy
unset WAYLAND_DISPLAY
hz=$(getconf CLK_TCK)
WARM=5
case $GUEST in
default)
  X_ARGS="--fda $ROMS/default-guest.img"
  Q_ARGS="-bios $ROMS/bios.bin -drive file=$ROMS/default-guest.img,if=floppy,format=raw,readonly=on" ;;
linux)
  CACHE=$BUILD/linux-i386
  . "$(dirname "$0")/../tests/hw/linux_common.sh"
  linux_fetch "$CACHE" || exit 1
  linux_initrd "$CACHE" idle-initrd.gz <<'INIT' || exit 1
echo "x86vm idle shell"
exec sh
INIT
  K="$CACHE/kernel/vmlinuz" I="$CACHE/idle-initrd.gz" A="console=tty0 quiet"
  X_ARGS="--kernel $K --initrd $I --mem 256"
  Q_ARGS="-kernel $K -initrd $I -m 256"
  WARM=40 ;; # the boot, then the shell's prompt
*) echo "idle_cpu: GUEST is default or linux"; exit 1 ;;
esac

# cpu_pct CMD...: run CMD, wait WARM s, measure SECS, print % of a core.
cpu_pct() {
  "$@" </dev/null >/dev/null 2>&1 &
  pid=$!
  sleep "$WARM"
  a=$(awk '{print $14 + $15}' /proc/$pid/stat)
  sleep "$SECS"
  b=$(awk '{print $14 + $15}' /proc/$pid/stat)
  kill $pid 2>/dev/null
  wait $pid 2>/dev/null
  echo "$a $b" | awk -v hz="$hz" -v s="$SECS" '{printf "%.2f\n", ($2 - $1) * 100 / hz / s}'
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

: >"$T/x"; : >"$T/q"
for i in $(seq "$RUNS"); do
  # shellcheck disable=SC2086
  if [ "$GUEST" = linux ]; then
    cpu_pct "$X86VM" $X_ARGS --append "$A" --no-audio >>"$T/x"
  else
    cpu_pct "$X86VM" $X_ARGS --no-audio >>"$T/x"
  fi
  if command -v qemu-system-i386 >/dev/null; then
    if [ "$GUEST" = linux ]; then
      cpu_pct qemu-system-i386 -display sdl $Q_ARGS -append "$A" -serial null -monitor none -audiodev none,id=n0 >>"$T/q"
    else
      cpu_pct qemu-system-i386 -display sdl $Q_ARGS -m 128 -serial null -monitor none -audiodev none,id=n0 >>"$T/q"
    fi
  fi
done
x=$(median <"$T/x")
echo "idle $GUEST guest in a window, % of one host core over $SECS s, median of $RUNS (Xvfb):"
echo "  x86vm (SDL2 window): $x   runs: $(tr '\n' ' ' <"$T/x")"
if [ -s "$T/q" ]; then
  q=$(median <"$T/q")
  echo "  qemu-system-i386 -display sdl: $q   runs: $(tr '\n' ' ' <"$T/q")"
  echo "$x $q" | awk '{printf "  x86vm / qemu: %.2f   (goal for x86vm: under 3%%)\n", $1 / $2}'
fi
