/*
 * tui.h — the debugger full-screen (--debug-tui, ncurses): panes for the
 * registers, disassembly with breakpoints, memory, the explanation of the
 * last step or the JIT's translation, the commands' output, and a command
 * line running the line mode's commands (cli.h).  Keys: docs/DEBUGGER.md.
 */
#ifndef X86VM_TUI_H
#define X86VM_TUI_H

#include "pc.h"

/* A window showing the guest screen beside the TUI (the SDL window's
 * sdl_view_show and sdl_view_closed, src/ui/frontend.h).  show is called
 * with running false after each command, with running true about every
 * 10 ms of virtual time while a command runs (it hands the window's input
 * to the guest then); closed while the TUI waits for a key.  Both return
 * true once the user closed the window, which ends the run as q does. */
typedef struct DbgScreen {
  bool (*show)(void *opaque, bool running);
  bool (*closed)(void *opaque);
  void *opaque;
} DbgScreen;

/* Run the TUI on m until q/quit (or SIGTERM).  symbols: an ELF file whose
 * symbols the disassembly shows, or NULL; screen: a window, or NULL.
 * Returns 0, or 2 with a one-line message on stderr when there is no
 * terminal or the symbols cannot be read. */
int debug_tui_run(Machine *m, const char *symbols, uint32_t reverse_mib, const DbgScreen *screen);

#endif
