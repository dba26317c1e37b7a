#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_acpi.sh — Debian's 32-bit kernel on --machine pc with ACPI,
# under each engine given (default: interp).  /init hands over to busybox
# init, whose sysinit script prints the kernel's ACPI lines and the
# clocksources, then runs `poweroff` (no -f: init's shutdown, then the
# kernel's power-off, which on ACPI writes SLP_TYP/SLP_EN for \_S5).
# Checked: the RSDP and the tables found (no "A valid RSDP was not found"),
# the MADT's I/O APIC and SCI override, the SCI on IRQ 9, acpi_pm among the
# available clocksources, and the run ending "powered off" with status 0
# (not "halted": that is the kernel's fallback without ACPI).  Then a
# second boot whose script runs `reboot`: the kernel resets the machine
# through the FADT's reset register (ACPI is its first reboot method) and
# our BIOS runs again and boots the same kernel (its second banner).
# Between them a boot with `noapic`: the DSDT's PIC-mode _PRT and its
# interrupt links LNKA-D (the PIIX3's PIRQ registers, as our BIOS set
# them) configure IRQs 10, 10, 11, 11; the SCI is an XT-PIC line; no AML
# errors in either boot.
# Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_acpi.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp" "$@"
# $1: image name, $2: the command that ends the script (poweroff or reboot)
make_initrd() {
  linux_initrd "$CACHE" "$1" <<INIT
mkdir -p /etc
cat >/stage.sh <<'STAGE'
echo "ACPI-DMESG"
dmesg | grep -E "ACPI|RSDP|clocksource|IOAPIC"
echo "ACPI-CLOCKSOURCES \$(cat /sys/devices/system/clocksource/clocksource0/available_clocksource)"
grep -E "acpi|^ *9:" /proc/interrupts
echo "ACPI-STAGE-END"
$2
STAGE
printf '::sysinit:/bin/sh /stage.sh\n::shutdown:/bin/echo ACPI-SHUTDOWN\n' >/etc/inittab
exec /bin/init
INIT
}
make_initrd acpi-off.gz poweroff || exit 1
make_initrd acpi-reboot.gz reboot || exit 1
cd "$CACHE" || exit 1
T=$(mktemp -d /tmp/x86vm-acpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
for e in $ENGINES; do
  ok=1
  bad() { echo "FAIL ($e): $1"; ok=0; }
  "$X86VM" --headless --machine pc --engine "$e" --kernel kernel/vmlinuz --initrd acpi-off.gz \
    --append "console=ttyS0 cryptomgr.notests" --timeout 1500 </dev/null >"$T/$e.out" 2>"$T/$e.err"
  st=$?
  [ "$st" = 0 ] || bad "exit status $st (want 0): $(tail -n 1 "$T/$e.err")"
  tail -n 1 "$T/$e.err" | grep -q "powered off" || bad "the run did not end powered off: $(tail -n 1 "$T/$e.err")"
  grep -aq "A valid RSDP was not found" "$T/$e.out" && bad "the kernel found no RSDP"
  grep -aEq "ACPI: RSDP 0x0*F[0-9A-F]{4} 000014 \(v00 X86VM \)" "$T/$e.out" || bad "no RSDP line"
  # (the console shows the log once, and the script's dmesg again)
  [ "$(sed -n '/^ACPI-DMESG/,/^ACPI-CLOCKSOURCES/p' "$T/$e.out" | grep -ac "ACPI: FACS 0x")" = 1 ] ||
    bad "the FACS is not listed once"
  for t in RSDT FACP DSDT FACS APIC; do
    grep -aEq "ACPI: $t 0x[0-9A-F]+ [0-9A-F]+" "$T/$e.out" || bad "no $t table listed"
  done
  grep -aq "IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23" "$T/$e.out" ||
    bad "no I/O APIC from the MADT"
  grep -aq "ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)" "$T/$e.out" || bad "no IRQ0 override"
  grep -aq "ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)" "$T/$e.out" || bad "no SCI override"
  grep -aEq "^ +9: +[0-9]+ +IO-APIC +9-fasteoi +acpi" "$T/$e.out" || bad "the SCI is not IRQ 9 level on the I/O APIC"
  grep -aE "^ACPI-CLOCKSOURCES .*acpi_pm" "$T/$e.out" >/dev/null || bad "acpi_pm is not an available clocksource"
  grep -aq "ACPI-SHUTDOWN" "$T/$e.out" || bad "busybox init's shutdown did not run"
  echo "$e poweroff: status $st; $(grep -a "^ACPI-CLOCKSOURCES" "$T/$e.out"); $(tail -n 1 "$T/$e.err")"
  [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 80 "$T/$e.out"; continue; }

  # noapic: ACPI routes PCI interrupts through the 8259s, by the DSDT's
  # PIC-mode _PRT and its interrupt links on the PIIX3's PIRQ registers,
  # which our BIOS steered to IRQ 10, 10, 11, 11.
  "$X86VM" --headless --machine pc --engine "$e" --kernel kernel/vmlinuz --initrd acpi-off.gz \
    --append "console=ttyS0 cryptomgr.notests noapic" --timeout 1500 </dev/null >"$T/$e.pic.out" 2>"$T/$e.pic.err"
  st=$?
  [ "$st" = 0 ] || bad "noapic: exit status $st (want 0): $(tail -n 1 "$T/$e.pic.err")"
  tail -n 1 "$T/$e.pic.err" | grep -q "powered off" || bad "noapic: the run did not end powered off"
  grep -aq "ACPI: Using PIC for interrupt routing" "$T/$e.pic.out" || bad "noapic: not routing through the 8259s"
  for l in A:10 B:10 C:11 D:11; do
    grep -aq "ACPI: PCI: Interrupt link LNK${l%:*} configured for IRQ ${l#*:}" "$T/$e.pic.out" ||
      bad "noapic: link LNK${l%:*} not configured for IRQ ${l#*:}"
  done
  grep -aEq "^ +9: +[0-9]+ +XT-PIC +acpi" "$T/$e.pic.out" || bad "noapic: the SCI is not IRQ 9 on the 8259s"
  grep -aEi "ACPI (Error|Exception)|AE_" "$T/$e.pic.out" "$T/$e.out" && bad "the AML interpreter complained"
  echo "$e noapic: status $st; $(grep -ac "ACPI: PCI: Interrupt link" "$T/$e.pic.out") links configured; $(tail -n 1 "$T/$e.pic.err")"
  [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 80 "$T/$e.pic.out"; continue; }

  # reboot: the kernel's restart resets the machine: our BIOS's POST runs
  # again, and boots the same --kernel again (the reset puts its images
  # back, src/hw/bootimg.c): the second boot's banner ends the run.
  "$X86VM" --headless --machine pc --engine "$e" --kernel kernel/vmlinuz --initrd acpi-reboot.gz \
    --append "console=ttyS0 cryptomgr.notests" --timeout 1500 \
    --expect "reboot: machine restart" --expect "x86vm BIOS" --expect "Linux version" \
    </dev/null >"$T/$e.rb.out" 2>"$T/$e.rb.err"
  st=$?
  [ "$st" = 0 ] || bad "reboot: exit status $st (want 0): $(tail -n 1 "$T/$e.rb.err")"
  tail -n 1 "$T/$e.rb.err" | grep -q "console script complete" || bad "reboot: the kernel did not start again"
  n=$(grep -ac "x86vm BIOS" "$T/$e.rb.out")
  [ "$n" = 2 ] || bad "reboot: $n BIOS banners (want 2)"
  k=$(grep -ac "Linux version" "$T/$e.rb.out")
  [ "$k" = 2 ] || bad "reboot: $k kernel banners (want 2)"
  echo "$e reboot: status $st, $n BIOS banners, $k kernel banners; $(tail -n 1 "$T/$e.rb.err")"
  [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 80 "$T/$e.rb.out"; }
done
[ $fail = 0 ]
