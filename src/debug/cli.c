/*
 * cli.c — the debugger's line-mode front end (see cli.h and
 * docs/DEBUGGER.md for the commands).  Every command is echoed as
 * "(dbg) command" before its output, so a transcript reads on its own.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "debug.h"
#include "explain.h"
#include "reverse.h"
#include "views.h"
#ifdef X86VM_HAVE_JIT
#include "jit.h"
#endif

typedef struct DbgCli Cli;
struct DbgCli {
  Debugger *d;
  const DbgSymbols *syms;
  FILE *out;
  bool explain;      /* explanations after each step */
  bool att;          /* AT&T syntax */
  int errors;
  bool quit;
  bool have_last;    /* last: the last instruction the last command stepped with a record */
  StepRecord last;
  bool ran;          /* result: how the last command's run of the machine ended */
  DbgResult result;
  Rev *rev;          /* reverse execution's checkpoints, or NULL (rev_why says why) */
  char rev_why[200];
};

static Debugger *volatile sig_dbg;
static volatile sig_atomic_t sig_quit;
/* SIGINT stops the running command (the script goes on); SIGTERM ends the script too. */
static void on_signal(int sig) {
  if (sig == SIGTERM)
    sig_quit = 1;
  if (sig_dbg)
    dbg_request_stop(sig_dbg);
}

/* ---------------- parsing ---------------- */

/* A number: 0x1F, 1Fh, or decimal. */
static bool parse_num(const char *s, uint32_t *v) {
  if (!s || !*s)
    return false;
  char *end;
  errno = 0;
  size_t n = strlen(s);
  unsigned long long x;
  if (n > 1 && (s[n - 1] == 'h' || s[n - 1] == 'H')) {
    char tmp[32];
    if (n >= sizeof tmp)
      return false;
    memcpy(tmp, s, n - 1);
    tmp[n - 1] = 0;
    x = strtoull(tmp, &end, 16);
    if (*end || end == tmp)
      return false;
  } else {
    x = strtoull(s, &end, 0);
    if (*end || end == s)
      return false;
  }
  if (errno || x > 0xffffffffull)
    return false;
  *v = (uint32_t)x;
  return true;
}

static bool parse_hex(const char *s, size_t n, uint32_t *v) {
  if (n == 0 || n > 10)
    return false;
  char tmp[16];
  memcpy(tmp, s, n);
  tmp[n] = 0;
  const char *p = tmp;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    p += 2;
  char *end;
  unsigned long long x = strtoull(p, &end, 16);
  if (*end || end == p || x > 0xffffffffull)
    return false;
  *v = (uint32_t)x;
  return true;
}

/* An address: SEG:OFF (hex; SEG may be cs/ds/es/ss/fs/gs), a symbol, or a number.
 * *has_seg says which; lin is the linear address (segment base + offset). */
typedef struct Addr {
  bool has_seg;
  uint16_t sel;
  uint32_t off;
  uint32_t lin;
} Addr;

static bool parse_addr(Cli *c, const char *s, Addr *a) {
  DbgRegs r;
  dbg_get_regs(c->d, &r);
  const char *colon = s ? strchr(s, ':') : NULL;
  if (!s)
    return false;
  if (colon) {
    uint32_t seg, off;
    size_t sl = (size_t)(colon - s);
    static const char *const sn[] = {"es", "cs", "ss", "ds", "fs", "gs"};
    int sreg = -1;
    for (int i = 0; i < 6; i++)
      if (sl == 2 && strncasecmp(s, sn[i], 2) == 0)
        sreg = i;
    int oreg = dbg_reg_parse(colon + 1); /* ss:esp, cs:eip, ds:si... */
    if (oreg >= 0)
      off = dbg_reg_value(&r, oreg);
    else if (!parse_hex(colon + 1, strlen(colon + 1), &off))
      return false;
    a->has_seg = true;
    a->off = off;
    if (sreg >= 0) {
      a->sel = r.seg[sreg].sel;
      a->lin = r.seg[sreg].base + off;
      return true;
    }
    if (!parse_hex(s, sl, &seg) || seg > 0xffff)
      return false;
    a->sel = (uint16_t)seg;
    /* Real mode and v86: base = selector * 16; protected mode: the descriptor's base. */
    if (!(r.mode & CPU_MODE_PE) || (r.mode & CPU_MODE_VM86)) {
      a->lin = seg * 16 + off;
    } else {
      uint32_t tbase = (seg & 4) ? r.seg[S_LDTR].base : r.gdt_base;
      uint8_t b[8];
      if (dbg_read_lin(c->d, tbase + (seg & ~7u), b, 8) != 8)
        return false;
      uint32_t base = (uint32_t)(b[2] | b[3] << 8 | b[4] << 16 | (uint32_t)b[7] << 24);
      a->lin = base + off;
    }
    return true;
  }
  uint32_t v;
  if (symbols_find(c->syms, s, &v) || parse_num(s, &v)) {
    a->has_seg = false;
    a->off = v;
    a->lin = v;
    return true;
  }
  return false;
}

__attribute__((format(printf, 2, 3))) static void cli_error(Cli *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(c->out, "error: ");
  vfprintf(c->out, fmt, ap);
  fprintf(c->out, "\n");
  va_end(ap);
  c->errors++;
}

/* "if REG OP VALUE|REG" from words w[0..n) (w[0] is "if"). */
static bool parse_cond(char **w, int n, DbgCond *cond) {
  static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
  char buf[128] = "";
  /* Accept both "eax==5" and "eax == 5": glue the words. */
  for (int i = 1; i < n; i++)
    if (strlen(buf) + strlen(w[i]) + 1 < sizeof buf)
      strcat(buf, w[i]);
  char *p = buf;
  while (*p && (isalnum((unsigned char)*p) || *p == '_'))
    p++;
  char lhs[16];
  size_t ll = (size_t)(p - buf);
  if (ll == 0 || ll >= sizeof lhs)
    return false;
  memcpy(lhs, buf, ll);
  lhs[ll] = 0;
  cond->reg = dbg_reg_parse(lhs);
  if (cond->reg < 0)
    return false;
  int op = -1;
  size_t oplen = 0;
  for (int i = 0; i < 6; i++) {
    size_t l = strlen(ops[i]);
    if (strncmp(p, ops[i], l) == 0 && l >= oplen) {
      op = i;
      oplen = l;
    }
  }
  if (op < 0)
    return false;
  cond->op = (DbgCmp)op;
  const char *rhs = p + oplen;
  int r2 = dbg_reg_parse(rhs);
  if (r2 >= 0) {
    cond->rhs_reg = true;
    cond->reg2 = r2;
  } else if (!parse_num(rhs, &cond->value)) {
    return false;
  }
  cond->on = true;
  return true;
}

/* ---------------- output ---------------- */

static void print_here(Cli *c) {
  DbgRegs r;
  dbg_get_regs(c->d, &r);
  view_disas(c->d, c->syms, r.seg[S_CS].sel, r.seg[S_CS].base, r.eip, 1, (r.mode & CPU_MODE_CS32) != 0, c->att,
             c->out);
}

static void print_step(Cli *c, const StepRecord *rec) {
  fprintf(c->out, "[%" PRIu64 "] ", rec->icount);
  view_step_line(c->d, c->syms, rec, c->att, c->out);
  if (c->explain) {
    char buf[8192];
    explain_step(c->d, rec, buf, sizeof buf);
    fputs(buf, c->out);
  }
}

static bool on_step(void *opaque, const StepRecord *rec) {
  Cli *c = opaque;
  print_step(c, rec);
  c->last = *rec;
  c->have_last = true;
  return true;
}

static const char *machine_stop_text(MachineStop s) {
  switch (s) {
  case MSTOP_GUEST_EXIT: return "the guest wrote the debug-exit port";
  case MSTOP_HALT: return "halted with interrupts off";
  case MSTOP_TRIPLE: return "triple fault";
  case MSTOP_SHUTDOWN: return "shutdown";
  case MSTOP_IDLE_FOREVER: return "halted with interrupts on and nothing left to wake it";
  case MSTOP_POWER_OFF: return "powered off";
  default: return "the machine stopped";
  }
}

static void print_result(Cli *c, const DbgResult *r) {
  switch (r->stop) {
  case DBG_STOP_BREAKPOINT:
    fprintf(c->out, "breakpoint %d hit after %" PRIu64 " instructions\n", r->bp_id, r->steps);
    break;
  case DBG_STOP_WATCH:
    if (r->watch_access) {
      fprintf(c->out, "watchpoint %d: %u byte%s %s after %" PRIu64 " instructions:", r->bp_id, r->watch_len,
              r->watch_len > 1 ? "s" : "", r->watch_access == DBG_IO_WRITE ? "written" : "read", r->steps);
      for (uint32_t i = 0; i < r->watch_len && i < 16; i++)
        fprintf(c->out, " %02X", r->watch_new[i]);
      fprintf(c->out, "\n");
      if (r->have_prev)
        fprintf(c->out, "%s by the instruction at %04X:%X\n", r->watch_access == DBG_IO_WRITE ? "written" : "read",
                r->prev_cs, r->prev_eip);
      break;
    }
    fprintf(c->out, "watchpoint %d: %u byte%s changed after %" PRIu64 " instructions:", r->bp_id, r->watch_len,
            r->watch_len > 1 ? "s" : "", r->steps);
    for (uint32_t i = 0; i < r->watch_len && i < 16; i++)
      fprintf(c->out, " %02X", r->watch_old[i]);
    fprintf(c->out, " ->");
    for (uint32_t i = 0; i < r->watch_len && i < 16; i++)
      fprintf(c->out, " %02X", r->watch_new[i]);
    fprintf(c->out, "\n");
    if (r->have_prev)
      fprintf(c->out, "written by the instruction at %04X:%X\n", r->prev_cs, r->prev_eip);
    break;
  case DBG_STOP_IO: {
    const char *what = explain_port(r->io_port);
    fprintf(c->out, "breakpoint %d: port %s %04Xh %s %X%s%s%s after %" PRIu64 " instructions\n", r->bp_id,
            r->io_out ? "OUT" : "IN", r->io_port, r->io_out ? "<-" : "->", r->io_value, what ? " (" : "",
            what ? what : "", what ? ")" : "", r->steps);
    break;
  }
  case DBG_STOP_INT: {
    DbgRegs g;
    dbg_get_regs(c->d, &g);
    fprintf(c->out, "breakpoint %d: interrupt delivered after %" PRIu64 " instructions; handler at %04X:%0*X\n",
            r->bp_id, r->steps, g.seg[S_CS].sel, (g.mode & CPU_MODE_CS32) ? 8 : 4, g.eip);
    break;
  }
  case DBG_STOP_MODE:
    fprintf(c->out, "breakpoint %d: mode change after %" PRIu64 " instructions (PE %u->%u, PG %u->%u, VM %u->%u)\n",
            r->bp_id, r->steps, !!(r->mode_old & CPU_MODE_PE), !!(r->mode_new & CPU_MODE_PE),
            !!(r->mode_old & CPU_MODE_PG), !!(r->mode_new & CPU_MODE_PG), !!(r->mode_old & CPU_MODE_VM86),
            !!(r->mode_new & CPU_MODE_VM86));
    break;
  case DBG_STOP_FINISH: fprintf(c->out, "returned after %" PRIu64 " instructions\n", r->steps); break;
  case DBG_STOP_REQUEST: fprintf(c->out, "stopped on request after %" PRIu64 " instructions\n", r->steps); break;
  case DBG_STOP_MACHINE:
    fprintf(c->out, "machine stopped after %" PRIu64 " instructions: %s\n", r->steps, machine_stop_text(r->machine_stop));
    break;
  case DBG_STOP_STEP:
  case DBG_STOP_NONE: break;
  }
}

static void info_breakpoints(Cli *c) {
  const DbgBreakpoint *b;
  if (!dbg_breakpoint(c->d, 0)) {
    fprintf(c->out, "no breakpoints\n");
    return;
  }
  for (int i = 0; (b = dbg_breakpoint(c->d, i)) != NULL; i++) {
    fprintf(c->out, "%d %s ", b->id, b->enabled ? "on " : "off");
    switch (b->kind) {
    case DBG_BP_CSEIP: fprintf(c->out, "exec %04X:%X", b->sel, b->addr); break;
    case DBG_BP_LIN: fprintf(c->out, "exec linear %08X", b->addr); break;
    case DBG_BP_PHYS: fprintf(c->out, "exec physical %08X", b->addr); break;
    case DBG_BP_IO:
      fprintf(c->out, "port %04X", b->addr);
      if (b->len > 1)
        fprintf(c->out, "-%04X", b->addr + b->len - 1);
      fprintf(c->out, " %s%s", (b->io & DBG_IO_READ) ? "r" : "", (b->io & DBG_IO_WRITE) ? "w" : "");
      if (b->io_value_on)
        fprintf(c->out, " =%X", b->io_value);
      break;
    case DBG_BP_INT: fprintf(c->out, "interrupt %02Xh", b->addr); break;
    case DBG_BP_MODE:
      fprintf(c->out, "mode change%s%s%s", (b->addr & CPU_MODE_PE) ? " pe" : "", (b->addr & CPU_MODE_PG) ? " pg" : "",
              (b->addr & CPU_MODE_VM86) ? " v86" : "");
      break;
    case DBG_BP_WATCH:
      fprintf(c->out, "%s physical %08X len %u", !b->io ? "watch" : b->io == DBG_IO_READ ? "rwatch" : "awatch", b->addr,
              b->len);
      break;
    }
    if (b->cond.on) {
      static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
      fprintf(c->out, " if %s%s", dbg_reg_name(b->cond.reg), ops[b->cond.op]);
      if (b->cond.rhs_reg)
        fprintf(c->out, "%s", dbg_reg_name(b->cond.reg2));
      else
        fprintf(c->out, "%#x", b->cond.value);
    }
    fprintf(c->out, ", hit %" PRIu64 " time%s\n", b->hits, b->hits == 1 ? "" : "s");
  }
}

/* ---------------- commands ---------------- */

#define MAX_WORDS 16

static void after_run(Cli *c, const DbgResult *r) {
  c->ran = true;
  c->result = *r;
  print_result(c, r);
  print_here(c);
}

static void cmd_break(Cli *c, char **w, int n) {
  char err[160];
  int id = -1;
  const char *cmd = w[0];
  if (n < 2) {
    cli_error(c, "%s needs an address", cmd);
    return;
  }
  int condw = -1;
  for (int i = 2; i < n; i++)
    if (strcmp(w[i], "if") == 0)
      condw = i;
  DbgCond cond = {0};
  if (condw >= 0 && !parse_cond(w + condw, n - condw, &cond)) {
    cli_error(c, "bad condition (give: if REG OP VALUE, e.g. if eax==5)");
    return;
  }
  Addr a;
  if (strcmp(cmd, "bp") == 0) {
    uint32_t pa;
    if (!parse_num(w[1], &pa)) {
      cli_error(c, "bp: bad physical address '%s'", w[1]);
      return;
    }
    id = dbg_break_phys(c->d, pa, err, sizeof err);
  } else if (w[1][0] == '*') {
    if (!parse_addr(c, w[1] + 1, &a)) {
      cli_error(c, "b: bad linear address '%s'", w[1] + 1);
      return;
    }
    id = dbg_break_lin(c->d, a.lin, err, sizeof err);
  } else {
    if (!parse_addr(c, w[1], &a)) {
      cli_error(c, "b: bad address '%s' (give SEG:OFF, an offset in CS, *LINEAR or a symbol)", w[1]);
      return;
    }
    if (a.has_seg) {
      id = dbg_break_cseip(c->d, a.sel, a.off, err, sizeof err);
    } else if (symbols_find(c->syms, w[1], &a.lin)) {
      id = dbg_break_lin(c->d, a.lin, err, sizeof err);
    } else {
      DbgRegs r;
      dbg_get_regs(c->d, &r);
      id = dbg_break_cseip(c->d, r.seg[S_CS].sel, a.off, err, sizeof err);
    }
  }
  if (id < 0) {
    cli_error(c, "%s", err);
    return;
  }
  if (cond.on)
    dbg_set_condition(c->d, id, &cond, err, sizeof err);
  fprintf(c->out, "breakpoint %d set\n", id);
}

static void cmd_bio(Cli *c, char **w, int n) {
  char err[160];
  if (n < 2) {
    cli_error(c, "bio needs a port (bio PORT[-LAST] [r|w|rw] [=VALUE])");
    return;
  }
  uint32_t lo, hi;
  char *dash = strchr(w[1], '-');
  if (dash) {
    *dash = 0;
    if (!parse_num(w[1], &lo) || !parse_num(dash + 1, &hi) || hi < lo || hi > 0xffff) {
      cli_error(c, "bio: bad port range");
      return;
    }
  } else if (!parse_num(w[1], &lo) || lo > 0xffff) {
    cli_error(c, "bio: bad port '%s'", w[1]);
    return;
  } else {
    hi = lo;
  }
  unsigned dirs = 0;
  bool with_value = false;
  uint32_t value = 0;
  for (int i = 2; i < n; i++) {
    if (strcmp(w[i], "r") == 0)
      dirs |= DBG_IO_READ;
    else if (strcmp(w[i], "w") == 0)
      dirs |= DBG_IO_WRITE;
    else if (strcmp(w[i], "rw") == 0)
      dirs |= DBG_IO_READ | DBG_IO_WRITE;
    else if (w[i][0] == '=' && parse_num(w[i] + 1, &value))
      with_value = true;
    else {
      cli_error(c, "bio: bad argument '%s'", w[i]);
      return;
    }
  }
  int id = dbg_break_io(c->d, (uint16_t)lo, hi - lo + 1, dirs, with_value, value, err, sizeof err);
  if (id < 0)
    cli_error(c, "%s", err);
  else
    fprintf(c->out, "breakpoint %d set\n", id);
}

static void info_checkpoints(Cli *c) {
  if (c->rev)
    rev_info(c->rev, c->out);
  else
    fprintf(c->out, "no checkpoints: %s\n", c->rev_why);
}

/* The machine's state as hashes (a test compares them after going back);
 * `info state parts`: one per part. */
static void info_state(Cli *c, char **w, int n) {
  Machine *m = dbg_machine(c->d);
  uint64_t st, ram;
  rev_state_hash(m, &st, &ram);
  fprintf(c->out, "instruction %" PRIu64 " state %016" PRIx64 " memory %016" PRIx64 "\n", m->cpu->icount, st, ram);
  if (n > 2 && strcmp(w[2], "parts") == 0)
    rev_state_parts(m, c->out);
}

static void cmd_info(Cli *c, char **w, int n) {
  const char *what = n > 1 ? w[1] : "";
  if (strncmp(what, "b", 1) == 0)
    info_breakpoints(c);
  else if (strncmp(what, "r", 1) == 0)
    view_regs(c->d, c->out);
  else if (strcmp(what, "state") == 0)
    info_state(c, w, n);
  else if (strncmp(what, "ch", 2) == 0)
    info_checkpoints(c);
  else if (strncmp(what, "s", 1) == 0)
    view_segments(c->d, c->out);
  else if (strcmp(what, "cr") == 0)
    view_cr(c->d, c->out);
  else if (strcmp(what, "gdt") == 0)
    view_gdt(c->d, c->out);
  else if (strcmp(what, "idt") == 0)
    view_idt(c->d, c->out);
  else if (strcmp(what, "pic") == 0)
    view_pic(c->d, c->out);
  else if (strcmp(what, "pit") == 0)
    view_pit(c->d, c->out);
  else if (strcmp(what, "debugger") == 0) {
    DbgStats st;
    dbg_get_stats(c->d, &st);
    fprintf(c->out, "debugger: %" PRIu64 " instructions stepped, %" PRIu64 " run at full speed\n", st.stepped,
            st.fast);
  } else
    cli_error(c, "info what? (breakpoints, registers, segments, cr, gdt, idt, pic, pit, debugger, checkpoints, state)");
}

/* x/NFU ADDR: N units, F = x (hex), U = b/h/w (1/2/4 bytes; also d for 4). */
static void cmd_x(Cli *c, char **w, int n) {
  uint32_t count = 1;
  int unit = 1;
  const char *fmt = w[0] + 1;
  if (*fmt == '/') {
    fmt++;
    char *end;
    unsigned long k = strtoul(fmt, &end, 10);
    if (end != fmt)
      count = (uint32_t)k;
    for (; *end; end++) {
      if (*end == 'b')
        unit = 1;
      else if (*end == 'h')
        unit = 2;
      else if (*end == 'w' || *end == 'd')
        unit = 4;
      else if (*end != 'x') {
        cli_error(c, "x: format '%c' (use x/Nxb, x/Nxh, x/Nxw)", *end);
        return;
      }
    }
  }
  Addr a;
  if (n < 2 || !parse_addr(c, w[1], &a)) {
    cli_error(c, "x needs an address (SEG:OFF or linear)");
    return;
  }
  if (count == 0 || count > 4096) {
    cli_error(c, "x: count 1-4096");
    return;
  }
  view_dump(c->d, a.lin, count, unit, c->out);
}

static void cmd_disas(Cli *c, char **w, int n) {
  DbgRegs r;
  dbg_get_regs(c->d, &r);
  uint16_t sel = r.seg[S_CS].sel;
  uint32_t base = r.seg[S_CS].base, off = r.eip;
  uint32_t count = 10;
  if (n > 1) {
    Addr a;
    if (!parse_addr(c, w[1], &a)) {
      cli_error(c, "disas: bad address '%s'", w[1]);
      return;
    }
    if (a.has_seg) {
      sel = a.sel;
      base = a.lin - a.off;
      off = a.off;
    } else {
      off = a.lin - base;
    }
  }
  if (n > 2 && (!parse_num(w[2], &count) || count == 0 || count > 1000)) {
    cli_error(c, "disas: count 1-1000");
    return;
  }
  view_disas(c->d, c->syms, sel, base, off, (int)count, (r.mode & CPU_MODE_CS32) != 0, c->att, c->out);
}

static void report_id(Cli *c, int id, const char *err) {
  if (id < 0)
    cli_error(c, "%s", err);
  else
    fprintf(c->out, "breakpoint %d set\n", id);
}

static void cmd_bint(Cli *c, char **w, int n) {
  char err[160];
  uint32_t v;
  if (n < 2 || !parse_num(w[1], &v) || v > 255) {
    cli_error(c, "bint needs a vector 0-255");
    return;
  }
  report_id(c, dbg_break_int(c->d, (uint8_t)v, err, sizeof err), err);
}

static void cmd_bmode(Cli *c, char **w, int n) {
  char err[160];
  uint32_t bits = 0;
  for (int i = 1; i < n; i++)
    bits |= strcmp(w[i], "pe") == 0 ? CPU_MODE_PE : strcmp(w[i], "pg") == 0 ? CPU_MODE_PG
                                                 : strcmp(w[i], "v86") == 0 ? CPU_MODE_VM86 : 0;
  if (n == 1)
    bits = CPU_MODE_PE | CPU_MODE_PG | CPU_MODE_VM86;
  report_id(c, dbg_break_mode(c->d, bits, err, sizeof err), err);
}

/* watch, rwatch, awatch ADDR [LEN] */
static void cmd_watch(Cli *c, char **w, int n) {
  char err[160];
  Addr a;
  uint32_t len = 1;
  if (n < 2 || !parse_addr(c, w[1], &a) || (n > 2 && !parse_num(w[2], &len))) {
    cli_error(c, "%s ADDR [LEN]", w[0]);
    return;
  }
  int id = w[0][0] == 'r'   ? dbg_watch_access(c->d, a.lin, len, DBG_IO_READ, err, sizeof err)
           : w[0][0] == 'a' ? dbg_watch_access(c->d, a.lin, len, DBG_IO_READ | DBG_IO_WRITE, err, sizeof err)
                            : dbg_watch(c->d, a.lin, len, err, sizeof err);
  if (id < 0)
    cli_error(c, "%s", err);
  else
    fprintf(c->out, "watchpoint %d set on linear %08X, %u byte%s\n", id, a.lin, len, len > 1 ? "s" : "");
}

/* delete, enable, disable N */
static void cmd_bpstate(Cli *c, char **w, int n) {
  const char *cmd = w[0];
  uint32_t id;
  if (n < 2 || !parse_num(w[1], &id)) {
    cli_error(c, "%s needs a breakpoint number", cmd);
    return;
  }
  int rc = cmd[0] == 'd' && cmd[1] != 'i' ? dbg_delete(c->d, (int)id) : dbg_enable(c->d, (int)id, cmd[0] == 'e');
  if (rc < 0)
    cli_error(c, "no breakpoint %u", id);
}

static void cmd_cond(Cli *c, char **w, int n) {
  char err[160];
  uint32_t id;
  DbgCond cond = {0};
  if (n < 3 || !parse_num(w[1], &id) || !parse_cond(w + 1, n - 1, &cond) ||
      dbg_set_condition(c->d, (int)id, &cond, err, sizeof err) < 0)
    cli_error(c, "cond N REG OP VALUE (e.g. cond 1 eax==5)");
}

static void cmd_step(Cli *c, char **w, int n) {
  uint32_t k = 1;
  if (n > 1 && (!parse_num(w[1], &k) || k == 0)) {
    cli_error(c, "step [N]");
    return;
  }
  StepRecord last;
  dbg_set_step_callback(c->d, on_step, c);
  DbgResult r = dbg_step(c->d, k, &last);
  dbg_set_step_callback(c->d, NULL, NULL);
  c->ran = true;
  c->result = r;
  if (r.stop != DBG_STOP_STEP)
    after_run(c, &r);
}

static void cmd_run(Cli *c, char **w, int n) { /* N instructions, quietly */
  uint32_t k = 1;
  if (n < 2 || !parse_num(w[1], &k) || k == 0) {
    cli_error(c, "run N");
    return;
  }
  StepRecord last;
  DbgResult r = dbg_run(c->d, k, &last);
  after_run(c, &r);
}

static void cmd_next(Cli *c, char **w, int n) {
  (void)w, (void)n;
  StepRecord last;
  DbgResult r = dbg_next(c->d, &last);
  if (r.steps <= 1 && r.stop == DBG_STOP_STEP && !r.stepped_over) {
    c->ran = true;
    c->result = r;
    c->last = last;
    c->have_last = true;
    print_step(c, &last);
  } else {
    if (r.stop == DBG_STOP_STEP)
      fprintf(c->out, "stepped over %" PRIu64 " instructions\n", r.steps);
    after_run(c, &r);
  }
}

static void cmd_finish(Cli *c, char **w, int n) {
  (void)w, (void)n;
  StepRecord last;
  DbgResult r = dbg_finish(c->d, &last);
  after_run(c, &r);
}

static void cmd_continue(Cli *c, char **w, int n) {
  (void)w, (void)n;
  StepRecord last;
  DbgResult r = dbg_continue(c->d, &last);
  after_run(c, &r);
}

static void cmd_until(Cli *c, char **w, int n) {
  Addr a;
  if (n < 2 || !parse_addr(c, w[1], &a)) {
    cli_error(c, "until ADDR");
    return;
  }
  if (!a.has_seg) {
    DbgRegs g;
    dbg_get_regs(c->d, &g);
    if (!symbols_find(c->syms, w[1], &a.lin))
      a.lin = g.seg[S_CS].base + a.off;
  }
  StepRecord last;
  DbgResult r = dbg_until_lin(c->d, a.lin, &last);
  after_run(c, &r);
}

/* ---------------- reverse execution (reverse.c) ---------------- */

static bool rev_ready(Cli *c, const char *cmd) {
  if (!c->rev)
    cli_error(c, "%s: %s", cmd, c->rev_why);
  return c->rev != NULL;
}

/* After going back: where we are, as after a step. */
static void after_reverse(Cli *c, uint64_t from) {
  uint64_t now = dbg_machine(c->d)->cpu->icount;
  fprintf(c->out, "back %" PRIu64 " instruction%s, at instruction %" PRIu64 "\n", from - now, from - now == 1 ? "" : "s",
          now);
  print_here(c);
}

static void cmd_rstep(Cli *c, char **w, int n) {
  uint32_t k = 1;
  char err[200];
  if (n > 1 && (!parse_num(w[1], &k) || k == 0)) {
    cli_error(c, "reverse-step [N]");
    return;
  }
  if (!rev_ready(c, w[0]))
    return;
  uint64_t from = dbg_machine(c->d)->cpu->icount;
  if (rev_step(c->rev, k, err, sizeof err) < 0)
    cli_error(c, "%s: %s", w[0], err);
  else
    after_reverse(c, from);
}

static void cmd_rnext(Cli *c, char **w, int n) {
  (void)n;
  char err[200];
  if (!rev_ready(c, w[0]))
    return;
  uint64_t from = dbg_machine(c->d)->cpu->icount;
  if (rev_next(c->rev, err, sizeof err) < 0)
    cli_error(c, "%s: %s", w[0], err);
  else
    after_reverse(c, from);
}

static void cmd_rfinish(Cli *c, char **w, int n) {
  (void)n;
  char err[200];
  if (!rev_ready(c, w[0]))
    return;
  uint64_t from = dbg_machine(c->d)->cpu->icount;
  if (rev_finish(c->rev, err, sizeof err) < 0)
    cli_error(c, "%s: %s", w[0], err);
  else
    after_reverse(c, from);
}

static void cmd_rcontinue(Cli *c, char **w, int n) {
  (void)n;
  char err[200];
  if (!rev_ready(c, w[0]))
    return;
  uint64_t from = dbg_machine(c->d)->cpu->icount;
  DbgResult r;
  int rc = rev_continue(c->rev, &r, err, sizeof err);
  if (rc < 0) {
    cli_error(c, "%s: %s", w[0], err);
    return;
  }
  if (rc == 0)
    fprintf(c->out, "no breakpoint hit in the history: at its beginning\n");
  else if (rc == 2)
    fprintf(c->out, "interrupted: no breakpoint hit from here to where the search began\n");
  uint64_t now = dbg_machine(c->d)->cpu->icount;
  fprintf(c->out, "back %" PRIu64 " instruction%s, at instruction %" PRIu64 "\n", from - now, from - now == 1 ? "" : "s",
          now);
  if (rc == 1) {
    c->ran = true;
    c->result = r;
    print_result(c, &r);
  }
  print_here(c);
}

static void cmd_goto(Cli *c, char **w, int n) {
  char err[200], *end;
  if (n < 2 || !w[1][0]) {
    cli_error(c, "goto ICOUNT");
    return;
  }
  errno = 0;
  unsigned long long k = strtoull(w[1], &end, 0);
  if (*end || errno || w[1][0] == '-') {
    cli_error(c, "goto: bad instruction count '%s'", w[1]);
    return;
  }
  if (!rev_ready(c, w[0]))
    return;
  if (rev_goto(c->rev, k, err, sizeof err) < 0) {
    cli_error(c, "goto: %s", err);
    return;
  }
  fprintf(c->out, "at instruction %llu\n", k);
  print_here(c);
}

static void cmd_explain(Cli *c, char **w, int n) {
  if (n > 1)
    c->explain = strcmp(w[1], "on") == 0;
  else
    c->explain = !c->explain;
  fprintf(c->out, "explanations %s\n", c->explain ? "on" : "off");
}

static void cmd_set(Cli *c, char **w, int n) {
  uint32_t k;
  if (n == 3 && strcmp(w[1], "syntax") == 0)
    c->att = strcmp(w[2], "att") == 0;
  else if (n == 3 && strcmp(w[1], "checkpoint-interval") == 0 && parse_num(w[2], &k) && k > 0 && c->rev)
    rev_set_interval(c->rev, k);
  else if (n == 3 && strcmp(w[1], "checkpoint-interval") == 0)
    cli_error(c, c->rev ? "set checkpoint-interval N (instructions, > 0)" : "set checkpoint-interval: %s", c->rev_why);
  else
    cli_error(c, "set syntax intel|att, set checkpoint-interval N");
}

static void cmd_page(Cli *c, char **w, int n) {
  Addr a;
  if (n < 2 || !parse_addr(c, w[1], &a)) {
    cli_error(c, "page ADDR (linear or SEG:OFF)");
    return;
  }
  view_page(c->d, a.lin, c->out);
}

static void cmd_echo(Cli *c, char **w, int n) {
  for (int i = 1; i < n; i++)
    fprintf(c->out, "%s%s", i > 1 ? " " : "", w[i]);
  fprintf(c->out, "\n");
}

static void cmd_quit(Cli *c, char **w, int n) {
  (void)w, (void)n;
  c->quit = true;
}

static void cmd_jit(Cli *c, char **w, int n) {
  (void)w, (void)n;
#ifdef X86VM_HAVE_JIT
  (void)jit_show_current(dbg_machine(c->d)->cpu, c->out); /* "no translation" is an answer, not an error */
#else
  fprintf(c->out, "no translation: this build has no JIT\n");
#endif
}

static void cmd_help(Cli *c, char **w, int n);

/* The one command table of both front ends (line mode here, the TUI in tui.c). */
typedef struct CliCmd {
  const char *names; /* the name, then its aliases, space-separated */
  void (*fn)(Cli *c, char **w, int n);
  const char *usage;
} CliCmd;

static const CliCmd commands[] = {
    {"break b bp", cmd_break, "b SEG:OFF|OFF|*LINEAR|SYMBOL [if COND], bp PHYS: execution breakpoint"},
    {"bio", cmd_bio, "bio PORT[-LAST] [r|w|rw] [=VALUE]: stop on port I/O"},
    {"bint", cmd_bint, "bint VECTOR: stop when an interrupt or exception is delivered"},
    {"bmode", cmd_bmode, "bmode [pe] [pg] [v86]: stop on a mode change"},
    {"watch", cmd_watch, "watch ADDR [LEN]: stop when the bytes change"},
    {"rwatch", cmd_watch, "rwatch ADDR [LEN]: stop after an instruction reads the bytes"},
    {"awatch", cmd_watch, "awatch ADDR [LEN]: stop after an instruction reads or writes the bytes"},
    {"delete d", cmd_bpstate, "delete N: remove breakpoint N"},
    {"enable", cmd_bpstate, "enable N"},
    {"disable", cmd_bpstate, "disable N"},
    {"cond", cmd_cond, "cond N REG OP VALUE|REG: a condition on breakpoint N"},
    {"info i", cmd_info, "info breakpoints|registers|segments|cr|gdt|idt|pic|pit|debugger|checkpoints|state"},
    {"x", cmd_x, "x/NFU ADDR: dump memory (U = b, h or w)"},
    {"step s si stepi", cmd_step, "step [N]: N instructions, each shown"},
    {"run", cmd_run, "run N: N instructions, quietly"},
    {"next n ni", cmd_next, "next: one instruction, over CALL/INT/REP/LOOP"},
    {"finish", cmd_finish, "finish: until the current frame returns"},
    {"continue c", cmd_continue, "continue: until a breakpoint"},
    {"until u", cmd_until, "until ADDR: run to an address"},
    {"reverse-step rs", cmd_rstep, "reverse-step [N]: back N instructions (--deterministic)"},
    {"reverse-next rn", cmd_rnext, "reverse-next: back one instruction, over a call that returned"},
    {"reverse-finish rfinish", cmd_rfinish, "reverse-finish: back to the CALL that entered this function"},
    {"reverse-continue rc", cmd_rcontinue, "reverse-continue: back to the last breakpoint or watchpoint stop"},
    {"goto", cmd_goto, "goto ICOUNT: to the state after ICOUNT instructions (back or forward)"},
    {"disassemble disas", cmd_disas, "disas [ADDR] [N]: disassemble"},
    {"explain", cmd_explain, "explain [on|off]: explanations after each step"},
    {"set", cmd_set, "set syntax intel|att, set checkpoint-interval N"},
    {"page", cmd_page, "page ADDR: the page walk of an address"},
    {"jit", cmd_jit, "jit: the JIT's translation of the block at CS:EIP (guest beside host code)"},
    {"echo", cmd_echo, "echo TEXT"},
    {"help h", cmd_help, "help: this list"},
    {"quit q", cmd_quit, "quit"},
};

static void cmd_help(Cli *c, char **w, int n) {
  (void)w, (void)n;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(c->out, "  %s\n", commands[i].usage);
}

static const CliCmd *find_cmd(const char *word) {
  /* x/NFU carries its format in the command word */
  if (word[0] == 'x' && word[1] == '/')
    word = "x";
  size_t wl = strlen(word);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    for (const char *p = commands[i].names; *p;) {
      size_t l = strcspn(p, " ");
      if (l == wl && strncmp(p, word, l) == 0)
        return &commands[i];
      p += l;
      while (*p == ' ')
        p++;
    }
  return NULL;
}

/* ---------------- the interface both front ends use ---------------- */

DbgCli *dbg_cli_new(Debugger *d, const DbgSymbols *syms, FILE *out) {
  Cli *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->d = d;
  c->syms = syms;
  c->out = out;
  snprintf(c->rev_why, sizeof c->rev_why, "reverse execution is off");
  return c;
}

void dbg_cli_free(DbgCli *c) {
  if (c)
    rev_free(c->rev);
  free(c);
}

void dbg_cli_reverse(DbgCli *c, uint32_t mib) {
  rev_free(c->rev);
  c->rev = NULL;
  if (mib == 0)
    snprintf(c->rev_why, sizeof c->rev_why, "reverse execution is off (--record-mem 0)");
  else
    c->rev = rev_new(c->d, mib, c->rev_why, sizeof c->rev_why);
}

void dbg_cli_set_out(DbgCli *c, FILE *out) { c->out = out; }

void dbg_cli_exec(DbgCli *c, char *line) {
  char *w[MAX_WORDS];
  int n = 0;
  for (char *p = strtok(line, " \t"); p && n < MAX_WORDS; p = strtok(NULL, " \t"))
    w[n++] = p;
  if (n == 0)
    return;
  c->have_last = false;
  c->ran = false;
  const CliCmd *cmd = find_cmd(w[0]);
  if (cmd)
    cmd->fn(c, w, n);
  else
    cli_error(c, "unknown command '%s' (help lists them)", w[0]);
}

bool dbg_cli_quit(const DbgCli *c) { return c->quit; }

int dbg_cli_errors(const DbgCli *c) { return c->errors; }

const StepRecord *dbg_cli_last_step(const DbgCli *c) { return c->have_last ? &c->last : NULL; }

const DbgResult *dbg_cli_last_result(const DbgCli *c) { return c->ran ? &c->result : NULL; }

bool dbg_cli_explain_on(const DbgCli *c) { return c->explain; }

bool dbg_cli_att(const DbgCli *c) { return c->att; }

bool dbg_cli_parse_addr(DbgCli *c, const char *s, uint32_t *lin) {
  Addr a;
  if (!parse_addr(c, s, &a))
    return false;
  *lin = a.lin;
  return true;
}

int debug_cli_run(Machine *m, const DebugCliOptions *o) {
  FILE *in = strcmp(o->script, "-") == 0 ? stdin : fopen(o->script, "r");
  if (!in) {
    fprintf(stderr, "x86vm: --debug-script %s: %s\n", o->script, strerror(errno));
    return 2;
  }
  char err[256];
  DbgSymbols *syms = NULL;
  if (o->symbols && !(syms = symbols_load(o->symbols, err, sizeof err))) {
    fprintf(stderr, "x86vm: %s\n", err);
    if (in != stdin)
      fclose(in);
    return 2;
  }
  Debugger *d = dbg_attach(m);
  Cli *cli = d ? dbg_cli_new(d, syms, o->out ? o->out : stdout) : NULL;
  if (cli)
    dbg_cli_reverse(cli, o->reverse_mib);
  if (!cli) {
    fprintf(stderr, "x86vm: out of memory\n");
    if (d)
      dbg_detach(d);
    symbols_free(syms);
    if (in != stdin)
      fclose(in);
    return 2;
  }
  sig_dbg = d;
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sig_quit = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  char line[1024];
  while (!cli->quit && !sig_quit && fgets(line, sizeof line, in)) {
    size_t l = strlen(line);
    while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' '))
      line[--l] = 0;
    char *p = line;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == 0 || *p == '#')
      continue;
    fprintf(cli->out, "(dbg) %s\n", p);
    dbg_cli_exec(cli, p);
    fflush(cli->out);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sig_dbg = NULL;
  int errors = cli->errors;
  dbg_cli_free(cli);
  dbg_detach(d);
  symbols_free(syms);
  if (in != stdin)
    fclose(in);
  return errors ? 1 : 0;
}
