#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_apic.sh — Debian's 32-bit kernel on --machine pc (local APIC +
# I/O APIC, described by the ACPI MADT and our BIOS's MP table), under each
# engine given (default: interp): /init prints the kernel's APIC lines and
# /proc/interrupts twice, 2 s apart, then powers off.  Checked: the
# I/O APIC ("IOAPIC[0]: apic_id 1, version 17, address 0xfec00000,
# GSI 0-23"), symmetric I/O mode, the PIT timer and COM1 as IO-APIC lines,
# "LOC:" local timer interrupts counting between the two listings, and exit
# status 0.  Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_apic.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp" "$@"
linux_initrd "$CACHE" apic.gz <<'INIT' || exit 1
echo "APIC-DMESG"
dmesg | grep -E "IOAPIC|APIC:|Enabling APIC|TIMER"
echo "APIC-IRQ1"
cat /proc/interrupts
sleep 2
echo "APIC-IRQ2"
cat /proc/interrupts
poweroff -f
INIT
cd "$CACHE" || exit 1
T=$(mktemp -d /tmp/x86vm-apic-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
for e in $ENGINES; do
  "$X86VM" --headless --machine pc --engine "$e" --kernel kernel/vmlinuz --initrd apic.gz \
    --append "console=ttyS0 cryptomgr.notests" --timeout 1500 </dev/null >"$T/$e.out" 2>"$T/$e.err"
  st=$?
  ok=1
  bad() { echo "FAIL ($e): $1"; ok=0; }
  [ "$st" = 0 ] || bad "exit status $st (want 0): $(tail -n 1 "$T/$e.err")"
  grep -aq "IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23" "$T/$e.out" ||
    bad "no I/O APIC line (MADT)"
  grep -aq "APIC: Switch to symmetric I/O mode setup" "$T/$e.out" || bad "not in symmetric I/O mode"
  # Counts of a /proc/interrupts row in listing 1 and 2.
  count() { sed -n "/^APIC-IRQ$2/,/^APIC-IRQ$(($2 + 1))\|^\[/p" "$T/$e.out" | grep -a -E "$1" | head -n 1 | awk '{print $2}'; }
  grep -aEq "^ +0: +[0-9]+ +IO-APIC +2-edge +timer" "$T/$e.out" || bad "PIT timer not on I/O APIC pin 2"
  grep -aEq "^ +4: +[0-9]+ +IO-APIC +4-edge +ttyS0" "$T/$e.out" || bad "COM1 not on I/O APIC pin 4"
  l1=$(count "^LOC:" 1)
  l2=$(count "^LOC:" 2)
  [ -n "$l1" ] && [ -n "$l2" ] && [ "$l2" -gt "$l1" ] || bad "LOC: local timer interrupts not counting ($l1 -> $l2)"
  echo "$e: status $st; LOC $l1 -> $l2 over 2 s of sleep; $(tail -n 1 "$T/$e.err")"
  [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 60 "$T/$e.out"; }
done
[ $fail = 0 ]
