/*
 * acpi_pm.h — the ACPI fixed-hardware power-management registers of
 * --machine pc (ACPI Specification 6.x, chapter 4.8 "ACPI Hardware
 * Features": PM1 event and control blocks, the power-management timer,
 * the general-purpose event block), at the port addresses QEMU's PIIX4 PM
 * function uses by default, so that the device can later become the
 * PIIX4's function 3 with its PMBA programmed to 600h:
 *   600h PM1a_STS  (16) write 1 to clear: TMR_STS bit 0, PWRBTN_STS bit 8
 *   602h PM1a_EN   (16) TMR_EN bit 0, GBL_EN 5, PWRBTN_EN 8, RTC_EN 10
 *   604h PM1a_CNT  (16) SCI_EN bit 0 (always 1), BM_RLD 1, SLP_TYP 12:10,
 *                       SLP_EN bit 13 (write-only: enter SLP_TYP)
 *   608h PM_TMR    (32) a 24-bit counter at 3.579545 MHz (TMR_VAL_EXT clear)
 *   AFE0h GPE0_STS (16) write 1 to clear (no event source raises them)
 *   AFE2h GPE0_EN  (16)
 * No SMI command port: the FADT's SMI_CMD is 0, so the machine is always
 * in ACPI mode (SCI_EN reads 1), as an OS reading the FADT then expects.
 *
 * The timer counts the machine's virtual time (ticks = now * 3579545 Hz
 * / 1 s, from time 0), so it is exact under --deterministic and with
 * every engine, and needs no saved state.  Each time bit 23 of the count
 * changes (every 2^23 ticks, 2.34 s) TMR_STS is set by a virtual timer.
 * The SCI (ISA IRQ 9, level, active high) is asserted while a status bit
 * and its enable bit are both set.  SLP_EN with SLP_TYP 0 (the PIIX4's
 * "soft off", the DSDT's \_S5) switches the machine off; other sleep
 * types are not offered by the DSDT and do nothing.
 */
#ifndef X86VM_ACPI_PM_H
#define X86VM_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "irq.h"

#define ACPI_PM_BASE 0x600       /* PM1a_EVT_BLK */
#define ACPI_PM1_EVT 0x600
#define ACPI_PM1_CNT 0x604
#define ACPI_PM_TMR 0x608
#define ACPI_GPE0 0xafe0
#define ACPI_GPE0_LEN 4
#define ACPI_SCI_IRQ 9
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_SLP_TYP_S5 0        /* PIIX4 SUS_TYP 000: soft off */
#define ACPI_SLP_TYP_S0 5        /* PIIX4 SUS_TYP 101: working */

/* PM1 status / enable bits. */
#define ACPI_TMR_STS 0x0001u
#define ACPI_GBL_STS 0x0020u
#define ACPI_PWRBTN_STS 0x0100u
#define ACPI_WAK_STS 0x8000u
#define ACPI_PM1_STS_BITS (ACPI_TMR_STS | ACPI_PWRBTN_STS) /* the ones we ever set */
#define ACPI_PM1_EN_BITS 0x0521u  /* TMR_EN, GBL_EN, PWRBTN_EN, RTC_EN */
/* PM1 control. */
#define ACPI_SCI_EN 0x0001u
#define ACPI_SLP_EN 0x2000u
#define ACPI_PM1_CNT_BITS 0x1c02u /* BM_RLD, SLP_TYP: stored */

#define ACPI_PM_FIELDS(F, A, S, FR, AR)                                            \
  FR(uint16_t, pm1_sts, 0, ACPI_PM1_STS_BITS) /* PM1a status (checked: bits) */    \
  FR(uint16_t, pm1_en, 0, ACPI_PM1_EN_BITS)   /* PM1a enable (checked: bits) */    \
  FR(uint16_t, pm1_cnt, 0, ACPI_PM1_CNT_BITS) /* PM1a control, stored bits */      \
  F(uint16_t, gpe0_sts)                       /* GPE0 status (any value safe) */   \
  F(uint16_t, gpe0_en)                        /* GPE0 enable (any value safe) */
typedef struct AcpiPm {
  SAVE_DECLARE(ACPI_PM_FIELDS)
  Clock *clock;
  Timer *overflow;           /* the next change of the count's bit 23 */
  IrqLine sci;               /* ISA IRQ 9 */
  bool sci_level;            /* what the line was last driven to */
  void (*power_off)(void *opaque); /* S5 entered */
  void *power_off_opaque;
  Device dev;                /* "acpi_pm" */
} AcpiPm;
#define ACPI_PM_VERSION 1
const SaveTable *acpi_pm_table(void);

/* bus may be NULL (tests call acpi_pm_read/acpi_pm_write). */
AcpiPm *acpi_pm_new(IoBus *bus, Clock *clock, IrqLine sci);
void acpi_pm_free(AcpiPm *pm);
void acpi_pm_reset(AcpiPm *pm);
/* The 24-bit PM timer value now. */
uint32_t acpi_pm_timer(const AcpiPm *pm);
/* The fixed-feature power button was pressed: PWRBTN_STS (an SCI if enabled). */
void acpi_pm_power_button(AcpiPm *pm);
/* Port access (any size; absolute port numbers). */
uint32_t acpi_pm_read(AcpiPm *pm, uint16_t port, int size);
void acpi_pm_write(AcpiPm *pm, uint16_t port, int size, uint32_t value);

#endif
