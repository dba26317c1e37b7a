/*
 * i8259.c — Intel 8259A PIC pair with ELCR (see i8259.h).
 * Datasheet: Intel 8259A Programmable Interrupt Controller (231468);
 * ELCR as on the PIIX/PIIX3 south bridges (ports 4D0h/4D1h).
 */
#include "i8259.h"

#include <stdlib.h>

/* ICW2 keeps bits 7..3: IR0's vector plus 7 stays a vector. */
static int chip_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const PicChip *c = saved;
  (void)live;
  if (c->vector_base & 7)
    return save_reject_field(r, chunk, "vector_base", c->vector_base, "is not a multiple of 8");
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(pic_chip_table, PicChip, PIC_CHIP_FIELDS, PIC_CHIP_VERSION, chip_valid)
SAVE_TABLE_DEFINE(pic_table, Pic, PIC_FIELDS, PIC_VERSION)

/* Priority level (0 highest) of the best bit of mask, or 8 when mask is empty. */
static int best_priority(const PicChip *c, uint8_t mask) {
  for (int p = 0; p < 8; p++)
    if (mask & (1u << ((p + c->prio_base) & 7)))
      return p;
  return 8;
}

/* Highest-priority request the chip would signal now, or -1. */
static int chip_pending(const PicChip *c, bool master) {
  uint8_t req = c->irr & ~c->imr;
  int p = best_priority(c, req);
  if (p == 8)
    return -1;
  uint8_t in_service = c->isr;
  if (c->special_mask)
    in_service &= ~c->imr;
  if (master && c->sfnm)
    in_service &= ~0x04; /* a cascaded slave may nest on itself */
  if (p < best_priority(c, in_service))
    return (p + c->prio_base) & 7;
  return -1;
}

static bool is_level(const PicChip *c, int irq) { return c->ltim || (c->elcr & (1u << irq)); }

static void pic_update(Pic *pic) {
  PicChip *m = &pic->chip[0], *s = &pic->chip[1];
  /* The slave's INT output drives master IR2 (as a level). */
  if (chip_pending(s, false) >= 0) {
    m->irr |= 0x04;
    m->lines |= 0x04;
  } else {
    m->irr &= ~0x04;
    m->lines &= ~0x04;
  }
  bool out = chip_pending(m, true) >= 0;
  if (out != pic->out) {
    pic->out = out;
    if (pic->intr)
      pic->intr(pic->intr_opaque, out);
  }
}

static void chip_input(PicChip *c, int irq, int level) {
  uint8_t mask = (uint8_t)(1u << irq);
  if (is_level(c, irq)) {
    if (level) {
      c->irr |= mask;
      c->lines |= mask;
    } else {
      c->irr &= ~mask;
      c->lines &= ~mask;
    }
  } else {
    if (level) {
      if (!(c->lines & mask))
        c->irr |= mask; /* rising edge */
      c->lines |= mask;
    } else {
      c->lines &= ~mask;
    }
  }
}

void pic_set_irq(void *opaque, int irq, int level) {
  Pic *pic = opaque;
  if (irq < 0 || irq > 15 || irq == 2)
    return; /* IR2 of the master is the cascade */
  chip_input(&pic->chip[irq >> 3], irq & 7, level);
  pic_update(pic);
}

IrqLine pic_irq_line(Pic *pic, int irq) { return (IrqLine){pic_set_irq, pic, irq}; }

/* Acknowledge irq on a chip (INTA or poll). */
static void chip_ack(PicChip *c, int irq) {
  uint8_t mask = (uint8_t)(1u << irq);
  if (c->auto_eoi) {
    if (c->rotate_aeoi)
      c->prio_base = (uint8_t)((irq + 1) & 7);
  } else {
    c->isr |= mask;
  }
  if (!is_level(c, irq))
    c->irr &= ~mask;
}

int pic_int_ack(Pic *pic) {
  PicChip *m = &pic->chip[0], *s = &pic->chip[1];
  int vec;
  int irq = chip_pending(m, true);
  if (irq < 0) {
    vec = m->vector_base + 7; /* spurious IRQ7: ISR untouched */
  } else {
    chip_ack(m, irq);
    if (irq == 2) {
      int irq2 = chip_pending(s, false);
      if (irq2 >= 0) {
        chip_ack(s, irq2);
        vec = s->vector_base + irq2;
      } else {
        vec = s->vector_base + 7; /* spurious IRQ15 */
      }
    } else {
      vec = m->vector_base + irq;
    }
  }
  pic_update(pic);
  return vec & 0xff;
}

static void chip_init_reset(PicChip *c) {
  c->irr = c->isr = c->imr = 0;
  c->lines = 0;
  c->prio_base = 0;
  c->read_isr = c->poll = c->special_mask = false;
  c->auto_eoi = c->rotate_aeoi = c->sfnm = false;
}

static void chip_eoi_irq(PicChip *c, int irq, bool rotate) {
  c->isr &= (uint8_t)~(1u << irq);
  if (rotate)
    c->prio_base = (uint8_t)((irq + 1) & 7);
}

static void chip_write(Pic *pic, PicChip *c, int a0, uint8_t v) {
  if (a0 == 0) {
    if (v & 0x10) { /* ICW1 */
      chip_init_reset(c);
      c->icw4_needed = v & 0x01;
      c->single = v & 0x02;
      c->ltim = v & 0x08;
      c->init_step = 1;
    } else if (v & 0x08) { /* OCW3 */
      if (v & 0x04)
        c->poll = true;
      if (v & 0x02)
        c->read_isr = v & 0x01;
      if (v & 0x40)
        c->special_mask = (v >> 5) & 1;
    } else { /* OCW2 */
      int p;
      switch (v >> 5) {
      case 0: c->rotate_aeoi = false; break;
      case 4: c->rotate_aeoi = true; break;
      case 1: /* non-specific EOI */
      case 5: /* rotate on non-specific EOI */
        p = best_priority(c, c->isr);
        if (p < 8)
          chip_eoi_irq(c, (p + c->prio_base) & 7, (v >> 5) == 5);
        break;
      case 3: chip_eoi_irq(c, v & 7, false); break; /* specific EOI */
      case 7: chip_eoi_irq(c, v & 7, true); break;  /* rotate on specific EOI */
      case 6: c->prio_base = (uint8_t)((v + 1) & 7); break; /* set priority */
      default: break; /* 2: no operation */
      }
    }
  } else {
    switch (c->init_step) {
    case 1:
      c->vector_base = v & 0xf8;
      c->init_step = c->single ? (c->icw4_needed ? 3 : 0) : 2;
      break;
    case 2:
      c->icw3 = v;
      c->init_step = c->icw4_needed ? 3 : 0;
      break;
    case 3:
      c->auto_eoi = v & 0x02;
      c->sfnm = v & 0x10;
      c->init_step = 0;
      break;
    default:
      c->imr = v; /* OCW1 */
      break;
    }
  }
  pic_update(pic);
}

static uint8_t chip_read(Pic *pic, PicChip *c, int a0) {
  if (c->poll) {
    c->poll = false;
    bool master = c == &pic->chip[0];
    int irq = chip_pending(c, master);
    if (irq < 0)
      return 0;
    chip_ack(c, irq);
    pic_update(pic);
    return (uint8_t)(0x80 | irq);
  }
  if (a0)
    return c->imr;
  return c->read_isr ? c->isr : c->irr;
}

static uint32_t pic_io_read(void *opaque, uint16_t port, int size) {
  Pic *pic = opaque;
  if (port == 0x4d0 || port == 0x4d1)
    return pic->chip[port & 1].elcr;
  return chip_read(pic, &pic->chip[port >= 0xa0], port & 1);
}

static void pic_io_write(void *opaque, uint16_t port, int size, uint32_t v) {
  Pic *pic = opaque;
  if (port == 0x4d0 || port == 0x4d1) {
    PicChip *c = &pic->chip[port & 1];
    c->elcr = (uint8_t)v & c->elcr_mask;
    pic_update(pic);
    return;
  }
  chip_write(pic, &pic->chip[port >= 0xa0], port & 1, (uint8_t)v);
}

void pic_reset(Pic *pic) {
  for (int i = 0; i < 2; i++) {
    PicChip *c = &pic->chip[i];
    chip_init_reset(c);
    c->elcr = 0;
    c->vector_base = 0;
    c->icw3 = 0;
    c->init_step = 0;
    c->icw4_needed = c->single = c->ltim = false;
  }
  pic->chip[0].elcr_mask = 0xf8; /* IRQ0-2 are always edge */
  pic->chip[1].elcr_mask = 0xde; /* IRQ8 and IRQ13 are always edge */
  pic->out = false;
  if (pic->intr)
    pic->intr(pic->intr_opaque, 0);
}

static void dev_reset(void *opaque) { pic_reset(opaque); }
static void post_load(void *opaque) {
  Pic *pic = opaque;
  if (pic->intr)
    pic->intr(pic->intr_opaque, pic->out);
}

Pic *pic_new(IoBus *bus, void (*intr)(void *opaque, int level), void *intr_opaque) {
  Pic *pic = calloc(1, sizeof(*pic));
  if (!pic)
    return NULL;
  pic->intr = intr;
  pic->intr_opaque = intr_opaque;
  pic->dev = (Device){.name = "pic", .opaque = pic, .reset = dev_reset, .post_load = post_load,
                      .chunk = {{.state = pic, .table = pic_table}}};
  pic_reset(pic);
  if (bus && (iobus_register_ex(bus, 0x20, 2, pic_io_read, pic_io_write, pic, "pic-master",
                                IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0xa0, 2, pic_io_read, pic_io_write, pic, "pic-slave",
                                IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x4d0, 2, pic_io_read, pic_io_write, pic, "elcr",
                                IOBUS_8BIT) < 0)) {
    free(pic);
    return NULL;
  }
  return pic;
}

void pic_free(Pic *pic) { free(pic); }
