/*
 * monitor.c — the machine monitor (see monitor.h): line input from a
 * character device, commands for registers, pause/resume, save/load, quit.
 */
#include "monitor.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc.h"
#include "runner.h"

#define PROMPT "(x86vm) "

static void mon_printf(Monitor *mon, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
  if (mon->sink) {
    mon->sink(mon->sink_opaque, buf, len);
    return;
  }
  /* Terminals and sockets want CR LF. */
  char out[4096];
  size_t o = 0;
  for (size_t i = 0; i < len && o + 2 < sizeof(out); i++) {
    if (buf[i] == '\n')
      out[o++] = '\r';
    out[o++] = buf[i];
  }
  chardev_write(mon->chr, (const uint8_t *)out, o);
}

Monitor *monitor_new(Runner *r, const char *spec, char *err, size_t errlen) {
  Monitor *mon = calloc(1, sizeof(*mon));
  if (!mon) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  char cerr[256];
  mon->chr = chardev_open(spec, cerr, sizeof(cerr));
  if (!mon->chr) {
    snprintf(err, errlen, "--monitor %s: %s", spec, cerr);
    free(mon);
    return NULL;
  }
  if (mon->chr->kind == CHR_FILE || mon->chr->kind == CHR_NULL) {
    snprintf(err, errlen, "--monitor %s: the monitor needs input (want stdio, pty or tcp:PORT)", spec);
    chardev_close(mon->chr);
    free(mon);
    return NULL;
  }
  mon->echo = mon->chr->tty_saved; /* stdin is a terminal in raw mode: we echo */
  mon->r = r;
  return mon;
}

Monitor *monitor_new_sink(Runner *r, void (*sink)(void *opaque, const char *text, size_t len), void *opaque) {
  Monitor *mon = calloc(1, sizeof(*mon));
  if (!mon)
    return NULL;
  mon->r = r;
  mon->sink = sink;
  mon->sink_opaque = opaque;
  return mon;
}

void monitor_free(Monitor *mon) {
  if (!mon)
    return;
  if (mon->chr)
    chardev_close(mon->chr);
  free(mon);
}

int monitor_wait_fd(const Monitor *mon) { return mon && mon->chr ? chardev_wait_fd(mon->chr) : -1; }

static const char *mode_name(const Cpu *c) {
  if (!(c->cr[0] & 1))
    return "real";
  if (c->eflags & (1u << 17))
    return "v86";
  return (c->seg[S_CS].flags & 0x4000) ? "protected32" : "protected16";
}

static void info_registers(Monitor *mon) {
  Machine *m = mon->r->m;
  Cpu *c = m->cpu;
  uint32_t fl = cpu_get_flags(c);
  mon_printf(mon, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", c->regs[R_EAX], c->regs[R_EBX],
             c->regs[R_ECX], c->regs[R_EDX]);
  mon_printf(mon, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", c->regs[R_ESI], c->regs[R_EDI],
             c->regs[R_EBP], c->regs[R_ESP]);
  mon_printf(mon, "EIP=%08x EFL=%08x CPL=%u mode=%s halted=%d\n", c->eip, fl, c->cpl, mode_name(c),
             c->halted ? 1 : 0);
  static const char *names[S_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"};
  for (int i = 0; i < S_COUNT; i++)
    mon_printf(mon, "%-3s=%04x %08x %08x %04x\n", names[i], c->seg[i].sel, c->seg[i].base,
               c->seg[i].limit, c->seg[i].flags);
  mon_printf(mon, "GDT=     %08x %08x\n", c->gdt_base, c->gdt_limit);
  mon_printf(mon, "IDT=     %08x %08x\n", c->idt_base, c->idt_limit);
  mon_printf(mon, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c->cr[0], c->cr[2], c->cr[3], c->cr[4]);
  mon_printf(mon, "instructions=%" PRIu64 " virtual_ns=%" PRIu64 "\n", c->icount,
             clock_now(m->clock));
}

static void help(Monitor *mon) {
  mon_printf(mon,
             "help               this list\n"
             "info registers     CPU state, instruction count, virtual time\n"
             "info status        running or paused\n"
             "stop | cont        pause / resume the guest\n"
             "system_reset       reset the machine\n"
             "system_powerdown   switch the machine off (ends the run)\n"
             "sendkey KEYS       type on the keyboard: a combo (ctrl-alt-delete) or a\n"
             "                   --send-keys string (text with <f5> style keys)\n"
             "change DRIVE FILE  insert FILE in fda, fdb or cdrom\n"
             "eject DRIVE        take the medium out of fda, fdb or cdrom\n"
             "screendump FILE    save the screen as PNG\n"
             "savevm FILE        save the machine to FILE (as --save)\n"
             "loadvm FILE        load a snapshot into this machine (as --restore)\n"
             "quit               end the run\n");
}

void monitor_exec(Monitor *mon, const char *cmd) {
  Machine *m = mon->r->m;
  char buf[MONITOR_LINE_MAX];
  snprintf(buf, sizeof(buf), "%s", cmd);
  /* Trim. */
  char *s = buf;
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    s[--n] = 0;
  char *arg = s;
  while (*arg && !isspace((unsigned char)*arg))
    arg++;
  if (*arg) {
    *arg++ = 0;
    while (isspace((unsigned char)*arg))
      arg++;
  }
  char err[600];
  if (!*s) {
    /* empty line */
  } else if (strcmp(s, "help") == 0 || strcmp(s, "?") == 0) {
    help(mon);
  } else if (strcmp(s, "info") == 0 && strcmp(arg, "registers") == 0) {
    info_registers(mon);
  } else if (strcmp(s, "info") == 0 && strcmp(arg, "status") == 0) {
    mon_printf(mon, "VM status: %s\n", mon->r->paused ? "paused" : "running");
  } else if (strcmp(s, "info") == 0) {
    mon_printf(mon, "info: want 'info registers' or 'info status'\n");
  } else if (strcmp(s, "stop") == 0) {
    runner_apply(mon->r, &(RunnerEvent){.kind = REV_PAUSE, .a = 1}, err, sizeof err);
  } else if (strcmp(s, "cont") == 0 || strcmp(s, "c") == 0) {
    runner_apply(mon->r, &(RunnerEvent){.kind = REV_PAUSE, .a = 0}, err, sizeof err);
  } else if (strcmp(s, "system_reset") == 0) {
    runner_apply(mon->r, &(RunnerEvent){.kind = REV_RESET}, err, sizeof err);
  } else if (strcmp(s, "system_powerdown") == 0) {
    runner_apply(mon->r, &(RunnerEvent){.kind = REV_POWER_OFF}, err, sizeof err);
  } else if (strcmp(s, "sendkey") == 0 || strcmp(s, "screendump") == 0) {
    RunnerEvent ev = {.kind = s[1] == 'e' ? REV_KEYS : REV_SCREENSHOT};
    if (!*arg)
      mon_printf(mon, "%s: want %s\n", s, ev.kind == REV_KEYS ? "keys, e.g. ctrl-alt-delete" : "a file name");
    else if (ev.kind == REV_KEYS && !strchr(arg, '<') && strlen(arg) > 1)
      snprintf(ev.path, sizeof ev.path, "<%.1000s>", arg); /* QEMU's form: one combo */
    else
      snprintf(ev.path, sizeof ev.path, "%s", arg);
    if (*arg && runner_apply(mon->r, &ev, err, sizeof err) < 0)
      mon_printf(mon, "%s: %s\n", s, err);
  } else if (strcmp(s, "change") == 0 || strcmp(s, "eject") == 0) {
    char *file = arg;
    while (*file && !isspace((unsigned char)*file))
      file++;
    if (*file) {
      *file++ = 0;
      while (isspace((unsigned char)*file))
        file++;
    }
    int drive = strcmp(arg, "fda") == 0 || strcmp(arg, "floppy0") == 0   ? PC_FDA
                : strcmp(arg, "fdb") == 0 || strcmp(arg, "floppy1") == 0 ? PC_FDB
                : strcmp(arg, "cdrom") == 0 || strcmp(arg, "ide1-cd0") == 0 ? PC_CDROM
                                                                         : -1;
    RunnerEvent ev = {.kind = s[0] == 'c' ? REV_CHANGE : REV_EJECT, .a = drive};
    snprintf(ev.path, sizeof ev.path, "%s", file);
    if (drive < 0)
      mon_printf(mon, "%s: want a drive: fda, fdb or cdrom\n", s);
    else if (ev.kind == REV_CHANGE && !*file)
      mon_printf(mon, "change: want a file name (change %s FILE)\n", arg);
    else if (runner_apply(mon->r, &ev, err, sizeof err) < 0)
      mon_printf(mon, "%s: %s\n", s, err);
  } else if (strcmp(s, "savevm") == 0 || strcmp(s, "loadvm") == 0) {
    if (!*arg) {
      mon_printf(mon, "%s: want a file name\n", s);
    } else if (s[0] == 's') {
      if (machine_save(m, arg, err, sizeof(err)) < 0)
        mon_printf(mon, "savevm: %s\n", err);
      else
        mon_printf(mon, "saved %s at instruction %" PRIu64 "\n", arg, m->cpu->icount);
    } else {
      if (machine_restore(m, arg, err, sizeof(err)) < 0) {
        mon_printf(mon, "loadvm: %s (machine unchanged)\n", err);
      } else {
        mon_printf(mon, "loaded %s: instruction %" PRIu64 "\n", arg, m->cpu->icount);
      }
    }
  } else if (strcmp(s, "quit") == 0 || strcmp(s, "q") == 0) {
    mon->r->quit_requested = true;
  } else {
    mon_printf(mon, "unknown command '%s' (try 'help')\n", s);
  }
}

void monitor_poll(Monitor *mon) {
  uint8_t buf[256];
  if (!mon->chr)
    return; /* a sink monitor gets its lines through monitor_exec */
  for (;;) {
    size_t n = chardev_read(mon->chr, buf, sizeof(buf));
    /* A new TCP client (or the first chance on stdio): banner and prompt. */
    if (!mon->greeted && mon->chr->out_fd >= 0) {
      mon->greeted = true;
      mon_printf(mon, "x86vm monitor: type 'help' for commands\n" PROMPT);
    }
    if (mon->chr->kind == CHR_TCP && mon->chr->in_fd < 0)
      mon->greeted = false; /* client gone: greet the next one */
    if (n == 0)
      return;
    for (size_t i = 0; i < n; i++) {
      char ch = (char)buf[i];
      if (ch == '\r' || ch == '\n') {
        if (ch == '\n' && i > 0 && buf[i - 1] == '\r')
          continue;
        if (mon->echo)
          mon_printf(mon, "\n");
        mon->line[mon->len] = 0;
        if (mon->overflow)
          mon_printf(mon, "line too long (at most %d bytes)\n", MONITOR_LINE_MAX - 1);
        else
          monitor_exec(mon, mon->line);
        mon->len = 0;
        mon->overflow = false;
        if (!mon->r->quit_requested)
          mon_printf(mon, PROMPT);
      } else if (ch == 0x7f || ch == 8) {
        if (mon->len) {
          mon->len--;
          if (mon->echo)
            mon_printf(mon, "\b \b");
        }
      } else if (mon->len + 1 < MONITOR_LINE_MAX) {
        mon->line[mon->len++] = ch;
        if (mon->echo)
          chardev_write(mon->chr, (const uint8_t *)&ch, 1);
      } else {
        mon->overflow = true;
      }
    }
  }
}
