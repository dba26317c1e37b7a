#!/usr/bin/env python3
"""acpi_tables.py - check the ACPI tables in a memory dump of E0000h-FFFFFh.

Input: the x86vm debugger's `x/Nxb ADDR` lines ("000F0000: 78 38 ...") on
stdin.  Mode `pc`: an RSDP must be found by the OS's scan (16-byte
boundaries in E0000h-FFFFFh) and every table it leads to (RSDT, FADT,
FACS, MADT, DSDT) must have its signature, length and checksum right and
say what the board is (PM blocks at 600h, SCI on IRQ 9 level/high, the
I/O APIC, IRQ0 on GSI 2, the reset register, \\_S5).  Mode `none`: no RSDP
(--machine isa).  Prints one line per table; exit 1 on the first error.
"""
import re
import struct
import sys

mem = {}
for line in sys.stdin:
    m = re.match(r"^([0-9A-Fa-f]{8}): ((?:[0-9A-Fa-f]{2} ?)+)$", line.strip())
    if m:
        a = int(m.group(1), 16)
        for i, b in enumerate(m.group(2).split()):
            mem[a + i] = int(b, 16)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def read(addr, n):
    try:
        return bytes(mem[addr + i] for i in range(n))
    except KeyError:
        fail("address %#x+%d is not in the dump" % (addr, n))


def u8(a): return read(a, 1)[0]
def u16(a): return struct.unpack("<H", read(a, 2))[0]
def u32(a): return struct.unpack("<I", read(a, 4))[0]


def table(addr, sig, minlen):
    """A system description table at addr: its bytes after the checks."""
    if read(addr, 4) != sig:
        fail("%s at %#x: signature %r" % (sig.decode(), addr, read(addr, 4)))
    n = u32(addr + 4)
    if n < minlen or n > 0x10000:
        fail("%s: length %d" % (sig.decode(), n))
    t = read(addr, n)
    if sum(t) & 0xff:
        fail("%s: checksum off by %#x" % (sig.decode(), sum(t) & 0xff))
    print("%s at %#x: %d bytes, revision %d, checksum ok" % (sig.decode(), addr, n, t[8]))
    return t


if len(mem) < 0x10000:
    fail("only %d bytes in the dump" % len(mem))
rsdp = [a for a in range(0xE0000, 0x100000, 16) if a in mem and a + 8 in mem and
        read(a, 8) == b"RSD PTR " and sum(read(a, 20)) & 0xff == 0]
mode = sys.argv[1] if len(sys.argv) > 1 else "pc"
if mode == "none":
    if rsdp:
        fail("an RSDP at %#x on a machine without ACPI" % rsdp[0])
    print("no RSDP: ok")
    sys.exit(0)
if len(rsdp) != 1:
    fail("%d valid RSDPs found by the scan" % len(rsdp))
r = rsdp[0]
print("RSDP at %#x: revision %d, checksum ok" % (r, u8(r + 15)))
rsdt = table(u32(r + 16), b"RSDT", 36)
entries = [struct.unpack_from("<I", rsdt, 36 + 4 * i)[0] for i in range((len(rsdt) - 36) // 4)]
sigs = {read(e, 4): e for e in entries}
for s in (b"FACP", b"APIC"):
    if s not in sigs:
        fail("RSDT lacks %s (has %r)" % (s.decode(), list(sigs)))
fadt = table(sigs[b"FACP"], b"FACP", 116)
f = lambda fmt, off: struct.unpack_from(fmt, fadt, off)[0]
want = {"SCI_INT": (f("<H", 46), 9), "SMI_CMD": (f("<I", 48), 0), "PM1a_EVT": (f("<I", 56), 0x600),
        "PM1a_CNT": (f("<I", 64), 0x604), "PM_TMR": (f("<I", 76), 0x608), "PM1_EVT_LEN": (fadt[88], 4),
        "PM1_CNT_LEN": (fadt[89], 2), "PM_TMR_LEN": (fadt[91], 4), "CENTURY": (fadt[108], 0x32)}
for k, (got, exp) in want.items():
    if got != exp:
        fail("FADT %s = %#x, want %#x" % (k, got, exp))
flags = f("<I", 112)
if len(fadt) >= 129 and fadt[8] >= 2:
    if not flags & (1 << 10):
        fail("FADT: a reset register without RESET_REG_SUP")
    if fadt[116] != 1 or f("<Q", 120) != 0x64 or fadt[128] != 0xFE:
        fail("FADT RESET_REG: space %d address %#x value %#x" % (fadt[116], f("<Q", 120), fadt[128]))
    if len(fadt) >= 140 and f("<Q", 132) != 0 and f("<I", 36) != 0:
        fail("FADT: both FIRMWARE_CTRL and X_FIRMWARE_CTRL are set")
    if len(fadt) >= 148 and f("<Q", 140) not in (0, f("<I", 40)):
        fail("FADT: X_DSDT %#x differs from DSDT %#x" % (f("<Q", 140), f("<I", 40)))
facs = f("<I", 36)
if facs % 64 or read(facs, 4) != b"FACS" or u32(facs + 4) < 64:
    fail("FACS at %#x: not a 64-byte aligned FACS" % facs)
print("FACS at %#x: %d bytes" % (facs, u32(facs + 4)))
dsdt = table(f("<I", 40), b"DSDT", 36)
for name in (b"_S5_", b"_S0_"):
    if name not in dsdt:
        fail("DSDT lacks %r" % name)
# the ISA devices' EISA IDs (compressed): PNP0303, PNP0F13, PNP0501, PNP0B00, PNP0100, PNP0000
def eisa(s):
    v = ((ord(s[0]) - 64) << 26) | ((ord(s[1]) - 64) << 21) | ((ord(s[2]) - 64) << 16) | int(s[3:], 16)
    return struct.pack(">I", v)
for pnp in ("PNP0303", "PNP0F13", "PNP0501", "PNP0B00", "PNP0100", "PNP0000"):
    v = eisa(pnp)
    # a DWordConst (0Ch), or a WordConst (0Bh) when iasl could shorten it
    if b"\x0c" + v not in dsdt and not (v[2:] == b"\0\0" and b"\x0b" + v[:2] in dsdt):
        fail("DSDT lacks a device %s" % pnp)
madt = table(sigs[b"APIC"], b"APIC", 44)
if struct.unpack_from("<I", madt, 36)[0] != 0xFEE00000:
    fail("MADT: local APIC address %#x" % struct.unpack_from("<I", madt, 36)[0])
pos, seen = 44, {}
while pos < len(madt):
    typ, ln = madt[pos], madt[pos + 1]
    if ln < 2 or pos + ln > len(madt):
        fail("MADT entry at %d: length %d" % (pos, ln))
    e = madt[pos:pos + ln]
    if typ == 1:
        seen["ioapic"] = (e[2], struct.unpack_from("<I", e, 4)[0], struct.unpack_from("<I", e, 8)[0])
    elif typ == 2:
        seen["iso%d" % e[3]] = (struct.unpack_from("<I", e, 4)[0], struct.unpack_from("<H", e, 8)[0])
    elif typ == 0:
        seen["cpu"] = (e[3], struct.unpack_from("<I", e, 4)[0])
    pos += ln
if pos != len(madt):
    fail("MADT entries overrun the table")
for k, exp in {"cpu": (0, 1), "ioapic": (1, 0xFEC00000, 0), "iso0": (2, 0), "iso9": (9, 0x000D)}.items():
    if seen.get(k) != exp:
        fail("MADT %s = %r, want %r" % (k, seen.get(k), exp))
print("MADT: CPU, I/O APIC 1 at FEC00000h GSI 0, IRQ0 -> GSI 2, IRQ9 level/high: ok")
