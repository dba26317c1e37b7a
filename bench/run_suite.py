#!/usr/bin/env python3
"""run_suite.py - x86vm benchmark suite: JIT, interpreter, QEMU TCG and native.

Six workloads (integer, memory, branch, call, paging, fpu), written once in C
(bench/suite/workloads.c), run as a bare-metal guest on a boot floppy under
x86vm --engine jit, x86vm --engine interp and qemu-system-i386 -accel tcg,
and as a native 32-bit Linux program (gcc -m32) for the physical limit.
Prints per-workload net seconds (median full run minus median boot-only run),
ratios and geometric means. Fails if any checksum differs.
Written for x86vm; stdlib only.
"""

import argparse
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(HERE, "suite")

EXIT_OK = 33            # port F4h value 10h -> (0x10 << 1) | 1
FLOPPY_SIZE = 1474560
RAM_MIB = 128           # guest_main.c maps this much; both emulators get it
PAGING = 1              # parameter-block flag: page tables on

# name, number in suite.h, default iterations, --quick iterations, flags.
# Defaults give roughly 0.5-0.9 s net per workload on QEMU TCG 7.2 (2-core
# AMD EPYC host); the x86vm interpreter needs 1-12 s each.
WORKLOADS = [
    ("integer", 0, 6000, 300, 0),
    ("memory", 1, 12, 1, 0),
    ("branch", 2, 300, 12, 0),
    ("call", 3, 800, 25, 0),
    ("paging", 4, 70, 3, PAGING),
    ("fpu", 5, 120, 4, 0),
]

ENGINES = ["native", "jit", "interp", "qemu"]
COLUMN = {"native": "native", "jit": "x86vm-jit", "interp": "x86vm-interp",
          "qemu": "qemu-tcg"}

# Guest kernels: 32-bit, x87 only, no libc headers or libraries.
KERNEL_FLAGS = ["-O2", "-ffreestanding", "-fno-builtin", "-fno-pic",
                "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
                "-fno-tree-loop-distribute-patterns", "-fno-math-errno",
                "-fexcess-precision=standard", "-mfpmath=387", "-nostdinc",
                "-Wall", "-Wextra"]
M32_FLAGS = ["-m32", "-march=i686", "-mtune=generic", "-mno-sse"]


class SuiteError(Exception):
    """A build step, an engine run or a checksum comparison failed."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, what):
    """Run a build command; raise SuiteError with its output on failure."""
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise SuiteError("%s failed: %s\n%s" % (what, " ".join(cmd),
                                                p.stdout.decode("latin-1")[-3000:]))


def try_sh(cmd):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode("latin-1")


def parse_suite_line(text):
    """'SUITE wl=W iter=XXXXXXXX csum=XXXXXXXX [ns=N]' -> dict or None."""
    for line in text.splitlines():
        i = line.find("SUITE wl=")
        if i < 0:
            continue
        fields = dict(f.split("=", 1) for f in line[i + 6:].split() if "=" in f)
        try:
            return {"wl": int(fields["wl"]), "iter": int(fields["iter"], 16),
                    "csum": fields["csum"],
                    "ns": int(fields["ns"]) if "ns" in fields else None}
        except (KeyError, ValueError):
            return None
    return None


# ------------------------------------------------------------------ building

def build_x86vm(args):
    if args.x86vm:
        return args.x86vm
    binary = os.path.join(args.build_dir, "src", "x86vm")
    if args.no_build:
        return binary
    if not os.path.exists(os.path.join(args.build_dir, "CMakeCache.txt")):
        cfg = ["cmake", "-S", ROOT, "-B", args.build_dir, "-DCMAKE_BUILD_TYPE=Release"]
        log("+ " + " ".join(cfg))
        sh(cfg, "cmake configure")
    b = ["cmake", "--build", args.build_dir, "-j2", "--target", "x86vm", "bios"]
    log("+ " + " ".join(b))
    sh(b, "x86vm build")
    return binary


def build_guest(args, out):
    """boot.asm + guest_main.c + workloads.c -> guest.bin (flat, at 7C00h)."""
    cc = args.cc
    objs = [os.path.join(out, n) for n in ("boot.o", "guest_main.o", "workloads32.o")]
    sh([args.nasm, "-f", "elf32", "-o", objs[0], os.path.join(SRC, "boot.asm")], "nasm")
    sh([cc] + M32_FLAGS + KERNEL_FLAGS + ["-c", "-o", objs[1],
                                          os.path.join(SRC, "guest_main.c")], "guest C")
    sh([cc] + M32_FLAGS + KERNEL_FLAGS + ["-c", "-o", objs[2],
                                          os.path.join(SRC, "workloads.c")], "guest C")
    elf = os.path.join(out, "guest.elf")
    ld = [args.ld, "-m", "elf_i386", "-nostdlib", "-z", "noexecstack",
          "-T", os.path.join(SRC, "guest.ld"), "-o", elf] + objs
    ok, text = try_sh(ld[:1] + ["--no-warn-rwx-segments"] + ld[1:])
    if not ok:  # binutils before 2.39 has no --no-warn-rwx-segments
        sh(ld, "guest link")
    binary = os.path.join(out, "guest.bin")
    sh([args.objcopy, "-O", "binary", elf, binary], "objcopy")
    with open(binary, "rb") as f:
        image = f.read()
    if len(image) > 0x80000 - 0x7c00:
        raise SuiteError("guest image too big (%d bytes)" % len(image))
    if image[510:512] != b"\x55\xaa" or image.find(b"SUITEPRM") < 0:
        raise SuiteError("guest image has no boot signature or parameter block")
    return image


def build_native(args, out):
    """Native program: the same workloads32.o with a libc main (gcc -m32); if
    the host cannot build or run 32-bit programs, an x86-64 build of the
    same C. Returns (path, label note) or (None, reason)."""
    exe32 = os.path.join(out, "suite-native32")
    main32 = os.path.join(out, "native_main32.o")
    reason = None
    ok, text = try_sh([args.cc, "-m32", "-O2", "-fno-pic", "-c", "-o", main32,
                       os.path.join(SRC, "native_main.c")])
    if ok:
        ok, text = try_sh([args.cc, "-m32", "-no-pie", "-o", exe32, main32,
                           os.path.join(out, "workloads32.o")])
    if not ok:
        reason = "gcc -m32 missing (install gcc-multilib)"
        log("native -m32 build failed:\n" + text[-1500:])
    else:
        try:
            p = subprocess.run([exe32, "0", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            if p.returncode == 0 and parse_suite_line(p.stdout.decode("latin-1")):
                return exe32, "gcc -m32"
            reason = "the -m32 program failed (status %d)" % p.returncode
        except OSError as e:
            reason = "this host cannot run 32-bit programs (%s)" % e.strerror
    if args.native == "32":
        return None, reason
    log("native -m32: unavailable (%s); using an x86-64 build of the same C" % reason)
    exe64 = os.path.join(out, "suite-native64")
    obj64 = os.path.join(out, "workloads64.o")
    ok, text = try_sh([args.cc, "-m64"] + KERNEL_FLAGS + ["-c", "-o", obj64,
                                                          os.path.join(SRC, "workloads.c")])
    if ok:
        ok, text = try_sh([args.cc, "-O2", "-no-pie", "-o", exe64,
                           os.path.join(SRC, "native_main.c"), obj64])
    if not ok:
        log(text[-1500:])
        return None, reason + "; the x86-64 build failed too"
    return exe64, "x86-64 build; " + reason


def make_image(base, path, wl, iters, flags):
    """Copy of the guest with its parameter block set, padded to 1.44 MB."""
    img = bytearray(base)
    at = img.find(b"SUITEPRM")
    img[at + 8:at + 20] = struct.pack("<III", wl, iters, flags)
    img += bytes(FLOPPY_SIZE - len(img))
    with open(path, "wb") as f:
        f.write(img)
    return path


# ------------------------------------------------------------------- engines

def run_timed(cmd, timeout):
    """Run cmd; return (wall seconds, exit status, stdout+stderr text)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.output or b"").decode("latin-1")
        raise SuiteError("%s timed out after %d s\n%s" % (cmd[0], timeout, out[-2000:]))
    return time.perf_counter() - t0, p.returncode, p.stdout.decode("latin-1")


class X86vm:
    def __init__(self, engine, binary, timeout, extra):
        self.engine = engine
        self.name = COLUMN[engine]
        self.binary = binary
        self.timeout = timeout
        self.extra = extra

    def cmd(self, image, more=()):
        return ([self.binary, "--headless", "--debugcon", "stderr", "--serial", "null", "--mem", str(RAM_MIB),
                 "--engine", self.engine, "--fda", image, "--timeout", str(self.timeout)]
                + list(more) + self.extra)

    def probe(self, image):
        """None if the engine boots the image, else why not."""
        _, rc, out = run_timed(self.cmd(image), self.timeout + 30)
        if rc == EXIT_OK and parse_suite_line(out):
            return None
        lines = [l for l in out.splitlines() if l.strip()]
        return "status %d: %s" % (rc, lines[0] if lines else "no output")

    def run(self, image):
        wall, rc, out = run_timed(self.cmd(image), self.timeout + 30)
        if rc != EXIT_OK:
            raise SuiteError("%s exited with status %d (expected %d) on %s\n%s"
                             % (self.name, rc, EXIT_OK, image, out[-2000:]))
        return wall, parse_suite_line(out)

    def count(self, image):
        """Instructions executed, from --deterministic's last line."""
        _, rc, out = run_timed(self.cmd(image, ["--deterministic"]), self.timeout + 30)
        for line in out.splitlines():
            if line.startswith("x86vm:") and " instructions" in line:
                for part in line.split(";"):
                    part = part.strip()
                    if part.endswith(" instructions"):
                        return int(part.split()[0])
        raise SuiteError("%s --deterministic printed no instruction count (status %d)"
                         % (self.name, rc))


class Qemu:
    name = COLUMN["qemu"]

    def __init__(self, binary, workdir, timeout, extra):
        self.binary = binary
        self.con = os.path.join(workdir, "qemu-debugcon.txt")
        self.timeout = timeout
        self.extra = extra

    def cmd(self, image):
        return [self.binary, "-accel", "tcg", "-m", str(RAM_MIB), "-display", "none",
                "-serial", "null", "-monitor", "none", "-snapshot",
                "-debugcon", "file:" + self.con,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-drive", "file=%s,format=raw,if=floppy" % image, "-boot", "a"] + self.extra

    def run(self, image):
        if os.path.exists(self.con):
            os.remove(self.con)
        wall, rc, out = run_timed(self.cmd(image), self.timeout)
        if rc != EXIT_OK:
            raise SuiteError("qemu exited with status %d (expected %d) on %s\n%s"
                             % (rc, EXIT_OK, image, out[-2000:]))
        with open(self.con, encoding="latin-1") as f:
            return wall, parse_suite_line(f.read())



class Native:
    name = COLUMN["native"]

    def __init__(self, binary, timeout):
        self.binary = binary
        self.timeout = timeout

    def run(self, wl, iters):
        """Seconds of suite_run() as the program measured it."""
        _, rc, out = run_timed([self.binary, str(wl), str(iters)], self.timeout)
        res = parse_suite_line(out)
        if rc != 0 or not res or res["ns"] is None:
            raise SuiteError("native program failed (status %d)\n%s" % (rc, out[-2000:]))
        return res["ns"] / 1e9, res


# -------------------------------------------------------------------- report

def fmt_s(v):
    return "-" if v is None else "%.3f" % v


def fmt_r(v):
    return "-" if v is None else "%.2f" % v


def geomean(vals):
    if not vals or any(v is None or v <= 0 for v in vals):
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def print_report(args, wls, engines, net, boot, csums, counts, notes):
    names = [e.name for e in engines]
    have = set(names)
    ratios = []
    for x in ("x86vm-jit", "x86vm-interp"):
        if x in have:
            if "qemu-tcg" in have:
                ratios.append((x, "qemu-tcg"))
            if "native" in have:
                ratios.append((x, "native"))
    if "qemu-tcg" in have and "native" in have:
        ratios.append(("qemu-tcg", "native"))
    short = {"x86vm-jit": "jit", "x86vm-interp": "interp", "qemu-tcg": "qemu",
             "native": "native"}

    print("x86vm benchmark suite: net seconds = median full run - median boot-only run, "
          "median of %d runs%s (load average %.2f)"
          % (args.runs, ", --quick" if args.quick else "", os.getloadavg()[0]))
    for n in notes:
        print(n)
    head = "%-8s %6s" % ("workload", "iters") + "".join(" %12s" % n for n in names)
    head += " |" + "".join(" %13s" % ("%s/%s" % (short[a], short[b])) for a, b in ratios)
    print(head)
    for name, _, _, _, _ in wls:
        it = args.iters[name]
        row = "%-8s %6d" % (name, it)
        row += "".join(" %12s" % fmt_s(net[name].get(n)) for n in names)
        row += " |"
        for a, b in ratios:
            va, vb = net[name].get(a), net[name].get(b)
            row += " %13s" % fmt_r(va / vb if va and vb else None)
        print(row)
    gm = {n: geomean([net[w[0]].get(n) for w in wls]) for n in names}
    row = "%-8s %6s" % ("geomean", "") + "".join(" %12s" % fmt_s(gm[n]) for n in names)
    row += " |" + "".join(" %13s" % fmt_r(gm[a] / gm[b] if gm[a] and gm[b] else None)
                          for a, b in ratios)
    print(row)

    print("boot-only s:" + "".join(
        "  %s %s" % (n, "/".join(fmt_s(boot[w[0]].get(n)) for w in wls))
        for n in names if n != "native"))
    print("checksums: " + "  ".join("%s %s" % (w[0], csums[w[0]]) for w in wls)
          + " (all engines agree)")
    if counts:
        print("x86vm --deterministic instructions (full - boot-only), MIPS by net time:")
        for w in wls:
            c = counts[w[0]]
            print("  %-8s %12d" % (w[0], c) + "".join(
                "  %s %.0f" % (n, c / net[w[0]][n] / 1e6)
                for n in names if n != "native" and net[w[0]].get(n)))

    if "x86vm-jit" in have and "qemu-tcg" in have and gm["x86vm-jit"] and gm["qemu-tcg"]:
        per = [(net[w[0]]["x86vm-jit"] / net[w[0]]["qemu-tcg"], w[0]) for w in wls]
        worst = max(per)
        ok = gm["x86vm-jit"] / gm["qemu-tcg"] <= 1.0 and worst[0] <= 1.0
        print("JIT goal (jit/qemu geomean <= 1.00, every workload <= 1.00): %s "
              "(geomean %.2f, worst %s %.2f)" % ("met" if ok else "NOT met",
                                                gm["x86vm-jit"] / gm["qemu-tcg"],
                                                worst[1], worst[0]))
    if "x86vm-jit" in have and "native" in have and gm["x86vm-jit"] and gm["native"]:
        print("moonshot (jit/native geomean <= 3.00): %.2f"
              % (gm["x86vm-jit"] / gm["native"]))


def profile(args, vm, images, wls, workdir):
    """perf record the engine on each full image; print the top symbols."""
    perf = shutil.which("perf")
    if not perf:
        raise SuiteError("--profile needs perf (Debian: linux-perf)")
    for name, _, _, _, _ in wls:
        data = os.path.join(workdir, "perf-%s-%s.data" % (vm.engine, name))
        cmd = [perf, "record", "-q", "-F", "999", "-e", "cpu-clock", "-g", "-o", data,
               "--"] + vm.cmd(images[name][1])
        _, rc, out = run_timed(cmd, args.timeout + 60)
        if rc != EXIT_OK:
            raise SuiteError("perf record of %s on %s: status %d\n%s"
                             % (vm.name, name, rc, out[-1500:]))
        _, _, rep = run_timed([perf, "report", "-i", data, "--stdio", "--no-children",
                               "--sort", "symbol", "-g", "none",
                               "--percent-limit", "1"], 300)
        rows = [l for l in rep.splitlines() if l.strip() and not l.startswith("#")]
        print("profile %s %s (top symbols, perf cpu-clock; %s):"
              % (vm.name, name, data))
        for l in rows[:args.profile_top]:
            print("  " + " ".join(l.split()[:3]))


# ---------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--runs", type=int, default=3, help="runs per engine (default 3)")
    ap.add_argument("--quick", action="store_true",
                    help="small iteration counts (a smoke test, times are noise)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma list of native,jit,interp,qemu (default all)")
    ap.add_argument("--workloads", default=",".join(w[0] for w in WORKLOADS),
                    help="comma list (default all: %s)" % ",".join(w[0] for w in WORKLOADS))
    ap.add_argument("--iter", action="append", default=[], metavar="WORKLOAD=N",
                    help="iterations for one workload (repeatable)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every iteration count (default 1)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not build x86vm (the guest and native program are always rebuilt)")
    ap.add_argument("--x86vm", help="x86vm binary (default BUILD_DIR/src/x86vm, built)")
    ap.add_argument("--x86vm-arg", action="append", default=[],
                    help="extra x86vm option (repeatable)")
    ap.add_argument("--qemu", default="qemu-system-i386", help="QEMU binary")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="extra QEMU option (repeatable)")
    ap.add_argument("--native", choices=["auto", "32", "64"], default="auto",
                    help="native build: 32 (gcc -m32 only), 64 (x86-64 build), or auto: "
                         "-m32, else x86-64 if the host cannot build or run 32-bit code")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--cc", default=os.environ.get("CC_SUITE", "gcc"))
    ap.add_argument("--nasm", default="nasm")
    ap.add_argument("--ld", default="ld")
    ap.add_argument("--objcopy", default="objcopy")
    ap.add_argument("--count", action="store_true",
                    help="also count workload instructions (x86vm --deterministic) and "
                         "print MIPS")
    ap.add_argument("--profile", choices=["jit", "interp"],
                    help="after timing, perf-record this engine on every workload")
    ap.add_argument("--profile-top", type=int, default=12)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per run")
    args = ap.parse_args()

    wanted = [e for e in args.engines.split(",") if e]
    for e in wanted:
        if e not in ENGINES:
            ap.error("unknown engine %r (choose from %s)" % (e, ",".join(ENGINES)))
    wl_names = [w for w in args.workloads.split(",") if w]
    by_name = {w[0]: w for w in WORKLOADS}
    for w in wl_names:
        if w not in by_name:
            ap.error("unknown workload %r" % w)
    wls = [by_name[w] for w in wl_names]
    args.iters = {}
    for name, _, full, quick, _ in wls:
        args.iters[name] = max(1, int(round((quick if args.quick else full) * args.scale)))
    for spec in args.iter:
        name, _, n = spec.partition("=")
        if name not in by_name or not n.isdigit() or int(n) < 1:
            ap.error("--iter wants WORKLOAD=N with N >= 1, got %r" % spec)
        args.iters[name] = int(n)

    out = os.path.join(args.build_dir, "bench", "suite")
    workdir = os.path.join(out, "run")
    os.makedirs(workdir, exist_ok=True)
    notes = []

    # 1. Build: guest image (always), native program, x86vm.
    for tool in (args.cc, args.nasm, args.ld, args.objcopy):
        if not shutil.which(tool):
            raise SuiteError("%s not found" % tool)
    base = build_guest(args, out)
    log("guest image: %d bytes (%s)" % (len(base), os.path.join(out, "guest.bin")))
    images = {}
    for name, num, _, _, flags in wls:
        images[name] = (
            make_image(base, os.path.join(workdir, "%s-boot.img" % name), num, 0, flags),
            make_image(base, os.path.join(workdir, "%s-%d.img" % (name, args.iters[name])),
                       num, args.iters[name], flags))

    engines = []
    native = None
    if "native" in wanted:
        path, note = build_native(args, out)
        if path:
            native = Native(path, args.timeout)
            engines.append(native)
            notes.append("native: %s (%s)" % (os.path.basename(path), note))
        else:
            msg = "native: unavailable (%s)" % note
            log(msg)
            notes.append(msg)
    vms = [e for e in ("jit", "interp") if e in wanted]
    x86vm_bin = build_x86vm(args) if vms else None
    if vms and not os.path.exists(x86vm_bin):
        raise SuiteError("%s missing (build it, or drop --no-build / fix --x86vm)" % x86vm_bin)
    probe_img = images[wls[0][0]][0]
    for e in vms:
        vm = X86vm(e, x86vm_bin, args.timeout, args.x86vm_arg)
        why = vm.probe(probe_img)
        if why:
            msg = "%s: unavailable (%s)" % (vm.name, why)
            log(msg)
            notes.append(msg)
        else:
            engines.append(vm)
    if "qemu" in wanted:
        q = shutil.which(args.qemu)
        if q:
            engines.append(Qemu(q, workdir, args.timeout, args.qemu_arg))
        else:
            msg = "qemu-tcg: unavailable (%s not installed)" % args.qemu
            log(msg)
            notes.append(msg)
    if not engines:
        raise SuiteError("no engine available")
    # Emulators first in the order jit, interp, qemu; native first.
    order = {COLUMN[e]: i for i, e in enumerate(ENGINES)}
    engines.sort(key=lambda e: order[e.name])

    # 2. Timed runs: per run, per workload, every engine on the boot-only and
    # the full image back to back, so host-load drift hits all alike.
    full_t = {w[0]: {e.name: [] for e in engines} for w in wls}
    boot_t = {w[0]: {e.name: [] for e in engines} for w in wls}
    csums = {}
    for r in range(args.runs):
        for name, num, _, _, _ in wls:
            it = args.iters[name]
            for e in engines:
                for kind, n in (("boot", 0), ("full", it)):
                    if e is native:
                        t, res = e.run(num, n)
                    else:
                        t, res = e.run(images[name][0 if n == 0 else 1])
                    if not res or res["wl"] != num or res["iter"] != n:
                        raise SuiteError("%s on %s: wrong or missing SUITE line (%r)"
                                         % (e.name, name, res))
                    (full_t if n else boot_t)[name][e.name].append(t)
                    if n:
                        ref = csums.setdefault(name, (res["csum"], e.name))
                        if res["csum"] != ref[0]:
                            raise SuiteError(
                                "checksum mismatch on %s: %s gives %s, %s gave %s"
                                % (name, e.name, res["csum"], ref[1], ref[0]))
                log("run %d/%d %-8s %-12s full %7.3f s  boot-only %6.3f s"
                    % (r + 1, args.runs, name, e.name, full_t[name][e.name][-1],
                       boot_t[name][e.name][-1]))

    net, boot = {}, {}
    for name, _, _, _, _ in wls:
        net[name], boot[name] = {}, {}
        for e in engines:
            mf = statistics.median(full_t[name][e.name])
            mb = statistics.median(boot_t[name][e.name])
            boot[name][e.name] = mb
            if mf - mb <= 0:
                log("warning: %s on %s: full run not slower than boot-only; "
                    "raise its iterations (--iter %s=N)" % (e.name, name, name))
                net[name][e.name] = None
            else:
                net[name][e.name] = mf - mb

    counts = {}
    if args.count:
        counter = next((e for e in engines if isinstance(e, X86vm)), None)
        if not counter:
            raise SuiteError("--count needs an x86vm engine")
        for name, _, _, _, _ in wls:
            counts[name] = counter.count(images[name][1]) - counter.count(images[name][0])
            log("%s: %d instructions" % (name, counts[name]))

    print_report(args, wls, engines, net, boot,
                 {k: v[0] for k, v in csums.items()}, counts, notes)
    if args.profile:
        vm = next((e for e in engines if isinstance(e, X86vm) and e.engine == args.profile),
                  None)
        if not vm:
            raise SuiteError("--profile %s: that engine did not run" % args.profile)
        profile(args, vm, images, wls, workdir)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SuiteError as e:
        print("run_suite: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
