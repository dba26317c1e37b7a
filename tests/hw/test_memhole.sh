#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_memhole.sh — memhole.asm, a floppy boot sector, looks for an EMS
# page frame in C8000h-EFFFFh after our BIOS's POST: every 16 KiB page
# must read FFh and drop writes (no RAM for an EMS manager to find), and
# on --machine pc shadow RAM opened through the i440FX's PAM3 must take
# writes there (exit status 33), under each engine given; --machine isa
# has the same holes and no PCI (status 35).  The pages' verdicts are on
# port E9h ("D400:R": RAM, ":F": a hole).
# Usage: test_memhole.sh path/to/x86vm source-dir [engine...]
. "$2/bootsector_common.sh"
bootsector_args memhole "$@"
run() { # run MACHINE ENGINE WANT
  bootsector_run "$@"
  grep -a ':[FRO] ' "$T/err"
}
bootsector_all run
