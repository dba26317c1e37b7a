#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_acpi_seabios.sh — Debian's 32-bit kernel on --machine pc under
# SeaBIOS (Debian's /usr/share/seabios/bios.bin with the PCI build of
# SeaVGABIOS), booted from a raw disk image by syslinux (linux_disk in
# linux_common.sh), console on COM1.  SeaBIOS finds the PIIX4 PM function
# (8086:7113 at 00:01.3), programs its PMBA (B000h) and PMREGMISC, and
# builds its own ACPI tables (RSDP, RSDT, FACP, DSDT, FACS, SSDT, APIC)
# with the PM block's ports; this checks that the kernel takes them: its
# "ACPI: RSDP" line names SeaBIOS's OEM ID (BOCHS), the I/O APIC comes
# from the MADT with the IRQ0 and SCI overrides, the FADT's PM blocks are
# where SeaBIOS put PMBA (and Linux's PIIX4 quirk reads the same PMBA),
# the DSDT's interrupt links LNKA-D (on the PIIX3's PIRQ route registers)
# and LNKS are configured, the SCI, the PIT and COM1 are IO-APIC lines in
# /proc/interrupts, acpi_pm is a clocksource, and busybox init's
# `poweroff` (no -f) ends the run "powered off", status 0.  Then the same
# with `noapic`: ACPI routes through the 8259s (XT-PIC lines).
# Runs under each engine given (default: interp).
# Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_acpi_seabios.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp" "$@"
BIOS=/usr/share/seabios/bios.bin
VGABIOS=/usr/share/seabios/vgabios-stdvga.bin
for f in "$BIOS" "$VGABIOS"; do
  [ -f "$f" ] || { echo "SKIP: $f not installed (package seabios)"; exit 77; }
done
linux_disk_tools || exit $?
linux_initrd "$CACHE" acpi-seabios.gz <<'INIT' || exit 1
mkdir -p /etc
cat >/stage.sh <<'STAGE'
echo "ACPI-DMESG"
dmesg | grep -E "ACPI|RSDP|clocksource|IOAPIC|PCI: Using|Interrupt Link|PCI Interrupt"
echo "ACPI-CLOCKSOURCES $(cat /sys/devices/system/clocksource/clocksource0/available_clocksource)"
echo "ACPI-IRQ"
cat /proc/interrupts
echo "ACPI-IOPORTS"
grep -i "acpi\|pm1\|pm_tmr\|gpe" /proc/ioports
echo "ACPI-STAGE-END"
poweroff
STAGE
printf '::sysinit:/bin/sh /stage.sh\n::shutdown:/bin/echo ACPI-SHUTDOWN\n' >/etc/inittab
exec /bin/init
INIT
T=$(mktemp -d /tmp/x86vm-acpisb-XXXXXX)
trap 'rm -rf "$T"' EXIT
linux_disk "$T/apic.img" "$CACHE/kernel/vmlinuz" "$CACHE/acpi-seabios.gz" "console=ttyS0 cryptomgr.notests" &&
  linux_disk "$T/pic.img" "$CACHE/kernel/vmlinuz" "$CACHE/acpi-seabios.gz" "console=ttyS0 cryptomgr.notests noapic" ||
  { echo "FAIL: making the disk images"; exit 1; }
fail=0
for e in $ENGINES; do
  for mode in apic pic; do
    ok=1
    bad() { echo "FAIL ($e, $mode): $1"; ok=0; }
    o=$T/$e.$mode.out
    "$X86VM" --headless --machine pc --engine "$e" --bios "$BIOS" --vga-bios "$VGABIOS" \
      --hda "$T/$mode.img" --snapshot --timeout 1500 </dev/null >"$o" 2>"$T/$e.$mode.err"
    st=$?
    last=$(tail -n 1 "$T/$e.$mode.err")
    [ "$st" = 0 ] || bad "exit status $st (want 0): $last"
    echo "$last" | grep -q "powered off" || bad "the run did not end powered off: $last"
    grep -aq "A valid RSDP was not found" "$o" && bad "the kernel found no RSDP"
    grep -aEq "ACPI: RSDP 0x0*F[0-9A-F]{4} 000014 \(v00 BOCHS \)" "$o" || bad "no RSDP line from SeaBIOS"
    for t in RSDT FACP DSDT FACS APIC; do
      grep -aEq "ACPI: $t 0x[0-9A-F]+ [0-9A-F]+" "$o" || bad "no $t table listed"
    done
    # SeaBIOS's MADT names its I/O APIC ID 0 (ours says 1; Linux takes either).
    grep -aq "IOAPIC\[0\]: apic_id 0, version 17, address 0xfec00000, GSI 0-23" "$o" ||
      bad "no I/O APIC from the MADT"
    grep -aE "^ACPI-CLOCKSOURCES .*acpi_pm" "$o" >/dev/null || bad "acpi_pm is not an available clocksource"
    # The PM block where SeaBIOS put PMBA: B000h (it moves it to 600h only
    # when QEMU hands it tables through fw_cfg), GPE0 at AFE0h.
    grep -aq "ACPI: PM-Timer IO Port: 0xb008" "$o" || bad "the FADT's PM timer is not at B008h"
    grep -aq "quirk: \[io  0xb000-0xb03f\] claimed by PIIX4 ACPI" "$o" || bad "PMBA is not B000h"
    grep -aEq "^ +b000-b003 : ACPI PM1a_EVT_BLK" "$o" || bad "the PM1a event block is not at B000h"
    grep -aEq "^ +b004-b005 : ACPI PM1a_CNT_BLK" "$o" || bad "the PM1a control block is not at B004h"
    grep -aEq "^ *afe0-afe3 : ACPI GPE0_BLK" "$o" || bad "GPE0 is not at AFE0h"
    for l in A B C D; do # SeaBIOS's DSDT: links on PIIX3 60h-63h, as it steered them
      grep -aEq "ACPI: PCI: Interrupt link LNK$l configured for IRQ 1[01]" "$o" || bad "link LNK$l not configured"
    done
    grep -aq "ACPI: PCI: Interrupt link LNKS configured for IRQ 9" "$o" || bad "the SCI link is not IRQ 9"
    grep -aq "ACPI-SHUTDOWN" "$o" || bad "busybox init's shutdown did not run"
    if [ $mode = apic ]; then
      grep -aq "ACPI: Using IOAPIC for interrupt routing" "$o" || bad "not routing through the I/O APIC"
      grep -aq "ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)" "$o" || bad "no IRQ0 override"
      grep -aq "ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)" "$o" || bad "no SCI override"
      grep -aEq "^ +9: +[0-9]+ +IO-APIC +9-fasteoi +acpi" "$o" || bad "the SCI is not IRQ 9 level on the I/O APIC"
      grep -aEq "^ +0: +[0-9]+ +IO-APIC +2-edge +timer" "$o" || bad "the PIT is not on I/O APIC pin 2"
      grep -aEq "^ +4: +[0-9]+ +IO-APIC +4-edge +ttyS0" "$o" || bad "COM1 is not on I/O APIC pin 4"
    else
      grep -aq "ACPI: Using PIC for interrupt routing" "$o" || bad "not routing through the 8259s"
      grep -aEq "^ +9: +[0-9]+ +XT-PIC +acpi" "$o" || bad "the SCI is not IRQ 9 on the 8259s"
      grep -aEq "^ +0: +[0-9]+ +XT-PIC +timer" "$o" || bad "the PIT is not on the 8259s"
    fi
    echo "$e $mode: status $st; $(grep -a "^ACPI-CLOCKSOURCES" "$o"); $last"
    [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 100 "$o"; }
  done
done
[ $fail = 0 ]
