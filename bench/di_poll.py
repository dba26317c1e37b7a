#!/usr/bin/env python3
"""di_poll.py - time an emulator from power-on to the Debian installer's first
dialog, by polling its screen through its human monitor.

  di_poll.py x86vm|qemu PORT OUTDIR [TIMEOUT] -- COMMAND...

COMMAND must open a monitor on 127.0.0.1:PORT (x86vm: --monitor tcp:PORT;
QEMU: -monitor tcp:127.0.0.1:PORT,server,nowait).  Every second the screen is
saved with "screendump" and classified by tests/ui/pixels.py's reader:
  boot menu     narrower than 800 pixels and at least 1000 colours (vesamenu
                over the splash picture at 640x480): "sendkey ret" is sent
                once, which boots the first entry ("Install");
  first dialog  at least 800 pixels wide, at least 1000 colours and 2000
                dark pixels (text) below the top 80 rows ("Select a
                language"; the gtk frontend's empty screen before it has only
                the banner and the mouse pointer, the text console two
                colours).  QEMU's kernel drives -vga std with bochs-drm at
                1280x800, x86vm's stays in the 800x600 VBE mode (vesafb).
Prints one line: "KIND menu SECONDS dialog SECONDS" (wall seconds since the
process started; x86vm also "virtual SECONDS"), leaves OUTDIR/menu.png and
OUTDIR/dialog.png, quits the emulator.  Exit status 1 on timeout.
"""
import os
import socket
import subprocess
import sys
import struct
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ui"))
import pixels  # noqa: E402


def command(sock, line):
    sock.sendall(line.encode() + b"\n")
    buf = b""
    while not buf.rstrip().endswith(b")"):
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("monitor closed")
        buf += chunk
    return buf.decode(errors="replace")


def main():
    a = sys.argv[1:]
    if "--" not in a or len(a) < 4:
        sys.exit(__doc__)
    sep = a.index("--")
    kind, port, out = a[0], int(a[1]), a[2]
    timeout = float(a[3]) if sep > 3 else 900.0
    cmd = a[sep + 1:]
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(out, kind + ".err"), "w"))
    sock = None
    while sock is None and time.monotonic() - t0 < 30:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            time.sleep(0.1)
    if sock is None:
        proc.kill()
        sys.exit("%s: no monitor on port %d" % (kind, port))
    buf = b""
    while not buf.rstrip().endswith(b")"):   # the greeting and first prompt
        buf += sock.recv(65536)
    t_menu = t_dialog = None
    last, w, colours, dark = None, 0, 0, 0
    n = 0
    while time.monotonic() - t0 < timeout and proc.poll() is None:
        n += 1
        shot = os.path.join(out, "%s-%d.png" % (kind, n))
        # x86vm's monitor writes only beneath its --state-dir (the run's
        # directory): a bare name; QEMU's takes any path.
        command(sock, "screendump %s" % (shot + " -f png" if kind == "qemu" else os.path.basename(shot)))
        now = time.monotonic() - t0
        # Decoding takes CPU time from the emulator (pure Python): an
        # unchanged screen is not decoded again.
        try:
            data = open(shot, "rb").read()
        except OSError:
            data = b""
        if data != last:
            last = data
            try:
                w, h, rows = pixels.read_png(shot)
            except (ValueError, EOFError, zlib.error, struct.error):
                w, h, rows = 0, 0, []
            colours = len({p for r in rows for p in r})
            # Text below the banner (the top 80 rows): dark pixels.  The gtk
            # frontend's empty screen has only the mouse pointer there.
            dark = sum(1 for r in rows[80:] for p in r
                       if ((p >> 16) & 255) + ((p >> 8) & 255) + (p & 255) < 240)
        if t_menu is None and 0 < w < 800 and colours >= 1000:
            t_menu = now
            os.replace(shot, os.path.join(out, "menu.png"))
            command(sock, "sendkey ret")
        elif t_menu is not None and w >= 800 and colours >= 1000 and dark >= 2000:
            t_dialog = now
            os.replace(shot, os.path.join(out, "dialog.png"))
            break
        else:
            os.remove(shot)
        time.sleep(max(0.0, n - (time.monotonic() - t0)))   # one dump a second
    virt = ""
    if t_dialog is not None and kind == "x86vm":
        for word in command(sock, "info registers").split():
            if word.startswith("virtual_ns="):
                virt = " virtual %.1f" % (int(word[11:]) / 1e9)
    try:
        sock.sendall(b"quit\n")
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if t_dialog is None:
        print("%s menu %s dialog timeout" % (kind, "%.1f" % t_menu if t_menu else "none"))
        sys.exit(1)
    print("%s menu %.1f dialog %.1f%s" % (kind, t_menu, t_dialog, virt))


if __name__ == "__main__":
    main()
