/*
 * ioapic.h — an 82093AA-class I/O APIC at FEC00000h with 24 pins
 * (Intel 82093AA I/O Advanced Programmable Interrupt Controller datasheet,
 * 290566; version register 00170011h: version 11h, 24 redirection entries).
 *
 * Registers through the index/data pair: IOREGSEL at +00h, IOWIN at +10h;
 * 00h ID (bits 27:24), 01h version, 02h arbitration ID, 10h-3Fh the
 * redirection table (two 32-bit halves per pin).  An entry: vector,
 * delivery mode (fixed, lowest priority, NMI, INIT, ExtINT), destination
 * mode (physical/logical) and destination (bits 63:56), polarity, trigger
 * mode with remote IRR, mask.  Edge pins send a message on a rising edge
 * while unmasked; level pins while asserted, unmasked and with remote IRR
 * clear, which the local APIC accepting the message sets and its EOI of
 * that vector (ioapic_eoi) clears — a pin still asserted then sends again.
 * Polarity is stored but the board's lines are active high as the MP table
 * describes them (as QEMU does).  Delivery status always reads idle.
 *
 * The board wires ISA IRQ n to pin n, except IRQ0 (the PIT) to pin 2 (the
 * MP table's override, as on every PC); the 8259s see the same lines.
 */
#ifndef X86VM_IOAPIC_H
#define X86VM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "irq.h"
#include "mem.h"

#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_PINS 24
#define IOAPIC_VERSION_REG 0x00170011u

#define IOAPIC_FIELDS(F, A, S, FR, AR)                                                \
  F(uint8_t, id)              /* I/O APIC ID (register 00h bits 27:24) */         \
  FR(uint8_t, regsel, 0, 0xff) /* IOREGSEL (any: unknown registers read as ones) */ \
  A(uint64_t, redir, IOAPIC_PINS) /* redirection table */                         \
  F(uint32_t, lines)          /* input levels, bit per pin */
typedef struct IoApic {
  SAVE_DECLARE(IOAPIC_FIELDS)
  /* Send an interrupt message to the local APICs: true if one accepted it. */
  bool (*deliver)(void *opaque, uint8_t dest, bool logical, int mode, int vector, bool level);
  void *deliver_opaque;
  uint8_t board_id;           /* the ID the board gives it at reset */
  Device dev;                 /* "ioapic" */
} IoApic;
#define IOAPIC_VERSION 1
const SaveTable *ioapic_table(void);

/* mem may be NULL (tests call ioapic_read/ioapic_write). */
IoApic *ioapic_new(Mem *mem, uint8_t id);
void ioapic_free(IoApic *io);
void ioapic_reset(IoApic *io);
/* Drive pin (0..23) to level: an IrqLine target. */
void ioapic_set_irq(void *io, int pin, int level);
/* A local APIC's EOI of a level-triggered vector. */
void ioapic_eoi(void *io, int vector);
/* MMIO by offset in the page (32-bit accesses). */
uint32_t ioapic_read(IoApic *io, uint32_t offset);
void ioapic_write(IoApic *io, uint32_t offset, uint32_t value);

#endif
