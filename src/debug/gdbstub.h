/*
 * gdbstub.h — a gdb remote-protocol stub on top of the debugger's core
 * (debug.h): `--gdb unix:PATH` or `--gdb tcp:PORT,insecure`
 * (docs/DEBUGGER.md, "gdb").
 */
#ifndef X86VM_GDBSTUB_H
#define X86VM_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>

#include "pc.h"

typedef struct GdbStub GdbStub;

/* Listen on spec: unix:PATH (a socket only its owner can open, mode 0600)
 * or tcp:PORT,insecure (127.0.0.1, any local user).  Plain tcp:PORT is
 * refused.  NULL with a one-line message. */
GdbStub *gdbstub_open(const char *spec, char *err, size_t errlen);

/* Wait for gdb before the first instruction, then serve it.  Returns
 * MSTOP_QUIT when gdb killed the machine (or SIGINT/SIGTERM ended the
 * wait), the machine's own stop when it stopped while running (gdb was
 * told the program exited), or with *detached set when gdb detached or went
 * away: the machine then runs on without the debugger. */
MachineStop gdbstub_run(GdbStub *g, Machine *m, bool *detached);
void gdbstub_close(GdbStub *g);

#endif
