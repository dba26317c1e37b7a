/*
 * test_disk.c — disk image tests: RW round trip reaches the file, RO refuses
 * writes, snapshot mode never touches the base image (checksums before and
 * after), overlay save/load, and malformed images rejected with messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return storage_run(disk_suite()); }
