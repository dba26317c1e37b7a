/*
 * tui.c — the debugger full-screen (--debug-tui), with ncurses: registers
 * (those the last command changed highlighted), disassembly around EIP
 * with breakpoints marked and a cursor, a memory dump that follows an
 * address, the explanation of the last step (or the JIT's translation),
 * the commands' output, and a command line that runs the same command
 * table as the line mode (cli.c dbg_cli_exec).  See docs/DEBUGGER.md.
 *
 * Nothing here runs the machine itself: keys become command lines (F7 is
 * "step", F9 "b SEL:OFF" or "delete N"), so both front ends behave alike.
 * The terminal is in cbreak mode, so Ctrl+C still raises SIGINT, whose
 * handler asks the debugger to stop a running command.  Diagnostics the
 * emulator writes to stderr while the screen is up go to a temporary file
 * and are shown in the output pane instead of tearing the screen.
 */
#define _POSIX_C_SOURCE 200809L
#include "tui.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "debug.h"
#include "explain.h"
#include "views.h"

#define MIN_W 80
#define MIN_H 24
#define LOG_MAX 2000   /* output lines kept */
#define HIST_MAX 64    /* command lines kept for Up/Down */
#define DIS_MAX 64     /* disassembly lines on screen at most */
#define REGS_W 27

enum { FOCUS_CMD, FOCUS_DISAS, FOCUS_MEM, FOCUS_INFO, FOCUS_LOG, FOCUS_N };
static const char *const focus_name[FOCUS_N] = {"command", "disassembly", "memory", "explanation", "output"};
enum { PAIR_CHANGED = 1, PAIR_BREAK, PAIR_BAR, PAIR_EIP, PAIR_TITLE };

typedef struct Rect {
  int y, x, h, w;
} Rect;

typedef struct DisLine {
  uint32_t off;  /* CS-relative offset */
  int len;
  char text[160];
  uint8_t bytes[15];
} DisLine;

typedef struct Tui {
  Debugger *d;
  DbgCli *cli;
  const DbgSymbols *syms;
  int focus;
  bool quit;
  char status[160];          /* the status bar's message */
  DbgRegs prev, cur;         /* before and after the last command */
  /* output pane */
  char *log[LOG_MAX];
  int nlog, log_first;       /* ring: log_first is the oldest */
  int log_scroll;            /* lines up from the bottom */
  /* command line */
  char line[256];
  int len;
  char *hist[HIST_MAX];
  int nhist, hist_pos;
  /* disassembly */
  uint16_t dis_sel;
  uint32_t dis_base, dis_top, dis_cursor;
  bool dis_valid;
  DisLine dis[DIS_MAX];
  int ndis;
  /* memory */
  char mem_expr[64];         /* the address it follows (re-read after every command) */
  int64_t mem_scroll;        /* bytes from that address */
  /* explanation / JIT pane */
  char *info;                /* its text */
  char info_title[64];
  int info_scroll;
  bool jit_view;             /* the JIT pane replaces memory and explanation */
  char *jit_text;
  int jit_scroll;
  /* stderr while the screen is up */
  int err_fd, saved_stderr;
  off_t err_off;
  const DbgScreen *screen;   /* the window beside the terminal, or NULL */
} Tui;

static Debugger *volatile sig_dbg;
static volatile sig_atomic_t sig_int, sig_term;
static void on_signal(int sig) {
  if (sig == SIGTERM)
    sig_term = 1;
  else
    sig_int = 1;
  if (sig_dbg)
    dbg_request_stop(sig_dbg);
}

/* ---------------- output pane ---------------- */

static void log_add(Tui *t, const char *s) {
  char *copy = strdup(s);
  if (!copy)
    return;
  if (t->nlog == LOG_MAX) {
    free(t->log[t->log_first]);
    t->log[t->log_first] = copy;
    t->log_first = (t->log_first + 1) % LOG_MAX;
  } else {
    t->log[(t->log_first + t->nlog++) % LOG_MAX] = copy;
  }
}

/* Add text (many lines) to the output pane. */
static void log_text(Tui *t, const char *text) {
  while (*text) {
    size_t l = strcspn(text, "\n");
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s", (int)(l < sizeof buf ? l : sizeof buf - 1), text);
    log_add(t, buf);
    text += l;
    if (*text == '\n')
      text++;
  }
}

/* Whatever reached stderr since the last look. */
static void drain_stderr(Tui *t) {
  if (t->err_fd < 0)
    return;
  char buf[4096];
  ssize_t n;
  while ((n = pread(t->err_fd, buf, sizeof buf - 1, t->err_off)) > 0) {
    buf[n] = 0;
    t->err_off += n;
    log_text(t, buf);
  }
}

/* ---------------- drawing helpers ---------------- */

__attribute__((format(printf, 5, 6))) static void put(int y, int x, int w, attr_t a, const char *fmt, ...) {
  if (w <= 0)
    return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  attron(a);
  mvaddnstr(y, x, buf, w);
  attroff(a);
}

static void frame(Rect r, const char *title, bool focused) {
  attr_t a = focused ? (A_BOLD | COLOR_PAIR(PAIR_TITLE)) : A_NORMAL;
  attron(a);
  mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
  mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
  mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
  mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
  mvaddch(r.y, r.x, ACS_ULCORNER);
  mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
  mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
  mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
  attroff(a);
  put(r.y, r.x + 2, r.w - 4, focused ? A_BOLD : A_NORMAL, " %s ", title);
}

/* How many screen lines text takes at w columns (wrapped, or clipped: one each). */
static int wrapped_lines(const char *text, int w, bool wrap) {
  int n = 0;
  while (text && *text) {
    size_t l = strcspn(text, "\n");
    n += l == 0 || !wrap ? 1 : (int)((l + (size_t)w - 1) / (size_t)w);
    text += l;
    if (*text == '\n')
      text++;
  }
  return n;
}

/* text in the pane from line scroll on: long lines wrapped, or clipped
 * (the JIT's two columns stay aligned). */
static void draw_text(Rect r, const char *text, int scroll, bool wrap) {
  int row = 0, inner = r.h - 2, w = r.w - 2;
  while (text && *text && row - scroll < inner) {
    size_t l = strcspn(text, "\n");
    size_t done = 0;
    do {
      size_t part = l - done > (size_t)w ? (size_t)w : l - done;
      if (row >= scroll && row - scroll < inner)
        put(r.y + 1 + row - scroll, r.x + 1, w, A_NORMAL, "%.*s", (int)part, text + done);
      row++;
      done += part;
    } while (done < l && wrap);
    text += l;
    if (*text == '\n')
      text++;
  }
}

/* ---------------- registers ---------------- */

static void draw_regs(Tui *t, Rect r) {
  frame(r, "Registers", false);
  const DbgRegs *a = &t->prev, *b = &t->cur;
  static const int order[8] = {R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP};
  static const char *const names[8] = {"EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP"};
  int y = r.y + 1, x = r.x + 1;
  attr_t hi = A_BOLD | COLOR_PAIR(PAIR_CHANGED);
  for (int i = 0; i < 8; i++) {
    int g = order[i];
    put(y + i / 2, x + (i % 2) * 13, 12, a->regs[g] != b->regs[g] ? hi : A_NORMAL, "%s=%08X", names[i], b->regs[g]);
  }
  y += 4;
  put(y, x, 12, a->eip != b->eip ? hi : A_NORMAL, "EIP=%08X", b->eip);
  put(y, x + 13, 12, a->eflags != b->eflags ? hi : A_NORMAL, "EFL=%08X", b->eflags);
  y++;
  static const struct {
    char c;
    uint32_t bit;
  } fl[] = {{'O', F_OF}, {'D', F_DF}, {'I', F_IF}, {'T', F_TF}, {'S', F_SF},
            {'Z', F_ZF}, {'A', F_AF}, {'P', F_PF}, {'C', F_CF}};
  for (unsigned i = 0; i < sizeof fl / sizeof fl[0]; i++) {
    bool on = (b->eflags & fl[i].bit) != 0;
    char s[2] = {on ? fl[i].c : (char)tolower(fl[i].c), 0}; /* set: capital */
    put(y, x + (int)i * 2, 1, ((a->eflags ^ b->eflags) & fl[i].bit) ? hi : on ? A_BOLD : A_DIM, "%s", s);
  }
  put(y, x + 19, 6, A_NORMAL, "IOPL%u", b->eflags >> 12 & 3);
  y++;
  static const int srow[2][3] = {{S_CS, S_DS, S_ES}, {S_SS, S_FS, S_GS}};
  static const char *const sn[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (int row = 0; row < 2; row++)
    for (int k = 0; k < 3; k++) {
      int s = srow[row][k];
      bool ch = a->seg[s].sel != b->seg[s].sel || a->seg[s].base != b->seg[s].base;
      put(y + row, x + k * 8, 7, ch ? hi : A_NORMAL, "%s=%04X", sn[s], b->seg[s].sel);
    }
  y += 2;
  const char *mode = (b->mode & CPU_MODE_VM86) ? "virtual-8086" : (b->mode & CPU_MODE_PE) ? "protected" : "real mode";
  put(y, x, r.w - 2, a->mode != b->mode ? hi : A_NORMAL, "%s%s%s CPL%u%s", mode, (b->mode & CPU_MODE_PG) ? " PG" : "",
      (b->mode & CPU_MODE_CS32) ? " 32" : " 16", b->cpl, b->halted ? " HLT" : "");
}

/* ---------------- disassembly ---------------- */

static bool code32(const Tui *t) { return (t->cur.mode & CPU_MODE_CS32) != 0; }

static uint32_t wrap_off(const Tui *t, uint32_t off) { return code32(t) ? off : off & 0xffff; }

/* Decode the instruction at CS-relative off: its length (1 for bytes that are none). */
static int decode_at(Tui *t, uint32_t off, DisLine *out) {
  uint8_t buf[15] = {0};
  uint32_t got = dbg_read_lin(t->d, t->dis_base + off, buf, sizeof buf);
  char text[160];
  int len = got ? disasm_text(buf, (int)got, code32(t), dbg_cli_att(t->cli), off, text, sizeof text) : -1;
  if (out) {
    out->off = off;
    memcpy(out->bytes, buf, sizeof buf);
    snprintf(out->text, sizeof out->text, "%s", got ? text : "(not mapped)");
  }
  if (len <= 0)
    len = 1;
  if (out)
    out->len = len;
  return len;
}

/* The instruction before off: the longest run of whole instructions from up
 * to 15 bytes back that ends exactly at off (x86 cannot be decoded backward). */
static uint32_t insn_before(Tui *t, uint32_t off) {
  for (uint32_t k = 15; k >= 1; k--) {
    if (k > off && !code32(t))
      continue;
    uint32_t p = off - k, last = p;
    while (p < off) {
      last = p;
      p += (uint32_t)decode_at(t, p, NULL);
    }
    if (p == off)
      return last;
  }
  return off - 1;
}

static void dis_fill(Tui *t, int n) {
  uint32_t off = t->dis_top;
  t->ndis = 0;
  for (int i = 0; i < n && i < DIS_MAX; i++) {
    off += (uint32_t)decode_at(t, wrap_off(t, off), &t->dis[t->ndis++]);
    off = wrap_off(t, off);
  }
}

static int dis_index(const Tui *t, uint32_t off) {
  for (int i = 0; i < t->ndis; i++)
    if (t->dis[i].off == off)
      return i;
  return -1;
}

/* The breakpoint on this CS:offset (CS:EIP, linear or physical), or 0. */
static int bp_at(Tui *t, uint32_t off) {
  uint32_t lin = t->dis_base + off, pa = 0;
  bool have_pa = dbg_lin_to_phys(t->d, lin, &pa);
  const DbgBreakpoint *b;
  for (int i = 0; (b = dbg_breakpoint(t->d, i)) != NULL; i++) {
    if ((b->kind == DBG_BP_CSEIP && b->sel == t->dis_sel && b->addr == off) ||
        (b->kind == DBG_BP_LIN && b->addr == lin) || (b->kind == DBG_BP_PHYS && have_pa && b->addr == pa))
      return b->enabled ? b->id : -b->id;
  }
  return 0;
}

/* After a command: show CS:EIP with two instructions of context above it,
 * unless it is on screen already; the cursor goes to it. */
static void dis_follow(Tui *t, int rows) {
  uint16_t sel = t->cur.seg[S_CS].sel;
  uint32_t base = t->cur.seg[S_CS].base;
  bool same = t->dis_valid && sel == t->dis_sel && base == t->dis_base;
  t->dis_sel = sel;
  t->dis_base = base;
  if (same) {
    dis_fill(t, rows);
    int i = dis_index(t, t->cur.eip);
    if (i >= 0 && i < rows - 1) {
      t->dis_cursor = t->cur.eip;
      return;
    }
  }
  t->dis_top = t->cur.eip;
  for (int k = 0; k < 2; k++)
    t->dis_top = wrap_off(t, insn_before(t, t->dis_top));
  dis_fill(t, rows);
  if (dis_index(t, t->cur.eip) < 0) /* the guess ran past it */
    t->dis_top = t->cur.eip;
  t->dis_cursor = t->cur.eip;
  t->dis_valid = true;
}

static void draw_disas(Tui *t, Rect r) {
  int rows = r.h - 2;
  char title[80];
  snprintf(title, sizeof title, "Disassembly %04X:%0*X", t->dis_sel, code32(t) ? 8 : 4, t->cur.eip);
  frame(r, title, t->focus == FOCUS_DISAS);
  dis_fill(t, rows);
  for (int i = 0; i < t->ndis && i < rows; i++) {
    const DisLine *l = &t->dis[i];
    bool here = l->off == t->cur.eip && t->dis_sel == t->cur.seg[S_CS].sel;
    bool cursor = l->off == t->dis_cursor;
    int bp = bp_at(t, l->off);
    char hex[16] = "";
    for (int k = 0; k < l->len && k < 6; k++)
      snprintf(hex + 2 * k, sizeof hex - 2 * (size_t)k, "%02X", l->bytes[k]);
    int y = r.y + 1 + i, x = r.x + 1, w = r.w - 2;
    attr_t a = here ? (A_BOLD | COLOR_PAIR(PAIR_EIP)) : A_NORMAL;
    if (cursor && t->focus == FOCUS_DISAS)
      a |= A_REVERSE;
    put(y, x, w, a, "%-3s %04X:%0*X  %-12s%s %s", "", t->dis_sel, code32(t) ? 8 : 4, l->off, hex, l->len > 6 ? ".." : "  ",
        l->text);
    put(y, x, 1, bp ? (A_BOLD | COLOR_PAIR(PAIR_BREAK)) : a, "%c", bp > 0 ? '*' : bp < 0 ? 'o' : ' ');
    put(y, x + 1, 2, a, "%s", here ? "=>" : cursor ? " >" : "  ");
  }
}

static void dis_move(Tui *t, int delta, int rows) {
  dis_fill(t, rows);
  int i = dis_index(t, t->dis_cursor);
  if (i < 0) {
    t->dis_cursor = t->dis_top;
    return;
  }
  while (delta > 0) {
    if (i + 1 >= rows) { /* scroll down one instruction */
      t->dis_top = wrap_off(t, t->dis_top + (uint32_t)t->dis[0].len);
      dis_fill(t, rows);
      i--;
    }
    i++;
    t->dis_cursor = t->dis[i].off;
    delta--;
  }
  while (delta < 0) {
    if (i == 0) {
      t->dis_top = wrap_off(t, insn_before(t, t->dis_top));
      dis_fill(t, rows);
      i = 1;
    }
    i--;
    t->dis_cursor = t->dis[i].off;
    delta++;
  }
}

/* ---------------- memory ---------------- */

static int mem_bpr(Rect r) { return r.w - 2 >= 9 + 16 * 4 + 1 ? 16 : 8; }

static void draw_mem(Tui *t, Rect r) {
  uint32_t base;
  char title[96];
  bool ok = dbg_cli_parse_addr(t->cli, t->mem_expr, &base);
  snprintf(title, sizeof title, "Memory %s%s", t->mem_expr, ok ? "" : " (bad address)");
  frame(r, title, t->focus == FOCUS_MEM);
  if (!ok)
    return;
  int bpr = mem_bpr(r), rows = r.h - 2;
  base += (uint32_t)t->mem_scroll;
  const StepRecord *last = dbg_cli_last_step(t->cli);
  for (int row = 0; row < rows; row++) {
    uint32_t lin = base + (uint32_t)(row * bpr);
    int y = r.y + 1 + row, x = r.x + 1;
    put(y, x, 9, A_NORMAL, "%08X ", lin);
    for (int k = 0; k < bpr; k++) {
      uint8_t v;
      uint32_t pa;
      bool mapped = dbg_read_lin(t->d, lin + (uint32_t)k, &v, 1) == 1;
      bool written = false;
      if (mapped && last && dbg_lin_to_phys(t->d, lin + (uint32_t)k, &pa))
        for (int w = 0; w < last->nwrites; w++)
          written |= last->writes[w].pa == pa;
      attr_t a = written ? (A_BOLD | COLOR_PAIR(PAIR_CHANGED)) : A_NORMAL;
      if (mapped)
        put(y, x + 9 + k * 3, 2, a, "%02X", v);
      else
        put(y, x + 9 + k * 3, 2, A_DIM, "??");
      put(y, x + 10 + bpr * 3 + k, 1, a, "%c", mapped && v >= 0x20 && v < 0x7f ? v : '.');
    }
  }
}

/* ---------------- layout and the whole screen ---------------- */

typedef struct Layout {
  Rect regs, disas, mem, info, jit, log;
  int cmd_y;
} Layout;

static Layout layout(const Tui *t, int w, int h) {
  Layout L = {0};
  int top = 11 + (h - MIN_H) / 3;
  L.disas = (Rect){1, 0, top, w - REGS_W};
  L.regs = (Rect){1, w - REGS_W, top, REGS_W};
  int rest = h - 1 - top - 1;
  int mid = rest * 55 / 100;
  int memw = w >= 120 ? 9 + 16 * 4 + 3 : 9 + 8 * 4 + 3;
  L.mem = (Rect){1 + top, 0, mid, memw};
  L.info = (Rect){1 + top, memw, mid, w - memw};
  L.log = (Rect){1 + top + mid, 0, rest - mid, w};
  if (t->jit_view) { /* the JIT's listing is long: its pane takes most of the output's room too */
    L.jit = (Rect){1 + top, 0, rest - 3, w};
    L.log = (Rect){h - 4, 0, 3, w};
  }
  L.cmd_y = h - 1;
  return L;
}

static void draw_log(Tui *t, Rect r) {
  frame(r, "Output", t->focus == FOCUS_LOG);
  int rows = r.h - 2;
  int maxscroll = t->nlog > rows ? t->nlog - rows : 0;
  if (t->log_scroll > maxscroll)
    t->log_scroll = maxscroll;
  int first = t->nlog - rows - t->log_scroll;
  if (first < 0)
    first = 0;
  for (int i = 0; i < rows && first + i < t->nlog; i++)
    put(r.y + 1 + i, r.x + 1, r.w - 2, A_NORMAL, "%s", t->log[(t->log_first + first + i) % LOG_MAX]);
}

static void draw(Tui *t) {
  int h = LINES, w = COLS;
  erase();
  if (w < MIN_W || h < MIN_H) {
    const char *l1 = "x86vm debugger: the terminal is too small";
    char l2[80];
    snprintf(l2, sizeof l2, "it is %dx%d; it needs at least %dx%d", w, h, MIN_W, MIN_H);
    const char *l3 = "enlarge it, or press q to quit";
    const char *ls[3] = {l1, l2, l3};
    for (int i = 0; i < 3 && i < h; i++) {
      int len = (int)strlen(ls[i]);
      put(h / 2 - 1 + i, len < w ? (w - len) / 2 : 0, w, i == 0 ? A_BOLD : A_NORMAL, "%s", ls[i]);
    }
    curs_set(0);
    refresh();
    return;
  }
  Layout L = layout(t, w, h);
  attr_t bar = COLOR_PAIR(PAIR_BAR) | A_REVERSE;
  attron(bar);
  mvhline(0, 0, ' ', w);
  attroff(bar);
  /* what goes on first, the keys on the right where they fit */
  char left[256];
  snprintf(left, sizeof left, " x86vm debugger [%s]  %s", focus_name[t->focus], t->status);
  static const char keys[] = "F7/s step  F8/n next  F5/c continue  F9 break  Tab pane  q quit ";
  put(0, 0, w, bar, "%s", left);
  int kl = (int)strlen(keys);
  if ((int)strlen(left) + 2 + kl <= w)
    put(0, w - kl, kl, bar, "%s", keys);
  draw_disas(t, L.disas);
  draw_regs(t, L.regs);
  if (t->jit_view) {
    Rect r = L.jit;
    frame(r, "JIT: the block at CS:EIP, guest | host (jit off: close)", t->focus == FOCUS_INFO);
    int total = wrapped_lines(t->jit_text, r.w - 2, false);
    if (t->jit_scroll > total - 1)
      t->jit_scroll = total > 0 ? total - 1 : 0;
    draw_text(r, t->jit_text, t->jit_scroll, false);
  } else {
    draw_mem(t, L.mem);
    frame(L.info, t->info_title, t->focus == FOCUS_INFO);
    int total = wrapped_lines(t->info, L.info.w - 2, true);
    if (t->info_scroll > total - 1)
      t->info_scroll = total > 0 ? total - 1 : 0;
    draw_text(L.info, t->info, t->info_scroll, true);
  }
  draw_log(t, L.log);
  int cw = w - 7;
  int start = t->len > cw ? t->len - cw : 0;
  put(L.cmd_y, 0, w, t->focus == FOCUS_CMD ? A_BOLD : A_NORMAL, "(dbg) %s", t->line + start);
  if (t->focus == FOCUS_CMD) {
    curs_set(1);
    move(L.cmd_y, 6 + t->len - start);
  } else {
    curs_set(0);
  }
  refresh();
}

/* ---------------- commands ---------------- */

static int dis_rows(const Tui *t) {
  int r = layout(t, COLS, LINES).disas.h - 2;
  return r < 1 ? 1 : r > DIS_MAX ? DIS_MAX : r;
}

static void set_info(Tui *t, const char *title, char *text) {
  free(t->info);
  t->info = text;
  snprintf(t->info_title, sizeof t->info_title, "%s", title);
  t->info_scroll = 0;
}

/* Run one command line through the shared table; its output goes to the
 * output pane, and the panes follow the machine. */
static char *capture(Tui *t, const char *cmdline) {
  char *out = NULL;
  size_t size = 0;
  FILE *mf = open_memstream(&out, &size);
  if (!mf)
    return NULL;
  char line[sizeof t->line];
  snprintf(line, sizeof line, "%s", cmdline);
  dbg_cli_set_out(t->cli, mf);
  dbg_cli_exec(t->cli, line);
  dbg_cli_set_out(t->cli, stdout);
  fclose(mf);
  return out;
}

static void refresh_jit(Tui *t) {
  free(t->jit_text);
  t->jit_text = capture(t, "jit");
  t->jit_scroll = 0;
}

/* The window, after a command: it shows the machine as it now is (nothing
 * else refreshes it while the machine stands still); closed by its user,
 * the run ends. */
static void show_screen(Tui *t) {
  if (t->screen && t->screen->show(t->screen->opaque, false))
    t->quit = true;
}

/* The debugger's poll hook while a command runs: the guest screen live in
 * the window, the window's keys to the guest. */
static void poll_screen(void *opaque) {
  Tui *t = opaque;
  if (t->screen->show(t->screen->opaque, true)) {
    t->quit = true;
    dbg_request_stop(t->d);
  }
}

static void run_command(Tui *t, const char *cmdline) {
  while (*cmdline == ' ')
    cmdline++;
  if (!*cmdline)
    return;
  char logline[320];
  snprintf(logline, sizeof logline, "(dbg) %s", cmdline);
  log_add(t, logline);
  t->log_scroll = 0;
  /* The TUI's own commands: the memory pane's address, the JIT pane. */
  if (strncmp(cmdline, "mem", 3) == 0 && (cmdline[3] == ' ' || !cmdline[3])) {
    const char *a = cmdline + 3;
    while (*a == ' ')
      a++;
    uint32_t lin;
    if (!*a) {
      log_add(t, "mem ADDR: the memory pane follows ADDR (SEG:OFF, ss:esp, a linear address...)");
    } else if (!dbg_cli_parse_addr(t->cli, a, &lin)) {
      log_add(t, "error: mem: bad address");
    } else {
      snprintf(t->mem_expr, sizeof t->mem_expr, "%s", a);
      t->mem_scroll = 0;
      t->jit_view = false;
    }
    return;
  }
  if (strcmp(cmdline, "jit off") == 0) {
    t->jit_view = false;
    return;
  }
  snprintf(t->status, sizeof t->status, "running: %.40s  (Ctrl+C stops)", cmdline);
  draw(t);
  dbg_get_regs(t->d, &t->prev);
  sig_int = 0;
  char *out = capture(t, cmdline);
  dbg_get_regs(t->d, &t->cur);
  t->status[0] = 0;
  show_screen(t);
  if (!out) {
    log_add(t, "error: out of memory");
    return;
  }
  bool is_jit = strcmp(cmdline, "jit") == 0;
  if (is_jit)
    log_add(t, "(in the JIT pane: Tab to it to scroll; jit off closes it)");
  else
    log_text(t, out);
  drain_stderr(t);
  if (is_jit) {
    t->jit_view = true;
    free(t->jit_text);
    t->jit_text = out;
    t->jit_scroll = 0;
    return;
  }
  const StepRecord *rec = dbg_cli_last_step(t->cli);
  const DbgResult *res = dbg_cli_last_result(t->cli);
  if (rec) {
    /* the step's line and what it did */
    char *text = NULL;
    size_t size = 0;
    FILE *mf = open_memstream(&text, &size);
    if (mf) {
      fprintf(mf, "[%" PRIu64 "] ", rec->icount);
      view_step_line(t->d, t->syms, rec, dbg_cli_att(t->cli), mf);
      char buf[8192];
      explain_step(t->d, rec, buf, sizeof buf);
      fputs(buf, mf);
      fclose(mf);
      set_info(t, "Explanation of the last step", text);
    }
  } else if (res && out) {
    set_info(t, "Last command", out);
    out = NULL;
  }
  free(out);
  if (res || rec)
    dis_follow(t, dis_rows(t));
  if (dbg_cli_quit(t->cli))
    t->quit = true;
  else if (t->jit_view && (res || rec)) /* last: it is a command of its own */
    refresh_jit(t);
}

static void hist_add(Tui *t, const char *s) {
  if (t->nhist && strcmp(t->hist[t->nhist - 1], s) == 0)
    return;
  if (t->nhist == HIST_MAX) {
    free(t->hist[0]);
    memmove(t->hist, t->hist + 1, sizeof t->hist[0] * (HIST_MAX - 1));
    t->nhist--;
  }
  char *copy = strdup(s);
  if (copy)
    t->hist[t->nhist++] = copy;
}

/* F9: a breakpoint at the disassembly cursor, or off again. */
static void toggle_break(Tui *t) {
  char cmd[64];
  int id = bp_at(t, t->dis_cursor);
  if (id)
    snprintf(cmd, sizeof cmd, "delete %d", id < 0 ? -id : id);
  else
    snprintf(cmd, sizeof cmd, "b %04X:%X", t->dis_sel, t->dis_cursor);
  run_command(t, cmd);
}

static void key_cmdline(Tui *t, int ch) {
  if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
    char line[sizeof t->line];
    snprintf(line, sizeof line, "%s", t->line);
    t->len = 0;
    t->line[0] = 0;
    if (line[0])
      hist_add(t, line);
    t->hist_pos = t->nhist;
    run_command(t, line);
  } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
    if (t->len)
      t->line[--t->len] = 0;
  } else if (ch == 27 || ch == 21) { /* Esc, Ctrl+U: clear */
    t->len = 0;
    t->line[0] = 0;
  } else if (ch == KEY_UP || ch == KEY_DOWN) {
    int p = t->hist_pos + (ch == KEY_UP ? -1 : 1);
    if (p >= 0 && p <= t->nhist) {
      t->hist_pos = p;
      snprintf(t->line, sizeof t->line, "%s", p < t->nhist ? t->hist[p] : "");
      t->len = (int)strlen(t->line);
    }
  } else if (ch >= 0x20 && ch < 0x7f && t->len + 1 < (int)sizeof t->line) {
    t->line[t->len++] = (char)ch;
    t->line[t->len] = 0;
  }
}

static void key_pane(Tui *t, int ch, const Layout *L) {
  int page;
  switch (t->focus) {
  case FOCUS_DISAS:
    page = L->disas.h - 2;
    if (ch == KEY_UP || ch == KEY_DOWN)
      dis_move(t, ch == KEY_UP ? -1 : 1, page);
    else if (ch == KEY_PPAGE || ch == KEY_NPAGE)
      dis_move(t, ch == KEY_PPAGE ? -page : page, page);
    else if (ch == KEY_HOME || ch == 'e') /* back to EIP */
      t->dis_valid = false, dis_follow(t, page);
    break;
  case FOCUS_MEM: {
    int bpr = mem_bpr(L->mem);
    page = (L->mem.h - 2) * bpr;
    if (ch == KEY_UP || ch == KEY_DOWN)
      t->mem_scroll += ch == KEY_UP ? -bpr : bpr;
    else if (ch == KEY_PPAGE || ch == KEY_NPAGE)
      t->mem_scroll += ch == KEY_PPAGE ? -page : page;
    else if (ch == KEY_HOME)
      t->mem_scroll = 0;
    break;
  }
  case FOCUS_INFO: {
    int *s = t->jit_view ? &t->jit_scroll : &t->info_scroll;
    page = (t->jit_view ? L->jit.h : L->info.h) - 2;
    if (ch == KEY_UP || ch == KEY_DOWN)
      *s += ch == KEY_UP ? -1 : 1;
    else if (ch == KEY_PPAGE || ch == KEY_NPAGE)
      *s += ch == KEY_PPAGE ? -page : page;
    if (*s < 0)
      *s = 0;
    break;
  }
  case FOCUS_LOG:
    page = L->log.h - 2;
    if (ch == KEY_UP || ch == KEY_DOWN)
      t->log_scroll += ch == KEY_UP ? 1 : -1;
    else if (ch == KEY_PPAGE || ch == KEY_NPAGE)
      t->log_scroll += ch == KEY_PPAGE ? page : -page;
    if (t->log_scroll < 0)
      t->log_scroll = 0;
    break;
  }
  switch (ch) {
  case 's': run_command(t, "step"); break;
  case 'n': run_command(t, "next"); break;
  case 'c': run_command(t, "continue"); break;
  case 'j':
    if (t->jit_view)
      t->jit_view = false;
    else
      run_command(t, "jit");
    break;
  case 'q': t->quit = true; break;
  case ':':
    t->focus = FOCUS_CMD;
    break;
  }
}

static void handle_key(Tui *t, int ch) {
  bool small = COLS < MIN_W || LINES < MIN_H;
  if (small) { /* only quitting makes sense until it is bigger */
    if (ch == 'q' || ch == 'Q')
      t->quit = true;
    return;
  }
  Layout L = layout(t, COLS, LINES);
  switch (ch) {
  case KEY_F(7): run_command(t, "step"); return;
  case KEY_F(8): run_command(t, "next"); return;
  case KEY_F(5): run_command(t, "continue"); return;
  case KEY_F(9): toggle_break(t); return;
  case '\t': t->focus = (t->focus + 1) % FOCUS_N; return;
  case KEY_BTAB: t->focus = (t->focus + FOCUS_N - 1) % FOCUS_N; return;
  }
  if (t->focus == FOCUS_CMD)
    key_cmdline(t, ch);
  else
    key_pane(t, ch, &L);
}

/* ---------------- setup ---------------- */

int debug_tui_run(Machine *m, const char *symbols, uint32_t reverse_mib, const DbgScreen *screen) {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    fprintf(stderr, "x86vm: --debug-tui needs a terminal on stdin and stdout (use --debug-script for scripts)\n");
    return 2;
  }
  char err[256];
  DbgSymbols *syms = NULL;
  if (symbols && !(syms = symbols_load(symbols, err, sizeof err))) {
    fprintf(stderr, "x86vm: %s\n", err);
    return 2;
  }
  Tui *t = calloc(1, sizeof *t);
  Debugger *d = t ? dbg_attach(m) : NULL;
  DbgCli *cli = d ? dbg_cli_new(d, syms, stdout) : NULL;
  if (cli)
    dbg_cli_reverse(cli, reverse_mib);
  if (!cli) {
    fprintf(stderr, "x86vm: out of memory\n");
    if (d)
      dbg_detach(d);
    free(t);
    symbols_free(syms);
    return 2;
  }
  t->d = d;
  t->cli = cli;
  t->syms = syms;
  t->err_fd = -1;
  t->saved_stderr = -1;
  t->screen = screen;
  snprintf(t->mem_expr, sizeof t->mem_expr, "ss:esp");
  SCREEN *scr = newterm(NULL, stdout, stdin);
  if (!scr) {
    fprintf(stderr, "x86vm: --debug-tui: cannot drive this terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
    dbg_cli_free(cli);
    dbg_detach(d);
    free(t);
    symbols_free(syms);
    return 2;
  }
  /* stderr into a file while the screen is up (shown in the output pane) */
  FILE *ef = tmpfile();
  if (ef) {
    fflush(stderr);
    t->saved_stderr = dup(STDERR_FILENO);
    t->err_fd = dup(fileno(ef));
    if (t->saved_stderr < 0 || t->err_fd < 0 || dup2(t->err_fd, STDERR_FILENO) < 0) {
      if (t->err_fd >= 0)
        close(t->err_fd);
      t->err_fd = -1;
    }
    fclose(ef);
  }
  cbreak(); /* not raw: Ctrl+C stays SIGINT, to stop a running continue */
  noecho();
  keypad(stdscr, TRUE);
  set_escdelay(25);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(PAIR_CHANGED, COLOR_YELLOW, -1);
    init_pair(PAIR_BREAK, COLOR_RED, -1);
    init_pair(PAIR_BAR, COLOR_CYAN, -1);
    init_pair(PAIR_EIP, COLOR_GREEN, -1);
    init_pair(PAIR_TITLE, COLOR_CYAN, -1);
  }
  sig_dbg = d;
  sig_int = sig_term = 0;
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: a wait for a key returns */
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  if (screen) {
    dbg_set_poll(d, poll_screen, t);
    timeout(100); /* getch returns now and then: a closed window is noticed */
  }
  show_screen(t);
  dbg_get_regs(d, &t->cur);
  t->prev = t->cur;
  dis_follow(t, dis_rows(t));
  set_info(t, "Explanation", strdup("Step (F7 or s) and what the instruction did is explained here:\n"
                                    "registers old -> new, each flag that changed and why, memory written."));
  log_add(t, "Commands as in line mode (help lists them); mem ADDR moves the memory pane; jit shows the JIT pane.");
  while (!t->quit && !sig_term) {
    draw(t);
    int ch = getch();
    if (ch == ERR) {
      if (t->screen && t->screen->closed(t->screen->opaque))
        t->quit = true;
      if (sig_int) { /* Ctrl+C with nothing running */
        sig_int = 0;
        snprintf(t->status, sizeof t->status, "(nothing runs: q quits)");
      }
      continue;
    }
    if (ch == KEY_RESIZE)
      continue; /* ncurses has the new size: the next draw lays out again */
    handle_key(t, ch);
  }
  endwin();
  delscreen(scr);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sig_dbg = NULL;
  if (t->err_fd >= 0) {
    fflush(stderr);
    dup2(t->saved_stderr, STDERR_FILENO);
    /* what was said while the screen was up, for the record */
    char buf[4096];
    ssize_t n;
    while ((n = pread(t->err_fd, buf, sizeof buf, t->err_off)) > 0) {
      fwrite(buf, 1, (size_t)n, stderr);
      t->err_off += n;
    }
    close(t->err_fd);
  }
  if (t->saved_stderr >= 0)
    close(t->saved_stderr);
  int errors = dbg_cli_errors(cli);
  (void)errors; /* a mistyped command is no failure of an interactive session */
  dbg_cli_free(cli);
  dbg_detach(d);
  symbols_free(syms);
  for (int i = 0; i < t->nlog; i++)
    free(t->log[(t->log_first + i) % LOG_MAX]);
  for (int i = 0; i < t->nhist; i++)
    free(t->hist[i]);
  free(t->info);
  free(t->jit_text);
  free(t);
  return 0;
}
