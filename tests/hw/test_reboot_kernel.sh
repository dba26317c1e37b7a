#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_reboot_kernel.sh — a guest's reset boots the --kernel again, as it
# was loaded (reboot_kernel.asm): the kernel resets the machine once, and
# must come back with its own image restored (status 35, "12" on port E9h),
# not fall through to the BIOS's disk boot (which would time out: 124) nor
# run on with its memory as the first boot left it (status 37).  Per
# machine (isa, pc) and engine.
# Usage: test_reboot_kernel.sh path/to/x86vm dir-with-reboot_kernel.bin engine...
X86VM=$1
DIR=$2
shift 2
fail=0
for mach in isa pc; do
  for e in "$@"; do
    out=$("$X86VM" --headless --machine "$mach" --engine "$e" --kernel "$DIR/reboot_kernel.bin" \
      --debugcon stderr --serial null --timeout 20 </dev/null 2>&1)
    st=$?
    echo "$mach $e: status $st: $(echo "$out" | tail -n 1)"
    if [ $st != 35 ] || [ "$(echo "$out" | head -c 2)" != 12 ]; then
      echo "FAIL: want status 35 after \"12\" (two boots of the kernel as loaded)"
      fail=$((fail + 1))
    fi
  done
done
[ $fail = 0 ]
