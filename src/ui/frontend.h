/*
 * frontend.h — the two front ends over a Runner (runner.h): headless (the
 * calling thread runs the machine; COM1 and the monitor on host fds) and
 * the SDL2 window (the machine on an emulation thread, the window on the
 * calling thread).  Both return why the run ended.
 */
#ifndef X86VM_FRONTEND_H
#define X86VM_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "runner.h"

MachineStop headless_run(Runner *r, const Options *o);
/* Is a window possible here (an SDL build and a display to open it on)? */
bool sdl_available(void);
/* The window. Returns MSTOP_HOST_ERROR with r->error set if it cannot open. */
MachineStop sdl_run(Runner *r, const Options *o);

#endif
