#!/bin/sh
unset DISPLAY WAYLAND_DISPLAY # headless: these tests never open a window
# test_tsc_rate.sh — the TSC counts virtual time at 1000 MHz (CPU_TSC_HZ,
# src/cpu/cpu.h) under every engine: tsc_rate.asm, run as the BIOS ROM,
# measures RDTSC differences across PIT channel 0 periods (on IRQ0, and
# polled), and RTC seconds, and checks WRMSR/RDMSR of the TSC.  Per
# engine, deterministic (10 virtual s each, polled 0.1 s): the rates within
# 0.1 % of 1000 MHz and within 0.1 % of the first engine's; real time (2 s
# each, not polled): the same within 10 %.  The TSC
# reads back what WRMSR wrote (its low half: a P6 clears the high one)
# plus the few instructions since.  Then
# Linux's PIT calibration loop in real time (pit_cal.asm, interp and jit).
# (Port E9h output is on stderr.)
# Usage: test_tsc_rate.sh path/to/x86vm dir-with-tsc_rate_{det,rt}.bin engine...
X86VM=$1
DIR=$2
shift 2
T=$(mktemp -d /tmp/x86vm-tsc-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
# check MODE ENGINE PIT_PERIODS RTC_SECONDS [flags]: run, then check the reported differences.
check() {
  mode=$1 e=$2 periods=$3 secs=$4 tol=$5
  shift 5
  "$X86VM" --headless --debugcon stderr --bios "$DIR/tsc_rate_$mode.bin" --engine "$e" --timeout 60 "$@" \
    </dev/null >/dev/null 2>"$T/out"
  st=$?
  if [ $st != 35 ]; then
    echo "FAIL ($mode, $e): exit status $st (want 35): $(tail -n 1 "$T/out")"
    fail=$((fail + 1))
    return
  fi
  # "NAME HEX16" lines -> rates in MHz and the WRMSR/RDMSR distances.
  res=$(awk -v periods="$periods" -v secs="$secs" -v ref="$REF" -v tol="$tol" '
    function hex(s,   v, i) { v = 0; for (i = 1; i <= length(s); i++)
                                v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
    $1 == "PIT" { pit = hex($2) / (periods * 11932 / 1193182 * 1e6) }  # ticks per us
    $1 == "PITPOLL" { poll = hex($2) }
    $1 == "PITCLK" { poll /= hex($2) / 1.193182 }  # ticks per us
    $1 == "RTC" { rtc = hex($2) / (secs * 1e6) }
    $1 == "WRMSR" { wr = hex($2) }
    $1 == "RDMSR" { rd = hex($2) }
    END {
      printf "pit=%.4f MHz rtc=%.4f MHz wrmsr+%d rdmsr+%d", pit, rtc, wr, rd
      bad = ""
      if (poll != "") {
        printf " polled=%.4f MHz", poll
        if (poll < 999 || poll > 1001) bad = bad " polled PIT rate"
      }
      if (pit < 1000 * (1 - tol) || pit > 1000 * (1 + tol)) bad = bad " PIT rate"
      if (rtc < 1000 * (1 - tol) || rtc > 1000 * (1 + tol)) bad = bad " RTC rate"
      if (ref != "" && (pit / ref < 1 - tol || pit / ref > 1 + tol)) bad = bad " differs from " ref
      if (wr < 0 || wr >= 1000 || rd < wr || rd >= 100000) bad = bad " WRMSR/RDMSR"
      if (bad != "") printf " BAD:%s", bad
    }' "$T/out")
  echo "$mode $e: $res"
  case $res in
  *BAD*) fail=$((fail + 1)); cat "$T/out" ;;
  esac
  [ -n "$REF" ] || REF=$(echo "$res" | sed 's/^pit=\([0-9.]*\) .*/\1/')
}
REF=
for e in "$@"; do check det "$e" 1000 10 0.001 --deterministic; done
# Real time: an interrupt is taken when the host catches up with its
# deadline, so each RDTSC is late by the host's wake-up latency (tens of
# ms on a loaded machine): 10 % here.  (An instruction-counting TSC reads
# about 0 MHz across these halted waits.)
REF=
for e in "$@"; do check rt "$e" 200 2 0.10; done
# Linux's slow calibration loop (pit_cal.asm), 100 tries in real time:
# virtual time must not jump while the CPU runs, so every try that shows
# no gap (max <= 10 min, as the kernel checks) measures 10 ms of TSC
# within 1 %; at most 5 tries may show a gap (the host stopped us > 50 ms).
for e in "$@"; do
  [ "$e" = lockstep ] && continue # real time under lockstep: too slow for the loop's 10 ms
  "$X86VM" --headless --debugcon stderr --bios "$DIR/pit_cal.bin" --engine "$e" --timeout 60 </dev/null >/dev/null 2>"$T/out"
  st=$?
  res=$(awk '
    function hex(s,   v, i) { v = 0; for (i = 1; i <= length(s); i++)
                                v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
    NF == 3 && $1 ~ /^[0-9a-f]+$/ { n++; t = hex($1)
      if (hex($3) > 10 * hex($2)) gap++
      else if (t < 9900000 || t > 10100000) { bad++; if (worst == "" || t < worst) worst = t } }
    END { printf "%d tries, %d with a gap, %d wrong (lowest %s TSC ticks for 10 ms)", n, gap, bad, worst
          if (n != 100 || bad > 0 || gap > 5) printf " BAD" }' "$T/out")
  echo "pit_cal $e: status $st: $res"
  case "$st $res" in
  "35 "*BAD* | [!3]* | 3[!5]*) fail=$((fail + 1)); tail -n 3 "$T/out" ;;
  esac
done
[ $fail = 0 ]
