/*
 * device.c — saving, checking and loading a device from its declaration
 * (device.h): the one copy of what every device used to write out by hand.
 */
#include "device.h"

#include <stdio.h>

#include "disk.h"

int device_nchunks(const Device *d) {
  int n = 0;
  while (n < DEVICE_MAX_CHUNKS && (d->chunk[n].state || d->chunk[n].disk))
    n++;
  return n;
}

const char *device_chunk_name(const Device *d, int i, char *buf, size_t n) {
  const DeviceChunk *c = &d->chunk[i];
  if (c->disk) {
    snprintf(buf, n, "%s.disk%u", d->name, c->unit);
    return buf;
  }
  return c->name ? c->name : d->name;
}

int device_save(const Device *d, SaveWriter *w) {
  int n = device_nchunks(d);
  for (int i = 0; i < n; i++) {
    const DeviceChunk *c = &d->chunk[i];
    char buf[32];
    const char *name = device_chunk_name(d, i, buf, sizeof buf);
    if (c->disk) {
      if (*c->disk && disk_overlay_save(*c->disk, w, name) != 0)
        return -1;
    } else if (save_put_table(w, name, c->table(), c->state) != 0) {
      return -1;
    }
  }
  return d->raw ? d->raw->save(d->opaque, w) : 0;
}

/* What walk_chunks does with each chunk the snapshot holds: validate it
 * against the live device, or decode it into the device. */
typedef enum { CHUNKS_CHECK, CHUNKS_LOAD } ChunkPass;

/* Runs one pass over the device's chunks, skipping optional chunks the
 * snapshot predates.  Returns 0, or -1 with the reader's error set. */
static int walk_chunks(const Device *d, SaveReader *r, ChunkPass pass) {
  int n = device_nchunks(d);
  for (int i = 0; i < n; i++) {
    const DeviceChunk *c = &d->chunk[i];
    char buf[32];
    const char *name = device_chunk_name(d, i, buf, sizeof buf);
    if (c->optional && !save_has_chunk(r, name))
      continue;
    if (c->disk) {
      if (*c->disk && (pass == CHUNKS_CHECK ? disk_overlay_check(*c->disk, r, name)
                                            : disk_overlay_load(*c->disk, r, name)) != 0)
        return save_reject(r, "%s", (*c->disk)->error);
    } else if ((pass == CHUNKS_CHECK ? save_check_table(r, name, c->table(), c->state)
                                     : save_get_table(r, name, c->table(), c->state)) != 0) {
      return -1;
    }
  }
  return 0;
}

int device_check(const Device *d, SaveReader *r) {
  if (d->raw && d->raw->check(d->opaque, r) != 0)
    return -1;
  return walk_chunks(d, r, CHUNKS_CHECK);
}

int device_apply(const Device *d, SaveReader *r) {
  int n = device_nchunks(d);
  /* A chunk the snapshot predates: what the device was then is its reset state. */
  for (int i = 0; i < n; i++) {
    char buf[32];
    if (d->chunk[i].optional && d->reset && !save_has_chunk(r, device_chunk_name(d, i, buf, sizeof buf))) {
      d->reset(d->opaque);
      break;
    }
  }
  if (walk_chunks(d, r, CHUNKS_LOAD) != 0)
    return -1;
  if (d->raw)
    d->raw->load(d->opaque, r);
  if (d->post_load)
    d->post_load(d->opaque);
  return 0;
}

int device_load(const Device *d, SaveReader *r) {
  if (device_check(d, r) != 0)
    return -1;
  return device_apply(d, r);
}
