/*
 * test_ide.c — IDE/ATA channel driven through its ports: IDENTIFY fields,
 * LBA28/LBA48/CHS reads and writes round-tripping through a temp image,
 * READ/WRITE MULTIPLE, status/error/IRQ behaviour, nIEN, soft reset
 * signatures, absent slave, save/restore.
 */
#include <string.h>

#include "ide.h"
#include "iobus.h"
#include "savestate.h"
#include "storagetest.h"

#define NSECT 20000 /* > 16*63*16: several cylinders */

static IoBus *bus;
static IdeChannel *ch;
static Disk *disk;
static LineRec irq;
static char path[64];

static uint8_t inb(uint16_t p) { return (uint8_t)iobus_read(bus, p, 1); }
static void outb(uint16_t p, uint8_t v) { iobus_write(bus, p, 1, v); }
static uint16_t inw(uint16_t p) { return (uint16_t)iobus_read(bus, p, 2); }
static void outw(uint16_t p, uint16_t v) { iobus_write(bus, p, 2, v); }

static void setup(void) {
  make_image(path, (uint64_t)NSECT * 512, 7);
  char err[256] = "";
  disk = disk_open(path, DISK_HD, DISK_RW, err, sizeof(err));
  ck_assert_msg(disk, "%s", err);
  bus = iobus_new();
  bus->log_unclaimed = false;
  memset(&irq, 0, sizeof(irq));
  ch = ide_new(bus, 0x1f0, 0x3f6, linerec_line(&irq), "ide0");
  ck_assert_ptr_nonnull(ch);
  ck_assert_int_eq(ide_attach(ch, 0, disk), 0);
}

static void teardown(void) {
  ide_free(ch);
  iobus_free(bus);
  disk_close(disk);
  unlink(path);
}

static void read_words(uint16_t *w, int n) {
  for (int i = 0; i < n; i++)
    w[i] = inw(0x1f0);
}

static void lba28(uint32_t lba, uint8_t count) {
  outb(0x1f6, (uint8_t)(0xe0 | (lba >> 24)));
  outb(0x1f2, count);
  outb(0x1f3, (uint8_t)lba);
  outb(0x1f4, (uint8_t)(lba >> 8));
  outb(0x1f5, (uint8_t)(lba >> 16));
}

static void lba48(uint64_t lba, uint16_t count) {
  outb(0x1f6, 0x40);
  outb(0x1f2, (uint8_t)(count >> 8));
  outb(0x1f3, (uint8_t)(lba >> 24));
  outb(0x1f4, (uint8_t)(lba >> 32));
  outb(0x1f5, (uint8_t)(lba >> 40));
  outb(0x1f2, (uint8_t)count);
  outb(0x1f3, (uint8_t)lba);
  outb(0x1f4, (uint8_t)(lba >> 8));
  outb(0x1f5, (uint8_t)(lba >> 16));
}

static void ident_string(const uint16_t *w, int first, int words, char *out) {
  for (int i = 0; i < words; i++) {
    out[2 * i] = (char)(w[first + i] >> 8);
    out[2 * i + 1] = (char)w[first + i];
  }
  out[2 * words] = 0;
}

START_TEST(test_identify_fields) {
  ck_assert_uint_eq(inb(0x1f7), 0x50); /* DRDY | DSC after power-on */
  outb(0x1f6, 0xa0);
  outb(0x1f7, 0xec);
  ck_assert_int_eq(irq.level, 1);
  ck_assert_uint_eq(inb(0x3f6) & 0x89, 0x08); /* DRQ, no BSY/ERR; alt status keeps IRQ */
  ck_assert_int_eq(irq.level, 1);
  ck_assert_uint_eq(inb(0x1f7) & 0x08, 0x08);
  ck_assert_int_eq(irq.level, 0); /* status read clears it */
  uint16_t w[256];
  read_words(w, 256);
  ck_assert_uint_eq(inb(0x1f7) & 0x08, 0); /* DRQ gone after 256 words */
  char s[41];
  ident_string(w, 27, 20, s);
  ck_assert_str_eq(s, "x86vm HARDDISK                          ");
  ident_string(w, 10, 10, s);
  ck_assert(s[0] != ' ' && s[0] != 0);
  ident_string(w, 23, 4, s);
  ck_assert_str_eq(s, "0.1     ");
  ck_assert_uint_eq(w[0] & 0x8000, 0);       /* ATA device */
  ck_assert_uint_eq(w[1], NSECT / (16 * 63)); /* cylinders */
  ck_assert_uint_eq(w[3], 16);
  ck_assert_uint_eq(w[6], 63);
  ck_assert_uint_eq(w[47] & 0xff, 16);        /* max multiple */
  ck_assert_uint_eq(w[49] & 0x0200, 0x0200);  /* LBA */
  ck_assert_uint_eq(w[59], 0);                /* multiple not yet set */
  ck_assert_uint_eq((uint32_t)w[61] << 16 | w[60], NSECT);
  ck_assert_uint_eq(w[83] & 0x0400, 0x0400);  /* 48-bit */
  ck_assert_uint_eq(w[86] & 0x0400, 0x0400);
  uint64_t lba48cap = (uint64_t)w[103] << 48 | (uint64_t)w[102] << 32 | (uint64_t)w[101] << 16 | w[100];
  ck_assert_uint_eq(lba48cap, NSECT);
  /* Integrity word: all bytes sum to zero. */
  uint8_t sum = 0;
  for (int i = 0; i < 256; i++)
    sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
  ck_assert_uint_eq(w[255] & 0xff, 0xa5);
  ck_assert_uint_eq(sum, 0);

  /* SET MULTIPLE MODE 8 shows in word 59; an invalid count aborts. */
  outb(0x1f2, 8);
  outb(0x1f7, 0xc6);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  outb(0x1f2, 3);
  outb(0x1f7, 0xc6);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
  ck_assert_uint_eq(inb(0x1f1), IDE_ER_ABRT);
  outb(0x1f7, 0xec);
  inb(0x1f7);
  read_words(w, 256);
  ck_assert_uint_eq(w[59], 0x0108);
}
END_TEST

START_TEST(test_lba28_read_write_roundtrip) {
  uint16_t w[512];
  /* Read two sectors at LBA 1000: two DRQ blocks, an IRQ for each. */
  lba28(1000, 2);
  outb(0x1f7, 0x20);
  ck_assert_int_eq(irq.rises, 1);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  read_words(w, 256);
  ck_assert_int_eq(irq.rises, 2);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  read_words(w + 256, 256);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  for (int i = 0; i < 1024; i++)
    ck_assert_uint_eq(((uint8_t *)w)[i], pattern_byte(7, 1000 * 512 + (uint64_t)i));
  /* Task file shows the last sector transferred. */
  ck_assert_uint_eq(inb(0x1f3) | inb(0x1f4) << 8, 1001);

  /* Write three sectors at LBA 12345. */
  int rises = irq.rises;
  lba28(12345, 3);
  outb(0x1f7, 0x30);
  ck_assert_int_eq(irq.rises, rises); /* no IRQ before the first block */
  ck_assert_uint_eq(inb(0x3f6), 0x58);
  for (int s = 0; s < 3; s++) {
    for (int i = 0; i < 256; i++)
      outw(0x1f0, (uint16_t)(s * 1000 + i));
    ck_assert_int_eq(irq.rises, rises + s + 1);
    ck_assert_uint_eq(inb(0x1f7), s < 2 ? 0x58 : 0x50);
  }
  /* Flush, then check the file itself. */
  outb(0x1f7, 0xe7);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  FILE *f = fopen(path, "rb");
  fseek(f, 12345L * 512, SEEK_SET);
  uint16_t back[768];
  ck_assert_uint_eq(fread(back, 2, 768, f), 768);
  fclose(f);
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < 256; i++)
      ck_assert_uint_eq(back[s * 256 + i], (uint16_t)(s * 1000 + i));
  /* And read back through the drive with a 32-bit data port access. */
  lba28(12346, 1);
  outb(0x1f7, 0x20);
  inb(0x1f7);
  uint32_t dw = iobus_read(bus, 0x1f0, 4);
  ck_assert_uint_eq(dw, (uint32_t)1001 << 16 | 1000);
}
END_TEST

START_TEST(test_lba48_read_write_roundtrip) {
  uint16_t w[256];
  lba48(19990, 2);
  outb(0x1f7, 0x34); /* WRITE SECTORS EXT */
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < 256; i++)
      outw(0x1f0, (uint16_t)(0xbeef ^ (s * 256 + i)));
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  /* HOB readback: high-order bytes of the last LBA (19991 = 0x4e17). */
  outb(0x3f6, IDE_CTL_HOB);
  ck_assert_uint_eq(inb(0x1f3), 0);
  outb(0x3f6, 0);
  ck_assert_uint_eq(inb(0x1f3), 0x17);
  ck_assert_uint_eq(inb(0x1f4), 0x4e);
  lba48(19991, 1);
  outb(0x1f7, 0x24); /* READ SECTORS EXT */
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  read_words(w, 256);
  for (int i = 0; i < 256; i++)
    ck_assert_uint_eq(w[i], (uint16_t)(0xbeef ^ (256 + i)));
  /* Past the end: IDNF, ERR, IRQ. */
  int rises = irq.rises;
  lba48(NSECT - 1, 2);
  outb(0x1f7, 0x24);
  ck_assert_int_eq(irq.rises, rises + 1);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
  ck_assert_uint_eq(inb(0x1f1), IDE_ER_IDNF);
  /* An LBA above 2^32 (high-order bytes used). */
  lba48((uint64_t)1 << 32, 1);
  outb(0x1f7, 0x24);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
}
END_TEST

START_TEST(test_chs_and_multiple) {
  uint16_t w[256 * 4];
  /* CHS: cylinder 1, head 2, sector 5 -> LBA (1*16+2)*63+4 = 1138. */
  outb(0x1f6, 0xa2);
  outb(0x1f2, 1);
  outb(0x1f3, 5);
  outb(0x1f4, 1);
  outb(0x1f5, 0);
  outb(0x1f7, 0x20);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  read_words(w, 256);
  ck_assert_uint_eq(((uint8_t *)w)[0], pattern_byte(7, 1138 * 512));
  ck_assert_uint_eq(((uint8_t *)w)[511], pattern_byte(7, 1138 * 512 + 511));
  /* Sector 0 is not a valid CHS address. */
  outb(0x1f3, 0);
  outb(0x1f7, 0x20);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
  ck_assert_uint_eq(inb(0x1f1), IDE_ER_IDNF);

  /* READ MULTIPLE before SET MULTIPLE MODE aborts. */
  lba28(50, 6);
  outb(0x1f7, 0xc4);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
  outb(0x1f2, 4);
  outb(0x1f7, 0xc6);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  /* 6 sectors with blocks of 4: two IRQs (4 + 2 sectors). */
  int rises = irq.rises;
  lba28(50, 6);
  outb(0x1f7, 0xc4);
  ck_assert_int_eq(irq.rises, rises + 1);
  inb(0x1f7);
  read_words(w, 1024);
  ck_assert_int_eq(irq.rises, rises + 2);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  read_words(w, 512);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  ck_assert_uint_eq(((uint8_t *)w)[0], pattern_byte(7, 54 * 512));
  /* WRITE MULTIPLE 5 sectors: IRQ after block 1 (4) and block 2 (1). */
  rises = irq.rises;
  lba28(70, 5);
  outb(0x1f7, 0xc5);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  for (int i = 0; i < 1024; i++)
    outw(0x1f0, 0x1111);
  ck_assert_int_eq(irq.rises, rises + 1);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  for (int i = 0; i < 256; i++)
    outw(0x1f0, 0x2222);
  ck_assert_int_eq(irq.rises, rises + 2);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  uint8_t b[512];
  ck_assert_int_eq(disk_read(disk, 74, 1, b), 0);
  ck_assert_uint_eq(b[0], 0x22);
  ck_assert_int_eq(disk_read(disk, 73, 1, b), 0);
  ck_assert_uint_eq(b[511], 0x11);
}
END_TEST

START_TEST(test_verify_features_diag) {
  lba28(100, 10);
  outb(0x1f7, 0x40); /* READ VERIFY */
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  ck_assert_uint_eq(inb(0x1f3), 109);
  outb(0x1f1, 0x82); /* disable write cache */
  outb(0x1f7, 0xef);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  outb(0x1f1, 0x99); /* unknown subcommand */
  outb(0x1f7, 0xef);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
  /* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors -> IDENTIFY words 55/56. */
  outb(0x1f6, 0xa3);
  outb(0x1f2, 17);
  outb(0x1f7, 0x91);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  outb(0x1f6, 0xa0);
  outb(0x1f7, 0xec);
  inb(0x1f7);
  uint16_t w[256];
  read_words(w, 256);
  ck_assert_uint_eq(w[55], 4);
  ck_assert_uint_eq(w[56], 17);
  ck_assert_uint_eq(w[85] & 0x20, 0); /* write cache now off */
  /* Unknown command aborts. */
  outb(0x1f7, 0xfe);
  ck_assert_uint_eq(inb(0x1f7), 0x41);
  ck_assert_uint_eq(inb(0x1f1), IDE_ER_ABRT);
  /* EXECUTE DEVICE DIAGNOSTIC: error 01, signature, IRQ. */
  int rises = irq.rises;
  outb(0x1f7, 0x90);
  ck_assert_int_eq(irq.rises, rises + 1);
  ck_assert_uint_eq(inb(0x1f1), 0x01);
  ck_assert_uint_eq(inb(0x1f2), 1);
  ck_assert_uint_eq(inb(0x1f3), 1);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
}
END_TEST

START_TEST(test_nien_srst_and_absent_slave) {
  /* nIEN masks the line; the pending IRQ shows once nIEN is cleared. */
  outb(0x3f6, IDE_CTL_NIEN);
  lba28(0, 1);
  outb(0x1f7, 0x20);
  ck_assert_int_eq(irq.level, 0);
  outb(0x3f6, 0);
  ck_assert_int_eq(irq.level, 1);
  /* SRST: BSY while set, signature and DRDY after, transfer cancelled. */
  outb(0x3f6, IDE_CTL_SRST | IDE_CTL_NIEN);
  ck_assert_uint_eq(inb(0x3f6) & 0x80, 0x80);
  outb(0x3f6, IDE_CTL_NIEN);
  ck_assert_uint_eq(inb(0x3f6), 0x50);
  ck_assert_uint_eq(inb(0x1f2), 1);
  ck_assert_uint_eq(inb(0x1f3), 1);
  ck_assert_uint_eq(inb(0x1f4), 0);
  ck_assert_uint_eq(inb(0x1f5), 0);
  ck_assert_uint_eq(inb(0x1f6) & 0x10, 0);
  /* Absent slave: status 0, commands ignored. */
  outb(0x1f6, 0xb0);
  ck_assert_uint_eq(inb(0x1f7), 0);
  outb(0x1f7, 0xec);
  ck_assert_uint_eq(inb(0x1f7), 0);
  outb(0x1f6, 0xa0);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  /* Data port reads with no DRQ return all-ones and change nothing. */
  ck_assert_uint_eq(inw(0x1f0), 0xffff);
}
END_TEST

START_TEST(test_write_to_readonly_image_aborts) {
  char err[256], rpath[64];
  make_image(rpath, 64 * 512, 9); /* (the fixture's image is locked for writing) */
  Disk *ro = disk_open(rpath, DISK_HD, DISK_RO, err, sizeof(err));
  ck_assert_msg(ro, "%s", err);
  IoBus *b2 = iobus_new();
  LineRec r2 = {0};
  IdeChannel *c2 = ide_new(b2, 0x170, 0x376, linerec_line(&r2), "ide1");
  ide_attach(c2, 1, ro);
  iobus_write(b2, 0x176, 1, 0xf0); /* slave, LBA */
  iobus_write(b2, 0x172, 1, 1);
  iobus_write(b2, 0x177, 1, 0x30);
  ck_assert_int_eq(r2.level, 1);
  ck_assert_uint_eq(iobus_read(b2, 0x177, 1), 0x41);
  ck_assert_uint_eq(iobus_read(b2, 0x171, 1), IDE_ER_ABRT);
  /* Reads still work on the slave. */
  iobus_write(b2, 0x177, 1, 0x20);
  ck_assert_uint_eq(iobus_read(b2, 0x177, 1), 0x58);
  ide_free(c2);
  iobus_free(b2);
  disk_close(ro);
  unlink(rpath);
}
END_TEST

START_TEST(test_save_restore_mid_transfer) {
  lba28(500, 2);
  outb(0x1f7, 0x20);
  inb(0x1f7);
  uint16_t w[256];
  read_words(w, 100); /* stop in the middle of the first block */
  SaveWriter *sw = save_writer_new();
  ck_assert_int_eq(device_save(&ch->dev, sw), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(sw, &len);
  char err[256];
  SaveReader *sr = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_msg(sr, "%s", err);
  /* Finish the transfer, then restore and finish it again: same data. */
  uint16_t a[412], b[412];
  read_words(a, 412);
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  ck_assert_int_eq(device_check(&ch->dev, sr), 0);
  ck_assert_int_eq(device_load(&ch->dev, sr), 0);
  ck_assert_uint_eq(inb(0x1f7), 0x58);
  read_words(b, 412);
  ck_assert_mem_eq(a, b, sizeof(a));
  ck_assert_uint_eq(inb(0x1f7), 0x50);
  save_reader_free(sr);
  save_writer_free(sw);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ide");
  TCase *tc = tcase_create("ide");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_identify_fields);
  tcase_add_test(tc, test_lba28_read_write_roundtrip);
  tcase_add_test(tc, test_lba48_read_write_roundtrip);
  tcase_add_test(tc, test_chs_and_multiple);
  tcase_add_test(tc, test_verify_features_diag);
  tcase_add_test(tc, test_nien_srst_and_absent_slave);
  tcase_add_test(tc, test_write_to_readonly_image_aborts);
  tcase_add_test(tc, test_save_restore_mid_transfer);
  suite_add_tcase(s, tc);
  return storage_run(s);
}
