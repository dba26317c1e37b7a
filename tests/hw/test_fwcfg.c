/*
 * test_fwcfg.c — QEMU's fw_cfg through its ports: signature, interface ID,
 * the file directory (big-endian entries), reading a file, reads past the
 * end and of missing items, rewinding by re-selecting, ignored data
 * writes, reset, and the save table round trip.
 */
#include <stdio.h>

#include "fwcfg.h"
#include "hwtest.h"

static IoBus *bus;
static FwCfg *f;

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  f = fwcfg_new(bus);
  ck_assert_ptr_nonnull(f);
}
static void teardown(void) {
  fwcfg_free(f);
  iobus_free(bus);
}

static void sel(uint16_t key) { iobus_write(bus, FWCFG_PORT_SEL, 2, key); }
static void rd(uint8_t *buf, int n) {
  for (int i = 0; i < n; i++)
    buf[i] = inb(bus, FWCFG_PORT_DATA);
}
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_signature_and_id) {
  uint8_t b[8];
  sel(FWCFG_SIGNATURE);
  rd(b, 6);
  ck_assert_mem_eq(b, "QEMU\0\0", 6); /* past the end: zeros */
  sel(FWCFG_ID);
  rd(b, 4);
  ck_assert_uint_eq(b[0], 1); /* traditional interface only (no DMA bit) */
  ck_assert_uint_eq(b[1] | b[2] | b[3], 0);
  sel(FWCFG_NB_CPUS);
  rd(b, 2);
  ck_assert_uint_eq(b[0] | b[1] << 8, 1);
  /* A missing item reads as zeros. */
  sel(0x1234);
  rd(b, 4);
  ck_assert_uint_eq(b[0] | b[1] | b[2] | b[3], 0);
  /* The selector port reads as 0; a 32-bit read of the data port is four byte reads. */
  sel(FWCFG_SIGNATURE);
  ck_assert_uint_eq(iobus_read(bus, FWCFG_PORT_SEL, 2), 0);
  ck_assert_uint_eq(iobus_read(bus, FWCFG_PORT_DATA, 1), 'Q');
  /* Re-selecting rewinds. */
  sel(FWCFG_SIGNATURE);
  ck_assert_uint_eq(inb(bus, FWCFG_PORT_DATA), 'Q');
  ck_assert_uint_eq(inb(bus, FWCFG_PORT_DATA), 'E');
  /* Writes to the data port change nothing. */
  outb(bus, FWCFG_PORT_DATA, 'X');
  ck_assert_uint_eq(inb(bus, FWCFG_PORT_DATA), 'M');
}
END_TEST

START_TEST(test_files) {
  uint8_t b[4 + 2 * 64];
  sel(FWCFG_FILE_DIR);
  rd(b, 4);
  ck_assert_uint_eq(be32(b), 0); /* empty directory */
  static const uint8_t rom[5] = {0x55, 0xaa, 1, 2, 3};
  ck_assert_int_eq(fwcfg_add_file(f, "vgaroms/vgabios.bin", rom, sizeof(rom)), FWCFG_FILE_FIRST);
  ck_assert_int_eq(fwcfg_add_file(f, "etc/other", "xy", 2), FWCFG_FILE_FIRST + 1);
  char longname[FWCFG_NAME_LEN + 1];
  memset(longname, 'a', FWCFG_NAME_LEN);
  longname[FWCFG_NAME_LEN] = 0;
  ck_assert_int_eq(fwcfg_add_file(f, longname, "z", 1), -1); /* name must fit with its NUL */
  sel(FWCFG_FILE_DIR);
  rd(b, sizeof(b));
  ck_assert_uint_eq(be32(b), 2);
  const uint8_t *e = b + 4;
  ck_assert_uint_eq(be32(e), 5);                     /* size */
  ck_assert_uint_eq(e[4] << 8 | e[5], FWCFG_FILE_FIRST); /* select */
  ck_assert_uint_eq(e[6] | e[7], 0);                 /* reserved */
  ck_assert_str_eq((const char *)e + 8, "vgaroms/vgabios.bin");
  e += 64;
  ck_assert_uint_eq(be32(e), 2);
  ck_assert_uint_eq(e[4] << 8 | e[5], FWCFG_FILE_FIRST + 1);
  ck_assert_str_eq((const char *)e + 8, "etc/other");
  /* The file's bytes, then zeros. */
  uint8_t d[7];
  sel(FWCFG_FILE_FIRST);
  rd(d, 7);
  ck_assert_mem_eq(d, "\x55\xaa\x01\x02\x03\0\0", 7);
}
END_TEST

START_TEST(test_reset_and_save) {
  sel(FWCFG_SIGNATURE);
  inb(bus, FWCFG_PORT_DATA);
  inb(bus, FWCFG_PORT_DATA);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&f->dev, w), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  f->dev.reset(f);
  ck_assert_uint_eq(f->selector, 0);
  ck_assert_uint_eq(f->offset, 0);
  sel(FWCFG_ID);
  ck_assert_int_eq(device_check(&f->dev, r), 0);
  ck_assert_int_eq(device_load(&f->dev, r), 0);
  ck_assert_uint_eq(inb(bus, FWCFG_PORT_DATA), 'M'); /* third byte of "QEMU" */
  save_reader_free(r);
  save_writer_free(w);
  /* A snapshot without the chunk (older than this device) loads as a reset. */
  w = save_writer_new();
  ck_assert_int_eq(save_put_chunk(w, "other", 1, 0, "x", 1), 0);
  img = save_writer_buffer(w, &len);
  r = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(device_check(&f->dev, r), 0);
  ck_assert_int_eq(device_load(&f->dev, r), 0);
  ck_assert_uint_eq(f->selector, 0);
  ck_assert_uint_eq(f->offset, 0);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_fwcfg");
  TCase *tc = tcase_create("fwcfg");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_signature_and_id);
  tcase_add_test(tc, test_files);
  tcase_add_test(tc, test_reset_and_save);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
