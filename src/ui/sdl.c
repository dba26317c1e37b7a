/*
 * sdl.c — the SDL2 window front end (see frontend.h).
 */
#include "frontend.h"

#ifndef X86VM_HAVE_SDL
bool sdl_available(void) { return false; }
MachineStop sdl_run(Runner *r, const Options *o) {
  (void)o;
  snprintf(r->error, sizeof r->error, "this build has no SDL2 window");
  return MSTOP_HOST_ERROR;
}
#else
bool sdl_available(void) { return false; }
MachineStop sdl_run(Runner *r, const Options *o) {
  (void)o;
  snprintf(r->error, sizeof r->error, "the window is not written yet");
  return MSTOP_HOST_ERROR;
}
#endif
