#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_memtest_clock.sh — Debian's memtest86+ (its ISO, through our BIOS)
# calibrates its clock from the TSC against the PIT; with the TSC on virtual
# time its "Time:" field must follow the wall clock under the JIT: read from
# two screen dumps 60 s apart, within 2 % (60 +- 1.2 s; the field counts
# whole seconds).  Slow (X86VM_SLOW_TESTS=1): it runs for a minute.
# Usage: test_memtest_clock.sh path/to/x86vm [engine]
X86VM=$1
ENGINE=${2:-jit}
[ "${X86VM_SLOW_TESTS:-0}" = 1 ] || { echo "SKIP: slow test (set X86VM_SLOW_TESTS=1)"; exit 77; }
T=$(mktemp -d /tmp/x86vm-mtclk-XXXXXX)
trap 'rm -rf "$T"' EXIT
(cd "$T" && apt-get download memtest86+ >/dev/null 2>&1) && dpkg-deb -x "$T"/memtest86+_*.deb "$T/x" &&
  [ -f "$T/x/usr/lib/memtest86+/memtest86+ia32.iso" ] || { echo "SKIP: apt-get download memtest86+ failed"; exit 77; }
"$X86VM" --headless --engine "$ENGINE" --timeout 120 --mem 64 "$T/x/usr/lib/memtest86+/memtest86+ia32.iso" \
  --serial null --wait 5 --screendump "$T/a.txt" --wait 60 --screendump "$T/b.txt" </dev/null 2>"$T/err"
st=$?
secs() { sed -n 's/.*Time: *\([0-9]*\):\([0-9]*\):\([0-9]*\).*/\1 \2 \3/p' "$1" | head -n 1 | awk '{print $1 * 3600 + $2 * 60 + $3}'; }
a=$(secs "$T/a.txt"); b=$(secs "$T/b.txt")
clk=$(grep -o "CLK/Temp: *[0-9]*MHz" "$T/b.txt" | head -n 1)
echo "memtest86+ ($ENGINE): Time $a s -> $b s over 60 s of wall time; $clk"
if [ $st != 0 ] || [ -z "$a" ] || [ -z "$b" ]; then
  echo "FAIL: status $st, no Time field read"; tail -n 2 "$T/err"; cat "$T/b.txt"; exit 1
fi
d=$((b - a))
[ $d -ge 59 ] && [ $d -le 61 ] || { echo "FAIL: memtest86+'s clock moved $d s in 60 s"; exit 1; }
echo "ok: within 2 %"
