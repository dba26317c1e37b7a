#!/bin/sh
# run_fpu_bench.sh — x87 benchmark: bench/fpu_workload.asm under x86vm (and
# QEMU TCG when qemu-system-i386 is installed), median wall time of N runs,
# guest MIPS and the speed ratio.  A benchmark, not a test.
#
# Usage: bench/run_fpu_bench.sh [-n RUNS] [-i ITER] [-x X86VM] [--no-qemu]
#   -n RUNS   timed runs per emulator and image (default 5)
#   -i ITER   workload iterations (default 300, about 44M instructions)
#   -x X86VM  x86vm binary (default build-bench/src/x86vm, else build/src/x86vm;
#             use a Release build)
#
# Method (as bench/run_bench.py): the workload's instruction count is
# x86vm --deterministic on the full image minus the ITER=0 image (boot and
# exit only); with interrupts off it is the same on every emulator.  Each
# emulator runs both images RUNS times, interleaved; MIPS = count /
# (median full - median boot-only).  Both emulators must print the same
# checksum on port E9h and exit through port F4h with status 33.
# Written for x86vm.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=5
ITER=300
X86VM=
QEMU=yes
while [ $# -gt 0 ]; do
  case $1 in
    -n) RUNS=$2; shift 2 ;;
    -i) ITER=$2; shift 2 ;;
    -x) X86VM=$2; shift 2 ;;
    --no-qemu) QEMU=no; shift ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) echo "run_fpu_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$X86VM" ]; then
  X86VM=$ROOT/build-bench/src/x86vm
  [ -x "$X86VM" ] || X86VM=$ROOT/build/src/x86vm
fi
[ -x "$X86VM" ] || { echo "run_fpu_bench: no x86vm binary ($X86VM); build it or pass -x" >&2; exit 2; }
command -v nasm >/dev/null || { echo "run_fpu_bench: nasm not found" >&2; exit 2; }
if [ $QEMU = yes ] && ! command -v qemu-system-i386 >/dev/null; then
  echo "run_fpu_bench: qemu-system-i386 not installed: x86vm only" >&2
  QEMU=no
fi

T=$(mktemp -d /tmp/x86vm-fpubench-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "run_fpu_bench: FAILED: $*" >&2; exit 1; }

nasm -f bin -DITER="$ITER" -o "$T/fpu.img" "$ROOT/bench/fpu_workload.asm" || fail "nasm"
nasm -f bin -DITER=0 -o "$T/fpu-empty.img" "$ROOT/bench/fpu_workload.asm" || fail "nasm"

# x86vm IMAGE OUTFILE [extra options]: run, require status 33
run_x86vm() {
  img=$1; out=$2; shift 2
  "$X86VM" --headless --debugcon stderr --serial null --timeout 600 --fda "$img" "$@" </dev/null >"$out" 2>&1
  st=$?
  [ $st = 33 ] || fail "x86vm exited with status $st on $img: $(tail -n 3 "$out")"
}
run_qemu() {
  img=$1; out=$2
  rm -f "$out"
  qemu-system-i386 -accel tcg -m 32 -display none -serial null -monitor none -snapshot \
    -debugcon file:"$out" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -drive file="$img",format=raw,if=floppy -boot a </dev/null >/dev/null 2>&1
  st=$?
  [ $st = 33 ] || fail "qemu exited with status $st on $img"
}
csum_of() { sed -n 's/.*FPUBENCH iter=[0-9a-f]* csum=\([0-9a-f]*\).*/\1/p' "$1" | head -n 1; }
count_of() { sed -n 's/^x86vm: .*; \([0-9]*\) instructions;.*/\1/p' "$1" | tail -n 1; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# 1. instruction count and reference checksum
run_x86vm "$T/fpu.img" "$T/det-full.txt" --deterministic
run_x86vm "$T/fpu-empty.img" "$T/det-empty.txt" --deterministic
CSUM=$(csum_of "$T/det-full.txt")
[ -n "$CSUM" ] || fail "x86vm printed no checksum"
FULL=$(count_of "$T/det-full.txt")
EMPTY=$(count_of "$T/det-empty.txt")
[ -n "$FULL" ] && [ -n "$EMPTY" ] || fail "x86vm printed no instruction count"
COUNT=$((FULL - EMPTY))
echo "workload: $ITER iterations, $COUNT instructions ($FULL - $EMPTY), checksum $CSUM" >&2

# 2. timed runs, interleaved
: >"$T/x86vm.full"; : >"$T/x86vm.empty"; : >"$T/qemu.full"; : >"$T/qemu.empty"
i=1
while [ $i -le "$RUNS" ]; do
  echo "run $i/$RUNS" >&2
  t0=$(now); run_x86vm "$T/fpu.img" "$T/o.txt"; t1=$(now)
  [ "$(csum_of "$T/o.txt")" = "$CSUM" ] || fail "x86vm checksum $(csum_of "$T/o.txt") in a timed run, want $CSUM"
  echo "$t1 - $t0" | bc >>"$T/x86vm.full"
  t0=$(now); run_x86vm "$T/fpu-empty.img" "$T/o.txt"; t1=$(now)
  echo "$t1 - $t0" | bc >>"$T/x86vm.empty"
  if [ $QEMU = yes ]; then
    t0=$(now); run_qemu "$T/fpu.img" "$T/q.txt"; t1=$(now)
    [ "$(csum_of "$T/q.txt")" = "$CSUM" ] || fail "qemu checksum $(csum_of "$T/q.txt") differs from x86vm's $CSUM"
    echo "$t1 - $t0" | bc >>"$T/qemu.full"
    t0=$(now); run_qemu "$T/fpu-empty.img" "$T/q.txt"; t1=$(now)
    echo "$t1 - $t0" | bc >>"$T/qemu.empty"
  fi
  i=$((i + 1))
done

# 3. table
echo "x86vm FPU benchmark: $COUNT workload instructions ($ITER iterations), checksum $CSUM, median of $RUNS runs"
[ $QEMU = yes ] && echo "qemu-tcg checksum agrees: $CSUM"
printf "%-10s %8s %8s %8s %8s\n" emulator "full s" "boot s" "net s" MIPS
XNET=
for e in x86vm qemu; do
  [ $e = qemu ] && [ $QEMU = no ] && continue
  mf=$(median <"$T/$e.full")
  me=$(median <"$T/$e.empty")
  net=$(echo "$mf - $me" | bc -l)
  mips=$(echo "$COUNT / $net / 1000000" | bc -l)
  name=$e; [ $e = qemu ] && name=qemu-tcg
  printf "%-10s %8.3f %8.3f %8.3f %8.1f\n" $name "$mf" "$me" "$net" "$mips"
  [ $e = x86vm ] && XNET=$net
  [ $e = qemu ] && printf "x86vm/qemu-tcg speed ratio: %.2f (net time qemu / x86vm)\n" "$(echo "$net / $XNET" | bc -l)"
done
exit 0
