/*
 * test_pci.c — the PCI bus of --machine pc through its ports: configuration
 * mechanism #1 (CF8h/CFCh, byte/word/dword, the enable bit, other buses and
 * absent functions), read-only bits, BAR sizing and decode gating, the
 * i440FX PAM registers switching C0000h-FFFFFh between ROM and RAM, the
 * PIIX3 PIRQ routing, and bus-master IDE DMA moving sectors; and the
 * restore check refusing a snapshot that changes a read-only bit.
 */
#include <stdlib.h>

#include "hwtest.h"
#include "i440fx.h"
#include "mem.h"
#include "pci.h"
#include "piix3.h"
#include "vga_pci.h"
#include "piix_ide.h"
#include "disk.h"

#include <unistd.h>

static IoBus *bus;
static PciBus *pci;
static Mem *mem;
static I440fx *host;
static uint8_t rom[I440FX_LEGACY_SIZE];

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  pci = pci_bus_new(bus);
  mem = mem_create(2u << 20);
  for (uint32_t i = 0; i < I440FX_LEGACY_SIZE; i++)
    rom[i] = (uint8_t)(0xa5 ^ (i >> 12)); /* each ROM page recognisable */
  host = i440fx_new(pci, mem, rom);
  ck_assert_ptr_nonnull(host);
}
static void teardown(void) {
  i440fx_free(host);
  pci_bus_free(pci);
  mem_destroy(mem);
  iobus_free(bus);
}

static uint32_t cfg_addr(int dev, int fn, int reg) {
  return 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (uint32_t)(reg & 0xfc);
}
static uint32_t cfgr(int dev, int fn, int reg, int size) {
  iobus_write(bus, 0xcf8, 4, cfg_addr(dev, fn, reg));
  return iobus_read(bus, (uint16_t)(0xcfc + (reg & 3)), size);
}
static void cfgw(int dev, int fn, int reg, int size, uint32_t v) {
  iobus_write(bus, 0xcf8, 4, cfg_addr(dev, fn, reg));
  iobus_write(bus, (uint16_t)(0xcfc + (reg & 3)), size, v);
}

START_TEST(test_mechanism1) {
  ck_assert_uint_eq(cfgr(0, 0, 0, 4), 0x12378086u);
  ck_assert_uint_eq(cfgr(0, 0, 2, 2), 0x1237u);
  ck_assert_uint_eq(cfgr(0, 0, 1, 1), 0x80u);
  ck_assert_uint_eq(cfgr(0, 0, 8, 4), 0x06000002u); /* class 060000h, revision 02h */
  ck_assert_uint_eq(iobus_read(bus, 0xcf8, 4), cfg_addr(0, 0, 8)); /* CONFIG_ADDRESS reads back */
  iobus_write(bus, 0xcf8, 4, 0xff000003u);
  ck_assert_uint_eq(iobus_read(bus, 0xcf8, 4), 0x80000000u); /* reserved bits stay zero */
  /* Absent function, another bus, enable bit clear: all ones. */
  ck_assert_uint_eq(cfgr(5, 0, 0, 4), 0xffffffffu);
  ck_assert_uint_eq(cfgr(0, 3, 0, 4), 0xffffffffu);
  iobus_write(bus, 0xcf8, 4, 0x80010000u);
  ck_assert_uint_eq(iobus_read(bus, 0xcfc, 4), 0xffffffffu);
  iobus_write(bus, 0xcf8, 4, 0x00000000u);
  ck_assert_uint_eq(iobus_read(bus, 0xcfc, 4), 0xffffffffu);
  /* A byte write to CF8h is not CONFIG_ADDRESS. */
  iobus_write(bus, 0xcf8, 4, cfg_addr(0, 0, 0));
  iobus_write(bus, 0xcf8, 1, 0x5c);
  ck_assert_uint_eq(iobus_read(bus, 0xcf8, 4), cfg_addr(0, 0, 0));
  /* Read-only bytes: IDs and class keep their values. */
  cfgw(0, 0, 0, 4, 0);
  cfgw(0, 0, 8, 4, 0);
  ck_assert_uint_eq(cfgr(0, 0, 0, 4), 0x12378086u);
  ck_assert_uint_eq(cfgr(0, 0, 8, 4), 0x06000002u);
  /* Byte and word writes reach the byte they name, masked. */
  cfgw(0, 0, 0x5a, 1, 0xff);
  ck_assert_uint_eq(cfgr(0, 0, 0x58, 4), 0x00330000u);
  cfgw(0, 0, 0x5e, 2, 0x1221);
  ck_assert_uint_eq(cfgr(0, 0, 0x5c, 4), 0x12210000u);
  ck_assert_uint_eq(cfgr(0, 0, 0x72, 1), 0x02u); /* SMRAMC: C_BASE_SEG 010b, closed */
}
END_TEST

START_TEST(test_bar_sizing) {
  PciFunc f;
  pci_func_init(&f, 0x1234, 0x1111, 0, 0x030000, 0);
  f.written = NULL;
  pci_set_bar(&f, 0, 16u << 20, PCI_BAR_MEM | PCI_BAR_PREFETCH);
  pci_set_bar(&f, 4, 16, PCI_BAR_IO);
  pci_set_wmask(&f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
  ck_assert_int_eq(pci_register(pci, &f, PCI_DEVFN(2, 0)), 0);
  ck_assert_int_eq(pci_register(pci, &f, PCI_DEVFN(2, 0)), -1);
  ck_assert_uint_eq(cfgr(2, 0, 0x10, 4), 0x8u);
  cfgw(2, 0, 0x10, 4, 0xffffffffu);
  ck_assert_uint_eq(cfgr(2, 0, 0x10, 4), 0xff000008u); /* 16 MiB, prefetchable */
  cfgw(2, 0, 0x20, 4, 0xffffffffu);
  ck_assert_uint_eq(cfgr(2, 0, 0x20, 4), 0xfffffff1u); /* 16 ports */
  cfgw(2, 0, 0x14, 4, 0xffffffffu);
  ck_assert_uint_eq(cfgr(2, 0, 0x14, 4), 0u); /* no BAR 1 */
  cfgw(2, 0, 0x10, 4, 0xe1234567u);
  ck_assert_uint_eq(cfgr(2, 0, 0x10, 4), 0xe1000008u);
  cfgw(2, 0, 0x20, 4, 0xc043u);
  uint32_t base = 0;
  ck_assert(!pci_bar_decoded(&f, 0, &base)); /* command register: nothing enabled */
  ck_assert(!pci_bar_decoded(&f, 4, &base));
  cfgw(2, 0, 4, 2, PCI_CMD_MEM);
  ck_assert(pci_bar_decoded(&f, 0, &base));
  ck_assert_uint_eq(base, 0xe1000000u);
  ck_assert(!pci_bar_decoded(&f, 4, &base));
  cfgw(2, 0, 4, 2, PCI_CMD_IO);
  ck_assert(pci_bar_decoded(&f, 4, &base));
  ck_assert_uint_eq(base, 0xc040u);
  ck_assert(!pci_bar_decoded(&f, 0, &base));
  pci->fn[PCI_DEVFN(2, 0)] = NULL;
}
END_TEST

/* What the CPU sees at pa: a read, then whether a write there lands in RAM. */
static uint8_t peek(uint32_t pa) { return mem_read8(mem, pa); }

START_TEST(test_pam) {
  /* RAM under C0000h-FFFFFh holds a pattern of its own. */
  memset(mem->ram + 0xc0000, 0x11, 0x40000);
  /* Power-on: every segment reads the ROM and drops writes. */
  ck_assert_uint_eq(peek(0xf0000), rom[0x30000]);
  ck_assert_uint_eq(peek(0xc4000), rom[0x4000]);
  ck_assert_ptr_eq(mem_page_read_ptr(mem, 0xf0), rom + 0x30000); /* the fast path reads the ROM */
  ck_assert_ptr_null(mem_page_write_ptr(mem, 0xf0));
  mem_write8(mem, 0xf0010, 0x99);
  ck_assert_uint_eq(mem->ram[0xf0010], 0x11);
  ck_assert_uint_eq(peek(0xf0010), rom[0x30000]);
  /* PAM0 = 20h: reads ROM, writes DRAM; copying the segment onto itself shadows it. */
  cfgw(0, 0, 0x59, 1, 0x20);
  ck_assert_uint_eq(i440fx_pam(host, 0), 2);
  for (uint32_t a = 0xf0000; a < 0x100000; a++)
    mem_write8(mem, a, mem_read8(mem, a));
  ck_assert_uint_eq(mem->ram[0xf0010], rom[0x30000]);
  ck_assert_uint_eq(mem->ram[0xfffff], rom[0x3ffff]);
  /* 30h: plain RAM, read and write, with direct pointers. */
  cfgw(0, 0, 0x59, 1, 0x30);
  mem_write8(mem, 0xf0010, 0x77);
  ck_assert_uint_eq(peek(0xf0010), 0x77);
  ck_assert_ptr_eq(mem_page_write_ptr(mem, 0xf0), mem->ram + 0xf0000);
  /* 10h: reads DRAM, writes to PCI (lost). */
  cfgw(0, 0, 0x59, 1, 0x10);
  mem_write8(mem, 0xf0010, 0x55);
  ck_assert_uint_eq(peek(0xf0010), 0x77);
  ck_assert_uint_eq(mem->ram[0xf0010], 0x77);
  /* The 16 KiB segments: PAM5 (5Eh) low nibble is E0000h, high E4000h. */
  cfgw(0, 0, 0x5e, 1, 0x30);
  ck_assert_uint_eq(peek(0xe0000), rom[0x20000]);
  ck_assert_uint_eq(peek(0xe4000), 0x11);
  ck_assert_uint_eq(peek(0xe8000), rom[0x28000]);
  ck_assert_uint_eq(peek(0xdc000), rom[0x1c000]);
  cfgw(0, 0, 0x5a, 1, 0x03); /* C0000h RAM, C4000h ROM */
  ck_assert_uint_eq(peek(0xc0000), 0x11);
  ck_assert_uint_eq(peek(0xc4000), rom[0x4000]);
  /* A read-only segment still gets DMA's writes dropped; reset brings the ROM back. */
  i440fx_reset(host);
  ck_assert_uint_eq(peek(0xc0000), rom[0]);
  ck_assert_uint_eq(peek(0xf0010), rom[0x30000]);
}
END_TEST

/* A decoded page from the ROM side must not survive switching to RAM. */
START_TEST(test_pam_drops_code) {
  uint32_t g = mem_page_gen(mem, 0xf0);
  cfgw(0, 0, 0x59, 1, 0x30);
  ck_assert_uint_ne(mem_page_gen(mem, 0xf0), g);
}
END_TEST

START_TEST(test_restore_readonly) {
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&host->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  uint8_t *copy = malloc(len);
  memcpy(copy, buf, len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(copy, len, err, sizeof err);
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(device_check(&host->dev, r), 0);
  save_reader_free(r);
  /* The same snapshot checked against a bridge whose device ID differs. */
  host->pci[0].cfg[2] ^= 1;
  r = save_reader_from_buffer(copy, len, err, sizeof err);
  ck_assert_int_eq(device_check(&host->dev, r), -1);
  ck_assert(strstr(save_error(r), "read-only") != NULL);
  save_reader_free(r);
  host->pci[0].cfg[2] ^= 1;
  free(copy);
  save_writer_free(w);
}
END_TEST

/* Restoring the bridge re-applies its PAM registers to the memory map. */
START_TEST(test_restore_pam) {
  mem->ram[0xf0000] = 0x42;
  cfgw(0, 0, 0x59, 1, 0x30);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&host->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  i440fx_reset(host);
  ck_assert_uint_eq(peek(0xf0000), rom[0x30000]);
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof err);
  ck_assert_int_eq(device_check(&host->dev, r), 0);
  ck_assert_int_eq(device_load(&host->dev, r), 0);
  ck_assert_uint_eq(peek(0xf0000), 0x42);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

static int isa_level[16], apic_level[24], isa_changes;
static void rec_isa(void *opaque, int irq, int level) {
  (void)opaque;
  isa_level[irq] = level;
  isa_changes++;
}
static void rec_apic(void *opaque, int pin, int level) {
  (void)opaque;
  apic_level[pin] = level;
}

START_TEST(test_pirq_routing) {
  Piix3 *p = piix3_new(pci);
  ck_assert_ptr_nonnull(p);
  memset(isa_level, 0, sizeof isa_level);
  memset(apic_level, 0, sizeof apic_level);
  isa_changes = 0;
  p->isa_irq = rec_isa;
  p->apic_irq = rec_apic;
  ck_assert_uint_eq(cfgr(1, 0, 0, 4), 0x70008086u);
  ck_assert_uint_eq(cfgr(1, 0, 0x0e, 1), 0x80u); /* multi-function */
  ck_assert_uint_eq(cfgr(1, 0, 0x60, 4), 0x80808080u); /* every route off */
  /* The board's swizzle: device d's INTA is PIRQ (d - 1) mod 4. */
  ck_assert_int_eq(piix3_pirq_of(1, 1), 0);
  ck_assert_int_eq(piix3_pirq_of(2, 1), 1);
  ck_assert_int_eq(piix3_pirq_of(2, 4), 0);
  ck_assert_int_eq(piix3_pirq_of(3, 2), 3);
  ck_assert_int_eq(piix3_pirq_of(3, 0), -1);
  /* Unrouted: only the I/O APIC sees it (pin 16 + PIRQ). */
  piix3_set_intx(p, 2, 1, 1); /* PIRQB */
  ck_assert_int_eq(apic_level[17], 1);
  ck_assert_int_eq(isa_changes, 0);
  /* Route PIRQB to IRQ 11: the asserted line appears there at once. */
  cfgw(1, 0, 0x61, 1, 0x0b);
  ck_assert_uint_eq(cfgr(1, 0, 0x60, 4), 0x80800b80u);
  ck_assert_int_eq(isa_level[11], 1);
  /* Move it to IRQ 10: 11 drops, 10 rises. */
  cfgw(1, 0, 0x61, 1, 0x0a);
  ck_assert_int_eq(isa_level[11], 0);
  ck_assert_int_eq(isa_level[10], 1);
  /* Two PIRQs on one IRQ: it stays up until both are released. */
  cfgw(1, 0, 0x60, 1, 0x0a);
  piix3_set_intx(p, 1, 1, 1); /* PIRQA */
  piix3_set_intx(p, 2, 1, 0);
  ck_assert_int_eq(isa_level[10], 1);
  ck_assert_int_eq(apic_level[17], 0);
  ck_assert_int_eq(apic_level[16], 1);
  piix3_set_intx(p, 1, 1, 0);
  ck_assert_int_eq(isa_level[10], 0);
  /* Invalid IRQ values (0, 2, 8, 13) and the disable bit route nowhere. */
  cfgw(1, 0, 0x60, 1, 0x08);
  piix3_set_intx(p, 1, 1, 1);
  ck_assert_int_eq(isa_level[8], 0);
  ck_assert_int_eq(piix3_pirq_route(p, 0), -1);
  cfgw(1, 0, 0x60, 1, 0x8b);
  ck_assert_int_eq(isa_level[11], 0);
  cfgw(1, 0, 0x60, 1, 0x0b);
  ck_assert_int_eq(isa_level[11], 1);
  cfgw(1, 0, 0x60, 1, 0xff);
  ck_assert_uint_eq(cfgr(1, 0, 0x60, 1), 0x8fu); /* bits 6:4 reserved */
  ck_assert_int_eq(isa_level[11], 0);
  piix3_free(p);
  pci->fn[PCI_DEVFN(1, 0)] = NULL;
}
END_TEST

/* The VGA's BAR0 is its framebuffer: the guest moves it, and the memory
 * space bit switches it on and off. */
START_TEST(test_vga_bar) {
  Vga *v = vga_new_mem(NULL, mem, NULL, 4);
  ck_assert_ptr_nonnull(v);
  uint8_t rom[3000];
  memset(rom, 0x3c, sizeof rom);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  VgaPci *vp = vga_pci_new(pci, v, PCI_DEVFN(2, 0), rom, sizeof rom);
  ck_assert_ptr_nonnull(vp);
  ck_assert_uint_eq(cfgr(2, 0, 0, 4), 0x11111234u);
  ck_assert_uint_eq(cfgr(2, 0, 8, 4), 0x03000002u);
  v->lfb[0x1234] = 0x5a;
  /* Power-on: BAR0 unassigned and memory decode off: nothing at the old ISA address. */
  ck_assert_uint_eq(mem_read8(mem, VGA_LFB_ADDR + 0x1234), 0xff);
  cfgw(2, 0, 0x10, 4, 0xffffffffu);
  ck_assert_uint_eq(cfgr(2, 0, 0x10, 4), 0xffc00008u); /* 4 MiB, prefetchable */
  cfgw(2, 0, 0x10, 4, 0xd0000000u);
  ck_assert_uint_eq(mem_read8(mem, 0xd0001234u), 0xff); /* still off */
  cfgw(2, 0, 4, 2, PCI_CMD_MEM);
  ck_assert_uint_eq(mem_read8(mem, 0xd0001234u), 0x5a);
  mem_write8(mem, 0xd0001235u, 0x6b);
  ck_assert_uint_eq(v->lfb[0x1235], 0x6b);
  ck_assert_uint_eq(v->lfb_dirty[1], 1);
  /* Moved: the old place is empty, the new one shows the same memory. */
  cfgw(2, 0, 0x10, 4, 0xe0400000u);
  ck_assert_uint_eq(mem_read8(mem, 0xd0001234u), 0xff);
  ck_assert_uint_eq(mem_read8(mem, 0xe0401234u), 0x5a);
  /* The expansion ROM (4 KiB for a 3000-byte image): mapped while enabled. */
  cfgw(2, 0, 0x30, 4, 0xfffffffeu);
  ck_assert_uint_eq(cfgr(2, 0, 0x30, 4), 0xfffff000u);
  cfgw(2, 0, 0x30, 4, 0xe1000000u);
  ck_assert_uint_eq(mem_read8(mem, 0xe1000000u), 0xff); /* enable bit clear */
  cfgw(2, 0, 0x30, 4, 0xe1000001u);
  ck_assert_uint_eq(mem_read16(mem, 0xe1000000u), 0xaa55);
  ck_assert_uint_eq(mem_read8(mem, 0xe1000100u), 0x3c);
  mem_write8(mem, 0xe1000100u, 0);
  ck_assert_uint_eq(mem_read8(mem, 0xe1000100u), 0x3c); /* read-only */
  cfgw(2, 0, 4, 2, 0);
  ck_assert_uint_eq(mem_read8(mem, 0xe0401234u), 0xff);
  ck_assert_uint_eq(mem_read8(mem, 0xe1000000u), 0xff);
  ck_assert(mem->ram_window); /* no region was ever put over low RAM */
  vga_pci_free(vp);
  vga_free(v);
  pci->fn[PCI_DEVFN(2, 0)] = NULL;
}
END_TEST

/* ---- bus-master IDE ---- */

static char img_path[64];
static Disk *disk;
static IdeChannel *ide0;
static PiixIde *pide;
static IrqRec irq14;

static uint8_t sector_byte(uint32_t lba, uint32_t i) { return (uint8_t)(lba * 7 + i * 13 + 1); }

static void ide_setup(void) {
  setup();
  snprintf(img_path, sizeof img_path, "/tmp/x86vm-pci-XXXXXX");
  int fd = mkstemp(img_path);
  ck_assert_int_ge(fd, 0);
  uint8_t buf[512];
  for (uint32_t lba = 0; lba < 128; lba++) {
    for (uint32_t i = 0; i < 512; i++)
      buf[i] = sector_byte(lba, i);
    ck_assert_int_eq(write(fd, buf, 512), 512);
  }
  close(fd);
  char err[256];
  disk = disk_open(img_path, DISK_HD, DISK_RW, err, sizeof err);
  ck_assert_msg(disk != NULL, "%s", err);
  memset(&irq14, 0, sizeof irq14);
  ide0 = ide_new(bus, 0x1f0, 0x3f6, irqrec_line(&irq14), "ide0");
  ck_assert_int_eq(ide_attach(ide0, 0, disk), 0);
  pide = piix_ide_new(pci, bus, mem, ide0, NULL);
  ck_assert_ptr_nonnull(pide);
  /* As firmware leaves it: BAR4 at C000h, I/O decode and bus mastering on. */
  cfgw(1, 1, 0x20, 4, 0xc000);
  cfgw(1, 1, 0x04, 2, PCI_CMD_IO | PCI_CMD_MASTER);
}
static void ide_teardown(void) {
  piix_ide_free(pide);
  ide_free(ide0);
  disk_close(disk);
  unlink(img_path);
  teardown();
}

static void prd(uint32_t at, uint32_t addr, uint32_t count, bool eot) {
  mem_write32(mem, at, addr);
  mem_write32(mem, at + 4, (count & 0xffff) | (eot ? 0x80000000u : 0));
}
static void ata_cmd(uint8_t cmd, uint32_t lba, uint8_t count) {
  outb(bus, 0x1f2, count);
  outb(bus, 0x1f3, (uint8_t)lba);
  outb(bus, 0x1f4, (uint8_t)(lba >> 8));
  outb(bus, 0x1f5, (uint8_t)(lba >> 16));
  outb(bus, 0x1f6, 0xe0);
  outb(bus, 0x1f7, cmd);
}
static bool mem_holds(uint32_t pa, uint32_t lba, uint32_t n_bytes, uint32_t first_byte) {
  for (uint32_t k = 0; k < n_bytes; k++) {
    uint32_t b = first_byte + k;
    if (mem->ram[pa + k] != sector_byte(lba + b / 512, b % 512))
      return false;
  }
  return true;
}

START_TEST(test_bm_registers) {
  ck_assert_uint_eq(cfgr(1, 1, 0, 4), 0x70108086u);
  ck_assert_uint_eq(cfgr(1, 1, 8, 4), 0x01018000u); /* IDE, legacy, bus master */
  ck_assert_uint_eq(cfgr(1, 1, 0x20, 4), 0xc001u);
  ck_assert_str_eq(iobus_owner(bus, 0xc000), "piix-bm");
  outb(bus, 0xc002, 0x66); /* DMA capable bits are plain storage; 1s clear INTR/ERR */
  ck_assert_uint_eq(inb(bus, 0xc002), 0x60);
  iobus_write(bus, 0xc004, 4, 0x12345677u);
  ck_assert_uint_eq(iobus_read(bus, 0xc004, 4), 0x12345674u); /* dword aligned */
  /* Moving BAR4 moves the ports; I/O decode off unmaps them. */
  cfgw(1, 1, 0x20, 4, 0xd000);
  ck_assert_ptr_null(iobus_owner(bus, 0xc000));
  ck_assert_uint_eq(iobus_read(bus, 0xd004, 4), 0x12345674u);
  cfgw(1, 1, 0x04, 2, PCI_CMD_MASTER);
  ck_assert_ptr_null(iobus_owner(bus, 0xd000));
  cfgw(1, 1, 0x04, 2, PCI_CMD_IO | PCI_CMD_MASTER);
  ck_assert_str_eq(iobus_owner(bus, 0xd000), "piix-bm");
  /* IDENTIFY now claims DMA (word 49 bit 8, multiword and Ultra DMA modes). */
  outb(bus, 0x1f6, 0xa0);
  outb(bus, 0x1f7, 0xec);
  uint16_t w[256];
  for (int i = 0; i < 256; i++)
    w[i] = (uint16_t)iobus_read(bus, 0x1f0, 2);
  ck_assert_uint_eq(w[49] & 0x0100, 0x0100);
  ck_assert_uint_eq(w[63] & 7, 7);
  ck_assert_uint_eq(w[88] & 0x3f, 0x3f);
  /* SET FEATURES: Ultra DMA mode 2 becomes the selected one. */
  outb(bus, 0x1f1, 0x03);
  outb(bus, 0x1f2, 0x42);
  outb(bus, 0x1f7, 0xef);
  ck_assert_uint_eq(inb(bus, 0x1f7) & 0x01, 0);
  outb(bus, 0x1f7, 0xec);
  for (int i = 0; i < 256; i++)
    w[i] = (uint16_t)iobus_read(bus, 0x1f0, 2);
  ck_assert_uint_eq(w[88], 0x043f);
  /* A restore re-decodes BAR4 where the snapshot has it. */
  SaveWriter *sw = save_writer_new();
  ck_assert_int_eq(device_save(&pide->dev, sw), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(sw, &len);
  char err[256];
  piix_ide_reset(pide);
  ck_assert_ptr_null(iobus_owner(bus, 0xd000));
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof err);
  ck_assert_int_eq(device_check(&pide->dev, r), 0);
  ck_assert_int_eq(device_load(&pide->dev, r), 0);
  ck_assert_str_eq(iobus_owner(bus, 0xd000), "piix-bm");
  ck_assert_uint_eq(iobus_read(bus, 0xd004, 4), 0x12345674u);
  save_reader_free(r);
  save_writer_free(sw);
}
END_TEST

START_TEST(test_bm_read) {
  /* Three sectors from LBA 5 through two PRDs: 512 bytes, then 1 KiB (last). */
  prd(0x1000, 0x20000, 0x200, false);
  prd(0x1008, 0x30000, 0x400, true);
  iobus_write(bus, 0xc004, 4, 0x1000);
  outb(bus, 0xc000, BM_CMD_TO_MEM);
  ata_cmd(0xc8, 5, 3); /* READ DMA: waits for the engine */
  ck_assert_uint_eq(inb(bus, 0x3f6) & (IDE_ST_DRQ | IDE_ST_BSY), IDE_ST_DRQ);
  ck_assert_int_eq(irq14.nrise, 0);
  ck_assert(!mem_holds(0x20000, 5, 512, 0));
  outb(bus, 0xc000, BM_CMD_TO_MEM | BM_CMD_START);
  ck_assert(mem_holds(0x20000, 5, 512, 0));
  ck_assert(mem_holds(0x30000, 5, 1024, 512));
  /* PRDs used up with the data: idle, interrupt bit, IRQ14, drive ready. */
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_INTR);
  ck_assert_int_eq(irq14.level, 1);
  ck_assert_uint_eq(inb(bus, 0x1f7), IDE_ST_DRDY | IDE_ST_DSC);
  outb(bus, 0xc000, BM_CMD_TO_MEM);
  outb(bus, 0xc002, BM_ST_INTR);
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, 0);
  /* The engine started before the command works as well; a PRD table
   * larger than the transfer leaves the engine active. */
  prd(0x1000, 0x40000, 0x2000, true);
  outb(bus, 0xc000, BM_CMD_TO_MEM | BM_CMD_START);
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_ACTIVE);
  ata_cmd(0, 0, 0); /* (an unknown command: aborts; zero high-order bytes for LBA48) */
  outb(bus, 0xc002, BM_ST_INTR);
  ata_cmd(0x25, 100, 2); /* READ DMA EXT: LBA 100, two sectors */
  ck_assert(mem_holds(0x40000, 100, 1024, 0));
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_ACTIVE | BM_ST_INTR);
  outb(bus, 0xc000, 0);
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_INTR);
  outb(bus, 0xc002, BM_ST_INTR);
}
END_TEST

START_TEST(test_bm_short_prd_and_gating) {
  /* PRDs shorter than the data: the engine stops without an interrupt and
   * the drive keeps waiting for the rest. */
  prd(0x1000, 0x20000, 0x200, true);
  iobus_write(bus, 0xc004, 4, 0x1000);
  ata_cmd(0xc8, 10, 2);
  outb(bus, 0xc000, BM_CMD_TO_MEM | BM_CMD_START);
  ck_assert(mem_holds(0x20000, 10, 512, 0));
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, 0);
  ck_assert_uint_eq(inb(bus, 0x3f6) & IDE_ST_DRQ, IDE_ST_DRQ);
  ck_assert_int_eq(irq14.nrise, 0);
  /* A new table for the rest, started again, finishes the command. */
  prd(0x1000, 0x21000, 0x200, true);
  outb(bus, 0xc000, BM_CMD_TO_MEM);
  outb(bus, 0xc000, BM_CMD_TO_MEM | BM_CMD_START);
  ck_assert(mem_holds(0x21000, 11, 512, 0));
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_INTR);
  outb(bus, 0xc000, BM_CMD_TO_MEM);
  outb(bus, 0xc002, BM_ST_INTR);
  /* Without bus mastering in the command register nothing moves. */
  cfgw(1, 1, 0x04, 2, PCI_CMD_IO);
  memset(mem->ram + 0x22000, 0, 512);
  prd(0x1000, 0x22000, 0x200, true);
  ata_cmd(0xc8, 12, 1);
  outb(bus, 0xc000, BM_CMD_TO_MEM | BM_CMD_START);
  ck_assert(!mem_holds(0x22000, 12, 512, 0));
  ck_assert_uint_eq(inb(bus, 0x3f6) & IDE_ST_DRQ, IDE_ST_DRQ);
  /* Direction bit against the command: error bit, no transfer. */
  cfgw(1, 1, 0x04, 2, PCI_CMD_IO | PCI_CMD_MASTER);
  outb(bus, 0xc000, 0);
  outb(bus, 0xc000, BM_CMD_START); /* memory -> drive, but READ DMA is waiting */
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_ERROR);
  ck_assert(!mem_holds(0x22000, 12, 512, 0));
}
END_TEST

START_TEST(test_bm_write) {
  for (uint32_t i = 0; i < 1024; i++)
    mem->ram[0x50000 + i] = (uint8_t)(i * 3 + 0x40);
  prd(0x1000, 0x50000, 0x300, false); /* a sector split across PRDs */
  prd(0x1008, 0x50300, 0x100, true);
  iobus_write(bus, 0xc004, 4, 0x1000);
  ata_cmd(0xca, 20, 2); /* WRITE DMA */
  outb(bus, 0xc000, BM_CMD_START);
  ck_assert_uint_eq(inb(bus, 0xc002) & 7, BM_ST_INTR);
  ck_assert_uint_eq(inb(bus, 0x1f7), IDE_ST_DRDY | IDE_ST_DSC);
  uint8_t buf[1024];
  ck_assert_int_eq(disk_read(disk, 20, 2, buf), 0);
  ck_assert_mem_eq(buf, mem->ram + 0x50000, 1024);
  ck_assert_uint_eq(inb(bus, 0x1f3), 21); /* the task file names the last sector */
}
END_TEST

static Suite *pci_suite(void) {
  Suite *s = suite_create("pci");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_mechanism1);
  tcase_add_test(tc, test_bar_sizing);
  tcase_add_test(tc, test_pam);
  tcase_add_test(tc, test_pam_drops_code);
  tcase_add_test(tc, test_restore_readonly);
  tcase_add_test(tc, test_restore_pam);
  tcase_add_test(tc, test_pirq_routing);
  tcase_add_test(tc, test_vga_bar);
  suite_add_tcase(s, tc);
  TCase *bm = tcase_create("busmaster");
  tcase_add_checked_fixture(bm, ide_setup, ide_teardown);
  tcase_add_test(bm, test_bm_registers);
  tcase_add_test(bm, test_bm_read);
  tcase_add_test(bm, test_bm_short_prd_and_gating);
  tcase_add_test(bm, test_bm_write);
  suite_add_tcase(s, bm);
  return s;
}

int main(void) { return run_suite(pci_suite()); }
