/*
 * mc146818.c — MC146818A RTC and CMOS NVRAM (see mc146818.h).
 * Datasheet: Motorola MC146818A Real-Time Clock Plus RAM.
 *
 * The calendar is kept as seconds since 1970 and encoded into the clock
 * registers (BCD or binary, 12 or 24 hours per register B) at every update
 * cycle; guest writes to the clock registers are decoded back into seconds.
 */
#include "mc146818.h"

#include <stdlib.h>
#include <string.h>

/* The once-a-second update is due within a second of the snapshot's time
 * (the timer re-arms one second after its last deadline, so a deadline far
 * behind would replay every missed second). */
static int rtc_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Rtc *s = saved;
  uint64_t now;
  (void)live;
  if (save_reader_time(r, &now) &&
      (s->next_update + 2 * NS_PER_SEC < now || s->next_update > now + 2 * NS_PER_SEC))
    return save_reject_field(r, chunk, "next_update", s->next_update,
                             "is not within 2 s of the snapshot's time %#llx",
                             (unsigned long long)now);
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(rtc_table, Rtc, RTC_FIELDS, RTC_VERSION, rtc_valid)

#define UIP_NS 244000u /* update-in-progress is visible this long before an update */

static bool binary(const Rtc *rtc) { return rtc->cmos[RTC_REG_B] & RTC_B_DM; }
static bool running(const Rtc *rtc) {
  return ((rtc->cmos[RTC_REG_A] >> 4) & 7) == 2 && !(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

static uint8_t to_reg(const Rtc *rtc, int v) {
  return binary(rtc) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}
static int from_reg(const Rtc *rtc, uint8_t v) {
  return binary(rtc) ? v : ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

static void regs_from_seconds(Rtc *rtc) {
  time_t t = (time_t)rtc->seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  rtc->cmos[RTC_SEC] = to_reg(rtc, tm.tm_sec);
  rtc->cmos[RTC_MIN] = to_reg(rtc, tm.tm_min);
  if (rtc->cmos[RTC_REG_B] & RTC_B_24H) {
    rtc->cmos[RTC_HOUR] = to_reg(rtc, tm.tm_hour);
  } else {
    int h = tm.tm_hour % 12;
    rtc->cmos[RTC_HOUR] = (uint8_t)(to_reg(rtc, h ? h : 12) | (tm.tm_hour >= 12 ? 0x80 : 0));
  }
  rtc->cmos[RTC_WDAY] = to_reg(rtc, tm.tm_wday + 1);
  rtc->cmos[RTC_MDAY] = to_reg(rtc, tm.tm_mday);
  rtc->cmos[RTC_MONTH] = to_reg(rtc, tm.tm_mon + 1);
  int year = tm.tm_year + 1900;
  rtc->cmos[RTC_YEAR] = to_reg(rtc, year % 100);
  rtc->cmos[RTC_CENTURY] = to_reg(rtc, year / 100);
}

static void seconds_from_regs(Rtc *rtc) {
  struct tm tm = {0};
  tm.tm_sec = from_reg(rtc, rtc->cmos[RTC_SEC]);
  tm.tm_min = from_reg(rtc, rtc->cmos[RTC_MIN]);
  uint8_t h = rtc->cmos[RTC_HOUR];
  if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
    tm.tm_hour = from_reg(rtc, h);
  else
    tm.tm_hour = from_reg(rtc, h & 0x7f) % 12 + ((h & 0x80) ? 12 : 0);
  tm.tm_mday = from_reg(rtc, rtc->cmos[RTC_MDAY]);
  tm.tm_mon = from_reg(rtc, rtc->cmos[RTC_MONTH]) - 1;
  tm.tm_year = from_reg(rtc, rtc->cmos[RTC_CENTURY]) * 100 + from_reg(rtc, rtc->cmos[RTC_YEAR]) - 1900;
  rtc->seconds = (int64_t)timegm(&tm);
}

static void update_irq(Rtc *rtc) {
  uint8_t c = rtc->cmos[RTC_REG_C] & 0x70;
  bool irqf = (c & rtc->cmos[RTC_REG_B] & 0x70) != 0;
  if (irqf)
    rtc->cmos[RTC_REG_C] = c | RTC_C_IRQF;
  else
    rtc->cmos[RTC_REG_C] = c;
  if (irqf != rtc->irq_level) {
    rtc->irq_level = irqf;
    irq_set(&rtc->irq, irqf);
  }
}

uint64_t rtc_periodic_ns(uint8_t reg_a) {
  int rs = reg_a & 0x0f;
  if (rs == 0)
    return 0;
  if (rs < 3)
    rs += 7; /* rates 1 and 2 repeat 8 and 9 with a 32.768 kHz time base */
  return (NS_PER_SEC << (rs - 1)) / 32768u;
}

/* Next multiple of the periodic rate strictly after now. */
static uint64_t next_period_after(uint64_t now, uint64_t period) { return (now / period + 1) * period; }

/* Catch up the periodic flag lazily and (re)arm its timer when PIE is set. */
static void periodic_update(Rtc *rtc) {
  uint64_t period = rtc_periodic_ns(rtc->cmos[RTC_REG_A]);
  uint64_t now = clock_now(rtc->clock);
  if (!period || ((rtc->cmos[RTC_REG_A] >> 4) & 7) != 2) {
    timer_del(rtc->periodic_timer);
    rtc->next_periodic = 0;
    return;
  }
  if (rtc->next_periodic && now >= rtc->next_periodic)
    rtc->cmos[RTC_REG_C] |= RTC_C_PF;
  if (!rtc->next_periodic || now >= rtc->next_periodic)
    rtc->next_periodic = next_period_after(now, period);
  if (rtc->cmos[RTC_REG_B] & RTC_B_PIE)
    timer_mod(rtc->periodic_timer, rtc->next_periodic);
  else
    timer_del(rtc->periodic_timer);
  update_irq(rtc);
}

static void periodic_timer_cb(void *opaque) { periodic_update(opaque); }

static bool alarm_match(Rtc *rtc, int alarm_reg, int reg) {
  uint8_t a = rtc->cmos[alarm_reg];
  return (a & 0xc0) == 0xc0 || a == rtc->cmos[reg];
}

static void update_timer_cb(void *opaque) {
  Rtc *rtc = opaque;
  if (running(rtc)) {
    rtc->seconds++;
    regs_from_seconds(rtc);
    rtc->cmos[RTC_REG_C] |= RTC_C_UF;
    if (alarm_match(rtc, RTC_SEC_ALARM, RTC_SEC) && alarm_match(rtc, RTC_MIN_ALARM, RTC_MIN) &&
        alarm_match(rtc, RTC_HOUR_ALARM, RTC_HOUR))
      rtc->cmos[RTC_REG_C] |= RTC_C_AF;
    update_irq(rtc);
  }
  rtc->next_update += NS_PER_SEC;
  timer_mod(rtc->update_timer, rtc->next_update);
}

static void restart_updates(Rtc *rtc, uint64_t delay) {
  rtc->next_update = clock_now(rtc->clock) + delay;
  timer_mod(rtc->update_timer, rtc->next_update);
}

static uint8_t reg_read(Rtc *rtc, int idx) {
  switch (idx) {
  case RTC_REG_A: {
    uint8_t v = rtc->cmos[RTC_REG_A] & 0x7f;
    if (running(rtc) && clock_now(rtc->clock) + UIP_NS >= rtc->next_update)
      v |= RTC_A_UIP;
    return v;
  }
  case RTC_REG_C: {
    periodic_update(rtc);
    uint8_t v = rtc->cmos[RTC_REG_C];
    rtc->cmos[RTC_REG_C] = 0;
    update_irq(rtc);
    return v;
  }
  case RTC_REG_D: return 0x80; /* valid RAM and time */
  default: return rtc->cmos[idx];
  }
}

static void reg_write(Rtc *rtc, int idx, uint8_t v) {
  switch (idx) {
  case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY: case RTC_MDAY: case RTC_MONTH:
  case RTC_YEAR: case RTC_CENTURY:
    rtc->cmos[idx] = v;
    if (!(rtc->cmos[RTC_REG_B] & RTC_B_SET))
      seconds_from_regs(rtc);
    break;
  case RTC_REG_A: {
    bool was = running(rtc);
    rtc->cmos[RTC_REG_A] = v & 0x7f;
    if (!was && running(rtc))
      restart_updates(rtc, NS_PER_SEC / 2); /* first update half a second after reset */
    rtc->next_periodic = 0;
    periodic_update(rtc);
    break;
  }
  case RTC_REG_B: {
    uint8_t old = rtc->cmos[RTC_REG_B];
    if (v & RTC_B_SET)
      v &= (uint8_t)~RTC_B_UIE;
    if ((old & RTC_B_SET) && !(v & RTC_B_SET)) {
      rtc->cmos[RTC_REG_B] = old & (uint8_t)~RTC_B_SET; /* decode with the old format */
      seconds_from_regs(rtc);
      rtc->cmos[RTC_REG_B] = v;
      regs_from_seconds(rtc);
      restart_updates(rtc, NS_PER_SEC);
    } else {
      rtc->cmos[RTC_REG_B] = v;
      if (((old ^ v) & (RTC_B_DM | RTC_B_24H)) && !(v & RTC_B_SET))
        regs_from_seconds(rtc); /* show the clock in the new format */
    }
    periodic_update(rtc);
    update_irq(rtc);
    break;
  }
  case RTC_REG_C:
  case RTC_REG_D: break; /* read-only */
  default: rtc->cmos[idx] = v; break;
  }
}

static uint32_t rtc_io_read(void *opaque, uint16_t port, int size) {
  Rtc *rtc = opaque;
  if (port == 0x70)
    return 0xff; /* the index register is write-only */
  return reg_read(rtc, rtc->index);
}

static void rtc_io_write(void *opaque, uint16_t port, int size, uint32_t v) {
  Rtc *rtc = opaque;
  if (port == 0x70) {
    rtc->index = v & 0x7f;
    rtc->nmi_masked = v & 0x80;
    if (rtc->nmi_mask_out)
      *rtc->nmi_mask_out = rtc->nmi_masked;
    return;
  }
  reg_write(rtc, rtc->index, (uint8_t)v);
}

void rtc_cmos_set(Rtc *rtc, int index, uint8_t value) { rtc->cmos[index & 0x7f] = value; }
uint8_t rtc_cmos_get(Rtc *rtc, int index) { return rtc->cmos[index & 0x7f]; }

void rtc_reset(Rtc *rtc) {
  /* A reset clears the interrupt enables and flags; NVRAM and time survive. */
  rtc->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);
  rtc->cmos[RTC_REG_C] = 0;
  rtc->index = 0;
  periodic_update(rtc);
  update_irq(rtc);
}

static void dev_reset(void *opaque) { rtc_reset(opaque); }
static void post_load(void *opaque) {
  Rtc *rtc = opaque;
  timer_mod(rtc->update_timer, rtc->next_update);
  if (rtc->next_periodic && (rtc->cmos[RTC_REG_B] & RTC_B_PIE))
    timer_mod(rtc->periodic_timer, rtc->next_periodic);
  else
    timer_del(rtc->periodic_timer);
  irq_set(&rtc->irq, rtc->irq_level);
}

Rtc *rtc_new(IoBus *bus, Clock *clock, IrqLine irq8, time_t start) {
  Rtc *rtc = calloc(1, sizeof(*rtc));
  if (!rtc)
    return NULL;
  rtc->clock = clock;
  rtc->irq = irq8;
  rtc->update_timer = clock_timer_new(clock, update_timer_cb, rtc);
  rtc->periodic_timer = clock_timer_new(clock, periodic_timer_cb, rtc);
  if (rtc->periodic_timer)
    rtc->periodic_timer->lax = true; /* a periodic interrupt (Clock.lax) */
  rtc->dev = (Device){.name = "rtc", .opaque = rtc, .reset = dev_reset, .post_load = post_load,
                      .chunk = {{.state = rtc, .table = rtc_table}}};
  if (!rtc->update_timer || !rtc->periodic_timer) {
    free(rtc);
    return NULL;
  }
  rtc->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
  rtc->cmos[RTC_REG_B] = RTC_B_24H;
  rtc->cmos[RTC_REG_D] = 0x80;
  /* Align the update cycle with whole seconds of virtual time. */
  uint64_t now = clock_now(clock);
  rtc->seconds = (int64_t)start + (int64_t)(now / NS_PER_SEC);
  regs_from_seconds(rtc);
  rtc->next_update = (now / NS_PER_SEC + 1) * NS_PER_SEC;
  timer_mod(rtc->update_timer, rtc->next_update);
  periodic_update(rtc);
  if (bus && iobus_register_ex(bus, 0x70, 2, rtc_io_read, rtc_io_write, rtc, "rtc", IOBUS_8BIT) < 0) {
    free(rtc);
    return NULL;
  }
  return rtc;
}

void rtc_free(Rtc *rtc) {
  if (rtc) {
    timer_del(rtc->update_timer);
    timer_del(rtc->periodic_timer);
  }
  free(rtc);
}
