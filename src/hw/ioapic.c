/*
 * ioapic.c — I/O APIC (see ioapic.h).
 * Datasheet: Intel 82093AA I/O Advanced Programmable Interrupt Controller (290566).
 */
#include "ioapic.h"

#include <stdlib.h>

SAVE_TABLE_DEFINE(ioapic_table, IoApic, IOAPIC_FIELDS, IOAPIC_VERSION)

#define RTE_MASKED (1ull << 16)
#define RTE_LEVEL (1ull << 15)
#define RTE_REMOTE_IRR (1ull << 14)
/* Writable: vector, delivery mode, destination mode, polarity, trigger, mask, destination. */
#define RTE_WRITABLE 0xff0000000001afffull

/* Send pin's message if its input and entry call for one now. */
static void service(IoApic *io, int pin) {
  uint64_t e = io->redir[pin];
  if (!(io->lines & (1u << pin)) || (e & RTE_MASKED))
    return;
  bool level = (e & RTE_LEVEL) != 0;
  if (level && (e & RTE_REMOTE_IRR))
    return; /* the last message is still in service */
  int mode = (e >> 8) & 7;
  bool accepted = io->deliver &&
                  io->deliver(io->deliver_opaque, (uint8_t)(e >> 56), (e >> 11) & 1, mode, e & 0xff, level);
  /* Remote IRR only means something for fixed/lowest-priority level messages. */
  if (accepted && level && mode <= 1)
    io->redir[pin] |= RTE_REMOTE_IRR;
}

void ioapic_set_irq(void *opaque, int pin, int level) {
  IoApic *io = opaque;
  if (pin < 0 || pin >= IOAPIC_PINS)
    return;
  uint32_t bit = 1u << pin;
  bool was = (io->lines & bit) != 0;
  if (level)
    io->lines |= bit;
  else
    io->lines &= ~bit;
  if (!level)
    return;
  if (io->redir[pin] & RTE_LEVEL)
    service(io, pin);
  else if (!was)
    service(io, pin); /* rising edge; an edge while masked is lost */
}

void ioapic_eoi(void *opaque, int vector) {
  IoApic *io = opaque;
  for (int pin = 0; pin < IOAPIC_PINS; pin++) {
    uint64_t e = io->redir[pin];
    if ((e & 0xff) == (uint64_t)vector && (e & RTE_LEVEL) && (e & RTE_REMOTE_IRR)) {
      io->redir[pin] &= ~RTE_REMOTE_IRR;
      service(io, pin); /* still asserted: again */
    }
  }
}

static uint32_t reg_read(IoApic *io) {
  uint8_t r = io->regsel;
  switch (r) {
  case 0x00: return (uint32_t)(io->id & 0xf) << 24;
  case 0x01: return IOAPIC_VERSION_REG;
  case 0x02: return (uint32_t)(io->id & 0xf) << 24; /* arbitration ID: the ID after reset */
  default: break;
  }
  if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
    uint64_t e = io->redir[(r - 0x10) >> 1];
    return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
  }
  return 0xffffffffu; /* no register there */
}

static void reg_write(IoApic *io, uint32_t v) {
  uint8_t r = io->regsel;
  if (r == 0x00) {
    io->id = (uint8_t)((v >> 24) & 0xf);
    return;
  }
  if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_PINS)
    return; /* version, arbitration: read-only */
  int pin = (r - 0x10) >> 1;
  uint64_t e = io->redir[pin];
  uint64_t nv = (r & 1) ? (e & 0xffffffffull) | ((uint64_t)v << 32) : (e & ~0xffffffffull) | v;
  nv = (nv & RTE_WRITABLE) | (e & RTE_REMOTE_IRR);
  if (!(nv & RTE_LEVEL))
    nv &= ~RTE_REMOTE_IRR; /* only level entries keep it */
  io->redir[pin] = nv;
  if (nv & RTE_LEVEL)
    service(io, pin); /* unmasked with the line asserted */
}

uint32_t ioapic_read(IoApic *io, uint32_t off) {
  switch (off & 0xff) {
  case 0x00: return io->regsel;
  case 0x10: return reg_read(io);
  default: return 0;
  }
}

void ioapic_write(IoApic *io, uint32_t off, uint32_t v) {
  switch (off & 0xff) {
  case 0x00: io->regsel = (uint8_t)v; break;
  case 0x10: reg_write(io, v); break;
  default: break;
  }
}

static uint32_t mmio_read(void *opaque, uint32_t offset, int size) {
  uint32_t v = ioapic_read(opaque, offset & ~3u);
  return size == 4 ? v : (v >> ((offset & 3) * 8)) & (size == 1 ? 0xffu : 0xffffu);
}

static void mmio_write(void *opaque, uint32_t offset, int size, uint32_t value) {
  if (!(offset & 3) && (size == 4 || (offset & 0xff) == 0)) /* IOREGSEL may be written as a byte */
    ioapic_write(opaque, offset, size == 4 ? value : value & 0xff);
}

void ioapic_reset(IoApic *io) {
  io->id = io->board_id;
  io->regsel = 0;
  for (int i = 0; i < IOAPIC_PINS; i++)
    io->redir[i] = RTE_MASKED;
  /* the input lines are kept: they are the devices' */
}

static void dev_reset(void *opaque) { ioapic_reset(opaque); }

IoApic *ioapic_new(Mem *mem, uint8_t id) {
  IoApic *io = calloc(1, sizeof(*io));
  if (!io)
    return NULL;
  if (mem && mem_map_mmio(mem, IOAPIC_BASE, 0x1000, mmio_read, mmio_write, io, "ioapic") < 0) {
    free(io);
    return NULL;
  }
  io->board_id = id;
  io->dev = (Device){.name = "ioapic", .opaque = io, .reset = dev_reset,
                     .chunk = {{.state = io, .table = ioapic_table}}};
  ioapic_reset(io);
  return io;
}

void ioapic_free(IoApic *io) { free(io); }
