#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_grub.sh — GRUB (Debian's grub-pc-bin, an ISO made here with
# grub-mkrescue) boots from CD through our BIOS, shows its menu with
# gfxterm at 1024x768x32 (VBE), and the arrow keys typed on the PS/2
# keyboard move it: <down><ret> boots the second entry, <down><down><ret>
# the third (each entry prints its name on COM1).
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

"$X86VM" --headless --deterministic --timeout 90 "$T/grub.iso" --serial "file:$T/menu.out" --expect "for a command-line" --wait 5 \
  --screenshot "$T/menu.png" </dev/null 2>"$T/menu.err"
check "menu: status $?" $?
check "menu in a 1024x768 VBE mode: $(python3 "$HERE/pixels.py" stats "$T/menu.png")" \
  $(python3 "$HERE/pixels.py" stats "$T/menu.png" | grep -Eq '^1024x768 ([2-9]|[0-9][0-9]+) colours'; echo $?)
for keys in '<down><ret>:second' '<down><down><ret>:third'; do
  k=${keys%%:*}; want=${keys##*:}
  "$X86VM" --headless --deterministic --timeout 90 "$T/grub.iso" --serial "file:$T/$want.out" --expect "third entry" \
    --send-keys "$k" --expect "chose-" --expect "\n" </dev/null 2>"$T/$want.err"
  check "$k: status $?" $?
  got=$(grep -a -o 'chose-[a-z]*' "$T/$want.out" | head -n 1)
  check "$k boots the $want entry (got '$got')" $([ "$got" = "chose-$want" ]; echo $?)
done
echo "$((n - fail))/$n GRUB checks passed"
[ "$fail" = 0 ]
