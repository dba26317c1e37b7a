/*
 * test_fuzz.c — bounded, seeded random I/O against the storage and display
 * devices (IDE with a disk and a CD, FDC + DMA, VGA ports and memory):
 * nothing may crash or touch memory out of bounds (the ASan build checks
 * that), the snapshot base images stay untouched, and ATAPI transfers
 * driven with random packets always end and respect the byte count limit.
 */
#include <string.h>

#include "dma8237.h"
#include "fdc.h"
#include "ide.h"
#include "iobus.h"
#include "mem.h"
#include "storagetest.h"
#include "vga.h"

static uint32_t rng_state;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static void noop_irq(void *opaque, int irq, int level) {}

START_TEST(test_random_port_and_memory_io) {
  char hd_path[64], fd_path[64], cd_path[64], err[256];
  make_image(hd_path, 2048 * 512, 21);
  make_image(fd_path, 1474560, 22);
  make_image(cd_path, 64 * 2048, 23);
  uint32_t sum_hd = file_checksum(hd_path), sum_fd = file_checksum(fd_path);
  Disk *hd = disk_open(hd_path, DISK_HD, DISK_SNAPSHOT, err, sizeof(err));
  Disk *fd = disk_open(fd_path, DISK_FLOPPY, DISK_SNAPSHOT, err, sizeof(err));
  Disk *cd = disk_open(cd_path, DISK_CDROM, DISK_RO, err, sizeof(err));
  ck_assert(hd && fd && cd);
  IoBus *bus = iobus_new();
  bus->log_unclaimed = false;
  Mem *mem = mem_create(1 << 20);
  Clock *clk = clock_new(true, 10);
  IrqLine line = {noop_irq, NULL, 0};
  IdeChannel *i0 = ide_new(bus, 0x1f0, 0x3f6, line, "ide0");
  IdeChannel *i1 = ide_new(bus, 0x170, 0x376, line, "ide1");
  ide_attach(i0, 0, hd);
  ide_attach(i1, 0, cd);
  ide_attach(i1, 1, hd);
  Dma8237 *dma = dma_new(bus, mem);
  Fdc *fdc = fdc_new(bus, dma, line);
  fdc_attach(fdc, 0, fd);
  Vga *vga = vga_new(bus, mem, clk);
  ck_assert(i0 && i1 && dma && fdc && vga);
  static const uint16_t base[] = {0x1f0, 0x3f6, 0x170, 0x376, 0x00, 0xc0,
                                  0x81,  0x3f0, 0x3b4, 0x3c0, 0x3d4, 0x3da};
  static const uint16_t span[] = {8, 1, 8, 1, 16, 32, 15, 8, 8, 16, 8, 1};
  uint32_t *fb = malloc(sizeof(uint32_t) * VGA_MAX_WIDTH * VGA_MAX_HEIGHT);
  rng_state = 0x9e3779b9u;
  for (long it = 0; it < 300000; it++) {
    uint32_t r = rnd();
    int k = (int)(r % 12);
    uint16_t port = (uint16_t)(base[k] + rnd() % span[k]);
    int size = (r >> 8) % 8 == 0 ? 2 : (r >> 8) % 16 == 1 ? 4 : 1;
    if ((r >> 12) & 1)
      iobus_read(bus, port, size);
    else
      iobus_write(bus, port, size, rnd());
    if ((r >> 13) % 8 == 0) {
      uint32_t a = 0xa0000 + rnd() % 0x20000;
      if ((r >> 16) & 1)
        mem_write8(mem, a, (uint8_t)rnd());
      else
        mem_read8(mem, a);
    }
    if (it % 30000 == 0) {
      int w, h;
      vga_render(vga, fb, &w, &h);
      ck_assert(w > 0 && w <= VGA_MAX_WIDTH && h > 0 && h <= VGA_MAX_HEIGHT);
      free(vga_text_dump_string(vga));
      clock_advance_to(clk, clock_now(clk) + 1000000);
    }
  }
  free(fb);
  vga_free(vga);
  fdc_free(fdc);
  dma_free(dma);
  ide_free(i0);
  ide_free(i1);
  clock_free(clk);
  mem_destroy(mem);
  iobus_free(bus);
  disk_close(hd);
  disk_close(fd);
  disk_close(cd);
  ck_assert_uint_eq(file_checksum(hd_path), sum_hd);
  ck_assert_uint_eq(file_checksum(fd_path), sum_fd);
  unlink(hd_path);
  unlink(fd_path);
  unlink(cd_path);
}
END_TEST

START_TEST(test_random_atapi_packets) {
  char cd_path[64], err[256];
  make_image(cd_path, 64 * 2048, 24);
  Disk *cd = disk_open(cd_path, DISK_CDROM, DISK_RO, err, sizeof(err));
  ck_assert_ptr_nonnull(cd);
  IrqLine line = {noop_irq, NULL, 0};
  IdeChannel *ch = ide_new(NULL, 0x170, 0x376, line, "ide1");
  ide_attach(ch, 0, cd);
  static const uint8_t ops[] = {0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2b, 0x42,
                                0x43, 0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb, 0xbd, 0xff};
  rng_state = 12345;
  for (int it = 0; it < 3000; it++) {
    uint8_t pk[12];
    for (int i = 0; i < 12; i++)
      pk[i] = (uint8_t)rnd();
    pk[0] = ops[rnd() % sizeof(ops)];
    if (pk[0] == 0x28 || pk[0] == 0xa8) { /* mostly in-range reads */
      pk[2] = pk[3] = pk[4] = pk[6] = pk[7] = 0;
      pk[5] &= 0x3f;
      pk[8] &= 0x1f;
      pk[9] &= 0x1f;
    }
    uint16_t lim = (uint16_t)(rnd() | 2);
    ide_ioport_write(ch, 0x176, 1, 0xa0);
    ide_ioport_write(ch, 0x171, 1, 0);
    ide_ioport_write(ch, 0x174, 1, lim & 0xff);
    ide_ioport_write(ch, 0x175, 1, lim >> 8);
    ide_ioport_write(ch, 0x177, 1, 0xa0);
    for (int i = 0; i < 6; i++)
      ide_ioport_write(ch, 0x170, 2, (uint32_t)(pk[2 * i] | pk[2 * i + 1] << 8));
    int guard = 0;
    for (;; guard++) {
      ck_assert_int_lt(guard, 10000);
      uint8_t st = (uint8_t)ide_ioport_read(ch, 0x177, 1);
      ck_assert_uint_eq(st & 0x80, 0);
      if (!(st & 0x08)) {
        ck_assert_uint_eq(ide_ioport_read(ch, 0x172, 1) & 3, 3); /* completion */
        break;
      }
      uint32_t n = ide_ioport_read(ch, 0x174, 1) | ide_ioport_read(ch, 0x175, 1) << 8;
      ck_assert_uint_gt(n, 0);
      ck_assert_uint_le(n, lim);
      for (uint32_t i = 0; i < n; i += 2)
        ide_ioport_read(ch, 0x170, 2);
    }
  }
  ide_free(ch);
  disk_close(cd);
  unlink(cd_path);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fuzz");
  TCase *tc = tcase_create("fuzz");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_random_port_and_memory_io);
  tcase_add_test(tc, test_random_atapi_packets);
  suite_add_tcase(s, tc);
  return storage_run(s);
}
