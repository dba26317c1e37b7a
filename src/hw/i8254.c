/*
 * i8254.c — Intel 8254 PIT and port 61h (see i8254.h).
 * Datasheet: Intel 8254 Programmable Interval Timer (231164).
 *
 * Counters are not ticked: each one remembers the PIT clock tick at which it
 * started counting, and its value and OUT level are computed from the
 * elapsed ticks on the virtual clock.  Channel 0 arms one timer for its next
 * OUT rising edge, which is when IRQ0 gets its edge.
 */
#include "i8254.h"

#include <math.h>
#include <stdlib.h>

/* A loaded counter divides by its count: never 0 then. */
static int channel_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const PitChannel *c = saved;
  (void)live;
  if (c->loaded && c->count == 0)
    return save_reject_field(r, chunk, "count", c->count, "in a loaded counter");
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(pit_channel_table, PitChannel, PIT_CHANNEL_FIELDS, PIT_CHANNEL_VERSION,
                          channel_valid)
SAVE_TABLE_DEFINE(pit_table, Pit, PIT_FIELDS, PIT_VERSION)

#define REFRESH_NS 15085u /* port 61h bit 4 toggles every ~15 us */

static uint64_t now_tick(Pit *pit) { return clock_ns_to_ticks(clock_now(pit->clock), PIT_HZ); }

static uint64_t elapsed(Pit *pit, PitChannel *c) {
  if (c->paused)
    return c->paused_elapsed;
  uint64_t t = now_tick(pit);
  return t > c->load_tick ? t - c->load_tick : 0;
}

static uint16_t bcd_to_bin(uint16_t v) {
  return (uint16_t)((v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
                    ((v >> 12) & 0xf) * 1000);
}
static uint16_t bin_to_bcd(uint32_t v) {
  return (uint16_t)((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
                    ((v / 1000 % 10) << 12));
}

static bool out_at(PitChannel *c, uint64_t d) {
  if (!c->loaded)
    return c->mode != 0;
  if (c->waiting)
    return true;
  switch (c->mode) {
  case 0:
  case 1: return d >= c->count;
  case 2:
    if (!c->gate)
      return true;
    return c->count < 2 || (d % c->count) != c->count - 1;
  case 3:
    if (!c->gate)
      return true;
    return (d % c->count) < (c->count + 1) / 2;
  default: return d != c->count; /* 4, 5 */
  }
}

static uint32_t counter_at(PitChannel *c, uint64_t d) {
  if (!c->loaded)
    return c->raw_count;
  if (c->waiting)
    return c->count & 0xffff;
  uint32_t m = c->bcd ? 10000 : 65536;
  switch (c->mode) {
  case 2: return (uint32_t)(c->count - d % c->count) % m;
  case 3: {
    uint32_t half = (c->count + 1) / 2;
    return (uint32_t)(c->count - 2 * (d % half)) % m & ~1u;
  }
  default: return (uint32_t)((c->count + m - d % m) % m);
  }
}

/* Ticks after load_tick of the next OUT rising edge after d, or 0 for none. */
static uint64_t next_edge(PitChannel *c, uint64_t d) {
  if (!c->loaded || c->waiting || c->paused)
    return 0;
  switch (c->mode) {
  case 0:
  case 1: return d < c->count ? c->count : 0;
  case 2:
  case 3: return c->gate ? (d / c->count + 1) * c->count : 0;
  default: return d < (uint64_t)c->count + 1 ? c->count + 1 : 0;
  }
}

static void set_irq(Pit *pit, bool level) {
  pit->irq_level = level;
  irq_set(&pit->irq, level);
}

/* Re-arm the channel-0 timer after any change to counter 0. */
static void ch0_rearm(Pit *pit) {
  PitChannel *c = &pit->ch[0];
  uint64_t e = next_edge(c, elapsed(pit, c));
  if (e)
    timer_mod(pit->timer, clock_ticks_to_ns(c->load_tick + e, PIT_HZ));
  else
    timer_del(pit->timer);
}

static void ch0_timer(void *opaque) {
  Pit *pit = opaque;
  PitChannel *c = &pit->ch[0];
  if (out_at(c, elapsed(pit, c))) {
    set_irq(pit, false); /* an edge for the PIC */
    set_irq(pit, true);
  }
  ch0_rearm(pit);
}

bool pit_out(Pit *pit, int n) { return out_at(&pit->ch[n], elapsed(pit, &pit->ch[n])); }

uint32_t pit_counter(Pit *pit, int n) {
  return counter_at(&pit->ch[n], elapsed(pit, &pit->ch[n]));
}

static void speaker_changed(Pit *pit) {
  if (pit->spk_changed)
    pit->spk_changed(pit->spk_opaque);
}

static void channel_changed(Pit *pit, int n) {
  if (n == 2)
    speaker_changed(pit);
  if (n != 0)
    return;
  bool out = pit_out(pit, 0);
  if (out != pit->irq_level)
    set_irq(pit, out);
  ch0_rearm(pit);
}

void pit_set_gate(Pit *pit, int n, bool level) {
  PitChannel *c = &pit->ch[n];
  if (c->gate == level)
    return;
  uint64_t d = elapsed(pit, c);
  c->gate = level;
  if (level) {
    switch (c->mode) {
    case 1:
    case 5:
    case 2:
    case 3:
      c->load_tick = now_tick(pit);
      c->waiting = false;
      break;
    default:
      if (c->paused) {
        c->paused = false;
        c->load_tick = now_tick(pit) - c->paused_elapsed;
      }
      break;
    }
  } else if (c->mode == 0 || c->mode == 4) {
    c->paused = true;
    c->paused_elapsed = d;
  }
  channel_changed(pit, n);
}

static void load_count(Pit *pit, int n, uint16_t raw) {
  PitChannel *c = &pit->ch[n];
  c->raw_count = raw;
  uint32_t v = c->bcd ? bcd_to_bin(raw) : raw;
  if (v == 0)
    v = c->bcd ? 10000 : 65536;
  c->count = v;
  c->loaded = true;
  c->null_count = false;
  c->load_tick = now_tick(pit);
  c->waiting = (c->mode == 1 || c->mode == 5);
  c->paused = (c->mode == 0 || c->mode == 4) && !c->gate;
  c->paused_elapsed = 0;
  channel_changed(pit, n);
}

static void latch_count(Pit *pit, int n) {
  PitChannel *c = &pit->ch[n];
  if (c->count_latched)
    return;
  uint32_t v = pit_counter(pit, n);
  c->latched = c->bcd ? bin_to_bcd(v) : (uint16_t)v;
  c->count_latched = true;
  c->latched_hi_next = (c->rw_mode == 2);
}

static void latch_status(Pit *pit, int n) {
  PitChannel *c = &pit->ch[n];
  if (c->status_latched)
    return;
  c->status = (uint8_t)((pit_out(pit, n) << 7) | (c->null_count << 6) | (c->rw_mode << 4) |
                        (c->mode << 1) | c->bcd);
  c->status_latched = true;
}

static void control_word(Pit *pit, uint8_t v) {
  int sel = v >> 6;
  if (sel == 3) { /* read-back */
    for (int n = 0; n < 3; n++) {
      if (!(v & (2u << n)))
        continue;
      if (!(v & 0x20))
        latch_count(pit, n);
      if (!(v & 0x10))
        latch_status(pit, n);
    }
    return;
  }
  PitChannel *c = &pit->ch[sel];
  int rw = (v >> 4) & 3;
  if (rw == 0) {
    latch_count(pit, sel);
    return;
  }
  c->rw_mode = (uint8_t)rw;
  c->mode = (v >> 1) & 7;
  if (c->mode > 5)
    c->mode -= 4; /* 6, 7 alias 2, 3 */
  c->bcd = v & 1;
  c->loaded = false;
  c->waiting = false;
  c->paused = false;
  c->null_count = true;
  c->write_hi_next = c->read_hi_next = false;
  c->count_latched = false;
  c->status_latched = false;
  channel_changed(pit, sel);
}

static void write_counter(Pit *pit, int n, uint8_t v) {
  PitChannel *c = &pit->ch[n];
  switch (c->rw_mode) {
  case 1: load_count(pit, n, v); break;
  case 2: load_count(pit, n, (uint16_t)(v << 8)); break;
  case 3:
    if (!c->write_hi_next) {
      c->write_lsb = v;
      c->write_hi_next = true;
      if (c->mode == 0) { /* writing the LSB stops counting in mode 0 */
        c->loaded = false;
        channel_changed(pit, n);
      }
    } else {
      c->write_hi_next = false;
      load_count(pit, n, (uint16_t)(c->write_lsb | (v << 8)));
    }
    break;
  default: break; /* no control word yet */
  }
}

static uint8_t read_counter(Pit *pit, int n) {
  PitChannel *c = &pit->ch[n];
  if (c->status_latched) {
    c->status_latched = false;
    return c->status;
  }
  if (c->count_latched) {
    uint8_t b;
    if (c->rw_mode == 3 && !c->latched_hi_next) {
      b = (uint8_t)c->latched;
      c->latched_hi_next = true;
      return b;
    }
    b = c->latched_hi_next ? (uint8_t)(c->latched >> 8) : (uint8_t)c->latched;
    c->count_latched = false;
    return b;
  }
  uint32_t v = pit_counter(pit, n);
  uint16_t w = c->bcd ? bin_to_bcd(v) : (uint16_t)v;
  switch (c->rw_mode) {
  case 1: return (uint8_t)w;
  case 2: return (uint8_t)(w >> 8);
  default:
    c->read_hi_next = !c->read_hi_next;
    return c->read_hi_next ? (uint8_t)w : (uint8_t)(w >> 8);
  }
}

static uint32_t pit_io_read(void *opaque, uint16_t port, int size) {
  Pit *pit = opaque;
  if (port == 0x61) {
    uint8_t v = pit->port61 & 0x0f;
    if ((clock_now(pit->clock) / REFRESH_NS) & 1)
      v |= 0x10;
    if (pit_out(pit, 2))
      v |= 0x20;
    return v;
  }
  if (port == 0x43)
    return 0xff; /* the control word register is write-only */
  return read_counter(pit, port & 3);
}

static void pit_io_write(void *opaque, uint16_t port, int size, uint32_t v) {
  Pit *pit = opaque;
  if (port == 0x61) {
    pit->port61 = (uint8_t)(v & 0x0f);
    pit_set_gate(pit, 2, v & 1);
    speaker_changed(pit); /* bit 1, speaker data enable */
    return;
  }
  if (port == 0x43)
    control_word(pit, (uint8_t)v);
  else
    write_counter(pit, port & 3, (uint8_t)v);
}

void pit_reset(Pit *pit) {
  for (int n = 0; n < 3; n++) {
    PitChannel *c = &pit->ch[n];
    *c = (PitChannel){0};
    c->mode = 3; /* undefined at power-on; reads as a plausible idle state */
    c->rw_mode = 3;
    c->gate = n != 2; /* channels 0/1 gates are tied high; 2 via port 61h */
  }
  pit->port61 = 0;
  timer_del(pit->timer);
  set_irq(pit, pit_out(pit, 0)); /* idle counters hold OUT high */
  speaker_changed(pit);
}

void pit_wave(Pit *pit, int n, PitWave *w) {
  PitChannel *c = &pit->ch[n];
  *w = (PitWave){c->load_tick, c->count, c->mode, false, true};
  if (!c->loaded)
    w->level = c->mode != 0;
  else if (c->waiting)
    w->level = true;
  else if (c->paused)
    w->level = out_at(c, c->paused_elapsed);
  else if ((c->mode == 2 || c->mode == 3) && !c->gate)
    w->level = true;
  else
    w->varying = true;
}

/* High ticks in [0, d) after the load, from the same rules as out_at(). */
static double wave_high_since_load(const PitWave *w, double d) {
  if (d <= 0)
    return 0;
  double n = w->count;
  switch (w->mode) {
  case 0:
  case 1: return d > n ? d - n : 0;
  case 2: {
    if (w->count < 2)
      return d;
    double r = fmod(d, n);
    return d - (floor(d / n) + (r > n - 1 ? r - (n - 1) : 0));
  }
  case 3: {
    double h = (w->count + 1) / 2;
    double r = fmod(d, n);
    return floor(d / n) * h + (r < h ? r : h);
  }
  default: { /* 4, 5: low for the one tick at the count */
    double low = d - n;
    return d - (low < 0 ? 0 : low > 1 ? 1 : low);
  }
  }
}

double pit_wave_high(const PitWave *w, double t0, double t1) {
  if (t1 <= t0)
    return 0;
  if (!w->varying)
    return w->level ? t1 - t0 : 0;
  double base = (double)w->load_tick;
  return wave_high_since_load(w, t1 - base) - wave_high_since_load(w, t0 - base);
}

void pit_set_speaker_listener(Pit *pit, void (*cb)(void *opaque), void *opaque) {
  pit->spk_changed = cb;
  pit->spk_opaque = opaque;
}

static void dev_reset(void *opaque) { pit_reset(opaque); }
static void post_load(void *opaque) {
  Pit *pit = opaque;
  /* The line is not driven again: the controllers restore their own view
   * of it (the PIC's input levels), which may differ on purpose (ICW1
   * resets its edge sense while IRQ0 stays high); driving it here made
   * an edge no run had seen. */
  ch0_rearm(pit);
  speaker_changed(pit);
}

Pit *pit_new(IoBus *bus, Clock *clock, IrqLine irq0) {
  Pit *pit = calloc(1, sizeof(*pit));
  if (!pit)
    return NULL;
  pit->clock = clock;
  pit->irq = irq0;
  pit->timer = clock_timer_new(clock, ch0_timer, pit);
  if (pit->timer)
    pit->timer->lax = true; /* the system tick (Clock.lax) */
  pit->dev = (Device){.name = "pit", .opaque = pit, .reset = dev_reset, .post_load = post_load,
                      .chunk = {{.state = pit, .table = pit_table}}};
  if (!pit->timer) {
    free(pit);
    return NULL;
  }
  pit_reset(pit);
  if (bus && (iobus_register_ex(bus, 0x40, 4, pit_io_read, pit_io_write, pit, "pit", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x61, 1, pit_io_read, pit_io_write, pit, "port61", IOBUS_8BIT) < 0)) {
    free(pit);
    return NULL;
  }
  return pit;
}

void pit_free(Pit *pit) {
  if (pit)
    timer_del(pit->timer);
  free(pit);
}
