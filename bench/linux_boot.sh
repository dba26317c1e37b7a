#!/bin/sh
# linux_boot.sh — benchmark: seconds from start to the shell prompt when
# booting Debian's 32-bit kernel (linux-image-*-686) with a busybox
# initramfs: x86vm's two boards (--machine isa, the default, and --machine
# pc: PCI, local and I/O APIC, ACPI) side by side with qemu-system-i386
# -accel tcg on the same kernel, initramfs and command line; N runs each
# (interleaved), median, and the ratios by wall time (each x86vm board to
# QEMU, pc to isa).  Not a ctest test (see bench/README.md).
#
# Usage: bench/linux_boot.sh [-n RUNS] [-e ENGINE] [-t TIMEOUT] [X86VM [CACHE-DIR]]
#   X86VM      default build/src/x86vm (relative to the repository root)
#   CACHE-DIR  default build/linux-i386: kernel/vmlinuz and initrd.gz, made
#              here the same way as tests/hw/test_linux.sh makes them (and
#              reused if that test already filled the directory)
#   -n RUNS    runs of each emulator (default 3)
#   -e ENGINE  x86vm's --engine: interp (default) or jit
#   -t TIMEOUT seconds one run may take to reach the prompt (default 600)
# Exit status: 0 all three reached the prompt in every run; 1 a run failed;
# 2 bad usage or missing tools/files.
RUNS=3
TIMEOUT=600
ENGINE=interp
while getopts n:t:e:h opt; do
  case $opt in
    n) RUNS=$OPTARG ;;
    t) TIMEOUT=$OPTARG ;;
    e) ENGINE=$OPTARG ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
X86VM=${1:-$ROOT/build/src/x86vm}
CACHE=${2:-$ROOT/build/linux-i386}
case $X86VM in /*) ;; *) X86VM=$(pwd)/$X86VM ;; esac
case $CACHE in /*) ;; *) CACHE=$(pwd)/$CACHE ;; esac # the runs' working directory
QEMU=${QEMU:-qemu-system-i386}

die() { echo "linux_boot: FAILED: $*" >&2; exit "${2:-1}"; }
[ -x "$X86VM" ] || die "no x86vm at $X86VM (build it: cmake -S $ROOT -B $ROOT/build-lxb -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build-lxb -j2 --target x86vm bios; then pass $ROOT/build-lxb/src/x86vm)" 2
command -v "$QEMU" >/dev/null || die "no $QEMU (apt-get install qemu-system-x86)" 2
command -v python3 >/dev/null || die "no python3" 2

# Kernel and initramfs: the same steps as tests/hw/test_linux.sh.
mkdir -p "$CACHE" && cd "$CACHE" || die "cannot use cache dir $CACHE" 2
if [ ! -f kernel/vmlinuz ]; then
  echo "linux_boot: downloading linux-image-686:i386 into $CACHE" >&2
  pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null | grep -o 'linux-image-[0-9][^ ]*-686' | head -n 1)
  if [ -z "$pkg" ] || ! apt-get download "$pkg:i386" >/dev/null 2>&1; then
    die "cannot download linux-image-686:i386 (dpkg --add-architecture i386 && apt-get update)" 2
  fi
  rm -rf kx && dpkg-deb -x "$pkg"_*_i386.deb kx && mkdir -p kernel &&
    cp kx/boot/vmlinuz-* kernel/vmlinuz || die "cannot unpack $pkg" 2
fi
if [ ! -f initrd.gz ]; then
  echo "linux_boot: downloading busybox-static:i386 into $CACHE" >&2
  apt-get download busybox-static:i386 >/dev/null 2>&1 || die "cannot download busybox-static:i386" 2
  rm -rf bb ir && dpkg-deb -x busybox-static_*_i386.deb bb && mkdir -p ir/bin ir/proc ir/sys ir/dev &&
    cp bb/bin/busybox ir/bin/ || die "cannot unpack busybox-static" 2
  cat >ir/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "x86vm initramfs shell"
exec sh
INIT
  chmod +x ir/init
  (cd ir && find . | cpio -o -H newc 2>/dev/null | gzip -9) >initrd.gz || die "cannot build initrd.gz" 2
fi

# Runs and table.  The prompt is "x86vm initramfs shell" (printed by /init)
# followed by "# " (busybox sh).  Each run's clock starts just before the
# emulator process is spawned and stops when the prompt arrives on its
# stdout (the serial console).  x86vm gets the same condition as its
# console script (--expect ... --expect "# " as the last step), so it exits
# 0 by itself; QEMU is killed once the prompt is seen.  QEMU's own board
# (i440FX, APICs, ACPI) is the one --machine pc models.
exec python3 - "$X86VM" "$QEMU" "$CACHE" "$RUNS" "$TIMEOUT" "$ENGINE" <<'PY'
import os, select, signal, statistics, subprocess, sys, time

x86vm, qemu, cache, runs, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
engine = sys.argv[6]
kernel, initrd, cmdline = "kernel/vmlinuz", "initrd.gz", "console=ttyS0"
banner, prompt = b"x86vm initramfs shell", b"# "

def x86vm_cmd(machine):
    return [x86vm, "--headless", "--machine", machine, "--engine", engine, "--kernel", kernel,
            "--initrd", initrd, "--append", cmdline, "--timeout", str(int(timeout) + 5),
            "--expect", banner.decode(), "--expect", prompt.decode()]

cmds = {
    "x86vm-isa": x86vm_cmd("isa"),
    "x86vm-pc": x86vm_cmd("pc"),
    "qemu-tcg": [qemu, "-accel", "tcg", "-m", "128", "-display", "none",
                 "-serial", "stdio", "-monitor", "none", "-no-reboot",
                 "-kernel", kernel, "-initrd", initrd, "-append", cmdline],
}

def fail(msg):
    print("linux_boot: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)

def one_run(name, run):
    """Start the emulator, return seconds until the prompt; fail otherwise."""
    log = f"linux_boot.{name}.{run}"
    with open(log + ".err", "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmds[name], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=err, cwd=cache,
                             start_new_session=True)
        out, seen, timed_out = b"", None, False
        while seen is None:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                timed_out = True
                break
            r, _, _ = select.select([p.stdout], [], [], min(left, 1.0))
            if not r:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break                        # emulator exited
            out += chunk
            b = out.find(banner)
            if b >= 0 and out.find(prompt, b + len(banner)) >= 0:
                seen = time.monotonic() - t0
        if name.startswith("x86vm") and seen is not None:
            try:                             # it stops by itself (exit 0)
                st = p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                st = None
        else:
            st = None
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        out += p.stdout.read() or b""
        p.stdout.close()
    with open(log + ".out", "wb") as f:
        f.write(out)
    where = f"{cache}/{log}.out, .err"
    if seen is None:
        how = (f"no prompt within {timeout:.0f} s (killed)" if timed_out
               else f"exited with status {p.returncode} before the prompt")
        fail(f"{name} run {run}: {how} ({where})")
    if name.startswith("x86vm") and st != 0:
        fail(f"{name} run {run}: prompt seen but exit status {st}, want 0 ({where})")
    return seen

times = {name: [] for name in cmds}
for run in range(1, runs + 1):
    for name in cmds:                        # interleaved: the same load for all
        t = one_run(name, run)
        times[name].append(t)
        print(f"linux_boot: run {run}/{runs} {name:8s} {t:8.2f} s", file=sys.stderr)

med = {n: statistics.median(v) for n, v in times.items()}
load = os.getloadavg()[0]
print(f"Linux boot to shell prompt: {kernel} + {initrd}, append \"{cmdline}\", "
      f"x86vm --engine {engine}, median of {runs} runs (load average {load:.2f})")
print(f"{'emulator':10s} {'median s':>9s} {'min s':>8s} {'max s':>8s} {'this/QEMU':>10s}")
for n, v in times.items():
    print(f"{n:10s} {med[n]:9.2f} {min(v):8.2f} {max(v):8.2f} {med[n] / med['qemu-tcg']:10.2f}")
print(f"time ratios: x86vm-isa/QEMU-TCG {med['x86vm-isa'] / med['qemu-tcg']:.2f}, "
      f"x86vm-pc/QEMU-TCG {med['x86vm-pc'] / med['qemu-tcg']:.2f}, "
      f"x86vm pc/isa {med['x86vm-pc'] / med['x86vm-isa']:.2f}")
PY
