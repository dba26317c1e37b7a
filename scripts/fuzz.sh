#!/usr/bin/env bash
# Build the libFuzzer harnesses (fuzz/, clang-14, ASan+UBSan) and run them.
# docs/FUZZING.md says what each covers.
# Usage:
#   scripts/fuzz.sh --ci                       every harness for 60 s (FUZZ_CI_SECONDS) from the
#                                              checked-in seeds; exit 1 if any crashed
#   scripts/fuzz.sh --long SECONDS [HARNESS...]  campaigns of SECONDS each (all harnesses if none
#                                              named), one at a time, keeping their corpora in
#                                              fuzz/out/corpus/; then the coverage report
#   scripts/fuzz.sh --coverage [HARNESS...]    only the coverage report (fuzz/out/coverage.txt)
#                                              of the kept corpora
#   scripts/fuzz.sh --merge [HARNESS...]       minimise the kept corpora (libFuzzer -merge=1:
#                                              the fewest inputs with the same coverage) into
#                                              fuzz/campaign/HARNESS.tar.xz, to check in; --long
#                                              starts from them as well as from the seeds
# Crashing inputs go to fuzz/out/crashes/HARNESS/; logs to fuzz/out/logs/.  Reproduce one with
#   build-fuzz/fuzz/fuzz_HARNESS FILE   (FUZZ_FRESH=1: a new machine per input)
set -euo pipefail
cd "$(dirname "$0")/.."
all=(decode snapshot ports loader monitor monsock guest gdb)
out=fuzz/out
mode=${1:-}
shift || true

build() { # build DIR [cmake options...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DX86VM_FUZZ=ON "$@" >/dev/null
  nice cmake --build "$dir" -j2 --target fuzz >/dev/null
}

opts_for() { # libFuzzer options per harness
  case $1 in
    decode) echo "-max_len=17" ;;
    snapshot) echo "-max_len=1048576 -rss_limit_mb=4096" ;;
    ports) echo "-max_len=4096" ;;
    loader) echo "-max_len=65536" ;;
    monitor) echo "-max_len=2048 -dict=fuzz/monitor.dict" ;;
    monsock) echo "-max_len=8192 -dict=fuzz/monsock.dict" ;;
    guest) echo "-max_len=529" ;;
    gdb) echo "-max_len=4096 -dict=fuzz/gdb.dict" ;;
    *) echo "fuzz.sh: unknown harness $1 (want: ${all[*]})" >&2; exit 2 ;;
  esac
}

# corpus HARNESS DIR: the checked-in seeds (gzip ones expanded) into DIR.
corpus() {
  mkdir -p "$2"
  for f in fuzz/corpus/"$1"/*; do
    [ -f "$f" ] || continue
    case $f in
      *.gz) gunzip -c "$f" >"$2/$(basename "${f%.gz}")" ;;
      *) cp "$f" "$2/" ;;
    esac
  done
}

# campaign HARNESS DIR: the checked-in minimised corpus of earlier campaigns
# (fuzz/campaign/HARNESS.tar.xz: plain files, no directories) into DIR.
campaign() {
  local tarball=fuzz/campaign/$1.tar.xz
  [ -f "$tarball" ] || return 0
  mkdir -p "$2"
  tar -xJf "$tarball" -C "$2" --no-same-owner --no-same-permissions --transform='s|.*/||' \
    --exclude='*/*/*'
}

merge() { # merge HARNESS: fuzz/out/corpus/HARNESS, minimised, into fuzz/campaign/HARNESS.tar.xz
  local h=$1 tmp
  [ -d "$out/corpus/$h" ] || { echo "fuzz.sh: no corpus kept for $h ($out/corpus/$h)"; return 1; }
  tmp=$(mktemp -d /tmp/x86vm-fuzz-merge-XXXXXX)
  mkdir "$tmp/$h"
  # shellcheck disable=SC2046
  nice build-fuzz/fuzz/fuzz_"$h" $(opts_for "$h") -merge=1 -timeout=120 "$tmp/$h" "$out/corpus/$h" \
    >"$out/logs/merge-$h.log" 2>&1 || { echo "fuzz.sh: merging $h failed (see $out/logs/merge-$h.log)"; rm -rf "$tmp"; return 1; }
  mkdir -p fuzz/campaign
  (cd "$tmp" && find "$h" -type f | LC_ALL=C sort | tar --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -cf - -T - | xz -9 >"$tmp/$h.tar.xz")
  mv "$tmp/$h.tar.xz" fuzz/campaign/
  printf 'merge %-8s %6s files kept of %6s -> fuzz/campaign/%s.tar.xz (%s)\n' "$h" \
    "$(find "$tmp/$h" -type f | wc -l)" "$(find "$out/corpus/$h" -type f | wc -l)" "$h" \
    "$(du -h "fuzz/campaign/$h.tar.xz" | cut -f1)"
  rm -rf "$tmp"
}

# run HARNESS SECONDS CORPUS: one campaign; prints a summary line; 1 if it crashed.
run() {
  local h=$1 secs=$2 dir=$3 log=$out/logs/$1.log rc
  mkdir -p "$out/crashes/$h" "$out/logs"
  set +e
  # shellcheck disable=SC2046
  nice build-fuzz/fuzz/fuzz_"$h" $(opts_for "$h") -max_total_time="$secs" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$out/crashes/$h/" "$dir" >"$log" 2>&1
  rc=$?
  set -e
  # A libFuzzer timeout (exit 70 with only timeout-* artifacts) is a slow
  # input, not a crash: it is kept in crashes/ and reported, but does not
  # fail the run (a lockstep-compared REP over megabytes can take that long
  # under the sanitizers' instrumentation).
  local what="CRASH (status $rc): see $log and $out/crashes/$h/"
  if [ $rc = 70 ] && ! find "$out/crashes/$h" -type f ! -name 'timeout-*' ! -name 'slow-unit-*' | grep -q .; then
    what="no crash; a slow input timed out (kept in $out/crashes/$h/)"
    rc=0
  fi
  local execs cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  printf 'fuzz %-8s %5ss: %8s executions, %5s edges (cov), corpus %4s files, %s\n' "$h" "$secs" \
    "${execs:-?}" "${cov:-?}" "$(find "$dir" -type f | wc -l)" \
    "$([ $rc = 0 ] && [ "${what#no crash;}" = "$what" ] && echo "no crash" || echo "$what")"
  return $([ $rc = 0 ] && echo 0 || echo 1)
}

coverage() {
  echo "== coverage build (clang source-based coverage)"
  build build-fuzz-cov -DX86VM_FUZZ_COVERAGE=ON
  rm -rf "$out/prof"
  mkdir -p "$out/prof"
  local objs=()
  for h in "$@"; do
    [ -d "$out/corpus/$h" ] || corpus "$h" "$out/corpus/$h"
    # shellcheck disable=SC2046
    LLVM_PROFILE_FILE="$out/prof/$h-%p.profraw" nice build-fuzz-cov/fuzz/fuzz_"$h" $(opts_for "$h") -runs=0 \
      "$out/corpus/$h" >"$out/logs/coverage-$h.log" 2>&1 || echo "fuzz.sh: coverage run of $h failed (see $out/logs/coverage-$h.log)"
    objs+=(-object "build-fuzz-cov/fuzz/fuzz_$h")
  done
  llvm-profdata-14 merge -sparse "$out"/prof/*.profraw -o "$out/prof/all.profdata"
  llvm-cov-14 report "${objs[@]:1}" -instr-profile="$out/prof/all.profdata" \
    -ignore-filename-regex='(^/usr/|/fuzz/)' >"$out/coverage.txt"
  echo "coverage of src/ by the corpora of: $*  ->  $out/coverage.txt"
  tail -n 1 "$out/coverage.txt"
}

case $mode in
  --ci)
    echo "== build the fuzzers (build-fuzz)"
    build build-fuzz
    secs=${FUZZ_CI_SECONDS:-60}
    tmp=$(mktemp -d /tmp/x86vm-fuzz-ci-XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    failed=0
    for h in "${all[@]}"; do
      corpus "$h" "$tmp/$h"
      run "$h" "$secs" "$tmp/$h" || failed=1
    done
    exit $failed
    ;;
  --long)
    secs=${1:?"usage: fuzz.sh --long SECONDS [HARNESS...]"}
    shift
    [ $# -gt 0 ] || set -- "${all[@]}"
    for h in "$@"; do opts_for "$h" >/dev/null; done
    build build-fuzz
    failed=0
    for h in "$@"; do
      corpus "$h" "$out/corpus/$h"
      campaign "$h" "$out/corpus/$h"
      run "$h" "$secs" "$out/corpus/$h" || failed=1
    done
    coverage "$@"
    exit $failed
    ;;
  --merge)
    [ $# -gt 0 ] || set -- "${all[@]}"
    for h in "$@"; do opts_for "$h" >/dev/null; done
    build build-fuzz
    failed=0
    for h in "$@"; do merge "$h" || failed=1; done
    exit $failed
    ;;
  --coverage)
    [ $# -gt 0 ] || set -- "${all[@]}"
    coverage "$@"
    ;;
  *)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
