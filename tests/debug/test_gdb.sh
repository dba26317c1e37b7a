#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_gdb.sh X86VM ENGINE — gdb (batch mode) against --gdb unix:PATH on the
# default guest: break at 0000:7C00, continue, info registers, x/ memory,
# stepi, a watchpoint on the BIOS tick count, detach; the machine then runs
# on (to --timeout).  Skipped (77) without gdb.
set -u
x86vm=$1 engine=$2
command -v gdb >/dev/null || { echo "SKIP: no gdb (scripts/deps.sh)"; exit 77; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
sock=$dir/gdb.sock
"$x86vm" --deterministic --engine "$engine" --serial null --timeout 5 --gdb "unix:$sock" \
  >"$dir/vm.out" 2>"$dir/vm.err" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$sock" ] || { echo "FAIL: no socket"; cat "$dir/vm.err"; exit 1; }
[ "$(stat -c %a "$sock")" = 600 ] || { echo "FAIL: socket mode $(stat -c %a "$sock"), want 600"; exit 1; }
cat >"$dir/cmds" <<EOC
set pagination off
set confirm off
target remote $sock
info registers eip cs
break *0x7c00
continue
info registers
x/8xb 0x7c00
stepi
info registers eip
watch *(int*)0x46c
continue
delete
detach
EOC
timeout 60 gdb -batch -nx -x "$dir/cmds" >"$dir/gdb.out" 2>&1
wait "$pid"
rc=$?
pid=
cat "$dir/gdb.out"
fail=0
check() { grep -qE "$1" "$dir/gdb.out" || { echo "FAIL: gdb output lacks: $1"; fail=1; }; }
check '^eip +0xfff0 '
check '^cs +0xf000 '
check '^Breakpoint 1, 0x0*7c00 in'
check '^eip +0x7c00 '
check '^esp +0x7bfe '
check '^eflags +0x246 '
check '^0x7c00:	0xeb	0x09	'
check '^0x0*7c0b in'
check '^eip +0x7c0b '
check '^Hardware watchpoint 2: \*\(int\*\)0x46c'
check '^Old value = 0$'
check '^New value = 1$'
check 'detached'
grep -q 'gdb connected' "$dir/vm.err" || { echo "FAIL: x86vm saw no gdb"; fail=1; }
# After the detach the machine ran on to its --timeout.
[ $rc -eq 124 ] || { echo "FAIL: x86vm exited with $rc after the detach, want 124 (timeout)"; cat "$dir/vm.err"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: gdb drove the $engine engine"
exit $fail
