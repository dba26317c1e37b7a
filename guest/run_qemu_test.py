#!/usr/bin/env python3
"""run_qemu_test.py - boot our BIOS with a guest image under QEMU and check
the guest's serial output (used by ctest; skipped when QEMU is missing).

  biostest: the BIOS self-test must report "bios-test: N passed, 0 failed"
            and exit through isa-debug-exit with status 1.
  guest:    the default guest must print its report and
            "x86vm default guest ready"; we then type 'q' on COM1 and expect
            the key echo and exit status 1.
"""
import argparse
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def qemu_cmd(args, image):
    if args.drive == "cdrom":
        disk = ["-drive", f"file={image},media=cdrom,if=ide,index=2,format=raw", "-boot", "d"]
    else:
        disk = ["-drive", f"file={image},if={args.drive},format=raw",
                "-boot", "c" if args.drive == "ide" else "a"]
    return [args.qemu, "-bios", args.bios, *disk,
            "-display", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=1"]


def read_until(proc, pattern, timeout):
    """Read proc.stdout until pattern matches or timeout; return all text."""
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            if re.search(pattern, buf.decode("latin-1")):
                break
        elif proc.poll() is not None:
            break
    return buf.decode("latin-1")


def wait_exit(proc):
    """Exit status, or None if QEMU does not stop by itself in 30 s."""
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        return None


def fail(msg, out):
    sys.stdout.write(out.replace("\r", ""))
    print(f"\nFAILED: {msg}")
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--bios", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--drive", choices=["floppy", "ide", "cdrom"], default="floppy")
    ap.add_argument("--mode", choices=["biostest", "guest"], required=True)
    args = ap.parse_args()
    if not shutil.which(args.qemu):
        print("qemu not found: skipped")
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        image = os.path.join(tmp, "disk.img")
        shutil.copyfile(args.image, image)      # the tests write to the disk
        proc = subprocess.Popen(qemu_cmd(args, image), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            if args.mode == "biostest":
                out = read_until(proc, r"bios-test: \d+ passed, \d+ failed", 120)
                m = re.search(r"bios-test: (\d+) passed, (\d+) failed", out)
                if not m:
                    return fail("no summary line", out)
                rc = wait_exit(proc)
                sys.stdout.write(out.replace("\r", ""))
                if int(m.group(2)) != 0 or int(m.group(1)) < 18:
                    return fail("BIOS self-test failures", "")
                if rc != 1:
                    return fail(f"exit status {rc}, expected 1", "")
                return 0
            out = read_until(proc, r"x86vm default guest ready", 120)
            if "x86vm default guest ready" not in out:
                return fail("guest never became ready", out)
            for needle in ("x86vm BIOS", "CPU: ", "Memory map (int 15h E820)",
                           "usable RAM", "PIC ok", "PIT ok", "RTC ok",
                           "8042 self-test reply 55 ok"):
                if needle not in out:
                    return fail(f"missing '{needle}'", out)
            time.sleep(0.5)
            proc.stdin.write(b"q")
            proc.stdin.flush()
            out += read_until(proc, r"default guest: quit", 30)
            rc = wait_exit(proc)
            sys.stdout.write(out.replace("\r", "\n"))
            if "key 'q' ascii 71" not in out:
                return fail("no echo of the 'q' key", "")
            if rc != 1:
                return fail(f"exit status {rc}, expected 1", "")
            return 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main())
