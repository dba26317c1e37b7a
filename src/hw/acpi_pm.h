/*
 * acpi_pm.h — the ACPI power-management function of --machine pc: the
 * Intel 82371AB (PIIX4) function 3 as PCI function 01.3 (8086:7113 rev 03,
 * class 068000h, header type 0, interrupt pin A), as on QEMU's `pc` board
 * beside its PIIX3, and the ACPI fixed-hardware registers it decodes
 * (ACPI Specification 6.x, 4.8: PM1 event and control blocks, the PM
 * timer, the general-purpose event block).  Reference: Intel 82371AB PCI
 * ISA IDE Xcelerator (PIIX4) datasheet (290562), 3.x (function 3 PCI
 * configuration) and 7.x (power-management I/O space).
 *
 * Configuration registers:
 *   40h PMBA (32)      I/O base of the 64-byte PM block: bits 15:6
 *                      writable, bit 0 reads 1 (an I/O space indicator)
 *   80h PMREGMISC (8)  bit 0 PMIOSE: the PM block decodes at PMBA
 *   90h SMBBA (32)     SMBus I/O base (bits 15:4, bit 0 reads 1) and
 *   D2h SMBHSTCFG (8)  its enable and IRQ select (bits 3:0): stored only,
 *                      there is no SMBus controller behind them
 *   44h-7Fh            CNTA/CNTB, GPICTL, DEVRESA-J, DEVACTA/B (the device
 *                      monitors and resources Linux's PIIX4 quirk reads):
 *                      plain storage, power-on 0 (no resource enabled)
 *   3Ch line, 04h I/O space enable (the SMBus's): stored
 * Power-on: PMBA 00000001h, PMREGMISC 0: the PM block decodes nowhere
 * until firmware programs it.  Our BIOS and a direct --kernel boot put it
 * at ACPI_PM_BASE (600h, QEMU's choice when it supplies the ACPI tables),
 * which our FADT names; SeaBIOS building its own tables puts it at B000h
 * and names that in its FADT.
 *
 * The PM block, at PMBA + offset:
 *   00h PM1a_STS  (16) write 1 to clear: TMR_STS bit 0, PWRBTN_STS bit 8
 *   02h PM1a_EN   (16) TMR_EN bit 0, GBL_EN 5, PWRBTN_EN 8, RTC_EN 10
 *   04h PM1a_CNT  (16) SCI_EN bit 0 (always 1), BM_RLD 1, SLP_TYP 12:10,
 *                      SLP_EN bit 13 (write-only: enter SLP_TYP)
 *   08h PM_TMR    (32) a 24-bit counter at 3.579545 MHz (TMR_VAL_EXT clear)
 *   0Ch-3Fh            the PIIX4's GP/device registers: read 0, writes lost
 * and, fixed where QEMU's board has it (not in the PIIX4's space):
 *   AFE0h GPE0_STS (16) write 1 to clear (no event source raises them)
 *   AFE2h GPE0_EN  (16)
 * No SMI command port in our FADT (SMI_CMD 0) and SCI_EN always reads 1,
 * so the machine is always in ACPI mode; an OS reading SeaBIOS's FADT
 * (SMI_CMD B2h) finds SCI_EN set and writes nothing there either.
 *
 * The timer counts the machine's virtual time (ticks = now * 3579545 Hz
 * / 1 s, from time 0), so it is exact under --deterministic and with
 * every engine, and needs no saved state.  Each time bit 23 of the count
 * changes (every 2^23 ticks, 2.34 s) TMR_STS is set by a virtual timer.
 * The SCI is ISA IRQ 9 (level, active high), as QEMU wires the PIIX4's
 * (both FADTs say 9; the PIIX4's own SCI routing is not modelled), and is
 * asserted while a status bit and its enable bit are both set.  SLP_EN
 * with SLP_TYP 0 (the PIIX4's "soft off", the DSDT's \_S5) switches the
 * machine off; other sleep types are not offered and do nothing.
 */
#ifndef X86VM_ACPI_PM_H
#define X86VM_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "irq.h"
#include "pci.h"

/* Offsets in the PM block. */
#define ACPI_PM1_STS_OFF 0x00
#define ACPI_PM1_EN_OFF 0x02
#define ACPI_PM1_CNT_OFF 0x04
#define ACPI_PM_TMR_OFF 0x08
#define ACPI_PM_LEN 64           /* the PMBA window */
/* Where our BIOS and a direct kernel boot put the block (our FADT's ports). */
#define ACPI_PM_BASE 0x600
#define ACPI_PM1_EVT (ACPI_PM_BASE + ACPI_PM1_STS_OFF)
#define ACPI_PM1_CNT (ACPI_PM_BASE + ACPI_PM1_CNT_OFF)
#define ACPI_PM_TMR (ACPI_PM_BASE + ACPI_PM_TMR_OFF)
/* The PM function's configuration registers. */
#define PIIX4_PM_DEVFN PCI_DEVFN(1, 3)
#define PIIX4_PMBA 0x40
#define PIIX4_PMREGMISC 0x80
#define PIIX4_SMBBA 0x90
#define PIIX4_SMBHSTCFG 0xd2
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
  S(PciFunc, pci, 1, pci_func_table) /* 01.3 (read-only bits checked) */       \
  FR(uint16_t, pm1_sts, 0, ACPI_PM1_STS_BITS) /* PM1a status (checked: bits) */    \
  FR(uint16_t, pm1_en, 0, ACPI_PM1_EN_BITS)   /* PM1a enable (checked: bits) */    \
  FR(uint16_t, pm1_cnt, 0, ACPI_PM1_CNT_BITS) /* PM1a control, stored bits */      \
  F(uint16_t, gpe0_sts)                       /* GPE0 status (any value safe) */   \
  F(uint16_t, gpe0_en)                        /* GPE0 enable (any value safe) */
typedef struct AcpiPm {
  SAVE_DECLARE(ACPI_PM_FIELDS)
  IoBus *bus;                /* NULL in tests that use acpi_pm_read/write */
  uint16_t io_base;          /* where the PM block decodes now, 0: nowhere (derived) */
  Clock *clock;
  Timer *overflow;           /* the next change of the count's bit 23 */
  IrqLine sci;               /* ISA IRQ 9 */
  bool sci_level;            /* what the line was last driven to */
  void (*power_off)(void *opaque); /* S5 entered */
  void *power_off_opaque;
  Device dev;                /* "acpi_pm" */
} AcpiPm;
#define ACPI_PM_VERSION 2 /* 2: the PCI function */
const SaveTable *acpi_pm_table(void);

/* bus may be NULL (tests call acpi_pm_read/acpi_pm_write); pci may be
 * NULL (the function is then reached only through pm->pci[0]). */
AcpiPm *acpi_pm_new(IoBus *bus, PciBus *pci, Clock *clock, IrqLine sci);
void acpi_pm_free(AcpiPm *pm);
void acpi_pm_reset(AcpiPm *pm);
/* The 24-bit PM timer value now. */
uint32_t acpi_pm_timer(const AcpiPm *pm);
/* The fixed-feature power button was pressed: PWRBTN_STS (an SCI if enabled). */
void acpi_pm_power_button(AcpiPm *pm);
/* Program PMBA = base | 1 and PMREGMISC = 1 as firmware does (a kernel
 * booted without firmware finds the block where our FADT says). */
void acpi_pm_set_base(AcpiPm *pm, uint16_t base);
/* Port access (any size; absolute port numbers: the PM block where it
 * decodes now, GPE0; other ports read FFh). */
uint32_t acpi_pm_read(AcpiPm *pm, uint16_t port, int size);
void acpi_pm_write(AcpiPm *pm, uint16_t port, int size, uint32_t value);

#endif
