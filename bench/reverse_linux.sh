#!/bin/sh
# bench/reverse_linux.sh [X86VM] [CACHE] — reverse execution over 10^6
# instructions of a Linux boot (Debian's i386 kernel, found or downloaded
# into CACHE by tests/hw/linux_common.sh): forward from instruction 2.5e9
# (inside the kernel) recording `info state` every 1000th instruction, the
# one before, and a window of 3000 consecutive ones; then back over all of
# it with reverse-steps (rs 1 to each point before a sample, rs 999 to the
# sample before, rs 1 through the window), comparing every state with the
# forward run.  Prints the instructions covered, states compared,
# mismatches (must be 0), the single reverse-step latency (median, p99:
# wall clock and the process's CPU time) with the default ring, and the
# ring's size and checkpoints.  COUNT, SAMPLE, WINDOW, START, ENGINE in the
# environment change the run.  Takes about half an hour on a shared host
# (most of it hashing 144 MiB for every state).
unset DISPLAY WAYLAND_DISPLAY
x86vm=${1:-build/src/x86vm}
cache=${2:-build/linux-i386}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/tests/hw/linux_common.sh"
linux_fetch "$cache" || exit $?
linux_initrd "$cache" poweroff.gz <<'INIT' || exit 1
poweroff -f
INIT
exec python3 "$here/tests/hw/reverse_linux.py" "$x86vm" "$cache/kernel/vmlinuz" "$cache/poweroff.gz" \
  --engine "${ENGINE:-jit}" --start "${START:-2500000000}" --count "${COUNT:-1000000}" \
  --sample "${SAMPLE:-1000}" --window "${WINDOW:-3000}"
