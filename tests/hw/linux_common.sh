# linux_common.sh — sourced by the Linux boot tests (test_linux.sh,
# test_linux_disk.sh, test_linux_replay.sh, tests/jit/test_faults_linux.sh): fetch Debian's 32-bit kernel
# and busybox-static from the i386 archive with apt-get download, and make
# busybox initramfs images.  Packages are unpacked once into a cache
# directory that the tests share.
#
#   linux_fetch CACHE          -> CACHE/kernel/vmlinuz, CACHE/bb/bin/busybox
#                                 (returns 77 when the archive is unreachable)
#   linux_initrd CACHE OUT     -> CACHE/OUT, a gzip'd newc cpio whose /init is
#                                 read from stdin (after the common prologue)
#   linux_test_args DEFAULT-ENGINES X86VM CACHE [ENGINE...]
#                              -> the arguments of a test script: sets X86VM and
#                                 CACHE (both made absolute) and ENGINES (the
#                                 engines given, else DEFAULT-ENGINES); exits 77
#                                 unless X86VM_SLOW_TESTS=1; fetches (exits on
#                                 failure)
#   linux_shell_setup CACHE    -> exits 77 unless X86VM_SLOW_TESTS=1; fetches,
#                                 makes CACHE/initrd.gz whose /init starts a
#                                 shell, and changes to CACHE (exits on failure)
#   linux_disk_tools           -> returns 77 (with a SKIP line) unless
#                                 syslinux, mcopy, mkfs.fat and syslinux's
#                                 MBR are installed (scripts/deps.sh --linux)
#   linux_disk IMG KERNEL INITRD APPEND
#                              -> IMG, a 32 MiB raw disk (16 heads, 63
#                                 sectors) with syslinux's MBR and one active
#                                 FAT16 partition at LBA 2048 holding SYSLINUX,
#                                 the kernel, the initramfs and a syslinux.cfg
#                                 booting them with APPEND
#
# The common prologue of every /init installs busybox's applets and mounts
# /proc, /sys and /dev (devtmpfs).

linux_fetch() {
  mkdir -p "$1" || return 1
  if [ ! -f "$1/kernel/vmlinuz" ]; then
    pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null | grep -o 'linux-image-[0-9][^ ]*-686' | head -n 1)
    if [ -z "$pkg" ] || ! (cd "$1" && apt-get download "$pkg:i386" >/dev/null 2>&1); then
      echo "SKIP: cannot download linux-image-686:i386 (enable i386 in dpkg and apt-get update)"
      return 77
    fi
    (cd "$1" && rm -rf kx && dpkg-deb -x "$pkg"_*_i386.deb kx && mkdir -p kernel &&
      cp kx/boot/vmlinuz-* kernel/vmlinuz) || return 1
  fi
  if [ ! -f "$1/bb/bin/busybox" ]; then
    if ! (cd "$1" && apt-get download busybox-static:i386 >/dev/null 2>&1); then
      echo "SKIP: cannot download busybox-static:i386"
      return 77
    fi
    (cd "$1" && rm -rf bb && dpkg-deb -x busybox-static_*_i386.deb bb) || return 1
  fi
  return 0
}

linux_initrd() {
  dir="$1/ir-$2"
  rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" &&
    cp "$1/bb/bin/busybox" "$dir/bin/" || return 1
  { cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
INIT
    cat; } >"$dir/init" || return 1
  chmod +x "$dir/init"
  # Byte-for-byte the same image on every machine (sorted names, fixed times,
  # owners and inode numbers): the guest's run then does not depend on where
  # it was built, so a failure seen elsewhere replays here.
  (cd "$dir" && chmod -R u+rwX,go+rX,go-w . && find . -exec touch -h -d @0 {} + &&
    find . | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible 2>/dev/null | gzip -9 -n) >"$1/$2.tmp" &&
    mv "$1/$2.tmp" "$1/$2"
}

linux_test_args() {
  _default=$1
  X86VM=$2
  CACHE=$3
  shift 3
  ENGINES=${*:-$_default}
  case $X86VM in /*) ;; *) X86VM=$(pwd)/$X86VM ;; esac
  case $CACHE in /*) ;; *) CACHE=$(pwd)/$CACHE ;; esac
  if [ "$X86VM_SLOW_TESTS" != 1 ]; then
    echo "SKIP: set X86VM_SLOW_TESTS=1 to boot Linux (takes minutes)"
    exit 77
  fi
  linux_fetch "$CACHE" || exit $?
}

linux_shell_setup() {
  if [ "$X86VM_SLOW_TESTS" != 1 ]; then
    echo "SKIP: set X86VM_SLOW_TESTS=1 to boot Linux (takes minutes)"
    exit 77
  fi
  linux_fetch "$1" || exit $?
  linux_initrd "$1" initrd.gz <<'INIT' || exit 1
echo "x86vm initramfs shell"
exec sh
INIT
  cd "$1" || exit 1
}

LINUX_MBR=/usr/lib/syslinux/mbr/mbr.bin

linux_disk_tools() {
  for tool in syslinux mcopy mkfs.fat; do
    command -v $tool >/dev/null || PATH=$PATH:/sbin:/usr/sbin
    command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh --linux)"; return 77; }
  done
  [ -f "$LINUX_MBR" ] || { echo "SKIP: $LINUX_MBR not installed (package syslinux-common)"; return 77; }
  return 0
}

linux_disk() {
  _img=$1
  _sectors=65536
  _start=2048
  _count=$((_sectors - _start))
  _le32() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))\\$(printf %03o $((($1 >> 16) & 255)))\\$(printf %03o $((($1 >> 24) & 255)))"; }
  _chs() { # LBA -> head, sector|cyl-high, cyl-low
    _c=$(($1 / (16 * 63))); _h=$((($1 / 63) % 16)); _s=$(($1 % 63 + 1))
    printf "\\$(printf %03o $_h)\\$(printf %03o $(((_c >> 2 & 0xc0) | _s)))\\$(printf %03o $((_c & 255)))"
  }
  rm -f "$_img"
  truncate -s $((_sectors * 512)) "$_img" &&
    mkfs.fat -F 16 -n X86VM --offset $_start -h $_start "$_img" $((_count / 2)) >/dev/null &&
    dd if="$LINUX_MBR" of="$_img" bs=440 count=1 conv=notrunc 2>/dev/null &&
    { printf '\200'; _chs $_start; printf '\006'; _chs $((_sectors - 1)); _le32 $_start; _le32 $_count; } |
      dd of="$_img" bs=1 seek=446 conv=notrunc 2>/dev/null &&
    printf '\125\252' | dd of="$_img" bs=1 seek=510 conv=notrunc 2>/dev/null || return 1
  printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND %s\n' \
    "$4" >"$_img.cfg" || return 1
  syslinux --install --offset $((_start * 512)) "$_img" &&
    mcopy -i "$_img@@$((_start * 512))" "$2" ::vmlinuz &&
    mcopy -i "$_img@@$((_start * 512))" "$3" ::initrd.gz &&
    mcopy -i "$_img@@$((_start * 512))" "$_img.cfg" ::syslinux.cfg || return 1
  rm -f "$_img.cfg"
}
