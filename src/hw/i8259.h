/*
 * i8259.h — Intel 8259A programmable interrupt controller, PC/AT cascade
 * pair (master at 20h-21h, slave at A0h-A1h on master input 2) plus the
 * edge/level control registers (ELCR) at 4D0h/4D1h.
 * Datasheet: Intel 8259A Programmable Interrupt Controller (231468).
 */
#ifndef X86VM_I8259_H
#define X86VM_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "iobus.h"
#include "irq.h"

/* One 8259A. */
#define PIC_CHIP_FIELDS(F, A, S, FR, AR)                                                \
  F(uint8_t, irr)          /* interrupt request register */                             \
  F(uint8_t, isr)          /* in-service register */                                    \
  F(uint8_t, imr)          /* interrupt mask register (OCW1) */                         \
  F(uint8_t, lines)        /* current input levels (edge detection) */                  \
  F(uint8_t, elcr)         /* edge/level control: 1 = level triggered */                \
  F(uint8_t, elcr_mask)    /* ELCR bits that are writable */                            \
  FR(uint8_t, vector_base, 0, 0xf8) /* ICW2: vector of IR0 (bits 7..3) */               \
  F(uint8_t, icw3)         /* ICW3: cascade configuration */                            \
  FR(uint8_t, prio_base, 0, 7) /* IR with the highest priority (rotation) */            \
  FR(uint8_t, init_step, 0, 3) /* 0 ready, 1 expects ICW2, 2 ICW3, 3 ICW4 */            \
  F(bool, icw4_needed)     /* ICW1.IC4 */                                               \
  F(bool, single)          /* ICW1.SNGL */                                              \
  F(bool, ltim)            /* ICW1.LTIM: all inputs level triggered */                  \
  F(bool, auto_eoi)        /* ICW4.AEOI */                                              \
  F(bool, sfnm)            /* ICW4.SFNM: special fully nested mode */                   \
  F(bool, rotate_aeoi)     /* OCW2: rotate in automatic EOI mode */                     \
  F(bool, read_isr)        /* OCW3.RIS: reads at A0=0 return ISR (else IRR) */          \
  F(bool, poll)            /* OCW3.P: next read is a poll */                            \
  F(bool, special_mask)    /* OCW3.SMM: special mask mode */
typedef struct PicChip {
  SAVE_DECLARE(PIC_CHIP_FIELDS)
} PicChip;
#define PIC_CHIP_VERSION 1
const SaveTable *pic_chip_table(void);

#define PIC_FIELDS(F, A, S, FR, AR) S(PicChip, chip, 2, pic_chip_table) /* [0] master, [1] slave */ \
  F(bool, out)             /* INT output to the CPU */
typedef struct Pic {
  SAVE_DECLARE(PIC_FIELDS)
  void (*intr)(void *opaque, int level); /* drives the CPU's INTR input */
  void *intr_opaque;
  Device dev;                            /* reset/save/load record */
} Pic;
#define PIC_VERSION 1
const SaveTable *pic_table(void);

/* Registers ports 20h-21h, A0h-A1h, 4D0h-4D1h. intr may be NULL (tests poll pic->out). */
Pic *pic_new(IoBus *bus, void (*intr)(void *opaque, int level), void *intr_opaque);
void pic_free(Pic *pic);
void pic_reset(Pic *pic);
/* Drive input irq (0..15) to level. */
void pic_set_irq(void *pic, int irq, int level);
/* An IrqLine for input irq. */
IrqLine pic_irq_line(Pic *pic, int irq);
/* INTA cycle: the vector to deliver (spurious IRQ7/15 vector if none). */
int pic_int_ack(Pic *pic);

#endif
