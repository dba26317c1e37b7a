#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # the test's own Xvfb below
# test_debug_window.sh X86VM GUEST_IMG — the SDL window beside the
# debugger's TUI, as a person uses them: x86vm --debug in a tmux (the
# terminal) with the window on a private Xvfb.  dbgwin_guest.img writes
# 'A' white on red to the top-left text cell with one instruction, then
# echoes every key it reads (int 16h) white on green in the next cell.
#  1. both come up: the TUI shows the registers, the window the guest;
#  2. stopped at 0000:7C00 and stepped up to the store, the window has no
#     red; one F7 over the store and the window shows the red cell (the
#     window follows every step) while the TUI shows EIP past it;
#  3. the window resized while the guest is stopped still shows it;
#  4. `c` in the terminal, a key typed in the window: the guest reads it
#     and the window shows the green cell while the guest runs; Ctrl+C in
#     the terminal stops it;
#  5. Ctrl+Alt+Q in the window (what closing it does) ends the run: status
#     0, the TUI gone.
# Window pixels are read with xwd and counted by colour (tests/ui/pixels.py).
# Skips (77) without Xvfb, xdotool, xwd or tmux, or without a TUI or SDL2.
set -u
X86VM=$1
IMG=$2
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in Xvfb xdotool xwd tmux python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
T=$(mktemp -d /tmp/x86vm-dbgwin-XXXXXX)
XPID=
sock="x86vm-dbgwin-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null; [ -n "$XPID" ] && kill $XPID 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
. "$HERE/xvfb.sh"
xvfb_start "$T"
fail=0
n=0
check() { # check NAME EXIT-STATUS
  n=$((n + 1))
  if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi
}
screen() { tm capture-pane -p -t dbg; }
# on_screen ERE [SECONDS]: until a line of the terminal matches (0), or 1
on_screen() {
  limit=$(( ${2:-60} * 5 )) i=0
  while [ $i -lt "$limit" ]; do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.2
    i=$((i + 1))
  done
  return 1
}
# pixels COLOUR: how many pixels of the window have that colour (RRGGBB hex)
pixels() {
  DISPLAY=$DPY xwd -silent -id "$WID" >"$T/w.xwd" 2>/dev/null || { echo -1; return; }
  python3 - "$HERE" "$T/w.xwd" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import pixels
w, h, rows = pixels.read_xwd(sys.argv[2])
want = int(sys.argv[3], 16)
print(sum(row.count(want) for row in rows))
PY
}
# until_pixels COLOUR CMP N [SECONDS]: until the count compares so (-gt, -eq...)
until_pixels() {
  limit=$(( ${4:-20} * 5 )) i=0
  while [ $i -lt "$limit" ]; do
    c=$(pixels "$1")
    [ "$c" "$2" "$3" ] && return 0
    sleep 0.2
    i=$((i + 1))
  done
  echo "  ($1 pixels: $c, want $2 $3)"
  return 1
}
# title_is ERE: until the window's title matches (5 s)
title_is() {
  i=0
  while ! DISPLAY=$DPY xdotool getwindowname "$WID" | grep -Eq -- "$1"; do
    i=$((i + 1)); [ $i -gt 50 ] && return 1
    sleep 0.1
  done
}
RED=aa0000
GREEN=00aa00
export TERM=xterm
tm new-session -d -s dbg -x 120 -y 40 \
  "DISPLAY=$DPY SDL_AUDIODRIVER=dummy '$X86VM' --fda '$IMG' --deterministic --display sdl --debug 2>'$T/err'; echo \$? >'$T/rc'; sleep 600" ||
  { echo "FAIL: tmux new-session"; exit 1; }
i=0
while [ ! -s "$T/rc" ] && ! screen | grep -q 'x86vm debugger' && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
if [ -s "$T/rc" ]; then
  if grep -q "no TUI\|no SDL2" "$T/err"; then echo "SKIP: $(cat "$T/err")"; exit 77; fi
  echo "FAIL: x86vm ended at once"; cat "$T/err"; exit 1
fi
# 1. The terminal has the TUI, the display the window.
on_screen 'EIP=0000FFF0'
check "the TUI shows the registers" $?
WID=
i=0
while [ -z "$WID" ] && [ $i -lt 100 ]; do
  WID=$(DISPLAY=$DPY xdotool search --name '^x86vm' 2>/dev/null | tail -n 1)
  i=$((i + 1)); sleep 0.1
done
[ -n "$WID" ] || { echo "FAIL: no window"; screen; cat "$T/err"; exit 1; }
title_is 'debugger: stopped'
check "the window says the debugger has the guest stopped" $?
# 2. To the store, then over it.
tm send-keys -t dbg 'b 0000:7C00' Enter
on_screen 'breakpoint 1 set'
tm send-keys -t dbg 'c' Enter
on_screen 'breakpoint 1 hit after [0-9]+ instructions'
check "continue to 0000:7C00" $?
tm send-keys -t dbg 'step 7' Enter
on_screen 'EIP=00007C0F'
check "stepped to the store at 7C0F" $?
on_screen '=> 0000:7C0F +26C7060000[0-9A-F.]* +mov word ptr es:\[0x0000\], 0x4F41' 5
check "the TUI's disassembly shows the store next" $?
sleep 1
c=$(pixels $RED)
check "before the store: no red in the window ($c pixels)" $([ "$c" = 0 ]; echo $?)
tm send-keys -t dbg F7
on_screen 'EIP=00007C16'
check "F7 over the store: the TUI shows EIP=00007C16" $?
# a cell is 9x16 (720x400 text): its background is what the glyph leaves
until_pixels $RED -gt 60 5
check "after the store: the red cell in the window" $?
# 3. Resized while stopped: the window still shows the guest.
DISPLAY=$DPY xdotool windowsize "$WID" 1000 700
sleep 1
until_pixels $RED -gt 60 5
check "resized, the window still shows the red cell" $?
w=$(DISPLAY=$DPY xdotool getwindowgeometry "$WID" | sed -n 's/.*Geometry: //p')
check "the window took the new size ($w)" $([ "$w" = 1000x700 ]; echo $?)
# 4. Running under `c`: a key typed in the window reaches the guest, and
# the window shows what the guest did while it runs.
tm send-keys -t dbg 'c' Enter
on_screen 'running: c' 10
check "the TUI says the guest runs" $?
title_is 'debugger: running'
check "the window says the guest runs" $?
DISPLAY=$DPY xdotool mousemove --window "$WID" 5 5 windowfocus "$WID"
sleep 0.3
DISPLAY=$DPY xdotool key x
until_pixels $GREEN -gt 60 10
check "the key reached the guest and the window shows its green cell while it runs" $?
check "still running (the key did not stop the continue)" \
  $(screen | grep -q 'running: c'; echo $?)
tm send-keys -t dbg C-c
on_screen 'stopped on request after [0-9]+ instructions' 20
check "Ctrl+C in the terminal stops the guest" $?
title_is 'debugger: stopped'
check "the window says the guest is stopped" $?
on_screen 'EIP=0000[0-9A-F]{4}' 5
check "the TUI shows the registers" $?
# 5. Ctrl+Alt+Q in the window (as closing it) ends the run.
DISPLAY=$DPY xdotool mousemove --window "$WID" 5 5 windowfocus "$WID"
sleep 0.3
DISPLAY=$DPY xdotool key ctrl+alt+q
i=0
while [ ! -s "$T/rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "closing the window ended the run with status 0 ($(cat "$T/rc" 2>/dev/null))" \
  $([ "$(cat "$T/rc" 2>/dev/null)" = 0 ]; echo $?)
check "x86vm says the debugger quit" $(grep -q '^x86vm: debugger quit;' "$T/err"; echo $?)
echo "$((n - fail))/$n checks passed"
if [ $fail != 0 ]; then
  echo "---- terminal:"; screen
  echo "---- stderr:"; cat "$T/err"
  exit 1
fi
