#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_pci.sh — Debian's 32-bit kernel on --machine pc with a small
# hard-disk image (--hda): the kernel finds the PCI bus through
# configuration mechanism #1 and /init lists /sys/bus/pci/devices, loads
# ata_piix and the disk drivers (modules from the kernel's package, in the
# initramfs), reads the whole disk with dd and prints its checksum.
# Checked: 0000:00:00.0 8086:1237, 00:01.0 8086:7000, 00:01.1 8086:7010,
# 00:01.3 8086:7113 and 00:02.0 1234:1111 with their classes; the VGA's BAR0 where our BIOS
# put it; ata_piix setting the disk to a DMA mode (XFER_MW_DMA_2 in
# /sys/class/ata_device: the PIIX3 has no Ultra DMA) with the bus-master
# BAR in use;
# the guest's checksum equal to the image's; IRQ 14 counting; exit 0.
# Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_pci.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp" "$@"
# The disk drivers are modules in Debian's kernel, in load order.
MODS="scsi_common scsi_mod libata ata_piix crct10dif_common crct10dif_generic crc-t10dif crc64
      crc64-rocksoft t10-pi sd_mod"
T=$(mktemp -d /tmp/x86vm-pci-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/mod"
for m in $MODS; do
  f=$(find "$CACHE/kx/lib/modules" -name "$m.ko" | head -n 1)
  [ -n "$f" ] || { echo "FAIL: module $m not in the kernel package"; exit 1; }
  cp "$f" "$T/mod/"
done
{
  cat <<'INIT'
echo "PCI-DEVICES"
for d in /sys/bus/pci/devices/*; do
  echo "PCIDEV $(basename "$d") $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/class")"
done
echo "VGA-RESOURCE $(head -n 1 /sys/bus/pci/devices/0000:00:02.0/resource)"
INIT
  echo "for m in $(echo $MODS); do insmod /mod/\$m.ko || echo \"INSMOD-FAIL \$m\"; done"
  cat <<'INIT'
i=0
while [ ! -b /dev/sda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "SDA-MD5 $(dd if=/dev/sda bs=64k 2>/dev/null | md5sum)"
for d in /sys/class/ata_device/*; do echo "ATA-XFER $(basename "$d") $(cat "$d/xfer_mode")"; done
echo "PCI-DMESG"
dmesg | grep -E "ata[0-9]|ata_piix|scsi|sd 0:"
echo "PCI-IRQ"
cat /proc/interrupts
grep -i "piix\|ata" /proc/ioports
poweroff -f
INIT
} >"$T/init.tail"
# linux_initrd builds from its directory: add the modules to it after.
linux_initrd "$CACHE" pci.gz <"$T/init.tail" || exit 1
dir="$CACHE/ir-pci.gz"
mkdir -p "$dir/mod" && cp "$T/mod/"*.ko "$dir/mod/" &&
  (cd "$dir" && chmod -R u+rwX,go+rX,go-w . && find . -exec touch -h -d @0 {} + &&
    find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible 2>/dev/null | gzip -9 -n) \
    >"$CACHE/pci.gz" || exit 1
# A 4 MiB disk of pseudo-random bytes (the same on every run).
i=0
while [ $i -lt 4096 ]; do echo "x86vm pci disk line $i"; i=$((i + 1)); done | gzip -c -n -1 |
  head -c 4194304 >"$T/disk.img"
truncate -s 4M "$T/disk.img"
want=$(md5sum <"$T/disk.img" | cut -d' ' -f1)
cd "$CACHE" || exit 1
fail=0
for e in $ENGINES; do
  "$X86VM" --headless --machine pc --engine "$e" --kernel kernel/vmlinuz --initrd pci.gz \
    --hda "$T/disk.img" --snapshot --append "console=ttyS0 cryptomgr.notests" --timeout 1500 \
    </dev/null >"$T/$e.out" 2>"$T/$e.err"
  st=$?
  ok=1
  bad() { echo "FAIL ($e): $1"; ok=0; }
  [ "$st" = 0 ] || bad "exit status $st (want 0): $(tail -n 1 "$T/$e.err")"
  for want_dev in "0000:00:00.0 0x8086 0x1237 0x060000" "0000:00:01.0 0x8086 0x7000 0x060100" \
                  "0000:00:01.1 0x8086 0x7010 0x010180" "0000:00:01.3 0x8086 0x7113 0x068000" \
                  "0000:00:02.0 0x1234 0x1111 0x030000"; do
    grep -aq "^PCIDEV $want_dev" "$T/$e.out" || bad "no PCI device '$want_dev'"
  done
  grep -aEq "^VGA-RESOURCE 0x0*e0000000 0x0*e0ffffff 0x" "$T/$e.out" || bad "VGA BAR0 not at E0000000h"
  grep -aq "INSMOD-FAIL" "$T/$e.out" && bad "$(grep -a INSMOD-FAIL "$T/$e.out" | tr '\n' ' ')"
  grep -aq "^ATA-XFER dev1.0 XFER_MW_DMA_2" "$T/$e.out" || bad "ata_piix did not put the disk in a DMA mode"
  grep -aEq "bmdma 0x[0-9a-f]+ irq 14" "$T/$e.out" || bad "no bus-master DMA base on the primary channel"
  grep -aq "^SDA-MD5 $want" "$T/$e.out" || bad "disk read differs from the image (want $want)"
  grep -aEq "^ +14: +[1-9][0-9]* .*ata_piix" "$T/$e.out" || bad "IRQ 14 (ata_piix) not counting"
  echo "$e: status $st; $(grep -a -m 1 "^ATA-XFER" "$T/$e.out"); $(tail -n 1 "$T/$e.err")"
  [ $ok = 1 ] || { fail=$((fail + 1)); tail -n 80 "$T/$e.out"; }
done
[ $fail = 0 ]
