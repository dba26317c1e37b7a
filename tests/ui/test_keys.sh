#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_keys.sh — every key of a 105-key keyboard typed with --send-keys
# reaches a guest (kbd_guest.img polls the 8042 with IRQ1 masked) as the
# bytes of the published scan code set 1 table: the keyboard's set 2
# through the 8042's translation, E0/E1 prefixes, Print Screen and Pause.
# Usage: test_keys.sh path/to/x86vm path/to/kbd_guest.img
X86VM=$1
IMG=$2
HERE=$(dirname "$0")
T=$(mktemp -d /tmp/x86vm-keys-XXXXXX)
trap 'rm -rf "$T"' EXIT
keys=$(python3 "$HERE/keys_set1.py" sendkeys)
last=$(python3 "$HERE/keys_set1.py" last)
"$X86VM" --headless --timeout 60 "$IMG" --expect KBD-READY --send-keys "$keys" \
  --expect "$last " </dev/null >"$T/out" 2>"$T/err"
st=$?
if [ $st != 0 ]; then
  echo "FAIL: x86vm status $st"; cat "$T/err"; python3 "$HERE/keys_set1.py" check "$T/out"; exit 1
fi
python3 "$HERE/keys_set1.py" check "$T/out"
