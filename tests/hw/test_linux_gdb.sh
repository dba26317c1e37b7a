#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_gdb.sh — gdb stops Debian's i386 kernel at a kernel function,
# steps it, goes back, and watches a kernel variable.
# x86vm boots the kernel (--kernel) with --gdb unix:PATH and --record-mem
# (reverse execution on); gdb (batch mode) connects before the first
# instruction, when paging is still off, sets a breakpoint at start_kernel's
# address from the System.map of the same linux-image .deb (a linear address
# the kernel maps only later), continues, and reads the registers there: EIP
# must be that address, CS the kernel's code segment (ring 0), ESP a kernel
# address.  Then 100 stepi, with the registers and the top of the stack
# after each, and 50 reverse-stepi: after each, the registers and the stack
# must be what they were at that step going forward.  x/4wx $esp reads
# memory.  Then a write watchpoint on jiffies: Debian's kernel has no data
# symbols in kallsyms (no CONFIG_KALLSYMS_ALL) and a placeholder System.map,
# so gdb stops at the first timer tick in do_timer (from the same source as
# start_kernel), whose first memory operand is jiffies_64 (jiffies is its
# low half on i386: `jiffies_64 += ticks`), watches it and continues: gdb
# must report the hardware watchpoint with an old and a different new
# value (the next tick).  Then kill.  Per engine given (default: interp jit).  Slow:
# X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_gdb.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp jit" "$@"
command -v gdb >/dev/null || { echo "SKIP: no gdb (scripts/deps.sh)"; exit 77; }
linux_initrd "$CACHE" poweroff.gz <<'INIT' || exit 1
poweroff -f
INIT
cd "$CACHE" || exit 1
# The addresses of start_kernel and do_timer: from the System.map of the
# linux-image .deb linux_fetch unpacked (kx/) when it is a real one.  Debian
# ships a placeholder there ("The real System.map is in the
# linux-image-...-dbg package"); then from /proc/kallsyms of a first boot of
# the same kernel with the same command line (nokaslr: the same addresses
# every boot).
APPEND="console=ttyS0 nokaslr quiet"
map=$(ls kx/boot/System.map-* 2>/dev/null | head -n 1)
addr= taddr=
if [ -n "$map" ]; then
  addr=$(awk '$3 == "start_kernel" { print $1 }' "$map")
  taddr=$(awk '$3 == "do_timer" { print $1 }' "$map")
fi
if [ -z "$addr" ] || [ -z "$taddr" ]; then
  linux_initrd "$CACHE" ksyms2.gz <<'INIT' || exit 1
grep -w -e start_kernel -e do_timer /proc/kallsyms | sed 's/^/KSYM /'
poweroff -f
INIT
  set -- $ENGINES
  "$X86VM" --headless --engine "$1" --kernel kernel/vmlinuz --initrd ksyms2.gz --append "$APPEND" \
    --timeout 900 </dev/null 2>/dev/null | tr -d '\r' >"$CACHE/ksyms.out"
  addr=$(awk '$1 == "KSYM" && $4 == "start_kernel" { print $2; exit }' "$CACHE/ksyms.out")
  taddr=$(awk '$1 == "KSYM" && $4 == "do_timer" { print $2; exit }' "$CACHE/ksyms.out")
  map="/proc/kallsyms of a first boot (the .deb's System.map is a placeholder)"
fi
[ -n "$addr" ] || { echo "FAIL: start_kernel's address not found"; exit 1; }
[ -n "$taddr" ] || { echo "FAIL: do_timer's address not found"; exit 1; }
echo "start_kernel at $addr, do_timer at $taddr ($map)"
T=$(mktemp -d /tmp/x86vm-lgdb-XXXXXX)
trap 'rm -rf "$T"' EXIT
tab=$(printf '\t')
fail=0
for e in $ENGINES; do
  sock=$T/$e.sock
  start=$(date +%s)
  "$X86VM" --headless --engine "$e" --kernel kernel/vmlinuz --initrd poweroff.gz --serial null \
    --append "$APPEND" --timeout 900 --record-mem 256 --gdb "unix:$sock" </dev/null >/dev/null 2>"$T/$e.err" &
  pid=$!
  i=0
  while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  cat >"$T/cmds" <<EOC
set pagination off
set confirm off
target remote $sock
break *0x$addr
continue
p/x \$eip
p/x \$cs
p/x \$esp
p/x \$eflags
delete
EOC
  # One line per step: the registers and the top four words of the stack.
  cat >>"$T/cmds" <<'EOC'
define fwd
  printf "FWD %d %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x\n", $arg0, (unsigned)$eip, (unsigned)$esp, (unsigned)$eax, (unsigned)$ecx, (unsigned)$edx, (unsigned)$ebx, (unsigned)$ebp, (unsigned)$esi, (unsigned)$edi, (unsigned)$eflags, *(unsigned *)$esp, *(unsigned *)($esp + 4), *(unsigned *)($esp + 8), *(unsigned *)($esp + 12)
end
define rev
  printf "REV %d %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x\n", $arg0, (unsigned)$eip, (unsigned)$esp, (unsigned)$eax, (unsigned)$ecx, (unsigned)$edx, (unsigned)$ebx, (unsigned)$ebp, (unsigned)$esi, (unsigned)$edi, (unsigned)$eflags, *(unsigned *)$esp, *(unsigned *)($esp + 4), *(unsigned *)($esp + 8), *(unsigned *)($esp + 12)
end
set $i = 0
fwd $i
while $i < 100
  stepi
  set $i = $i + 1
  fwd $i
end
while $i > 50
  reverse-stepi
  set $i = $i - 1
  rev $i
end
x/4wx $esp
EOC
  cat >>"$T/cmds" <<EOC
break *0x$taddr
continue
delete
x/12i \$pc
EOC
  # The first absolute kernel address do_timer's instructions use
  # (disp32 of `add %eax,jiffies_64`): watch its low word.
  cat >>"$T/cmds" <<'EOC'
python
import re
m = re.search(r"(?m)^\s*(?:=> )?0x[0-9a-f]+[^:]*:\s+add\S*\s+\S+,0x(c[0-9a-f]{7})\s*$", gdb.execute("x/12i $pc", to_string=True))
print("JIFFIES " + (m.group(1) if m else "none"))
if m:
    gdb.execute("watch *(unsigned int *)0x" + m.group(1))
end
continue
kill
EOC
  timeout 900 gdb -batch -nx -x "$T/cmds" >"$T/$e.out" 2>&1
  wait $pid
  st=$?
  ok=1
  grep -q "^Breakpoint 1, 0x$addr in" "$T/$e.out" || { echo "FAIL ($e): no stop at start_kernel"; ok=0; }
  grep -q "^\$1 = 0x$addr\$" "$T/$e.out" || { echo "FAIL ($e): EIP is not 0x$addr"; ok=0; }
  grep -q '^\$2 = 0x60$' "$T/$e.out" || { echo "FAIL ($e): CS is not the kernel's 0x60"; ok=0; }
  grep -q '^\$3 = 0xc' "$T/$e.out" || { echo "FAIL ($e): ESP is not a kernel address"; ok=0; }
  [ "$st" = 0 ] || { echo "FAIL ($e): x86vm exited with $st after kill"; ok=0; }
  # Forward: 101 states (steps 0-100), over more than a few instructions.
  nf=$(grep -c '^FWD ' "$T/$e.out")
  [ "$nf" = 101 ] || { echo "FAIL ($e): $nf states going forward, want 101"; ok=0; }
  [ "$(awk '$1 == "FWD" { print $3 }' "$T/$e.out" | sort -u | wc -l)" -gt 20 ] ||
    { echo "FAIL ($e): 100 stepi ran fewer than 21 different instructions"; ok=0; }
  # Back: 50 states (steps 99-50), each exactly the one going forward there.
  nr=$(grep -c '^REV ' "$T/$e.out")
  [ "$nr" = 50 ] || { echo "FAIL ($e): $nr states going back, want 50"; ok=0; }
  diff=$(awk '$1 == "FWD" { f[$2] = substr($0, 5) }
              $1 == "REV" && f[$2] != substr($0, 5) { if (!n++) print "step " $2 ": forward " f[$2] ", back " substr($0, 5) }
              END { print n + 0 }' "$T/$e.out")
  [ "$(echo "$diff" | tail -n 1)" = 0 ] || { echo "FAIL ($e): states after reverse-stepi differ: $diff"; ok=0; }
  grep -qE "^0xc[0-9a-f]{7}( <[^>]*>)?:(${tab}0x[0-9a-f]{8}){4}\$" "$T/$e.out" ||
    { echo "FAIL ($e): x/4wx \$esp shows no four stack words"; ok=0; }
  # The watchpoint: a hardware one, hit with the value changed.
  jaddr=$(sed -n 's/^JIFFIES \(c[0-9a-f]*\)$/\1/p' "$T/$e.out")
  [ -n "$jaddr" ] || { echo "FAIL ($e): no stop in do_timer, or no add to jiffies_64 there"; ok=0; }
  grep -q "^Hardware watchpoint [0-9]*: \*(unsigned int \*)0x$jaddr\$" "$T/$e.out" ||
    { echo "FAIL ($e): no hardware watchpoint on jiffies"; ok=0; }
  old=$(sed -n 's/^Old value = \([0-9]*\)$/\1/p' "$T/$e.out")
  new=$(sed -n 's/^New value = \([0-9]*\)$/\1/p' "$T/$e.out")
  { [ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ]; } ||
    { echo "FAIL ($e): the watchpoint on jiffies reported no change (old '$old', new '$new')"; ok=0; }
  if [ $ok = 1 ]; then
    echo "PASS ($e): stopped at start_kernel: $(grep '^\$' "$T/$e.out" | tr '\n' ' ')"
    echo "PASS ($e): 100 stepi, 50 reverse-stepi back to the same states, jiffies (0x$jaddr) $old -> $new" \
      "($(($(date +%s) - start)) s)"
  else
    cat "$T/$e.out" "$T/$e.err"
    fail=1
  fi
done
exit $fail
