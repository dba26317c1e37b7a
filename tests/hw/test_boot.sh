#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_boot.sh — the whole machine: our BIOS boots the default guest from
# its floppy image; the console script, deterministic replay, save/restore
# half-way (same remaining serial output, byte for byte), screen dumps.
# Usage: test_boot.sh path/to/x86vm path/to/roms
X86VM=$1
ROMS=$2
if [ ! -f "$ROMS/bios.bin" ] || [ ! -f "$ROMS/default-guest.img" ]; then
  echo "SKIP: $ROMS/bios.bin or default-guest.img not built"
  exit 77
fi
T=$(mktemp -d /tmp/x86vm-boot-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
check() { # check NAME CONDITION-EXIT-STATUS
  n=$((n + 1))
  if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi
}

# 1. Boot to the guest's ready line; the script completing ends the run with 0.
"$X86VM" --headless --deterministic --timeout 20 --expect "x86vm default guest ready" \
  </dev/null >"$T/ready.out" 2>"$T/ready.err"
st=$?
check "boot: status $st, want 0" $([ $st = 0 ]; echo $?)
check "boot: report line" $(tail -n 1 "$T/ready.err" | grep -Eq '^x86vm: console script complete; [0-9]+ instructions; last POST code 0x99$'; echo $?)
check "boot: BIOS banner on COM1" $(grep -q "x86vm" "$T/ready.out"; echo $?)
check "boot: guest found the 8042" $(grep -q "8042 self-test reply 55 ok" "$T/ready.out"; echo $?)
check "boot: E820 map" $(grep -q "usable RAM" "$T/ready.out"; echo $?)

# One console stream: stdout and stderr together (as in a terminal) show the
# BIOS banner once, not doubled by the debug port; a bare image argument of a
# floppy's size boots as a floppy.
"$X86VM" --headless --deterministic --timeout 20 --expect "x86vm default guest ready" \
  --snapshot "$ROMS/default-guest.img" </dev/null >"$T/term.out" 2>&1
check "terminal: banner once" $([ "$(grep -c 'x86vm BIOS' "$T/term.out")" = 1 ]; echo $?)
check "terminal: no doubled characters" $(! grep -q 'xx8866' "$T/term.out"; echo $?)
check "bare floppy image booted" $(grep -q "console script complete" "$T/term.out"; echo $?)

# 2. Deterministic: two runs give identical output; the RTC starts at 2024-01-01.
"$X86VM" --deterministic --timeout 3 </dev/null >"$T/a.out" 2>"$T/a.err"
check "det run 1 status" $([ $? = 124 ]; echo $?)
"$X86VM" --deterministic --timeout 3 </dev/null >"$T/b.out" 2>"$T/b.err"
check "det runs identical" $(cmp -s "$T/a.out" "$T/b.out"; echo $?)
check "det report identical" $(cmp -s "$T/a.err" "$T/b.err"; echo $?)
check "det RTC start" $(grep -q "RTC 2024-01-01 00:00:02" "$T/a.out"; echo $?)

# 3. Saved half-way, restored in a new process: same remaining output.
"$X86VM" --deterministic --timeout 1.5 --save "$T/half.snap" </dev/null >"$T/h1.out" 2>/dev/null
"$X86VM" --deterministic --timeout 1.5 --restore "$T/half.snap" --restore-disks </dev/null >"$T/h2.out" 2>"$T/h2.err"
cat "$T/h1.out" "$T/h2.out" >"$T/h.out"
check "save/restore output identical to one run" $(cmp -s "$T/h.out" "$T/a.out"; echo $?)
check "restored run ends at the same instruction count" \
  $([ "$(tail -n 1 "$T/h2.err")" = "$(tail -n 1 "$T/a.err" | sed 's/after 3 /after 1.5 /')" ]; echo $?)

# 4. Screen dumps at exit.
"$X86VM" --deterministic --timeout 2 --screenshot "$T/screen.txt" </dev/null >/dev/null 2>&1
check "text screen dump" $(grep -q "x86vm default guest" "$T/screen.txt"; echo $?)
"$X86VM" --deterministic --timeout 2 --screenshot "$T/screen.png" </dev/null >/dev/null 2>&1
check "PNG screenshot" $([ "$(head -c 4 "$T/screen.png" | od -An -c | tr -d ' ')" = '211PNG' ]; echo $?)

# 5. The same guest through SeaBIOS (Debian's seabios package), if installed.
SEABIOS=/usr/share/seabios/bios.bin
if [ -f "$SEABIOS" ]; then
  "$X86VM" --deterministic --debugcon stderr --bios "$SEABIOS" --fda "$ROMS/default-guest.img" --snapshot --timeout 30 \
    --expect "x86vm default guest ready" </dev/null >"$T/sb.out" 2>"$T/sb.err"
  st=$?
  check "SeaBIOS boot: status $st, want 0" $([ $st = 0 ]; echo $?)
  check "SeaBIOS banner on the debug port" $(grep -q "^SeaBIOS (version" "$T/sb.err"; echo $?)
  check "SeaBIOS read the memory size from CMOS" $(grep -q "RamSize: 0x08000000 \[cmos\]" "$T/sb.err"; echo $?)
  # With a video BIOS: SeaBIOS finds it through fw_cfg and runs it (int 10h for the guest).
  VGABIOS=/usr/share/seabios/vgabios-isavga.bin
  if [ -f "$VGABIOS" ]; then
    "$X86VM" --deterministic --debugcon stderr --bios "$SEABIOS" --vga-bios "$VGABIOS" --fda "$ROMS/default-guest.img" --snapshot \
      --timeout 30 --expect "x86vm default guest ready" </dev/null >"$T/sbv.out" 2>"$T/sbv.err"
    st=$?
    check "SeaBIOS + VGA BIOS boot: status $st, want 0" $([ $st = 0 ]; echo $?)
    check "SeaBIOS found fw_cfg" $(grep -q "^Found QEMU fw_cfg" "$T/sbv.err"; echo $?)
    check "SeaBIOS ran the VGA BIOS from fw_cfg" $(grep -q "^Start SeaVGABIOS" "$T/sbv.err"; echo $?)
  fi
else
  echo "SKIP: SeaBIOS checks ($SEABIOS not installed)"
fi

echo "$((n - fail))/$n boot checks passed"
[ "$fail" = 0 ]
