/*
 * monitor.h — a small human monitor for a running machine, on its own
 * character device (--monitor stdio|tcp:PORT|pty), in the spirit of QEMU's:
 * one command per line, answers on the same device after a "(x86vm) "
 * prompt.  Commands:
 *   help                 list the commands
 *   info registers       CPU registers, segment caches, control registers,
 *                        instruction count and virtual time
 *   info status          running or paused
 *   stop, cont           pause / resume the guest (virtual time stands still)
 *   system_reset         reset; system_powerdown: switch off (ends the run)
 *   sendkey KEYS         type on the PS/2 keyboard (a combo or --send-keys text)
 *   change DRIVE FILE    insert a medium (fda, fdb, cdrom); eject DRIVE
 *   screendump FILE      the screen as PNG
 *   savevm FILE          save the whole machine, as --save FILE does
 *   loadvm FILE          load a snapshot into this machine, as --restore
 *                        does (same RAM size and drives; refused otherwise,
 *                        nothing changed)
 *   quit                 end the run (exit status 0)
 * The runner (runner.h) calls monitor_poll() between CPU slices, on the
 * emulation thread, so a command runs at an instruction boundary with no
 * device in the middle of work.
 */
#ifndef X86VM_MONITOR_H
#define X86VM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include "chardev.h"

struct Runner;

#define MONITOR_LINE_MAX 1024

typedef struct Monitor {
  struct Runner *r;           /* the runner (and machine) it controls */
  CharDev *chr;               /* its own character device */
  char line[MONITOR_LINE_MAX];/* command being typed */
  size_t len;                 /* bytes in line */
  bool overflow;              /* the current line was too long (dropped at its end) */
  bool echo;                  /* echo typed characters (stdin is a terminal) */
  bool greeted;               /* banner and first prompt written */
} Monitor;

/* spec: a chardev spec (stdio, tcp:PORT, pty). NULL + message on error. */
Monitor *monitor_new(struct Runner *r, const char *spec, char *err, size_t errlen);
void monitor_free(Monitor *mon);
/* Read what the host typed and run complete lines. */
void monitor_poll(Monitor *mon);
/* Run one command line (without its newline); output goes to the device. */
void monitor_exec(Monitor *mon, const char *cmd);
/* fd to wait on while the machine is paused, or -1. */
int monitor_wait_fd(const Monitor *mon);

#endif
