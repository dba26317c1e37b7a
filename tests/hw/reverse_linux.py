#!/usr/bin/env python3
"""reverse_linux.py — reverse execution over a stretch of a Linux boot.

Drives x86vm's line-mode debugger through a pipe (--debug-script -) on
Debian's i386 kernel with recording on (--deterministic, --record-mem at its
default unless given), one command at a time, timing each:

1. Forward: run to instruction START (inside the kernel), then over COUNT
   instructions record the machine's fingerprint (`info state`: CPU and
   devices, RAM and video memory) at every sample point X = START + k*SAMPLE
   and at X - 1, and at every instruction of a contiguous window of WINDOW
   instructions (run 1 at a time).
2. Backward: from the end, reverse-step over the whole stretch: at each
   sample point `rs 1` (to X - 1: a single reverse-step, timed) then
   `rs SAMPLE-1` (to the sample point before), and inside the window `rs 1`
   one at a time; after every reverse-step `info state` must equal the
   forward run's at that instruction.

Prints the instructions covered, the states compared, the mismatches, the
latency of the single reverse-steps (median and p99, wall clock and the
process's CPU time from /proc/PID/schedstat: the host is shared), and the
ring's size and checkpoint count.  Exits 1 on any mismatch or error.

Usage: reverse_linux.py X86VM KERNEL INITRD [--start N] [--count N]
       [--sample N] [--window N] [--engine E] [--mem MIB] [--record-mem MIB]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

STATE = re.compile(r"^instruction (\d+) state ([0-9a-f]+) memory ([0-9a-f]+)$")
RING = re.compile(r"^(\d+) checkpoints? every (\d+) instructions, ([\d.]+) of (\d+) MiB")


class Dbg:
    """One x86vm debugger session on a pipe: cmd() sends a line and returns
    its output, wall and CPU seconds."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, bufsize=1)
        self.k = 0

    def cpu(self):
        try:
            with open(f"/proc/{self.p.pid}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9
        except OSError:
            return 0.0

    def cmd(self, line):
        self.k += 1
        mark = f"@@done {self.k}"
        c0, t0 = self.cpu(), time.monotonic()
        self.p.stdin.write(f"{line}\necho {mark}\n")
        self.p.stdin.flush()
        out = []
        while True:
            l = self.p.stdout.readline()
            if not l:
                err = self.p.stderr.read()
                sys.exit(f"FAIL: x86vm ended during '{line}': {err[-1000:]}\n" + "".join(out[-20:]))
            l = l.rstrip("\n")
            if l == mark:
                break
            out.append(l)
        t, c = time.monotonic() - t0, self.cpu() - c0
        # Our echo's own line is part of the output: drop it.
        if out and out[-1] == f"(dbg) echo {mark}":
            out.pop()
        return out, t, c

    def state(self):
        out, _, _ = self.cmd("info state")
        for l in out:
            m = STATE.match(l)
            if m:
                return int(m.group(1)), m.group(2), m.group(3)
        sys.exit("FAIL: no state in: " + "\n".join(out))

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.close()
        self.p.wait(timeout=60)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("x86vm")
    ap.add_argument("kernel")
    ap.add_argument("initrd")
    ap.add_argument("--start", type=int, default=2500000000)
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--window", type=int, default=3000)
    ap.add_argument("--engine", default="jit")
    ap.add_argument("--mem", default="128")
    ap.add_argument("--record-mem", default=None)
    ap.add_argument("--interval", type=int, default=None, help="set checkpoint-interval")
    a = ap.parse_args()
    if a.count % a.sample or a.sample < 2 or a.window > a.count:
        sys.exit("reverse_linux: COUNT must be a multiple of SAMPLE (>= 2), WINDOW at most COUNT")
    argv = [a.x86vm, "--headless", "--deterministic", "--engine", a.engine, "--mem", a.mem,
            "--kernel", a.kernel, "--initrd", a.initrd, "--append", "console=ttyS0 nokaslr quiet",
            "--serial", "null", "--debug-script", "-"]
    if a.record_mem is not None:
        argv += ["--record-mem", a.record_mem]
    d = Dbg(argv)
    t0 = time.monotonic()
    if a.interval:
        d.cmd(f"set checkpoint-interval {a.interval}")
    out, _, _ = d.cmd(f"run {a.start}")
    where = out[-1] if out else ""
    start = d.state()[0]
    if start != a.start:
        sys.exit(f"FAIL: run {a.start} stopped at {start}: " + "\n".join(out))
    end = start + a.count
    # The window: the last WINDOW instructions before the middle sample point.
    mid = start + (a.count // a.sample // 2) * a.sample
    win = range(max(start, mid - a.window), mid)
    fwd = {}
    fwd[start] = d.state()
    x = start
    while x < end:
        if x in win:
            d.cmd("run 1")
            x += 1
        else:
            nxt = min(start + ((x - start) // a.sample + 1) * a.sample - 1, end - 1)
            if x < win.start <= nxt:
                nxt = win.start
            if nxt == x:
                nxt = x + 1
            d.cmd(f"run {nxt - x}")
            x = nxt
        s = d.state()
        if s[0] != x:
            sys.exit(f"FAIL: forward run at {s[0]}, expected {x}")
        fwd[x] = s
    t_fwd = time.monotonic() - t0
    ring_out, _, _ = d.cmd("info checkpoints")
    ring = next((RING.match(l) for l in ring_out if RING.match(l)), None)
    if not ring:
        sys.exit("FAIL: no checkpoint ring: " + "\n".join(ring_out))
    # Backward over every recorded point, newest first, one reverse-step each.
    t1 = time.monotonic()
    pts = sorted(fwd, reverse=True)
    single_wall, single_cpu, batch_wall = [], [], []
    compared = mismatches = 0
    for prev, x in zip(pts, pts[1:]):
        out, tw, tc = d.cmd(f"rs {prev - x}")
        if any(l.startswith("error:") for l in out) or f"at instruction {x}" not in "\n".join(out):
            sys.exit(f"FAIL: rs {prev - x} from {prev}: " + "\n".join(out))
        if prev - x == 1:
            single_wall.append(tw)
            single_cpu.append(tc)
        else:
            batch_wall.append(tw)
        s = d.state()
        compared += 1
        if s != fwd[x]:
            mismatches += 1
            if mismatches <= 10:
                print(f"MISMATCH at instruction {x}: back {s[1]} {s[2]}, forward {fwd[x][1]} {fwd[x][2]}")
    t_back = time.monotonic() - t1
    ring_end, _, _ = d.cmd("info checkpoints")
    d.close()
    ms = lambda v: f"{v * 1000:.1f}"
    print(f"reverse over a Linux boot ({a.engine}, --mem {a.mem}): instructions {start}..{end} "
          f"({a.count} covered; stopped in the kernel at {where.strip()})")
    print(f"ring: {ring.group(1)} checkpoints every {ring.group(2)} instructions, "
          f"{ring.group(3)} of {ring.group(4)} MiB")
    print(f"states compared: {compared} (every {a.sample}th instruction and the one before, "
          f"and a window of {len(win)} consecutive), mismatches: {mismatches}")
    print(f"single reverse-step latency over {len(single_wall)} steps: median {ms(statistics.median(single_wall))} ms, "
          f"p99 {ms(pct(single_wall, 0.99))} ms wall; CPU median {ms(statistics.median(single_cpu))} ms, "
          f"p99 {ms(pct(single_cpu, 0.99))} ms")
    if batch_wall:
        print(f"reverse-step {a.sample - 1} latency over {len(batch_wall)} steps: median "
              f"{ms(statistics.median(batch_wall))} ms, p99 {ms(pct(batch_wall, 0.99))} ms wall")
    print(f"forward {t_fwd:.0f} s, backward {t_back:.0f} s (wall, including the fingerprints)")
    for l in ring_end[1:3]:
        print("  " + l)
    if mismatches:
        print(f"FAIL: {mismatches} of {compared} states differ from the forward run")
        return 1
    print("PASS: every state equal to the forward run")
    return 0


if __name__ == "__main__":
    os.environ.pop("DISPLAY", None)
    os.environ.pop("WAYLAND_DISPLAY", None)
    sys.exit(main())
