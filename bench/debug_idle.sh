#!/bin/sh
# debug_idle.sh — what the debugger costs when nothing is armed: the bench
# suite's six workloads (bench/run_suite.py's guest, bench/suite/) under an
# x86vm with the debugger compiled in (the default) and one built with
# -DX86VM_DEBUGGER=OFF (its hooks compiled out of the CPU, interpreter, JIT
# and memory), side by side in one run.  Neither runs under the debugger:
# this is the price every run pays for having it.
#
# For each run, workload and engine the two binaries run back to back, in
# alternating order (ABBA), each on the boot-only and the full image; net
# time = median full - median boot-only (as run_suite.py).  Instructions
# are counted once (--deterministic; both binaries run the same ones).
# Prints per workload and engine the instructions/s of each and the ratio
# debugger-in / debugger-out (above 1: the debugger's build is faster), and
# the geometric mean per engine.  A benchmark, not a test.
#
# -c counts host instructions instead of timing: each binary runs each
# workload once under valgrind's cachegrind (--deterministic, so both run
# exactly the same guest instructions), and the ratio is of the host
# instructions per guest instruction, debugger-in / debugger-out (above 1:
# the debugger's build executes more).  The count does not depend on the
# host's load or clock, so a shared machine gives the same figure as a
# quiet one; it is blind to cache and branch effects, which the timed mode
# sees.  Use a small SCALE (cachegrind runs ~50x slower).
#
# Usage: bench/debug_idle.sh [-c] [-n RUNS] [-s SCALE] [-e ENGINES] [DIR_ON DIR_OFF]
#   RUNS (default 3) runs per binary; SCALE multiplies the suite's iteration
#   counts (default 1); ENGINES interp,jit (default both).  Without build
#   directories it configures and builds build-bench-dbg-on/ and
#   build-bench-dbg-off/ (Release) and uses those; given, their src/x86vm.
unset DISPLAY WAYLAND_DISPLAY
RUNS=3
SCALE=1
ENGINES=interp,jit
COUNT=0
while getopts cn:s:e: opt; do
  case $opt in
    c) COUNT=1 ;;
    n) RUNS=$OPTARG ;;
    s) SCALE=$OPTARG ;;
    e) ENGINES=$OPTARG ;;
    *) echo "usage: $0 [-c] [-n RUNS] [-s SCALE] [-e ENGINES] [DIR_ON DIR_OFF]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
if [ $# = 2 ]; then
  ON=$1 OFF=$2
elif [ $# = 0 ]; then
  ON=$ROOT/build-bench-dbg-on OFF=$ROOT/build-bench-dbg-off
  for cfg in "$ON ON" "$OFF OFF"; do
    set -- $cfg
    echo "+ build $1 (-DX86VM_DEBUGGER=$2)" >&2
    cmake -S "$ROOT" -B "$1" -DCMAKE_BUILD_TYPE=Release -DX86VM_DEBUGGER=$2 >/dev/null &&
      nice cmake --build "$1" -j2 --target x86vm bios >/dev/null ||
      { echo "debug_idle: building $1 failed" >&2; exit 1; }
  done
else
  echo "usage: $0 [-c] [-n RUNS] [-s SCALE] [-e ENGINES] [DIR_ON DIR_OFF]" >&2; exit 2
fi
if [ $COUNT = 1 ] && ! command -v valgrind >/dev/null; then
  echo "debug_idle: -c needs valgrind (apt-get install valgrind)" >&2; exit 1
fi
for d in "$ON" "$OFF"; do
  [ -x "$d/src/x86vm" ] || { echo "debug_idle: $d/src/x86vm not built" >&2; exit 1; }
done
# The OFF binary must really be one without the debugger, the ON one with it.
# (--help says so; an option needs an image first)
"$OFF/src/x86vm" --help | grep -q "this x86vm was built without it" ||
  { echo "debug_idle: $OFF/src/x86vm has the debugger (want -DX86VM_DEBUGGER=OFF)" >&2; exit 1; }
if "$ON/src/x86vm" --help | grep -q "this x86vm was built without it"; then
  echo "debug_idle: $ON/src/x86vm has no debugger" >&2; exit 1
fi
T=$(mktemp -d /tmp/x86vm-dbgidle-XXXXXX)
trap 'rm -rf "$T"' EXIT
exec python3 - "$HERE" "$T" "$ON/src/x86vm" "$OFF/src/x86vm" "$RUNS" "$SCALE" "$ENGINES" "$COUNT" <<'PY'
import math, os, re, statistics, subprocess, sys
here, tmp, on_bin, off_bin, runs, scale, engines, count_mode = sys.argv[1:9]
runs, scale = int(runs), float(scale)
engines = [e for e in engines.split(",") if e]
sys.path.insert(0, here)
import run_suite as rs

class A: pass
args = A()
args.cc, args.nasm, args.ld, args.objcopy = "gcc", "nasm", "ld", "objcopy"
base = rs.build_guest(args, tmp)
images = {}
for name, num, full, _, flags in rs.WORKLOADS:
    it = max(1, int(round(full * scale)))
    images[name] = (it, rs.make_image(base, os.path.join(tmp, "%s-boot.img" % name), num, 0, flags),
                    rs.make_image(base, os.path.join(tmp, "%s-full.img" % name), num, it, flags))
bins = {"in": on_bin, "out": off_bin}
vms = {(e, b): rs.X86vm(e, bins[b], 600, []) for e in engines for b in bins}
for (e, b), vm in vms.items():
    why = vm.probe(images["integer"][1])
    if why:
        sys.exit("debug_idle: %s (debugger %s): %s" % (e, b, why))
counts = {}
for name in images:
    vm = vms[(engines[0], "in")]
    counts[name] = vm.count(images[name][2]) - vm.count(images[name][1])
    rs.log("%s: %d instructions" % (name, counts[name]))

def geomeans(ratios):
    for e in engines:
        if ratios[e]:
            g = math.exp(sum(math.log(x) for x in ratios[e]) / len(ratios[e]))
            print("geomean  %-6s %12s %11s %11s %9.4f  (min %.4f, max %.4f)" % (
                e, "", "", "", g, min(ratios[e]), max(ratios[e])))


def host_insns(vm, img):
    """Host instructions of one --deterministic run under cachegrind."""
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           "--smc-check=all-non-file"] + vm.cmd(img, ["--deterministic"])
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=vm.timeout * 50).stdout
    m = re.search(r"I\s+refs:\s+([0-9,]+)", out)
    if not m or "SUITE" not in out:
        sys.exit("debug_idle: no instruction count from cachegrind for %s:\n%s" % (img, out[-1500:]))
    return int(m.group(1).replace(",", ""))


if count_mode == "1":
    print("x86vm with the debugger compiled in (idle: nothing armed) against -DX86VM_DEBUGGER=OFF: "
          "bench suite, host instructions (cachegrind) per guest instruction, net = full - boot-only")
    print("%-8s %-6s %12s %11s %11s %9s" % ("workload", "engine", "instructions", "in host/g", "out host/g",
                                            "in/out"))
    ratios = {e: [] for e in engines}
    for name, (it, boot_img, full_img) in images.items():
        for e in engines:
            per = {}
            for b in bins:
                net = host_insns(vms[(e, b)], full_img) - host_insns(vms[(e, b)], boot_img)
                per[b] = net / counts[name]
            ratios[e].append(per["in"] / per["out"])
            print("%-8s %-6s %12d %11.3f %11.3f %9.4f" % (name, e, counts[name], per["in"], per["out"],
                                                          per["in"] / per["out"]), flush=True)
    geomeans(ratios)
    sys.exit(0)

full_t = {k: [] for k in ((n, e, b) for n in images for e in engines for b in bins)}
boot_t = {k: [] for k in full_t}
csum = {}
for r in range(runs):
    order = ("in", "out") if r % 2 == 0 else ("out", "in")
    for name, (it, boot_img, full_img) in images.items():
        for e in engines:
            for b in order:
                for kind, img in (("boot", boot_img), ("full", full_img)):
                    t, res = vms[(e, b)].run(img)
                    if not res or res["iter"] != (it if kind == "full" else 0):
                        sys.exit("debug_idle: %s %s (debugger %s): no SUITE line" % (name, e, b))
                    if kind == "full" and csum.setdefault(name, res["csum"]) != res["csum"]:
                        sys.exit("debug_idle: %s: checksum differs (%s %s)" % (name, e, b))
                    (full_t if kind == "full" else boot_t)[(name, e, b)].append(t)
            rs.log("run %d/%d %-8s %-6s in %.3f s  out %.3f s (full)" % (
                r + 1, runs, name, e, full_t[(name, e, "in")][-1], full_t[(name, e, "out")][-1]))
load = os.getloadavg()[0]
print("x86vm with the debugger compiled in (idle: nothing armed) against -DX86VM_DEBUGGER=OFF: "
      "bench suite, net = median full - median boot-only, median of %d runs each, ABBA order "
      "(load average %.2f)" % (runs, load))
print("%-8s %-6s %12s %11s %11s %9s" % ("workload", "engine", "instructions", "in MIPS", "out MIPS",
                                        "in/out"))
ratios = {e: [] for e in engines}
for name in images:
    for e in engines:
        net = {}
        for b in bins:
            net[b] = statistics.median(full_t[(name, e, b)]) - statistics.median(boot_t[(name, e, b)])
        if net["in"] <= 0 or net["out"] <= 0:
            print("%-8s %-6s %12d   (full run not slower than boot-only: raise -s)" % (name, e, counts[name]))
            continue
        mi, mo = counts[name] / net["in"] / 1e6, counts[name] / net["out"] / 1e6
        ratios[e].append(mi / mo)
        print("%-8s %-6s %12d %11.1f %11.1f %9.3f" % (name, e, counts[name], mi, mo, mi / mo))
geomeans(ratios)
PY
