/*
 * pci.c — PCI bus 0, configuration mechanism #1 (see pci.h).
 * Reference: PCI Local Bus Specification 2.1, 3.2.2.3.2 and chapter 6.
 */
#include "pci.h"

#include <stdlib.h>
#include <string.h>

/* A restored configuration space keeps every read-only bit of the live one:
 * IDs, class, header type, BAR kinds and sizes are the board's, not the
 * snapshot's, and the device code trusts them (a BAR's size bits). */
static int func_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const PciFunc *s = saved, *l = live;
  for (int i = 0; i < PCI_CFG_SIZE; i++)
    if ((s->cfg[i] ^ l->cfg[i]) & (uint8_t)~l->wmask[i])
      return save_reject_field(r, chunk, "cfg", s->cfg[i],
                               "at %02xh changes read-only bits (the board has %02xh)", i,
                               l->cfg[i]);
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(pci_func_table, PciFunc, PCI_FUNC_FIELDS, PCI_FUNC_VERSION, func_valid)
SAVE_TABLE_DEFINE(pci_bus_table, PciBus, PCI_BUS_FIELDS, PCI_BUS_VERSION)

/* ---- one function ---- */

void pci_set_wmask(PciFunc *f, uint8_t addr, int n, uint32_t mask) {
  for (int i = 0; i < n && addr + i < PCI_CFG_SIZE; i++)
    f->wmask[addr + i] = (uint8_t)(mask >> (8 * i));
}

void pci_set_init(PciFunc *f, uint8_t addr, int n, uint32_t value) {
  for (int i = 0; i < n && addr + i < PCI_CFG_SIZE; i++)
    f->init[addr + i] = f->cfg[addr + i] = (uint8_t)(value >> (8 * i));
}

void pci_func_init(PciFunc *f, uint16_t vendor, uint16_t device, uint8_t rev, uint32_t class_code,
                   uint8_t header_type) {
  memset(f->cfg, 0, sizeof f->cfg);
  memset(f->init, 0, sizeof f->init);
  memset(f->wmask, 0, sizeof f->wmask);
  memset(f->bar_size, 0, sizeof f->bar_size);
  pci_set_init(f, PCI_VENDOR_ID, 2, vendor);
  pci_set_init(f, PCI_DEVICE_ID, 2, device);
  pci_set_init(f, PCI_REVISION, 1, rev);
  pci_set_init(f, PCI_CLASS_PROG, 3, class_code);
  pci_set_init(f, PCI_HEADER_TYPE, 1, header_type);
}

void pci_set_bar(PciFunc *f, int i, uint32_t size, uint32_t kind) {
  uint8_t at = (uint8_t)(PCI_BAR0 + 4 * i);
  f->bar_size[i] = size;
  uint32_t mask = ~(size - 1);
  if (kind & PCI_BAR_IO)
    mask &= ~3u; /* bits 1:0 are the kind; the upper half is writable, as QEMU's (SeaBIOS sizes
                  * I/O BARs on all 32 bits), but only an address below 64 KiB decodes */
  else
    mask &= ~0xfu;
  pci_set_wmask(f, at, 4, mask);
  pci_set_init(f, at, 4, kind);
}

void pci_func_reset(PciFunc *f) { memcpy(f->cfg, f->init, sizeof f->cfg); }

uint32_t pci_cfg_read(const PciFunc *f, uint8_t addr, int size) {
  uint32_t v = 0;
  for (int i = 0; i < size && addr + i < PCI_CFG_SIZE; i++)
    v |= (uint32_t)f->cfg[addr + i] << (8 * i);
  return v;
}

void pci_cfg_write(PciFunc *f, uint8_t addr, int size, uint32_t value) {
  for (int i = 0; i < size && addr + i < PCI_CFG_SIZE; i++) {
    uint8_t m = f->wmask[addr + i];
    f->cfg[addr + i] = (uint8_t)((f->cfg[addr + i] & ~m) | ((value >> (8 * i)) & m));
  }
  if (f->written)
    f->written(f->opaque, f, addr, size);
}

bool pci_bar_decoded(const PciFunc *f, int i, uint32_t *base) {
  if (i < 0 || i >= 6 || !f->bar_size[i])
    return false;
  uint32_t bar = pci_cfg_read(f, (uint8_t)(PCI_BAR0 + 4 * i), 4);
  uint16_t cmd = (uint16_t)pci_cfg_read(f, PCI_COMMAND, 2);
  bool io = bar & PCI_BAR_IO;
  uint32_t addr = bar & (io ? ~3u : ~0xfu);
  if (!(cmd & (io ? PCI_CMD_IO : PCI_CMD_MEM)) || addr == 0)
    return false;
  *base = addr;
  return true;
}

/* ---- the bus: configuration mechanism #1 ---- */

#define CA_ENABLE 0x80000000u
#define CA_WRITABLE 0x80fffffcu /* bits 30:24 reserved, 1:0 read as zero */

/* The function CONFIG_ADDRESS selects, or NULL (disabled, another bus, nobody there). */
static PciFunc *selected(PciBus *b) {
  if (!(b->addr & CA_ENABLE) || ((b->addr >> 16) & 0xff) != 0)
    return NULL;
  return b->fn[(b->addr >> 8) & 0xff];
}

uint32_t pci_bus_read(PciBus *b, uint16_t port, int size) {
  if (port == 0xcf8)
    return size == 4 ? b->addr : 0xffffffffu; /* narrower accesses are not CONFIG_ADDRESS */
  if (port < 0xcfc || port > 0xcff)
    return 0xffffffffu;
  PciFunc *f = selected(b);
  if (!f)
    return 0xffffffffu;
  return pci_cfg_read(f, (uint8_t)((b->addr & 0xfc) + (port & 3)), size);
}

void pci_bus_write(PciBus *b, uint16_t port, int size, uint32_t value) {
  if (port == 0xcf8 && size == 4) {
    b->addr = value & CA_WRITABLE;
    return;
  }
  if (port == 0xcf9 && size == 1) { /* PIIX3 reset control: bit 2 resets the system */
    if ((value & 0x04) && b->reset)
      b->reset(b->reset_opaque);
    return;
  }
  if (port < 0xcfc || port > 0xcff)
    return;
  PciFunc *f = selected(b);
  if (f)
    pci_cfg_write(f, (uint8_t)((b->addr & 0xfc) + (port & 3)), size, value);
}

static uint32_t io_read(void *opaque, uint16_t port, int size) { return pci_bus_read(opaque, port, size); }
static void io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  pci_bus_write(opaque, port, size, value);
}

void pci_bus_reset(PciBus *b) { b->addr = 0; }

int pci_register(PciBus *b, PciFunc *f, uint8_t devfn) {
  if (b->fn[devfn])
    return -1;
  b->fn[devfn] = f;
  return 0;
}

static void dev_reset(void *opaque) { pci_bus_reset(opaque); }

PciBus *pci_bus_new(IoBus *bus) {
  PciBus *b = calloc(1, sizeof(*b));
  if (!b)
    return NULL;
  if (bus && (iobus_register(bus, 0xcf8, 4, io_read, io_write, b, "pci-addr") != 0 ||
              iobus_register(bus, 0xcfc, 4, io_read, io_write, b, "pci-data") != 0)) {
    free(b);
    return NULL;
  }
  b->dev = (Device){.name = "pci", .opaque = b, .reset = dev_reset,
                    .chunk = {{.state = b, .table = pci_bus_table}}};
  return b;
}

void pci_bus_free(PciBus *b) { free(b); }
