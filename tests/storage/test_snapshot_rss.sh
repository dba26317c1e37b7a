#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_snapshot_rss.sh — a guest writes 256 MiB to its hard disk under
# --snapshot (snapshot_writer.asm: IDE PIO, then reads back a written and an
# unwritten sector); the overlay lives in an unlinked temporary file in
# $TMPDIR, so the emulator's peak resident memory stays far below what the
# guest wrote, the image (sparse) gets no block, and nothing is left in
# $TMPDIR.  Prints the peak RSS and the time.
# Usage: test_snapshot_rss.sh path/to/x86vm path/to/snapshot_writer.asm [engine]
X86VM=$1
SRC=$2
ENGINE=${3:-interp}
for tool in nasm python3; do
  command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done
T=$(mktemp -d /tmp/x86vm-rss-XXXXXX)
trap 'rm -rf "$T"' EXIT
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
nasm -f bin -o "$T/writer.rom" "$SRC" || exit 1
truncate -s 320M "$T/disk.img"
LIMIT_KIB=98304 # 96 MiB: the run itself needs ~15 MiB; an overlay in RAM would need 256 more
python3 - "$X86VM" "$T" "$ENGINE" "$LIMIT_KIB" <<'PY'
import os, resource, subprocess, sys, time
vm, t, engine, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
start = time.time()
r = subprocess.run([vm, "--headless", "--bios", t + "/writer.rom", "--hda", t + "/disk.img",
                    "--snapshot", "--mem", "16", "--serial", "null", "--timeout", "120",
                    "--engine", engine], stdin=subprocess.DEVNULL, capture_output=True, text=True)
secs = time.time() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
blocks = os.stat(t + "/disk.img").st_blocks
left = os.listdir(t + "/tmp")
print("256 MiB written under --snapshot (%s): peak RSS %d KiB, %.1f s; %s" %
      (engine, rss, secs, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "no report"))
fails = []
if r.returncode != 33:
    fails.append("guest status %d, want 33 (10h: both sectors read back right)" % r.returncode)
if rss > limit:
    fails.append("peak RSS %d KiB > %d KiB" % (rss, limit))
if blocks != 0:
    fails.append("the image got %d blocks: the base was written" % blocks)
if left:
    fails.append("left in $TMPDIR: %s" % left)
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
