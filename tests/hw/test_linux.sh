#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux.sh — boot Debian's 32-bit kernel with a busybox initramfs
# directly (--kernel/--initrd), headless on COM1, to a shell; run uname -a,
# /proc/cpuinfo and /proc/interrupts and check the output (timer interrupts
# counting on the PIC, RTC date set).  Slow (minutes under the interpreter):
# runs only with X86VM_SLOW_TESTS=1.  Packages come from Debian's archive
# through apt-get download (the i386 architecture must be enabled:
# dpkg --add-architecture i386 && apt-get update).
# Usage: test_linux.sh path/to/x86vm cache-dir [engine]  (kernel and busybox: linux_common.sh)
X86VM=$1
CACHE=$2
ENGINE=${3:-}   # optional: interp (default), jit, lockstep
. "$(dirname "$0")/linux_common.sh"
linux_shell_setup "$CACHE"

# cryptomgr.notests: the crypto self-tests (big-number DH/RSA) are half of
# the boot's instructions and test nothing of the machine.
start=$(date +%s)
"$X86VM" --headless ${ENGINE:+--engine "$ENGINE"} --kernel kernel/vmlinuz --initrd initrd.gz --append "console=ttyS0 cryptomgr.notests" --timeout 1500 \
  --expect "initramfs shell" --expect "# " \
  --send "uname -a; grep -c processor /proc/cpuinfo; grep 'model name' /proc/cpuinfo; cat /proc/interrupts; date; echo END-OF-TEST\n" \
  --expect "END-OF-TEST" --expect "# " </dev/null >linux.out 2>linux.err
st=$?
end=$(date +%s)
fail=0
check() { if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
check "status $st (want 0, console script complete)" $([ $st = 0 ]; echo $?)
check "uname -a" $(grep -q "^Linux (none) .* i686 GNU/Linux" linux.out; echo $?)
check "/proc/cpuinfo" $(grep -q "^model name" linux.out; echo $?)
check "timer interrupts counting on the PIC" $(grep -Eq "^ +0: +[0-9]{3,} +XT-PIC.*timer" linux.out; echo $?)
check "serial IRQ 4" $(grep -Eq "^ +4: +[0-9]+ +XT-PIC.*ttyS0" linux.out; echo $?)
check "RTC date set" $(grep -q "rtc_cmos rtc_cmos: setting system clock to $(date -u +%Y)" linux.out; echo $?)
check "8042 keyboard and mouse ports" $(grep -q "serio: i8042 AUX port at 0x60,0x64 irq 12" linux.out; echo $?)
check "16550A detected" $(grep -q "ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A" linux.out; echo $?)
echo "Linux boot to shell + commands: $((end - start)) s; $(tail -n 1 linux.err)"
[ $fail = 0 ] || { tail -n 40 linux.out; exit 1; }
