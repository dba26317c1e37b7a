/*
 * monitor.c — the machine monitor (see monitor.h): line input from a
 * character device, commands for registers, pause/resume, save/load, quit;
 * the token check of socket clients and the confinement of file names.
 */
#define _GNU_SOURCE /* mkdtemp, O_NOFOLLOW, O_DIRECTORY */
#include "monitor.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The token file's contents without trailing whitespace; NULL + message. */
static char *read_token(const char *path, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "token file %s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  if (st.st_mode & 077) {
    /* Like ssh with its keys: a secret others can read protects nothing. */
    snprintf(err, errlen, "token file %s: readable by other users (chmod 600 it)", path);
    close(fd);
    return NULL;
  }
  char buf[MONITOR_LINE_MAX];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n < 0) {
    snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
    return NULL;
  }
  while (n > 0 && isspace((unsigned char)buf[n - 1]))
    n--;
  buf[n] = 0;
  if (n < 8 || memchr(buf, '\n', (size_t)n) || memchr(buf, '\r', (size_t)n) || strlen(buf) != (size_t)n) {
    snprintf(err, errlen, "token file %s: want one line of at least 8 characters", path);
    return NULL;
  }
  char *t = strdup(buf);
  if (!t)
    snprintf(err, errlen, "out of memory");
  return t;
}

Monitor *monitor_new(Runner *r, const char *spec, const char *state_dir, char *err, size_t errlen) {
  Monitor *mon = calloc(1, sizeof(*mon));
  char base[512];
  if (!mon || strlen(spec) >= sizeof(base)) {
    snprintf(err, errlen, mon ? "--monitor: spec too long" : "out of memory");
    free(mon);
    return NULL;
  }
  mon->dir_fd = -1;
  mon->r = r;
  /* BACKEND[,token=FILE][,insecure] */
  snprintf(base, sizeof(base), "%s", spec);
  char *opt = strchr(base, ',');
  if (opt)
    *opt++ = 0;
  bool insecure = false;
  const char *token_file = NULL;
  while (opt && *opt) {
    char *next = strchr(opt, ',');
    if (next)
      *next++ = 0;
    if (strcmp(opt, "insecure") == 0)
      insecure = true;
    else if (strncmp(opt, "token=", 6) == 0 && opt[6])
      token_file = opt + 6;
    else {
      snprintf(err, errlen, "--monitor %s: unknown option '%s' (want token=FILE or insecure)", spec, opt);
      free(mon);
      return NULL;
    }
    opt = next;
  }
  bool tcp = strncmp(base, "tcp:", 4) == 0, unix_sock = strncmp(base, "unix:", 5) == 0;
  if ((token_file || insecure) && !tcp && !unix_sock) {
    snprintf(err, errlen, "--monitor %s: token= and insecure are for tcp:PORT and unix:PATH", spec);
    free(mon);
    return NULL;
  }
  if (tcp && !token_file && !insecure) {
    snprintf(err, errlen,
             "--monitor %s: every local user could reach it; give %s,token=FILE (clients send the file's "
             "contents first) or %s,insecure (or use unix:PATH)", spec, base, base);
    free(mon);
    return NULL;
  }
  if (token_file && !(mon->token = read_token(token_file, err, errlen))) {
    free(mon);
    return NULL;
  }
  char cerr[256];
  mon->chr = chardev_open(base, cerr, sizeof(cerr));
  if (!mon->chr) {
    snprintf(err, errlen, "--monitor %s: %s", spec, cerr);
    monitor_free(mon);
    return NULL;
  }
  if (mon->chr->kind == CHR_FILE || mon->chr->kind == CHR_NULL) {
    snprintf(err, errlen, "--monitor %s: the monitor needs input (want stdio, pty, unix:PATH or tcp:PORT,token=FILE)", spec);
    monitor_free(mon);
    return NULL;
  }
  mon->authed = mon->token == NULL;
  mon->echo = mon->chr->tty_saved; /* stdin is a terminal in raw mode: we echo */
  /* stdio is the user who started us; everyone else gets a directory. */
  if (mon->chr->kind != CHR_STDIO && monitor_confine(mon, state_dir ? state_dir : ".", err, errlen) < 0) {
    monitor_free(mon);
    return NULL;
  }
  return mon;
}

int monitor_confine(Monitor *mon, const char *dir, char *err, size_t errlen) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "--state-dir %s: %s", dir, strerror(errno));
    return -1;
  }
  if (mon->dir_fd >= 0)
    close(mon->dir_fd);
  mon->dir_fd = fd;
  snprintf(mon->dir_name, sizeof(mon->dir_name), "%s", dir);
  return 0;
}

Monitor *monitor_new_sink(Runner *r, void (*sink)(void *opaque, const char *text, size_t len), void *opaque) {
  Monitor *mon = calloc(1, sizeof(*mon));
  if (!mon)
    return NULL;
  mon->r = r;
  mon->dir_fd = -1;
  mon->authed = true;
  mon->sink = sink;
  mon->sink_opaque = opaque;
  return mon;
}

void monitor_free(Monitor *mon) {
  if (!mon)
    return;
  if (mon->chr)
    chardev_close(mon->chr);
  if (mon->dir_fd >= 0)
    close(mon->dir_fd);
  free(mon->token);
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
             "screendump [-f] FILE  save the screen as PNG (FILE.txt: the text screen)\n"
             "savevm [-f] FILE   save the machine to FILE (as --save); -f replaces a\n"
             "                   file that is not a snapshot\n"
             "loadvm FILE        load a snapshot into this machine (as --restore)\n"
             "quit               end the run\n");
  if (mon->dir_fd >= 0)
    mon_printf(mon, "File names are relative to the state directory %s (no '..', no links).\n",
               mon->dir_name);
}

/* ---------------- file names ---------------- */

static const uint8_t snap_magic[8] = {'X', '8', '6', 'V', 'M', 'S', 'S', 0};
static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Replace each `from` in the message msg (of size cap) with `to`: the
 * machine's messages name the descriptor paths we hand it. */
static void subst(char *msg, size_t cap, const char *from, const char *to) {
  char out[1024];
  size_t o = 0, fl = strlen(from), tl = strlen(to);
  if (!fl || !cap)
    return;
  for (const char *p = msg; *p && o + 1 < sizeof(out);) {
    if (strncmp(p, from, fl) == 0 && o + tl + 1 < sizeof(out)) {
      memcpy(out + o, to, tl);
      o += tl;
      p += fl;
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = 0;
  if (o >= cap)
    o = cap - 1;
  memcpy(msg, out, o);
  msg[o] = 0;
}

/* The directory holding the last component of name, opened beneath the
 * state directory without following symbolic links; *leaf points at that
 * component (in copy).  The fd, or -1 with a message. */
static int open_parent(Monitor *mon, const char *name, char *copy, size_t copylen, const char **leaf,
                       char *err, size_t errlen) {
  if (name[0] == '/') {
    snprintf(err, errlen, "%s: absolute paths are refused; give a name in the state directory %s", name,
             mon->dir_name);
    return -1;
  }
  if (strlen(name) >= copylen) {
    snprintf(err, errlen, "file name too long");
    return -1;
  }
  snprintf(copy, copylen, "%s", name);
  for (char *p = copy; p;) {
    char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      snprintf(err, errlen, "%s: '..' is refused; give a name in the state directory %s", name, mon->dir_name);
      return -1;
    }
    p = slash ? slash + 1 : NULL;
  }
  int cur = fcntl(mon->dir_fd, F_DUPFD_CLOEXEC, 0);
  char *p = copy;
  for (char *slash; cur >= 0 && (slash = strchr(p, '/'));) {
    *slash = 0;
    if (*p && strcmp(p, ".") != 0) {
      int next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0) {
        int e = errno;
        struct stat st;
        bool link = e == ELOOP || (fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode));
        snprintf(err, errlen, "%s: directory %s: %s", name, p, link ? "a symbolic link (refused)" : strerror(e));
        close(cur);
        return -1;
      }
      close(cur);
      cur = next;
    }
    p = slash + 1;
  }
  if (cur < 0) {
    snprintf(err, errlen, "%s: %s", name, strerror(errno));
    return -1;
  }
  if (!*p || strcmp(p, ".") == 0) {
    snprintf(err, errlen, "%s: want a file name", name);
    close(cur);
    return -1;
  }
  *leaf = p;
  return cur;
}

/* May cmd write at (dirfd, leaf)?  Yes if nothing is there, or a regular
 * file starting with magic (what cmd writes; NULL: nothing qualifies), or
 * anything regular with force.  Confined names never end in a symbolic link.
 * 0, or -1 with a message. */
static int check_replace(int dirfd, const char *leaf, bool confined, const uint8_t *magic, bool force,
                         const char *cmd, const char *shown, char *err, size_t errlen) {
  struct stat st;
  if (fstatat(dirfd, leaf, &st, confined ? AT_SYMLINK_NOFOLLOW : 0) < 0) {
    if (errno == ENOENT)
      return 0;
    snprintf(err, errlen, "%s: %s", shown, strerror(errno));
    return -1;
  }
  if (S_ISLNK(st.st_mode)) {
    snprintf(err, errlen, "%s is a symbolic link (refused)", shown);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s exists and is not a regular file", shown);
    return -1;
  }
  if (force)
    return 0;
  uint8_t head[8];
  int fd = openat(dirfd, leaf, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (confined ? O_NOFOLLOW : 0));
  ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
  if (fd >= 0)
    close(fd);
  if (magic && n == (ssize_t)sizeof(head) && memcmp(head, magic, sizeof(head)) == 0)
    return 0;
  snprintf(err, errlen, "%s exists and is not %s (give %s -f %s to replace it)", shown,
           magic == snap_magic ? "a snapshot" : magic ? "a PNG image" : "known to be ours", cmd, shown);
  return -1;
}

typedef int (*WriteFn)(Monitor *mon, const char *path, char *err, size_t errlen);

static int write_snapshot(Monitor *mon, const char *path, char *err, size_t errlen) {
  return machine_save(mon->r->m, path, err, errlen);
}

static int write_screendump(Monitor *mon, const char *path, char *err, size_t errlen) {
  RunnerEvent ev = {.kind = REV_SCREENSHOT};
  snprintf(ev.path, sizeof ev.path, "%s", path);
  return runner_apply(mon->r, &ev, err, errlen);
}

/* Write (dirfd, leaf) with fn: into a fresh private directory beside it,
 * then renamed into place (rename replaces the name itself and follows no
 * link).  The writers take paths, so the directory is reached through
 * /proc/self/fd. */
static int write_beneath(Monitor *mon, int dirfd, const char *leaf, WriteFn fn, const char *shown, char *err,
                         size_t errlen) {
  char dir[64], tmp[96];
  snprintf(dir, sizeof(dir), "/proc/self/fd/%d/.x86vm-XXXXXX", dirfd);
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "%s: cannot create a temporary directory beside it: %s", shown, strerror(errno));
    return -1;
  }
  snprintf(tmp, sizeof(tmp), "%s/new%s", dir, ends_with(leaf, ".txt") ? ".txt" : ".png");
  int rc = fn(mon, tmp, err, errlen);
  if (rc == 0 && renameat(AT_FDCWD, tmp, dirfd, leaf) < 0) {
    snprintf(err, errlen, "%s: %s", shown, strerror(errno));
    rc = -1;
  }
  if (rc < 0)
    unlink(tmp);
  rmdir(dir);
  subst(err, errlen, tmp, shown);
  return rc;
}

/* savevm, loadvm, screendump: [-f] FILE. */
static void file_command(Monitor *mon, const char *cmd, char *arg) {
  Machine *m = mon->r->m;
  bool force = false;
  if (arg[0] == '-' && arg[1] == 'f' && (!arg[2] || isspace((unsigned char)arg[2]))) {
    force = true;
    for (arg += 2; isspace((unsigned char)*arg);)
      arg++;
  }
  bool load = cmd[0] == 'l', shot = cmd[1] == 'c';
  if (!*arg) {
    mon_printf(mon, "%s: want a file name\n", cmd);
    return;
  }
  char err[700], copy[MONITOR_LINE_MAX];
  const char *leaf = arg;
  bool confined = mon->dir_fd >= 0;
  int dirfd = AT_FDCWD;
  if (confined && (dirfd = open_parent(mon, arg, copy, sizeof(copy), &leaf, err, sizeof(err))) < 0) {
    mon_printf(mon, "%s: %s%s\n", cmd, err, load ? " (machine unchanged)" : "");
    return;
  }
  int rc;
  if (load && confined) {
    int fd = openat(dirfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
      snprintf(err, sizeof(err), "%s: %s", arg,
               fd >= 0 ? "not a regular file" : errno == ELOOP ? "a symbolic link (refused)" : strerror(errno));
      rc = -1;
    } else {
      char path[40];
      snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
      rc = machine_restore(m, path, err, sizeof(err));
      subst(err, sizeof(err), path, arg);
    }
    if (fd >= 0)
      close(fd);
  } else if (load) {
    rc = machine_restore(m, arg, err, sizeof(err));
  } else {
    const uint8_t *magic = !shot ? snap_magic : ends_with(leaf, ".txt") ? NULL : png_magic;
    WriteFn fn = shot ? write_screendump : write_snapshot;
    rc = check_replace(dirfd, leaf, confined, magic, force, cmd, arg, err, sizeof(err));
    if (rc == 0)
      rc = confined ? write_beneath(mon, dirfd, leaf, fn, arg, err, sizeof(err)) : fn(mon, arg, err, sizeof(err));
  }
  if (confined)
    close(dirfd);
  if (rc < 0)
    mon_printf(mon, "%s: %s%s\n", cmd, err, load ? " (machine unchanged)" : "");
  else if (load)
    mon_printf(mon, "loaded %s: instruction %" PRIu64 "\n", arg, m->cpu->icount);
  else if (!shot)
    mon_printf(mon, "saved %s at instruction %" PRIu64 "\n", arg, m->cpu->icount);
}

/* change DRIVE FILE on a confined monitor: FILE must be a regular file
 * beneath the state directory, reached without links; the drive then opens
 * it by its name there. 0, or -1 with a message. */
static int confine_media(Monitor *mon, const char *file, char *path, size_t pathlen, char *err, size_t errlen) {
  char copy[MONITOR_LINE_MAX];
  const char *leaf;
  int dirfd = open_parent(mon, file, copy, sizeof(copy), &leaf, err, errlen);
  if (dirfd < 0)
    return -1;
  struct stat st;
  int rc = fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW);
  close(dirfd);
  if (rc < 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: %s", file,
             rc < 0 ? strerror(errno) : S_ISLNK(st.st_mode) ? "a symbolic link (refused)" : "not a regular file");
    return -1;
  }
  if ((size_t)snprintf(path, pathlen, "%s/%s", mon->dir_name, file) >= pathlen) {
    snprintf(err, errlen, "%s: name too long", file);
    return -1;
  }
  return 0;
}

void monitor_exec(Monitor *mon, const char *cmd) {
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
  } else if (strcmp(s, "sendkey") == 0) {
    RunnerEvent ev = {.kind = REV_KEYS};
    if (!*arg)
      mon_printf(mon, "sendkey: want keys, e.g. ctrl-alt-delete\n");
    else if (!strchr(arg, '<') && strlen(arg) > 1)
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
    else if (ev.kind == REV_CHANGE && mon->dir_fd >= 0 &&
             confine_media(mon, file, ev.path, sizeof ev.path, err, sizeof err) < 0)
      mon_printf(mon, "change: %s\n", err);
    else if (runner_apply(mon->r, &ev, err, sizeof err) < 0)
      mon_printf(mon, "%s: %s\n", s, err);
  } else if (strcmp(s, "savevm") == 0 || strcmp(s, "loadvm") == 0 || strcmp(s, "screendump") == 0) {
    file_command(mon, s, arg);
  } else if (strcmp(s, "quit") == 0 || strcmp(s, "q") == 0) {
    mon->r->quit_requested = true;
  } else {
    mon_printf(mon, "unknown command '%s' (try 'help')\n", s);
  }
}

/* A socket client's first line: the token, or we hang up.  The comparison
 * takes the same time wherever the first difference is. */
static bool check_token(Monitor *mon, const char *line, size_t len) {
  size_t tl = strlen(mon->token);
  unsigned diff = len != tl;
  for (size_t i = 0; i < tl; i++)
    diff |= (unsigned)(uint8_t)mon->token[i] ^ (uint8_t)(i < len ? line[i] : 0);
  return diff == 0;
}

void monitor_poll(Monitor *mon) {
  uint8_t buf[256];
  if (!mon->chr)
    return; /* a sink monitor gets its lines through monitor_exec */
  for (;;) {
    size_t n = chardev_read(mon->chr, buf, sizeof(buf));
    if (mon->chr->clients != mon->clients_seen) {
      /* A new socket client: nothing of the last one's line, no rights yet. */
      mon->clients_seen = mon->chr->clients;
      mon->greeted = false;
      mon->authed = mon->token == NULL;
      mon->len = 0;
      mon->overflow = false;
    }
    /* A new client (or the first chance on stdio): banner and prompt. */
    if (!mon->greeted && mon->authed && mon->chr->out_fd >= 0) {
      mon->greeted = true;
      mon_printf(mon, "x86vm monitor: type 'help' for commands\n" PROMPT);
    }
    if (n == 0)
      return;
    for (size_t i = 0; i < n; i++) {
      char ch = (char)buf[i];
      if (ch == '\r' || ch == '\n') {
        if (ch == '\n' && i > 0 && buf[i - 1] == '\r')
          continue;
        if (!mon->authed) {
          if (!mon->overflow && check_token(mon, mon->line, mon->len)) {
            mon->authed = true;
            mon->len = 0;
            mon->greeted = true;
            mon_printf(mon, "x86vm monitor: type 'help' for commands\n" PROMPT);
            continue;
          }
          fprintf(stderr, "x86vm: monitor: a client on %s sent a wrong token; connection closed\n",
                  mon->chr->path);
          chardev_drop_client(mon->chr);
          mon->len = 0;
          mon->overflow = false;
          return; /* the rest of buf was that client's */
        }
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
      } else if ((ch == 0x7f || ch == 8) && mon->authed) {
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
