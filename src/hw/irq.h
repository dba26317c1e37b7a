/*
 * irq.h — interrupt request lines from devices to the interrupt controller.
 *
 * A device holds an IrqLine (given to its constructor by the machine) and
 * drives it with irq_set/irq_raise/irq_lower (level) or irq_pulse (an edge
 * for edge-triggered inputs).  The machine builds lines with pic_irq_line()
 * (i8259.h); tests can plug in their own `set` to watch a line.
 */
#ifndef X86VM_IRQ_H
#define X86VM_IRQ_H

#include <stddef.h>

typedef struct IrqLine {
  void (*set)(void *opaque, int irq, int level); /* NULL: line not connected */
  void *opaque;                                  /* the controller */
  int irq;                                       /* input number on the controller */
} IrqLine;

static inline void irq_set(const IrqLine *l, int level) {
  if (l && l->set)
    l->set(l->opaque, l->irq, level);
}
static inline void irq_raise(const IrqLine *l) { irq_set(l, 1); }
static inline void irq_lower(const IrqLine *l) { irq_set(l, 0); }
/* A rising edge followed by the line dropping (for edge-triggered inputs). */
static inline void irq_pulse(const IrqLine *l) {
  irq_set(l, 1);
  irq_set(l, 0);
}

#endif
