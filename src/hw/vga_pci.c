/*
 * vga_pci.c — the VGA's PCI configuration space and its framebuffer BAR (see vga_pci.h).
 */
#include "vga_pci.h"

#include <stdlib.h>

SAVE_TABLE_DEFINE(vga_pci_table, VgaPci, VGA_PCI_FIELDS, VGA_PCI_VERSION)

#define PCI_ROM_BAR 0x30

/* Put the framebuffer where BAR0 and the command register say (and the ROM where 30h does). */
static void map_lfb(void *opaque) {
  VgaPci *vp = opaque;
  uint32_t base;
  bool on = pci_bar_decoded(&vp->pci[0], 0, &base);
  vga_set_lfb_base(vp->vga, on ? base : 0, on);
  if (vp->rom_region >= 0) {
    uint32_t rom = pci_cfg_read(&vp->pci[0], PCI_ROM_BAR, 4);
    bool mem_on = vp->pci[0].cfg[PCI_COMMAND] & PCI_CMD_MEM;
    bool rom_on = (rom & 1) && mem_on && (rom & ~0x7ffu);
    mem_region_move(vp->mem, vp->rom_region, rom & ~0x7ffu, rom_on);
  }
}

static void cfg_written(void *opaque, PciFunc *f, uint8_t addr, int size) {
  (void)f;
  if ((addr < PCI_COMMAND + 2 && addr + size > PCI_COMMAND) || (addr < PCI_BAR0 + 4 && addr + size > PCI_BAR0) ||
      (addr < PCI_ROM_BAR + 4 && addr + size > PCI_ROM_BAR))
    map_lfb(opaque);
}

void vga_pci_reset(VgaPci *vp) {
  pci_func_reset(&vp->pci[0]);
  map_lfb(vp);
}

static void dev_reset(void *opaque) { vga_pci_reset(opaque); }

VgaPci *vga_pci_new(PciBus *bus, Vga *vga, uint8_t devfn, const uint8_t *rom, uint32_t rom_size) {
  VgaPci *vp = calloc(1, sizeof(*vp));
  if (!vp)
    return NULL;
  vp->vga = vga;
  vp->mem = vga->mem;
  vp->rom_region = -1;
  PciFunc *f = &vp->pci[0];
  pci_func_init(f, 0x1234, 0x1111, 0x02, 0x030000, 0x00);
  pci_set_wmask(f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
  uint32_t size = 1u << 20;
  while (size < vga->lfb_size)
    size <<= 1;
  pci_set_bar(f, 0, size, PCI_BAR_MEM | PCI_BAR_PREFETCH);
  pci_set_wmask(f, PCI_INTERRUPT_LINE, 1, 0xff);
  if (rom && rom_size && vp->mem) {
    uint32_t rsize = 2048;
    while (rsize < rom_size)
      rsize <<= 1;
    /* Mapped first above RAM (the map's bookkeeping of where regions lie
     * must not cover low RAM), then switched off until the BAR enables it. */
    if (mem_map_rom(vp->mem, 0xfeb00000u, rom, rom_size, "vga-rom") < 0) {
      free(vp);
      return NULL;
    }
    vp->rom_region = mem_region_id_last(vp->mem);
    mem_region_move(vp->mem, vp->rom_region, 0, false);
    pci_set_wmask(f, PCI_ROM_BAR, 4, ~(rsize - 1) | 1u);
  }
  f->written = cfg_written;
  f->opaque = vp;
  if (bus && pci_register(bus, f, devfn) < 0) {
    free(vp);
    return NULL;
  }
  vp->dev = (Device){.name = "vga-pci", .opaque = vp, .reset = dev_reset, .post_load = map_lfb,
                     .chunk = {{.state = vp, .table = vga_pci_table}}};
  vga_pci_reset(vp);
  return vp;
}

void vga_pci_free(VgaPci *vp) { free(vp); }
