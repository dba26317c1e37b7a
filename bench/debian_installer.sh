#!/bin/sh
# debian_installer.sh — benchmark: wall seconds from power-on to the first
# dialog ("Select a language") of Debian 12's graphical i386 installer,
# booted from the same isolinux CD (tests/ui/debian_installer_cd.sh) on
# x86vm (our BIOS, VBE) and on qemu-system-i386 -accel tcg (SeaBIOS, -vga
# std), N runs each, interleaved; medians and the ratio x86vm/QEMU.  Both are
# watched the same way (bench/di_poll.py: screendump on the monitor every
# second, <ret> sent when the boot menu shows).  Not a ctest test
# (see bench/README.md).
#
# Usage: bench/debian_installer.sh [-n RUNS] [-e ENGINE] [-m MIB] [X86VM [CACHE-DIR]]
#   X86VM      default build/src/x86vm
#   CACHE-DIR  default build/debian-installer (shared with ui_debian_installer)
#   -n RUNS    runs of each emulator (default 3)
#   -e ENGINE  x86vm's --engine (default jit)
#   -m MIB     RAM of both machines (default 1024)
#   (no --deterministic: there idle time passes in no wall time, the menu's
#   30 s timeout expires before the poller's <ret> and speech synthesis boots)
# Exit status: 0 every run reached the dialog; 1 a run failed; 2 bad usage.
RUNS=3
ENGINE=jit
MEM=1024
while getopts n:e:m:h opt; do
  case $opt in
    n) RUNS=$OPTARG ;;
    e) ENGINE=$OPTARG ;;
    m) MEM=$OPTARG ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
X86VM=${1:-$ROOT/build/src/x86vm}
CACHE=${2:-$ROOT/build/debian-installer}
QEMU=${QEMU:-qemu-system-i386}
[ -x "$X86VM" ] || { echo "debian_installer: no x86vm at $X86VM" >&2; exit 2; }
command -v "$QEMU" >/dev/null || { echo "debian_installer: no $QEMU" >&2; exit 2; }
. "$ROOT/tests/ui/debian_installer_cd.sh"
di_make_cd "$CACHE" || exit 2
OUT=$CACHE/bench
rm -rf "$OUT" && mkdir -p "$OUT" || exit 2
PORT=$((47000 + $$ % 1000))
fail=0
i=1
while [ "$i" -le "$RUNS" ]; do
  python3 "$ROOT/bench/di_poll.py" x86vm $PORT "$OUT/x86vm-$i" 900 -- "$X86VM" --headless --engine "$ENGINE" \
    --mem "$MEM" --cdrom "$CACHE/di.iso" --monitor tcp:$PORT,insecure --state-dir "$OUT/x86vm-$i" --serial null | tee -a "$OUT/x86vm.txt" || fail=1
  python3 "$ROOT/bench/di_poll.py" qemu $((PORT + 1)) "$OUT/qemu-$i" 900 -- "$QEMU" -accel tcg -m "$MEM" \
    -cdrom "$CACHE/di.iso" -display none -vga std -serial null -monitor tcp:127.0.0.1:$((PORT + 1)),server,nowait |
    tee -a "$OUT/qemu.txt" || fail=1
  i=$((i + 1))
done
python3 - "$OUT/x86vm.txt" "$OUT/qemu.txt" <<'EOF'
import statistics, sys
med = []
for path in sys.argv[1:]:
    t = [float(l.split()[4]) for l in open(path) if len(l.split()) > 4 and l.split()[3] == "dialog" and l.split()[4] != "timeout"]
    med.append(statistics.median(t) if t else None)
    print("%-6s first dialog: median %s s of %d runs (%s)" % (path.split("/")[-1][:-4], "%.1f" % med[-1] if t else "-",
                                                          len(t), " ".join("%.1f" % v for v in t)))
if None not in med:
    print("x86vm/QEMU time ratio: %.2f (below 1: x86vm is faster)" % (med[0] / med[1]))
EOF
exit $fail
