#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_pcibios.sh — pcibios.asm, a floppy boot sector, checks our BIOS's
# PCI BIOS calls, its $PIR table, the BARs POST assigned and PAM0 on
# --machine pc (exit status 33), under each engine given; on --machine isa
# the installation check must fail (status 35: no PCI there).
# Usage: test_pcibios.sh path/to/x86vm source-dir [engine...]
. "$2/bootsector_common.sh"
bootsector_args pcibios "$@"
run() { # run MACHINE ENGINE WANT
  bootsector_run "$@" || tail -n 3 "$T/err"
}
bootsector_all run
