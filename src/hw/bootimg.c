/*
 * bootimg.c — the record of a direct kernel boot, replayed at reset (see
 * bootimg.h).
 */
#include "bootimg.h"

#include <stdlib.h>
#include <string.h>

#include "acpi_pm.h"

typedef struct BootPart {
  uint32_t pa, len;
  uint8_t *data;            /* NULL: zeros */
} BootPart;

typedef struct BootEntry {
  uint32_t regs[8], eip, eflags, cr0;
  SegCache seg[6];          /* ES, CS, SS, DS, FS, GS */
  uint32_t gdt_base, idt_base;
  uint16_t gdt_limit, idt_limit;
  uint8_t cpl;
} BootEntry;

typedef struct BootImage BootImage;
struct BootImage {
  BootPart *parts;
  size_t nparts, cap;
  uint16_t (*outs)[2];      /* port, value */
  size_t nouts;
  bool direct;              /* the CPU starts at entry (no firmware) */
  BootEntry entry;
};

static BootImage *image(Machine *m) {
  if (!m->boot)
    m->boot = calloc(1, sizeof(BootImage));
  return m->boot;
}

/* Writes a part into guest memory: its bytes, or with data NULL zeros, a
 * page of them at a time through the same path as the bytes. */
static void write_part(Mem *mem, uint32_t pa, const uint8_t *data, uint32_t len) {
  static const uint8_t zeros[PAGE_SIZE];
  if (data) {
    mem_write_bytes(mem, pa, data, len);
    return;
  }
  while (len) {
    uint32_t n = len < PAGE_SIZE ? len : PAGE_SIZE;
    mem_write_bytes(mem, pa, zeros, n);
    pa += n;
    len -= n;
  }
}

int boot_put(Machine *m, uint32_t pa, const void *data, uint32_t len) {
  BootImage *b = image(m);
  if (!b)
    return -1;
  if (b->nparts == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 8;
    BootPart *p = realloc(b->parts, cap * sizeof *p);
    if (!p)
      return -1;
    b->parts = p;
    b->cap = cap;
  }
  uint8_t *copy = NULL;
  if (data && len && !(copy = malloc(len)))
    return -1;
  if (copy)
    memcpy(copy, data, len);
  b->parts[b->nparts++] = (BootPart){pa, len, copy};
  write_part(m->mem, pa, copy, len);
  return 0;
}

int boot_out(Machine *m, uint16_t port, uint8_t val) {
  BootImage *b = image(m);
  uint16_t (*o)[2] = b ? realloc(b->outs, (b->nouts + 1) * sizeof *o) : NULL;
  if (!o)
    return -1;
  b->outs = o;
  b->outs[b->nouts][0] = port;
  b->outs[b->nouts++][1] = val;
  iobus_write(m->bus, port, 1, val);
  return 0;
}

/* What the firmware a direct boot skips would have set up for the kernel:
 * on --machine pc the PM block where our FADT names it (PMBA 600h). */
static void firmware_setup(Machine *m) {
  if (m->acpi)
    acpi_pm_set_base(m->acpi, ACPI_PM_BASE);
}

int boot_enter(Machine *m) {
  BootImage *b = image(m);
  if (!b)
    return -1;
  const Cpu *c = m->cpu;
  BootEntry *e = &b->entry;
  memcpy(e->regs, c->regs, sizeof e->regs);
  memcpy(e->seg, c->seg, sizeof e->seg);
  e->eip = c->eip;
  e->eflags = cpu_get_flags(m->cpu);
  e->cr0 = c->cr[0];
  e->gdt_base = c->gdt_base;
  e->gdt_limit = c->gdt_limit;
  e->idt_base = c->idt_base;
  e->idt_limit = c->idt_limit;
  e->cpl = c->cpl;
  b->direct = true;
  firmware_setup(m);
  return 0;
}

void boot_replay(Machine *m) {
  BootImage *b = m->boot;
  if (!b)
    return;
  for (size_t i = 0; i < b->nparts; i++)
    write_part(m->mem, b->parts[i].pa, b->parts[i].data, b->parts[i].len);
  for (size_t i = 0; i < b->nouts; i++)
    iobus_write(m->bus, b->outs[i][0], 1, b->outs[i][1]);
  if (!b->direct)
    return;
  Cpu *c = m->cpu;
  const BootEntry *e = &b->entry;
  c->gdt_base = e->gdt_base;
  c->gdt_limit = e->gdt_limit;
  c->idt_base = e->idt_base;
  c->idt_limit = e->idt_limit;
  c->cr[0] = e->cr0;
  memcpy(c->seg, e->seg, sizeof e->seg); /* ES..GS (the array goes on with LDTR, TR) */
  c->cpl = e->cpl;
  cpu_set_flags(c, e->eflags, 0xffffffffu);
  memcpy(c->regs, e->regs, sizeof c->regs);
  c->eip = e->eip;
  c->halted = false;
  cpu_update_mode(c);
  tlb_flush(c);
  firmware_setup(m);
}

void boot_forget(Machine *m) {
  BootImage *b = m->boot;
  if (!b)
    return;
  for (size_t i = 0; i < b->nparts; i++)
    free(b->parts[i].data);
  free(b->parts);
  free(b->outs);
  free(b);
  m->boot = NULL;
}
