#!/bin/sh
# test_window.sh — the SDL2 window as a person uses it, under Xvfb, driven
# by xdotool:
#  1. every key of a 105-key keyboard pressed in the window reaches a guest
#     (kbd_guest.img) as the published scan code set 1 bytes;
#  2. the window's pixels equal the guest screen: the default guest paused
#     from the window's monitor console (Ctrl+Alt+M, "stop"), the window
#     grabbed with xwd, compared with the PNG the Ctrl+Alt+N screenshot key
#     writes; Ctrl+Alt+P resumes it;
#  3. Ctrl+Alt+Q switches the machine off: status 0, "powered off";
#  4. mode by mode (modes_guest.img: text with a loaded font, 80x50, 12h,
#     13h, mode X, VBE 8, 32 and 16 bits per pixel), a key pressed in the
#     window moves the guest on, and the window's pixels equal the monitor's
#     screendump of the same state (the window at 1:1, or 2:1 for 320-wide modes).
# Usage: test_window.sh path/to/x86vm path/to/kbd_guest.img path/to/roms path/to/modes_guest.img
# Skips (77) without Xvfb, xdotool or xwd.
X86VM=$1
KBD_IMG=$2
ROMS=$3
MODES_IMG=$4
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in Xvfb xdotool xwd; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
T=$(mktemp -d /tmp/x86vm-win-XXXXXX)
XPID=
cleanup() { [ -n "$XPID" ] && kill $XPID 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
. "$HERE/xvfb.sh"
xvfb_start "$T"
DISPLAY=$DPY
export DISPLAY
unset WAYLAND_DISPLAY
export SDL_AUDIODRIVER=dummy
fail=0
n=0
check() { # check NAME CONDITION-EXIT-STATUS
  n=$((n + 1))
  if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi
}
# wait_for FILE STRING [tenths]: until FILE contains STRING.
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt "${3:-300}" ] && return 1
    sleep 0.1
  done
}
# The x86vm window (the newest one), focused with the pointer over it.
window() {
  i=0
  while :; do
    WID=$(xdotool search --name '^x86vm' 2>/dev/null | tail -n 1)
    [ -n "$WID" ] && break
    i=$((i + 1)); [ $i -gt 100 ] && return 1
    sleep 0.1
  done
  xdotool mousemove --window "$WID" 5 5 windowfocus "$WID"
  sleep 0.3
}

# 1. Every key, pressed and released in the window, as X key codes.
"$X86VM" "$KBD_IMG" --serial "file:$T/kbd.out" --timeout 120 </dev/null >/dev/null 2>"$T/kbd.err" &
VM=$!
wait_for "$T/kbd.out" KBD-READY && window
# (xdotool reads a one-digit argument as a keysym: Escape is the one such code)
for c in $(python3 "$HERE/keys_set1.py" xkeycodes); do
  [ "$c" -lt 10 ] && c=Escape
  xdotool key "$c"
done
wait_for "$T/kbd.out" "$(python3 "$HERE/keys_set1.py" last) " 100
python3 "$HERE/keys_set1.py" check "$T/kbd.out" >"$T/kbd.check"
check "window keyboard: $(cat "$T/kbd.check")" $?
xdotool key ctrl+alt+q
wait $VM

# 2. Paused, the window shows exactly the guest screen.
(cd "$T" && "$X86VM" --fda "$ROMS/default-guest.img" --snapshot --serial "file:$T/dg.out" --timeout 120 </dev/null \
  >/dev/null 2>"$T/dg.err") &
VM=$!
wait_for "$T/dg.out" "default guest ready" && window
# Paused from the window's monitor console: Ctrl+Alt+M, "stop", Enter, Esc.
xdotool key ctrl+alt+m
sleep 0.3
xdotool type --delay 30 "stop"
xdotool key Return
sleep 0.3
xdotool key Escape
sleep 1
check "console 'stop': title says paused" $(xdotool getwindowname "$WID" | grep -q "paused"; echo $?)
xdotool key ctrl+alt+n
i=0
while [ -z "$(ls "$T"/x86vm-*.png 2>/dev/null)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
xwd -silent -id "$WID" >"$T/window.xwd"
shot=$(ls "$T"/x86vm-*.png 2>/dev/null | head -n 1)
check "Ctrl+Alt+N wrote a screenshot" $([ -n "$shot" ]; echo $?)
python3 "$HERE/pixels.py" compare "$shot" "$T/window.xwd" --crop >"$T/cmp.txt" 2>&1
check "window pixels = screenshot: $(cat "$T/cmp.txt")" $?
xdotool key ctrl+alt+p
sleep 1
check "Ctrl+Alt+P: title says running" $(xdotool getwindowname "$WID" | grep -q "running"; echo $?)
xdotool key ctrl+alt+q
wait $VM
st=$?
check "Ctrl+Alt+Q: status $st, want 0" $([ $st = 0 ]; echo $?)
check "Ctrl+Alt+Q: powered off" $(tail -n 1 "$T/dg.err" | grep -q "^x86vm: powered off;"; echo $?)

# 4. Each video mode: a key in the window, then window grab vs screendump.
mkfifo "$T/mon"
"$X86VM" "$MODES_IMG" --serial "file:$T/modes.out" --monitor stdio --timeout 240 <"$T/mon" \
  >"$T/modes.mon" 2>"$T/modes.err" &
VM=$!
exec 4>"$T/mon"
wait_for "$T/modes.out" MODES-READY && window
for k in 0 1 2 3 4 5 6 7; do
  xdotool key space
  if ! wait_for "$T/modes.out" "MODE $k " 300; then
    check "mode $k: the guest never reached it" 1; continue
  fi
  sleep 0.5
  printf 'stop\nscreendump %s\n' "$T/mode-$k.png" >&4
  i=0
  while [ ! -s "$T/mode-$k.png" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  sleep 0.5 # the window shows the last frame published before the stop
  xwd -silent -id "$WID" >"$T/mode-$k.xwd"
  python3 "$HERE/pixels.py" compare "$T/mode-$k.png" "$T/mode-$k.xwd" --crop >"$T/cmp.txt" 2>&1
  st=$?; cat "$T/cmp.txt"; check "mode $k: window = screendump" $st
  printf 'cont\n' >&4
done
printf 'quit\n' >&4
exec 4>&-
wait $VM
check "modes run: status $?" $?

echo "$((n - fail))/$n window checks passed"
[ "$fail" = 0 ] || { for f in kbd.err dg.err modes.err; do echo "--- $f"; cat "$T/$f"; done; exit 1; }
