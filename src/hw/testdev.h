/*
 * testdev.h — QEMU's "pc-testdev", the test device kvm-unit-tests' kernels
 * expect (`--device testdev`).  As documented for QEMU and relied on by the
 * tests:
 *   E0h-E3h  a 32-bit scratch register: writes of any size at any of the
 *            four ports store those bytes, reads return them (echo);
 *   E4h-E7h  the same register, reached one byte at a time;
 *   E8h      "flush page": writes are accepted and ignored (QEMU re-protects
 *            the host page; there is nothing to flush here).  QEMU's range
 *            is E8h-EBh, but E9h stays our debug console (debugport.h), so
 *            only E8h is claimed;
 *   2000h-2017h  IRQ lines: writing v to 2000h+n sets ISA IRQ n to (v != 0);
 *            a wider write sets consecutive lines from its bytes (lines 16-23
 *            have no 8259 input and are ignored); reads return 0;
 *   FF000000h  64 KiB of "IORAM": MMIO that behaves like RAM, so tests can
 *            run string and ALU instructions on memory the emulator handles
 *            as device memory.
 */
#ifndef X86VM_TESTDEV_H
#define X86VM_TESTDEV_H

#include <stdint.h>

#include "device.h"
#include "iobus.h"
#include "irq.h"
#include "mem.h"

#define TESTDEV_IORAM_BASE 0xff000000u
#define TESTDEV_IORAM_SIZE 0x10000u
#define TESTDEV_NIRQ 16

#define TESTDEV_FIELDS(F, A, S, FR, AR)                                   \
  F(uint32_t, echo)          /* the E0h-E7h scratch register */           \
  F(uint16_t, irq_levels)    /* bit n: level last written to IRQ n */     \
  A(uint8_t, ioram, TESTDEV_IORAM_SIZE) /* the IORAM contents */
typedef struct TestDev {
  SAVE_DECLARE(TESTDEV_FIELDS)
  IrqLine irq[TESTDEV_NIRQ]; /* ISA IRQ 0-15 */
  Device dev;                /* reset/save/load record */
} TestDev;
#define TESTDEV_VERSION 1
const SaveTable *testdev_table(void);

/* irq[n] drives ISA IRQ n.  NULL if a port range or the MMIO region is taken. */
TestDev *testdev_new(IoBus *bus, Mem *mem, const IrqLine irq[TESTDEV_NIRQ]);
void testdev_free(TestDev *t);

#endif
