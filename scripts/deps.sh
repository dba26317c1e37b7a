#!/usr/bin/env bash
# Install the Debian packages x86vm needs to build and test (only the missing ones).
# Usage: scripts/deps.sh [--cross] [--peers]
#   --cross  also the aarch64 cross toolchain and qemu-user (portability test)
#   --peers  also the peers benchmarks compare against (bochs)
#   --linux  enable Debian's i386 architecture so tests can fetch the i386 kernel and busybox,
#            and the tools that make bootable disk and CD images (syslinux, isolinux, mtools,
#            dosfstools, xorriso, grub-pc-bin, grub-common), and tesseract with its French and
#            Czech models (OCR of the installer's language list)
set -euo pipefail
pkgs=(build-essential cmake pkg-config nasm acpica-tools libcapstone-dev libzydis-dev libsdl2-dev libelf-dev
      check zlib1g-dev python3 qemu-system-x86 xorriso xvfb xdotool x11-apps libncurses-dev tmux strace
      gdb  # the gdb stub's tests (tests/debug/test_gdb.sh)
      clang-14 libclang-rt-14-dev llvm-14)  # the last three: libFuzzer harnesses (scripts/fuzz.sh);
      # acpica-tools: iasl compiles the DSDT (src/hw/acpi/dsdt.asl)
for a in "$@"; do
  case "$a" in
    --cross) pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) ;;
    --peers) pkgs+=(bochs bochsbios vgabios) ;;
    --linux)
      pkgs+=(syslinux syslinux-common isolinux mtools dosfstools cpio grub-pc-bin grub-common xorriso
             tesseract-ocr tesseract-ocr-fra tesseract-ocr-ces)  # the installer test reads its dialog
      if ! dpkg --print-foreign-architectures | grep -qx i386; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
        $SUDO dpkg --add-architecture i386
        $SUDO apt-get update -qq || echo "deps.sh: apt-get update reported errors" >&2
      fi ;;
    *) echo "deps.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  # A mirror mid-sync can fail one index file: that must not stop us.
  $SUDO apt-get update -qq || echo "deps.sh: apt-get update reported errors; trying to install anyway" >&2
  for try in 1 2 3; do
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" && break
    [ $try = 3 ] && { echo "deps.sh: could not install: ${missing[*]}" >&2; exit 1; }
    sleep 10
    $SUDO apt-get update -qq || true
  done
fi
