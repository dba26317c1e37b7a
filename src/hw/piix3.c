/*
 * piix3.c — PIIX3 PCI-to-ISA bridge and PCI interrupt steering (see piix3.h).
 * Datasheet: Intel 82371FB (PIIX) and 82371SB (PIIX3) PCI ISA IDE Xcelerator (290550).
 */
#include "piix3.h"

#include <stdlib.h>

SAVE_TABLE_DEFINE(piix3_table, Piix3, PIIX3_FIELDS, PIIX3_VERSION)

/* ISA IRQs a PIRQ may be steered to (the datasheet's valid IRQ values). */
#define PIRQ_VALID_IRQS 0xdef8u /* 3-7, 9-12, 14, 15 */

int piix3_pirq_of(int dev, int pin) { return pin < 1 || pin > 4 ? -1 : (pin - 1 + dev - 1 + 4) & 3; }

int piix3_pirq_route(const Piix3 *p, int n) {
  uint8_t r = p->pci[0].cfg[PIIX3_PIRQRC + n];
  int irq = r & 0x0f;
  return (r & 0x80) || !((PIRQ_VALID_IRQS >> irq) & 1) ? -1 : irq;
}

/* The ISA IRQs the asserted PIRQs reach under the current routing. */
static uint16_t isa_levels(const Piix3 *p) {
  uint16_t v = 0;
  for (int n = 0; n < PIIX3_NPIRQ; n++) {
    int irq = piix3_pirq_route(p, n);
    if (irq >= 0 && (p->pirq_in & (1u << n)))
      v |= (uint16_t)(1u << irq);
  }
  return v;
}

/* Drive the ISA IRQs whose level changed. */
static void update_isa(Piix3 *p) {
  uint16_t now = isa_levels(p), diff = now ^ p->driven;
  p->driven = now;
  for (int irq = 0; irq < 16 && p->isa_irq; irq++)
    if (diff & (1u << irq))
      p->isa_irq(p->irq_opaque, irq, (now >> irq) & 1);
}

void piix3_set_intx(Piix3 *p, int dev, int pin, int level) {
  int n = piix3_pirq_of(dev, pin);
  if (n < 0)
    return;
  uint8_t bit = (uint8_t)(1u << n), was = p->pirq_in & bit;
  p->pirq_in = level ? p->pirq_in | bit : p->pirq_in & (uint8_t)~bit;
  if (!was == !level)
    return;
  if (p->apic_irq)
    p->apic_irq(p->irq_opaque, 16 + n, level);
  update_isa(p);
}

static void cfg_written(void *opaque, PciFunc *f, uint8_t addr, int size) {
  (void)f;
  if (addr + size > PIIX3_PIRQRC && addr < PIIX3_PIRQRC + PIIX3_NPIRQ)
    update_isa(opaque);
}

void piix3_reset(Piix3 *p) {
  pci_func_reset(&p->pci[0]);
  update_isa(p); /* every route disabled: drop what the PIRQs held (the inputs are the devices') */
}

static void dev_reset(void *opaque) { piix3_reset(opaque); }
static void post_load(void *opaque) {
  Piix3 *p = opaque;
  p->driven = isa_levels(p); /* the interrupt controllers restored their own input levels */
}

Piix3 *piix3_new(PciBus *bus) {
  Piix3 *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  PciFunc *f = &p->pci[0];
  pci_func_init(f, 0x8086, 0x7000, 0x00, 0x060100, 0x80);
  pci_set_init(f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
  pci_set_init(f, PCI_STATUS, 2, 0x0200); /* medium DEVSEL# */
  pci_set_init(f, 0x4c, 1, 0x4d);         /* IORT: ISA I/O recovery timer */
  pci_set_wmask(f, 0x4c, 1, 0xff);
  pci_set_init(f, 0x4e, 2, 0x0003);       /* XBCS: X-bus chip select (BIOS ranges) */
  pci_set_wmask(f, 0x4e, 2, 0x07ff);
  for (int n = 0; n < PIIX3_NPIRQ; n++) {
    pci_set_init(f, (uint8_t)(PIIX3_PIRQRC + n), 1, 0x80);
    pci_set_wmask(f, (uint8_t)(PIIX3_PIRQRC + n), 1, 0x8f);
  }
  pci_set_init(f, 0x69, 1, 0x02);         /* TOM: top of memory */
  pci_set_wmask(f, 0x69, 1, 0xfe);
  pci_set_wmask(f, 0x6a, 2, 0x00d7);      /* MSTAT: miscellaneous status */
  pci_set_init(f, 0x70, 2, 0x8080);       /* MBIRQ0/1: motherboard IRQs, disabled */
  pci_set_wmask(f, 0x70, 2, 0xefef);
  pci_set_init(f, 0x76, 2, 0x0c0c);       /* MBDMA0/1: motherboard DMA, disabled */
  pci_set_wmask(f, 0x76, 2, 0x8f8f);
  pci_set_wmask(f, 0x80, 1, 0x7f);        /* APICBASE */
  pci_set_wmask(f, 0x82, 1, 0x0f);        /* DLC: deterministic latency */
  f->written = cfg_written;
  f->opaque = p;
  if (bus && pci_register(bus, f, PCI_DEVFN(1, 0)) < 0) {
    free(p);
    return NULL;
  }
  p->dev = (Device){.name = "piix3", .opaque = p, .reset = dev_reset, .post_load = post_load,
                    .chunk = {{.state = p, .table = piix3_table}}};
  return p;
}

void piix3_free(Piix3 *p) { free(p); }
