#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless
# test_debian_installer.sh — Debian 12's graphical i386 installer from CD
# through our BIOS (El Torito, VBE) with the JIT, deterministic:
#  (a) isolinux's vesamenu shows the installer's boot menu in a 640x480 VBE
#      mode over the splash picture, its text drawn with the BIOS font
#      (INT 10h AX=1130h: a wrong font pointer hatches every character cell,
#      which the "edges" measure sees);
#  (b) <ret> boots the first entry ("Install", the gtk installer) and the
#      kernel starts /init (COM1 through earlyprintk, see debian_installer_cd.sh);
#  (c) the first dialog ("Select a language") is drawn in the 800x600 VBE mode
#      (vga=788) with many colours;
#  (e) <ret> there moves on to the next dialog ("Select your location"): the
#      screen changes substantially.  This step starts from the machine state
#      saved at (c) (--save / --restore), so the boot runs once.
#  (d) the accented names in the language list read as Français and Čeština
#      (tesseract OCR of lang.png);
# The screenshots stay in the cache directory (menu.png, lang.png, next.png)
# for a look.  Slow (minutes): runs only with X86VM_SLOW_TESTS=1.
# Usage: test_debian_installer.sh path/to/x86vm cache-dir
X86VM=$1
CACHE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$X86VM_SLOW_TESTS" != 1 ]; then
  echo "SKIP: set X86VM_SLOW_TESTS=1 to boot the Debian installer (takes minutes)"
  exit 77
fi
. "$HERE/debian_installer_cd.sh"
di_make_cd "$CACHE" || exit $?
cd "$CACHE" || exit 1
fail=0
n=0
check() { n=$((n + 1)); if [ "$2" != 0 ]; then echo "FAIL: $1"; fail=$((fail + 1)); fi; }
px() { python3 "$HERE/pixels.py" "$@"; }
ge() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }
VM="$X86VM --headless --deterministic --engine jit --mem 1024 --cdrom di.iso"
# Virtual seconds: the menu is up after about 1 s (its speech-synthesis
# timeout fires after 30 s); the first dialog is drawn at about 394 s (the
# installer's userland sits idle for most of that; idle virtual time passes
# in no wall time), 36 s later is a margin.
MENU_S=3
DIALOG_S=${DI_DIALOG_S:-430}

start=$(date +%s)
$VM --timeout 60 --wait $MENU_S --screenshot menu.png </dev/null >menu.out 2>menu.err
check "menu run: status $? (want 0); $(tail -n 1 menu.err)" $?
stats=$(px stats menu.png)
check "(a) menu in a 640x480 VBE mode with many colours: $stats" \
  $(echo "$stats" | grep -Eq '^640x480 [0-9]{4,} colours'; echo $?)
edges=$(px edges menu.png)
check "(a) menu text drawn cleanly (edge fraction $edges, want < 0.15)" $(ge 0.15 "$edges"; echo $?)
t1=$(date +%s)

$VM --timeout 900 --serial file:boot.out --wait $MENU_S --send-keys '<ret>' --wait $DIALOG_S \
  --screenshot lang.png --save lang.state </dev/null 2>boot.err
check "boot run: status $? (want 0); $(tail -n 1 boot.err)" $?
check "(b) <ret> booted the installer kernel: Run /init on COM1" $(grep -q "Run /init as init process" boot.out; echo $?)
stats=$(px stats lang.png)
check "(c) first dialog in an 800x600 (or larger) VBE mode: $stats" \
  $(echo "$stats" | grep -Eq '^([89][0-9]{2}|[0-9]{4,})x([6-9][0-9]{2}|[0-9]{4,}) [0-9]{4,} colours'; echo $?)
d=$(px differ menu.png lang.png)
check "(c) the screen is no longer the boot menu (differ $d)" $(ge "$d" 0.5; echo $?)
# (d) The accented names as a reader sees them: the list (3x, for OCR) read
# by tesseract with its French and Czech models.  A cedilla rubbed out of
# the picture reads "Francais" and fails.
if command -v tesseract >/dev/null; then
  px crop lang.png 20 186 740 350 3 list.png
  fr=$(tesseract list.png - -l fra --psm 6 2>/dev/null | grep -o 'Fran[^ ]*' | head -n 1)
  cs=$(tesseract list.png - -l ces --psm 6 2>/dev/null | grep -o '[^ ]*eština' | head -n 1)
  check "(d) accented names in the language list: read '$fr' (want Français), '$cs' (want Čeština)" \
    $([ "$fr" = "Français" ] && [ "$cs" = "Čeština" ]; echo $?)
else
  check "(d) tesseract is not installed (scripts/deps.sh installs it)" 1
fi
t2=$(date +%s)

$X86VM --headless --deterministic --engine jit --restore lang.state --restore-disks --send-keys '<ret>' --wait 20 \
  --screenshot next.png </dev/null 2>next.err
check "next run: status $? (want 0); $(tail -n 1 next.err)" $?
stats=$(px stats next.png)
check "(e) next dialog in the same mode: $stats" \
  $(echo "$stats" | grep -Eq "^${stats%% *} [0-9]{3,} colours" && [ "${stats%% *}" = "$(px stats lang.png | cut -d' ' -f1)" ]; echo $?)
d=$(px differ lang.png next.png)
check "(e) <ret> changed the dialog (differ $d, want >= 0.05)" $(ge "$d" 0.05; echo $?)
t3=$(date +%s)
rm -f lang.state   # 140 MB

echo "wall seconds: menu $((t1 - start)), boot to first dialog ($DIALOG_S virtual s) $((t2 - t1)), next dialog $((t3 - t2))"
echo "$((n - fail))/$n Debian installer checks passed"
[ "$fail" = 0 ]
