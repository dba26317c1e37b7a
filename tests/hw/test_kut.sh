#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# Run one kvm-unit-tests kernel (../shared/tests/kvm-unit-tests-i386) as QEMU
# runs it (pc-testdev, debug-exit at F4h, COM1 on stdout, --kernel) and compare
# its PASS/FAIL/SKIP lines with a checked-in expectation, recorded on
# qemu-system-i386.  Usage: test_kut.sh X86VM KUT_DIR NAME EXPECTED [x86vm flags...]
X86VM=$1 KUT=$2 NAME=$3 EXPECTED=$4
shift 4
# KUT_REPORT: the lines compared (an ERE; default the PASS/FAIL/SKIP report
# lines and the library's "Unhandled exception" line); KUT_TIMEOUT: seconds
# (default 30); KUT_SLOW=1: a kernel that takes minutes, run only with
# X86VM_SLOW_TESTS=1.
# In EXPECTED, lines starting with '#' are comments, and "# exit status N"
# sets the status wanted (default 1, or 3 when the file has a FAIL line):
# 127 for a kernel that ends in an unhandled exception, 77 for one that
# reports no tests.
REPORT=${KUT_REPORT:-'^(PASS|FAIL|SKIP|Unhandled )'}
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
# Compared without the CRs of the serial output's line ends.
grep -aE "$REPORT" "$T/out" | tr -d '\r' >"$T/got"
grep -v '^#' "$EXPECTED" | tr -d '\r' >"$T/want"
echo "$NAME: exit status $rc; $(grep -c '^PASS' "$T/got") PASS, $(grep -c '^FAIL' "$T/got") FAIL," \
  "$(grep -c '^SKIP' "$T/got") SKIP (expected: $(grep -c '^PASS' "$T/want") PASS," \
  "$(grep -c '^FAIL' "$T/want") FAIL, $(grep -c '^SKIP' "$T/want") SKIP)"
fail=0
if ! diff -u "$T/want" "$T/got"; then
  echo "FAIL: $NAME's report lines differ from $EXPECTED"
  fail=1
fi
# Status 1: every test passed ((0 << 1) | 1); 3: some failed; or the
# file's "# exit status N".
want=1
grep -q '^FAIL' "$T/want" && want=3
status=$(sed -n 's/^# exit status \([0-9][0-9]*\).*/\1/p' "$EXPECTED" | head -n 1)
[ -n "$status" ] && want=$status
if [ "$rc" != "$want" ]; then
  echo "FAIL: $NAME exited with status $rc, want $want"; tail -n 5 "$T/err"
  fail=1
fi
exit $fail
