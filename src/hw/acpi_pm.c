/*
 * acpi_pm.c — ACPI power-management registers (see acpi_pm.h).
 * Spec: ACPI Specification 6.5, 4.8 (fixed hardware) and 5.2.9 (FADT);
 * the port layout and SLP_TYP values of Intel's 82371AB (PIIX4) PM function.
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

static uint8_t read8(AcpiPm *pm, uint16_t port) {
  uint16_t v;
  switch (port & ~1u) {
  case ACPI_PM1_EVT: v = pm->pm1_sts; break;
  case ACPI_PM1_EVT + 2: v = pm->pm1_en; break;
  case ACPI_PM1_CNT: v = pm->pm1_cnt | ACPI_SCI_EN; break; /* always in ACPI mode */
  case ACPI_PM_TMR: v = (uint16_t)acpi_pm_timer(pm); break;
  case ACPI_PM_TMR + 2: v = (uint16_t)(acpi_pm_timer(pm) >> 16); break;
  case ACPI_GPE0: v = pm->gpe0_sts; break;
  case ACPI_GPE0 + 2: v = pm->gpe0_en; break;
  default: return 0xff;
  }
  return (uint8_t)(v >> ((port & 1) * 8));
}

static void write8(AcpiPm *pm, uint16_t port, uint8_t b) {
  int sh = (port & 1) * 8;
  uint16_t v = (uint16_t)(b << sh), keep = (uint16_t)~(0xffu << sh);
  switch (port & ~1u) {
  case ACPI_PM1_EVT: pm->pm1_sts &= (uint16_t)~v; break; /* write 1 to clear */
  case ACPI_PM1_EVT + 2: pm->pm1_en = (pm->pm1_en & keep) | (v & ACPI_PM1_EN_BITS); break;
  case ACPI_PM1_CNT:
    pm->pm1_cnt = (pm->pm1_cnt & keep) | (v & ACPI_PM1_CNT_BITS);
    /* SLP_EN and SLP_TYP share the high byte, so one write enters the state. */
    if ((v & ACPI_SLP_EN) && ((pm->pm1_cnt >> 10) & 7) == ACPI_SLP_TYP_S5 && pm->power_off)
      pm->power_off(pm->power_off_opaque);
    break;
  case ACPI_GPE0: pm->gpe0_sts &= (uint16_t)~v; break;
  case ACPI_GPE0 + 2: pm->gpe0_en = (pm->gpe0_en & keep) | v; break;
  default: return; /* the timer is read-only */
  }
  update_sci(pm);
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

void acpi_pm_reset(AcpiPm *pm) {
  pm->pm1_sts = pm->pm1_en = pm->pm1_cnt = 0;
  pm->gpe0_sts = pm->gpe0_en = 0;
  update_sci(pm);
  arm_overflow(pm);
}

static void dev_reset(void *opaque) { acpi_pm_reset(opaque); }
static void post_load(void *opaque) {
  AcpiPm *pm = opaque;
  /* The clock is restored first: the overflow follows from its time. */
  pm->sci_level = !((pm->pm1_sts & pm->pm1_en) || (pm->gpe0_sts & pm->gpe0_en));
  update_sci(pm);
  arm_overflow(pm);
}

AcpiPm *acpi_pm_new(IoBus *bus, Clock *clock, IrqLine sci) {
  AcpiPm *pm = calloc(1, sizeof(*pm));
  if (!pm)
    return NULL;
  pm->clock = clock;
  pm->sci = sci;
  pm->overflow = clock_timer_new(clock, overflow_cb, pm);
  if (!pm->overflow ||
      (bus && (iobus_register_ex(bus, ACPI_PM1_EVT, 12, io_read, io_write, pm, "acpi-pm", IOBUS_8BIT) < 0 ||
               iobus_register_ex(bus, ACPI_GPE0, ACPI_GPE0_LEN, io_read, io_write, pm, "acpi-gpe0",
                                 IOBUS_8BIT) < 0))) {
    free(pm);
    return NULL;
  }
  pm->dev = (Device){.name = "acpi_pm", .opaque = pm, .reset = dev_reset, .post_load = post_load,
                     .chunk = {{.state = pm, .table = acpi_pm_table}}};
  acpi_pm_reset(pm);
  return pm;
}

void acpi_pm_free(AcpiPm *pm) { free(pm); }
