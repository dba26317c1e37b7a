/*
 * test_atapi.c — ATAPI CD-ROM on an ISO-like image, driven through the IDE
 * ports: signature, IDENTIFY PACKET DEVICE, the PACKET protocol (interrupt
 * reason, byte count limit), INQUIRY, READ CAPACITY, READ(10)/(12), READ
 * TOC, MODE SENSE, REQUEST SENSE after an error, GET CONFIGURATION.
 */
#include <string.h>

#include "ide.h"
#include "iobus.h"
#include "storagetest.h"

#define CD_SECTORS 40

static IoBus *bus;
static IdeChannel *ch;
static Disk *cd;
static LineRec irq;
static char path[64];

static uint8_t inb(uint16_t p) { return (uint8_t)iobus_read(bus, p, 1); }
static void outb(uint16_t p, uint8_t v) { iobus_write(bus, p, 1, v); }
static uint16_t inw(uint16_t p) { return (uint16_t)iobus_read(bus, p, 2); }
static void outw(uint16_t p, uint16_t v) { iobus_write(bus, p, 2, v); }

static void setup(void) {
  make_image(path, CD_SECTORS * 2048, 11);
  /* An ISO 9660 primary volume descriptor at sector 16, as a real ISO has. */
  FILE *f = fopen(path, "r+b");
  fseek(f, 16 * 2048, SEEK_SET);
  fwrite("\001CD001\001", 1, 7, f);
  fclose(f);
  char err[256] = "";
  cd = disk_open(path, DISK_CDROM, DISK_RO, err, sizeof(err));
  ck_assert_msg(cd, "%s", err);
  bus = iobus_new();
  bus->log_unclaimed = false;
  memset(&irq, 0, sizeof(irq));
  ch = ide_new(bus, 0x170, 0x376, linerec_line(&irq), "ide1");
  ide_attach(ch, 0, cd);
}

static void teardown(void) {
  ide_free(ch);
  iobus_free(bus);
  disk_close(cd);
  unlink(path);
}

/* Send a packet with byte count limit; returns after the packet is taken. */
static void packet(const uint8_t cdb[12], uint16_t limit) {
  outb(0x176, 0xa0);
  outb(0x171, 0); /* PIO */
  outb(0x174, (uint8_t)limit);
  outb(0x175, (uint8_t)(limit >> 8));
  outb(0x177, 0xa0);
  ck_assert_uint_eq(inb(0x376) & 0x88, 0x08); /* DRQ for the packet */
  ck_assert_uint_eq(inb(0x172) & 3, 1);       /* CoD=1, IO=0 */
  for (int i = 0; i < 6; i++)
    outw(0x170, (uint16_t)(cdb[2 * i] | cdb[2 * i + 1] << 8));
}

/* Read all data-in blocks into buf; returns bytes read, and checks each block
 * is at most limit bytes and ends with the completion interrupt. */
static int read_data(uint8_t *buf, int max, uint16_t limit, int *blocks) {
  int got = 0;
  *blocks = 0;
  for (;;) {
    ck_assert_int_eq(irq.level, 1);
    uint8_t st = inb(0x177);
    ck_assert_int_eq(irq.level, 0);
    uint8_t reason = inb(0x172) & 3;
    if (!(st & 0x08)) {
      ck_assert_uint_eq(reason, 3); /* completion: IO=1 CoD=1 */
      return st & 1 ? -1 : got;
    }
    ck_assert_uint_eq(reason, 2); /* data to host */
    int n = inb(0x174) | inb(0x175) << 8;
    ck_assert_int_le(n, limit);
    ck_assert_int_gt(n, 0);
    (*blocks)++;
    for (int i = 0; i < n; i += 2) {
      uint16_t w = inw(0x170);
      if (got + i < max)
        buf[got + i] = (uint8_t)w;
      if (got + i + 1 < max && i + 1 < n)
        buf[got + i + 1] = (uint8_t)(w >> 8);
    }
    got += n;
  }
}

START_TEST(test_signature_and_identify_packet) {
  ck_assert_uint_eq(inb(0x174), 0x14);
  ck_assert_uint_eq(inb(0x175), 0xeb);
  /* IDENTIFY DEVICE aborts, keeping the signature. */
  outb(0x177, 0xec);
  ck_assert_uint_eq(inb(0x177) & 1, 1);
  ck_assert_uint_eq(inb(0x174), 0x14);
  ck_assert_uint_eq(inb(0x175), 0xeb);
  outb(0x177, 0xa1);
  ck_assert_uint_eq(inb(0x177) & 0x08, 0x08);
  uint16_t w[256];
  for (int i = 0; i < 256; i++)
    w[i] = inw(0x170);
  ck_assert_uint_eq(w[0] >> 14, 2);         /* ATAPI */
  ck_assert_uint_eq((w[0] >> 8) & 0x1f, 5); /* CD-ROM */
  ck_assert_uint_eq(w[0] & 0x80, 0x80);     /* removable */
  ck_assert_uint_eq(w[0] & 3, 0);           /* 12-byte packets */
  char model[9];
  for (int i = 0; i < 4; i++) {
    model[2 * i] = (char)(w[27 + i] >> 8);
    model[2 * i + 1] = (char)w[27 + i];
  }
  model[8] = 0;
  ck_assert_str_eq(model, "x86vm CD");
  ck_assert_uint_eq(inb(0x177) & 0x08, 0);
}
END_TEST

START_TEST(test_inquiry_and_capacity) {
  uint8_t cdb[12] = {0x12, 0, 0, 0, 36};
  uint8_t b[64];
  int blocks;
  packet(cdb, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 36);
  ck_assert_uint_eq(b[0], 0x05);
  ck_assert_uint_eq(b[1] & 0x80, 0x80);
  ck_assert(memcmp(b + 8, "x86vm   ", 8) == 0);
  ck_assert(memcmp(b + 16, "CD-ROM", 6) == 0);
  /* Allocation length cuts the reply. */
  cdb[4] = 5;
  packet(cdb, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 5);
  uint8_t cap[12] = {0x25};
  packet(cap, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 8);
  ck_assert_uint_eq((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], CD_SECTORS - 1);
  ck_assert_uint_eq((uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 2048);
  uint8_t tur[12] = {0x00};
  packet(tur, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 0);
}
END_TEST

START_TEST(test_read10_and_read12) {
  static uint8_t b[8 * 2048];
  int blocks;
  uint8_t cdb[12] = {0x28, 0, 0, 0, 0, 16, 0, 0, 2}; /* LBA 16, 2 sectors */
  packet(cdb, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 4096);
  ck_assert(memcmp(b, "\001CD001\001", 7) == 0);
  ck_assert_uint_eq(b[2048 + 100], pattern_byte(11, 17 * 2048 + 100));
  /* A byte count limit of 2048: one sector per DRQ block. */
  uint8_t c12[12] = {0xa8, 0, 0, 0, 0, 3, 0, 0, 0, 5};
  packet(c12, 2048);
  ck_assert_int_eq(read_data(b, sizeof(b), 2048, &blocks), 5 * 2048);
  ck_assert_int_eq(blocks, 5);
  for (int i = 0; i < 5 * 2048; i += 777)
    ck_assert_uint_eq(b[i], pattern_byte(11, 3 * 2048 + (uint64_t)i));
  /* A limit smaller than a sector: partial-sector blocks. */
  uint8_t c1[12] = {0x28, 0, 0, 0, 0, 20, 0, 0, 1};
  packet(c1, 1000);
  ck_assert_int_eq(read_data(b, sizeof(b), 1000, &blocks), 2048);
  ck_assert_int_eq(blocks, 3);
  ck_assert_uint_eq(b[2047], pattern_byte(11, 20 * 2048 + 2047));
}
END_TEST

START_TEST(test_errors_and_sense) {
  uint8_t b[64];
  int blocks;
  /* Out of range READ(10): CHECK CONDITION, ILLEGAL REQUEST / LBA out of range. */
  uint8_t cdb[12] = {0x28, 0, 0, 0, 0, CD_SECTORS - 1, 0, 0, 2};
  packet(cdb, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), -1);
  ck_assert_uint_eq(inb(0x171) >> 4, 5);
  uint8_t rs[12] = {0x03, 0, 0, 0, 18};
  packet(rs, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 18);
  ck_assert_uint_eq(b[0], 0x70);
  ck_assert_uint_eq(b[2] & 0x0f, 5);
  ck_assert_uint_eq(b[12], 0x21);
  /* Sense is cleared once read. */
  packet(rs, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 18);
  ck_assert_uint_eq(b[2], 0);
  /* Unknown opcode. */
  uint8_t bad[12] = {0xff};
  packet(bad, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), -1);
  packet(rs, 0xfffe);
  read_data(b, sizeof(b), 0xfffe, &blocks);
  ck_assert_uint_eq(b[12], 0x20);
}
END_TEST

START_TEST(test_toc_mode_sense_config) {
  uint8_t b[128];
  int blocks;
  uint8_t toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 100};
  packet(toc, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 20);
  ck_assert_uint_eq(b[0] << 8 | b[1], 18);
  ck_assert_uint_eq(b[2], 1);
  ck_assert_uint_eq(b[3], 1);
  ck_assert_uint_eq(b[6], 1);     /* track 1 */
  ck_assert_uint_eq(b[5], 0x14);  /* data track */
  ck_assert_uint_eq(b[14], 0xaa); /* lead-out */
  ck_assert_uint_eq((uint32_t)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19], CD_SECTORS);
  /* MSF: lead-out at 150 + 40 frames = 00:02:40. */
  toc[1] = 2;
  packet(toc, 0xfffe);
  read_data(b, sizeof(b), 0xfffe, &blocks);
  ck_assert_uint_eq(b[17], 0);
  ck_assert_uint_eq(b[18], 2);
  ck_assert_uint_eq(b[19], 40);
  uint8_t ms[12] = {0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64};
  packet(ms, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 28);
  ck_assert_uint_eq(b[8], 0x2a);
  uint8_t ms6[12] = {0x1a, 0, 0x3f, 0, 255};
  packet(ms6, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 4 + 8 + 20);
  ck_assert_uint_eq(b[0], 31);
  ck_assert_uint_eq(b[4], 0x01);
  ck_assert_uint_eq(b[12], 0x2a);
  uint8_t ms_bad[12] = {0x5a, 0, 0x05, 0, 0, 0, 0, 0, 64};
  packet(ms_bad, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), -1);
  uint8_t di[12] = {0x51, 0, 0, 0, 0, 0, 0, 0, 34};
  packet(di, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 34);
  ck_assert_uint_eq(b[1], 32);
  ck_assert_uint_eq(b[6], 1);
  uint8_t gc[12] = {0x46, 0, 0, 0, 0, 0, 0, 0, 32};
  packet(gc, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 16);
  ck_assert_uint_eq(b[6] << 8 | b[7], 8); /* current profile CD-ROM */
  uint8_t pa[12] = {0x1e, 0, 0, 0, 1};
  packet(pa, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 0);
  ck_assert(ch->drive[0].locked);
  uint8_t ss[12] = {0x1b, 0, 0, 0, 1};
  packet(ss, 0xfffe);
  ck_assert_int_eq(read_data(b, sizeof(b), 0xfffe, &blocks), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("atapi");
  TCase *tc = tcase_create("atapi");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_signature_and_identify_packet);
  tcase_add_test(tc, test_inquiry_and_capacity);
  tcase_add_test(tc, test_read10_and_read12);
  tcase_add_test(tc, test_errors_and_sense);
  tcase_add_test(tc, test_toc_mode_sense_config);
  suite_add_tcase(s, tc);
  return storage_run(s);
}
