#!/usr/bin/env python3
"""gdb_proto.py X86VM - the gdb stub treats its socket as untrusted input.

Starts x86vm --gdb unix:PATH on the default guest and speaks the remote
protocol by hand: bad checksums are NAKed, overlong packets, bad hex, bad
numbers, NUL bytes and unknown registers are answered with errors, unmapped
memory with E14, and after all of it the stub still answers correctly
(registers, memory, Ctrl+C while running, kill).  Plain tcp:PORT is refused.
"""
import os
import subprocess
import sys
import tempfile
import time

from gdbwire import Conn, check, fails, frame

x86vm = sys.argv[1]


with tempfile.TemporaryDirectory() as d:
    # Plain tcp:PORT is refused like --monitor's.
    r = subprocess.run([x86vm, "--gdb", "tcp:1234"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "every local user could reach it" in r.stderr and "tcp:1234,insecure" in r.stderr,
          "plain tcp:PORT refused (exit %d: %s)" % (r.returncode, r.stderr.strip()))

    sock = os.path.join(d, "gdb.sock")
    vm = subprocess.Popen([x86vm, "--deterministic", "--serial", "null", "--gdb", "unix:" + sock],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        c = Conn(sock)
        sup = c.ask(b"qSupported:multiprocess+;swbreak+;xmlRegisters=i386")
        check(b"PacketSize=1000" in sup and b"qXfer:features:read+" in sup, "qSupported: %r" % sup)
        check(b"ReverseStep+;ReverseContinue+" in sup, "--deterministic: recording on, reverse offered")

        # A bad checksum is NAKed; the packet is not run.
        c.send_raw(b"$g#00")
        check(c.byte() == b"-", "bad checksum answered with -")
        c.send_raw(b"$g#zz")
        check(c.byte() == b"-", "non-hex checksum answered with -")
        # Overlong: dropped whole, answered E01; nothing after it is lost.
        c.send_raw(frame(b"m" * 100000))
        check(c.byte() == b"+" and c.packet() == b"E01", "overlong packet answered E01")
        for bad in [b"mZZZ,4", b"m7c00,", b"m123456789,4", b"m7c00;4", b"M7c00,2:zz11", b"M7c00,4:00",
                    b"Pzz=0", b"P8=123", b"P8=zz00ffff", b"p99", b"p", b"Z0,xyz,1", b"Z0,7c00", b"G12",
                    b"c12zz", b"qXfer:features:read:target.xml:zz,10", b"vCont;q", b"m7c00,4\x00x", b"Z3,7c00,4,5", b"Z4,zz,4"]:
            rep = c.ask(bad)
            check(rep == b"E01", "%r answered E01 (%r)" % (bad, rep))
        rep = c.ask(b"mc0000000,10")
        check(rep == b"E14", "unmapped memory answered E14 (%r)" % rep)
        rep = c.ask(b"Mc0000000,1:00")
        check(rep == b"E14", "write to unmapped memory answered E14 (%r)" % rep)
        rep = c.ask(b"Mfffffff0,1:00")
        check(rep == b"E14", "write to the BIOS ROM at 4 GiB - 16 answered E14 (%r)" % rep)
        rep = c.ask(b"P18=00000000")
        check(rep == b"E22", "write to an x87 register refused (%r)" % rep)
        check(c.ask(b"Z5,7c00,4") == b"", "unknown Z type answered empty")
        check(c.ask(b"Z3,c0000000,4") == b"E14", "read watchpoint on unmapped memory answered E14")
        check(c.ask(b"Z3,7c00,4") == b"OK" and c.ask(b"z3,7c00,4") == b"OK", "Z3/z3 on RAM")
        check(c.ask(b"Z4,7c00,0") == b"E14", "access watchpoint of 0 bytes refused")
        check(c.ask(b"vMustReplyEmpty") == b"", "unknown packet answered empty")
        # Garbage between packets is skipped.
        c.send_raw(b"garbage}*{\x7f\xff")

        # Still sane: registers and memory.
        g = c.ask(b"g")
        check(len(g) == 2 * (16 * 4 + 8 * 10 + 8 * 4), "g: %d hex digits" % len(g))
        check(g[64:72] == b"f0ff0000", "g: EIP is FFF0 (%r)" % g[64:72])
        check(g[80:88] == b"00f00000", "g: CS is F000 (%r)" % g[80:88])
        check(g[160:180] == b"x" * 20, "g: st0 unavailable")
        check(c.ask(b"p8") == b"f0ff0000", "p8 is EIP")
        check(c.ask(b"P0=78563412") == b"OK" and c.ask(b"p0") == b"78563412", "P0 writes EAX")
        check(c.ask(b"M500,4:deadbeef") == b"OK" and c.ask(b"m500,4") == b"deadbeef", "M then m")
        xml = c.ask(b"qXfer:features:read:target.xml:0,fff")
        check(xml.startswith(b"l<?xml") and b"org.gnu.gdb.i386.core" in xml and b"<architecture>i386" in xml,
              "target.xml")

        # No-ack mode, a breakpoint, continue, Ctrl+C.
        check(c.ask(b"QStartNoAckMode") == b"OK", "QStartNoAckMode")
        c.ack = False
        check(c.ask(b"Z0,7c00,1") == b"OK", "Z0 at 7C00")
        rep = c.ask(b"c")
        check(rep.startswith(b"T05") and b"swbreak" in rep, "continue stops at the breakpoint (%r)" % rep)
        check(c.ask(b"p8") == b"007c0000", "EIP is 7C00")
        check(c.ask(b"z0,7c00,1") == b"OK", "z0")
        c.send_raw(frame(b"c"))
        time.sleep(0.5)
        c.send_raw(b"\x03")
        rep = c.packet()
        check(rep.startswith(b"T02"), "Ctrl+C stops the running guest (%r)" % rep)
        c.send_raw(frame(b"k"))
        rc = vm.wait(timeout=30)
        check(rc == 0, "k ends x86vm (exit %d)" % rc)
    finally:
        if vm.poll() is None:
            vm.kill()
            vm.wait()
    err = vm.stderr.read()
    check("gdb connected" in err, "x86vm saw the client")

print("FAIL: %d checks" % len(fails) if fails else "PASS: the stub answers bad input with errors")
sys.exit(1 if fails else 0)
