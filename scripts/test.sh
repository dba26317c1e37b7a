#!/usr/bin/env bash
# Build and run every test: the normal build, the ASan/UBSan build, every
# libFuzzer harness for a minute (scripts/fuzz.sh --ci), and the portable
# interpreter-only build cross-compiled for aarch64 and run under
# qemu-aarch64.  Installs missing Debian packages first.
# Usage: scripts/test.sh [--quick]   (--quick: normal build only)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
if [ $quick = 1 ]; then scripts/deps.sh; else scripts/deps.sh --cross --linux; fi
jobs=$(nproc)

echo "== build (RelWithDebInfo) and test"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
# The normal build also boots Debian's i386 kernel to a shell (hw_linux, minutes).
X86VM_SLOW_TESTS=$([ $quick = 1 ] && echo 0 || echo 1) \
  ctest --test-dir build --output-on-failure -j"$jobs"
[ $quick = 1 ] && exit 0

echo "== build with ASan/UBSan and test"
# Left out here (they run in the normal build): the differential campaigns and
# the boots of outside software (GRUB, syslinux's vesamenu, iPXE, memtest86+)
# and the eight-mode picture test, which spend minutes in guest code that the
# other tests already run under the sanitizers.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DX86VM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 X86VM_SLOW_TESTS=0 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" \
  -E 'zydis_diff|fpu_diff|_slow|jit_lockstep_bench|hw_vesamenu|hw_grub_gfxterm|hw_rmkernel|storage_eltorito|ui_grub_gfxterm|ui_modes_headless'

echo "== fuzz: every libFuzzer harness for 60 s from the checked-in seeds (clang-14, ASan/UBSan)"
scripts/fuzz.sh --ci

echo "== cross-build the portable interpreter for aarch64 and run the CPU tests under qemu-aarch64"
cmake -S . -B build-aarch64 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DX86VM_INTERP_ONLY=ON \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
  -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc \
  -DCMAKE_CROSSCOMPILING_EMULATOR="qemu-aarch64;-L;/usr/aarch64-linux-gnu" >/dev/null
cmake --build build-aarch64 -j"$jobs"
ctest --test-dir build-aarch64 --output-on-failure -j"$jobs"
