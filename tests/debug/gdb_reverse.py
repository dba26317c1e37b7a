#!/usr/bin/env python3
"""gdb_reverse.py X86VM IMAGE ENGINE - the gdb stub's reverse execution and
read/access watchpoints, on watch.asm's boot sector (IMAGE).

Over the raw protocol (exact replies): qSupported offers ReverseStep and
ReverseContinue only with recording on; 40 steps forward from the loop at
7C20h, then `bs` back over each of them with the registers and the loop's
counters in memory as they were going forward; `bs`/`bc` at the beginning of
the history answer "replaylog:begin"; Z3 (read) stops right after
`mov ax,[600h]`, Z4 (access) after `inc word [604h]`, Z2 (write) after the
second write, and `bc` from there goes back to before the first write (the
word then holds its old value) and, with Z3, to before the loop's last
read; forward again, the same stops.  A Ctrl+C stops a long `bc` part of
the way back (SIGINT), on an endless counting loop.  Then the line-mode
debugger's rwatch and awatch on the same guest.
"""
import os
import subprocess
import sys
import tempfile
import time

from gdbwire import Conn, check, fails, frame

x86vm, image, engine = sys.argv[1], sys.argv[2], sys.argv[3]


def start(args, sock, img=None):
    vm = subprocess.Popen([x86vm, "--snapshot", "--engine", engine, "--serial", "null", "--gdb", "unix:" + sock] + args +
                          [img or image],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.1)
    if not os.path.exists(sock):
        vm.kill()
        print("FAIL: no socket; x86vm said: " + vm.communicate()[1])
        sys.exit(1)
    c = Conn(sock, timeout=60, ack=False)
    c.send_raw(frame(b"QStartNoAckMode"))
    c.packet()  # OK (after the "+" for it)
    return vm, c


def le32(h):
    return int.from_bytes(bytes.fromhex(h.decode()), "little")


def regs(c):
    g = c.ask(b"g")
    return [le32(g[8 * i:8 * i + 8]) for i in range(16)]  # eax..edi, eip, eflags, cs..gs


def state(c):
    """Registers and the three words the loop uses."""
    return regs(c), c.ask(b"m600,a")


EIP = 8
with tempfile.TemporaryDirectory() as d:
    # Without recording: nothing offered, bs/bc unsupported (empty).
    vm, c = start(["--deterministic", "--record-mem", "0"], os.path.join(d, "a.sock"))
    sup = c.ask(b"qSupported:swbreak+")
    check(b"Reverse" not in sup, "--record-mem 0: no reverse in qSupported (%r)" % sup)
    check(c.ask(b"bs") == b"" and c.ask(b"bc") == b"", "--record-mem 0: bs and bc unsupported")
    c.send_raw(frame(b"k"))
    vm.wait(timeout=30)

    vm, c = start(["--record-mem", "64"], os.path.join(d, "b.sock"))
    try:
        sup = c.ask(b"qSupported:swbreak+")
        check(b"ReverseStep+" in sup and b"ReverseContinue+" in sup, "qSupported offers reverse (%r)" % sup)
        check(c.ask(b"bs") == b"T05replaylog:begin;", "bs at the first instruction: beginning of the history")
        check(c.ask(b"bc") == b"T05replaylog:begin;", "bc at the first instruction: beginning of the history")

        # Forward to the loop, then 40 steps, each state kept.
        check(c.ask(b"Z0,7c20,1") == b"OK", "Z0 at the loop")
        rep = c.ask(b"c")
        check(rep.startswith(b"T05") and regs(c)[EIP] == 0x7c20, "continue stops at 7C20h (%r)" % rep)
        check(c.ask(b"z0,7c20,1") == b"OK", "z0")
        fwd = [state(c)]
        for _ in range(40):
            c.ask(b"s")
            fwd.append(state(c))
        check(fwd[-1][0][EIP] != 0x7c20 or fwd[-1][0][1] != fwd[0][0][1], "the steps went somewhere")
        back_ok = True
        for i in range(39, -1, -1):
            rep = c.ask(b"bs")
            s = state(c)
            if rep != b"T05" or s != fwd[i]:
                back_ok = False
                print("  after bs to step %d: %r eip %x, want eip %x (%r / %r)" %
                      (i, rep, s[0][EIP], fwd[i][0][EIP], s[1], fwd[i][1]))
                break
        check(back_ok, "40 x bs: registers and memory as they were going forward")
        # Forward again from the past: the same steps.
        again = True
        for i in range(1, 11):
            c.ask(b"s")
            again = again and state(c) == fwd[i]
        check(again, "forward after bs: the same states again")

        # Read watchpoint: stops after the read, every time round.
        check(c.ask(b"Z3,600,2") == b"OK", "Z3 on 600h")
        rep = c.ask(b"c")
        r = regs(c)
        check(rep == b"T05rwatch:600;" and r[EIP] == 0x7c23 and r[0] & 0xffff == 0x1111,
              "read watchpoint: after mov ax,[600h] (%r, eip %x)" % (rep, r[EIP]))
        cx = r[1] & 0xffff
        rep = c.ask(b"c")
        r = regs(c)
        check(rep == b"T05rwatch:600;" and r[EIP] == 0x7c23 and r[1] & 0xffff == cx - 1,
              "read watchpoint: the next time round (%r, eip %x, cx %x)" % (rep, r[EIP], r[1]))
        check(c.ask(b"z3,600,2") == b"OK", "z3")
        # Access watchpoint on a word the loop reads and writes (INC).
        check(c.ask(b"Z4,604,2") == b"OK", "Z4 on 604h")
        cnt = le32(c.ask(b"m604,2") + b"0000")
        rep = c.ask(b"c")
        r = regs(c)
        check(rep == b"T05awatch:604;" and r[EIP] == 0x7c27 and le32(c.ask(b"m604,2") + b"0000") == cnt + 1,
              "access watchpoint: after inc word [604h] (%r, eip %x)" % (rep, r[EIP]))
        check(c.ask(b"z4,604,2") == b"OK", "z4")
        # A read of 608h's neighbour does not stop an access watchpoint on 60Ah.
        check(c.ask(b"Z4,60a,2") == b"OK", "Z4 on 60Ah (nothing uses it)")
        # Write watchpoint: the second write; then back.
        check(c.ask(b"Z2,600,2") == b"OK", "Z2 on 600h")
        rep = c.ask(b"c")
        r = regs(c)
        check(rep == b"T05watch:600;" and r[EIP] == 0x7c46 and c.ask(b"m600,2") == b"2222",
              "write watchpoint: after the second write (%r, eip %x)" % (rep, r[EIP]))
        rep = c.ask(b"bc")
        r = regs(c)
        check(rep == b"T05watch:600;" and r[EIP] == 0x7c0a and c.ask(b"m600,2") == b"0000",
              "bc: before the first write, the word as it was (%r, eip %x, %r)" % (rep, r[EIP], c.ask(b"m600,2")))
        rep = c.ask(b"c")
        r = regs(c)
        check(rep == b"T05watch:600;" and r[EIP] == 0x7c10 and c.ask(b"m600,2") == b"1111",
              "forward again: the first write (%r, eip %x)" % (rep, r[EIP]))
        rep = c.ask(b"c")
        check(rep == b"T05watch:600;" and regs(c)[EIP] == 0x7c46, "and the second (%r)" % rep)
        check(c.ask(b"z2,600,2") == b"OK", "z2")
        # Reverse with a read watchpoint: before the loop's last read.
        check(c.ask(b"Z3,600,2") == b"OK", "Z3 again")
        rep = c.ask(b"bc")
        r = regs(c)
        check(rep == b"T05rwatch:600;" and r[EIP] == 0x7c20 and r[1] & 0xffff == 1,
              "bc with Z3: before the last read (%r, eip %x, cx %x)" % (rep, r[EIP], r[1]))
        check(c.ask(b"z3,600,2") == b"OK" and c.ask(b"z4,60a,2") == b"OK", "z3, z4")
        # Back to the boot sector's entry, then to the beginning.
        check(c.ask(b"Z0,7c00,1") == b"OK", "Z0 at 7C00h")
        rep = c.ask(b"bc")
        check(rep == b"T05swbreak:;" and regs(c)[EIP] == 0x7c00, "bc to the breakpoint at 7C00h (%r)" % rep)
        rep = c.ask(b"bc")
        r = regs(c)
        check(rep == b"T05replaylog:begin;" and r[EIP] == 0xfff0 and r[10] == 0xf000,
              "bc to the beginning: F000:FFF0 (%r, %x)" % (rep, r[EIP]))
        check(c.ask(b"z0,7c00,1") == b"OK", "z0")
        # Forward to the end: the guest halts with interrupts off.
        rep = c.ask(b"c")
        check(rep.startswith(b"W"), "continue to the end: the machine stops (%r)" % rep)
        vm.wait(timeout=30)
    finally:
        if vm.poll() is None:
            vm.kill()
            vm.wait()

    # Ctrl+C stops a long reverse-continue.  A boot sector that counts in an
    # endless loop runs forward ~3 s (a few hundred checkpoints); the only
    # breakpoint is at its first instruction, so `bc` would search back
    # through all of them.  A Ctrl+C soon after stops it: "T02" (SIGINT),
    # at a point between the beginning and where it started, and a `bc`
    # after it still finds the breakpoint.
    loop = os.path.join(d, "loop.img")
    # cli; xor ax,ax; mov ds,ax; l: inc dword [600h]; jmp l
    sector = bytes([0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0x66, 0xff, 0x06, 0x00, 0x06, 0xeb, 0xf9])
    with open(loop, "wb") as f:
        f.write(sector + bytes(510 - len(sector)) + b"\x55\xaa" + bytes(1474560 - 512))
    vm = None
    try:
        vm, c = start(["--record-mem", "256"], os.path.join(d, "c.sock"), loop)
        check(c.ask(b"Z0,7c00,1") == b"OK", "loop: Z0 at 7C00h")
        check(c.ask(b"c").startswith(b"T05") and regs(c)[EIP] == 0x7c00, "loop: at 7C00h")
        first = le32(c.ask(b"m600,4"))
        c.send_raw(frame(b"c"))
        time.sleep(3)
        c.send_raw(b"\x03")
        rep = c.packet()
        check(rep.startswith(b"T02"), "loop: Ctrl+C stops the forward run (%r)" % rep)
        count = le32(c.ask(b"m600,4"))
        t0 = time.time()
        c.send_raw(frame(b"bc"))
        time.sleep(0.3)
        c.send_raw(b"\x03")
        rep = c.packet()
        took = time.time() - t0
        mid = le32(c.ask(b"m600,4"))
        check(rep == b"T02" and first < mid < count,
              "loop: Ctrl+C stops bc part of the way back (%r after %.1f s, counter %d of %d)" % (rep, took, mid, count))
        rep = c.ask(b"bc")
        r = regs(c)
        check(rep == b"T05swbreak:;" and r[EIP] == 0x7c00 and le32(c.ask(b"m600,4")) == first,
              "loop: bc after it still reaches the breakpoint (%r, eip %x)" % (rep, r[EIP]))
        c.send_raw(frame(b"k"))
        vm.wait(timeout=30)
    finally:
        if vm is not None and vm.poll() is None:
            vm.kill()
            vm.wait()

    # The line-mode debugger: rwatch and awatch.
    script = os.path.join(d, "w.dbg")
    with open(script, "w") as f:
        f.write("b 0:7c20\ncontinue\ndelete 1\nrwatch 0:600 2\ncontinue\ncontinue\ndelete 2\n"
                "awatch 0:604 2\ncontinue\ninfo breakpoints\n")
    r = subprocess.run([x86vm, "--snapshot", "--engine", engine, "--serial", "null", "--deterministic", "--debug-script", script,
                        image], capture_output=True, text=True, timeout=120)
    out = r.stdout
    print(out)
    check("watchpoint 2: 2 bytes read after 1 instructions: 11 11" in out, "rwatch stops after the read")
    check("read by the instruction at 0000:7C20" in out, "rwatch names the reading instruction")
    check(out.count("watchpoint 2: 2 bytes read") == 2, "rwatch stops each time round")
    check("watchpoint 3: 2 bytes read after 1 instructions" in out and "read by the instruction at 0000:7C23" in out,
          "awatch stops after inc word [604h]")
    check("3 on  awatch physical 00000604 len 2, hit 1 time" in out, "info breakpoints shows the awatch")

print("FAIL: %d checks" % len(fails) if fails else "PASS: reverse execution and read/access watchpoints (%s)" % engine)
sys.exit(1 if fails else 0)
