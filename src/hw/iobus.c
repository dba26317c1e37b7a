/*
 * iobus.c — the x86 I/O port bus: port -> device dispatch, byte splitting,
 * all-ones for unclaimed ports (see iobus.h).
 */
#include "log.h"
#include "iobus.h"

#include <stdio.h>
#include <stdlib.h>

IoBus *iobus_new(void) {
  IoBus *bus = calloc(1, sizeof(*bus));
  if (bus)
    bus->log_unclaimed = true;
  return bus;
}

void iobus_free(IoBus *bus) { free(bus); }

int iobus_register_ex(IoBus *bus, uint16_t base, uint16_t count, IoRead rd, IoWrite wr,
                      void *opaque, const char *name, unsigned flags) {
  if (count == 0 || (uint32_t)base + count > 65536u) {
    fprintf(stderr, "iobus: %s: bad range %#x+%u\n", name, base, count);
    return -1;
  }
  int slot = 0;
  while (slot < bus->nranges && bus->ranges[slot].count) /* a slot iobus_unregister freed */
    slot++;
  if (slot >= IOBUS_MAX_RANGES || slot >= 255) {
    fprintf(stderr, "iobus: %s: too many port ranges\n", name);
    return -1;
  }
  for (uint32_t p = base; p < (uint32_t)base + count; p++) {
    if (bus->map[p]) {
      fprintf(stderr, "iobus: %s: port %#x already claimed by %s\n", name, p,
              bus->ranges[bus->map[p] - 1].name);
      return -1;
    }
  }
  if (slot == bus->nranges)
    bus->nranges++;
  IoRange *r = &bus->ranges[slot];
  *r = (IoRange){base, count, rd, wr, opaque, name ? name : "?", flags};
  for (uint32_t p = base; p < (uint32_t)base + count; p++)
    bus->map[p] = (uint8_t)(slot + 1);
  return 0;
}

int iobus_unregister(IoBus *bus, uint16_t base, void *opaque) {
  for (int i = 0; i < bus->nranges; i++) {
    IoRange *r = &bus->ranges[i];
    if (r->count && r->base == base && r->opaque == opaque) {
      for (uint32_t p = base; p < (uint32_t)base + r->count; p++)
        if (bus->map[p] == i + 1)
          bus->map[p] = 0;
      r->count = 0;
      return 0;
    }
  }
  return -1;
}

bool iobus_free_range(const IoBus *bus, uint16_t base, uint32_t count) {
  if (count == 0 || (uint32_t)base + count > 65536u)
    return false;
  for (uint32_t p = base; p < (uint32_t)base + count; p++)
    if (bus->map[p])
      return false;
  return true;
}

int iobus_register(IoBus *bus, uint16_t base, uint16_t count, IoRead rd, IoWrite wr, void *opaque,
                   const char *name) {
  return iobus_register_ex(bus, base, count, rd, wr, opaque, name, 0);
}

const char *iobus_owner(const IoBus *bus, uint16_t port) {
  return bus->map[port] ? bus->ranges[bus->map[port] - 1].name : NULL;
}

static void log_unclaimed(IoBus *bus, uint16_t port, const char *dir) {
  if (!bus->log_unclaimed || !log_enabled(LOG_IO) || (bus->logged[port >> 3] & (1u << (port & 7))))
    return;
  bus->logged[port >> 3] |= (uint8_t)(1u << (port & 7));
  x86_log(LOG_IO, "unclaimed port %#06x (%s)", port, dir);
}

/* The range that can take the whole access in one call, or NULL. */
static IoRange *whole_range(IoBus *bus, uint16_t port, int size) {
  int idx = bus->map[port];
  if (!idx)
    return NULL;
  IoRange *r = &bus->ranges[idx - 1];
  if (size == 1)
    return r;
  if ((r->flags & IOBUS_8BIT) || (uint32_t)port + (uint32_t)size > r->base + r->count)
    return NULL;
  return r;
}

static uint32_t size_mask(int size) { return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1; }

uint32_t iobus_read(IoBus *bus, uint16_t port, int size) {
  IoRange *r = whole_range(bus, port, size);
  if (r)
    return r->read ? r->read(r->opaque, port, size) & size_mask(size) : size_mask(size);
  if (size == 1) {
    log_unclaimed(bus, port, "read");
    return 0xff;
  }
  uint32_t v = 0;
  for (int i = 0; i < size; i++)
    v |= iobus_read(bus, (uint16_t)(port + i), 1) << (8 * i);
  return v;
}

void iobus_write(IoBus *bus, uint16_t port, int size, uint32_t value) {
  IoRange *r = whole_range(bus, port, size);
  if (r) {
    if (r->write)
      r->write(r->opaque, port, size, value & size_mask(size));
    return;
  }
  if (size == 1) {
    log_unclaimed(bus, port, "write");
    return;
  }
  for (int i = 0; i < size; i++)
    iobus_write(bus, (uint16_t)(port + i), 1, (value >> (8 * i)) & 0xff);
}

uint32_t iobus_cpu_in(void *opaque, uint16_t port, int size) {
  return iobus_read((IoBus *)opaque, port, size);
}

void iobus_cpu_out(void *opaque, uint16_t port, int size, uint32_t value) {
  iobus_write((IoBus *)opaque, port, size, value);
}
