/*
 * piix_ide.c — PIIX3 IDE function and bus-master DMA (see piix_ide.h).
 * Datasheet: Intel 82371FB (PIIX) and 82371SB (PIIX3) PCI ISA IDE Xcelerator (290550).
 */
#include "piix_ide.h"

#include <stdlib.h>

SAVE_TABLE_DEFINE(piix_ide_table, PiixIde, PIIX_IDE_FIELDS, PIIX_IDE_VERSION)

#define BM_STATUS_RW 0x60 /* drive 0/1 DMA capable */
#define PRD_EOT 0x80000000u

static bool mastering(const PiixIde *p) { return p->pci[0].cfg[PCI_COMMAND] & PCI_CMD_MASTER; }

/* Run channel c's transfer through its PRD table (start bit set, a DMA command waiting). */
static void run_dma(PiixIde *p, int c) {
  IdeChannel *ch = p->ch[c];
  bool to_mem;
  if (!ch || !(p->bm_cmd[c] & BM_CMD_START) || !(p->bm_status[c] & BM_ST_ACTIVE) || !mastering(p) ||
      !ide_dma_pending(ch, &to_mem))
    return;
  if (to_mem != ((p->bm_cmd[c] & BM_CMD_TO_MEM) != 0)) {
    /* Direction opposite to the command: the engine stops with an error. */
    p->bm_status[c] = (uint8_t)((p->bm_status[c] & ~BM_ST_ACTIVE) | BM_ST_ERROR);
    return;
  }
  uint8_t sector[DISK_SECTOR];
  uint32_t prd = p->bm_prdt[c], addr = 0, left = 0;
  bool last = false;
  while (ide_dma_pending(ch, &to_mem)) {
    if (to_mem && ide_dma_read_sector(ch, sector) < 0)
      break; /* the drive ended the command in error (its IRQ sets the interrupt bit) */
    /* Scatter or gather one sector through the PRDs. */
    uint32_t done = 0;
    while (done < DISK_SECTOR) {
      if (!left) {
        if (last) { /* the table ended before the data: stop, no interrupt */
          p->bm_status[c] &= (uint8_t)~BM_ST_ACTIVE;
          return;
        }
        addr = mem_read32(p->mem, prd) & ~1u;
        uint32_t w = mem_read32(p->mem, prd + 4);
        left = w & 0xfffe;
        if (!left)
          left = 0x10000;
        last = (w & PRD_EOT) != 0;
        prd += 8;
      }
      uint32_t n = DISK_SECTOR - done < left ? DISK_SECTOR - done : left;
      if (to_mem)
        mem_write_bytes(p->mem, addr, sector + done, n);
      else
        mem_read_bytes(p->mem, addr, sector + done, n);
      addr += n;
      left -= n;
      done += n;
    }
    if (to_mem)
      ide_dma_next(ch);
    else if (ide_dma_write_sector(ch, sector) < 0)
      break;
  }
  /* The drive is done: the engine goes idle if the PRDs ended with the data. */
  if (last && !left)
    p->bm_status[c] &= (uint8_t)~BM_ST_ACTIVE;
  if (ch->xfer == IDE_X_NONE && (ch->drive[ch->cur].status & IDE_ST_ERR))
    p->bm_status[c] &= (uint8_t)~BM_ST_ACTIVE;
}

static void cb_kick(void *opaque, int c) { run_dma(opaque, c); }
static void cb_kick0(void *opaque) { cb_kick(opaque, 0); }
static void cb_kick1(void *opaque) { cb_kick(opaque, 1); }

/* The drive asserted INTRQ: the interrupt status bit follows (PIO commands too). */
static void cb_irq0(void *opaque) { ((PiixIde *)opaque)->bm_status[0] |= BM_ST_INTR; }
static void cb_irq1(void *opaque) { ((PiixIde *)opaque)->bm_status[1] |= BM_ST_INTR; }

uint32_t piix_ide_bm_read(PiixIde *p, unsigned off, int size) {
  uint32_t v = 0;
  for (int i = 0; i < size; i++) {
    unsigned o = (off + (unsigned)i) & 15, c = o >> 3;
    uint8_t b;
    switch (o & 7) {
    case 0: b = p->bm_cmd[c]; break;
    case 2: b = p->bm_status[c]; break;
    case 4: case 5: case 6: case 7: b = (uint8_t)(p->bm_prdt[c] >> (8 * ((o & 7) - 4))); break;
    default: b = 0; break;
    }
    v |= (uint32_t)b << (8 * i);
  }
  return v;
}

static void bm_write8(PiixIde *p, unsigned o, uint8_t b) {
  unsigned c = (o >> 3) & 1;
  switch (o & 7) {
  case 0: {
    uint8_t old = p->bm_cmd[c];
    p->bm_cmd[c] = b & (BM_CMD_START | BM_CMD_TO_MEM);
    if ((b & BM_CMD_START) && !(old & BM_CMD_START)) {
      p->bm_status[c] |= BM_ST_ACTIVE;
      run_dma(p, (int)c);
    } else if (!(b & BM_CMD_START)) {
      p->bm_status[c] &= (uint8_t)~BM_ST_ACTIVE; /* stopped */
    }
    break;
  }
  case 2:
    p->bm_status[c] = (uint8_t)((p->bm_status[c] & ~(BM_STATUS_RW | (b & (BM_ST_ERROR | BM_ST_INTR)))) |
                                (b & BM_STATUS_RW));
    break;
  case 4: case 5: case 6: case 7: {
    unsigned sh = 8 * ((o & 7) - 4);
    p->bm_prdt[c] = ((p->bm_prdt[c] & ~(0xffu << sh)) | ((uint32_t)b << sh)) & ~3u;
    break;
  }
  default: break;
  }
}

void piix_ide_bm_write(PiixIde *p, unsigned off, int size, uint32_t value) {
  for (int i = 0; i < size; i++)
    bm_write8(p, (off + (unsigned)i) & 15, (uint8_t)(value >> (8 * i)));
}

static uint32_t io_read(void *opaque, uint16_t port, int size) {
  PiixIde *p = opaque;
  return piix_ide_bm_read(p, (unsigned)(port - p->io_base), size);
}
static void io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  PiixIde *p = opaque;
  piix_ide_bm_write(p, (unsigned)(port - p->io_base), size, value);
}

/* Decode BAR4 where it points while I/O space is on (if the ports are free). */
static void map_bar(void *opaque) {
  PiixIde *p = opaque;
  uint32_t base;
  bool on = pci_bar_decoded(&p->pci[0], 4, &base) && base <= 0xfff0u;
  if (p->io_base && (!on || base != p->io_base)) {
    iobus_unregister(p->bus, p->io_base, p);
    p->io_base = 0;
  }
  if (on && !p->io_base && p->bus && iobus_free_range(p->bus, (uint16_t)base, 16) &&
      iobus_register(p->bus, (uint16_t)base, 16, io_read, io_write, p, "piix-bm") == 0)
    p->io_base = (uint16_t)base;
}

static void cfg_written(void *opaque, PciFunc *f, uint8_t addr, int size) {
  (void)f;
  if ((addr < PCI_COMMAND + 2 && addr + size > PCI_COMMAND) || (addr < 0x24 && addr + size > 0x20))
    map_bar(opaque);
}

void piix_ide_reset(PiixIde *p) {
  pci_func_reset(&p->pci[0]);
  for (int c = 0; c < 2; c++) {
    p->bm_cmd[c] = 0;
    p->bm_status[c] = 0;
    p->bm_prdt[c] = 0;
  }
  map_bar(p);
}

static void dev_reset(void *opaque) { piix_ide_reset(opaque); }

PiixIde *piix_ide_new(PciBus *pci, IoBus *bus, Mem *mem, IdeChannel *primary, IdeChannel *secondary) {
  PiixIde *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->bus = bus;
  p->mem = mem;
  p->ch[0] = primary;
  p->ch[1] = secondary;
  PciFunc *f = &p->pci[0];
  pci_func_init(f, 0x8086, 0x7010, 0x00, 0x010180, 0x00);
  pci_set_wmask(f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MASTER);
  pci_set_init(f, PCI_STATUS, 2, 0x0280);
  pci_set_wmask(f, 0x0d, 1, 0xf0); /* master latency timer */
  pci_set_bar(f, 4, 16, PCI_BAR_IO);
  pci_set_wmask(f, 0x40, 4, 0xf377f377u); /* IDETIM primary/secondary */
  pci_set_wmask(f, 0x44, 1, 0xff);        /* SIDETIM */
  pci_set_wmask(f, 0x48, 1, 0x0f);        /* UDMACTL (PIIX4 and later; stored) */
  pci_set_wmask(f, 0x4a, 2, 0x3333);      /* UDMATIM */
  f->written = cfg_written;
  f->opaque = p;
  if (pci && pci_register(pci, f, PCI_DEVFN(1, 1)) < 0) {
    free(p);
    return NULL;
  }
  void (*kick[2])(void *) = {cb_kick0, cb_kick1}, (*irq[2])(void *) = {cb_irq0, cb_irq1};
  for (int c = 0; c < 2; c++)
    if (p->ch[c]) {
      p->ch[c]->dma_kick = kick[c];
      p->ch[c]->irq_hook = irq[c];
      p->ch[c]->dma_opaque = p;
    }
  p->dev = (Device){.name = "piix-ide", .opaque = p, .reset = dev_reset, .post_load = map_bar,
                    .chunk = {{.state = p, .table = piix_ide_table}}};
  piix_ide_reset(p);
  return p;
}

void piix_ide_free(PiixIde *p) {
  if (p && p->io_base)
    iobus_unregister(p->bus, p->io_base, p);
  free(p);
}
