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

/* The window beside the debugger's TUI, which keeps the terminal and runs
 * the machine on the calling thread; the window has a thread of its own.
 * NULL with a message if it cannot open.  r is only used for its machine
 * and runner_apply() (its loop does not run). */
void *sdl_view_open(Runner *r, const Options *o, char *err, size_t errlen);
/* From the thread that runs the machine: show the guest screen now
 * (running false: the machine stopped), or, while a command runs (running
 * true), hand the window's keys and mouse to the guest and show a frame
 * when one is due.  true once the user closed the window: the run should end. */
bool sdl_view_show(void *view, bool running);
bool sdl_view_closed(void *view); /* the user closed it (any thread) */
void sdl_view_close(void *view); /* NULL: nothing */

#endif
