/*
 * i440fx.c — 82441FX host bridge with the PAM shadow-RAM control (see i440fx.h).
 * Datasheet: Intel 440FX PCIset 82441FX PMC and 82442FX DBX (290549).
 */
#include "i440fx.h"

#include <stdlib.h>

SAVE_TABLE_DEFINE(i440fx_table, I440fx, I440FX_FIELDS, I440FX_VERSION)

uint32_t i440fx_segment(int k, uint32_t *size) {
  if (k == 0) {
    *size = 0x10000;
    return 0xf0000;
  }
  *size = 0x4000;
  return 0xc0000u + (uint32_t)(k - 1) * 0x4000;
}

int i440fx_pam(const I440fx *h, int k) {
  if (k == 0)
    return (h->pci[0].cfg[I440FX_PAM0] >> 4) & 3;
  uint8_t v = h->pci[0].cfg[I440FX_PAM0 + 1 + (k - 1) / 2];
  return ((k - 1) & 1 ? v >> 4 : v) & 3;
}

/* Point every segment's window where its PAM field says. */
static void apply_pam(void *opaque) {
  I440fx *h = opaque;
  if (!h->mem)
    return;
  for (int k = 0; k < I440FX_SEGMENTS; k++) {
    uint32_t size, base = i440fx_segment(k, &size);
    const uint8_t *rom = h->rom + (base - I440FX_LEGACY_BASE);
    uint8_t *ram = h->mem->ram + base;
    switch (i440fx_pam(h, k)) {
    case 0: mem_window_set(h->mem, h->win[k], rom, NULL); break; /* all to PCI */
    case 1: mem_window_set(h->mem, h->win[k], ram, NULL); break; /* read DRAM, writes to PCI */
    case 2: mem_window_set(h->mem, h->win[k], rom, ram); break;  /* read PCI, write DRAM */
    default: mem_window_set(h->mem, h->win[k], NULL, NULL); break; /* plain DRAM */
    }
  }
}

static void cfg_written(void *opaque, PciFunc *f, uint8_t addr, int size) {
  (void)f;
  if (addr + size > I440FX_PAM0 && addr <= I440FX_PAM0 + 6)
    apply_pam(opaque);
}

void i440fx_reset(I440fx *h) {
  pci_func_reset(&h->pci[0]);
  apply_pam(h);
}

static void dev_reset(void *opaque) { i440fx_reset(opaque); }

I440fx *i440fx_new(PciBus *bus, Mem *mem, const uint8_t *rom) {
  I440fx *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->mem = mem;
  h->rom = rom;
  PciFunc *f = &h->pci[0];
  pci_func_init(f, 0x8086, 0x1237, 0x02, 0x060000, 0x00);
  pci_set_init(f, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER); /* always decodes, always masters */
  pci_set_init(f, PCI_STATUS, 2, 0x0280); /* fast back-to-back, medium DEVSEL# */
  pci_set_wmask(f, 0x0d, 1, 0xf8);        /* master latency timer */
  pci_set_wmask(f, I440FX_PAM0, 1, 0x30);
  for (int i = 1; i <= 6; i++)
    pci_set_wmask(f, (uint8_t)(I440FX_PAM0 + i), 1, 0x33);
  pci_set_init(f, I440FX_SMRAM, 1, 0x02);
  pci_set_wmask(f, I440FX_SMRAM, 1, 0x78);
  f->written = cfg_written;
  f->opaque = h;
  for (int k = 0; k < I440FX_SEGMENTS && mem; k++) {
    uint32_t size, base = i440fx_segment(k, &size);
    h->win[k] = mem_map_window(mem, base, size, "pam");
    if (h->win[k] < 0) {
      free(h);
      return NULL;
    }
  }
  if (bus && pci_register(bus, f, PCI_DEVFN(0, 0)) < 0) {
    free(h);
    return NULL;
  }
  h->dev = (Device){.name = "i440fx", .opaque = h, .reset = dev_reset, .post_load = apply_pam,
                    .chunk = {{.state = h, .table = i440fx_table}}};
  i440fx_reset(h);
  return h;
}

void i440fx_free(I440fx *h) { free(h); }
