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
