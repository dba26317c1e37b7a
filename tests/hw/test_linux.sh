#!/bin/sh
# test_linux.sh — boot Debian's 32-bit kernel with a busybox initramfs
# directly (--kernel/--initrd), headless on COM1, to a shell; run uname -a,
# /proc/cpuinfo and /proc/interrupts and check the output (timer interrupts
# counting on the PIC, RTC date set).  Slow (minutes under the interpreter):
# runs only with X86VM_SLOW_TESTS=1.  Packages come from Debian's archive
# through apt-get download (the i386 architecture must be enabled:
# dpkg --add-architecture i386 && apt-get update).
# Usage: test_linux.sh path/to/x86vm cache-dir
X86VM=$1
CACHE=$2
if [ "$X86VM_SLOW_TESTS" != 1 ]; then
  echo "SKIP: set X86VM_SLOW_TESTS=1 to boot Linux (takes minutes)"
  exit 77
fi
mkdir -p "$CACHE" && cd "$CACHE" || exit 1
if [ ! -f kernel/vmlinuz ]; then
  pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null | grep -o 'linux-image-[0-9][^ ]*-686' | head -n 1)
  if [ -z "$pkg" ] || ! apt-get download "$pkg:i386" >/dev/null 2>&1; then
    echo "SKIP: cannot download linux-image-686:i386 (enable i386 in dpkg and apt-get update)"
    exit 77
  fi
  rm -rf kx && dpkg-deb -x "$pkg"_*_i386.deb kx && mkdir -p kernel && cp kx/boot/vmlinuz-* kernel/vmlinuz || exit 1
fi
if [ ! -f initrd.gz ]; then
  if ! apt-get download busybox-static:i386 >/dev/null 2>&1; then
    echo "SKIP: cannot download busybox-static:i386"
    exit 77
  fi
  rm -rf bb ir && dpkg-deb -x busybox-static_*_i386.deb bb && mkdir -p ir/bin ir/proc ir/sys ir/dev &&
    cp bb/bin/busybox ir/bin/ || exit 1
  cat >ir/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "x86vm initramfs shell"
exec sh
INIT
  chmod +x ir/init
  (cd ir && find . | cpio -o -H newc 2>/dev/null | gzip -9) >initrd.gz || exit 1
fi

start=$(date +%s)
"$X86VM" --headless --kernel kernel/vmlinuz --initrd initrd.gz --append "console=ttyS0" --timeout 1500 \
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
