/*
 * pcspk.h — the PC speaker as a sound source for a front end.
 *
 * On a PC/AT the speaker is driven by PIT counter 2's OUT AND port 61h
 * bit 1 (speaker data enable); bit 0 gates counter 2 (i8254.h).  This
 * module records every change of that pair with its virtual time (the
 * PIT calls it; nothing is polled) and renders the recorded level into
 * 16-bit mono samples on request: each sample is the fraction of its
 * interval the speaker was on (so a guest toggling bit 1 itself, the
 * "RealSound" PWM trick, or reloading a one-shot counter 2 per sample,
 * comes out as the waveform it encodes), through a DC-blocking filter,
 * so an idle speaker is silence whatever level it rests at.
 *
 * Time: rendering advances a cursor in virtual time by frames / rate.  A
 * front end keeps it in step with the machine by rendering
 * pcspk_frames_due() frames between CPU slices; the cursor never lags
 * more than PCSPK_MAX_LAG_NS behind the clock (older changes are played
 * as if they had been skipped).  Changes the cursor has already passed
 * take effect at once.  Memory is bounded: at most PCSPK_EVENTS changes
 * are held; beyond that the oldest are folded into the current state.
 * Not thread-safe: call it from the thread running the machine (e.g. feed
 * SDL_QueueAudio), not from an audio callback.
 */
#ifndef X86VM_PCSPK_H
#define X86VM_PCSPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "i8254.h"

#define PCSPK_EVENTS 8192                /* changes held before folding */
#define PCSPK_MAX_LAG_NS 250000000ull    /* the cursor's furthest lag behind the clock */
#define PCSPK_AMPLITUDE 8000             /* peak sample value of a full swing */

typedef struct PcSpkState {
  uint64_t ns; /* virtual time this state starts */
  PitWave w;   /* counter 2's output */
  bool on;     /* port 61h bit 1 */
} PcSpkState;

typedef struct PcSpk {
  Pit *pit;          /* source: counter 2 and port 61h */
  Clock *clock;      /* virtual clock */
  PcSpkState *ev;    /* ring of changes not yet reached by the cursor */
  size_t head, len;  /* ring position and fill */
  PcSpkState cur;    /* state in effect at the cursor */
  double cursor_ns;  /* virtual time of the next sample */
  double hp_x, hp_y; /* DC-blocking filter memory */
  uint64_t folded;   /* changes folded because the ring was full */
} PcSpk;

PcSpk *pcspk_new(Pit *pit, Clock *clock);
void pcspk_free(PcSpk *spk);
/* Samples between the cursor and the clock's now at `rate` Hz (at most
 * PCSPK_MAX_LAG_NS worth). */
size_t pcspk_frames_due(const PcSpk *spk, unsigned rate);
/* True when the speaker is off with nothing pending and its filter has
 * settled: rendering would give silence (a front end may skip it). */
bool pcspk_silent(const PcSpk *spk);
/* While pcspk_silent(): move the cursor over `frames` as pcspk_render would,
 * without making the samples (an idle guest's silence costs nothing). */
void pcspk_skip(PcSpk *spk, size_t frames, unsigned rate);
/* Render `frames` mono samples at `rate` Hz from the cursor on; returns frames. */
size_t pcspk_render(PcSpk *spk, int16_t *out, size_t frames, unsigned rate);

#endif
