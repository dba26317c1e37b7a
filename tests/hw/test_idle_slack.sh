#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_idle_slack.sh — --idle-slack in real time, per engine.  The guest
# (idle_slack.asm) halts between 1000 Hz timer ticks and exits after 2000.
# With --idle-slack 0 the host wakes up for (about) every tick; with the
# default 10 ms the ticks due by a late wake-up run together, so the host
# waits (ppoll calls, counted by strace) must fall at least fourfold, while
# every tick still arrives (the guest counts 2000 and exits, status 35) and
# virtual time neither runs ahead of the host (the run takes at least 2 s)
# nor falls behind it by more than a few slacks (under 6 s on a busy host).
# Usage: test_idle_slack.sh path/to/x86vm dir-with-idle_slack.bin engine...
X86VM=$1
DIR=$2
shift 2
command -v strace >/dev/null || { echo "SKIP: no strace (scripts/deps.sh)"; exit 77; }
# LeakSanitizer cannot run under ptrace (the sanitizer build): strace's
# runs go without it.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
T=$(mktemp -d /tmp/x86vm-slack-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
for e in "$@"; do
  for slack in 0 10; do
    start=$(date +%s%N)
    strace -f -qq -c -e trace=ppoll -o "$T/st" "$X86VM" --headless --bios "$DIR/idle_slack.bin" \
      --engine "$e" --idle-slack "$slack" --serial null --timeout 30 </dev/null >/dev/null 2>"$T/err"
    st=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    n=$(awk '$NF == "ppoll" { print $4 }' "$T/st")
    echo "$e, --idle-slack $slack: status $st after $ms ms, $n host waits"
    eval "waits_$slack=\${n:-0}"
    if [ $st != 35 ] || [ "$ms" -lt 2000 ] || [ "$ms" -gt 6000 ]; then
      echo "FAIL: want status 35 (2000 ticks) after 2 to 6 s"; cat "$T/err"
      fail=$((fail + 1))
    fi
  done
  if [ "$waits_0" -lt 1000 ] || [ $((waits_10 * 4)) -gt "$waits_0" ]; then
    echo "FAIL: want at least 1000 waits without slack and four times fewer with it"
    fail=$((fail + 1))
  fi
done
[ $fail = 0 ]
