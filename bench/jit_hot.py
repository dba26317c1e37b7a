#!/usr/bin/env python3
"""jit_hot.py - which guest blocks the host time goes to under the JIT.

Runs an x86vm command line under `perf record` with --jit-perf-map added,
then joins the sampled host addresses with the map x86vm wrote
(/tmp/perf-PID.map: host code start, size, x86vm:CSBASE+EIP) and prints
the hottest guest blocks, plus the share of samples in translated code and
the top C functions.  perf cannot apply the map itself: our code lives in a
named memfd mapping (the W^X double map), not anonymous memory.

  bench/jit_hot.py [--top N] -- build-rel/src/x86vm --headless --engine jit ...

Then look the blocks up in a --jit-dump listing (grep '^block 0000:EIP').
Written for x86vm; stdlib only; needs perf.
"""

import argparse
import bisect
import collections
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=30, help="blocks to list (default 30)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- x86vm command line")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("give the x86vm command line after --")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        rec = subprocess.run(["perf", "record", "-q", "-o", data, "--"] + cmd + ["--jit-perf-map"],
                             stdout=subprocess.DEVNULL)
        if rec.returncode < 0 or rec.returncode > 127:
            sys.exit("jit_hot: perf record died (status %d)" % rec.returncode)
        pids = subprocess.run(["perf", "script", "-i", data, "-F", "pid"], capture_output=True,
                              text=True).stdout.split()
        if not pids:
            sys.exit("jit_hot: no samples")
        pid = collections.Counter(pids).most_common(1)[0][0]
        mpath = "/tmp/perf-%s.map" % pid
        if not os.path.exists(mpath):
            sys.exit("jit_hot: no %s (did x86vm run with the JIT?)" % mpath)
        spans = []
        with open(mpath) as f:
            for line in f:
                addr, size, name = line.split(None, 2)
                spans.append((int(addr, 16), int(size, 16), name.strip()))
        spans.sort()
        starts = [s[0] for s in spans]
        out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True,
                             text=True).stdout
    blocks, funcs = collections.Counter(), collections.Counter()
    total = jit = 0
    for line in out.splitlines():
        p = line.split()
        if not p:
            continue
        total += 1
        ip = int(p[0], 16)
        if "memfd" in line:
            jit += 1
            i = bisect.bisect_right(starts, ip) - 1
            ok = i >= 0 and ip < spans[i][0] + spans[i][1]
            blocks[spans[i][2] if ok else "(unmapped)"] += 1
        else:
            funcs[p[1] if len(p) > 2 else "?"] += 1
    if not total:
        sys.exit("jit_hot: no samples")
    print("%d samples, %.1f%% in translated code" % (total, 100.0 * jit / total))
    print("hottest guest blocks (share of all samples):")
    for name, n in blocks.most_common(a.top):
        print("  %6.2f%%  %s" % (100.0 * n / total, name))
    print("hottest C functions:")
    for name, n in funcs.most_common(15):
        print("  %6.2f%%  %s" % (100.0 * n / total, name))


if __name__ == "__main__":
    main()
