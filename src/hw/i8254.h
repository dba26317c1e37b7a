/*
 * i8254.h — Intel 8254 programmable interval timer (ports 40h-43h) and the
 * PC/AT system control port B (port 61h: channel 2 gate, speaker data,
 * refresh toggle, channel 2 output).  Channel 0 drives IRQ0.
 * Datasheet: Intel 8254 Programmable Interval Timer (231164).
 */
#ifndef X86VM_I8254_H
#define X86VM_I8254_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "irq.h"

#define PIT_HZ 1193182u

/* One counter. Times are in PIT clock ticks of the virtual clock. */
#define PIT_CHANNEL_FIELDS(F, A, S, FR, AR)                                              \
  FR(uint32_t, count, 0, 65536) /* reload value in binary (1..65536; 0 before a load) */ \
  FR(uint16_t, raw_count, 0, 0xffff) /* count as written (BCD when bcd; any) */          \
  F(uint64_t, load_tick)    /* tick at which counting started */                         \
  FR(uint8_t, mode, 0, 5)   /* 0..5 */                                                   \
  FR(uint8_t, rw_mode, 1, 3) /* 1 LSB, 2 MSB, 3 LSB then MSB */                          \
  F(bool, bcd)              /* BCD counting */                                           \
  F(bool, loaded)           /* a count was written since the control word */             \
  F(bool, waiting)          /* modes 1/5: waiting for a gate trigger */                  \
  F(bool, gate)             /* GATE input level */                                       \
  F(bool, paused)           /* modes 0/4 with the gate low: counting suspended */        \
  F(uint64_t, paused_elapsed) /* ticks elapsed when paused */                            \
  F(bool, write_hi_next)    /* rw_mode 3: next write is the MSB */                       \
  F(uint8_t, write_lsb)     /* rw_mode 3: LSB written so far */                          \
  F(bool, read_hi_next)     /* rw_mode 3: next read is the MSB */                        \
  F(bool, count_latched)    /* a latched count is waiting to be read */                  \
  F(uint16_t, latched)      /* the latched count */                                      \
  F(bool, latched_hi_next)  /* rw_mode 3: next latched read is the MSB */                \
  F(bool, status_latched)   /* a read-back status byte is waiting */                     \
  F(uint8_t, status)        /* the latched status byte */                                \
  F(bool, null_count)       /* status bit 6: count written but not yet loaded */
typedef struct PitChannel {
  SAVE_DECLARE(PIT_CHANNEL_FIELDS)
} PitChannel;
#define PIT_CHANNEL_VERSION 1
const SaveTable *pit_channel_table(void);

#define PIT_FIELDS(F, A, S, FR, AR)                                                      \
  S(PitChannel, ch, 3, pit_channel_table) /* counters 0..2 */                            \
  FR(uint8_t, port61, 0, 0x0f) /* port 61h writable bits (0-3) */                        \
  F(bool, irq_level)        /* current level of IRQ0 */
typedef struct Pit {
  SAVE_DECLARE(PIT_FIELDS)
  Clock *clock;   /* virtual clock */
  Timer *timer;   /* next channel-0 output rising edge */
  IrqLine irq;    /* IRQ0 */
  Device dev;     /* reset/save/load record */
  void (*spk_changed)(void *opaque); /* channel 2 or port 61h changed (the speaker) */
  void *spk_opaque;
} Pit;
#define PIT_VERSION 1
const SaveTable *pit_table(void);

Pit *pit_new(IoBus *bus, Clock *clock, IrqLine irq0);
void pit_free(Pit *pit);
void pit_reset(Pit *pit);
/* Output level of counter n now. */
bool pit_out(Pit *pit, int n);
/* Current counter value of counter n (as a read would see it, binary). */
uint32_t pit_counter(Pit *pit, int n);
void pit_set_gate(Pit *pit, int n, bool level);

/* A counter's OUT as a function of time from now on (until its next
 * change): either a constant level or the mode's waveform counted from
 * load_tick.  The speaker records these to render channel 2. */
typedef struct PitWave {
  uint64_t load_tick; /* PIT tick counting started */
  uint32_t count;     /* reload value */
  uint8_t mode;       /* 0..5 */
  bool varying;       /* OUT follows the count (else constant `level`) */
  bool level;         /* the constant level */
} PitWave;
void pit_wave(Pit *pit, int n, PitWave *w);
/* PIT ticks within [t0, t1) (absolute, fractional ticks) with OUT high. */
double pit_wave_high(const PitWave *w, double t0, double t1);
/* Call cb(opaque) after every change to counter 2 or port 61h (NULL: none). */
void pit_set_speaker_listener(Pit *pit, void (*cb)(void *opaque), void *opaque);

#endif
