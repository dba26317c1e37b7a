# debian_installer_cd.sh — sourced by tests/ui/test_debian_installer.sh and
# bench/debian_installer.sh: make a bootable CD of Debian 12's graphical
# (gtk) i386 installer, booted by Debian's isolinux with the installer's own
# boot-screens menu drawn by vesamenu.c32 (as on the netinst CD).
#
#   di_make_cd CACHE   -> CACHE/di.iso (returns 77 when a package is missing
#                         or the archive is unreachable)
#
# The installer comes from the package debian-installer-12-netboot-i386
# (apt-get download, ~105 MB, kept in CACHE and unpacked once); isolinux.bin
# and the .c32 modules from the host's isolinux and syslinux-common (the
# modules must match isolinux.bin's version, so they replace the
# installer's copies).  The menu files name their files relative to the
# TFTP root; on the CD isolinux's current directory is /isolinux, so the
# names are made absolute.  The "Install" entry gets
# earlyprintk=serial,ttyS0,115200,keep instead of "quiet": kernel messages
# reach COM1 through the early boot console, which is never /dev/console, so
# the installer still picks the framebuffer and its gtk frontend.

di_make_cd() {
  c=$1
  command -v xorriso >/dev/null && [ -f /usr/lib/ISOLINUX/isolinux.bin ] &&
    [ -f /usr/lib/syslinux/modules/bios/vesamenu.c32 ] ||
    { echo "SKIP: xorriso, isolinux or syslinux-common missing (scripts/deps.sh --linux)"; return 77; }
  mkdir -p "$c" || return 1
  img=usr/lib/debian-installer/images/12/i386/gtk
  if [ ! -f "$c/x/$img/debian-installer/i386/initrd.gz" ]; then
    if ! ls "$c"/debian-installer-12-netboot-i386_*_all.deb >/dev/null 2>&1 &&
      ! (cd "$c" && apt-get download debian-installer-12-netboot-i386 >"$c/download.log" 2>&1); then
      echo "SKIP: cannot download debian-installer-12-netboot-i386"
      return 77
    fi
    (cd "$c" && rm -rf x && dpkg-deb -x debian-installer-12-netboot-i386_*_all.deb x) || return 1
  fi
  iso=$c/iso
  di=$iso/debian-installer/i386
  rm -rf "$iso" && mkdir -p "$iso/isolinux" "$di" &&
    cp -L "$c/x/$img/debian-installer/i386/linux" "$c/x/$img/debian-installer/i386/initrd.gz" "$di/" &&
    cp -rL "$c/x/$img/debian-installer/i386/boot-screens" "$di/" &&
    cp /usr/lib/ISOLINUX/isolinux.bin "$iso/isolinux/" || return 1
  for m in ldlinux libcom32 libutil vesamenu; do
    cp /usr/lib/syslinux/modules/bios/$m.c32 "$iso/isolinux/" &&
      cp /usr/lib/syslinux/modules/bios/$m.c32 "$di/boot-screens/" || return 1
  done
  cp "$di/boot-screens/syslinux.cfg" "$iso/isolinux/isolinux.cfg" &&
    sed -i -e 's#\([ \t=]\)debian-installer/#\1/debian-installer/#g' "$iso/isolinux/isolinux.cfg" "$di"/boot-screens/*.cfg &&
    sed -i -e 's#initrd.gz --- quiet#initrd.gz earlyprintk=serial,ttyS0,115200,keep ---#' "$di/boot-screens/txt.cfg" &&
    grep -q '^[[:space:]]*menu label ^Install$' "$di/boot-screens/txt.cfg" &&
    grep -q earlyprintk "$di/boot-screens/txt.cfg" || { echo "FAIL: unexpected installer menu files"; return 1; }
  # Fixed times: the same CD on every machine and every run.
  find "$iso" -exec touch -h -d @0 {} + &&
    rm -f "$c/di.iso" && xorriso -as mkisofs -quiet -o "$c/di.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
      -no-emul-boot -boot-load-size 4 -boot-info-table -R -J "$iso" >"$c/xorriso.log" 2>&1 ||
    { echo "FAIL: xorriso"; cat "$c/xorriso.log"; return 1; }
}
