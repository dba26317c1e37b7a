/*
 * piix3.h — the PCI-to-ISA bridge of the Intel 82371SB PIIX3 as PCI
 * function 01.0 (8086:7000, class 060100h, multi-function header), with
 * its PCI interrupt steering.  Reference: Intel 82371FB (PIIX) and
 * 82371SB (PIIX3) PCI ISA IDE Xcelerator datasheet (290550), 2.2
 * (PCI-to-ISA bridge configuration registers).
 *
 * PIRQRC[A:D] (60h-63h): bit 7 disables the routing (power-on 80h), bits
 * 3:0 name the ISA IRQ (3-7, 9-12, 14, 15; other values route nowhere).
 * A PCI device's INTx pin reaches PIRQ (pin + device - 1) mod 4 (the board
 * wiring QEMU's i440FX machine uses: 01.x INTA -> PIRQA, 02.0 INTA ->
 * PIRQB...).  The PIRQ lines are active-low and shared on PCI; here a line
 * is "asserted" (level 1) while any device drives it, and goes:
 *   - to the ISA IRQ its PIRQRC names: the 8259s (which need that IRQ
 *     level-triggered in their ELCR, 4D0h/4D1h, as firmware sets it) and
 *     the I/O APIC's pin of that IRQ, as on QEMU's board (SeaBIOS's MP
 *     table and DSDT send PCI interrupts there), and
 *   - always to I/O APIC pin 16 + n (PIRQA-D -> pins 16-19), which our
 *     BIOS's MP table and our DSDT list (docs/PCI.md).
 * An ISA device on the IRQ a PIRQ is routed to is not combined with it
 * (the last level set wins): firmware keeps PCI IRQs off ISA devices' IRQs.
 *
 * The other bridge registers (IORT, XBCS, TOM, MBIRQ, MBDMA, APICBASE,
 * DLC) are stored for firmware that programs them and change nothing; the
 * reset control register at CF9h is on the configuration ports (pci.h).
 */
#ifndef X86VM_PIIX3_H
#define X86VM_PIIX3_H

#include <stdint.h>

#include "device.h"
#include "irq.h"
#include "pci.h"

#define PIIX3_PIRQRC 0x60
#define PIIX3_NPIRQ 4

#define PIIX3_FIELDS(F, A, S, FR, AR)                                                      \
  S(PciFunc, pci, 1, pci_func_table) /* 01.0 */                                       \
  FR(uint8_t, pirq_in, 0, 0xf) /* PIRQA-D levels (bit n): the devices' INTx lines */
typedef struct Piix3 {
  SAVE_DECLARE(PIIX3_FIELDS)
  /* Drive ISA IRQ irq (the 8259s) / I/O APIC pin (16-19) to level. */
  void (*isa_irq)(void *opaque, int irq, int level);
  void (*apic_irq)(void *opaque, int pin, int level);
  void *irq_opaque;
  uint16_t driven;              /* ISA IRQs the PIRQs hold high now (not saved: derived) */
  Device dev;                   /* "piix3" */
} Piix3;
#define PIIX3_VERSION 1
const SaveTable *piix3_table(void);

/* Registers as 01.0 on bus (NULL in tests). */
Piix3 *piix3_new(PciBus *bus);
void piix3_free(Piix3 *p);
void piix3_reset(Piix3 *p);
/* A PCI device's interrupt: INTx pin (1 = INTA .. 4 = INTD) of device
 * number dev drives its PIRQ to level. */
void piix3_set_intx(Piix3 *p, int dev, int pin, int level);
/* PIRQ n (0-3) a device's pin reaches; -1 for pin 0 (no interrupt). */
int piix3_pirq_of(int dev, int pin);
/* The ISA IRQ PIRQ n is routed to now, or -1. */
int piix3_pirq_route(const Piix3 *p, int n);

#endif
