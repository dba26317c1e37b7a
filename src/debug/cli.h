/*
 * cli.h — the debugger's commands: one table of gdb-like commands that both
 * front ends share, the line mode (a script file or stdin, plain text out:
 * --debug-script FILE|-) and the full-screen TUI (tui.c, --debug-tui).
 */
#ifndef X86VM_DEBUG_CLI_H
#define X86VM_DEBUG_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "debug.h"
#include "pc.h"
#include "views.h"

typedef struct DebugCliOptions {
  const char *script;   /* file of commands, "-" for stdin */
  const char *symbols;  /* ELF file whose symbols disassembly shows, or NULL */
  FILE *out;            /* where the transcript goes (stdout) */
  uint32_t reverse_mib; /* reverse execution's checkpoint memory (0: off) */
} DebugCliOptions;

/* Run the script against m.  Returns 0 when the script ran to its end or
 * `quit`; 2 (with a one-line message on stderr) if the script or the symbol
 * file cannot be read; commands that fail print "error: ..." and the script
 * goes on, and the result is then 1. */
int debug_cli_run(Machine *m, const DebugCliOptions *o);

/* The command interpreter itself, for a front end of its own. */
typedef struct DbgCli DbgCli;
DbgCli *dbg_cli_new(Debugger *d, const DbgSymbols *syms, FILE *out);
void dbg_cli_free(DbgCli *c);
/* Record checkpoints for the reverse commands in at most mib MiB (0: off);
 * without --deterministic the reverse commands say they need it. */
void dbg_cli_reverse(DbgCli *c, uint32_t mib);
/* Where the commands' output goes from now on. */
void dbg_cli_set_out(DbgCli *c, FILE *out);
/* Run one command line (split into words in place); a failing command
 * writes "error: ..." to the output and counts as an error. */
void dbg_cli_exec(DbgCli *c, char *line);
bool dbg_cli_quit(const DbgCli *c);          /* `quit` was given */
int dbg_cli_errors(const DbgCli *c);
/* The record of the last instruction the last command stepped (step, or a
 * next over one instruction), or NULL: it ran no instruction with a record. */
const StepRecord *dbg_cli_last_step(const DbgCli *c);
/* How the last command's run of the machine ended, or NULL: it ran none. */
const DbgResult *dbg_cli_last_result(const DbgCli *c);
bool dbg_cli_att(const DbgCli *c);           /* `set syntax att` */
/* An address as the commands take it (SEG:OFF, register forms, a symbol,
 * a number) to linear. */
bool dbg_cli_parse_addr(DbgCli *c, const char *s, uint32_t *lin);

#endif
