# bootsector_common.sh — sourced by the tests that boot a floppy assembled
# from a boot sector in tests/hw (test_pcibios.sh, test_memhole.sh), whose
# arguments are: path/to/x86vm source-dir [engine...].
#
#   bootsector_args NAME X86VM SRC [ENGINE...]
#                        -> sets X86VM, SRC, ENGINES (the engines given, else
#                           interp), T (a temporary directory removed at exit)
#                           and fail=0; assembles SRC/NAME.asm (includes from
#                           SRC/../include) into the 1.44 MB floppy image T/fd.img; exits
#                           77 without nasm, 1 if it does not assemble
#   bootsector_run MACHINE ENGINE WANT
#                        -> boots T/fd.img (--deterministic, port E9h to
#                           T/err); says ok or FAIL and counts a failure in
#                           fail; returns 1 if the exit status was not WANT
#   bootsector_all RUN   -> RUN pc ENGINE 33 (every check passed) for each
#                           engine, then RUN isa interp 35 (the program's "no
#                           PCI here"); returns 1 if any failed

bootsector_args() {
  name=$1 X86VM=$2 SRC=$3
  shift 3
  ENGINES=${*:-interp}
  command -v nasm >/dev/null || { echo "SKIP: nasm not installed"; exit 77; }
  T=$(mktemp -d "/tmp/x86vm-$name-XXXXXX")
  trap 'rm -rf "$T"' EXIT
  nasm -f bin -i "$SRC/../include/" -o "$T/fd.img" "$SRC/$name.asm" || exit 1
  truncate -s 1474560 "$T/fd.img"
  fail=0
}

bootsector_run() {
  "$X86VM" --headless --deterministic --machine "$1" --engine "$2" --fda "$T/fd.img" --timeout 20 \
    --debugcon stderr </dev/null >"$T/out" 2>"$T/err"
  st=$?
  if [ "$st" != "$3" ]; then
    echo "FAIL: --machine $1 --engine $2: status $st (want $3; 2n+1: check n failed)"
    fail=$((fail + 1))
    return 1
  fi
  echo "ok: --machine $1 --engine $2: status $st"
}

bootsector_all() {
  for e in $ENGINES; do
    "$1" pc "$e" 33
  done
  "$1" isa interp 35
  [ $fail = 0 ]
}
