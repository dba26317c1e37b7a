#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_reverse.sh — reverse execution over a stretch of a Linux boot:
# Debian's i386 kernel under the line-mode debugger with recording on
# (default ring), 200000 instructions from instruction 2.5e9 (inside the
# kernel) run forward recording the machine's fingerprint every 1000th
# instruction, the one before, and a window of 2000 consecutive ones; then
# reverse-stepped back over all of them (reverse_linux.py): every state must
# equal the forward run's.  Per engine given (default: jit).  Slow:
# X86VM_SLOW_TESTS=1 only.  bench/reverse_linux.sh runs 10^6 and reports
# the latency.
# Usage: test_linux_reverse.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
linux_test_args "jit" "$@"
linux_initrd "$CACHE" poweroff.gz <<'INIT' || exit 1
poweroff -f
INIT
fail=0
for e in $ENGINES; do
  python3 "$HERE/reverse_linux.py" "$X86VM" "$CACHE/kernel/vmlinuz" "$CACHE/poweroff.gz" --engine "$e" \
    --start 2500000000 --count 200000 --sample 1000 --window 2000 || fail=1
done
exit $fail
