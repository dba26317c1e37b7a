#!/usr/bin/env python3
"""test_reverse.py X86VM PM_IMAGE — reverse execution gives back the exact state.

1. Step N instructions recording the machine's fingerprint (CPU and devices,
   RAM and video memory: `info state`) after each, then reverse-step back
   over all of them and compare at every point; checkpoints every 1000
   instructions, so replays cross several.  Default guest and a
   protected-mode guest (the second lesson's image, from its entry at
   0000:8000), under --engine interp and jit.
2. reverse-next over a call comes back to the call.
3. reverse-continue to a watchpoint: the stops it finds going back are the
   ones a forward run with the watchpoint set from the start makes, with the
   same state.
"""
import os
import re
import subprocess
import sys
import tempfile

os.environ.pop("DISPLAY", None)
os.environ.pop("WAYLAND_DISPLAY", None)
X86VM, PM_IMAGE = sys.argv[1], sys.argv[2]
N = int(os.environ.get("REVERSE_STEPS", "5000"))
STATE = re.compile(r"^instruction (\d+) state ([0-9a-f]+) memory ([0-9a-f]+)$")


def run(engine, image, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".dbg", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        args = [X86VM, "--deterministic", "--mem", "16", "--engine", engine, "--debug-script", path]
        args += ["--fda", image] if image else []
        p = subprocess.run(args, capture_output=True, text=True, timeout=900)
    finally:
        os.unlink(path)
    if "no JIT" in p.stderr:
        return None
    if p.returncode != 0:
        sys.exit(f"FAIL: {engine}: x86vm exited with {p.returncode}: {p.stderr[-500:]}\n{p.stdout[-1500:]}")
    return p.stdout


def states(out):
    return [tuple(int(g, 16) if i else int(g) for i, g in enumerate(m.groups()))
            for m in (STATE.match(l) for l in out.splitlines()) if m]


def back_and_forth(engine, image, prelude, name, n=None):
    N = n or globals()["N"]
    INTERVAL = max(100, N // 5)  # the replays cross several checkpoints
    script = prelude + [f"set checkpoint-interval {INTERVAL}", "info state"]
    script += ["run 1", "info state"] * N
    script += ["info checkpoints"]
    script += ["reverse-step", "info state"] * N
    out = run(engine, image, script)
    if out is None:
        return False
    st = states(out)
    if len(st) != 2 * N + 1:
        sys.exit(f"FAIL: {name}/{engine}: {len(st)} states printed, expected {2 * N + 1}\n{out[-2000:]}")
    fwd, back = st[:N + 1], st[N + 1:]
    first = {}
    for s in fwd:
        first.setdefault(s[0], s)
    if len(first) != N + 1:
        sys.exit(f"FAIL: {name}/{engine}: the forward run did not retire one instruction per step")
    m = re.search(r"^(\d+) checkpoints? every %d" % INTERVAL, out, re.M)
    if not m or int(m.group(1)) < N // INTERVAL:
        sys.exit(f"FAIL: {name}/{engine}: too few checkpoints for the replays to cross them")
    for s in back:
        if first.get(s[0]) != s:
            sys.exit(f"FAIL: {name}/{engine}: at instruction {s[0]} going back: state {s[1]:016x} "
                     f"memory {s[2]:016x}, first time {first.get(s[0])}")
    if back[-1][0] != fwd[0][0]:
        sys.exit(f"FAIL: {name}/{engine}: did not get back to the start")
    print(f"{name}/{engine}: {N} instructions back, every state identical "
          f"({fwd[0][0]}..{fwd[-1][0]}, {m.group(1)} checkpoints)")
    return True


def watch_back(engine):
    # Where the stack is after T instructions: a slot written again and again.
    T = 60000
    out = run(engine, None, [f"run {T}", "info registers"])
    if out is None:
        return
    regs = dict((k.lower(), int(v, 16)) for k, v in re.findall(r"\b([A-Z]{2,3})[=:\s]+([0-9A-F]{4,8})\b", out))
    lin = (regs["ss"] << 4) + (regs["sp"] if "sp" in regs else regs["esp"] & 0xffff) - 2
    # Ground truth: the watchpoint set from the start, every hit up to T:
    # runs of at most 5000 instructions (a run stops at a hit), so the
    # script ends even where the slot is no longer written.
    fwd = run(engine, None, [f"watch {lin:#x} 2"] + ["run 5000", "info state"] * (2 * T // 5000 + 200))
    hits = []
    for block in fwd.split("(dbg) run 5000")[1:]:
        st = states(block)
        if "watchpoint 1:" in block and st and st[0][0] <= T:
            hits.append(st[0])
    if len(hits) < 2:
        sys.exit(f"FAIL: watch/{engine}: only {len(hits)} writes to {lin:#x} before {T}: no test")
    want = list(reversed(hits))[:3]
    out = run(engine, None, ["set checkpoint-interval 5000", f"run {T}", f"watch {lin:#x} 2"] +
              ["reverse-continue", "info state"] * len(want))
    got = states(out)
    if got != want:
        sys.exit(f"FAIL: watch/{engine}: reverse-continue stopped at {got}, forward stops {want}\n{out[-3000:]}")
    if out.count("watchpoint 1:") < len(want):
        sys.exit(f"FAIL: watch/{engine}: reverse-continue did not report the watchpoint\n{out[-3000:]}")
    print(f"watch/{engine}: reverse-continue found the last {len(want)} writes to {lin:#x} "
          f"({', '.join(str(s[0]) for s in got)}) with their states")


def next_back(engine):
    # The first near CALL the default guest's BIOS makes from instruction
    # 4000 on (found by stepping, so the BIOS's layout does not matter):
    # next steps over it, reverse-next comes back to it (not into the
    # callee's return).
    out = run(engine, None, ["run 4000", "step 2000"])
    at = None
    for m in re.finditer(r"^\[(\d+)\] [0-9A-F]{4}:[0-9A-F]{4,8} +[0-9A-F]+ +call ", out, re.M):
        at = int(m.group(1))
        break
    if at is None:
        sys.exit(f"FAIL: next/{engine}: no call in 2000 steps from instruction 4000\n{out[-1500:]}")
    out = run(engine, None, [f"run {at}", "info state", "next", "reverse-next", "info state"])
    m = re.search(r"^stepped over (\d+) instructions$", out, re.M)
    st = states(out)
    if not m or int(m.group(1)) < 3:
        sys.exit(f"FAIL: next/{engine}: no call stepped over at {at}\n{out}")
    if f"back {m.group(1)} instructions, at instruction {at}" not in out or len(st) != 2 or st[0] != st[1]:
        sys.exit(f"FAIL: next/{engine}: reverse-next did not come back to the call\n{out}")
    print(f"next/{engine}: reverse-next back over a call of {m.group(1)} instructions at {at}")


for engine in ("interp", "jit"):
    if not back_and_forth(engine, None, [], "default"):
        print("jit: this build has no JIT (skipped)")
        continue
    next_back(engine)
    # The protected-mode guest from its entry to its exit through the
    # debug-exit port (going back over the exit too).
    out = run(engine, PM_IMAGE, ["until 0000:8000", "continue"])
    m = re.search(r"^machine stopped after (\d+) instructions: the guest wrote the debug-exit", out, re.M)
    if not m:
        sys.exit(f"FAIL: pm/{engine}: the guest did not run to its exit\n{out[-1500:]}")
    back_and_forth(engine, PM_IMAGE, ["until 0000:8000"], "pm", min(N, int(m.group(1))))
    watch_back(engine)
print("PASS")
