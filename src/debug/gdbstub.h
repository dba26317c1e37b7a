/*
 * gdbstub.h — a gdb remote-protocol stub on top of the debugger's core
 * (debug.h): `--gdb unix:PATH` or `--gdb tcp:PORT,insecure`
 * (docs/DEBUGGER.md, "gdb").
 */
#ifndef X86VM_GDBSTUB_H
#define X86VM_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pc.h"

typedef struct GdbStub GdbStub;

/* Listen on spec: unix:PATH (a socket only its owner can open, mode 0600)
 * or tcp:PORT,insecure (127.0.0.1, any local user).  Plain tcp:PORT is
 * refused.  NULL with a one-line message. */
GdbStub *gdbstub_open(const char *spec, char *err, size_t errlen);

/* Wait for gdb before the first instruction, then serve it; with
 * reverse_mib MiB of checkpoints (--record-mem, 0: off) and a
 * --deterministic machine, gdb can also go back (reverse-stepi,
 * reverse-continue).  Returns
 * MSTOP_QUIT when gdb killed the machine (or SIGINT/SIGTERM ended the
 * wait), the machine's own stop when it stopped while running (gdb was
 * told the program exited), or with *detached set when gdb detached or went
 * away: the machine then runs on without the debugger. */
MachineStop gdbstub_run(GdbStub *g, Machine *m, uint32_t reverse_mib, bool *detached);
void gdbstub_close(GdbStub *g);

/* For tests and the fuzzer: a stub whose client is already connected and
 * sends exactly in[0, len) (then hangs up: gdbstub_run returns as after a
 * detach); every byte the stub sends goes to sink.  in must outlive the run. */
GdbStub *gdbstub_new_buffer(const uint8_t *in, size_t len, void (*sink)(void *opaque, const char *buf, size_t len),
                            void *opaque);

#endif
