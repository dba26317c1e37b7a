/*
 * options.h — the x86vm command line and machine files: one table of
 * options, read from argv and from `--config FILE` (`key = value` lines,
 * the same names without the dashes), into one Options record that main()
 * turns into a machine and a front end.
 *
 * Also accepted: QEMU's single-dash spellings of the options its users type
 * without thinking (-m, -hda, -hdb, -cdrom, -fda, -fdb, -boot, -kernel,
 * -initrd, -append, -bios, -serial, -snapshot, -nographic, -monitor), and
 * bare image arguments, classified by content: an ISO 9660 signature is a
 * CD, a standard floppy size a floppy, anything else a hard disk.
 */
#ifndef X86VM_OPTIONS_H
#define X86VM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pc.h"
#include "runner.h"

typedef enum DisplayKind { DISPLAY_AUTO, DISPLAY_NONE, DISPLAY_SDL } DisplayKind;
typedef enum EngineKind { ENGINE_INTERP, ENGINE_JIT, ENGINE_LOCKSTEP } EngineKind;

#define OPTIONS_OWNED_MAX 256

typedef struct OptScript {
  ScriptKind kind;
  const char *text; /* as given */
} OptScript;

typedef struct Options {
  MachineConfig cfg;            /* the machine */
  const char *kernel, *initrd, *append;
  const char *save, *restore, *screenshot, *monitor;
  const char *state_file;       /* the window's save/load-state file (default: next to the image) */
  bool restore_disks;           /* --restore-disks: open the snapshot's recorded image paths */
  const char *state_dir;        /* a socket/pty monitor's file names resolve beneath it (NULL: .) */
  EngineKind engine;
  unsigned jit_cache_mib;
  unsigned idle_slack_ms;        /* --idle-slack (default 10) */
  bool jit_stats, jit_perf_map;
  const char *jit_dump;
  double timeout;
  OptScript script[RUNNER_SCRIPT_MAX];
  int nscript;
  char boot[4];
  bool mem_given, cpu_given, serial_given, engine_given;
  DisplayKind display;
  bool fullscreen;
  bool no_audio;
  unsigned scale;               /* window scale at start (0: fit the screen) */
  const char *debugcon;         /* port E9h: NULL (off), "stderr", "file:PATH" */
  const char *debug_script;     /* --debug-script: run under the debugger (src/debug/cli.c), "-": stdin */
  const char *debug_symbols;    /* --debug-symbols: ELF symbols for the debugger */
  bool quiet;
  char *owned[OPTIONS_OWNED_MAX]; /* strings read from machine files */
  int nowned;
  int config_depth;
  bool debug_tui;               /* --debug-tui: the full-screen debugger (src/debug/tui.c) */
  const char *trace;            /* --trace FILE: one line per instruction (src/debug/trace.c), "-": stdout */
  uint64_t trace_limit;         /* --trace-limit: instructions to trace (0: until the machine stops) */
  const char *gdb;              /* --gdb: serve gdb's remote protocol (src/debug/gdbstub.c) */
  uint32_t reverse_mib;         /* --record-mem: the debugger's checkpoint memory (0: off) */
} Options;

/* Parse argv. Returns -1 to go on, or an exit status (0 after --help or
 * --version, 2 after a one-line error on stderr naming the argument). */
int options_parse(Options *o, int argc, char **argv);
void options_free(Options *o);
/* The --help text. */
void options_usage(FILE *f);

#endif
