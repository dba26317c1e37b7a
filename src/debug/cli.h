/*
 * cli.h — the debugger's line-mode front end: gdb-like commands read from a
 * script file (or stdin), plain text out (--debug-script FILE|-).
 */
#ifndef X86VM_DEBUG_CLI_H
#define X86VM_DEBUG_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "pc.h"

typedef struct DebugCliOptions {
  const char *script;   /* file of commands, "-" for stdin */
  const char *symbols;  /* ELF file whose symbols disassembly shows, or NULL */
  FILE *out;            /* where the transcript goes (stdout) */
} DebugCliOptions;

/* Run the script against m.  Returns 0 when the script ran to its end or
 * `quit`; 2 (with a one-line message on stderr) if the script or the symbol
 * file cannot be read; commands that fail print "error: ..." and the script
 * goes on, and the result is then 1. */
int debug_cli_run(Machine *m, const DebugCliOptions *o);

#endif
