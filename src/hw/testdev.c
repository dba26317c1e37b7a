/*
 * testdev.c — QEMU's pc-testdev for kvm-unit-tests (see testdev.h).
 */
#include "testdev.h"

#include <stdlib.h>
#include <string.h>

SAVE_TABLE_DEFINE(testdev_table, TestDev, TESTDEV_FIELDS, TESTDEV_VERSION)

/* E0h-E7h: byte (port & 3) of the scratch register and up. */
static uint32_t echo_read(void *opaque, uint16_t port, int size) {
  TestDev *t = opaque;
  unsigned shift = (port & 3u) * 8;
  uint32_t v = t->echo >> shift;
  return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void echo_write(void *opaque, uint16_t port, int size, uint32_t v) {
  TestDev *t = opaque;
  for (int i = 0; i < size && (port & 3u) + (unsigned)i < 4; i++) {
    unsigned shift = ((port & 3u) + (unsigned)i) * 8;
    t->echo = (t->echo & ~(0xffu << shift)) | (((v >> (8 * i)) & 0xffu) << shift);
  }
}

static void flush_write(void *opaque, uint16_t port, int size, uint32_t v) {
  (void)opaque, (void)port, (void)size, (void)v;
}

static uint32_t irq_read(void *opaque, uint16_t port, int size) {
  (void)opaque, (void)port, (void)size;
  return 0;
}

/* Registered byte-wide: one call per line. */
static void irq_write(void *opaque, uint16_t port, int size, uint32_t v) {
  TestDev *t = opaque;
  (void)size;
  unsigned n = (unsigned)(port - 0x2000u);
  if (n >= TESTDEV_NIRQ)
    return;
  int level = (v & 0xffu) != 0;
  t->irq_levels = (uint16_t)((t->irq_levels & ~(1u << n)) | ((unsigned)level << n));
  irq_set(&t->irq[n], level);
}

static uint32_t ioram_read(void *opaque, uint32_t off, int size) {
  TestDev *t = opaque;
  uint32_t v = 0;
  for (int i = 0; i < size && off + (uint32_t)i < TESTDEV_IORAM_SIZE; i++)
    v |= (uint32_t)t->ioram[off + (uint32_t)i] << (8 * i);
  return v;
}

static void ioram_write(void *opaque, uint32_t off, int size, uint32_t v) {
  TestDev *t = opaque;
  for (int i = 0; i < size && off + (uint32_t)i < TESTDEV_IORAM_SIZE; i++)
    t->ioram[off + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

static void dev_reset(void *opaque) {
  TestDev *t = opaque;
  t->echo = 0;
  t->irq_levels = 0;
  memset(t->ioram, 0, sizeof(t->ioram));
}
static void post_load(void *opaque) {
  TestDev *t = opaque;
  for (int n = 0; n < TESTDEV_NIRQ; n++)
    irq_set(&t->irq[n], (t->irq_levels >> n) & 1);
}

TestDev *testdev_new(IoBus *bus, Mem *mem, const IrqLine irq[TESTDEV_NIRQ]) {
  TestDev *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  memcpy(t->irq, irq, sizeof(t->irq));
  t->dev = (Device){.name = "testdev", .opaque = t, .reset = dev_reset, .post_load = post_load,
                    .chunk = {{.state = t, .table = testdev_table}}};
  if (iobus_register(bus, 0xe0, 4, echo_read, echo_write, t, "testdev-echo") < 0 ||
      iobus_register_ex(bus, 0xe4, 4, echo_read, echo_write, t, "testdev-echo-byte", IOBUS_8BIT) < 0 ||
      iobus_register(bus, 0xe8, 1, NULL, flush_write, t, "testdev-flush") < 0 ||
      iobus_register_ex(bus, 0x2000, 24, irq_read, irq_write, t, "testdev-irq", IOBUS_8BIT) < 0 ||
      mem_map_mmio(mem, TESTDEV_IORAM_BASE, TESTDEV_IORAM_SIZE, ioram_read, ioram_write, t,
                   "testdev-ioram") < 0) {
    free(t);
    return NULL;
  }
  return t;
}

void testdev_free(TestDev *t) { free(t); }
