/*
 * gdbstub.c — gdb's remote serial protocol over a socket, on the debugger's
 * core (debug.h) and nothing else of the CPU.
 *
 * One client at a time, all-stop, one thread.  Packets are $DATA#CK; we
 * acknowledge with + (or - for a bad checksum, and gdb sends again) until
 * gdb asks for QStartNoAckMode.  The socket is untrusted input: a packet
 * longer than our PacketSize is dropped whole and answered E01, malformed
 * numbers or hex give E01, nothing is read or written past a buffer.
 *
 * Registers are the i386 core set (target.xml below): EAX..EDI, EIP,
 * EFLAGS, CS SS DS ES FS GS, then the x87 registers, which we report as
 * unavailable ("xx").  Memory is addressed linearly, through the guest's
 * page tables (E14 where nothing is mapped).  Z0 and Z1 are the debugger's
 * execution breakpoints on a linear address (guest memory is never
 * patched), Z2 its watchpoints (writes that change the bytes), Z3 and Z4
 * its read and access watchpoints (any data read, or read or write).
 * While the guest runs, the machine loop polls the socket every 10 ms of
 * virtual time (dbg_set_poll) for gdb's Ctrl+C (0x03).
 *
 * Reverse execution: with checkpoints recorded (reverse.h; --record-mem on
 * a --deterministic machine) qSupported offers ReverseStep and
 * ReverseContinue, and bs / bc go back one instruction or to the previous
 * breakpoint or watchpoint stop, answering "replaylog:begin" at the start
 * of the history.  A register or memory write from gdb counts as host
 * input (Machine.host_inputs): the history restarts after it.
 *
 * gdbstub_new_buffer gives the fuzzer (fuzz/fuzz_gdb.c) a stub that reads
 * a client's bytes from memory and hands its replies to a callback.
 */
#define _POSIX_C_SOURCE 200809L
#include "gdbstub.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "chardev.h"
#include "debug.h"
#include "reverse.h"

#define PKT_MAX 4096     /* PacketSize: payload bytes we accept */
#define INQ_MAX 16384    /* input read ahead while the guest runs */
#define MAX_GDB_BPS 64

typedef struct GdbBp {
  bool used;
  int type;              /* Z type: 0, 1 execution, 2 write, 3 read, 4 access watch */
  uint32_t addr, len;
  int id;                /* the debugger's breakpoint */
} GdbBp;

struct GdbStub {
  CharDev *chr;          /* the socket, or NULL: gdbstub_new_buffer's */
  const uint8_t *src;    /* gdbstub_new_buffer: the client's bytes ... */
  size_t src_len, src_pos;
  void (*sink)(void *opaque, const char *buf, size_t len); /* ... and where ours go */
  void *sink_opaque;
  Machine *m;
  Debugger *d;
  Rev *rev;              /* reverse execution (bs, bc), or NULL: off */
  bool noack;
  bool gone;             /* the client hung up */
  /* packet parser */
  int st;                /* 0: between packets, 1: data, 2, 3: checksum digits */
  char pkt[PKT_MAX + 1];
  size_t n;
  bool overlong;
  uint8_t sum;
  char ck[2];
  /* input read while the guest ran, parsed afterwards */
  uint8_t inq[INQ_MAX];
  size_t inq_len, inq_pos;
  bool interrupt;        /* 0x03 seen */
  bool running;          /* the guest runs (resume) */
  /* the last packet sent, for a NAK */
  char out[2 * PKT_MAX + 8];
  size_t out_len;
  int resends;
  GdbBp bps[MAX_GDB_BPS];
};

static volatile sig_atomic_t g_signal;
static Debugger *volatile g_running;

static void on_signal(int sig) {
  g_signal = sig;
  if (g_running)
    dbg_request_stop(g_running);
}

GdbStub *gdbstub_open(const char *spec, char *err, size_t errlen) {
  char base[512];
  if (strlen(spec) >= sizeof base) {
    snprintf(err, errlen, "--gdb: spec too long");
    return NULL;
  }
  snprintf(base, sizeof base, "%s", spec);
  char *opt = strchr(base, ',');
  if (opt)
    *opt++ = 0;
  bool insecure = false;
  if (opt) {
    if (strcmp(opt, "insecure") != 0) {
      snprintf(err, errlen, "--gdb %s: unknown option '%s' (want insecure)", spec, opt);
      return NULL;
    }
    insecure = true;
  }
  bool tcp = strncmp(base, "tcp:", 4) == 0, unix_sock = strncmp(base, "unix:", 5) == 0;
  if (!tcp && !unix_sock) {
    snprintf(err, errlen, "--gdb %s: want unix:PATH or tcp:PORT,insecure", spec);
    return NULL;
  }
  if (tcp && !insecure) {
    snprintf(err, errlen,
             "--gdb %s: every local user could reach it (and read and write guest memory); give "
             "%s,insecure (or use unix:PATH)", spec, base);
    return NULL;
  }
  if (unix_sock && insecure) {
    snprintf(err, errlen, "--gdb %s: insecure is for tcp:PORT", spec);
    return NULL;
  }
  GdbStub *g = calloc(1, sizeof *g);
  if (!g) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  char cerr[256];
  g->chr = chardev_open(base, cerr, sizeof cerr);
  if (!g->chr) {
    snprintf(err, errlen, "--gdb %s: %s", spec, cerr);
    free(g);
    return NULL;
  }
  return g;
}

GdbStub *gdbstub_new_buffer(const uint8_t *in, size_t len, void (*sink)(void *opaque, const char *buf, size_t len),
                            void *opaque) {
  GdbStub *g = calloc(1, sizeof *g);
  if (!g)
    return NULL;
  g->src = in;
  g->src_len = len;
  g->sink = sink;
  g->sink_opaque = opaque;
  return g;
}

void gdbstub_close(GdbStub *g) {
  if (!g)
    return;
  chardev_close(g->chr);
  free(g);
}

/* ---------------- I/O ---------------- */

static bool connected(const GdbStub *g) { return (!g->chr || g->chr->in_fd >= 0) && !g->gone; }

/* Write all of buf, waiting (a while) for a slow reader; hang up on failure. */
static void send_raw(GdbStub *g, const char *buf, size_t len) {
  if (!g->chr) {
    if (connected(g))
      g->sink(g->sink_opaque, buf, len);
    return;
  }
  while (connected(g) && len) {
    ssize_t n = send(g->chr->out_fd, buf, len, MSG_NOSIGNAL);
    if (n > 0) {
      buf += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    struct pollfd p = {g->chr->out_fd, POLLOUT, 0};
    if (n < 0 && errno == EAGAIN && poll(&p, 1, 5000) > 0)
      continue;
    g->gone = true;
  }
}

static void send_packet(GdbStub *g, const char *data) {
  size_t len = strlen(data);
  if (len > PKT_MAX * 2)
    len = PKT_MAX * 2; /* replies are built within this; never past the buffer */
  uint8_t sum = 0;
  g->out[0] = '$';
  for (size_t i = 0; i < len; i++) {
    g->out[1 + i] = data[i];
    sum = (uint8_t)(sum + (uint8_t)data[i]);
  }
  snprintf(g->out + 1 + len, 4, "#%02x", sum);
  g->out_len = len + 4;
  g->resends = 0;
  send_raw(g, g->out, g->out_len);
}

/* Bytes from the client, without waiting; false if it hung up. */
static bool read_some(GdbStub *g) {
  if (g->inq_pos == g->inq_len)
    g->inq_pos = g->inq_len = 0;
  if (g->inq_len == INQ_MAX || g->gone)
    return connected(g);
  if (!g->chr) {
    /* A buffer: while stopped, a packet (to its checksum) or a Ctrl+C at a
     * time, as a client waiting for each answer sends them; while the guest
     * runs, all the rest at once (a Ctrl+C in it stops the run at the first
     * poll).  Then the client hangs up. */
    size_t n = 0, left = g->src_len - g->src_pos;
    if (left == 0)
      g->gone = true;
    while (!g->running && n < left && g->src[g->src_pos + n] != '#' && g->src[g->src_pos + n] != 0x03)
      n++;
    n = !g->running && n + 3 < left ? n + (g->src[g->src_pos + n] == '#' ? 3 : 1) : left;
    if (n > INQ_MAX - g->inq_len)
      n = INQ_MAX - g->inq_len;
    memcpy(g->inq + g->inq_len, g->src + g->src_pos, n);
    g->src_pos += n;
    g->inq_len += n;
    return connected(g);
  }
  bool had = g->chr->in_fd >= 0;
  size_t n = chardev_read(g->chr, g->inq + g->inq_len, INQ_MAX - g->inq_len); /* accepts a client too */
  g->inq_len += n;
  if (had && g->chr->in_fd < 0)
    g->gone = true;
  return connected(g);
}

/* While the guest runs: look for Ctrl+C (the rest waits in inq). */
static void poll_client(void *opaque) {
  GdbStub *g = opaque;
  size_t before = g->inq_len;
  if (!read_some(g)) {
    dbg_request_stop(g->d);
    return;
  }
  for (size_t i = before; i < g->inq_len; i++)
    if (g->inq[i] == 0x03) {
      g->interrupt = true;
      dbg_request_stop(g->d);
    }
}

/* ---------------- numbers ---------------- */

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* 1-8 hex digits at *p into *v; *p moves past them. */
static bool parse_hex(const char **p, uint32_t *v) {
  uint32_t x = 0;
  int n = 0;
  while (hexval(**p) >= 0) {
    if (++n > 8)
      return false;
    x = x << 4 | (uint32_t)hexval(**p);
    (*p)++;
  }
  *v = x;
  return n > 0;
}

static void put_hex8(char *out, uint8_t b) {
  static const char hx[] = "0123456789abcdef";
  out[0] = hx[b >> 4];
  out[1] = hx[b & 15];
}

/* A 32-bit register in target byte order (little-endian). */
static char *put_reg32(char *out, uint32_t v) {
  for (int i = 0; i < 4; i++, out += 2)
    put_hex8(out, (uint8_t)(v >> (8 * i)));
  return out;
}

/* ---------------- registers ---------------- */

/* gdb's i386 register numbers 0-15 and 16-31 (x87: unavailable). */
#define GDB_NREGS 32
static const char *const gdb_reg_name[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                             "eip", "eflags", "cs", "ss", "ds", "es", "fs", "gs"};
static int gdb_reg_size(int r) { return r >= 16 && r < 24 ? 10 : 4; }

/* The debugger's index (dbg_reg_parse) of gdb register r < 16. */
static int dbg_index(int r) { return dbg_reg_parse(gdb_reg_name[r]); }

static char *put_reg(Debugger *d, const DbgRegs *regs, int r, char *out) {
  if (r >= 16) { /* x87 state is not part of debug.h: unavailable */
    memset(out, 'x', (size_t)gdb_reg_size(r) * 2);
    return out + gdb_reg_size(r) * 2;
  }
  (void)d;
  return put_reg32(out, dbg_reg_value(regs, dbg_index(r)));
}

static void target_xml(char *buf, size_t size) {
  static const char *const x87[8] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
  size_t n = (size_t)snprintf(buf, size,
                              "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
                              "<target version=\"1.0\"><architecture>i386</architecture>"
                              "<feature name=\"org.gnu.gdb.i386.core\">");
  for (int r = 0; r < 16 && n < size; r++) {
    const char *type = r == 4 || r == 5 ? "data_ptr" : r == 8 ? "code_ptr" : "int32";
    n += (size_t)snprintf(buf + n, size - n, "<reg name=\"%s\" bitsize=\"32\" type=\"%s\" regnum=\"%d\"/>",
                          gdb_reg_name[r], type, r);
  }
  for (int i = 0; i < 8 && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "<reg name=\"st%d\" bitsize=\"80\" type=\"i387_ext\"/>", i);
  for (int i = 0; i < 8 && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "<reg name=\"%s\" bitsize=\"32\" type=\"int\" group=\"float\"/>",
                          x87[i]);
  if (n < size)
    snprintf(buf + n, size - n, "</feature></target>");
}

/* ---------------- breakpoints ---------------- */

static GdbBp *bp_find(GdbStub *g, int type, uint32_t addr, uint32_t len) {
  for (int i = 0; i < MAX_GDB_BPS; i++)
    if (g->bps[i].used && g->bps[i].type == type && g->bps[i].addr == addr && (type < 2 || g->bps[i].len == len))
      return &g->bps[i];
  return NULL;
}

static void handle_z(GdbStub *g, const char *p, bool insert, char *reply) {
  uint32_t type, addr, kind;
  if (!parse_hex(&p, &type) || *p++ != ',' || !parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &kind) ||
      (*p && *p != ';')) {
    strcpy(reply, "E01");
    return;
  }
  if (type > 4) {
    reply[0] = 0;
    return;
  }
  GdbBp *b = bp_find(g, (int)type, addr, kind);
  if (!insert) {
    if (b) {
      dbg_delete(g->d, b->id);
      b->used = false;
    }
    strcpy(reply, "OK");
    return;
  }
  if (b) {
    strcpy(reply, "OK");
    return;
  }
  for (int i = 0; i < MAX_GDB_BPS && !b; i++)
    if (!g->bps[i].used)
      b = &g->bps[i];
  char err[160];
  int id = !b          ? -1
           : type == 2 ? dbg_watch(g->d, addr, kind, err, sizeof err)
           : type == 3 ? dbg_watch_access(g->d, addr, kind, DBG_IO_READ, err, sizeof err)
           : type == 4 ? dbg_watch_access(g->d, addr, kind, DBG_IO_READ | DBG_IO_WRITE, err, sizeof err)
                       : dbg_break_lin(g->d, addr, err, sizeof err);
  if (id < 0) {
    strcpy(reply, type >= 2 ? "E14" : "E28"); /* not mapped (or not RAM) / no room */
    return;
  }
  *b = (GdbBp){true, (int)type, addr, kind, id};
  strcpy(reply, "OK");
}

/* ---------------- running ---------------- */

/* The stop reply for a run's result; true if the machine is gone (W/X). */
static bool stop_reply(GdbStub *g, const DbgResult *r, char *reply) {
  strcpy(reply, "T05");
  switch (r->stop) {
  case DBG_STOP_BREAKPOINT:
  case DBG_STOP_WATCH:
    for (int i = 0; i < MAX_GDB_BPS; i++) {
      GdbBp *b = &g->bps[i];
      if (!b->used || b->id != r->bp_id)
        continue;
      if (b->type >= 2)
        snprintf(reply, 64, "T05%s:%x;", b->type == 2 ? "watch" : b->type == 3 ? "rwatch" : "awatch", b->addr);
      else
        strcpy(reply, b->type == 0 ? "T05swbreak:;" : "T05hwbreak:;");
    }
    return false;
  case DBG_STOP_REQUEST: strcpy(reply, "T02"); return false; /* SIGINT */
  case DBG_STOP_MACHINE:
    switch (r->machine_stop) {
    case MSTOP_GUEST_EXIT: snprintf(reply, 16, "W%02x", (unsigned)g->m->exit_status & 0xff); return true;
    case MSTOP_TRIPLE:
    case MSTOP_SHUTDOWN: strcpy(reply, "X0b"); return true; /* SIGSEGV */
    case MSTOP_HALT:
    case MSTOP_IDLE_FOREVER:
    case MSTOP_POWER_OFF: strcpy(reply, "W00"); return true;
    default: strcpy(reply, "T05"); return false;
    }
  default: return false;
  }
}

/* Around a run (forward or a reverse search): the client is polled for
 * Ctrl+C, SIGINT stops it too; after it, the Ctrl+C bytes that came were
 * handled, so they are dropped from what follows. */
static void running(GdbStub *g, bool on) {
  g->running = on;
  g_running = on ? g->d : NULL;
  dbg_set_poll(g->d, on ? poll_client : NULL, on ? g : NULL);
  if (on) {
    g->interrupt = false;
    return;
  }
  size_t k = g->inq_pos;
  for (size_t i = g->inq_pos; i < g->inq_len; i++)
    if (g->inq[i] != 0x03)
      g->inq[k++] = g->inq[i];
  g->inq_len = k;
}

/* c / s / vCont: optional new EIP, then run. */
static bool resume(GdbStub *g, bool step, const char *addr, char *reply, DbgResult *res) {
  if (addr && *addr) {
    uint32_t eip;
    char err[160];
    if (!parse_hex(&addr, &eip) || *addr || dbg_set_reg(g->d, dbg_reg_parse("eip"), eip, err, sizeof err) < 0) {
      strcpy(reply, "E01");
      return false;
    }
    g->m->host_inputs++; /* changed_state */
  }
  running(g, true);
  *res = step ? dbg_step(g->d, 1, NULL) : dbg_continue(g->d, NULL);
  running(g, false);
  if (g->interrupt && res->stop == DBG_STOP_STEP)
    res->stop = DBG_STOP_REQUEST;
  return stop_reply(g, res, reply);
}

/*
 * bs / bc: back one instruction, or to the last breakpoint or watchpoint
 * stop before now (reverse.c replays the checkpoints), answered as a stop
 * in that direction.  At the beginning of the history: "replaylog:begin",
 * which gdb shows as the end of the reverse-execution history.  A
 * watchpoint's stop is reported before the instruction that made the
 * access, where gdb (like a recording target) expects it going backward:
 * the bytes then hold their earlier value and gdb shows it as the new one.
 */
static void reverse(GdbStub *g, bool cont, char *reply) {
  char err[200];
  uint64_t begin;
  if (!rev_history_begin(g->rev, &begin) || g->m->cpu->icount <= begin) {
    strcpy(reply, "T05replaylog:begin;");
    return;
  }
  if (!cont) {
    if (rev_step(g->rev, 1, err, sizeof err) < 0) {
      fprintf(stderr, "x86vm: gdb: reverse-step: %s\n", err);
      strcpy(reply, "E01");
    } else {
      strcpy(reply, "T05");
    }
    return;
  }
  /* A long search back can be stopped with Ctrl+C, as a run can. */
  DbgResult res;
  running(g, true);
  int rc = rev_continue(g->rev, &res, err, sizeof err);
  running(g, false);
  if (rc == 2) {
    strcpy(reply, "T02");
    return;
  }
  if (rc < 0) {
    fprintf(stderr, "x86vm: gdb: reverse-continue: %s\n", err);
    strcpy(reply, "E01");
    return;
  }
  if (rc == 0) {
    strcpy(reply, "T05replaylog:begin;");
    return;
  }
  if (res.stop == DBG_STOP_WATCH && res.have_prev && rev_step(g->rev, 1, err, sizeof err) < 0)
    fprintf(stderr, "x86vm: gdb: reverse-continue: %s\n", err);
  stop_reply(g, &res, reply);
}

/* gdb changed the guest's state: history before it cannot be replayed to
 * now (reverse.h: it counts as host input). */
static void changed_state(GdbStub *g) { g->m->host_inputs++; }

/* ---------------- packets ---------------- */

enum { GO_ON, GO_KILL, GO_DETACH, GO_EXITED };

static int handle_packet(GdbStub *g, char *p, char *reply, MachineStop *why) {
  Debugger *d = g->d;
  DbgRegs regs;
  char err[160];
  reply[0] = 0;
  switch (p[0]) {
  case '?': strcpy(reply, "T05"); break;
  case 'g': {
    dbg_get_regs(d, &regs);
    char *o = reply;
    for (int r = 0; r < GDB_NREGS; r++)
      o = put_reg(d, &regs, r, o);
    *o = 0;
    break;
  }
  case 'G': { /* registers 0-15; the x87 part that follows is ignored */
    const char *q = p + 1;
    uint32_t v[16];
    for (int r = 0; r < 16; r++) {
      v[r] = 0;
      for (int i = 0; i < 4; i++) {
        int hi = hexval(q[0]), lo = hi < 0 ? -1 : hexval(q[1]);
        if (lo < 0) {
          strcpy(reply, "E01");
          return GO_ON;
        }
        v[r] |= (uint32_t)(hi << 4 | lo) << (8 * i);
        q += 2;
      }
    }
    changed_state(g);
    for (int r = 0; r < 16; r++)
      if (dbg_set_reg(d, dbg_index(r), v[r], err, sizeof err) < 0) {
        strcpy(reply, "E22");
        return GO_ON;
      }
    strcpy(reply, "OK");
    break;
  }
  case 'p': {
    const char *q = p + 1;
    uint32_t r;
    if (!parse_hex(&q, &r) || *q || r >= GDB_NREGS) {
      strcpy(reply, "E01");
      break;
    }
    dbg_get_regs(d, &regs);
    *put_reg(d, &regs, (int)r, reply) = 0;
    break;
  }
  case 'P': {
    const char *q = p + 1;
    uint32_t r, v = 0;
    if (!parse_hex(&q, &r) || *q++ != '=' || r >= GDB_NREGS) {
      strcpy(reply, "E01");
      break;
    }
    if (r >= 16 || strlen(q) != 8) {
      strcpy(reply, r >= 16 ? "E22" : "E01");
      break;
    }
    for (int i = 0; i < 4; i++) {
      int hi = hexval(q[2 * i]), lo = hi < 0 ? -1 : hexval(q[2 * i + 1]);
      if (lo < 0) {
        strcpy(reply, "E01");
        return GO_ON;
      }
      v |= (uint32_t)(hi << 4 | lo) << (8 * i);
    }
    changed_state(g);
    strcpy(reply, dbg_set_reg(d, dbg_index((int)r), v, err, sizeof err) < 0 ? "E22" : "OK");
    break;
  }
  case 'm': {
    const char *q = p + 1;
    uint32_t addr, len;
    if (!parse_hex(&q, &addr) || *q++ != ',' || !parse_hex(&q, &len) || *q) {
      strcpy(reply, "E01");
      break;
    }
    if (len > PKT_MAX / 2)
      len = PKT_MAX / 2;
    uint8_t buf[PKT_MAX / 2];
    uint32_t got = dbg_read_lin(d, addr, buf, len);
    if (got == 0 && len) {
      strcpy(reply, "E14");
      break;
    }
    for (uint32_t i = 0; i < got; i++)
      put_hex8(reply + 2 * i, buf[i]);
    reply[2 * got] = 0;
    break;
  }
  case 'M': {
    const char *q = p + 1;
    uint32_t addr, len;
    if (!parse_hex(&q, &addr) || *q++ != ',' || !parse_hex(&q, &len) || *q++ != ':' || strlen(q) != 2 * (size_t)len) {
      strcpy(reply, "E01");
      break;
    }
    uint8_t buf[PKT_MAX / 2];
    for (uint32_t i = 0; i < len; i++) {
      int hi = hexval(q[2 * i]), lo = hi < 0 ? -1 : hexval(q[2 * i + 1]);
      if (lo < 0) {
        strcpy(reply, "E01");
        return GO_ON;
      }
      buf[i] = (uint8_t)(hi << 4 | lo);
    }
    changed_state(g);
    strcpy(reply, dbg_write_lin(d, addr, buf, len) == len ? "OK" : "E14");
    break;
  }
  case 'c':
  case 's': {
    DbgResult res;
    if (resume(g, p[0] == 's', p + 1, reply, &res)) {
      *why = res.machine_stop;
      return GO_EXITED;
    }
    break;
  }
  case 'Z':
  case 'z': handle_z(g, p + 1, p[0] == 'Z', reply); break;
  case 'b':
    if (g->rev && (p[1] == 's' || p[1] == 'c') && !p[2])
      reverse(g, p[1] == 'c', reply);
    break; /* without recording (or bN, the baud rate): empty, not supported */
  case 'k': *why = MSTOP_QUIT; return GO_KILL;
  case 'D': strcpy(reply, "OK"); return GO_DETACH;
  case 'H': strcpy(reply, "OK"); break; /* one thread */
  case 'T': strcpy(reply, "OK"); break;
  case 'v':
    if (strcmp(p, "vCont?") == 0) {
      strcpy(reply, "vCont;c;C;s;S");
    } else if (strncmp(p, "vCont;", 6) == 0) {
      char a = p[6];
      if (a != 'c' && a != 's' && a != 'C' && a != 'S') {
        strcpy(reply, "E01");
        break;
      }
      DbgResult res;
      if (resume(g, a == 's' || a == 'S', NULL, reply, &res)) {
        *why = res.machine_stop;
        return GO_EXITED;
      }
    } else if (strncmp(p, "vKill", 5) == 0) {
      *why = MSTOP_QUIT;
      return GO_KILL;
    }
    break; /* anything else (vMustReplyEmpty...): empty */
  case 'q':
    if (strncmp(p, "qSupported", 10) == 0) {
      snprintf(reply, 128, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+%s", PKT_MAX,
               g->rev ? ";ReverseStep+;ReverseContinue+" : "");
    } else if (strcmp(p, "qAttached") == 0) {
      strcpy(reply, "1");
    } else if (strcmp(p, "qC") == 0) {
      strcpy(reply, "QC1");
    } else if (strcmp(p, "qfThreadInfo") == 0) {
      strcpy(reply, "m1");
    } else if (strcmp(p, "qsThreadInfo") == 0) {
      strcpy(reply, "l");
    } else if (strncmp(p, "qSymbol", 7) == 0) {
      strcpy(reply, "OK");
    } else if (strncmp(p, "qXfer:features:read:target.xml:", 31) == 0) {
      const char *q = p + 31;
      uint32_t off, len;
      if (!parse_hex(&q, &off) || *q++ != ',' || !parse_hex(&q, &len) || *q) {
        strcpy(reply, "E01");
        break;
      }
      static char xml[4096];
      target_xml(xml, sizeof xml);
      size_t total = strlen(xml);
      if (len > PKT_MAX - 2)
        len = PKT_MAX - 2;
      if (off >= total) {
        strcpy(reply, "l");
        break;
      }
      size_t n = total - off < len ? total - off : len;
      reply[0] = off + n >= total ? 'l' : 'm';
      memcpy(reply + 1, xml + off, n); /* no '$', '#', '}' or '*' in it: nothing to escape */
      reply[1 + n] = 0;
    } else if (strncmp(p, "qXfer:", 6) == 0) {
      strcpy(reply, "E00");
    }
    break;
  case 'Q':
    if (strcmp(p, "QStartNoAckMode") == 0) {
      send_packet(g, "OK");
      g->noack = true;
      return GO_ON;
    }
    break;
  default: break;
  }
  return GO_ON;
}

/* ---------------- the session ---------------- */

/* Feed one byte to the parser: a complete packet is handled (and answered). */
static int feed(GdbStub *g, uint8_t c, char *reply, MachineStop *why) {
  switch (g->st) {
  case 0:
    if (c == '$') {
      g->st = 1;
      g->n = 0;
      g->sum = 0;
      g->overlong = false;
    } else if (c == '-' && g->out_len && g->resends < 3) {
      g->resends++;
      send_raw(g, g->out, g->out_len);
    } else if (c == 0x03) { /* Ctrl+C while stopped: we are stopped */
      send_packet(g, "T02");
    }
    return GO_ON;
  case 1:
    if (c == '#') {
      g->st = 2;
    } else if (c == '$') { /* a new packet before the end of this one: start again */
      g->n = 0;
      g->sum = 0;
      g->overlong = false;
    } else {
      g->sum = (uint8_t)(g->sum + c);
      if (g->n < PKT_MAX)
        g->pkt[g->n++] = (char)c;
      else
        g->overlong = true;
    }
    return GO_ON;
  case 2:
    g->ck[0] = (char)c;
    g->st = 3;
    return GO_ON;
  default:
    break;
  }
  g->ck[1] = (char)c;
  g->st = 0;
  int hi = hexval(g->ck[0]), lo = hexval(g->ck[1]);
  if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != g->sum) {
    if (!g->noack)
      send_raw(g, "-", 1);
    return GO_ON;
  }
  if (!g->noack)
    send_raw(g, "+", 1);
  if (g->overlong) {
    send_packet(g, "E01");
    return GO_ON;
  }
  g->pkt[g->n] = 0;
  if (memchr(g->pkt, 0, g->n)) { /* a NUL inside: no command of ours has one */
    send_packet(g, "E01");
    return GO_ON;
  }
  int r = handle_packet(g, g->pkt, reply, why);
  if (r == GO_ON || r == GO_DETACH || r == GO_EXITED) {
    if (r != GO_ON || g->pkt[0] != 'Q' || strcmp(g->pkt, "QStartNoAckMode") != 0)
      send_packet(g, reply);
  }
  return r;
}

MachineStop gdbstub_run(GdbStub *g, Machine *m, uint32_t reverse_mib, bool *detached) {
  *detached = false;
  g->m = m;
  g->d = dbg_attach(m);
  if (!g->d) {
    fprintf(stderr, "x86vm: gdb: out of memory\n");
    return MSTOP_QUIT;
  }
  char err[200];
  /* Recording needs --deterministic (which --record-mem implies): without
   * it, no reverse execution and nothing to say. */
  if (reverse_mib && !(g->rev = rev_new(g->d, reverse_mib, err, sizeof err)) && m->clock->deterministic)
    fprintf(stderr, "x86vm: gdb: no reverse execution: %s\n", err);
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  g_signal = 0;
  if (g->chr)
    fprintf(stderr, "x86vm: waiting for gdb on %s\n", g->chr->path);
  static char reply[2 * PKT_MAX + 8];
  MachineStop why = MSTOP_QUIT;
  int r = GO_ON;
  while (r == GO_ON) {
    if (g_signal) {
      why = MSTOP_QUIT;
      break;
    }
    if (g->inq_pos == g->inq_len && !g->chr) {
      if (!read_some(g)) {
        r = GO_DETACH;
        break;
      }
      continue;
    }
    if (g->inq_pos == g->inq_len) {
      bool had = g->chr->in_fd >= 0;
      int fd = chardev_wait_fd(g->chr);
      struct pollfd p = {fd, POLLIN, 0};
      if (fd >= 0)
        poll(&p, 1, 200);
      read_some(g);
      if (!had && g->chr->in_fd >= 0) {
        fprintf(stderr, "x86vm: gdb connected\n");
        g->gone = false;
      }
      if (had && !connected(g)) {
        r = GO_DETACH; /* the client went away: as a detach */
        break;
      }
      continue;
    }
    r = feed(g, g->inq[g->inq_pos++], reply, &why);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  if (r == GO_DETACH)
    *detached = true;
  if (g->chr && g->chr->in_fd >= 0)
    chardev_drop_client(g->chr);
  rev_free(g->rev);
  g->rev = NULL;
  dbg_detach(g->d);
  g->d = NULL;
  return why;
}
