/*
 * hwtest.h — shared helpers for the device tests: a bus + clock fixture and
 * an IRQ recorder that logs every level change with its virtual time.
 */
#ifndef X86VM_HWTEST_H
#define X86VM_HWTEST_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "iobus.h"
#include "irq.h"

#define IRQREC_MAX 4096
typedef struct IrqRec {
  Clock *clock;                /* to timestamp changes */
  int level;                   /* current level */
  int nrise;                   /* rising edges seen */
  uint64_t rise_ns[IRQREC_MAX];/* time of each rising edge */
} IrqRec;

static inline void irqrec_set(void *opaque, int irq, int level) {
  IrqRec *r = opaque;
  if (level && !r->level && r->nrise < IRQREC_MAX)
    r->rise_ns[r->nrise++] = r->clock ? clock_now(r->clock) : 0;
  r->level = level;
}
static inline IrqLine irqrec_line(IrqRec *r) { return (IrqLine){irqrec_set, r, 0}; }

static inline uint8_t inb(IoBus *b, uint16_t port) { return (uint8_t)iobus_read(b, port, 1); }
static inline void outb(IoBus *b, uint16_t port, uint8_t v) { iobus_write(b, port, 1, v); }

static inline int run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}

#endif
