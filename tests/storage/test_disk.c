/*
 * test_disk.c — disk image tests: RW round trip reaches the file, RO refuses
 * writes, snapshot mode never touches the base image (checksums before and
 * after), overlay save/load, and malformed images rejected with messages;
 * image locks, identities, the overlay's temporary file, corrupt overlay
 * chunks refused with a reason.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disk.h"
#include "savestate.h"
#include "storagetest.h"

START_TEST(test_rw_roundtrip_reaches_file) {
  char path[64];
  make_image(path, 64 * 512, 1);
  char err[256] = "";
  Disk *d = disk_open(path, DISK_HD, DISK_RW, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  ck_assert_uint_eq(d->sectors, 64);
  uint8_t buf[1024], back[1024];
  ck_assert_int_eq(disk_read(d, 3, 2, buf), 0);
  ck_assert_uint_eq(buf[0], pattern_byte(1, 3 * 512));
  ck_assert_uint_eq(buf[1023], pattern_byte(1, 5 * 512 - 1));
  memset(buf, 0x5a, sizeof(buf));
  ck_assert_int_eq(disk_write(d, 10, 2, buf), 0);
  ck_assert_int_eq(disk_flush(d), 0);
  /* Visible through an independent read of the file. */
  FILE *f = fopen(path, "rb");
  fseek(f, 10 * 512, SEEK_SET);
  ck_assert_uint_eq(fread(back, 1, 1024, f), 1024);
  fclose(f);
  ck_assert_mem_eq(back, buf, 1024);
  /* Out of range is refused. */
  ck_assert_int_eq(disk_read(d, 63, 2, back), -1);
  ck_assert_int_eq(disk_write(d, 64, 1, buf), -1);
  disk_close(d);
  unlink(path);
}
END_TEST

START_TEST(test_ro_refuses_writes) {
  char path[64];
  make_image(path, 16 * 512, 2);
  uint32_t before = file_checksum(path);
  char err[256];
  Disk *d = disk_open(path, DISK_HD, DISK_RO, err, sizeof(err));
  ck_assert_ptr_nonnull(d);
  uint8_t buf[512] = {1};
  ck_assert(!disk_writable(d));
  ck_assert_int_eq(disk_write(d, 0, 1, buf), -1);
  disk_close(d);
  ck_assert_uint_eq(file_checksum(path), before);
  unlink(path);
}
END_TEST

static int count_cb(void *opaque, uint64_t lba, const uint8_t *data) {
  (*(int *)opaque)++;
  return 0;
}

START_TEST(test_snapshot_never_writes_base) {
  char path[64];
  make_image(path, 300 * 512, 3);
  uint32_t before = file_checksum(path);
  /* Even a read-only file works in snapshot mode (base opened O_RDONLY). */
  chmod(path, 0444);
  char err[256] = "";
  Disk *d = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  uint8_t w[3 * 512], r[4 * 512];
  memset(w, 0xc3, sizeof(w));
  ck_assert_int_eq(disk_write(d, 127, 3, w), 0); /* crosses an overlay chunk boundary */
  ck_assert_int_eq(disk_flush(d), 0);
  ck_assert_int_eq(disk_read(d, 126, 4, r), 0);
  ck_assert_uint_eq(r[0], pattern_byte(3, 126 * 512));
  ck_assert_mem_eq(r + 512, w, sizeof(w));
  int n = 0;
  disk_overlay_foreach(d, count_cb, &n);
  ck_assert_int_eq(n, 3);
  ck_assert_uint_eq(d->ovl_sectors, 3);

  /* Overlay through a save/load cycle into a fresh snapshot of the same base. */
  SaveWriter *sw = save_writer_new();
  ck_assert_int_eq(disk_overlay_save(d, sw, "hd0"), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(sw, &len);
  SaveReader *sr = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_msg(sr, "%s", err);
  Disk *d2 = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_int_eq(disk_overlay_check(d2, sr, "hd0"), 0);
  ck_assert_int_eq(disk_overlay_load(d2, sr, "hd0"), 0);
  memset(r, 0, sizeof(r));
  ck_assert_int_eq(disk_read(d2, 127, 3, r), 0);
  ck_assert_mem_eq(r, w, sizeof(w));
  /* A disk of another size refuses that chunk. */
  char path2[64];
  make_image(path2, 100 * 512, 3);
  Disk *d3 = disk_open(path2, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_int_eq(disk_overlay_check(d3, sr, "hd0"), -1);
  ck_assert_ptr_nonnull(strstr(d3->error, "another size"));
  /* A read-write open of the base refuses an overlay that holds writes. */
  Disk *d4 = disk_open(path2, DISK_HD, DISK_RO, err, sizeof(err));
  ck_assert_int_eq(disk_overlay_check(d4, sr, "nope"), -1);
  ck_assert_ptr_nonnull(strstr(d4->error, "nope"));
  disk_close(d4);
  Disk *d5 = disk_open(path, DISK_HD, DISK_RO, err, sizeof(err));
  ck_assert_int_eq(disk_overlay_check(d5, sr, "hd0"), -1);
  ck_assert_ptr_nonnull(strstr(d5->error, "--snapshot"));
  disk_close(d5);
  disk_close(d3);
  unlink(path2);
  save_reader_free(sr);
  save_writer_free(sw);
  disk_close(d2);
  disk_close(d);
  ck_assert_uint_eq(file_checksum(path), before);
  chmod(path, 0644);
  unlink(path);
}
END_TEST

START_TEST(test_malformed_images_rejected) {
  char err[256];
  /* Missing. */
  Disk *d = disk_open("/nonexistent/dir/x.img", DISK_HD, DISK_RW, err, sizeof(err));
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.img"));
  /* Empty. */
  char path[64];
  make_image(path, 0, 0);
  d = disk_open(path, DISK_HD, DISK_RW, err, sizeof(err));
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(err, path));
  ck_assert_ptr_nonnull(strstr(err, "empty"));
  unlink(path);
  /* Not a multiple of 512. */
  make_image(path, 1000, 1);
  d = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(err, path));
  ck_assert_ptr_nonnull(strstr(err, "multiple of 512"));
  unlink(path);
  /* A floppy of an odd size (a multiple of 512, but not a standard format). */
  make_image(path, 1474560 - 512, 1);
  d = disk_open(path, DISK_FLOPPY, DISK_RW, err, sizeof(err));
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(err, "standard floppy"));
  unlink(path);
  /* A CD image that is not made of 2048-byte sectors. */
  make_image(path, 2048 * 4 + 512, 1);
  d = disk_open(path, DISK_CDROM, DISK_RO, err, sizeof(err));
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(err, "2048"));
  unlink(path);
  /* Unreadable (skip when running as root, who can read anything). */
  if (geteuid() != 0) {
    make_image(path, 512, 1);
    chmod(path, 0);
    d = disk_open(path, DISK_HD, DISK_RO, err, sizeof(err));
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(err, path));
    unlink(path);
  }
  /* A directory. */
  d = disk_open("/tmp", DISK_HD, DISK_RO, err, sizeof(err));
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(err, "/tmp"));
}
END_TEST

/* OFD locks belong to the open file description: a second open in the same
 * process conflicts as another process's would. */
START_TEST(test_locks) {
  char path[64];
  make_image(path, 64 * 512, 4);
  char err[256] = "";
  Disk *rw = disk_open(path, DISK_HD, DISK_RW, err, sizeof(err));
  ck_assert_msg(rw, "%s", err);
  ck_assert(rw->locked);
  err[0] = 0;
  ck_assert_ptr_null(disk_open(path, DISK_HD, DISK_RW, err, sizeof(err)));
  ck_assert_msg(strstr(err, "is in use by another process (locked); --force-share to override") &&
                    strstr(err, path), "%s", err);
  /* A reader is refused while a writer holds it (--snapshot and CDs read). */
  ck_assert_ptr_null(disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err)));
  ck_assert_ptr_null(disk_open(path, DISK_CDROM, DISK_RO, err, sizeof(err)));
  Disk *forced = disk_open_ex(path, DISK_HD, DISK_RW, DISK_FORCE_SHARE, err, sizeof(err));
  ck_assert_msg(forced, "%s", err);
  ck_assert(!forced->locked);
  disk_close(forced);
  disk_close(rw);
  /* Readers share; a writer is then refused. */
  Disk *r1 = disk_open(path, DISK_HD, DISK_RO, err, sizeof(err));
  Disk *r2 = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_msg(r1 && r2, "%s", err);
  ck_assert_ptr_null(disk_open(path, DISK_HD, DISK_RW, err, sizeof(err)));
  disk_close(r1);
  ck_assert_ptr_null(disk_open(path, DISK_HD, DISK_RW, err, sizeof(err)));
  disk_close(r2);
  /* Closing drops the lock. */
  rw = disk_open(path, DISK_HD, DISK_RW, err, sizeof(err));
  ck_assert_msg(rw, "%s", err);
  disk_close(rw);
  unlink(path);
}
END_TEST

static void poke(const char *path, uint64_t off, uint8_t v) {
  int fd = open(path, O_WRONLY);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(pwrite(fd, &v, 1, (off_t)off), 1);
  close(fd);
}

static uint8_t peek(const char *path, uint64_t off) {
  int fd = open(path, O_RDONLY);
  uint8_t v = 0;
  ck_assert_int_eq(pread(fd, &v, 1, (off_t)off), 1);
  close(fd);
  return v;
}

static DiskIdentity identity_of(const char *path) {
  char err[256];
  Disk *d = disk_open(path, DISK_HD, DISK_RO, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  DiskIdentity id;
  ck_assert_int_eq(disk_identity(d, &id), 0);
  disk_close(d);
  return id;
}

START_TEST(test_identity) {
  char path[64];
  const uint64_t size = 3u << 20; /* first MiB, an unhashed middle MiB, last MiB */
  make_image(path, size, 5);
  DiskIdentity a = identity_of(path);
  ck_assert_uint_eq(a.size, size);
  /* The last MiB and the first MiB count; the middle is not read. */
  uint8_t old = peek(path, size - 1);
  poke(path, size - 1, (uint8_t)(old ^ 1));
  DiskIdentity b = identity_of(path);
  ck_assert(b.hash != a.hash);
  poke(path, size - 1, old);
  ck_assert(identity_of(path).hash == a.hash);
  old = peek(path, 0);
  poke(path, 0, (uint8_t)(old ^ 0x80));
  ck_assert(identity_of(path).hash != a.hash);
  poke(path, 0, old);
  old = peek(path, size / 2);
  poke(path, size / 2, (uint8_t)(old ^ 1));
  ck_assert(identity_of(path).hash == a.hash); /* documented: a cheap check, not a full one */
  poke(path, size / 2, old);
  /* Same bytes, other size: differs (the size is hashed too). */
  char path2[64];
  make_image(path2, size + 512, 5);
  DiskIdentity c = identity_of(path2);
  ck_assert_uint_eq(c.size, size + 512);
  ck_assert(c.hash != a.hash);
  unlink(path2);
  /* A snapshot overlay never changes the identity: it is the image's. */
  char err[256];
  Disk *d = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  uint8_t sec[512];
  memset(sec, 0x77, sizeof sec);
  ck_assert_int_eq(disk_write(d, 0, 1, sec), 0);
  ck_assert_int_eq(disk_write(d, d->sectors - 1, 1, sec), 0);
  DiskIdentity e;
  ck_assert_int_eq(disk_identity(d, &e), 0);
  ck_assert(e.hash == a.hash && e.size == a.size);
  disk_close(d);
  /* A tiny image: the spans cover all of it. */
  make_image(path2, 1024, 6);
  DiskIdentity t = identity_of(path2);
  poke(path2, 600, (uint8_t)(peek(path2, 600) ^ 1));
  ck_assert(identity_of(path2).hash != t.hash);
  unlink(path2);
  unlink(path);
}
END_TEST

/* The overlay is an unlinked file in $TMPDIR: nothing left there, nothing
 * in host RAM but the bitmap. */
START_TEST(test_overlay_tmpfile) {
  char dir[] = "/tmp/x86vm-ovl-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  const char *saved = getenv("TMPDIR");
  char *old = saved ? strdup(saved) : NULL;
  setenv("TMPDIR", dir, 1);
  char path[64];
  make_image(path, 40u << 20, 7);
  char err[256] = "";
  Disk *d = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  struct stat st;
  ck_assert_int_eq(fstat(d->ovl_fd, &st), 0);
  ck_assert_int_eq(st.st_nlink, 0);             /* no name anywhere */
  ck_assert_int_eq(st.st_size, 40 << 20);        /* sparse, as large as the image */
  DIR *dd = opendir(dir);
  int entries = 0;
  for (struct dirent *e; (e = readdir(dd));)
    entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(dd);
  ck_assert_int_eq(entries, 0);
  /* 32 MiB written: kept in the file (bitmap: 2 leaves of 4 KiB). */
  uint8_t *buf = malloc(1u << 20);
  for (uint32_t i = 0; i < 32; i++) {
    memset(buf, (int)(i + 1), 1u << 20);
    ck_assert_int_eq(disk_write(d, (uint64_t)i * 2048, 2048, buf), 0);
  }
  ck_assert_uint_eq(d->ovl_sectors, 32 * 2048);
  ck_assert_int_eq(fstat(d->ovl_fd, &st), 0);
  ck_assert_int_ge((uint64_t)st.st_blocks * 512, 32u << 20);
  uint64_t leaves = 0;
  for (uint64_t i = 0; i < d->ovl_leaves; i++)
    leaves += d->ovl_map[i] != NULL;
  ck_assert_uint_eq(leaves, 2);
  ck_assert_int_eq(disk_read(d, 31 * 2048 + 5, 1, buf), 0);
  ck_assert_uint_eq(buf[0], 32);
  ck_assert_int_eq(disk_read(d, 32 * 2048, 1, buf), 0); /* not written: the base */
  ck_assert_uint_eq(buf[0], pattern_byte(7, 32ull * 2048 * 512));
  /* Clearing gives the blocks back. */
  disk_overlay_clear(d);
  ck_assert_int_eq(fstat(d->ovl_fd, &st), 0);
  ck_assert_int_eq(st.st_blocks, 0);
  ck_assert_int_eq(disk_read(d, 5, 1, buf), 0);
  ck_assert_uint_eq(buf[0], pattern_byte(7, 5 * 512));
  free(buf);
  disk_close(d);
  if (old) {
    setenv("TMPDIR", old, 1);
    free(old);
  } else {
    unsetenv("TMPDIR");
  }
  rmdir(dir);
  unlink(path);
}
END_TEST

/* A corrupt overlay chunk for a floppy is refused, and the reason reaches
 * the reader's error (what machine_restore prints), never empty. */
START_TEST(test_corrupt_overlay_reason) {
  char path[64];
  make_image(path, 1474560, 8);
  char err[256] = "";
  Disk *d = disk_open(path, DISK_FLOPPY, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  static uint8_t payload[16 + 2 * 520];
  const struct {
    uint64_t sectors, n, lba;
    size_t len;
    const char *why;
  } bad[] = {
      {2880, 1, 0, 16, "corrupt overlay (1 sectors in 16 bytes)"},          /* count and length disagree */
      {2880, 1, 2880, 16 + 520, "corrupt overlay (sector 2880 of a 2880-sector disk)"},
      {2880, 4000, 0, 16 + 520, "corrupt overlay"},
      {2881, 0, 0, 16, "another size"},
      {2880, 0, 0, 8, "another size"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    memset(payload, 0, sizeof payload);
    for (int i = 0; i < 8; i++) {
      payload[i] = (uint8_t)(bad[k].sectors >> (8 * i));
      payload[8 + i] = (uint8_t)(bad[k].n >> (8 * i));
      payload[16 + i] = (uint8_t)(bad[k].lba >> (8 * i));
    }
    SaveWriter *w = save_writer_new();
    ck_assert_int_eq(save_put_chunk(w, "fdc.disk0", DISK_OVERLAY_VERSION, 0, payload, bad[k].len), 0);
    size_t len;
    const uint8_t *img = save_writer_buffer(w, &len);
    SaveReader *r = save_reader_from_buffer(img, len, err, sizeof(err));
    ck_assert_msg(r, "%s", err);
    ck_assert_int_eq(disk_overlay_check(d, r, "fdc.disk0"), -1);
    ck_assert_msg(strstr(save_error(r), "fdc.disk0: ") && strstr(save_error(r), bad[k].why),
                  "case %zu: reader says '%s'", k, save_error(r));
    ck_assert_int_eq(disk_overlay_load(d, r, "fdc.disk0"), -1);
    ck_assert_msg(strstr(d->error, bad[k].why), "case %zu: disk says '%s'", k, d->error);
    save_reader_free(r);
    save_writer_free(w);
  }
  disk_close(d);
  unlink(path);
}
END_TEST

/* After fork the overlay file is shared; disk_overlay_unshare gives the
 * child its own, so the parent never sees the child's writes. */
START_TEST(test_overlay_fork) {
  char path[64];
  make_image(path, 64 * 512, 9);
  char err[256] = "";
  Disk *d = disk_open(path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  ck_assert_msg(d, "%s", err);
  uint8_t sec[512];
  memset(sec, 0x11, sizeof sec);
  ck_assert_int_eq(disk_write(d, 3, 1, sec), 0);
  for (int unshare = 0; unshare < 2; unshare++) {
    pid_t pid = fork();
    if (pid == 0) {
      uint8_t mine[512];
      memset(mine, 0xee, sizeof mine);
      int ok = (!unshare || disk_overlay_unshare(d) == 0) && disk_read(d, 3, 1, mine) == 0 &&
               mine[0] == 0x11; /* the child starts with the parent's overlay */
      memset(mine, 0xee, sizeof mine);
      ok = ok && disk_write(d, 3, 1, mine) == 0;
      _exit(ok ? 0 : 1);
    }
    int ws;
    ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
    ck_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    uint8_t back[512];
    ck_assert_int_eq(disk_read(d, 3, 1, back), 0);
    /* Shared, the child's write shows through; unshared, it does not. */
    ck_assert_uint_eq(back[0], unshare ? 0x11 : 0xee);
    ck_assert_int_eq(disk_write(d, 3, 1, sec), 0);
  }
  disk_close(d);
  unlink(path);
}
END_TEST

START_TEST(test_geometry) {
  uint32_t c, h, s;
  ck_assert(disk_floppy_geometry(1474560, &c, &h, &s));
  ck_assert_uint_eq(c, 80);
  ck_assert_uint_eq(h, 2);
  ck_assert_uint_eq(s, 18);
  ck_assert(disk_floppy_geometry(737280, &c, &h, &s));
  ck_assert_uint_eq(s, 9);
  ck_assert(disk_floppy_geometry(2949120, &c, &h, &s));
  ck_assert_uint_eq(s, 36);
  ck_assert(!disk_floppy_geometry(1000000, &c, &h, &s));
  disk_hd_geometry(20 * 16 * 63, &c, &h, &s);
  ck_assert_uint_eq(c, 20);
  ck_assert_uint_eq(h, 16);
  ck_assert_uint_eq(s, 63);
  disk_hd_geometry(100ull << 21, &c, &h, &s); /* 100 GiB: capped */
  ck_assert_uint_eq(c, 16383);
}
END_TEST

Suite *disk_suite(void) {
  Suite *s = suite_create("disk");
  TCase *tc = tcase_create("disk");
  tcase_add_test(tc, test_rw_roundtrip_reaches_file);
  tcase_add_test(tc, test_ro_refuses_writes);
  tcase_add_test(tc, test_snapshot_never_writes_base);
  tcase_add_test(tc, test_malformed_images_rejected);
  tcase_add_test(tc, test_geometry);
  tcase_add_test(tc, test_locks);
  tcase_add_test(tc, test_identity);
  tcase_add_test(tc, test_overlay_tmpfile);
  tcase_add_test(tc, test_corrupt_overlay_reason);
  tcase_add_test(tc, test_overlay_fork);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return storage_run(disk_suite()); }
