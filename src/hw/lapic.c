/*
 * lapic.c — local APIC (see lapic.h).
 * Reference: Intel SDM vol. 3A, chapter 11 (Advanced Programmable
 * Interrupt Controller), register map in table 11-1.
 */
#include "lapic.h"

#include <stdlib.h>

static int lapic_valid(SaveReader *r, const char *chunk, const void *saved, const void *live);
SAVE_TABLE_DEFINE_CHECKED(lapic_table, Lapic, LAPIC_FIELDS, LAPIC_VERSION, lapic_valid)

#define APIC_BASE_ENABLE 0x800u
#define SVR_ENABLE 0x100u
#define LVT_MASKED 0x10000u
#define LVT_TIMER_PERIODIC 0x20000u
#define LVT_LEVEL 0x8000u

/* ESR bits (xAPIC). */
#define ESR_SEND_ILLEGAL 0x20u
#define ESR_RECV_ILLEGAL 0x40u
#define ESR_ILLEGAL_REG 0x80u

/* Writable bits of each LVT entry: vector, delivery mode, polarity,
 * trigger mode, mask, timer mode (delivery status and remote IRR are
 * read-only and never set: delivery here is instantaneous). */
static const uint32_t lvt_mask[LVT_COUNT] = {
    [LVT_TIMER] = 0x300ffu, [LVT_THERMAL] = 0x107ffu, [LVT_PERF] = 0x107ffu,
    [LVT_LINT0] = 0x1a7ffu, [LVT_LINT1] = 0x1a7ffu,   [LVT_ERROR] = 0x100ffu,
};

bool lapic_enabled(const Lapic *l) { return (l->cpu->apic_base & APIC_BASE_ENABLE) != 0; }
static bool sw_enabled(const Lapic *l) { return (l->svr & SVR_ENABLE) != 0; }

static bool bit_get(const uint32_t *v, int n) { return (v[n >> 5] >> (n & 31)) & 1; }
static void bit_set(uint32_t *v, int n) { v[n >> 5] |= 1u << (n & 31); }
static void bit_clr(uint32_t *v, int n) { v[n >> 5] &= ~(1u << (n & 31)); }

/* Highest set bit of a 256-bit register, or -1. */
static int highest(const uint32_t *v) {
  for (int i = 7; i >= 0; i--)
    if (v[i])
      return i * 32 + 31 - __builtin_clz(v[i]);
  return -1;
}

/* Processor priority: the task priority or the class of the highest
 * vector in service, whichever is higher (SDM 11.8.3.1). */
static uint32_t ppr(const Lapic *l) {
  int isrv = highest(l->isr);
  uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
  return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* LINT0 programmed to pass the 8259's INTR through (and allowed to). */
static bool extint_ready(const Lapic *l) {
  uint32_t lvt = l->lvt[LVT_LINT0];
  bool lint0 = l->lint0 && !(lvt & LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT;
  return lint0 || l->extint;
}

/* The highest request that the processor priority lets through, or -1. */
static int deliverable(const Lapic *l) {
  int v = highest(l->irr);
  if (v < 0 || !sw_enabled(l))
    return -1;
  return ((uint32_t)v & 0xf0) > (ppr(l) & 0xf0) ? v : -1;
}

static void set_cpu_intr(Lapic *l, bool level) {
  l->out = level;
  cpu_set_intr(l->cpu, level);
}

void lapic_update(Lapic *l) {
  if (!lapic_enabled(l))
    set_cpu_intr(l, l->lint0); /* no APIC in the way: LINT0 is INTR */
  else
    set_cpu_intr(l, extint_ready(l) || deliverable(l) >= 0);
}

static void raise_nmi(Lapic *l) {
  l->cpu->nmi = true;
  l->cpu->jit_limit = 0; /* translated code returns to the dispatch loop */
}

static void signal_error(Lapic *l, uint32_t bits);

/* A fixed interrupt arrives at this APIC (from the LVT, an IPI or the I/O APIC). */
static void accept(Lapic *l, int vector, bool level) {
  if (vector < 16) {
    signal_error(l, ESR_RECV_ILLEGAL); /* vectors 0-15 are illegal: dropped */
    return;
  }
  bit_set(l->irr, vector);
  if (level)
    bit_set(l->tmr, vector);
  else
    bit_clr(l->tmr, vector);
  lapic_update(l);
}

static void signal_error(Lapic *l, uint32_t bits) {
  bool fresh = (l->esr_pending & bits) != bits;
  l->esr_pending |= bits;
  uint32_t lvt = l->lvt[LVT_ERROR];
  /* The error interrupt's own vector could be illegal: accepting it would
   * signal another error, so do not recurse. */
  if (fresh && !(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
    accept(l, lvt & 0xff, false);
}

/* Deliver an interrupt described by an LVT entry (an edge on its source). */
static void lvt_fire(Lapic *l, int idx) {
  uint32_t lvt = l->lvt[idx];
  if (lvt & LVT_MASKED)
    return;
  switch ((lvt >> 8) & 7) {
  case APIC_DM_NMI: raise_nmi(l); break;
  case APIC_DM_EXTINT: lapic_update(l); break; /* level-driven through extint_ready */
  case APIC_DM_FIXED:
    /* Only LINT0/LINT1 may be level triggered; the timer and error are edges. */
    accept(l, lvt & 0xff, (idx == LVT_LINT0 || idx == LVT_LINT1) && (lvt & LVT_LEVEL));
    break;
  default: break; /* SMI, INIT via LVT: not modelled */
  }
}

/* ---- timer ---- */

static uint64_t timer_hz(const Lapic *l) {
  uint32_t d = (l->dcr & 3) | ((l->dcr >> 1) & 4); /* bits 0, 1 and 3 */
  return LAPIC_BUS_HZ >> ((d + 1) & 7);             /* 111b: divide by 1 */
}

/* A running timer counts from a start within its current period: a start
 * far behind the snapshot's time would replay every missed period. */
static int lapic_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Lapic *s = saved;
  uint64_t now;
  (void)live;
  if (!s->timer_running || !save_reader_time(r, &now))
    return 0;
  if (s->initial_count == 0)
    return save_reject_field(r, chunk, "initial_count", 0, "is 0 while the timer runs");
  uint64_t period = clock_ticks_to_ns(s->initial_count, timer_hz(s));
  if (s->timer_start > now || now - s->timer_start > period + 2 * NS_PER_SEC)
    return save_reject_field(r, chunk, "timer_start", s->timer_start,
                             "is not within the timer's period before the snapshot's time %#llx",
                             (unsigned long long)now);
  return 0;
}

static void timer_arm(Lapic *l) {
  if (!l->timer_running || l->initial_count == 0) {
    timer_del(l->timer);
    return;
  }
  timer_mod(l->timer, l->timer_start + clock_ticks_to_ns(l->initial_count, timer_hz(l)));
}

uint32_t lapic_current_count(const Lapic *l) {
  if (!l->timer_running || l->initial_count == 0)
    return 0;
  uint64_t now = clock_now(l->clock);
  uint64_t ticks = now > l->timer_start ? clock_ns_to_ticks(now - l->timer_start, timer_hz(l)) : 0;
  if (l->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC)
    return l->initial_count - (uint32_t)(ticks % l->initial_count);
  return ticks >= l->initial_count ? 0 : l->initial_count - (uint32_t)ticks;
}

static void timer_cb(void *opaque) {
  Lapic *l = opaque;
  if (l->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
    /* The next period counts from this one's end, not from when we ran. */
    l->timer_start += clock_ticks_to_ns(l->initial_count, timer_hz(l));
    timer_arm(l);
  } else {
    l->timer_running = false;
  }
  lvt_fire(l, LVT_TIMER);
}

/* ---- registers ---- */

static bool dest_match(const Lapic *l, uint8_t dest, bool logical) {
  if (!logical)
    return dest == 0xff || dest == l->id;
  uint8_t ldr = (uint8_t)(l->ldr >> 24);
  if ((l->dfr >> 28) == 0xf) /* flat model: a bit per APIC */
    return (ldr & dest) != 0;
  /* cluster model: cluster in the high nibble (Fh: all), APICs in the low one */
  return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf) != 0;
}

/* Deliver by mode to this APIC (the destination matched). */
static void deliver_local(Lapic *l, int mode, int vector, bool level) {
  switch (mode) {
  case APIC_DM_FIXED:
  case APIC_DM_LOWEST: accept(l, vector, level); break;
  case APIC_DM_NMI: raise_nmi(l); break;
  case APIC_DM_INIT:
    if (l->init)
      l->init(l->init_opaque);
    break;
  case APIC_DM_EXTINT:
    l->extint = true;
    lapic_update(l);
    break;
  default: break; /* SMI, start-up: the BSP ignores start-up; no SMM */
  }
}

bool lapic_deliver(Lapic *l, uint8_t dest, bool logical, int mode, int vector, bool level) {
  if (!lapic_enabled(l) || !dest_match(l, dest, logical))
    return false;
  deliver_local(l, mode, vector, level);
  return true;
}

static void icr_send(Lapic *l) {
  uint32_t lo = l->icr_lo;
  int mode = (lo >> 8) & 7, vector = lo & 0xff;
  bool self;
  switch ((lo >> 18) & 3) {
  case 1: self = true; break;  /* self */
  case 2: self = true; break;  /* all including self */
  case 3: self = false; break; /* all excluding self: there is nobody else */
  default: self = dest_match(l, (uint8_t)(l->icr_hi >> 24), (lo >> 11) & 1); break;
  }
  if (mode == APIC_DM_INIT && !(lo & 0x4000))
    return; /* INIT level de-assert: only synchronises arbitration IDs */
  if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
    signal_error(l, ESR_SEND_ILLEGAL);
    if (self)
      signal_error(l, ESR_RECV_ILLEGAL);
    return;
  }
  if (self)
    deliver_local(l, mode, vector, false);
}

static void software_disable(Lapic *l) {
  for (int i = 0; i < LVT_COUNT; i++)
    l->lvt[i] |= LVT_MASKED;
}

uint32_t lapic_read(Lapic *l, uint32_t off) {
  if (!lapic_enabled(l))
    return 0xffffffffu;
  off &= 0xff0;
  switch (off) {
  case 0x020: return (uint32_t)l->id << 24;
  case 0x030: return LAPIC_VERSION_REG;
  case 0x080: return l->tpr;
  case 0x090: /* arbitration priority: as the processor priority (one CPU) */
  case 0x0a0: return ppr(l);
  case 0x0b0: return 0; /* EOI is write-only */
  case 0x0d0: return l->ldr;
  case 0x0e0: return l->dfr | 0x0fffffffu;
  case 0x0f0: return l->svr;
  case 0x280: return l->esr;
  case 0x300: return l->icr_lo; /* delivery status (bit 12) always idle */
  case 0x310: return l->icr_hi;
  case 0x380: return l->initial_count;
  case 0x390: return lapic_current_count(l);
  case 0x3e0: return l->dcr;
  default: break;
  }
  if (off >= 0x100 && off < 0x180)
    return l->isr[(off - 0x100) >> 4];
  if (off >= 0x180 && off < 0x200)
    return l->tmr[(off - 0x180) >> 4];
  if (off >= 0x200 && off < 0x280)
    return l->irr[(off - 0x200) >> 4];
  if (off >= 0x320 && off < 0x380)
    return l->lvt[(off - 0x320) >> 4];
  if (off == 0x0c0) /* remote read: not supported on xAPIC, reads 0 */
    return 0;
  signal_error(l, ESR_ILLEGAL_REG);
  return 0;
}

static void eoi(Lapic *l) {
  int v = highest(l->isr);
  if (v < 0)
    return;
  bit_clr(l->isr, v);
  if (bit_get(l->tmr, v) && l->eoi_broadcast)
    l->eoi_broadcast(l->eoi_opaque, v); /* level-triggered: the I/O APIC clears remote IRR */
  lapic_update(l);
}

void lapic_write(Lapic *l, uint32_t off, uint32_t v) {
  if (!lapic_enabled(l))
    return;
  off &= 0xff0;
  if (off >= 0x320 && off < 0x380) {
    int idx = (off - 0x320) >> 4;
    uint32_t old = l->lvt[idx];
    l->lvt[idx] = v & lvt_mask[idx];
    if (!sw_enabled(l))
      l->lvt[idx] |= LVT_MASKED;
    if (idx == LVT_TIMER && ((old ^ l->lvt[idx]) & LVT_TIMER_PERIODIC))
      timer_arm(l);
    if (idx == LVT_LINT1 && l->lint1 && (old & LVT_MASKED) && !(l->lvt[idx] & LVT_MASKED))
      lvt_fire(l, idx);
    lapic_update(l); /* LINT0's ExtINT path may open or close */
    return;
  }
  switch (off) {
  case 0x020: l->id = (uint8_t)(v >> 24); break;
  case 0x080:
    l->tpr = (uint8_t)v;
    lapic_update(l);
    break;
  case 0x0b0: eoi(l); break;
  case 0x0d0: l->ldr = v & 0xff000000u; break;
  case 0x0e0: l->dfr = v & 0xf0000000u; break;
  case 0x0f0:
    l->svr = v & 0x3ffu;
    if (!sw_enabled(l))
      software_disable(l);
    lapic_update(l);
    break;
  case 0x280: /* a write latches the errors seen so far */
    l->esr = l->esr_pending;
    l->esr_pending = 0;
    break;
  case 0x300:
    l->icr_lo = v & 0x000ccfffu; /* vector, mode, dest mode, level, trigger, shorthand */
    icr_send(l);
    break;
  case 0x310: l->icr_hi = v & 0xff000000u; break;
  case 0x380:
    l->initial_count = v;
    l->timer_start = clock_now(l->clock);
    l->timer_running = v != 0;
    timer_arm(l);
    break;
  case 0x3e0:
    /* A new divider applies from the count's start (guests set it first). */
    l->dcr = v & 0xbu;
    timer_arm(l);
    break;
  case 0x030: case 0x090: case 0x0a0: case 0x0c0: case 0x390: /* read-only */
    break;
  default:
    if (off >= 0x100 && off < 0x280)
      break; /* ISR/TMR/IRR: read-only */
    signal_error(l, ESR_ILLEGAL_REG);
    break;
  }
}

static uint32_t mmio_read(void *opaque, uint32_t offset, int size) {
  uint32_t v = lapic_read(opaque, offset & ~3u);
  if (size == 4)
    return v;
  return (v >> ((offset & 3) * 8)) & (size == 1 ? 0xffu : 0xffffu);
}

static void mmio_write(void *opaque, uint32_t offset, int size, uint32_t value) {
  /* The registers take aligned 32-bit writes; others are undefined on a
   * real APIC and ignored here. */
  if (size == 4 && !(offset & 3))
    lapic_write(opaque, offset, value);
}

void lapic_set_lint(Lapic *l, int pin, int level) {
  bool *line = pin ? &l->lint1 : &l->lint0;
  bool rising = level && !*line;
  *line = level != 0;
  if (!lapic_enabled(l)) {
    if (pin == 0)
      lapic_update(l);
    else if (rising)
      raise_nmi(l); /* LINT1 is the NMI pin */
    return;
  }
  uint32_t lvt = l->lvt[pin ? LVT_LINT1 : LVT_LINT0];
  if (((lvt >> 8) & 7) == APIC_DM_EXTINT) {
    lapic_update(l);
  } else if (lvt & LVT_LEVEL && ((lvt >> 8) & 7) == APIC_DM_FIXED) {
    if (level && !(lvt & LVT_MASKED))
      lvt_fire(l, pin ? LVT_LINT1 : LVT_LINT0);
  } else if (rising) {
    lvt_fire(l, pin ? LVT_LINT1 : LVT_LINT0);
  }
}

int lapic_int_ack(Lapic *l) {
  if (!lapic_enabled(l) || extint_ready(l)) {
    l->extint = false;
    int v = l->ext_ack ? l->ext_ack(l->ext_opaque) : -1; /* the 8259's INTA cycle */
    lapic_update(l);
    return v;
  }
  int v = deliverable(l);
  if (v < 0) {
    /* The request went away (TPR raised, masked) between INTR and INTA. */
    lapic_update(l);
    return l->svr & 0xff;
  }
  bit_clr(l->irr, v);
  bit_set(l->isr, v);
  lapic_update(l);
  return v;
}

static void regs_reset(Lapic *l) {
  l->tpr = 0;
  l->ldr = 0;
  l->dfr = 0xf0000000u;
  l->svr = 0xff;
  for (int i = 0; i < 8; i++)
    l->isr[i] = l->tmr[i] = l->irr[i] = 0;
  l->esr = l->esr_pending = 0;
  l->icr_lo = l->icr_hi = 0;
  for (int i = 0; i < LVT_COUNT; i++)
    l->lvt[i] = LVT_MASKED;
  l->dcr = 0;
  l->initial_count = 0;
  l->timer_start = 0;
  l->timer_running = false;
  l->extint = false;
  timer_del(l->timer);
}

/* WRMSR 1Bh: clearing the global enable loses the state (SDM 11.4.3). */
static void base_changed(void *opaque) {
  Lapic *l = opaque;
  if (!lapic_enabled(l))
    regs_reset(l);
  lapic_update(l);
}

void lapic_reset(Lapic *l) {
  regs_reset(l);
  l->id = l->cpu->apic_id;
  l->cpu->apic_base = LAPIC_BASE | APIC_BASE_ENABLE | 0x100u; /* enabled, BSP */
  lapic_update(l);
}

void lapic_init_reset(Lapic *l) {
  regs_reset(l);
  lapic_update(l);
}

static void dev_reset(void *opaque) { lapic_reset(opaque); }
static void post_load(void *opaque) {
  Lapic *l = opaque;
  timer_arm(l); /* the deadline follows from the saved start and count */
  lapic_update(l);
}

Lapic *lapic_new(Cpu *cpu, Mem *mem, Clock *clock, uint8_t id) {
  Lapic *l = calloc(1, sizeof(*l));
  if (!l)
    return NULL;
  l->cpu = cpu;
  l->clock = clock;
  l->timer = clock_timer_new(clock, timer_cb, l);
  if (l->timer)
    l->timer->lax = true; /* the local timer tick (Clock.lax) */
  if (!l->timer || (mem && mem_map_mmio(mem, LAPIC_BASE, 0x1000, mmio_read, mmio_write, l, "lapic") < 0)) {
    free(l);
    return NULL;
  }
  cpu->has_apic = true;
  cpu->apic_id = id;
  cpu->apic_base_changed = base_changed;
  cpu->apic_opaque = l;
  l->dev = (Device){.name = "lapic", .opaque = l, .reset = dev_reset, .post_load = post_load,
                    .chunk = {{.state = l, .table = lapic_table}}};
  lapic_reset(l);
  return l;
}

void lapic_free(Lapic *l) { free(l); /* the timer belongs to the clock */ }
