#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_modes_headless.sh — modes_guest.img's eight video modes through the
# headless --screenshot: for mode k, x86vm types k+1 keys (one per mode,
# each answered by "MODE <i> ") and saves OUTDIR/mode-k.png at exit.  Each
# picture must have its mode's size and enough distinct colours, a second
# run must give the same PNG (deterministic), and every pixel must match
# modes_ref.py's model of what the guest draws.
# Usage: test_modes_headless.sh path/to/x86vm path/to/modes_guest.img OUTDIR
X86VM=$1
IMG=$2
OUT=$3
HERE=$(dirname "$0")
mkdir -p "$OUT" || exit 1
fails=0

shot() { # shot K PNG: boot, advance to mode K, screenshot at exit
  k=$1
  png=$2
  set -- --expect MODES-READY
  j=0
  while [ $j -le $k ]; do
    set -- "$@" --send-keys a --expect "MODE $j "
    j=$((j + 1))
  done
  "$X86VM" --headless --deterministic --timeout 120 "$IMG" "$@" --screenshot "$png" \
    </dev/null >"$OUT/mode-$k.log" 2>&1
}

# mode: size, fewest distinct colours
for spec in 0:720x400:16 1:720x400:16 2:640x480:16 3:320x200:256 4:320x240:140 \
            5:640x480:256 6:800x600:60000 7:1024x768:2000; do
  k=${spec%%:*}
  rest=${spec#*:}
  size=${rest%%:*}
  min=${rest#*:}
  png=$OUT/mode-$k.png
  rm -f "$png" "$OUT/mode-$k.again.png"
  if ! shot "$k" "$png"; then
    echo "FAIL: mode $k: x86vm failed"; tail -5 "$OUT/mode-$k.log"; fails=$((fails + 1)); continue
  fi
  stats=$(python3 "$HERE/pixels.py" stats "$png") || { echo "FAIL: mode $k: $stats"; fails=$((fails + 1)); continue; }
  got_size=${stats%% *}
  colours=$(echo "$stats" | cut -d' ' -f2)
  if [ "$got_size" != "$size" ]; then
    echo "FAIL: mode $k: $got_size, want $size"; fails=$((fails + 1))
  elif [ "$colours" -lt "$min" ]; then
    echo "FAIL: mode $k: $colours colours, want at least $min"; fails=$((fails + 1))
  else
    echo "mode $k: $stats"
  fi
  if ! python3 "$HERE/modes_ref.py" check "$k" "$png"; then
    fails=$((fails + 1))
  fi
  if ! shot "$k" "$OUT/mode-$k.again.png"; then
    echo "FAIL: mode $k: second run failed"; fails=$((fails + 1))
  elif ! cmp -s "$png" "$OUT/mode-$k.again.png"; then
    echo "FAIL: mode $k: a second run gave a different PNG"; fails=$((fails + 1))
  fi
done
grep -h "^NOTE" "$OUT"/mode-7.log
[ $fails = 0 ] || { echo "FAIL: $fails checks"; exit 1; }
echo "PASS: 8 modes"
