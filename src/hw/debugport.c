/*
 * debugport.c — ports E9h (debug console), 80h (POST code) and F4h
 * (isa-debug-exit); see debugport.h.
 */
#include "debugport.h"

#include <stdlib.h>

SAVE_TABLE_DEFINE(debugport_table, DebugPort, DEBUGPORT_FIELDS, DEBUGPORT_VERSION)

static uint32_t dbg_read(void *opaque, uint16_t port, int size) {
  DebugPort *d = opaque;
  switch (port) {
  case 0xe9:
  case 0x402: return 0xe9;
  case 0x80: return d->post_code;
  default: return 0xff;
  }
}

static void dbg_write(void *opaque, uint16_t port, int size, uint32_t v) {
  DebugPort *d = opaque;
  switch (port) {
  case 0xe9:
  case 0x402:
    if (d->e9_out) {
      fputc((int)(v & 0xff), d->e9_out);
      if ((v & 0xff) == '\n')
        fflush(d->e9_out);
    }
    if (d->e9_hook)
      d->e9_hook(d->opaque, (uint8_t)v);
    break;
  case 0x80:
    d->post_code = (uint8_t)v;
    d->post_seen = true;
    break;
  case 0xf4:
    if (d->exit_request)
      d->exit_request(d->opaque, (int)(((v & 0xff) << 1) | 1));
    break;
  }
}


DebugPort *debugport_new(IoBus *bus, void (*exit_request)(void *opaque, int status), void *opaque) {
  DebugPort *d = calloc(1, sizeof(*d));
  if (!d)
    return NULL;
  d->e9_out = stderr;
  d->exit_request = exit_request;
  d->opaque = opaque;
  d->dev = (Device){.name = "debugport", .opaque = d,
                    .chunk = {{.state = d, .table = debugport_table}}};
  if (bus && (iobus_register_ex(bus, 0xe9, 1, dbg_read, dbg_write, d, "debug-e9", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x402, 1, dbg_read, dbg_write, d, "debug-402", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0x80, 1, dbg_read, dbg_write, d, "post", IOBUS_8BIT) < 0 ||
              iobus_register_ex(bus, 0xf4, 1, dbg_read, dbg_write, d, "debug-exit", IOBUS_8BIT) < 0)) {
    free(d);
    return NULL;
  }
  return d;
}

void debugport_free(DebugPort *d) { free(d); }
