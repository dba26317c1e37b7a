"""gdbwire.py - what the gdb stub's tests share: checks that are counted, and a
client that speaks the remote protocol over a unix socket by hand."""
import socket

fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def frame(data):
    return b"$" + data + b"#%02x" % (sum(data) & 0xff)


class Conn:
    """ack: acks are expected and sent (the protocol's start); clear it once
    no-ack mode is on."""

    def __init__(self, path, timeout=10, ack=True):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.ack = ack

    def fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("stub closed the connection")
        self.buf += chunk

    def byte(self):
        while not self.buf:
            self.fill()
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self):
        """The next packet's payload (acks before it are skipped)."""
        while self.byte() != b"$":
            pass
        data = b""
        while True:
            c = self.byte()
            if c == b"#":
                break
            data += c
        ck = self.byte() + self.byte()
        assert int(ck, 16) == sum(data) & 0xff, "bad checksum from the stub"
        if self.ack:
            self.s.sendall(b"+")
        return data

    def send_raw(self, raw):
        self.s.sendall(raw)

    def ask(self, data):
        self.send_raw(frame(data))
        if self.ack:
            a = self.byte()
            assert a == b"+", "no ack for %r: %r" % (data[:40], a)
        return self.packet()
