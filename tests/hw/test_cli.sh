#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_cli.sh — the x86vm command line: every bad flag or image is refused
# with one clear line and exit status 2; --help/--version; the final report
# line and timeout status.  Usage: test_cli.sh path/to/x86vm
X86VM=$1
T=$(mktemp -d /tmp/x86vm-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
n=0

# expect STATUS SUBSTRING args...: exit status and a single stderr line containing SUBSTRING.
expect() {
  want=$1; sub=$2; shift 2
  n=$((n + 1))
  "$X86VM" "$@" </dev/null >"$T/out" 2>"$T/err"
  got=$?
  lines=$(wc -l <"$T/err")
  if [ "$got" != "$want" ] || ! grep -qF -- "$sub" "$T/err" || [ "$lines" != 1 ]; then
    echo "FAIL: x86vm $* -> status $got (want $want), $lines stderr lines, want '$sub':"
    cat "$T/err"
    fail=$((fail + 1))
  fi
}

head -c 65536 /dev/zero | tr '\0' '\364' >"$T/hlt.rom"       # all HLT
: >"$T/empty.rom"
head -c 262145 /dev/zero >"$T/big.rom"
head -c 1000 /dev/zero >"$T/odd.img"
head -c 1474560 /dev/zero >"$T/fd.img"
printf 'not a snapshot at all' >"$T/bad.snap"
# reset vector: jmp $ (spins forever)
python3 -c "
rom=bytearray(b'\xf4'*65536); rom[0xfff0:0xfff2]=b'\xeb\xfe'
open('$T/spin.rom','wb').write(rom)"

expect 2 "unknown option '--bogus'" --bogus
expect 2 "--mem 0" --mem 0 --bios "$T/hlt.rom" --fda "$T/fd.img"
expect 2 "--mem 12x" --mem 12x
expect 2 "--mem 99999" --mem 99999
expect 2 "needs an argument" --mem
expect 2 "--vga-mem 0: want a size in MiB from 1 to 256" --vga-mem 0
expect 2 "--vga-mem 257: want a size in MiB from 1 to 256" --vga-mem 257
expect 2 "--jit-cache 0" --jit-cache 0
expect 2 "--jit-cache 9x" --jit-cache 9x
expect 2 "unknown engine" --engine foo
expect 2 "--boot z" --boot z
expect 2 "--timeout -1" --timeout -1
expect 2 "--ns-per-insn 0" --ns-per-insn 0
expect 2 "extra: No such file" extra
expect 2 "/nonexistent/vmlinuz" --bios "$T/hlt.rom" --kernel /nonexistent/vmlinuz
expect 2 "not a Linux bzImage" --bios "$T/hlt.rom" --kernel "$T/fd.img"
expect 2 "need --kernel" --initrd "$T/fd.img"
expect 2 "$T/nope.rom" --bios "$T/nope.rom" --fda "$T/fd.img"
expect 2 "size 0 bytes" --bios "$T/empty.rom" --fda "$T/fd.img"
expect 2 "--bios $T/big.rom: too large: 262145 bytes, at most 262144" --bios "$T/big.rom" --fda "$T/fd.img"
expect 2 "--hda" --bios "$T/hlt.rom" --hda "$T/odd.img"
expect 2 "--vga-bios $T/odd.img: not an option ROM" --bios "$T/hlt.rom" --vga-bios "$T/odd.img" --fda "$T/fd.img"
expect 2 "odd.img" --bios "$T/hlt.rom" --fda "$T/odd.img"
expect 2 "$T/missing.img" --bios "$T/hlt.rom" --cdrom "$T/missing.img"
expect 2 "bad serial backend 'bogus'" --bios "$T/hlt.rom" --fda "$T/fd.img" --serial bogus
expect 2 "bad port" --bios "$T/hlt.rom" --fda "$T/fd.img" --serial tcp:0
expect 2 "not an x86vm snapshot" --bios "$T/hlt.rom" --fda "$T/fd.img" --restore "$T/bad.snap"
expect 2 "--cpu 386: unknown CPU model" --cpu 386
expect 2 "--engine jit:" --cpu 286 --engine jit
expect 2 "need a 32-bit CPU (--cpu i686)" --cpu 286 --bios "$T/hlt.rom" --kernel "$T/fd.img"

# Direct kernel boot with a synthetic bzImage: its 32-bit code adds the E820
# entry count, the initrd size and the first command-line byte from the zero
# page (ESI) and writes the sum to the debug-exit port.
python3 -c "
import struct
img = bytearray(1024)                         # boot sector + 1 setup sector
img[0x1f1] = 1                                # setup_sects
img[0x1fe:0x200] = b'\x55\xaa'
img[0x200:0x202] = b'\xeb\x66'                # jump over the header
img[0x202:0x206] = b'HdrS'
struct.pack_into('<H', img, 0x206, 0x020a)    # boot protocol 2.10
img[0x211] = 0x01                             # LOADED_HIGH
struct.pack_into('<I', img, 0x214, 0x100000)  # code32_start
struct.pack_into('<I', img, 0x22c, 0x37ffffff)
struct.pack_into('<I', img, 0x238, 255)       # cmdline_size
struct.pack_into('<I', img, 0x260, 0x1000)    # init_size
code = bytes([0x8a,0x86,0xe8,0x01,0,0, 0x02,0x86,0x1c,0x02,0,0, 0x8b,0x9e,0x28,0x02,0,0,
              0x02,0x03, 0xe6,0xf4, 0xf4])
open('$T/bzimage','wb').write(bytes(img) + code)
open('$T/initrd','wb').write(b'abc')"
n=$((n + 1))
"$X86VM" --bios "$T/hlt.rom" --kernel "$T/bzimage" --initrd "$T/initrd" --append "Aroot=x" \
  --serial null --timeout 10 </dev/null 2>"$T/err"
got=$?
# 5 E820 entries + 3 bytes of initrd + 'A' (41h) = 49h -> status (49h << 1) | 1 = 147
if [ "$got" != 147 ] || ! tail -n 1 "$T/err" | grep -q "guest exit code 147 (port F4h value 0x49)"; then
  echo "FAIL: direct kernel boot -> status $got:"; cat "$T/err"; fail=$((fail + 1))
fi
expect 2 "do not fit" --bios "$T/hlt.rom" --mem 2 --kernel "$T/bzimage" --initrd "$T/fd.img"
# --jit-dump (x86-64 builds with the JIT): the same kernel's last block, guest
# instructions each followed by host code; an unwritable file is refused.
if "$X86VM" --help | grep -q -- --jit-dump; then
  n=$((n + 1))
  "$X86VM" --bios "$T/hlt.rom" --kernel "$T/bzimage" --initrd "$T/initrd" --append "Aroot=x" \
    --serial null --timeout 10 --engine jit --jit-dump "$T/dump.txt" </dev/null 2>"$T/err"
  got=$?
  if [ "$got" != 147 ] || ! grep -q "^block 0000:0010000c .*: 3 guest instructions" "$T/dump.txt" ||
     ! grep -q "^  0010000c  mov ebx, dword ptr \[esi + 0x228\]" "$T/dump.txt" ||
     ! grep -A1 "^  00100014  out 0xf4, al" "$T/dump.txt" | grep -q "^      [0-9a-f]*  "; then
    echo "FAIL: --jit-dump -> status $got:"; cat "$T/err"; cat "$T/dump.txt"; fail=$((fail + 1))
  fi
  expect 2 "--jit-dump $T/nodir/dump.txt:" --bios "$T/hlt.rom" --fda "$T/fd.img" --engine jit \
    --jit-dump "$T/nodir/dump.txt"
fi
# --jit-perf-map: /tmp/perf-PID.map names that block's host code by guest address.
if "$X86VM" --help | grep -q -- --jit-perf-map; then
  n=$((n + 1))
  "$X86VM" --bios "$T/hlt.rom" --kernel "$T/bzimage" --initrd "$T/initrd" --append "Aroot=x" \
    --serial null --timeout 10 --engine jit --jit-perf-map </dev/null 2>"$T/err" &
  pid=$!
  wait $pid
  got=$?
  map=/tmp/perf-$pid.map
  if [ "$got" != 147 ] || ! grep -Eq "^[0-9a-f]+ [0-9a-f]+ x86vm:00000000\+0010000c$" "$map"; then
    echo "FAIL: --jit-perf-map -> status $got:"; cat "$T/err"; cat "$map"; fail=$((fail + 1))
  fi
  rm -f "$map"
fi

# Multiboot: a hand-made ELF kernel checks EAX and adds the module count, the
# first command-line byte and the module length from the Multiboot info (EBX).
# mbelf FILE LOADADDR writes it as one segment loaded at LOADADDR.
mbelf() {
  python3 -c "
import struct
code = bytes([0x3d,0x02,0xb0,0xad,0x2b, 0x75,0x13,      # cmp eax,2BADB002h; jne bad
              0x8a,0x43,0x14, 0x8b,0x4b,0x10, 0x02,0x01,  # al = mods_count + [cmdline]
              0x8b,0x53,0x18, 0x8b,0x4a,0x04, 0x2b,0x0a, 0x00,0xc8,  # + mod_end - mod_start
              0xe6,0xf4, 0xf4,
              0xb0,0x7f, 0xe6,0xf4, 0xf4])                # bad: exit 7Fh
mb = struct.pack('<III', 0x1badb002, 0, (-0x1badb002) & 0xffffffff)
body = bytearray(84) + mb + code
load = $2
entry = load + 96
ident = b'\x7fELF\x01\x01\x01' + bytes(9)
body[0:52] = struct.pack('<16sHHIIIIIHHHHHH', ident, 2, 3, 1, entry, 52, 0, 0, 52, 32, 1, 40, 0, 0)
body[52:84] = struct.pack('<IIIIIIII', 1, 0, load, load, len(body), len(body) + 64, 5, 0x1000)
open('$1', 'wb').write(bytes(body))"
}
# At 1 MiB; at 9000h, where the loader's own information area would go (it
# moves); across the EBDA and the video hole, which is not RAM (refused).
mbelf "$T/mb.elf" 0x100000
mbelf "$T/mblow.elf" 0x9000
mbelf "$T/mbhole.elf" 0x9fb80
for k in mb mblow; do
  n=$((n + 1))
  "$X86VM" --bios "$T/hlt.rom" --kernel "$T/$k.elf" --initrd "$T/initrd" --append "Bx" --serial null \
    --timeout 10 </dev/null 2>"$T/err"
  got=$?
  # 1 module + 'B' (42h) + 3 bytes = 46h -> status (46h << 1) | 1 = 141
  if [ "$got" != 141 ]; then
    echo "FAIL: multiboot ELF boot ($k.elf) -> status $got:"; cat "$T/err"; fail=$((fail + 1))
  fi
done
expect 2 "a segment lies outside RAM" --bios "$T/hlt.rom" --kernel "$T/mbhole.elf"


# QEMU's spellings and "--name=value"; errors name the argument that is wrong.
n=$((n + 1))
"$X86VM" -nographic -m 16 -bios "$T/hlt.rom" -fda "$T/fd.img" -serial null </dev/null 2>"$T/err"
got=$?
if [ "$got" != 0 ] || ! grep -q "halted with interrupts off" "$T/err"; then
  echo "FAIL: QEMU spellings -> status $got:"; cat "$T/err"; fail=$((fail + 1))
fi
n=$((n + 1))
"$X86VM" --headless --mem=16 --bios="$T/hlt.rom" --fda="$T/fd.img" --serial=null </dev/null 2>"$T/err"
if [ $? != 0 ]; then echo "FAIL: --name=value"; cat "$T/err"; fail=$((fail + 1)); fi
expect 2 "$T/nope.img" --headless --fda "$T/nope.img" -hda "$T/fd.img" --bios "$T/hlt.rom"
expect 2 "unknown option '-bogus'" --headless -bogus
expect 2 "unknown option '--nographic'" --nographic
expect 2 "-m 4G: want a size in MiB" -m 4G
expect 2 "option '--headless' takes no value" --headless=1
expect 2 "option '-hda' needs an argument" -fda "$T/fd.img" -hda
expect 2 "-boot order=x" -boot order=x
# Console script steps are checked before the run.
expect 2 "--send '\\xZZ'" --bios "$T/hlt.rom" --fda "$T/fd.img" --send '\xZZ'
expect 2 "--expect '': empty pattern" --bios "$T/hlt.rom" --fda "$T/fd.img" --expect ''
expect 2 "unknown escape '\\q'" --bios "$T/hlt.rom" --fda "$T/fd.img" --send 'a\qb'

# A machine file: the same options as name = value lines, file names relative to it.
mkdir -p "$T/vm"
cp "$T/fd.img" "$T/hlt.rom" "$T/vm/"
printf '# a test machine\nmem = 16\nbios = hlt.rom\nfda = "fd.img"\nheadless\nserial = null\n' >"$T/vm/test.cfg"
n=$((n + 1))
(cd / && "$X86VM" --config "$T/vm/test.cfg" </dev/null 2>"$T/err")
if [ $? != 0 ] || ! grep -q "halted with interrupts off" "$T/err"; then
  echo "FAIL: --config"; cat "$T/err"; fail=$((fail + 1))
fi
cp "$T/vm/test.cfg" "$T/vm/test.x86vm"
n=$((n + 1))
(cd / && "$X86VM" "$T/vm/test.x86vm" </dev/null 2>"$T/err")
if [ $? != 0 ] || ! grep -q "halted with interrupts off" "$T/err"; then
  echo "FAIL: a machine file by its name"; cat "$T/err"; fail=$((fail + 1))
fi
printf 'mem = 16\nbogus = 1\n' >"$T/vm/bad.cfg"
expect 2 "bad.cfg:2: unknown option 'bogus'" --config "$T/vm/bad.cfg"
printf 'mem = 0\n' >"$T/vm/bad2.cfg"
expect 2 "bad2.cfg:1: mem 0: want a size" --config "$T/vm/bad2.cfg"
printf 'fda\n' >"$T/vm/bad3.cfg"
expect 2 "bad3.cfg:1: 'fda' needs a value" --config "$T/vm/bad3.cfg"
expect 2 "--config $T/vm: a directory" --config "$T/vm"

# Files that are not regular files are refused at once, never read without end.
mkfifo "$T/fifo"
expect 2 "--kernel $T/fifo: not a regular file" --bios "$T/hlt.rom" --kernel "$T/fifo"
expect 2 "--bios $T/fifo: not a regular file" --bios "$T/fifo" --fda "$T/fd.img"
expect 2 "$T/fifo: not a regular file" --bios "$T/hlt.rom" --fda "$T/fd.img" --restore "$T/fifo"
expect 2 "--kernel $T: a directory" --bios "$T/hlt.rom" --kernel "$T"
expect 2 "/dev/zero: not a regular file" --bios "$T/hlt.rom" --fda "$T/fd.img" --restore /dev/zero
expect 2 "$T/fifo: not a disk image" --bios "$T/hlt.rom" "$T/fifo"

# Diagnostics are off unless asked: an unclaimed port is logged with --log io
# (or -v) only; the guest's port E9h output goes to stderr only with --debugcon.
python3 -c "
rom=bytearray(b'\xf4'*65536)
# in al,99h; mov al,'Q'; out E9h,al; hlt
rom[0xfff0:0xfff7]=bytes([0xe4,0x99,0xb0,0x51,0xe6,0xe9,0xf4])
open('$T/noisy.rom','wb').write(rom)"
n=$((n + 1))
"$X86VM" --headless --bios "$T/noisy.rom" --fda "$T/fd.img" --serial null </dev/null 2>"$T/err"
if [ "$(wc -l <"$T/err")" != 1 ] || grep -q "unclaimed\|Q" "$T/err"; then
  echo "FAIL: a quiet run printed diagnostics:"; cat "$T/err"; fail=$((fail + 1))
fi
n=$((n + 1))
"$X86VM" --headless --log io --bios "$T/noisy.rom" --fda "$T/fd.img" --serial null </dev/null 2>"$T/err"
if ! grep -q "unclaimed port 0x0099 (read)" "$T/err"; then
  echo "FAIL: --log io"; cat "$T/err"; fail=$((fail + 1))
fi
n=$((n + 1))
"$X86VM" --headless -v --bios "$T/noisy.rom" --fda "$T/fd.img" --serial null </dev/null 2>"$T/err"
if ! grep -q "unclaimed port 0x0099" "$T/err"; then echo "FAIL: -v"; cat "$T/err"; fail=$((fail + 1)); fi
expect 2 "unknown category 'bogus'" --log io,bogus
n=$((n + 1))
"$X86VM" --headless --debugcon stderr --bios "$T/noisy.rom" --fda "$T/fd.img" --serial null </dev/null 2>"$T/err"
if [ "$(head -c 1 "$T/err")" != Q ]; then echo "FAIL: --debugcon stderr"; cat "$T/err"; fail=$((fail + 1)); fi
n=$((n + 1))
"$X86VM" --headless --debugcon "file:$T/e9.txt" --bios "$T/noisy.rom" --fda "$T/fd.img" --serial null </dev/null 2>"$T/err"
if [ "$(cat "$T/e9.txt")" != Q ] || grep -q Q "$T/err"; then echo "FAIL: --debugcon file:"; cat "$T/err"; fail=$((fail + 1)); fi
expect 2 "--debugcon bogus: want stderr" --debugcon bogus

# --help and --version go to stdout with status 0.
n=$((n + 1))
if ! "$X86VM" --help | grep -q "^Usage: x86vm"; then echo "FAIL: --help"; fail=$((fail + 1)); fi
n=$((n + 1))
if ! "$X86VM" --version | grep -q "^x86vm [0-9]"; then echo "FAIL: --version"; fail=$((fail + 1)); fi

# A guest that never stops: timeout status and the one-line report last.
n=$((n + 1))
"$X86VM" --bios "$T/spin.rom" --fda "$T/fd.img" --serial null --timeout 0.3 </dev/null 2>"$T/err"
got=$?
last=$(tail -n 1 "$T/err")
if [ "$got" != 124 ] || ! echo "$last" | grep -Eq '^x86vm: timeout after 0.3 s; [0-9]+ instructions; last POST code none$'; then
  echo "FAIL: timeout run -> status $got, last line: $last"
  fail=$((fail + 1))
fi
# Deterministic runs need the CPU to execute "jmp $"; while it cannot, the
# watchdog ends the run as a host error and these checks are skipped.
"$X86VM" --bios "$T/spin.rom" --fda "$T/fd.img" --serial null --deterministic --timeout 0.2 \
  --save "$T/s.snap" </dev/null 2>"$T/err"
got=$?
if [ "$got" = 6 ] && grep -q "made no progress" "$T/err"; then
  echo "SKIP: deterministic save/restore checks (the CPU cannot run 'jmp \$' yet)"
  # The watchdog report itself is a check.
  n=$((n + 1))
  tail -n 1 "$T/err" | grep -Eq '^x86vm: host error: the CPU made no progress' || { echo "FAIL: watchdog line"; fail=$((fail + 1)); }
else
  n=$((n + 1))
  if [ "$got" != 124 ] || ! tail -n 1 "$T/err" | grep -q "timeout after 0.2 virtual s" || [ ! -s "$T/s.snap" ]; then
    echo "FAIL: deterministic timeout + save -> status $got:"; cat "$T/err"
    fail=$((fail + 1))
  fi
  # The snapshot restores with the same memory size and is refused with another.
  n=$((n + 1))
  "$X86VM" --bios "$T/spin.rom" --fda "$T/fd.img" --serial null --deterministic --timeout 0.1 \
    --restore "$T/s.snap" </dev/null 2>"$T/err"
  if [ $? != 124 ]; then echo "FAIL: restore run"; cat "$T/err"; fail=$((fail + 1)); fi
fi
# Saved at the end of every run (whatever stopped it); another --mem is refused.
n=$((n + 1))
[ -s "$T/s.snap" ] || { echo "FAIL: no snapshot written"; fail=$((fail + 1)); }
expect 2 "use --mem 128" --bios "$T/spin.rom" --fda "$T/fd.img" --mem 64 --restore "$T/s.snap"
expect 2 "video memory is 16 MiB in the snapshot, 8 MiB here (--vga-mem)" --bios "$T/spin.rom" --fda "$T/fd.img" \
  --vga-mem 8 --restore "$T/s.snap"
# A crafted snapshot (a value out of range, CRCs recomputed as an attacker
# would) is refused before anything is applied: one line naming the chunk
# and the field, status 2.  ide0's pos would make every guest OUT 1F0h,AX
# write 2 GiB past the sector buffer.
n=$((n + 1))
if python3 - "$T/s.snap" "$T/crafted.x86state" <<'PY'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], 'rb').read())
pos = 16
while pos + 40 <= len(b):
    name = bytes(b[pos:pos + 16]).rstrip(b'\0')
    n = struct.unpack_from('<Q', b, pos + 24)[0]
    if name == b'ide0':
        # IdeChannel version 1: two 27-byte drives (IdeDrive version 3), cur,
        # control, irq_pending, cmd, xfer, then pos (u32 LE) at 59.
        struct.pack_into('<I', b, pos + 40 + 59, 0x7ff00000)
        struct.pack_into('<I', b, pos + 32, zlib.crc32(bytes(b[pos + 40:pos + 40 + n])))
        open(sys.argv[2], 'wb').write(b)
        sys.exit(0)
    pos += 40 + n
sys.exit(1)
PY
then
  expect 2 "snapshot 'ide0' field 'pos' = 0x7ff00000 out of range 0..0x10000" --bios "$T/spin.rom" \
    --fda "$T/fd.img" --restore "$T/crafted.x86state"
else
  echo "FAIL: no ide0 chunk to craft in $T/s.snap"; fail=$((fail + 1))
fi
# The snapshot records its drives but never opens them by itself: none given
# is refused naming them, other drives are refused; --restore-disks opens the
# recorded paths.
expect 2 "--restore $T/s.snap: the snapshot needs its disks: --fda $(cd "$T" && pwd -P)/fd.img (give them, or --restore-disks" \
  --bios "$T/spin.rom" --restore "$T/s.snap"
head -c 1048576 /dev/zero >"$T/hd.img"
expect 2 "saved without --hda" --bios "$T/spin.rom" --fda "$T/fd.img" --hda "$T/hd.img" --restore "$T/s.snap"
expect 2 "--restore-disks needs --restore" --restore-disks
n=$((n + 1))
"$X86VM" --bios "$T/spin.rom" --serial null --timeout 0.1 --restore "$T/s.snap" --restore-disks </dev/null 2>"$T/err"
if [ $? != 124 ]; then echo "FAIL: restore with the snapshot's own drives"; cat "$T/err"; fail=$((fail + 1)); fi

# The snapshot records its CPU model: another --cpu is refused; none given means its own.
expect 2 "saved with --cpu i686, this machine has --cpu 286" --bios "$T/spin.rom" --fda "$T/fd.img" --cpu 286 --restore "$T/s.snap"
n=$((n + 1))
"$X86VM" --cpu 286 --bios "$T/spin.rom" --fda "$T/fd.img" --serial null --timeout 0.1 --save "$T/s286.snap" </dev/null 2>"$T/err"
if [ $? != 124 ] || [ ! -s "$T/s286.snap" ]; then echo "FAIL: --cpu 286 run + save"; cat "$T/err"; fail=$((fail + 1)); fi
n=$((n + 1))
"$X86VM" --bios "$T/spin.rom" --fda "$T/fd.img" --serial null --timeout 0.1 --restore "$T/s286.snap" </dev/null 2>"$T/err"
if [ $? != 124 ]; then echo "FAIL: restore of a 286 snapshot without --cpu"; cat "$T/err"; fail=$((fail + 1)); fi

# --machine: pc or isa; pc needs the i686; a snapshot restores on its own board only.
expect 2 "--machine foo: unknown machine (want pc or isa)" --machine foo
expect 2 "--machine pc needs --cpu i686" --machine pc --cpu 286 --bios "$T/hlt.rom" --fda "$T/fd.img"
expect 2 "saved with --machine isa, this machine is --machine pc" --machine pc --bios "$T/spin.rom" --fda "$T/fd.img" --restore "$T/s.snap"
expect 2 "saved with --cpu 286, this machine has --cpu i686" --bios "$T/spin.rom" --fda "$T/fd.img" --cpu i686 --restore "$T/s286.snap"

# The option-ROM area C8000h-EFFFFh is empty (FFh, writes lost); C0000h-C7FFFh
# is RAM.  A ROM checks both in a loop long enough for the JIT to translate it.
if command -v nasm >/dev/null; then
  cat >"$T/hole.asm" <<'ASM'
[bits 16]
        org 0
start:  mov cx, 2000
.loop:  mov ax, 0xd000
        mov ds, ax
        mov byte [0], 0x5a
        cmp byte [0], 0xff
        jne bad
        mov dword [0x7ffc], 0x12345678
        cmp dword [0x7ffc], 0xffffffff
        jne bad
        mov ax, 0xc000
        mov ds, ax
        mov [0x7ffe], cx
        cmp [0x7ffe], cx
        jne bad
        loop .loop
        mov al, 0x10
        out 0xf4, al
        hlt
bad:    mov al, 0x20
        out 0xf4, al
        hlt
        times 0xfff0 - ($ - $$) db 0xf4
        jmp 0xf000:start
        times 0x10000 - ($ - $$) db 0xf4
ASM
  nasm -f bin -o "$T/hole.rom" "$T/hole.asm"
  for engine in "" jit; do
    [ -n "$engine" ] && ! "$X86VM" --help | grep -q -- "--engine" && continue
    n=$((n + 1))
    "$X86VM" --bios "$T/hole.rom" --serial null --timeout 10 ${engine:+--engine $engine} </dev/null 2>"$T/err"
    got=$?
    # 10h << 1 | 1 = 33: every read of the hole gave FFh and C7FFEh kept its word
    if [ "$got" != 33 ]; then
      echo "FAIL: option-ROM hole ${engine:-interp} -> status $got:"; cat "$T/err"; fail=$((fail + 1))
    fi
  done
fi

echo "$((n - fail))/$n command-line checks passed"
[ "$fail" = 0 ]
