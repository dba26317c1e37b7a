#!/usr/bin/env python3
"""run_bench.py - x86vm interpreter benchmark against Bochs (and QEMU TCG).

Builds x86vm and the benchmark guest (bench/bench.asm) with CMake, counts the
guest's workload instructions with x86vm --deterministic (full image minus the
boot-only image), then boots the same floppy image N times on each emulator,
measures wall time, and prints median times, MIPS and the x86vm/Bochs speed
ratio. MIPS = workload instructions / (median full run - median boot-only run).

Exits non-zero with a message if an emulator fails, a checksum differs, or
Bochs' own instruction count disagrees with x86vm's. Written for x86vm.
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

BENCH_RE = re.compile(r"BENCH iter=([0-9a-f]{8}) csum=([0-9a-f]{8})")
X86VM_COUNT_RE = re.compile(r"guest exit code (\d+).*?; (\d+) instructions")
BOCHS_TICKS_RE = re.compile(r"^\(0\)\.\[(\d+)\]", re.M)
BOCHS_SHUTDOWN = "Shutdown port: shutdown requested"
EXIT_OK = 33  # port F4h value 10h -> (0x10 << 1) | 1


class BenchError(Exception):
    """An emulator failed or results disagree."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd, timeout, cwd=None):
    """Run cmd, return (wall seconds, exit status, stdout+stderr text).
    The child's CPU time (user + system) is left in run.cpu."""
    c0 = child_cpu()
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        out = (e.output or b"").decode("latin-1")
        raise BenchError("%s timed out after %d s\n%s" % (cmd[0], timeout, out[-2000:]))
    wall = time.perf_counter() - t0
    run.cpu = child_cpu() - c0
    return wall, p.returncode, p.stdout.decode("latin-1")


def check_bench_line(name, out, iters):
    m = BENCH_RE.search(out)
    if not m:
        raise BenchError("%s: no BENCH line from the guest\n%s" % (name, out[-2000:]))
    if iters is not None and int(m.group(1), 16) != iters:
        raise BenchError("%s: guest ran %d iterations, expected %d"
                         % (name, int(m.group(1), 16), iters))
    check_bench_line.iters = int(m.group(1), 16)
    return m.group(2)


class X86vm:
    name = "x86vm"

    def __init__(self, binary, timeout, extra):
        self.binary = binary
        self.timeout = timeout
        self.extra = extra

    def cmd(self, image, deterministic=False):
        c = [self.binary, "--headless", "--debugcon", "stderr", "--serial", "null", "--fda", image,
             "--timeout", str(self.timeout)]
        if deterministic:
            c.append("--deterministic")
        return c + self.extra

    def run(self, image, iters, deterministic=False):
        wall, rc, out = run(self.cmd(image, deterministic), self.timeout + 30)
        if rc != EXIT_OK:
            raise BenchError("x86vm exited with status %d (expected %d)\n%s"
                             % (rc, EXIT_OK, out[-2000:]))
        csum = check_bench_line(self.name, out, iters)
        m = X86VM_COUNT_RE.search(out)
        count = int(m.group(2)) if m else None
        return wall, csum, count


class Bochs:
    name = "bochs"

    def __init__(self, binary, workdir, timeout, ips, display):
        self.binary = binary
        self.workdir = workdir
        self.timeout = timeout
        self.ips = ips
        self.display = display
        self.dbg_rc = os.path.join(workdir, "bochs-debugger.rc")
        with open(self.dbg_rc, "w") as f:
            # Debian's Bochs has the debugger built in: continue, then quit.
            f.write("c\nquit\n")

    def rc_file(self, image):
        path = os.path.join(self.workdir, "bochsrc-" + os.path.basename(image) + ".txt")
        bios = "/usr/share/bochs/BIOS-bochs-latest"
        vgabios = "/usr/share/vgabios/vgabios.bin"
        for f in (bios, vgabios):
            if not os.path.exists(f):
                raise BenchError("bochs: %s missing (Debian packages bochsbios, vgabios)" % f)
        with open(path, "w") as f:
            f.write("megs: 32\n"
                    "romimage: file=%s\n"
                    "vgaromimage: file=%s\n"
                    "floppya: 1_44=%s, status=inserted, write_protected=1\n"
                    "boot: floppy\n"
                    "display_library: %s\n"
                    "log: %s\n"
                    "panic: action=fatal\n"
                    "error: action=report\n"
                    "info: action=ignore\n"
                    "debug: action=ignore\n"
                    "port_e9_hack: enabled=1\n"
                    "mouse: enabled=0\n"
                    "speaker: enabled=0\n"
                    "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n"
                    "cpu: ips=%d\n"
                    % (bios, vgabios, image, self.display,
                       os.path.join(self.workdir, "bochs.log"), self.ips))
        return path

    def run(self, image, iters):
        cmd = [self.binary, "-q", "-f", self.rc_file(image), "-rc", self.dbg_rc]
        wall, rc, out = run(cmd, self.timeout, cwd=self.workdir)
        # Bochs leaves through a "panic" when the guest writes "Shutdown" to
        # port 8900h, so its exit status is 1 on success: check the message.
        if BOCHS_SHUTDOWN not in out:
            raise BenchError("bochs did not shut down through port 8900h (status %d)\n%s"
                             % (rc, out[-3000:]))
        csum = check_bench_line(self.name, out, iters)
        ticks = BOCHS_TICKS_RE.findall(out)
        return wall, csum, int(ticks[-1]) if ticks else None


class Qemu:
    name = "qemu-tcg"

    def __init__(self, binary, workdir, timeout):
        self.binary = binary
        self.workdir = workdir
        self.timeout = timeout

    def run(self, image, iters):
        con = os.path.join(self.workdir, "qemu-debugcon.txt")
        cmd = [self.binary, "-accel", "tcg", "-m", "32", "-display", "none",
               "-serial", "null", "-monitor", "none", "-snapshot",
               "-debugcon", "file:" + con,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-drive", "file=%s,format=raw,if=floppy" % image, "-boot", "a"]
        wall, rc, out = run(cmd, self.timeout)
        if rc != EXIT_OK:
            raise BenchError("qemu exited with status %d (expected %d)\n%s"
                             % (rc, EXIT_OK, out[-2000:]))
        with open(con, encoding="latin-1") as f:
            csum = check_bench_line(self.name, f.read(), iters)
        return wall, csum, None


def build(args):
    if args.no_build:
        return
    if args.iter is None:
        args.iter = 400
    cfg = ["cmake", "-S", ROOT, "-B", args.build_dir,
           "-DCMAKE_BUILD_TYPE=" + args.build_type, "-DBENCH_ITER=%d" % args.iter]
    log("+ " + " ".join(cfg))
    subprocess.run(cfg, check=True, stdout=subprocess.DEVNULL)
    b = ["cmake", "--build", args.build_dir, "-j2", "--target", "x86vm", "bios", "bench_images"]
    log("+ " + " ".join(b))
    subprocess.run(b, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--runs", type=int, default=5, help="runs per emulator (default 5)")
    ap.add_argument("--iter", type=int, default=None,
                    help="workload iterations (~0.84 M instructions each; default 400,"
                         " or what the existing image has with --no-build)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--build-type", default="Release")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--x86vm", help="x86vm binary (default BUILD_DIR/src/x86vm)")
    ap.add_argument("--x86vm-arg", action="append", default=[],
                    help="extra x86vm option for timed runs (repeatable)")
    ap.add_argument("--no-bochs", action="store_true")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--bochs-ips", type=int, default=100000000,
                    help="Bochs cpu: ips= (emulated clock only; default 100000000)")
    ap.add_argument("--bochs-display", default='rfb, options="timeout=0"',
                    help="Bochs display_library (Debian ships no nogui plugin; "
                         "rfb with timeout=0 runs without a client)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per run")
    args = ap.parse_args()

    build(args)
    x86vm_bin = args.x86vm or os.path.join(args.build_dir, "src", "x86vm")
    img_dir = os.path.join(args.build_dir, "bench")
    full = os.path.join(img_dir, "bench.img")
    empty = os.path.join(img_dir, "bench-empty.img")
    for f in (x86vm_bin, full, empty):
        if not os.path.exists(f):
            raise BenchError("%s missing (build first, or drop --no-build)" % f)
    workdir = os.path.join(img_dir, "run")
    os.makedirs(workdir, exist_ok=True)

    # 1. Workload instruction count, deterministic in x86vm.
    vm = X86vm(x86vm_bin, args.timeout, args.x86vm_arg)
    _, ref_csum, n_full = vm.run(full, args.iter, deterministic=True)
    args.iter = check_bench_line.iters
    _, _, n_empty = vm.run(empty, 0, deterministic=True)
    if n_full is None or n_empty is None:
        raise BenchError("x86vm printed no instruction count")
    work = n_full - n_empty
    log("workload: %d iterations, %d instructions (x86vm --deterministic: %d - %d), "
        "checksum %s" % (args.iter, work, n_full, n_empty, ref_csum))

    emus = [vm]
    if not args.no_bochs:
        b = shutil.which("bochs")
        if not b:
            raise BenchError("bochs not installed (apt-get install bochs bochsbios vgabios),"
                             " or pass --no-bochs")
        emus.append(Bochs(b, workdir, args.timeout, args.bochs_ips, args.bochs_display))
    if not args.no_qemu:
        q = shutil.which("qemu-system-i386")
        if q:
            emus.append(Qemu(q, workdir, args.timeout))
        else:
            log("qemu-system-i386 not installed: skipping QEMU")

    # 2. Timed runs, interleaved so that host load drifts hit everyone alike.
    times = {e.name: {"full": [], "empty": []} for e in emus}
    cpus = {e.name: {"full": [], "empty": []} for e in emus}
    extra = {}
    for r in range(args.runs):
        for e in emus:
            for kind, img, it in (("empty", empty, 0), ("full", full, args.iter)):
                wall, csum, count = e.run(img, it)
                if kind == "full" and csum != ref_csum:
                    raise BenchError("%s: checksum %s differs from x86vm's %s"
                                     % (e.name, csum, ref_csum))
                times[e.name][kind].append(wall)
                cpus[e.name][kind].append(run.cpu)
                if e.name == "bochs" and count is not None:
                    extra.setdefault(kind, count)
            log("run %d/%d %-9s full %.3f s (cpu %.3f)  boot-only %.3f s (cpu %.3f)"
                % (r + 1, args.runs, e.name, times[e.name]["full"][-1],
                   cpus[e.name]["full"][-1], times[e.name]["empty"][-1],
                   cpus[e.name]["empty"][-1]))

    # Bochs counts one tick per instruction (no HLT in the workload), so the
    # difference of its final tick counts must equal x86vm's instruction count.
    bochs_note = ""
    if "full" in extra and "empty" in extra:
        bochs_work = extra["full"] - extra["empty"]
        if bochs_work != work:
            raise BenchError("instruction counts differ: bochs %d, x86vm %d"
                             % (bochs_work, work))
        bochs_note = "bochs tick count agrees: %d instructions" % bochs_work

    # 3. Table. Wall time is the headline; CPU time (user + system of the
    # emulator process) is shown too because it is less disturbed by other
    # load on a shared host (QEMU's extra threads can make it exceed wall).
    rows = []
    for e in emus:
        mf = statistics.median(times[e.name]["full"])
        me = statistics.median(times[e.name]["empty"])
        net = mf - me
        cnet = statistics.median(cpus[e.name]["full"]) - statistics.median(cpus[e.name]["empty"])
        if net <= 0 or cnet <= 0:
            raise BenchError("%s: full run not slower than boot-only run; raise --iter"
                             % e.name)
        rows.append((e.name, mf, me, net, work / net / 1e6, cnet, work / cnet / 1e6))
    mips = {r[0]: r[4] for r in rows}
    cmips = {r[0]: r[6] for r in rows}
    print("x86vm benchmark: %d workload instructions (%d iterations), checksum %s, "
          "median of %d runs, %s build" % (work, args.iter, ref_csum, args.runs,
                                           "prebuilt" if args.no_build
                                           else args.build_type))
    if bochs_note:
        print(bochs_note)
    print("%-9s %8s %8s %8s %8s %11s | %8s %8s" % (
        "emulator", "full s", "boot s", "net s", "MIPS", "x86vm/this", "cpu s", "cpuMIPS"))
    for name, mf, me, net, m, cnet, cm in rows:
        print("%-9s %8.3f %8.3f %8.3f %8.1f %11.2f | %8.3f %8.1f"
              % (name, mf, me, net, m, mips["x86vm"] / m, cnet, cm))
    if "bochs" in mips:
        print("x86vm/Bochs speed ratio: %.2f by wall time, %.2f by CPU time (goal >= 2.00)"
              % (mips["x86vm"] / mips["bochs"], cmips["x86vm"] / cmips["bochs"]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("run_bench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
    except subprocess.CalledProcessError as e:
        print("run_bench: FAILED: build step %s exited %d" % (e.cmd, e.returncode),
              file=sys.stderr)
        sys.exit(1)
