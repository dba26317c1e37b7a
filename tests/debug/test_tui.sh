#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_tui.sh X86VM — the full-screen debugger (--debug-tui) on the default
# guest, inside a tmux of a fixed size, typed at with `tmux send-keys` and
# read with `tmux capture-pane`: a breakpoint at 0000:7C00 from the command
# line, continue, three F7 steps with the explanation pane, F9 on the
# disassembly cursor, the JIT pane, Ctrl+C stopping a running continue, a resize to a
# too-small terminal and back, and q.  Every wait polls the screen with a
# generous deadline (a loaded machine is slow, never wrong).  Skipped (77)
# without tmux or when the build has no TUI.
set -u
x86vm=$1
command -v tmux >/dev/null 2>&1 || { echo "SKIP: no tmux"; exit 77; }
dir=$(mktemp -d)
sock="x86vm-tui-$$"
export TERM=xterm
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$dir"' EXIT
screen() { tm capture-pane -p -t tui; }
fail() {
  echo "FAIL: $1"
  echo "---- screen:"; screen
  echo "---- stderr:"; cat "$dir/err" 2>/dev/null
  exit 1
}
# wait_for ERE [SECONDS]: until a line of the screen matches
wait_for() {
  limit=$(( ${2:-60} * 5 )) i=0
  while [ $i -lt "$limit" ]; do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.2
    i=$((i + 1))
  done
  fail "not on the screen within ${2:-60} s: $1"
}
# --engine jit when the build has a JIT (the JIT pane then shows host code), else interp
start() {
  rm -f "$dir/rc"
  tm new-session -d -s tui -x 100 -y 30 \
    "'$x86vm' --deterministic --engine $1 --debug-tui 2>'$dir/err'; echo \$? >'$dir/rc'; sleep 600" ||
    { echo "FAIL: tmux new-session"; exit 1; }
  i=0
  while [ ! -s "$dir/rc" ] && ! screen | grep -q 'x86vm debugger' && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
}
engine=jit
start jit
if [ -s "$dir/rc" ] && grep -q "no JIT" "$dir/err"; then
  tm kill-session -t tui
  engine=interp
  start interp
fi
if [ -s "$dir/rc" ] && grep -q "no TUI" "$dir/err"; then echo "SKIP: no TUI in this build"; exit 77; fi
wait_for 'EIP=0000FFF0'
wait_for '=> F000:FFF0 +EA[0-9A-F]{8} +jmp far 0xF000:0x[0-9A-F]+' # (the BIOS's layout moves its target)
# a breakpoint through the command line, then continue to it
tm send-keys -t tui 'b 0000:7C00' Enter
wait_for 'breakpoint 1 set'
tm send-keys -t tui 'c' Enter
wait_for 'breakpoint 1 hit after [0-9]+ instructions'
wait_for 'EIP=00007C00'
wait_for '\*=> 0000:7C00 +EB09 +jmp 0x7C0B' # EIP and the breakpoint's mark in the disassembly
# F7 three times: jmp, cli, xor ax, ax; the explanation pane explains the last
for n in 1 2 3; do
  tm send-keys -t tui F7
  case $n in
    1) wait_for 'EIP=00007C0B' ;;
    2) wait_for 'EIP=00007C0C' ;;
    3) wait_for 'EIP=00007C0E' ;;
  esac
done
wait_for 'Explanation of the last step'
wait_for '\[[0-9]+\] 0000:7C0C +31C0 +xor ax, ax'
wait_for 'xor: bitwise exclusive OR into the destination'
wait_for '=> 0000:7C0E +8ED8 +mov ds, ax'
# the JIT pane: the block at CS:EIP, guest beside host code
tm send-keys -t tui 'jit' Enter
wait_for 'JIT: the block at CS:EIP'
if [ $engine = jit ]; then
  wait_for 'guest \(16-bit\) +\| host \(x86-64\)'
  wait_for '00007c0e  mov ds, ax +\| [0-9a-f]{8,}  [a-z]+'
else
  wait_for 'no translation: the machine runs in the interpreter'
fi
# a step with the pane open: it follows to the next block
tm send-keys -t tui F7
wait_for 'EIP=00007C10'
if [ $engine = jit ]; then
  wait_for '00007c10  mov es, ax +\| [0-9a-f]{8,}  [a-z]+'
fi
tm send-keys -t tui 'jit off' Enter
wait_for 'Memory ss:esp'
wait_for 'mov: copies the source into the destination' # the explanation of that step
# F9 sets a breakpoint at the disassembly cursor (on EIP after a step), F9 again clears it
tm send-keys -t tui F9
wait_for 'breakpoint 2 set'
wait_for '\*=> 0000:7C10'
tm send-keys -t tui F9
wait_for '\(dbg\) delete 2'
wait_for ' => 0000:7C10'
# Ctrl+C stops a continue that would run forever
tm send-keys -t tui 'delete 1' Enter 'c' Enter
wait_for 'running: c'
sleep 1
tm send-keys -t tui C-c
wait_for "stopped on request after [0-9]+ instructions"
# a terminal too small says so; bigger again, the panes come back
tm resize-window -t tui -x 60 -y 20
wait_for 'the terminal is too small'
wait_for 'it is 60x20; it needs at least 80x24'
tm resize-window -t tui -x 120 -y 40
wait_for 'Registers'
wait_for 'stopped on request'
screen | grep -q 'too small' && fail "still 'too small' at 120x40"
# q quits from the command line, with status 0
tm send-keys -t tui 'q' Enter
i=0
while [ ! -s "$dir/rc" ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
[ -s "$dir/rc" ] || fail "x86vm did not quit"
[ "$(cat "$dir/rc")" = 0 ] || fail "exit status $(cat "$dir/rc")"
grep -q 'debugger quit' "$dir/err" || fail "no 'debugger quit' line on stderr"
echo "PASS ($engine): the TUI stepped, showed the JIT pane, set breakpoints, stopped a continue, survived resizes and quit"
