#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_replay.sh — deterministic mode and snapshots on a whole Linux
# boot: Debian's kernel (--kernel, busybox initramfs, console on COM1) runs
# to a shell and a typed command line once without a break (A); then the
# same boot is stopped part-way (virtual 10 s: the kernel has printed its
# first 11 KB on COM1, the first ~9.5 s being the bzImage's decompressor)
# and saved, and a new process restores it and runs on (B); and the B
# snapshot is restored, stopped at virtual 10.85 s (near user space) and
# saved again, and a third process finishes it (C).  The whole run is
# about 11 virtual s.  The serial output of B and C, pieces
# put together, must equal A's byte for byte, and every run must end at
# the same instruction count.  Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_replay.sh path/to/x86vm cache-dir
X86VM=$1
CACHE=$2
. "$(dirname "$0")/linux_common.sh"
linux_shell_setup "$CACHE"
T=$(mktemp -d /tmp/x86vm-replay-XXXXXX)
trap 'rm -rf "$T"' EXIT

boot() { "$X86VM" --headless --deterministic --kernel kernel/vmlinuz --initrd initrd.gz \
  --append "console=ttyS0 cryptomgr.notests" "$@" </dev/null; }
script() { "$@" --expect "initramfs shell" --expect "# " \
  --send "uname -a; cat /proc/interrupts; date; echo END-OF-TEST\n" --expect END-OF-TEST --expect "# " \
  </dev/null; }
start=$(date +%s)
script boot --timeout 120 >"$T/A.out" 2>"$T/A.err"
stA=$?
boot --timeout 10 --save "$T/B.snap" >"$T/B1.out" 2>"$T/B1.err"
stB1=$?
script "$X86VM" --deterministic --restore "$T/B.snap" --timeout 120 >"$T/B2.out" 2>"$T/B2.err"
stB2=$?
"$X86VM" --deterministic --restore "$T/B.snap" --timeout 0.85 --save "$T/C.snap" </dev/null >"$T/C1.out" 2>"$T/C1.err"
stC1=$?
script "$X86VM" --deterministic --restore "$T/C.snap" --timeout 120 >"$T/C2.out" 2>"$T/C2.err"
stC2=$?
end=$(date +%s)

fail=0
check() { if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
check "uninterrupted run: status $stA (want 0)" $([ $stA = 0 ]; echo $?)
check "uninterrupted run reached the shell and ran the command" $(grep -q "^Linux (none) .* i686 GNU/Linux" "$T/A.out"; echo $?)
check "first half: status $stB1 (want 124, timeout)" $([ $stB1 = 124 ]; echo $?)
check "first part stopped inside the kernel, after its first messages" $(grep -q "initramfs shell" "$T/B1.out"; [ $? = 1 ] && grep -q "Linux version" "$T/B1.out"; echo $?)
check "second part ended before the shell" $(grep -q "initramfs shell" "$T/C1.out"; [ $? = 1 ] && [ -s "$T/C1.out" ]; echo $?)
check "restored run: status $stB2 (want 0)" $([ $stB2 = 0 ]; echo $?)
check "restored, saved again: status $stC1 (want 124)" $([ $stC1 = 124 ]; echo $?)
check "restored twice: status $stC2 (want 0)" $([ $stC2 = 0 ]; echo $?)
cat "$T/B1.out" "$T/B2.out" >"$T/B.out"
cat "$T/B1.out" "$T/C1.out" "$T/C2.out" >"$T/C.out"
check "saved at 10 s and restored: serial output identical to the uninterrupted run" $(cmp "$T/A.out" "$T/B.out" >&2; echo $?)
check "saved at 10 s and 10.85 s: serial output identical to the uninterrupted run" $(cmp "$T/A.out" "$T/C.out" >&2; echo $?)
check "same final instruction count (B)" $([ "$(tail -n 1 "$T/A.err")" = "$(tail -n 1 "$T/B2.err")" ]; echo $?)
check "same final instruction count (C)" $([ "$(tail -n 1 "$T/A.err")" = "$(tail -n 1 "$T/C2.err")" ]; echo $?)
echo "Linux save/restore replay: $((end - start)) s for five runs; A: $(tail -n 1 "$T/A.err"); first part: $(tail -n 1 "$T/B1.err"); snapshot $(wc -c <"$T/B.snap") bytes"
[ $fail = 0 ] || { for f in A B1 B2 C1 C2; do echo "--- $f ---"; tail -n 3 "$T/$f.err"; done; exit 1; }
