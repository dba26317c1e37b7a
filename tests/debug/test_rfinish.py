#!/usr/bin/env python3
"""test_rfinish.py X86VM IMAGE — reverse-finish goes back to the CALL that
entered the current function.

IMAGE boots rfinish.asm: nested near calls, callers that push after a call
returned, locals, recursion, indirect and far calls, interrupts off.  The
ground truth comes from a forward step trace of it: a stack of the CALLs
not yet returned from, by mnemonic (call pushes, ret pops).  From every
instruction of the trace inside a call, `goto P` then `rfinish` must land
on the top of that stack with the state (`info state`) the forward run had
there, and, two calls deep or more, a second `rfinish` on the entry below.
With checkpoints every 7 instructions (the search crosses many) and every
10000 (one stretch), under --engine interp and jit.  And where no CALL in
the history entered the code (the default guest's BIOS, going out through
its callers) rfinish says so and stays.
"""
import os
import re
import subprocess
import sys
import tempfile

os.environ.pop("DISPLAY", None)
os.environ.pop("WAYLAND_DISPLAY", None)
X86VM, IMAGE = sys.argv[1], sys.argv[2]
STATE = re.compile(r"^instruction (\d+) state ([0-9a-f]+) memory ([0-9a-f]+)$", re.M)
STEP = re.compile(r"^\[(\d+)\] [0-9A-F]{4}:[0-9A-F]{4,8} +[0-9A-F]+ +(\S+)(.*)$", re.M)


def run(engine, lines, image=True):
    with tempfile.NamedTemporaryFile("w", suffix=".dbg", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        path = f.name
    try:
        args = [X86VM, "--deterministic", "--mem", "16", "--engine", engine, "--debug-script", path]
        p = subprocess.run(args + (["--fda", IMAGE] if image else []), capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    if "no JIT" in p.stderr:
        return None
    return p


def check(engine):
    p = run(engine, ["b 0000:7C00", "c", "step 200"])
    if p is None:
        return False
    m = re.search(r"^breakpoint 1 hit after (\d+) instructions", p.stdout, re.M)
    steps = [(int(m.group(1)), m.group(2), m.group(3)) for m in STEP.finditer(p.stdout)]
    if not m or len(steps) != 200 or "interrupt" in p.stdout.lower():
        sys.exit(f"FAIL: {engine}: no trace of the boot sector\n{p.stdout[-1500:]}")
    # entered[t]: the CALLs not returned from before instruction t, newest last.
    stack, entered = [], {}
    for t, mnem, rest in steps:
        if "0x7C2A" in rest and mnem == "jmp":  # `done`: the end
            break
        entered[t] = list(stack)
        if mnem == "call":
            stack.append(t)
        elif mnem == "ret":
            stack.pop()
    points = [t for t in entered if entered[t]]
    afters = [t + 1 for t, mnem, _ in steps if mnem == "ret" and len(entered.get(t + 1, [])) >= 2]
    calls = sorted({t for t, mnem, _ in steps if mnem == "call"})
    if len(points) < 100 or len(afters) < 10 or len(calls) < 20:
        sys.exit(f"FAIL: {engine}: the trace is not the one expected ({len(points)} points in calls, "
                 f"{len(afters)} after a nested return, {len(calls)} calls)")
    fwd = run(engine, [l for t in calls for l in (f"goto {t}", "info state")])
    truth = {int(m.group(1)): m.group(0) for m in STATE.finditer(fwd.stdout)}
    if set(truth) != set(calls):
        sys.exit(f"FAIL: {engine}: no forward states at {calls}\n{fwd.stdout[-1500:]}")
    end = steps[-1][0] + 1
    for interval in (7, 10000):
        script = [f"set checkpoint-interval {interval}", f"run {end}"]
        want = []
        for t in points:
            script += [f"goto {t}", "rfinish", "info state"]
            want.append((t, truth[entered[t][-1]]))
            if len(entered[t]) >= 2:
                script += ["rfinish", "info state"]
                want.append((t, truth[entered[t][-2]]))
        p = run(engine, script)
        got = [m.group(0) for m in STATE.finditer(p.stdout)]
        if len(got) != len(want) or p.returncode != 0:
            sys.exit(f"FAIL: {engine}/{interval}: {len(got)} states after rfinish, expected {len(want)}\n"
                     f"{p.stdout[-3000:]}")
        for (t, w), g in zip(want, got):
            if g != w:
                sys.exit(f"FAIL: {engine}/{interval}: rfinish from {t} (in the calls {entered[t]}): {g}, want {w}")
    # Out through every caller to code no CALL in the history entered: an
    # error, and it stays where it was; at instruction 0, another.
    p = run(engine, ["run 4000"] + ["rfinish", "info state"] * 12 + ["goto 0", "rfinish"], image=False)
    st = STATE.findall(p.stdout)
    if ("error: rfinish: no CALL in the history" not in p.stdout or len(st) != 12 or st[-1] != st[-2] or
            "error: rfinish: at the beginning of the history" not in p.stdout or p.returncode != 1):
        sys.exit(f"FAIL: {engine}: rfinish with no call in the history\n{p.stdout[-1500:]}")
    print(f"{engine}: rfinish from {len(points)} points in calls ({len(afters)} just after a nested return) came "
          f"back to the {len(calls)} calls that entered them, and from those two deep to the one below, "
          f"with their states")
    return True


for engine in ("interp", "jit"):
    if not check(engine):
        print(f"{engine}: not in this build (skipped)")
print("PASS")
