#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_watchdog.sh — the no-progress watchdog (machine_run, src/hw/pc.c) in
# real-time mode, per engine: a CPU halted with interrupts on and nothing
# to wake it (watchdog_idle.bin) runs until --timeout (status 124); one
# that waits halted for the host to catch up with virtual time run 4 s
# ahead (watchdog_ahead.bin with --ns-per-insn 50: 10^8 instructions are
# 5 virtual s) finishes (status 35); and an exception loop that retires no
# instruction (watchdog_loop.bin) ends with "the CPU made no progress"
# (status 6) after 2 s.
# Usage: test_watchdog.sh path/to/x86vm dir-with-watchdog_{idle,loop}.bin engine...
X86VM=$1
DIR=$2
shift 2
fail=0
for e in "$@"; do
  for t in "idle 4 1 124 timeout after" "ahead 60 50 35 guest exit code 35" \
    "loop 30 1 6 the CPU made no progress (exception loop at f000:"; do
    set -- $t
    rom=$1 timeout=$2 npi=$3 want=$4
    shift 4
    msg=$*
    [ "$rom $e" = "ahead lockstep" ] && continue # 10^8 instructions: a minute of lockstep
    start=$(date +%s)
    err=$("$X86VM" --headless --bios "$DIR/watchdog_$rom.bin" --engine "$e" --timeout "$timeout" \
      --ns-per-insn "$npi" </dev/null 2>&1 >/dev/null)
    st=$?
    echo "$rom $e: status $st after $(($(date +%s) - start)) s: $(echo "$err" | tail -n 1)"
    if [ $st != "$want" ] || ! echo "$err" | grep -qF "$msg"; then
      echo "FAIL: want status $want and \"$msg\""
      fail=$((fail + 1))
    fi
  done
done
[ $fail = 0 ]
