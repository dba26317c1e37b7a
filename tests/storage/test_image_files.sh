#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_image_files.sh — how x86vm opens the files it is given: FIFOs,
# directories, devices and huge sparse files refused at once; truncated
# kernels refused by their headers; disk images locked against a second
# emulator and against being in two drives; snapshots that name their disks
# but open only those given, each checked against the identity recorded
# when saved (also for the monitor's loadvm); a corrupt floppy overlay
# refused with its reason.  Every refusal: one line naming the file, exit 2.
# Usage: test_image_files.sh path/to/x86vm
X86VM=$1
T=$(mktemp -d /tmp/x86vm-files-XXXXXX)
T=$(cd "$T" && pwd -P)
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
fail=0
n=0

# expect STATUS SUBSTRING args...: exit status, a single stderr line holding
# SUBSTRING, within 10 s (a refusal must never wait on anything).
expect() {
  want=$1; sub=$2; shift 2
  n=$((n + 1))
  timeout 10 "$X86VM" "$@" </dev/null >"$T/out" 2>"$T/err"
  got=$?
  lines=$(wc -l <"$T/err")
  if [ "$got" != "$want" ] || ! grep -qF -- "$sub" "$T/err" || [ "$lines" != 1 ]; then
    echo "FAIL: x86vm $* -> status $got (want $want), $lines stderr lines, want '$sub':"
    cat "$T/err"
    fail=$((fail + 1))
  fi
}
# run NAME STATUS args...: a run that must end with STATUS.
run() {
  name=$1; want=$2; shift 2
  n=$((n + 1))
  timeout 30 "$X86VM" "$@" </dev/null >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $name: x86vm $* -> status $got (want $want):"; cat "$T/err"; fail=$((fail + 1))
  fi
}
check() {
  n=$((n + 1))
  if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi
}
# wait_open PID FILE: until process PID has FILE open (it has locked it).
wait_open() {
  for _ in $(seq 100); do
    ls -l "/proc/$1/fd" 2>/dev/null | grep -qF -- "$2" && return 0
    sleep 0.1
  done
  return 1
}

python3 -c "
rom=bytearray(b'\xf4'*65536); rom[0xfff0:0xfff2]=b'\xeb\xfe'   # jmp \$: spins
open('$T/spin.rom','wb').write(rom)"
head -c 1474560 /dev/zero >"$T/fd.img"
head -c 4194304 /dev/zero >"$T/hd.img"
head -c 409600 /dev/zero >"$T/cd.iso"
mkfifo "$T/fifo"
truncate -s 5G "$T/huge"
truncate -s 3T "$T/huge.img"
truncate -s 20G "$T/huge.iso"
B="--bios $T/spin.rom --serial null"
# bzimage FILE SYSSIZE: the test_cli.sh kernel (exits with status 147), with
# syssize set to SYSSIZE paragraphs (-1: what its code needs).
bzimage() {
  python3 -c "
import struct
img = bytearray(1024)
img[0x1f1] = 1
img[0x1fe:0x200] = b'\x55\xaa'
img[0x200:0x202] = b'\xeb\x66'
img[0x202:0x206] = b'HdrS'
struct.pack_into('<H', img, 0x206, 0x020a)
img[0x211] = 0x01
struct.pack_into('<I', img, 0x214, 0x100000)
struct.pack_into('<I', img, 0x22c, 0x37ffffff)
struct.pack_into('<I', img, 0x238, 255)
struct.pack_into('<I', img, 0x260, 0x1000)
code = bytes([0x8a,0x86,0xe8,0x01,0,0, 0x02,0x86,0x1c,0x02,0,0, 0x8b,0x9e,0x28,0x02,0,0,
              0x02,0x03, 0xe6,0xf4, 0xf4]) + bytes(9)    # 32 bytes: 2 paragraphs
sys = $2 if $2 >= 0 else len(code) // 16
struct.pack_into('<I', img, 0x1f4, sys)
open('$1','wb').write(bytes(img) + code)"
}
bzimage "$T/bz" -1

# 1. Kinds and sizes, checked with fstat before anything is read.
start=$(date +%s)
expect 2 "--initrd $T/huge: too large: 5368709120 bytes, at most 134217728 (the RAM size; --mem)" \
  $B --kernel "$T/bz" --initrd "$T/huge" --append x
expect 2 "--kernel $T/huge: too large: 5368709120 bytes" $B --kernel "$T/huge"
expect 2 "--kernel $T/fifo: not a regular file (a FIFO)" $B --kernel "$T/fifo"
expect 2 "--initrd $T/fifo: not a regular file (a FIFO)" $B --kernel "$T/bz" --initrd "$T/fifo"
expect 2 "--kernel /dev/zero: not a regular file (a character device)" $B --kernel /dev/zero
expect 2 "--kernel $T: a directory" $B --kernel "$T"
expect 2 "--bios $T/fifo: not a regular file (a FIFO)" --bios "$T/fifo" --fda "$T/fd.img"
expect 2 "--bios /dev/zero: not a regular file" --bios /dev/zero --fda "$T/fd.img"
expect 2 "--bios $T/huge: too large" --bios "$T/huge" --fda "$T/fd.img"
expect 2 "--vga-bios $T/huge: too large: 5368709120 bytes, at most 65536" $B --vga-bios "$T/huge" --fda "$T/fd.img"
expect 2 "--vga-bios $T/fifo: not a regular file" $B --vga-bios "$T/fifo" --fda "$T/fd.img"
expect 2 "--restore $T/fifo: not a regular file (a FIFO)" $B --fda "$T/fd.img" --restore "$T/fifo"
expect 2 "--restore /dev/zero: not a regular file" $B --fda "$T/fd.img" --restore /dev/zero
expect 2 "--config $T/fifo: not a regular file (a FIFO)" --config "$T/fifo"
expect 2 "--config /dev/zero: not a regular file" --config /dev/zero
expect 2 "--config $T/huge: too large" --config "$T/huge"
# Disk images: a regular file or (hard disk, CD) a block device.
expect 2 "--cdrom: $T/fifo: cannot open disk image: not a regular file or block device (a FIFO)" $B --cdrom "$T/fifo"
expect 2 "--hda: $T/fifo: cannot open disk image for reading and writing: not a regular file or block device (a FIFO)" $B --hda "$T/fifo"
expect 2 "--fda: $T/fifo: cannot open disk image for reading and writing: not a regular file (a FIFO)" $B --fda "$T/fifo"
expect 2 "--hda: /dev/zero: cannot open disk image" $B --hda /dev/zero --snapshot
expect 2 "--cdrom: $T: cannot open disk image: a directory" $B --cdrom "$T"
expect 2 "--hda: $T/huge.img: cannot open disk image for reading and writing: too large: 3298534883328 bytes, at most 2199023255552" $B --hda "$T/huge.img"
expect 2 "--cdrom: $T/huge.iso: cannot open disk image: too large: 21474836480 bytes" $B --cdrom "$T/huge.iso"
expect 2 "--fda: $T/huge: cannot open disk image for reading and writing: too large" $B --fda "$T/huge"
expect 2 "$T/fifo: not a disk image: not a regular file or block device (a FIFO)" $B "$T/fifo"
# Outputs never wait for a FIFO's reader.
expect 2 "serial file $T/fifo: a FIFO with no reader" --bios "$T/spin.rom" --fda "$T/fd.img" --serial "file:$T/fifo"
expect 2 "--debugcon file:$T/fifo: a FIFO with no reader" $B --fda "$T/fd.img" --debugcon "file:$T/fifo"
check "every refusal above came at once ($(($(date +%s) - start)) s for all)" $([ $(($(date +%s) - start)) -le 20 ]; echo $?)
# A sparse disk image of 5 GiB is fine (only its size is checked).
run "a 5 GiB sparse hard disk" 124 $B --hda "$T/huge" --snapshot --timeout 0.2

# 2. Truncated kernels: the header's sizes against the file's.
printf 'abc' >"$T/initrd"
run "a whole bzImage with syssize" 147 $B --kernel "$T/bz" --initrd "$T/initrd" --append Aroot=x --timeout 10
head -c 1050 "$T/bz" >"$T/bzpart"   # the last paragraph partial (syssize rounds up): fine
run "a bzImage whose last paragraph is partial" 147 $B --kernel "$T/bzpart" --initrd "$T/initrd" --append Aroot=x --timeout 10
bzimage "$T/bzlong" 3
expect 2 "--kernel $T/bzlong: bzImage truncated: header says at least 1057 bytes, file has 1056" $B --kernel "$T/bzlong"
head -c 1030 "$T/bz" >"$T/bzcut"
expect 2 "--kernel $T/bzcut: bzImage truncated: header says at least 1041 bytes, file has 1030" $B --kernel "$T/bzcut"
python3 -c "
d = bytearray(open('$T/bz','rb').read()); d[0x1f1] = 4      # 4 setup sectors: 2560 bytes + code
open('$T/bzsetup','wb').write(bytes(d))"
expect 2 "--kernel $T/bzsetup: bzImage truncated: header says at least 2577 bytes, file has 1056" $B --kernel "$T/bzsetup"
# Multiboot ELF: one segment of the file's length, cut by 8 bytes.
python3 -c "
import struct
mb = struct.pack('<III', 0x1badb002, 0, (-0x1badb002) & 0xffffffff)
code = bytes([0xb0,0x11,0xe6,0xf4,0xf4]) + bytes(16)
body = bytearray(84) + mb + code
ident = b'\x7fELF\x01\x01\x01' + bytes(9)
body[0:52] = struct.pack('<16sHHIIIIIHHHHHH', ident, 2, 3, 1, 0x100000 + 96, 52, 0, 0, 52, 32, 1, 40, 0, 0)
body[52:84] = struct.pack('<IIIIIIII', 1, 0, 0x100000, 0x100000, len(body), len(body), 5, 0x1000)
open('$T/mb.elf','wb').write(bytes(body))
open('$T/mbcut.elf','wb').write(bytes(body[:-8]))
# the a.out kludge: load_end 64 bytes past the end of the file
hdr = struct.pack('<IIIIIIII', 0x1badb002, 0x10000, (-(0x1badb002 + 0x10000)) & 0xffffffff,
                  0x100000, 0x100000, 0x100000 + 96, 0, 0x100000 + 32)
open('$T/aout.bin','wb').write(hdr + bytes([0xb0,0x11,0xe6,0xf4,0xf4]))"
run "a whole Multiboot ELF" 35 $B --kernel "$T/mb.elf" --timeout 10
expect 2 "--kernel $T/mbcut.elf: ELF truncated: header says 117 bytes (segment 0), file has 109" $B --kernel "$T/mbcut.elf"
expect 2 "--kernel $T/aout.bin: Multiboot kernel truncated: header says 96 bytes, file has 37" $B --kernel "$T/aout.bin"

# 3. Locks: a second emulator on an image in use is refused; readers share.
"$X86VM" $B --hda "$T/hd.img" --timeout 30 </dev/null >/dev/null 2>&1 &
p1=$!; pids="$pids $p1"
wait_open $p1 "$T/hd.img"
check "the first emulator opened hd.img" $?
expect 2 "--hda: disk image $T/hd.img is in use by another process (locked); --force-share to override" \
  $B --hda "$T/hd.img"
expect 2 "--hdb: disk image $T/hd.img is in use by another process (locked)" $B --hdb "$T/hd.img" --snapshot
expect 2 "--cdrom: disk image $T/hd.img is in use by another process (locked)" $B --cdrom "$T/hd.img"
run "--force-share skips the lock" 124 $B --hda "$T/hd.img" --snapshot --force-share --timeout 0.2
printf 'force-share\n' >"$T/share.x86vm"
run "force-share in a machine file" 124 $B --config "$T/share.x86vm" --hda "$T/hd.img" --snapshot --timeout 0.2
kill $p1; wait $p1 2>/dev/null
run "the image is free again once that emulator is gone" 124 $B --hda "$T/hd.img" --timeout 0.2
# A CD (read-only) and --snapshot images (read, never written) are shared.
"$X86VM" $B --cdrom "$T/cd.iso" --hda "$T/hd.img" --snapshot --timeout 30 </dev/null >/dev/null 2>&1 &
p2=$!; pids="$pids $p2"
wait_open $p2 "$T/cd.iso"
check "the first emulator opened cd.iso" $?
run "a CD in use by another emulator is shared" 124 $B --cdrom "$T/cd.iso" --timeout 0.2
run "a --snapshot image in use by another --snapshot emulator is shared" 124 $B --hda "$T/hd.img" --snapshot --timeout 0.2
expect 2 "--hda: disk image $T/hd.img is in use by another process (locked)" $B --hda "$T/hd.img"
kill $p2; wait $p2 2>/dev/null
# One image in two drives of one machine: refused, also under another name.
expect 2 "--hdb $T/hd.img: the same image as --hda $T/hd.img (an image goes in one drive only)" \
  $B --hda "$T/hd.img" --hdb "$T/hd.img"
ln "$T/hd.img" "$T/hd-link.img"
expect 2 "--hdb $T/hd-link.img: the same image as --hda $T/hd.img" $B --hda "$T/hd.img" --hdb "$T/hd-link.img" --snapshot
expect 2 "--cdrom $T/./hd.img: the same image as --hda" $B --hda "$T/hd.img" --cdrom "$T/./hd.img" --force-share
# The monitor's change: the medium already in the drive goes in again; one
# in another drive is refused (not blamed on another process's lock).
cp "$T/fd.img" "$T/fd2.img"
printf 'change fda %s\nchange fdb %s\nchange cdrom %s\nchange fdb %s\nquit\n' "$T/fd.img" "$T/fd.img" \
  "$T/hd.img" "$T/fd2.img" | timeout 30 "$X86VM" $B --fda "$T/fd.img" --hda "$T/hd.img" --cdrom "$T/cd.iso" \
  --monitor stdio --timeout 20 >"$T/mon.out" 2>"$T/mon.err"
tr -d '\r' <"$T/mon.out" >"$T/mon.txt"
check "change: the same floppy again, then another image in fdb: no error" \
  $([ "$(grep -c "change:" "$T/mon.txt")" = 2 ]; echo $?)
check "change: an image in another drive is refused" \
  $(grep -q "change: fdb: $T/fd.img: the same image as in fda (an image goes in one drive only)" "$T/mon.txt" &&
    grep -q "change: cdrom: $T/hd.img: the same image as in hda" "$T/mon.txt"; echo $?)

# 4. Snapshots and their disks.
cp "$T/hd.img" "$T/a.img"
run "save with --hda" 124 $B --hda "$T/a.img" --cdrom "$T/cd.iso" --timeout 0.2 --save "$T/a.snap"
run "restore with the same images" 124 $B --hda "$T/a.img" --cdrom "$T/cd.iso" --restore "$T/a.snap" --timeout 0.2
cp "$T/a.img" "$T/a-copy.img"
run "restore with a copy (identity is the content)" 124 $B --hda "$T/a-copy.img" --cdrom "$T/cd.iso" --restore "$T/a.snap" --timeout 0.2
expect 2 "--restore $T/a.snap: the snapshot needs its disks: --hda $T/a.img --cdrom $T/cd.iso (give them, or --restore-disks to open the recorded paths)" \
  $B --restore "$T/a.snap"
expect 2 "the snapshot needs its disks: --cdrom $T/cd.iso (give them" $B --hda "$T/a.img" --restore "$T/a.snap"
run "--restore-disks opens the recorded paths" 124 $B --restore "$T/a.snap" --restore-disks --timeout 0.2
printf 'restore = a.snap\nrestore-disks\n' >"$T/rd.x86vm"
run "restore-disks in a machine file" 124 $B --config "$T/rd.x86vm" --timeout 0.2
# The last MiB changed: refused naming the drive, unless --force-identity.
printf 'X' | dd of="$T/a.img" bs=1 seek=$((4194304 - 100)) conv=notrunc 2>/dev/null
expect 2 "--restore $T/a.snap: --hda $T/a.img is not the image the snapshot was saved with (the content of its first or last MiB differs); --force-identity to restore anyway" \
  $B --hda "$T/a.img" --cdrom "$T/cd.iso" --restore "$T/a.snap"
expect 2 "--hda $T/a.img is not the image the snapshot was saved with" $B --restore "$T/a.snap" --restore-disks
run "--force-identity restores anyway" 124 $B --hda "$T/a.img" --cdrom "$T/cd.iso" --restore "$T/a.snap" --force-identity --timeout 0.2
check "--force-identity says what it overrode" $(grep -q "is not the image the snapshot was saved with.*restoring anyway (--force-identity)" "$T/err"; echo $?)
truncate -s 8M "$T/a-copy.img"
expect 2 "--hda $T/a-copy.img is not the image the snapshot was saved with (8388608 bytes, the snapshot's image had 4194304)" \
  $B --hda "$T/a-copy.img" --cdrom "$T/cd.iso" --restore "$T/a.snap"
# The monitor's loadvm checks the images open in the machine the same way.
cp "$T/hd.img" "$T/m.img"
{
  printf 'stop\nsavevm %s\nloadvm %s\n' "$T/m.snap" "$T/m.snap"
  # The image changes only once the snapshot is saved and loaded back.
  for _ in $(seq 200); do grep -q "loaded $T/m.snap" "$T/mon.out" 2>/dev/null && break; sleep 0.05; done
  printf 'Y' | dd of="$T/m.img" bs=1 seek=10 conv=notrunc 2>/dev/null
  printf 'loadvm %s\nquit\n' "$T/m.snap"
} | timeout 30 "$X86VM" $B --hda "$T/m.img" --monitor stdio --timeout 20 >"$T/mon.out" 2>"$T/mon.err"
tr -d '\r' <"$T/mon.out" >"$T/mon.txt"
check "loadvm with the same image" $(grep -q "loaded $T/m.snap" "$T/mon.txt"; echo $?)
check "loadvm after the image changed: refused, naming the drive" \
  $(grep -q "loadvm: --restore $T/m.snap: --hda $T/m.img is not the image the snapshot was saved with (the content of its first or last MiB differs); --force-identity to restore anyway (machine unchanged)" "$T/mon.txt"; echo $?)

# 5. --snapshot overlays are saved and restored (from the temporary file).
cp "$T/fd.img" "$T/f.img"
run "save a --snapshot floppy machine" 124 $B --fda "$T/f.img" --snapshot --timeout 0.2 --save "$T/f.snap"
# chunk FILE NAME [NEWPAYLOAD-PYTHON]: print a chunk's payload length, or
# replace the payload (recomputing the chunk's CRC).
chunk() {
  python3 -c "
import struct, sys, zlib
d = bytearray(open('$1','rb').read()); pos = 16
while True:
    name = d[pos:pos+16].rstrip(b'\0').decode(); ln = struct.unpack_from('<Q', d, pos+24)[0]
    if name == '$2': break
    if name == 'END': sys.exit('no chunk $2')
    pos += 40 + ln
p = bytes(d[pos+40:pos+40+ln])
new = $3
d[pos+24:pos+32] = struct.pack('<Q', len(new)); d[pos+32:pos+36] = struct.pack('<I', zlib.crc32(new))
d[pos+40:pos+40+ln] = new
open('$4','wb').write(bytes(d))
print(len(p))"
}
chunk "$T/f.snap" fdc.disk0 "p[:8] + struct.pack('<Q', 1)" "$T/fbad.snap" >/dev/null
expect 2 "--restore $T/fbad.snap: fdc.disk0: corrupt overlay (1 sectors in 16 bytes)" \
  $B --fda "$T/f.img" --snapshot --restore "$T/fbad.snap"
chunk "$T/f.snap" fdc.disk0 "p[:8] + struct.pack('<QQ', 1, 9999) + bytes(512)" "$T/fbad2.snap" >/dev/null
expect 2 "--restore $T/fbad2.snap: fdc.disk0: corrupt overlay (sector 9999 of a 2880-sector disk)" \
  $B --fda "$T/f.img" --snapshot --restore "$T/fbad2.snap"
# A valid overlay of two sectors goes through a restore and a second save unchanged.
chunk "$T/f.snap" fdc.disk0 "p[:8] + struct.pack('<QQ', 2, 7) + b'\xab'*512 + struct.pack('<Q', 8) + b'\xcd'*512" \
  "$T/f2.snap" >/dev/null
run "restore a --snapshot overlay and save it again" 124 $B --fda "$T/f.img" --snapshot --restore "$T/f2.snap" \
  --timeout 0.2 --save "$T/f3.snap"
check "the overlay came back from the temporary file as saved" \
  $(python3 -c "
import struct
def chunk(f, want):
    d = open(f,'rb').read(); pos = 16
    while True:
        name = d[pos:pos+16].rstrip(b'\0').decode(); ln = struct.unpack_from('<Q', d, pos+24)[0]
        if name == want: return d[pos+40:pos+40+ln]
        pos += 40 + ln
import sys; sys.exit(chunk('$T/f2.snap','fdc.disk0') != chunk('$T/f3.snap','fdc.disk0'))"; echo $?)
check "the floppy image itself was never written" $(cmp -s "$T/f.img" "$T/fd.img"; echo $?)
expect 2 "fdc.disk0: the state holds unsaved writes to $T/f.img; restore it with --snapshot" \
  $B --fda "$T/f.img" --restore "$T/f2.snap"
check "no temporary file left behind in \$TMPDIR" $([ -z "$(ls -A "$TMPDIR")" ]; echo $?)

echo "$((n - fail))/$n image-file checks passed"
[ "$fail" = 0 ]
