#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_grub.sh — GRUB (Debian's grub-pc-bin, an ISO made here with
# grub-mkrescue) boots from CD through our BIOS, shows its menu with
# gfxterm at 1024x768x32 (VBE), and the arrow keys typed on the PS/2
# keyboard move it: <down> moves the highlight (screen dumps before and
# after differ) and <ret> boots the second entry (each entry prints its
# name on COM1).
# Usage: test_grub.sh path/to/x86vm     Skips (77) without grub-mkrescue/xorriso.
X86VM=$1
HERE=$(cd "$(dirname "$0")" && pwd)
command -v grub-mkrescue >/dev/null && command -v xorriso >/dev/null && [ -d /usr/lib/grub/i386-pc ] ||
  { echo "SKIP: grub-mkrescue, xorriso or grub-pc-bin missing"; exit 77; }
T=$(mktemp -d /tmp/x86vm-grub-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/iso/boot/grub"
cat >"$T/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=-1
insmod all_video
insmod gfxterm
serial --unit=0 --speed=115200
set gfxmode=1024x768x32
terminal_input console
terminal_output gfxterm serial
menuentry "x86vm first entry" { echo chose-first; sleep 2; halt }
menuentry "x86vm second entry" { echo chose-second; sleep 2; halt }
menuentry "x86vm third entry" { echo chose-third; sleep 2; halt }
CFG
grub-mkrescue -o "$T/grub.iso" "$T/iso" >"$T/mk.log" 2>&1 || { echo "SKIP: grub-mkrescue failed"; cat "$T/mk.log"; exit 77; }
fail=0
n=0
check() { n=$((n + 1)); if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }

# One run: the menu, a screen dump, <down>, another dump, <ret>.
"$X86VM" --headless --engine jit --timeout 120 "$T/grub.iso" --serial "file:$T/serial.out" \
  --expect "for a command-line" --wait 3 --screendump "$T/menu.png" --send-keys '<down>' --wait 1 \
  --screendump "$T/down.png" --send-keys '<ret>' --expect "chose-" --expect "\n" </dev/null 2>"$T/err"
st=$?
check "run: status $st, want 0 ($(tail -n 1 "$T/err"))" $st
check "menu in a 1024x768 VBE mode: $(python3 "$HERE/pixels.py" stats "$T/menu.png" 2>&1)" \
  $(python3 "$HERE/pixels.py" stats "$T/menu.png" | grep -Eq '^1024x768 ([2-9]|[0-9][0-9]+) colours'; echo $?)
check "<down> moved the highlight (the screen changed)" \
  $(! python3 "$HERE/pixels.py" compare "$T/menu.png" "$T/down.png" >/dev/null 2>&1; echo $?)
got=$(grep -a -o 'chose-[a-z]*' "$T/serial.out" | head -n 1)
check "<down><ret> boots the second entry (got '$got')" $([ "$got" = "chose-second" ]; echo $?)
echo "$((n - fail))/$n GRUB checks passed"
[ "$fail" = 0 ]
