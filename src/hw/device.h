/*
 * device.h — the small interface every PC device offers the machine.
 *
 * A device is created by its own constructor (e.g. pit_new(bus, clock, irq))
 * which registers its ports on the IoBus (and MMIO on Mem) and returns an
 * instance struct.  It declares itself once, in its constructor, as a
 * Device record the machine keeps in a list:
 *
 *   pit->dev = (Device){.name = "pit", .opaque = pit, .reset = dev_reset,
 *                       .post_load = post_load,
 *                       .chunk = {{.state = pit, .table = pit_table}}};
 *
 *   - name: unique per machine ("pit", "uart0"), the default chunk name;
 *   - chunk[]: what the snapshot holds, in file order, up to the first empty
 *     entry.  A table chunk is a state struct and its SaveTable
 *     (savestate.h), under `name` or the device's name; a device with several
 *     structs (per channel, per function) lists each.  A disk chunk (`disk`:
 *     the address of a drive slot, `unit`) is the overlay of a --snapshot
 *     image, chunk "NAME.diskU", present while a disk sits in the slot.
 *     `optional`: snapshots from before the chunk existed lack it, and the
 *     device then loads as reset;
 *   - post_load: rebuilds what the fields imply and is not saved (re-arm
 *     timers, drive IRQ lines again, remap BARs), after every chunk of the
 *     device is in;
 *   - reset: back to power-on state (ports stay registered);
 *   - raw: a custom chunk the tables cannot describe (video memory): its own
 *     save, check (before any state changes; may stage the decoded data in
 *     the device) and load (applies what check staged, before post_load).
 *     Checked before the device's tables, so a size mismatch is named as
 *     such.  NULL for every device but those few.
 *
 * The machine's common code walks the records (device.c): device_save
 * writes every chunk, device_check validates them all (presence, version,
 * layout, every field's constraint and each table's invariant:
 * save_check_table) without changing state, device_apply decodes them and
 * runs the hooks — called only after every device's check passed, so a bad
 * snapshot changes nothing.  device_load is check + apply for one device.
 */
#ifndef X86VM_DEVICE_H
#define X86VM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "savestate.h"

struct Disk;

#define DEVICE_MAX_CHUNKS 6

/* One chunk of a device's snapshot (see above). */
typedef struct DeviceChunk {
  void *state;         /* table chunk: the struct saved */
  SaveTableFn table;   /* its table */
  const char *name;    /* table chunk name; NULL: the device's name */
  struct Disk **disk;  /* disk chunk: the drive slot (nothing saved while empty) */
  uint8_t unit;        /* disk chunk: U in "NAME.diskU" */
  bool optional;       /* may be absent (older snapshots): the device loads as reset */
} DeviceChunk;

/* A custom raw chunk's hooks (opaque = Device.opaque). */
typedef struct DeviceRaw {
  int (*save)(void *opaque, SaveWriter *w);   /* 0 or -1 */
  int (*check)(void *opaque, SaveReader *r);  /* 0 or -1 (message in save_error) */
  void (*load)(void *opaque, SaveReader *r);  /* after a passed check */
} DeviceRaw;

typedef struct Device {
  const char *name;                 /* unique, the default chunk name */
  void *opaque;                     /* the instance */
  void (*reset)(void *opaque);      /* may be NULL */
  void (*post_load)(void *opaque);  /* may be NULL */
  DeviceChunk chunk[DEVICE_MAX_CHUNKS]; /* up to the first with neither state nor disk */
  const DeviceRaw *raw;             /* NULL unless a custom chunk is needed */
} Device;

/* Number of chunks declared (the leading non-empty entries). */
int device_nchunks(const Device *d);
/* The snapshot name of chunk i (buf holds a disk chunk's name). */
const char *device_chunk_name(const Device *d, int i, char *buf, size_t n);
/* Append the device's chunks. 0 or -1. */
int device_save(const Device *d, SaveWriter *w);
/* Validate everything the device needs from r; changes no device state
 * (a raw check may stage data). 0 or -1 with a message in save_error(r). */
int device_check(const Device *d, SaveReader *r);
/* Apply after a passed device_check: decode, raw load, post_load. 0 or -1. */
int device_apply(const Device *d, SaveReader *r);
/* device_check, then device_apply. */
int device_load(const Device *d, SaveReader *r);

#endif
