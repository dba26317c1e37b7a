/*
 * test_fdc.c — 8237 DMA + floppy controller driven through their ports:
 * reset interrupt and the four SENSE INTERRUPT STATUS, SPECIFY, RECALIBRATE,
 * SEEK, READ DATA of sectors by DMA into guest memory (single sector,
 * multi-sector with multi-track, terminal count), WRITE DATA from memory,
 * write protection, READ ID, VERSION, CONFIGURE/DUMPREG, invalid commands,
 * disk change line, DMA register read-back, DMA into a code page bumping
 * its generation, save/restore, non-DMA (FIFO) reads and writes.
 */
#include <string.h>

#include "dma8237.h"
#include "fdc.h"
#include "iobus.h"
#include "mem.h"
#include "savestate.h"
#include "storagetest.h"

#define FLOPPY_SIZE 1474560

static IoBus *bus;
static Mem *mem;
static Dma8237 *dma;
static Fdc *fdc;
static Disk *disk;
static LineRec irq;
static char path[64];

static uint8_t inb(uint16_t p) { return (uint8_t)iobus_read(bus, p, 1); }
static void outb(uint16_t p, uint8_t v) { iobus_write(bus, p, 1, v); }

static void open_disk(DiskMode mode) {
  char err[256] = "";
  disk = disk_open(path, DISK_FLOPPY, mode, err, sizeof(err));
  ck_assert_msg(disk, "%s", err);
  ck_assert_int_eq(fdc_attach(fdc, 0, disk), 0);
}

static void setup(void) {
  make_image(path, FLOPPY_SIZE, 5);
  bus = iobus_new();
  bus->log_unclaimed = false;
  mem = mem_create(1 << 20);
  dma = dma_new(bus, mem);
  ck_assert_ptr_nonnull(dma);
  memset(&irq, 0, sizeof(irq));
  fdc = fdc_new(bus, dma, linerec_line(&irq));
  ck_assert_ptr_nonnull(fdc);
  open_disk(DISK_RW);
}

static void teardown(void) {
  fdc_free(fdc);
  dma_free(dma);
  mem_destroy(mem);
  iobus_free(bus);
  disk_close(disk);
  unlink(path);
}

/* Program channel 2 for len bytes at physical address pa (mode 44h = single,
 * write to memory; 48h = single, read from memory). */
static void dma_setup(uint32_t pa, uint32_t len, uint8_t mode) {
  outb(0x0a, 0x06); /* mask channel 2 */
  outb(0x0c, 0);    /* clear flip-flop */
  outb(0x0b, (uint8_t)(mode | 2));
  outb(0x04, (uint8_t)pa);
  outb(0x04, (uint8_t)(pa >> 8));
  outb(0x81, (uint8_t)(pa >> 16));
  outb(0x05, (uint8_t)(len - 1));
  outb(0x05, (uint8_t)((len - 1) >> 8));
  outb(0x0a, 0x02); /* unmask */
}

static void fdc_cmd(const uint8_t *b, int n) {
  for (int i = 0; i < n; i++) {
    ck_assert_uint_eq(inb(0x3f4) & 0xc0, 0x80); /* RQM, host -> FDC */
    outb(0x3f5, b[i]);
  }
}

static int fdc_result(uint8_t *r, int max) {
  int n = 0;
  while ((inb(0x3f4) & 0xd0) == 0xd0 && n < max)
    r[n++] = inb(0x3f5);
  ck_assert_uint_eq(inb(0x3f4) & 0xd0, 0x80); /* back to idle */
  return n;
}

/* Reset through the DOR and consume the reset interrupt. */
static void reset_controller(void) {
  outb(0x3f2, 0x00);
  outb(0x3f2, 0x1c); /* motor A on, DMA/IRQ gate, reset released, drive 0 */
  ck_assert_int_eq(irq.level, 1);
  uint8_t r[4];
  for (int i = 0; i < 4; i++) {
    uint8_t c = 0x08;
    fdc_cmd(&c, 1);
    ck_assert_int_eq(fdc_result(r, 4), 2);
    ck_assert_uint_eq(r[0], 0xc0 | i);
  }
  ck_assert_int_eq(irq.level, 0);
  uint8_t spec[3] = {0x03, 0xdf, 0x02};
  fdc_cmd(spec, 3);
  ck_assert_uint_eq(inb(0x3f4), 0x80);
}

START_TEST(test_reset_recalibrate_seek) {
  reset_controller();
  ck_assert_uint_eq(inb(0x3f7) & 0x80, 0x80); /* disk change line set */
  uint8_t recal[2] = {0x07, 0x00};
  fdc_cmd(recal, 2);
  ck_assert_int_eq(irq.level, 1);
  uint8_t sis = 0x08, r[10];
  fdc_cmd(&sis, 1);
  ck_assert_int_eq(irq.level, 0);
  ck_assert_int_eq(fdc_result(r, 10), 2);
  ck_assert_uint_eq(r[0], 0x20);
  ck_assert_uint_eq(r[1], 0);
  ck_assert_uint_eq(inb(0x3f7) & 0x80, 0); /* cleared by the step */
  uint8_t seek[3] = {0x0f, 0x04, 33}; /* head 1, cylinder 33 */
  fdc_cmd(seek, 3);
  ck_assert_int_eq(irq.level, 1);
  fdc_cmd(&sis, 1);
  ck_assert_int_eq(fdc_result(r, 10), 2);
  ck_assert_uint_eq(r[0], 0x24);
  ck_assert_uint_eq(r[1], 33);
  /* Nothing pending now: invalid, one byte. */
  fdc_cmd(&sis, 1);
  ck_assert_int_eq(fdc_result(r, 10), 1);
  ck_assert_uint_eq(r[0], 0x80);
  /* SENSE DRIVE STATUS: ready, two-sided, not track 0. */
  uint8_t sds[2] = {0x04, 0x00};
  fdc_cmd(sds, 2);
  ck_assert_int_eq(fdc_result(r, 10), 1);
  ck_assert_uint_eq(r[0], 0x28);
}
END_TEST

START_TEST(test_read_sector_by_dma) {
  reset_controller();
  /* C=1 H=1 R=3 -> LBA (1*2+1)*18+2 = 56. */
  dma_setup(0x12340, 512, 0x44);
  uint8_t rd[9] = {0xe6, 0x04, 1, 1, 3, 2, 18, 0x1b, 0xff};
  fdc_cmd(rd, 9);
  ck_assert_int_eq(irq.level, 1);
  uint8_t r[10];
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_int_eq(irq.level, 0);
  ck_assert_uint_eq(r[0] & 0xc0, 0); /* normal termination */
  ck_assert_uint_eq(r[1], 0);
  ck_assert_uint_eq(r[3], 1);
  ck_assert_uint_eq(r[4], 1);
  ck_assert_uint_eq(r[5], 4); /* next sector */
  for (int i = 0; i < 512; i++)
    ck_assert_uint_eq(mem->ram[0x12340 + i], pattern_byte(5, 56 * 512 + (uint64_t)i));
  ck_assert_uint_eq(mem->ram[0x12340 + 512], 0); /* not one byte more */
  /* DMA status shows terminal count on channel 2, cleared by reading. */
  ck_assert_uint_eq(inb(0x08) & 0x04, 0x04);
  ck_assert_uint_eq(inb(0x08) & 0x04, 0);
  /* Current count wrapped to FFFFh; address advanced by 512. */
  outb(0x0c, 0);
  uint16_t a = inb(0x04);
  a |= (uint16_t)(inb(0x04) << 8);
  ck_assert_uint_eq(a, 0x2540);
  uint16_t c = inb(0x05);
  c |= (uint16_t)(inb(0x05) << 8);
  ck_assert_uint_eq(c, 0xffff);
}
END_TEST

START_TEST(test_multitrack_read_and_end_of_track) {
  reset_controller();
  /* MT read from C=2 H=0 R=17 over 4 sectors: 17,18 on head 0, then 1,2 on head 1. */
  dma_setup(0x20000, 4 * 512, 0x44);
  uint8_t rd[9] = {0xe6, 0x00, 2, 0, 17, 2, 18, 0x1b, 0xff};
  fdc_cmd(rd, 9);
  uint8_t r[10];
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0);
  ck_assert_uint_eq(r[4], 1); /* H */
  ck_assert_uint_eq(r[5], 3); /* R */
  uint64_t lba0 = (2 * 2 + 0) * 18 + 16;
  for (int i = 0; i < 4 * 512; i += 101)
    ck_assert_uint_eq(mem->ram[0x20000 + i], pattern_byte(5, lba0 * 512 + (uint64_t)i));
  /* Without MT, reading past EOT with DMA left over ends abnormally (EN). */
  dma_setup(0x30000, 4 * 512, 0x44);
  uint8_t rd2[9] = {0x46, 0x00, 2, 0, 17, 2, 18, 0x1b, 0xff};
  fdc_cmd(rd2, 9);
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0x40);
  ck_assert_uint_eq(r[1] & 0x80, 0x80);
  /* A sector number past the track: no data. */
  dma_setup(0x30000, 512, 0x44);
  uint8_t rd3[9] = {0x46, 0x00, 0, 0, 19, 2, 19, 0x1b, 0xff};
  fdc_cmd(rd3, 9);
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0x40);
  ck_assert_uint_eq(r[1] & 0x04, 0x04);
}
END_TEST

START_TEST(test_write_sector_from_memory) {
  reset_controller();
  for (int i = 0; i < 1024; i++)
    mem->ram[0x5000 + i] = (uint8_t)(i * 7 + 1);
  dma_setup(0x5000, 1024, 0x48);
  uint8_t wr[9] = {0xc5, 0x00, 79, 0, 1, 2, 18, 0x1b, 0xff};
  fdc_cmd(wr, 9);
  uint8_t r[10];
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0);
  ck_assert_uint_eq(r[5], 3);
  uint8_t back[1024];
  ck_assert_int_eq(disk_read(disk, 79 * 36, 2, back), 0);
  ck_assert_mem_eq(back, mem->ram + 0x5000, 1024);
  /* Write-protected image: NW. */
  disk_close(disk);
  open_disk(DISK_RO);
  dma_setup(0x5000, 512, 0x48);
  fdc_cmd(wr, 9);
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0x40);
  ck_assert_uint_eq(r[1] & 0x02, 0x02);
  uint8_t sds[2] = {0x04, 0x00};
  fdc_cmd(sds, 2);
  fdc_result(r, 10);
  ck_assert_uint_eq(r[0] & 0x40, 0x40);
}
END_TEST

START_TEST(test_misc_commands) {
  reset_controller();
  uint8_t r[16];
  uint8_t ver = 0x10;
  fdc_cmd(&ver, 1);
  ck_assert_int_eq(fdc_result(r, 16), 1);
  ck_assert_uint_eq(r[0], 0x90);
  uint8_t cfg[4] = {0x13, 0x00, 0x57, 0x05};
  fdc_cmd(cfg, 4);
  ck_assert_uint_eq(inb(0x3f4), 0x80);
  uint8_t dump = 0x0e;
  fdc_cmd(&dump, 1);
  ck_assert_int_eq(fdc_result(r, 16), 10);
  ck_assert_uint_eq(r[4], 0xdf); /* SPECIFY from reset_controller */
  ck_assert_uint_eq(r[5], 0x02);
  ck_assert_uint_eq(r[8], 0x57);
  ck_assert_uint_eq(r[9], 0x05);
  uint8_t bad = 0x1f;
  fdc_cmd(&bad, 1);
  ck_assert_int_eq(fdc_result(r, 16), 1);
  ck_assert_uint_eq(r[0], 0x80);
  uint8_t rid[2] = {0x4a, 0x00};
  fdc_cmd(rid, 2);
  ck_assert_int_eq(irq.level, 1);
  ck_assert_int_eq(fdc_result(r, 16), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0);
  ck_assert_uint_eq(r[6], 2);
  /* With the DOR DMA gate off, the IRQ line stays low. */
  outb(0x3f2, 0x14);
  uint8_t recal[2] = {0x07, 0x00};
  fdc_cmd(recal, 2);
  ck_assert_int_eq(irq.level, 0);
  outb(0x3f2, 0x1c);
  ck_assert_int_eq(irq.level, 1);
}
END_TEST

START_TEST(test_dma_into_code_page_and_format) {
  reset_controller();
  mem_mark_code(mem, 0x40);
  mem_mark_code_bytes(mem, 0x40000, 16); /* decoded code at the start of the page */
  uint32_t gen = mem_page_gen(mem, 0x40);
  dma_setup(0x40000, 512, 0x44);
  uint8_t rd[9] = {0x46, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff};
  fdc_cmd(rd, 9);
  uint8_t r[10];
  fdc_result(r, 10);
  ck_assert_uint_ne(mem_page_gen(mem, 0x40), gen);
  ck_assert_uint_eq(mem->ram[0x40000], pattern_byte(5, 0));
  /* FORMAT TRACK cylinder 3 head 0 with fill byte E5. */
  uint8_t seek[3] = {0x0f, 0x00, 3};
  fdc_cmd(seek, 3);
  uint8_t sis = 0x08;
  fdc_cmd(&sis, 1);
  fdc_result(r, 10);
  for (int i = 0; i < 18; i++) {
    mem->ram[0x6000 + 4 * i] = 3;
    mem->ram[0x6000 + 4 * i + 1] = 0;
    mem->ram[0x6000 + 4 * i + 2] = (uint8_t)(i + 1);
    mem->ram[0x6000 + 4 * i + 3] = 2;
  }
  dma_setup(0x6000, 18 * 4, 0x48);
  uint8_t fmt[6] = {0x4d, 0x00, 2, 18, 0x54, 0xe5};
  fdc_cmd(fmt, 6);
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc0, 0);
  uint8_t s[512];
  disk_read(disk, 3 * 36 + 17, 1, s);
  ck_assert_uint_eq(s[0], 0xe5);
  ck_assert_uint_eq(s[511], 0xe5);
  disk_read(disk, 3 * 36 + 18, 1, s); /* head 1 untouched */
  ck_assert_uint_eq(s[0], pattern_byte(5, (3 * 36 + 18) * 512));
}
END_TEST

START_TEST(test_save_restore_result_phase) {
  reset_controller();
  uint8_t seek[3] = {0x0f, 0x00, 40};
  fdc_cmd(seek, 3);
  uint8_t sis = 0x08;
  fdc_cmd(&sis, 1);
  /* Result pending (2 bytes): save here. */
  SaveWriter *sw = save_writer_new();
  ck_assert_int_eq(device_save(&fdc->dev, sw), 0);
  ck_assert_int_eq(device_save(&dma->dev, sw), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(sw, &len);
  char err[256];
  SaveReader *sr = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_msg(sr, "%s", err);
  uint8_t a[4], b[4];
  ck_assert_int_eq(fdc_result(a, 4), 2);
  ck_assert_int_eq(device_check(&fdc->dev, sr), 0);
  ck_assert_int_eq(device_check(&dma->dev, sr), 0);
  ck_assert_int_eq(device_load(&fdc->dev, sr), 0);
  ck_assert_int_eq(device_load(&dma->dev, sr), 0);
  ck_assert_int_eq(fdc_result(b, 4), 2);
  ck_assert_mem_eq(a, b, 2);
  ck_assert_uint_eq(b[1], 40);
  save_reader_free(sr);
  save_writer_free(sw);
}
END_TEST

START_TEST(test_dma_16bit_channel_and_autoinit) {
  /* Channel 5: word addresses, page 8Bh; auto-init reloads after TC. */
  outb(0xd4, 0x05);       /* mask ch5 */
  outb(0xd8, 0);          /* flip-flop */
  outb(0xd6, 0x55);       /* single, autoinit, write to memory, ch 1 of ctrl 2 */
  outb(0xc4, 0x00);       /* word address 0x1000 -> byte 0x2000 */
  outb(0xc4, 0x10);
  outb(0x8b, 0x02);       /* page: bytes 0x20000 + ... */
  outb(0xc6, 3);          /* 4 words */
  outb(0xc6, 0);
  outb(0xd4, 0x01);       /* unmask */
  uint8_t src[16];
  for (int i = 0; i < 16; i++)
    src[i] = (uint8_t)(0xa0 + i);
  ck_assert_uint_eq(dma_write_mem(dma, 5, src, 16), 8);
  ck_assert(dma_terminal_count(dma, 5));
  ck_assert_mem_eq(mem->ram + 0x22000, src, 8);
  ck_assert(dma_channel_ready(dma, 5)); /* auto-init keeps it unmasked */
  ck_assert_uint_eq(dma_write_mem(dma, 5, src + 8, 8), 8);
  ck_assert_mem_eq(mem->ram + 0x22000, src + 8, 8);
  /* Masked channel moves nothing. */
  outb(0xd4, 0x05);
  ck_assert_uint_eq(dma_write_mem(dma, 5, src, 16), 0);
}
END_TEST

START_TEST(test_non_dma_pio_transfers) {
  reset_controller();
  uint8_t spec[3] = {0x03, 0xdf, 0x03}; /* ND: non-DMA mode */
  fdc_cmd(spec, 3);
  /* READ DATA C=0 H=1 R=17..18: 1024 bytes through the FIFO, then EN. */
  uint8_t rd[9] = {0x46, 0x04, 0, 1, 17, 2, 18, 0x1b, 0xff};
  fdc_cmd(rd, 9);
  static uint8_t got[1024];
  int rises = irq.rises;
  for (int i = 0; i < 1024; i++) {
    ck_assert_uint_eq(inb(0x3f4), 0xf0); /* RQM, DIO, NDMA, CB */
    ck_assert_int_eq(irq.level, 1);
    got[i] = inb(0x3f5);
  }
  ck_assert_int_ge(irq.rises - rises, 1023); /* an interrupt per byte */
  uint8_t r[10];
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[0] & 0xc4, 0x44); /* abnormal (no TC), head 1 */
  ck_assert_uint_eq(r[1], 0x80);        /* end of cylinder */
  ck_assert_uint_eq(r[3], 1);           /* next: C=1 R=1 */
  ck_assert_uint_eq(r[5], 1);
  uint64_t lba = 18 + 16;
  for (int i = 0; i < 1024; i++)
    ck_assert_uint_eq(got[i], pattern_byte(5, lba * 512 + (uint64_t)i));
  /* WRITE DATA of one sector (R = EOT = 5 on C=4 H=0). */
  uint8_t wr[9] = {0x45, 0x00, 4, 0, 5, 2, 5, 0x1b, 0xff};
  fdc_cmd(wr, 9);
  for (int i = 0; i < 512; i++) {
    ck_assert_uint_eq(inb(0x3f4), 0xb0); /* RQM, NDMA, CB; host -> FDC */
    outb(0x3f5, (uint8_t)(i ^ 0x5a));
  }
  ck_assert_int_eq(fdc_result(r, 10), 7);
  ck_assert_uint_eq(r[1], 0x80);
  uint8_t back[512];
  disk_read(disk, 4 * 36 + 4, 1, back);
  for (int i = 0; i < 512; i++)
    ck_assert_uint_eq(back[i], (uint8_t)(i ^ 0x5a));
}
END_TEST

int main(void) {
  Suite *s = suite_create("fdc");
  TCase *tc = tcase_create("fdc");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_reset_recalibrate_seek);
  tcase_add_test(tc, test_read_sector_by_dma);
  tcase_add_test(tc, test_multitrack_read_and_end_of_track);
  tcase_add_test(tc, test_write_sector_from_memory);
  tcase_add_test(tc, test_misc_commands);
  tcase_add_test(tc, test_dma_into_code_page_and_format);
  tcase_add_test(tc, test_save_restore_result_phase);
  tcase_add_test(tc, test_dma_16bit_channel_and_autoinit);
  tcase_add_test(tc, test_non_dma_pio_transfers);
  suite_add_tcase(s, tc);
  return storage_run(s);
}
