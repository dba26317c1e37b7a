/*
 * pcspk.c — the PC speaker sound source (see pcspk.h).
 */
#include "pcspk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void snapshot(PcSpk *s, PcSpkState *st) {
  st->ns = clock_now(s->clock);
  pit_wave(s->pit, 2, &st->w);
  st->on = (s->pit->port61 & 0x02) != 0;
}

static bool same_sound(const PcSpkState *a, const PcSpkState *b) {
  if (a->on != b->on || a->w.varying != b->w.varying)
    return false;
  if (!a->w.varying)
    return a->w.level == b->w.level;
  return a->w.load_tick == b->w.load_tick && a->w.count == b->w.count && a->w.mode == b->w.mode;
}

/* Apply the oldest recorded change at the cursor. */
static void pop(PcSpk *s) {
  s->cur = s->ev[s->head];
  s->head = (s->head + 1) % PCSPK_EVENTS;
  s->len--;
}

static void changed(void *opaque) {
  PcSpk *s = opaque;
  PcSpkState st;
  snapshot(s, &st);
  PcSpkState *last = s->len ? &s->ev[(s->head + s->len - 1) % PCSPK_EVENTS] : &s->cur;
  if (same_sound(last, &st))
    return;
  if (s->len && last->ns == st.ns) { /* several writes at one instant: keep the last */
    *last = st;
    return;
  }
  if (s->len == PCSPK_EVENTS) { /* full: the oldest change is played as skipped */
    pop(s);
    if (s->cursor_ns < (double)s->cur.ns)
      s->cursor_ns = (double)s->cur.ns;
    s->folded++;
  }
  s->ev[(s->head + s->len) % PCSPK_EVENTS] = st;
  s->len++;
}

PcSpk *pcspk_new(Pit *pit, Clock *clock) {
  PcSpk *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->ev = calloc(PCSPK_EVENTS, sizeof(*s->ev));
  if (!s->ev) {
    free(s);
    return NULL;
  }
  s->pit = pit;
  s->clock = clock;
  snapshot(s, &s->cur);
  s->cursor_ns = (double)s->cur.ns;
  pit_set_speaker_listener(pit, changed, s);
  return s;
}

void pcspk_free(PcSpk *s) {
  if (!s)
    return;
  if (s->pit->spk_opaque == s)
    pit_set_speaker_listener(s->pit, NULL, NULL);
  free(s->ev);
  free(s);
}

size_t pcspk_frames_due(const PcSpk *s, unsigned rate) {
  double now = (double)clock_now(s->clock);
  if (!rate || now <= s->cursor_ns)
    return 0;
  double lag = now - s->cursor_ns;
  if (lag > (double)PCSPK_MAX_LAG_NS) /* pcspk_render skips the rest */
    lag = (double)PCSPK_MAX_LAG_NS;
  return (size_t)(lag * rate / 1e9);
}

/* Nanoseconds of [a, b) during which the speaker is on in state st. */
static double on_ns(const PcSpkState *st, double a, double b) {
  if (!st->on || b <= a)
    return 0;
  if (!st->w.varying)
    return st->w.level ? b - a : 0;
  double ta = a * PIT_HZ / 1e9, tb = b * PIT_HZ / 1e9;
  return pit_wave_high(&st->w, ta, tb) / (tb - ta) * (b - a);
}

bool pcspk_silent(const PcSpk *s) {
  return !s->len && !s->cur.on && fabs(s->hp_y) * PCSPK_AMPLITUDE < 0.5;
}

/* A cursor too far behind the clock skips ahead (what it skips is lost). */
static void catch_up(PcSpk *s) {
  double now = (double)clock_now(s->clock);
  if (now - s->cursor_ns > (double)PCSPK_MAX_LAG_NS) {
    s->cursor_ns = now - (double)PCSPK_MAX_LAG_NS;
    while (s->len && (double)s->ev[s->head].ns <= s->cursor_ns)
      pop(s);
  }
}

void pcspk_skip(PcSpk *s, size_t frames, unsigned rate) {
  if (!rate || !frames || !pcspk_silent(s))
    return;
  catch_up(s);
  /* What rendering would do with the speaker off and nothing pending: the
   * input stays 0 and the DC blocker's output decays by r per frame. */
  s->cursor_ns += (double)frames * 1e9 / rate;
  s->hp_x = 0;
  s->hp_y *= pow(exp(-2 * M_PI * 20.0 / rate), (double)frames);
}

size_t pcspk_render(PcSpk *s, int16_t *out, size_t frames, unsigned rate) {
  if (!rate)
    return 0;
  catch_up(s);
  double step = 1e9 / rate;
  double r = exp(-2 * M_PI * 20.0 / rate); /* DC blocker corner: 20 Hz */
  for (size_t i = 0; i < frames; i++) {
    double t = s->cursor_ns, t1 = t + step, high = 0;
    for (;;) {
      while (s->len && (double)s->ev[s->head].ns <= t)
        pop(s);
      double end = s->len && (double)s->ev[s->head].ns < t1 ? (double)s->ev[s->head].ns : t1;
      high += on_ns(&s->cur, t, end);
      t = end;
      if (t >= t1)
        break;
    }
    double x = high / step;
    double y = x - s->hp_x + r * s->hp_y;
    s->hp_x = x;
    s->hp_y = y;
    double v = y * PCSPK_AMPLITUDE;
    out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
    s->cursor_ns = t1;
  }
  return frames;
}
