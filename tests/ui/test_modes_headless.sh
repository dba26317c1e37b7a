#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_modes_headless.sh — modes_guest.img's eight video modes through the
# headless console script: x86vm types a key per mode (each answered by
# "MODE <i> ") and --screendump saves OUTDIR/first/mode-k.png after each.
# Each picture must have its mode's size and enough distinct colours, a
# second run must give the same PNGs (deterministic), and every pixel must
# match modes_ref.py's model of what the guest draws.
# Usage: test_modes_headless.sh path/to/x86vm path/to/modes_guest.img OUTDIR
X86VM=$1
IMG=$2
OUT=$3
HERE=$(dirname "$0")
mkdir -p "$OUT" || exit 1
fails=0

# One run through all eight modes, --screendump after each: OUTDIR/RUN/mode-k.png.
run_all() {
  dir=$OUT/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  set -- --expect MODES-READY
  for j in 0 1 2 3 4 5 6 7; do
    set -- "$@" --send-keys a --expect "MODE $j " --screendump "$dir/mode-$j.png"
  done
  "$X86VM" --headless --deterministic --timeout 240 "$IMG" "$@" </dev/null >"$dir/run.log" 2>&1
}
run_all first || { echo "FAIL: x86vm failed"; tail -5 "$OUT/first/run.log"; exit 1; }
run_all again || { echo "FAIL: x86vm failed (second run)"; tail -5 "$OUT/again/run.log"; exit 1; }

# mode: size, fewest distinct colours
for spec in 0:720x400:16 1:720x400:16 2:640x480:16 3:320x200:256 4:320x240:140 \
            5:640x480:256 6:800x600:60000 7:1024x768:2000; do
  k=${spec%%:*}
  rest=${spec#*:}
  size=${rest%%:*}
  min=${rest#*:}
  png=$OUT/first/mode-$k.png
  [ -s "$png" ] || { echo "FAIL: mode $k: no screen dump"; fails=$((fails + 1)); continue; }
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
  if ! cmp -s "$png" "$OUT/again/mode-$k.png"; then
    echo "FAIL: mode $k: a second run gave a different PNG"; fails=$((fails + 1))
  fi
done
grep -h "^NOTE" "$OUT"/first/run.log
[ $fails = 0 ] || { echo "FAIL: $fails checks"; exit 1; }
echo "PASS: 8 modes"
