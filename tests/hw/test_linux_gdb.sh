#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_linux_gdb.sh — gdb stops Debian's i386 kernel at a kernel function.
# x86vm boots the kernel (--kernel) with --gdb unix:PATH; gdb (batch mode)
# connects before the first instruction, when paging is still off, sets a
# breakpoint at start_kernel's address from the System.map of the same
# linux-image .deb (a linear address the kernel maps only later), continues,
# and reads the registers there: EIP must be that address, CS the kernel's
# code segment (ring 0), ESP a kernel address.  Then kill.  Per engine given (default:
# interp jit).  Slow: X86VM_SLOW_TESTS=1 only.
# Usage: test_linux_gdb.sh path/to/x86vm cache-dir [engine...]
. "$(dirname "$0")/linux_common.sh"
linux_test_args "interp jit" "$@"
command -v gdb >/dev/null || { echo "SKIP: no gdb (scripts/deps.sh)"; exit 77; }
linux_initrd "$CACHE" poweroff.gz <<'INIT' || exit 1
poweroff -f
INIT
cd "$CACHE" || exit 1
# start_kernel's address: from the System.map of the linux-image .deb
# linux_fetch unpacked (kx/) when it is a real one.  Debian ships a
# placeholder there ("The real System.map is in the linux-image-...-dbg
# package"); then from /proc/kallsyms of a first boot of the same kernel
# with the same command line (nokaslr: the same addresses every boot).
APPEND="console=ttyS0 nokaslr quiet"
map=$(ls kx/boot/System.map-* 2>/dev/null | head -n 1)
addr=
[ -n "$map" ] && addr=$(awk '$3 == "start_kernel" { print $1 }' "$map")
if [ -z "$addr" ]; then
  linux_initrd "$CACHE" ksyms.gz <<'INIT' || exit 1
echo "KSYM $(grep -w start_kernel /proc/kallsyms)"
poweroff -f
INIT
  set -- $ENGINES
  addr=$("$X86VM" --headless --engine "$1" --kernel kernel/vmlinuz --initrd ksyms.gz --append "$APPEND" \
           --timeout 900 </dev/null 2>/dev/null | sed -n 's/.*KSYM \([0-9a-f]\{8\}\) [Tt] start_kernel.*/\1/p' | head -n 1)
  map="/proc/kallsyms of a first boot (the .deb's System.map is a placeholder)"
fi
[ -n "$addr" ] || { echo "FAIL: start_kernel's address not found"; exit 1; }
echo "start_kernel at $addr ($map)"
T=$(mktemp -d /tmp/x86vm-lgdb-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
for e in $ENGINES; do
  sock=$T/$e.sock
  "$X86VM" --headless --engine "$e" --kernel kernel/vmlinuz --initrd poweroff.gz --serial null \
    --append "$APPEND" --timeout 900 --gdb "unix:$sock" </dev/null >/dev/null 2>"$T/$e.err" &
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
  if [ $ok = 1 ]; then
    echo "PASS ($e): stopped at start_kernel: $(grep '^\$' "$T/$e.out" | tr '\n' ' ')"
  else
    cat "$T/$e.out" "$T/$e.err"
    fail=1
  fi
done
exit $fail
