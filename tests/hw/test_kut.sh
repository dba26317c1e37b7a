#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# Run one kvm-unit-tests kernel (../shared/tests/kvm-unit-tests-i386) as QEMU
# runs it (pc-testdev, debug-exit at F4h, COM1 on stdout, --kernel) and compare
# its PASS/FAIL/SKIP lines with a checked-in expectation, recorded on
# qemu-system-i386.  Usage: test_kut.sh X86VM KUT_DIR NAME EXPECTED [x86vm flags...]
X86VM=$1 KUT=$2 NAME=$3 EXPECTED=$4
shift 4
# KUT_REPORT: the lines compared (an ERE; default the PASS/FAIL/SKIP report
# lines); KUT_TIMEOUT: seconds (default 30); KUT_SLOW=1: a kernel that takes
# minutes, run only with X86VM_SLOW_TESTS=1.
REPORT=${KUT_REPORT:-'^(PASS|FAIL|SKIP)'}
if [ "$KUT_SLOW" = 1 ] && [ "$X86VM_SLOW_TESTS" != 1 ]; then
  echo "SKIP: set X86VM_SLOW_TESTS=1 to run $NAME (takes minutes)"
  exit 77
fi
if [ ! -f "$KUT/$NAME.flat" ]; then
  echo "SKIP: $KUT/$NAME.flat not found (shared test data)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$X86VM" --headless --device testdev --serial "file:$T/out" --kernel "$KUT/$NAME.flat" \
  --timeout "${KUT_TIMEOUT:-30}" "$@" </dev/null 2>"$T/err"
rc=$?
grep -aE "$REPORT" "$T/out" >"$T/got"
echo "$NAME: exit status $rc; $(grep -c '^PASS' "$T/got") PASS, $(grep -c '^FAIL' "$T/got") FAIL," \
  "$(grep -c '^SKIP' "$T/got") SKIP (expected: $(grep -c '^PASS' "$EXPECTED") PASS," \
  "$(grep -c '^FAIL' "$EXPECTED") FAIL, $(grep -c '^SKIP' "$EXPECTED") SKIP)"
fail=0
if ! diff -u "$EXPECTED" "$T/got"; then
  echo "FAIL: $NAME's report lines differ from $EXPECTED"
  fail=1
fi
# Status 1: every test passed ((0 << 1) | 1); 3: some failed.
want=1
grep -q '^FAIL' "$EXPECTED" && want=3
if [ "$rc" != "$want" ]; then
  echo "FAIL: $NAME exited with status $rc, want $want"; tail -n 5 "$T/err"
  fail=1
fi
exit $fail
