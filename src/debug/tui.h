/*
 * tui.h — the debugger full-screen (--debug-tui, ncurses): panes for the
 * registers, disassembly with breakpoints, memory, the explanation of the
 * last step or the JIT's translation, the commands' output, and a command
 * line running the line mode's commands (cli.h).  Keys: docs/DEBUGGER.md.
 */
#ifndef X86VM_TUI_H
#define X86VM_TUI_H

#include "pc.h"

/* Run the TUI on m until q/quit (or SIGTERM).  symbols: an ELF file whose
 * symbols the disassembly shows, or NULL.  Returns 0, or 2 with a one-line
 * message on stderr when there is no terminal or the symbols cannot be read. */
int debug_tui_run(Machine *m, const char *symbols, uint32_t reverse_mib);

#endif
