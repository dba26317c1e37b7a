#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_sleep.sh — an idle Linux guest keeps real time and ends
# cleanly: Debian's kernel (--kernel, busybox initramfs, console on COM1)
# runs /init = `sleep 5; poweroff -f` under each engine given (default:
# interp jit): the CPU idles in HLT with interrupts on between timer
# ticks.  Checked per engine: the sleep takes 5 s of host wall time within
# 10 % (timestamps taken on the host as the console lines arrive), and
# x86vm exits with status 0 ("halted with interrupts off" after poweroff
# -f), not "the CPU made no progress".  Under lockstep the boot (about
# 2·10⁹ instructions, an hour at lockstep's speed) runs under the JIT up to
# a prompt that waits on the console, is saved (--save), and the sleep runs
# from that state restored under lockstep (--restore): both engines then
# run every block of the sleep, its timer interrupts and the poweroff.
# Reported: the TSC frequency the
# kernel calibrated and its clocksource (the TSC, unless its watchdog,
# the jiffies-based PIT clocksource, lost ticks while the host descheduled
# us and marked it unstable).  Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_sleep.sh path/to/x86vm cache-dir [engine...]
#   SLEEP_SECS=60 for a longer sleep (default 5; the tolerance stays 10 %)
#   MACHINE=pc to run on --machine pc (the local APIC timer wakes the idle CPU)
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp jit" "$@"
S=${SLEEP_SECS:-5}
case $S in '' | *[!0-9]*) echo "SLEEP_SECS: a whole number of seconds"; exit 2 ;; esac
linux_initrd "$CACHE" sleep$S.gz <<INIT || exit 1
echo "SLEEP-READY"
read -r go
echo "SLEEP-START clocksource=\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
sleep $S
echo "SLEEP-END"
poweroff -f
INIT
cd "$CACHE" || exit 1
T=$(mktemp -d /tmp/x86vm-sleep-XXXXXX)
trap 'rm -rf "$T"' EXIT

# Console lines on stdin; each marker line is echoed with the host time (s.ns) first.
stamp() {
  while IFS= read -r line; do
    case $line in
    SLEEP-*) echo "$(date +%s.%N) $line" ;;
    *) echo "$line" ;;
    esac
  done
}

fail=0
APPEND="console=ttyS0 cryptomgr.notests"
for e in $ENGINES; do
  if [ "$e" = lockstep ]; then
    # The boot under the JIT, saved at the prompt; the sleep under lockstep.
    "$X86VM" --headless --engine jit ${MACHINE:+--machine "$MACHINE"} --kernel kernel/vmlinuz \
      --initrd sleep$S.gz --append "$APPEND" --timeout 300 --expect SLEEP-READY \
      --save "$T/ready.state" </dev/null >"$T/boot.out" 2>"$T/boot.err" ||
      { echo "FAIL (lockstep): the boot under the JIT did not reach the prompt: $(tail -n 1 "$T/boot.err")"
        fail=$((fail + 1)); continue; }
    set -- --restore "$T/ready.state"
  else
    set -- --kernel kernel/vmlinuz --initrd sleep$S.gz --append "$APPEND" --expect SLEEP-READY
  fi
  { "$X86VM" --headless --engine "$e" ${MACHINE:+--machine "$MACHINE"} "$@" --send '\n' --timeout 900 \
      </dev/null 2>"$T/$e.err"
    echo $? >"$T/$e.st"; } | stamp >"$T/$e.out"
  st=$(cat "$T/$e.st")
  t0=$(grep -a " SLEEP-START" "$T/$e.out" | cut -d' ' -f1)
  t1=$(grep -a " SLEEP-END" "$T/$e.out" | cut -d' ' -f1)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { if (a == "" || b == "") print "none"; else printf "%.3f", b - a }')
  ok=1
  [ "$st" = 0 ] || { echo "FAIL ($e): exit status $st (want 0): $(tail -n 1 "$T/$e.err")"; ok=0; }
  awk -v w="$wall" -v s="$S" 'BEGIN { exit !(w != "none" && w >= s * 0.9 && w <= s * 1.1) }' ||
    { echo "FAIL ($e): sleep $S took $wall s of wall time (want within 10 %)"; ok=0; }
  cs=$(grep -a -o "SLEEP-START clocksource=[a-z_-]*" "$T/$e.out" | cut -d= -f2)
  mhz=$(grep -a -o "tsc: Detected [0-9.]* MHz" "$T/$e.out" | cut -d' ' -f3)
  echo "$e: sleep $S took $wall s wall; TSC $mhz MHz, clocksource $cs; status $st; $(tail -n 1 "$T/$e.err")"
  [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 20 "$T/$e.out"; }
done
[ $fail = 0 ]
