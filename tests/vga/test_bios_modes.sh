#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_bios_modes.sh — bios_modes.img sets each standard VGA mode and the
# planar VBE modes 102h/104h through our BIOS's int 10h and draws with its
# services (and 12h again with bit 7 set: memory kept); x86vm types a key per mode (each answered by "MODE <mmmm> ... END"
# on COM1) and --screendump saves OUTDIR/mode-<mmmm>.png after each.  Every
# picture and report must match bios_modes_ref.py's model.
# Usage: test_bios_modes.sh path/to/x86vm path/to/bios_modes.img path/to/bios.bin OUTDIR
X86VM=$1
IMG=$2
BIOS=$3
OUT=$4
HERE=$(dirname "$0")
MODES="0000 0001 0002 0003 0007 0004 0005 0006 000D 000E 000F 0010 0011 0012 0092 0013 0102 0104"
rm -rf "$OUT"
mkdir -p "$OUT" || exit 1
set -- --expect BIOSMODES-READY
for m in $MODES; do
  set -- "$@" --send-keys a --expect "MODE $m " --screendump "$OUT/mode-$m.png"
done
set -- "$@" --send-keys a --expect BIOSMODES-DONE
"$X86VM" --headless --deterministic --timeout 240 --bios "$BIOS" "$IMG" "$@" </dev/null >"$OUT/run.log" 2>&1 ||
  { echo "FAIL: x86vm failed"; tail -5 "$OUT/run.log"; exit 1; }
fails=0
for m in $MODES; do
  if [ ! -s "$OUT/mode-$m.png" ]; then
    echo "FAIL: mode $m: no screen dump"; fails=$((fails + 1)); continue
  fi
  python3 "$HERE/bios_modes_ref.py" check "$m" "$OUT/mode-$m.png" "$OUT/run.log" "$BIOS" || fails=$((fails + 1))
done
grep -h "BIOSMODES-ERROR" "$OUT/run.log" && fails=$((fails + 1))
[ $fails = 0 ] || { echo "FAIL: $fails modes"; exit 1; }
echo "PASS: 18 mode sets"
