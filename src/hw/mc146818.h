/*
 * mc146818.h — Motorola MC146818A real-time clock with 128 bytes of CMOS
 * NVRAM (ports 70h index + NMI mask, 71h data), IRQ8.
 * Datasheet: Motorola MC146818A Real-Time Clock Plus RAM (RTC).
 *
 * The calendar runs on the virtual clock: an update cycle fires once per
 * virtual second (UIP is visible for the 244 us before it); the periodic
 * interrupt runs at the rate selected in register A.
 */
#ifndef X86VM_MC146818_H
#define X86VM_MC146818_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "irq.h"

/* Register numbers. */
enum {
  RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02, RTC_MIN_ALARM = 0x03,
  RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05, RTC_WDAY = 0x06, RTC_MDAY = 0x07,
  RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_REG_A = 0x0a, RTC_REG_B = 0x0b,
  RTC_REG_C = 0x0c, RTC_REG_D = 0x0d, RTC_CENTURY = 0x32
};
#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_DM  0x04 /* binary */
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

/* Calendar times the registers can express (years 0..25755), with margin:
 * gmtime_r() converts anything in this range. */
#define RTC_SECONDS_MAX (1ll << 40)
#define RTC_FIELDS(F, A, S, FR, AR)                                                       \
  A(uint8_t, cmos, 128)      /* NVRAM; clock registers hold their encoded values */       \
  FR(uint8_t, index, 0, 127) /* port 70h index (bits 0-6): indexes cmos */                \
  F(bool, nmi_masked)        /* port 70h bit 7 */                                         \
  FR(int64_t, seconds, -RTC_SECONDS_MAX, RTC_SECONDS_MAX) /* calendar time, s since 1970 (UTC) */ \
  F(uint64_t, next_update)   /* virtual ns of the next update cycle */                    \
  F(uint64_t, next_periodic) /* virtual ns of the next periodic flag */                   \
  F(bool, irq_level)         /* IRQ8 output */
typedef struct Rtc {
  SAVE_DECLARE(RTC_FIELDS)
  Clock *clock;         /* virtual clock */
  Timer *update_timer;  /* once per second */
  Timer *periodic_timer;/* register A rate */
  IrqLine irq;          /* IRQ8 */
  bool *nmi_mask_out;   /* optional: where the NMI mask bit is mirrored */
  Device dev;           /* reset/save/load record */
} Rtc;
#define RTC_VERSION 1
const SaveTable *rtc_table(void);

/* start: the calendar time at virtual time 0 (host time, or a fixed value). */
Rtc *rtc_new(IoBus *bus, Clock *clock, IrqLine irq8, time_t start);
void rtc_free(Rtc *rtc);
void rtc_reset(Rtc *rtc);
/* NVRAM access for the machine (memory size, disks, boot order). */
void rtc_cmos_set(Rtc *rtc, int index, uint8_t value);
uint8_t rtc_cmos_get(Rtc *rtc, int index);
/* Periodic interrupt period for register A's rate bits, ns (0: off). */
uint64_t rtc_periodic_ns(uint8_t reg_a);

#endif
