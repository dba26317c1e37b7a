/*
 * monitor.h — a small human monitor for a running machine, on its own
 * character device (--monitor stdio|pty|unix:PATH|tcp:PORT,token=FILE|
 * tcp:PORT,insecure), in the spirit of QEMU's: one command per line, answers
 * on the same device after a "(x86vm) " prompt.
 *
 * Who may use it.  The monitor can write host files, so only the local user
 * may reach it: stdio (and the window's console, a sink monitor) is that
 * user; a Unix socket is created mode 0600; a TCP port (127.0.0.1, open to
 * every local user) needs a token: the client's first line must be the
 * token file's contents, else the connection is closed and logged.  Plain
 * tcp:PORT is refused; tcp:PORT,insecure says the risk was understood.
 * On every backend but stdio and the window, the file commands (savevm,
 * loadvm, screendump, change) take relative names resolved beneath the
 * state directory (--state-dir, default the current one): no absolute
 * paths, no "..", no symbolic links.  savevm and screendump never replace a
 * file that is not what they write (a snapshot by its "X86VMSS\0" magic, a
 * PNG by its signature) unless given -f.
 *
 * Commands:
 *   help                 list the commands
 *   info registers       CPU registers, segment caches, control registers,
 *                        instruction count and virtual time
 *   info status          running or paused
 *   stop, cont           pause / resume the guest (virtual time stands still)
 *   system_reset         reset; system_powerdown: switch off (ends the run)
 *   sendkey KEYS         type on the PS/2 keyboard (a combo or --send-keys text)
 *   change DRIVE FILE    insert a medium (fda, fdb, cdrom); eject DRIVE
 *   screendump [-f] FILE the screen as PNG (FILE.txt: the text screen)
 *   savevm [-f] FILE     save the whole machine, as --save FILE does
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
  void (*sink)(void *opaque, const char *text, size_t len); /* output here instead of chr */
  void *sink_opaque;
  int dir_fd;                 /* file commands confined beneath this directory; -1: paths as given */
  char dir_name[256];         /* that directory as given, for messages and `change` */
  char *token;                /* a client's first line must be this (NULL: no token) */
  bool authed;                /* the current client sent the token (or none is needed) */
  unsigned clients_seen;      /* chr->clients when we last looked: a new client starts afresh */
} Monitor;

/* spec: stdio, pty, unix:PATH, tcp:PORT,token=FILE or tcp:PORT,insecure;
 * state_dir: where the file commands of a monitor not on stdio resolve
 * names (NULL: the current directory). NULL + message on error. */
Monitor *monitor_new(struct Runner *r, const char *spec, const char *state_dir, char *err, size_t errlen);
/* Confine the file commands to names beneath dir (a sink monitor is
 * trusted until this is called). 0, or -1 with a message. */
int monitor_confine(Monitor *mon, const char *dir, char *err, size_t errlen);
/* A monitor without a device: commands come through monitor_exec(), answers
 * go to sink (the window's monitor console; trusted, as stdio is).  NULL on
 * out of memory. */
Monitor *monitor_new_sink(struct Runner *r, void (*sink)(void *opaque, const char *text, size_t len),
                          void *opaque);
void monitor_free(Monitor *mon);
/* Read what the host typed and run complete lines. */
void monitor_poll(Monitor *mon);
/* Run one command line (without its newline); output goes to the device. */
void monitor_exec(Monitor *mon, const char *cmd);
/* fd to wait on while the machine is paused, or -1. */
int monitor_wait_fd(const Monitor *mon);

#endif
