/*
 * debugport.h — emulator debug ports for test guests and firmware:
 *   E9h  (Bochs "port E9 hack"): bytes written are printed to stderr;
 *        reads return E9h so a guest can detect the port; port 402h does
 *        the same (SeaBIOS's debug console on QEMU);
 *   80h  POST code: the last byte written is recorded (and read back);
 *   F4h  isa-debug-exit (as QEMU's -device isa-debug-exit,iobase=0xf4):
 *        writing v requests the emulator to exit with status (v << 1) | 1.
 */
#ifndef X86VM_DEBUGPORT_H
#define X86VM_DEBUGPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"
#include "iobus.h"

#define DEBUGPORT_FIELDS(F, A, S, FR, AR)                                                        \
  FR(uint8_t, post_code, 0, 0xff) /* last byte written to port 80h (any) */                      \
  F(bool, post_seen)        /* a POST code was written */
typedef struct DebugPort {
  SAVE_DECLARE(DEBUGPORT_FIELDS)
  FILE *e9_out;             /* where port E9h output goes (stderr; NULL: dropped) */
  void (*e9_hook)(void *opaque, uint8_t byte);        /* optional: sees E9h bytes */
  void (*exit_request)(void *opaque, int status);     /* F4h write */
  void *opaque;             /* for the hooks */
  Device dev;               /* reset/save/load record */
} DebugPort;
#define DEBUGPORT_VERSION 1
const SaveTable *debugport_table(void);

DebugPort *debugport_new(IoBus *bus, void (*exit_request)(void *opaque, int status), void *opaque);
void debugport_free(DebugPort *d);

#endif
