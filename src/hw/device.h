/*
 * device.h — the small interface every PC device offers the machine.
 *
 * A device is created by its own constructor (e.g. pit_new(bus, clock, irq))
 * which registers its ports on the IoBus (and MMIO on Mem) and returns an
 * instance struct.  The machine keeps a list of Device records to reset,
 * save and restore them generically:
 *   - reset: back to power-on state (ports stay registered);
 *   - save: append the device's chunk(s) to a SaveWriter;
 *   - check: verify every chunk the device needs is present and matches
 *     (version, layout, size, every field's constraint and the table's
 *     invariant: save_check_table) WITHOUT changing state;
 *   - load: apply the chunk(s) (only called after every device's check
 *     passed) and rebuild derived state (re-arm timers, IRQ levels).
 * Chunk names must be unique per machine: use Device.name ("pit", "uart0").
 */
#ifndef X86VM_DEVICE_H
#define X86VM_DEVICE_H

#include "savestate.h"

typedef struct Device {
  const char *name;                              /* unique, also the chunk name */
  void *opaque;                                  /* the instance */
  void (*reset)(void *opaque);                   /* may be NULL */
  int (*save)(void *opaque, SaveWriter *w);      /* 0 or -1; may be NULL (stateless) */
  int (*check)(void *opaque, SaveReader *r);     /* 0 or -1 (message in save_error) */
  int (*load)(void *opaque, SaveReader *r);      /* 0 or -1 */
  SaveTableFn table;                             /* table of the chunk named `name`, if any
                                                  * (tests walk every table through it) */
} Device;

#endif
