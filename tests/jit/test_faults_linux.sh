#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_faults_linux.sh — precise faults on a real workload (jit_faults_linux.c):
# page faults injected at sampled data accesses of Debian's i386 kernel
# booting, and of a busybox shell running a command line, must reach the
# guest's #PF handler with the same state under the JIT as under the
# interpreter.  Slow: runs only with X86VM_SLOW_TESTS=1; the kernel and
# busybox come from Debian's i386 archive (tests/hw/linux_common.sh).
# Usage: test_faults_linux.sh path/to/jit_faults_linux bios.bin cache-dir [driver options]
DRIVER=$1
BIOS=$2
CACHE=$3
shift 3
. "$(dirname "$0")/../hw/linux_common.sh"
linux_shell_setup "$CACHE"
echo "initrd.gz: $(md5sum <initrd.gz)"
exec "$DRIVER" --bios "$BIOS" --kernel kernel/vmlinuz --initrd initrd.gz "$@"
