/*
 * acpi_pm.c — ACPI power-management registers (see acpi_pm.h).
 * Spec: ACPI Specification 6.5, 4.8 (fixed hardware) and 5.2.9 (FADT);
 * Intel 82371AB (PIIX4) datasheet (290562): function 3's configuration
 * registers, its PM I/O layout and SLP_TYP values.
 */
#include "acpi_pm.h"

#include <stdlib.h>

/* Bits outside the implemented ones are refused (the ranges only bound the values). */
static int acpi_pm_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const AcpiPm *p = saved;
  (void)live;
  if (p->pm1_sts & ~ACPI_PM1_STS_BITS)
    return save_reject_field(r, chunk, "pm1_sts", p->pm1_sts, "has bits no event sets");
  if (p->pm1_en & ~ACPI_PM1_EN_BITS)
    return save_reject_field(r, chunk, "pm1_en", p->pm1_en, "has reserved bits");
  if (p->pm1_cnt & ~ACPI_PM1_CNT_BITS)
    return save_reject_field(r, chunk, "pm1_cnt", p->pm1_cnt, "has bits that are not stored");
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(acpi_pm_table, AcpiPm, ACPI_PM_FIELDS, ACPI_PM_VERSION, acpi_pm_valid)

#define TMR_BIT23 (1ull << 23)

static uint64_t ticks_now(const AcpiPm *pm) {
  return clock_ns_to_ticks(clock_now(pm->clock), ACPI_PM_TIMER_HZ);
}

uint32_t acpi_pm_timer(const AcpiPm *pm) { return (uint32_t)(ticks_now(pm) & 0xffffff); }

/* The SCI follows the status and enable bits (a level). */
static void update_sci(AcpiPm *pm) {
  bool level = (pm->pm1_sts & pm->pm1_en) || (pm->gpe0_sts & pm->gpe0_en);
  if (level != pm->sci_level) {
    pm->sci_level = level;
    irq_set(&pm->sci, level);
  }
}

/* Arm the timer for the next change of bit 23 after now. */
static void arm_overflow(AcpiPm *pm) {
  uint64_t next = (ticks_now(pm) / TMR_BIT23 + 1) * TMR_BIT23;
  timer_mod(pm->overflow, clock_ticks_to_ns(next, ACPI_PM_TIMER_HZ));
}

static void overflow_cb(void *opaque) {
  AcpiPm *pm = opaque;
  pm->pm1_sts |= ACPI_TMR_STS;
  update_sci(pm);
  arm_overflow(pm);
}

void acpi_pm_power_button(AcpiPm *pm) {
  pm->pm1_sts |= ACPI_PWRBTN_STS;
  update_sci(pm);
}

/* Where PMBA and PMREGMISC put the PM block: true with *base. */
static bool pm_decoded(const AcpiPm *pm, uint16_t *base) {
  const uint8_t *c = pm->pci[0].cfg;
  uint16_t b = (uint16_t)((c[PIIX4_PMBA] | c[PIIX4_PMBA + 1] << 8) & 0xffc0);
  if (!(c[PIIX4_PMREGMISC] & 1) || b == 0)
    return false; /* an unprogrammed base (0) decodes nothing, as an unassigned BAR */
  *base = b;
  return true;
}

/* A byte of the PM block at offset off (0-3Fh). */
static uint8_t pm_read8(AcpiPm *pm, unsigned off) {
  uint16_t v;
  switch (off & ~1u) {
  case ACPI_PM1_STS_OFF: v = pm->pm1_sts; break;
  case ACPI_PM1_EN_OFF: v = pm->pm1_en; break;
  case ACPI_PM1_CNT_OFF: v = pm->pm1_cnt | ACPI_SCI_EN; break; /* always in ACPI mode */
  case ACPI_PM_TMR_OFF: v = (uint16_t)acpi_pm_timer(pm); break;
  case ACPI_PM_TMR_OFF + 2: v = (uint16_t)(acpi_pm_timer(pm) >> 16); break;
  default: return 0; /* the PIIX4's GP and device registers: not modelled */
  }
  return (uint8_t)(v >> ((off & 1) * 8));
}

static void pm_write8(AcpiPm *pm, unsigned off, uint8_t b) {
  int sh = (off & 1) * 8;
  uint16_t v = (uint16_t)(b << sh), keep = (uint16_t)~(0xffu << sh);
  switch (off & ~1u) {
  case ACPI_PM1_STS_OFF: pm->pm1_sts &= (uint16_t)~v; break; /* write 1 to clear */
  case ACPI_PM1_EN_OFF: pm->pm1_en = (pm->pm1_en & keep) | (v & ACPI_PM1_EN_BITS); break;
  case ACPI_PM1_CNT_OFF:
    pm->pm1_cnt = (pm->pm1_cnt & keep) | (v & ACPI_PM1_CNT_BITS);
    /* SLP_EN and SLP_TYP share the high byte, so one write enters the state. */
    if ((v & ACPI_SLP_EN) && ((pm->pm1_cnt >> 10) & 7) == ACPI_SLP_TYP_S5 && pm->power_off)
      pm->power_off(pm->power_off_opaque);
    break;
  default: return; /* the timer is read-only; the rest is not modelled */
  }
  update_sci(pm);
}

/* A byte of GPE0 at offset off (0-3). */
static uint8_t gpe_read8(AcpiPm *pm, unsigned off) {
  uint16_t v = off < 2 ? pm->gpe0_sts : pm->gpe0_en;
  return (uint8_t)(v >> ((off & 1) * 8));
}

static void gpe_write8(AcpiPm *pm, unsigned off, uint8_t b) {
  int sh = (off & 1) * 8;
  uint16_t v = (uint16_t)(b << sh), keep = (uint16_t)~(0xffu << sh);
  if (off < 2)
    pm->gpe0_sts &= (uint16_t)~v;
  else
    pm->gpe0_en = (pm->gpe0_en & keep) | v;
  update_sci(pm);
}

static uint8_t read8(AcpiPm *pm, uint16_t port) {
  uint16_t base;
  if (port >= ACPI_GPE0 && port < ACPI_GPE0 + ACPI_GPE0_LEN)
    return gpe_read8(pm, (unsigned)(port - ACPI_GPE0));
  if (pm_decoded(pm, &base) && port >= base && port < base + ACPI_PM_LEN)
    return pm_read8(pm, (unsigned)(port - base));
  return 0xff;
}

static void write8(AcpiPm *pm, uint16_t port, uint8_t b) {
  uint16_t base;
  if (port >= ACPI_GPE0 && port < ACPI_GPE0 + ACPI_GPE0_LEN)
    gpe_write8(pm, (unsigned)(port - ACPI_GPE0), b);
  else if (pm_decoded(pm, &base) && port >= base && port < base + ACPI_PM_LEN)
    pm_write8(pm, (unsigned)(port - base), b);
}

/* Registered with IOBUS_8BIT: every access arrives here a byte at a time;
 * the timer's four bytes are read within one instruction, at one time. */
uint32_t acpi_pm_read(AcpiPm *pm, uint16_t port, int size) {
  uint32_t v = 0;
  for (int i = 0; i < size; i++)
    v |= (uint32_t)read8(pm, (uint16_t)(port + i)) << (8 * i);
  return v;
}

void acpi_pm_write(AcpiPm *pm, uint16_t port, int size, uint32_t value) {
  for (int i = 0; i < size; i++)
    write8(pm, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}

static uint32_t io_read(void *opaque, uint16_t port, int size) { return acpi_pm_read(opaque, port, size); }
static void io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  acpi_pm_write(opaque, port, size, value);
}

/* Decode the PM block where PMBA says while PMREGMISC enables it (if the
 * ports are free: a block put over another device's ports decodes nothing). */
static void map_pm(AcpiPm *pm) {
  uint16_t base = 0;
  bool on = pm_decoded(pm, &base);
  if (pm->io_base && (!on || base != pm->io_base)) {
    iobus_unregister(pm->bus, pm->io_base, pm);
    pm->io_base = 0;
  }
  if (on && !pm->io_base && pm->bus && iobus_free_range(pm->bus, base, ACPI_PM_LEN) &&
      iobus_register_ex(pm->bus, base, ACPI_PM_LEN, io_read, io_write, pm, "acpi-pm", IOBUS_8BIT) == 0)
    pm->io_base = base;
}

static void cfg_written(void *opaque, PciFunc *f, uint8_t addr, int size) {
  (void)f;
  if ((addr + size > PIIX4_PMBA && addr < PIIX4_PMBA + 2) ||
      (addr + size > PIIX4_PMREGMISC && addr <= PIIX4_PMREGMISC))
    map_pm(opaque);
}

void acpi_pm_set_base(AcpiPm *pm, uint16_t base) {
  pci_cfg_write(&pm->pci[0], PIIX4_PMBA, 4, base | 1u);
  pci_cfg_write(&pm->pci[0], PIIX4_PMREGMISC, 1, 1);
}

void acpi_pm_reset(AcpiPm *pm) {
  pci_func_reset(&pm->pci[0]);
  map_pm(pm); /* PMREGMISC 0: the block goes away until firmware programs it */
  pm->pm1_sts = pm->pm1_en = pm->pm1_cnt = 0;
  pm->gpe0_sts = pm->gpe0_en = 0;
  update_sci(pm);
  arm_overflow(pm);
}

static void dev_reset(void *opaque) { acpi_pm_reset(opaque); }
static void post_load(void *opaque) {
  AcpiPm *pm = opaque;
  map_pm(pm);
  /* The clock is restored first: the overflow follows from its time. */
  pm->sci_level = !((pm->pm1_sts & pm->pm1_en) || (pm->gpe0_sts & pm->gpe0_en));
  update_sci(pm);
  arm_overflow(pm);
}

/* The function's configuration space (see acpi_pm.h). */
static void init_config(PciFunc *f) {
  pci_func_init(f, 0x8086, 0x7113, 0x03, 0x068000, 0x00);
  pci_set_init(f, PCI_STATUS, 2, 0x0280);         /* fast back-to-back, medium DEVSEL# */
  pci_set_wmask(f, PCI_COMMAND, 2, PCI_CMD_IO);   /* the SMBus's I/O space enable: stored */
  pci_set_wmask(f, PCI_INTERRUPT_LINE, 1, 0xff);
  pci_set_init(f, PCI_INTERRUPT_PIN, 1, 0x01);    /* INTA (the SMBus's; the SCI is IRQ 9) */
  pci_set_init(f, PIIX4_PMBA, 4, 0x00000001);     /* bit 0: an I/O base */
  pci_set_wmask(f, PIIX4_PMBA, 4, 0x0000ffc0);    /* 64-byte aligned, below 64 KiB */
  for (uint8_t a = 0x44; a < 0x80; a += 4)        /* CNTA..DEVACTB, DEVRESx: storage */
    pci_set_wmask(f, a, 4, 0xffffffff);
  pci_set_wmask(f, PIIX4_PMREGMISC, 1, 0x01);
  pci_set_init(f, PIIX4_SMBBA, 4, 0x00000001);    /* no SMBus controller: stored only */
  pci_set_wmask(f, PIIX4_SMBBA, 4, 0x0000fff0);
  pci_set_wmask(f, PIIX4_SMBHSTCFG, 1, 0x0f);
}

AcpiPm *acpi_pm_new(IoBus *bus, PciBus *pci, Clock *clock, IrqLine sci) {
  AcpiPm *pm = calloc(1, sizeof(*pm));
  if (!pm)
    return NULL;
  pm->bus = bus;
  pm->clock = clock;
  pm->sci = sci;
  init_config(&pm->pci[0]);
  pm->pci[0].written = cfg_written;
  pm->pci[0].opaque = pm;
  pm->overflow = clock_timer_new(clock, overflow_cb, pm);
  if (!pm->overflow ||
      (bus && iobus_register_ex(bus, ACPI_GPE0, ACPI_GPE0_LEN, io_read, io_write, pm, "acpi-gpe0",
                                IOBUS_8BIT) < 0) ||
      (pci && pci_register(pci, &pm->pci[0], PIIX4_PM_DEVFN) < 0)) {
    free(pm);
    return NULL;
  }
  pm->dev = (Device){.name = "acpi_pm", .opaque = pm, .reset = dev_reset, .post_load = post_load,
                     .chunk = {{.state = pm, .table = acpi_pm_table}}};
  acpi_pm_reset(pm);
  return pm;
}

void acpi_pm_free(AcpiPm *pm) { free(pm); }
