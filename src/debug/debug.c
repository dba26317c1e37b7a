/*
 * debug.c — the debugger's core (see debug.h): breakpoints, stepping and
 * running the machine under the debugger.  Prints nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "debug.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "exec.h"

#define BRK_PHYS (1u << 20)       /* Debugger.brk_pages: a physical page */
#define BRK_MAP_BYTES (1u << 17)  /* a bitmap of 1 << 20 pages */

struct Debugger {
  Machine *m;
  Cpu *cpu;
  DbgBreakpoint bp[DBG_MAX_BPS]; /* id 0: free */
  int next_id;
  DbgBreakpoint *exec[DBG_MAX_BPS]; /* enabled execution breakpoints */
  int nexec;
  bool per_insn;            /* watchpoints are set: continue steps */
  /* Execution breakpoints armed in the CPU (Cpu.brk_lin/brk_phys): the
   * bitmaps (linear, then physical) and the pages marked there, sorted
   * (linear page, or physical page | BRK_PHYS). */
  uint8_t *brk_map;
  uint32_t brk_pages[DBG_MAX_BPS * 3];
  int nbrk;
  DbgStats stats;
  CpuIoHooks io;    /* the machine's hooks, wrapped */
  /* the running command */
  StepRecord *rec;          /* the step being recorded, or NULL */
  bool stepping;            /* a one-instruction step runs: stop before an interrupt handler */
  bool delivered;           /* the step delivered an interrupt or exception */
  MemWriteLog wlog;         /* writes of the recorded step */
  bool tlb_slow;            /* TLB entries without write pointers were made: flush before running fast */
  DbgResult hook;           /* a hook's stop (hook.stop != NONE), with its details */
  volatile sig_atomic_t stop_req;
  DbgStepFn step_fn;
  void *step_opaque;
  void (*poll)(void *opaque); /* dbg_set_poll */
  void *poll_opaque;
};

/* ---------------- memory without faults ---------------- */

bool dbg_lin_to_phys(Debugger *d, uint32_t lin, uint32_t *pa) {
  Cpu *c = d->cpu;
  if (!(c->cr[0] & CR0_PG)) {
    *pa = lin & c->mem->a20_mask;
    return true;
  }
  Mem *m = c->mem;
  uint32_t pde = mem_read32(m, (c->cr[3] & ~PAGE_MASK) + ((lin >> 22) << 2));
  if (!(pde & 1))
    return false;
  if ((pde & 0x80) && (c->cr[4] & CR4_PSE)) {
    *pa = (pde & 0xffc00000u) | (lin & 0x003fffffu);
    return true;
  }
  uint32_t pte = mem_read32(m, (pde & ~PAGE_MASK) + (((lin >> 12) & 0x3ff) << 2));
  if (!(pte & 1))
    return false;
  *pa = (pte & ~PAGE_MASK) | (lin & PAGE_MASK);
  return true;
}

/* Read physical memory from RAM/ROM/device RAM only (no MMIO side effects). */
static bool read_phys(Debugger *d, uint32_t pa, uint8_t *out) {
  uint8_t *h = mem_page_read_ptr(d->cpu->mem, pa >> PAGE_SHIFT);
  if (!h)
    return false;
  *out = h[pa & PAGE_MASK];
  return true;
}

uint32_t dbg_read_lin(Debugger *d, uint32_t lin, void *buf, uint32_t len) {
  uint8_t *b = buf;
  for (uint32_t i = 0; i < len; i++) {
    uint32_t pa;
    if (!dbg_lin_to_phys(d, lin + i, &pa) || !read_phys(d, pa, &b[i]))
      return i;
  }
  return len;
}

uint32_t dbg_write_lin(Debugger *d, uint32_t lin, const void *buf, uint32_t len) {
  Mem *mem = d->cpu->mem;
  const uint8_t *b = buf;
  uint32_t i = 0;
  /* The watchpoints' own hook would take this write for the guest's. */
  void (*hook)(void *, uint32_t) = mem->watch_hook;
  mem->watch_hook = NULL;
  for (; i < len; i++) {
    uint32_t pa, pg;
    if (!dbg_lin_to_phys(d, lin + i, &pa))
      break;
    pa &= mem->a20_mask;
    pg = pa >> PAGE_SHIFT;
    /* Plain RAM only: a ROM or device region over it has its own page. */
    if (pa >= mem->ram_size || mem_page_read_ptr(mem, pg) != mem->ram + ((size_t)pg << PAGE_SHIFT))
      break;
    mem_write8(mem, pa, b[i]); /* drops decoded and translated code there */
  }
  mem->watch_hook = hook;
  for (int k = 0; k < DBG_MAX_BPS; k++) {
    DbgBreakpoint *bp = &d->bp[k];
    if (bp->id && bp->kind == DBG_BP_WATCH)
      memcpy(bp->shadow, mem->ram + bp->addr, bp->len);
  }
  return i;
}

int dbg_fetch_insn(Debugger *d, uint32_t lin, bool code32, uint8_t buf[15], Insn *in) {
  int n = (int)dbg_read_lin(d, lin, buf, 15);
  if (n == 0)
    return 0;
  uint32_t mode = (code32 ? DEC_MODE_32 : 0u) | (cpu_is_286(d->cpu) ? DEC_MODE_286 : 0u);
  int r = x86_decode(buf, (size_t)n, (int)mode, in);
  return r > 0 ? r : (r == DEC_TRUNCATED ? 0 : -1);
}

/* ---------------- registers ---------------- */

void dbg_get_regs(Debugger *d, DbgRegs *r) {
  Cpu *c = d->cpu;
  memcpy(r->regs, c->regs, sizeof r->regs);
  r->eip = c->eip;
  r->eflags = cpu_get_flags(c);
  memcpy(r->seg, c->seg, sizeof r->seg);
  memcpy(r->cr, c->cr, sizeof r->cr);
  r->gdt_base = c->gdt_base;
  r->gdt_limit = c->gdt_limit;
  r->idt_base = c->idt_base;
  r->idt_limit = c->idt_limit;
  r->cpl = c->cpl;
  r->mode = c->mode;
  r->halted = c->halted;
}

int dbg_set_reg(Debugger *d, int idx, uint32_t v, char *err, size_t errlen) {
  Cpu *c = d->cpu;
  if (idx >= 0 && idx < 8) {
    c->regs[idx] = v;
  } else if (idx == 24) { /* eip */
    if (!(c->mode & CPU_MODE_CS32) && v > 0xffff) {
      snprintf(err, errlen, "EIP %#x does not fit 16-bit code", v);
      return -1;
    }
    c->eip = v;
  } else if (idx == 25) { /* eflags */
    const uint32_t mask = F_CF | F_PF | F_AF | F_ZF | F_SF | F_TF | F_IF | F_DF | F_OF;
    if ((v ^ cpu_get_flags(c)) & ~mask) {
      snprintf(err, errlen, "EFLAGS %#x: only CF PF AF ZF SF TF IF DF OF may change", v);
      return -1;
    }
    cpu_set_flags(c, v, mask);
  } else if (idx >= 26 && idx < 32) { /* es cs ss ds fs gs */
    SegCache *sc = &c->seg[idx - 26];
    if (v > 0xffff) {
      snprintf(err, errlen, "selector %#x is more than 16 bits", v);
      return -1;
    }
    if (sc->sel == v)
      return 0;
    if ((c->cr[0] & CR0_PE) && !(c->mode & CPU_MODE_VM86)) {
      snprintf(err, errlen, "segment registers are loaded by the guest in protected mode");
      return -1;
    }
    sc->sel = (uint16_t)v;
    sc->base = v << 4;
    if (idx - 26 == S_CS)
      tlb_flush(c); /* code translations key on the CS base; a fresh epoch drops the jump cache */
  } else {
    snprintf(err, errlen, "register %s cannot be written", dbg_reg_name(idx));
    return -1;
  }
  return 0;
}

/* Names conditions may use: 32/16/8-bit registers, EIP, EFLAGS, segment
 * selectors, CR0-CR4, single flags. */
static const char *const reg_names[] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",  /* 0-7 */
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",          /* 8-15 */
    "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh",          /* 16-23 */
    "eip", "eflags", "es", "cs", "ss", "ds", "fs", "gs",     /* 24-31 */
    "cr0", "cr2", "cr3", "cr4", "cf", "pf", "af", "zf",      /* 32-39 */
    "sf", "tf", "if", "df", "of", "ip", "cpl",               /* 40-46 */
};
#define NREG_NAMES ((int)(sizeof reg_names / sizeof reg_names[0]))

int dbg_reg_parse(const char *name) {
  for (int i = 0; i < NREG_NAMES; i++)
    if (strcasecmp(name, reg_names[i]) == 0)
      return i;
  return -1;
}

const char *dbg_reg_name(int idx) { return idx >= 0 && idx < NREG_NAMES ? reg_names[idx] : "?"; }

uint32_t dbg_reg_value(const DbgRegs *r, int i) {
  static const uint32_t flag_bits[] = {F_CF, F_PF, F_AF, F_ZF, F_SF, F_TF, F_IF, F_DF, F_OF};
  static const uint8_t cr_idx[] = {0, 2, 3, 4};
  if (i < 8)
    return r->regs[i];
  if (i < 16)
    return r->regs[i - 8] & 0xffff;
  if (i < 20)
    return r->regs[i - 16] & 0xff;
  if (i < 24)
    return (r->regs[i - 20] >> 8) & 0xff;
  if (i == 24)
    return r->eip;
  if (i == 25)
    return r->eflags;
  if (i < 32)
    return r->seg[i - 26].sel;
  if (i < 36)
    return r->cr[cr_idx[i - 32]];
  if (i < 45)
    return (r->eflags & flag_bits[i - 36]) ? 1 : 0;
  if (i == 45)
    return r->eip & 0xffff;
  return r->cpl;
}

static bool cond_true(const DbgCond *c, const DbgRegs *r) {
  if (!c->on)
    return true;
  uint32_t a = dbg_reg_value(r, c->reg), b = c->rhs_reg ? dbg_reg_value(r, c->reg2) : c->value;
  switch (c->op) {
  case DBG_EQ: return a == b;
  case DBG_NE: return a != b;
  case DBG_LT: return a < b;
  case DBG_LE: return a <= b;
  case DBG_GT: return a > b;
  case DBG_GE: return a >= b;
  }
  return false;
}

/* ---------------- hooks ---------------- */

static DbgBreakpoint *exec_bp_match(Debugger *d, bool cond);
static void brk_arm(Debugger *d);
static DbgBreakpoint *bp_find(Debugger *d, int id);

static void hook_stop(Debugger *d) {
  d->m->stop_requested = 1;
  cpu_request_stop(d->cpu);
}

/* The first hook stop of a command wins; later ones only count. */
static bool hook_claim(Debugger *d, DbgStop why, DbgBreakpoint *b) {
  if (d->hook.stop != DBG_STOP_NONE)
    return false;
  if (b) {
    DbgRegs r;
    dbg_get_regs(d, &r);
    if (!cond_true(&b->cond, &r))
      return false;
    b->hits++;
  }
  d->hook.stop = why;
  d->hook.bp_id = b ? b->id : 0;
  hook_stop(d);
  return true;
}

static void on_cpu_event(Cpu *c, int ev, uint32_t a, uint32_t b) {
  Debugger *d = c->dbg_opaque;
  if (ev == CPU_DBG_INT) {
    unsigned vec = a & 0xff, kind = a >> 8;
    const char *why = kind == CPU_DBG_INT_EXCEPTION ? c->fault_reason : NULL;
    c->fault_reason = NULL;
    if (d->rec && d->rec->nints < DBG_MAX_INTS) {
      DbgIntRec *ir = &d->rec->ints[d->rec->nints++];
      ir->vector = (uint8_t)vec;
      ir->kind = (uint8_t)kind;
      ir->error = b;
      ir->reason = why;
      ir->cr2 = c->cr[2];
    }
    /* A step ends at the first instruction of a handler the CPU entered by
     * itself (an external interrupt or an exception): that is a step too. */
    if (d->stepping && kind != CPU_DBG_INT_SOFTWARE)
      hook_stop(d);
    d->delivered = true;
    for (int i = 0; i < DBG_MAX_BPS; i++) {
      DbgBreakpoint *bp = &d->bp[i];
      if (bp->id && bp->enabled && bp->kind == DBG_BP_INT && bp->addr == vec)
        hook_claim(d, DBG_STOP_INT, bp);
    }
  } else if (ev == CPU_DBG_MODE) {
    for (int i = 0; i < DBG_MAX_BPS; i++) {
      DbgBreakpoint *bp = &d->bp[i];
      if (bp->id && bp->enabled && bp->kind == DBG_BP_MODE && ((a ^ b) & bp->addr) &&
          hook_claim(d, DBG_STOP_MODE, bp)) {
        d->hook.mode_old = a;
        d->hook.mode_new = b;
      }
    }
    /* A CS:EIP breakpoint's page depends on what its selector means now. */
    if (c->brk_lin)
      brk_arm(d);
  } else if (ev == CPU_DBG_EXEC) {
    /* The CPU is about to run an instruction on a page with an execution
     * breakpoint.  (A step looks at breakpoints itself, after it.) */
    DbgBreakpoint *bp = d->stepping ? NULL : exec_bp_match(d, true);
    if (bp)
      hook_claim(d, DBG_STOP_BREAKPOINT, bp);
  }
}

static void on_io(Debugger *d, uint16_t port, int size, bool out, uint32_t v) {
  if (d->rec && d->rec->nio < DBG_MAX_IO)
    d->rec->io[d->rec->nio++] = (DbgIoRec){port, (uint8_t)size, out, v};
  for (int i = 0; i < DBG_MAX_BPS; i++) {
    DbgBreakpoint *bp = &d->bp[i];
    if (!bp->id || !bp->enabled || bp->kind != DBG_BP_IO || port - bp->addr >= bp->len ||
        !(bp->io & (out ? DBG_IO_WRITE : DBG_IO_READ)) || (bp->io_value_on && bp->io_value != v))
      continue;
    if (hook_claim(d, DBG_STOP_IO, bp)) {
      d->hook.io_port = port;
      d->hook.io_out = out;
      d->hook.io_value = v;
    }
  }
}

static uint32_t dbg_port_in(void *opaque, uint16_t port, int size) {
  Debugger *d = opaque;
  uint32_t v = cpu_io_in(&d->io, port, size);
  on_io(d, port, size, false, v);
  return v;
}

static void dbg_port_out(void *opaque, uint16_t port, int size, uint32_t v) {
  Debugger *d = opaque;
  cpu_io_out(&d->io, port, size, v);
  on_io(d, port, size, true, v);
}

static int dbg_int_ack(void *opaque) {
  Debugger *d = opaque;
  return cpu_io_ack(&d->io);
}

/* A write hit a watched page: compare each watchpoint there with its shadow. */
static void on_watch(void *opaque, uint32_t pa) {
  Debugger *d = opaque;
  Mem *mem = d->cpu->mem;
  for (int i = 0; i < DBG_MAX_BPS; i++) {
    DbgBreakpoint *bp = &d->bp[i];
    if (!bp->id || bp->kind != DBG_BP_WATCH || bp->io)
      continue;
    uint32_t first = bp->addr >> PAGE_SHIFT, last = (bp->addr + bp->len - 1) >> PAGE_SHIFT;
    if ((pa >> PAGE_SHIFT) < first || (pa >> PAGE_SHIFT) > last)
      continue;
    const uint8_t *now = mem->ram + bp->addr;
    if (memcmp(now, bp->shadow, bp->len) == 0)
      continue;
    uint8_t old[16];
    uint32_t n = bp->len < 16 ? bp->len : 16;
    memcpy(old, bp->shadow, n);
    memcpy(bp->shadow, now, bp->len);
    if (bp->enabled && hook_claim(d, DBG_STOP_WATCH, bp)) {
      d->hook.watch_len = bp->len;
      memcpy(d->hook.watch_old, old, n);
      memcpy(d->hook.watch_new, now, n);
    }
  }
}

/* A data access the CPU is about to make to a page with no host pointer
 * (Mem.access_hook, set while read or access watchpoints exist). */
static void on_access(void *opaque, uint32_t pa, uint32_t len, bool write) {
  Debugger *d = opaque;
  Mem *mem = d->cpu->mem;
  pa &= mem->a20_mask;
  for (int i = 0; i < DBG_MAX_BPS; i++) {
    DbgBreakpoint *bp = &d->bp[i];
    if (!bp->id || !bp->enabled || bp->kind != DBG_BP_WATCH || !(bp->io & (write ? DBG_IO_WRITE : DBG_IO_READ)))
      continue;
    if (pa + len <= bp->addr || pa >= bp->addr + bp->len)
      continue;
    if (hook_claim(d, DBG_STOP_WATCH, bp)) {
      uint32_t n = bp->len < 16 ? bp->len : 16;
      d->hook.watch_access = write ? DBG_IO_WRITE : DBG_IO_READ;
      d->hook.watch_len = bp->len;
      memcpy(d->hook.watch_old, mem->ram + bp->addr, n); /* before the access */
    }
  }
}

/* A read or access watchpoint's stop: the bytes after the instruction. */
static void access_done(Debugger *d, DbgResult *res) {
  if (res->stop != DBG_STOP_WATCH || !res->watch_access)
    return;
  DbgBreakpoint *bp = bp_find(d, res->bp_id);
  if (bp)
    memcpy(res->watch_new, d->cpu->mem->ram + bp->addr, bp->len < 16 ? bp->len : 16);
}

/* ---------------- attach ---------------- */

Debugger *dbg_attach(Machine *m) {
  Debugger *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->brk_map = calloc(2, BRK_MAP_BYTES);
  if (!d->brk_map) {
    free(d);
    return NULL;
  }
  d->m = m;
  d->cpu = m->cpu;
  d->next_id = 1;
  Cpu *c = m->cpu;
  d->io = cpu_io_hooks(c);
  cpu_set_io_hooks(c, (CpuIoHooks){dbg_port_in, dbg_port_out, dbg_int_ack, d});
  c->dbg_event = on_cpu_event;
  c->dbg_opaque = d;
  c->mem->watch_hook = on_watch;
  c->mem->watch_opaque = d;
  return d;
}

void dbg_detach(Debugger *d) {
  if (!d)
    return;
  for (int i = 0; i < DBG_MAX_BPS; i++)
    if (d->bp[i].id)
      dbg_delete(d, d->bp[i].id);
  Cpu *c = d->cpu;
  if (c->port_in == dbg_port_in)
    cpu_set_io_hooks(c, d->io);
  c->dbg_event = NULL;
  c->dbg_opaque = NULL;
  c->mem->watch_hook = NULL;
  c->mem->watch_opaque = NULL;
  c->mem->access_hook = NULL;
  c->mem->access_opaque = NULL;
  c->brk_lin = c->brk_phys = NULL;
  d->m->icount_stop = UINT64_MAX;
  if (d->tlb_slow)
    tlb_flush(c);
  free(d->wlog.e);
  free(d->brk_map);
  free(d);
}

Machine *dbg_machine(Debugger *d) { return d->m; }

void dbg_set_step_callback(Debugger *d, DbgStepFn fn, void *opaque) {
  d->step_fn = fn;
  d->step_opaque = opaque;
}

void dbg_get_stats(const Debugger *d, DbgStats *st) { *st = d->stats; }

void dbg_set_poll(Debugger *d, void (*fn)(void *opaque), void *opaque) {
  d->poll = fn;
  d->poll_opaque = opaque;
}

bool dbg_poll_stop(Debugger *d) {
  if (d->poll)
    d->poll(d->poll_opaque);
  bool req = d->stop_req;
  d->stop_req = 0;
  d->m->stop_requested = 0;
  return req;
}

void dbg_request_stop(Debugger *d) {
  d->stop_req = 1;
  machine_request_stop(d->m);
}

/* ---------------- breakpoints ---------------- */

/* Rebuild the list of enabled execution breakpoints after any change. */
static void bp_index(Debugger *d) {
  d->nexec = 0;
  d->per_insn = false;
  for (int i = 0; i < DBG_MAX_BPS; i++) {
    DbgBreakpoint *b = &d->bp[i];
    if (!b->id || !b->enabled)
      continue;
    if (b->kind == DBG_BP_CSEIP || b->kind == DBG_BP_LIN || b->kind == DBG_BP_PHYS)
      d->exec[d->nexec++] = b;
    if (b->kind == DBG_BP_WATCH)
      d->per_insn = true;
  }
}

static DbgBreakpoint *bp_new(Debugger *d, DbgBpKind kind, char *err, size_t errlen) {
  for (int i = 0; i < DBG_MAX_BPS; i++)
    if (!d->bp[i].id) {
      DbgBreakpoint *b = &d->bp[i];
      memset(b, 0, sizeof *b);
      b->id = d->next_id++;
      b->kind = kind;
      b->enabled = true;
      return b;
    }
  snprintf(err, errlen, "too many breakpoints (at most %d)", DBG_MAX_BPS);
  return NULL;
}

int dbg_break_cseip(Debugger *d, uint16_t sel, uint32_t off, char *err, size_t errlen) {
  DbgBreakpoint *b = bp_new(d, DBG_BP_CSEIP, err, errlen);
  if (!b)
    return -1;
  b->sel = sel;
  b->addr = off;
  bp_index(d);
  return b->id;
}

int dbg_break_lin(Debugger *d, uint32_t lin, char *err, size_t errlen) {
  DbgBreakpoint *b = bp_new(d, DBG_BP_LIN, err, errlen);
  if (!b)
    return -1;
  b->addr = lin;
  bp_index(d);
  return b->id;
}

int dbg_break_phys(Debugger *d, uint32_t pa, char *err, size_t errlen) {
  DbgBreakpoint *b = bp_new(d, DBG_BP_PHYS, err, errlen);
  if (!b)
    return -1;
  b->addr = pa;
  bp_index(d);
  return b->id;
}

int dbg_break_io(Debugger *d, uint16_t port, uint32_t nports, unsigned dirs, bool with_value, uint32_t value,
                 char *err, size_t errlen) {
  if (nports == 0 || port + nports > 0x10000) {
    snprintf(err, errlen, "port range %#x+%u is outside 0-FFFFh", port, nports);
    return -1;
  }
  DbgBreakpoint *b = bp_new(d, DBG_BP_IO, err, errlen);
  if (!b)
    return -1;
  b->addr = port;
  b->len = nports;
  b->io = dirs ? dirs : DBG_IO_READ | DBG_IO_WRITE;
  b->io_value_on = with_value;
  b->io_value = value;
  bp_index(d);
  return b->id;
}

int dbg_break_int(Debugger *d, uint8_t vector, char *err, size_t errlen) {
  DbgBreakpoint *b = bp_new(d, DBG_BP_INT, err, errlen);
  if (!b)
    return -1;
  b->addr = vector;
  bp_index(d);
  return b->id;
}

int dbg_break_mode(Debugger *d, uint32_t bits, char *err, size_t errlen) {
  bits &= CPU_MODE_PE | CPU_MODE_PG | CPU_MODE_VM86;
  if (!bits) {
    snprintf(err, errlen, "no mode bit to watch (pe, pg, v86)");
    return -1;
  }
  DbgBreakpoint *b = bp_new(d, DBG_BP_MODE, err, errlen);
  if (!b)
    return -1;
  b->addr = bits;
  bp_index(d);
  return b->id;
}

/* Mark or unmark the pages of every watchpoint; drop write pointers and translations' shortcuts. */
static void watch_pages_update(Debugger *d) {
  Mem *mem = d->cpu->mem;
  uint32_t npages = mem->ram_size >> PAGE_SHIFT;
  for (uint32_t p = 0; p < npages; p++)
    if (mem->page_code[p] & (MEM_PAGE_WATCHED | MEM_PAGE_RWATCHED)) {
      mem_set_watched(mem, p, false);
      mem_set_rwatched(mem, p, false);
    }
  bool access = false;
  for (int i = 0; i < DBG_MAX_BPS; i++) {
    DbgBreakpoint *b = &d->bp[i];
    if (b->id && b->kind == DBG_BP_WATCH)
      for (uint32_t p = b->addr >> PAGE_SHIFT; p <= (b->addr + b->len - 1) >> PAGE_SHIFT; p++)
        (b->io ? mem_set_rwatched : mem_set_watched)(mem, p, true);
    access |= b->id && b->kind == DBG_BP_WATCH && b->io;
  }
  /* Read and access watchpoints: the CPU's slow path calls on_access for
   * every data access to the marked pages (their TLB entries get no host
   * pointer); without any, the hook is off and the TLB as always. */
  mem->access_hook = access ? on_access : NULL;
  mem->access_opaque = access ? d : NULL;
  /* The TLB may hold write pointers into the pages now watched: translated
   * code and the handlers' fast paths reach memory only through them. */
  tlb_flush(d->cpu);
}

static int watch_new(Debugger *d, uint32_t lin, uint32_t len, unsigned access, char *err, size_t errlen) {
  Mem *mem = d->cpu->mem;
  uint32_t pa, pa_end;
  if (len == 0 || len > 0x100000) {
    snprintf(err, errlen, "watch length %u: give 1 to 1048576 bytes", len);
    return -1;
  }
  if (!dbg_lin_to_phys(d, lin, &pa) || !dbg_lin_to_phys(d, lin + len - 1, &pa_end)) {
    snprintf(err, errlen, "linear %#x is not mapped", lin);
    return -1;
  }
  if (pa_end != pa + len - 1) {
    snprintf(err, errlen, "linear %#x+%u is not physically contiguous", lin, len);
    return -1;
  }
  if ((uint64_t)pa + len > mem->ram_size) {
    snprintf(err, errlen, "physical %#x+%u is not RAM (watchpoints are on RAM)", pa, len);
    return -1;
  }
  uint8_t *shadow = malloc(len);
  if (!shadow) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  DbgBreakpoint *b = bp_new(d, DBG_BP_WATCH, err, errlen);
  if (!b) {
    free(shadow);
    return -1;
  }
  b->addr = pa;
  b->len = len;
  b->io = access;
  b->shadow = shadow;
  memcpy(shadow, mem->ram + pa, len);
  watch_pages_update(d);
  bp_index(d);
  return b->id;
}

int dbg_watch(Debugger *d, uint32_t lin, uint32_t len, char *err, size_t errlen) {
  return watch_new(d, lin, len, 0, err, errlen);
}

int dbg_watch_access(Debugger *d, uint32_t lin, uint32_t len, unsigned access, char *err, size_t errlen) {
  if (access != DBG_IO_READ && access != (DBG_IO_READ | DBG_IO_WRITE)) {
    snprintf(err, errlen, "a read watchpoint or an access watchpoint (read or write)");
    return -1;
  }
  return watch_new(d, lin, len, access, err, errlen);
}

static DbgBreakpoint *bp_find(Debugger *d, int id) {
  for (int i = 0; i < DBG_MAX_BPS; i++)
    if (id > 0 && d->bp[i].id == id)
      return &d->bp[i];
  return NULL;
}

int dbg_set_condition(Debugger *d, int id, const DbgCond *c, char *err, size_t errlen) {
  DbgBreakpoint *b = bp_find(d, id);
  if (!b) {
    snprintf(err, errlen, "no breakpoint %d", id);
    return -1;
  }
  b->cond = *c;
  return 0;
}

int dbg_delete(Debugger *d, int id) {
  DbgBreakpoint *b = bp_find(d, id);
  if (!b)
    return -1;
  bool watch = b->kind == DBG_BP_WATCH;
  free(b->shadow);
  memset(b, 0, sizeof *b);
  if (watch)
    watch_pages_update(d);
  bp_index(d);
  return 0;
}

int dbg_enable(Debugger *d, int id, bool on) {
  DbgBreakpoint *b = bp_find(d, id);
  if (!b)
    return -1;
  b->enabled = on;
  bp_index(d);
  return 0;
}

const DbgBreakpoint *dbg_breakpoint(const Debugger *d, int i) {
  int k = 0;
  /* Slots are reused, ids only grow: list by id. */
  const DbgBreakpoint *order[DBG_MAX_BPS];
  for (int j = 0; j < DBG_MAX_BPS; j++)
    if (d->bp[j].id)
      order[k++] = &d->bp[j];
  for (int a = 1; a < k; a++)
    for (int b = a; b > 0 && order[b - 1]->id > order[b]->id; b--) {
      const DbgBreakpoint *t = order[b - 1];
      order[b - 1] = order[b];
      order[b] = t;
    }
  return i >= 0 && i < k ? order[i] : NULL;
}

/* ---------------- running ---------------- */

/* machine_run_for until it stops for a reason of its own (waiting on the host while idle in real time). */
static MachineStop run_machine(Debugger *d) {
  Machine *m = d->m;
  for (;;) {
    /* With a poll hook: slices of 10 ms of virtual time, polled between. */
    MachineStop ms = machine_run_for(m, d->poll ? 10000000ull : CLOCK_NEVER);
    if (d->poll && (ms == MSTOP_BUDGET || ms == MSTOP_IDLE))
      d->poll(d->poll_opaque);
    if (ms == MSTOP_BUDGET && !d->stop_req)
      continue;
    if (ms != MSTOP_IDLE && ms != MSTOP_BUDGET)
      return ms;
    if (d->stop_req) {
      m->stop_requested = 0; /* asked between slices: nothing is left to consume it */
      return MSTOP_REQUEST;
    }
    uint64_t wait = m->idle_deadline == CLOCK_NEVER ? 10000000ull : clock_idle_wait_ns(m->clock, m->idle_deadline);
    if (wait > 10000000ull)
      wait = 10000000ull;
    struct timespec ts = {0, (long)wait};
    nanosleep(&ts, NULL);
    clock_sync_host(m->clock);
  }
}

/* Execution breakpoint at the current CS:EIP (whose condition holds, if
 * cond), or NULL. */
static DbgBreakpoint *exec_bp_match(Debugger *d, bool cond) {
  Cpu *c = d->cpu;
  uint32_t lin = c->seg[S_CS].base + c->eip, pa = 0;
  bool have_pa = false, regs = false;
  DbgRegs r;
  for (int i = 0; i < d->nexec; i++) {
    DbgBreakpoint *b = d->exec[i];
    bool hit = false;
    if (b->kind == DBG_BP_CSEIP)
      hit = b->sel == c->seg[S_CS].sel && b->addr == c->eip;
    else if (b->kind == DBG_BP_LIN)
      hit = b->addr == lin;
    else if (b->kind == DBG_BP_PHYS) {
      if (!have_pa)
        have_pa = dbg_lin_to_phys(d, lin, &pa) ? true : (pa = 0xffffffffu, true);
      hit = b->addr == pa;
    }
    if (!hit)
      continue;
    if (cond && b->cond.on) {
      if (!regs)
        dbg_get_regs(d, &r);
      regs = true;
      if (!cond_true(&b->cond, &r))
        continue;
    }
    return b;
  }
  return NULL;
}

static bool need_per_insn_checks(const Debugger *d) { return d->per_insn; }

/* ---------------- execution breakpoints armed in the CPU ---------------- */

/* The CS bases under which selector sel may run code: the base CS has now
 * (when it holds sel), sel x 16 (real and virtual-8086 mode) and, in
 * protected mode, the base of its descriptor in the GDT or LDT. */
static int cs_bases(Debugger *d, uint16_t sel, uint32_t base[3]) {
  Cpu *c = d->cpu;
  int n = 0;
  if (c->seg[S_CS].sel == sel)
    base[n++] = c->seg[S_CS].base;
  base[n++] = (uint32_t)sel << 4;
  if (c->cr[0] & CR0_PE) {
    bool ldt = sel & 4;
    uint32_t tbase = ldt ? c->seg[S_LDTR].base : c->gdt_base, tlimit = ldt ? c->seg[S_LDTR].limit : c->gdt_limit;
    uint8_t e[8];
    if ((sel & ~7u) + 7 <= tlimit && dbg_read_lin(d, tbase + (sel & ~7u), e, 8) == 8)
      base[n++] = (uint32_t)e[2] | (uint32_t)e[3] << 8 | (uint32_t)e[4] << 16 | (uint32_t)e[7] << 24;
  }
  return n;
}

/*
 * Give the CPU the pages that hold enabled execution breakpoints (linear
 * pages for CS:EIP and linear ones, physical pages for physical ones): the
 * engines run those pages one instruction at a time and call on_cpu_event
 * (CPU_DBG_EXEC) before each, everything else at full speed.  A CS:EIP
 * breakpoint is armed on the pages its selector may mean (cs_bases), found
 * again at every continue and every mode change.  Armed only while a
 * command runs at full speed; arming flushes the TLB (see Cpu.brk_lin).
 */
static void brk_arm(Debugger *d) {
  Cpu *c = d->cpu;
  uint32_t want[DBG_MAX_BPS * 3];
  int n = 0;
  for (int i = 0; i < d->nexec; i++) {
    const DbgBreakpoint *b = d->exec[i];
    if (b->kind == DBG_BP_LIN) {
      want[n++] = b->addr >> PAGE_SHIFT;
    } else if (b->kind == DBG_BP_PHYS) {
      want[n++] = (b->addr >> PAGE_SHIFT) | BRK_PHYS;
    } else {
      uint32_t base[3];
      int k = cs_bases(d, b->sel, base);
      for (int j = 0; j < k; j++)
        want[n++] = (base[j] + b->addr) >> PAGE_SHIFT;
    }
  }
  /* Sort and drop duplicates (a few dozen entries). */
  for (int a = 1; a < n; a++)
    for (int b = a; b > 0 && want[b - 1] > want[b]; b--) {
      uint32_t t = want[b - 1];
      want[b - 1] = want[b];
      want[b] = t;
    }
  int m = 0;
  for (int i = 0; i < n; i++)
    if (m == 0 || want[m - 1] != want[i])
      want[m++] = want[i];
  if (c->brk_lin && m == d->nbrk && memcmp(want, d->brk_pages, (size_t)m * sizeof want[0]) == 0)
    return; /* a mode change mid-run that changed nothing */
  uint8_t *lin = d->brk_map, *phys = d->brk_map + BRK_MAP_BYTES;
  for (int i = 0; i < d->nbrk; i++) {
    uint32_t p = d->brk_pages[i] & (BRK_PHYS - 1);
    (d->brk_pages[i] & BRK_PHYS ? phys : lin)[p >> 3] &= (uint8_t)~(1u << (p & 7));
  }
  for (int i = 0; i < m; i++) {
    uint32_t p = want[i] & (BRK_PHYS - 1);
    (want[i] & BRK_PHYS ? phys : lin)[p >> 3] |= (uint8_t)(1u << (p & 7));
  }
  memcpy(d->brk_pages, want, (size_t)m * sizeof want[0]);
  d->nbrk = m;
  if (m == 0) {
    /* Fewer restrictions need no flush: blocks and translations were only held back. */
    c->brk_lin = c->brk_phys = NULL;
    return;
  }
  c->brk_lin = lin;
  c->brk_phys = phys;
  tlb_flush(c);
}

/*
 * One instruction (or one interrupt delivery) in the interpreter, through
 * the machine loop.  With rec, the step is recorded (state before and
 * after, bytes, writes): slower.  Returns the machine's stop.
 */
static MachineStop step_once(Debugger *d, StepRecord *rec) {
  Machine *m = d->m;
  Cpu *c = d->cpu;
  MemWriteLog *saved_log = c->mem->wlog;
  if (rec) {
    memset(rec, 0, sizeof *rec);
    rec->icount = c->icount;
    dbg_get_regs(d, &rec->before);
    rec->lin = c->seg[S_CS].base + c->eip;
    int r = dbg_fetch_insn(d, rec->lin, (c->mode & CPU_MODE_CS32) != 0, rec->bytes, &rec->insn);
    rec->decoded = r > 0;
    rec->len = r > 0 ? r : r < 0 ? 1 : 0; /* undefined: show its first byte */
    d->wlog.n = 0;
    d->wlog.mmio = false;
    c->mem->wlog = &d->wlog; /* every RAM write is logged with its old byte ... */
    tlb_flush(c);            /* ... once no write pointer is left in the TLB */
    d->tlb_slow = true;
  }
  d->rec = rec;
  d->stepping = true;
  d->delivered = false;
  c->fault_reason = NULL;
  /* The step runs in the interpreter, whatever the engine. */
  bool (*jit_exec)(Cpu *, uint64_t) = c->jit_exec;
  c->jit_exec = NULL;
  m->icount_stop = c->icount + 1;
  MachineStop ms = run_machine(d);
  m->icount_stop = UINT64_MAX;
  c->jit_exec = jit_exec;
  d->stepping = false;
  d->rec = NULL;
  if (rec) {
    c->mem->wlog = saved_log;
    rec->executed = c->icount > rec->icount;
    dbg_get_regs(d, &rec->after);
    rec->writes_total = d->wlog.n;
    rec->mmio = d->wlog.mmio;
    for (uint32_t i = 0; i < d->wlog.n && rec->nwrites < DBG_MAX_WRITES; i++)
      rec->writes[rec->nwrites++] = (DbgWrite){d->wlog.e[i].pa, d->wlog.e[i].old, d->wlog.e[i].val};
  }
  return ms;
}

/* What a run in steps aims at besides breakpoints. */
typedef struct Goal {
  uint64_t max_steps;     /* stop after this many instructions (UINT64_MAX: none) */
  bool target;            /* stop at linear target_lin ... */
  uint32_t target_lin;
  bool target_esp;        /* ... with ESP at least target_min_esp (step over a recursive call) */
  uint32_t target_min_esp;
  bool finish;            /* stop after a return that pops the frame at finish_esp */
  uint32_t finish_esp;
  bool report;            /* call the step callback and record each step */
} Goal;

static uint32_t cur_sp(const Cpu *c) { return (c->mode & CPU_MODE_SS32) ? c->regs[R_ESP] : c->regs[R_ESP] & 0xffff; }

static bool is_return(const uint8_t *bytes, int len) {
  int i = 0;
  while (i < len && (bytes[i] == 0x66 || bytes[i] == 0x67 || bytes[i] == 0xf2 || bytes[i] == 0xf3 ||
                     bytes[i] == 0x2e || bytes[i] == 0x3e || bytes[i] == 0x26 || bytes[i] == 0x36 ||
                     bytes[i] == 0x64 || bytes[i] == 0x65))
    i++;
  return i < len && (bytes[i] == 0xc3 || bytes[i] == 0xc2 || bytes[i] == 0xcb || bytes[i] == 0xca || bytes[i] == 0xcf);
}

static DbgResult run_fast(Debugger *d, uint64_t n, StepRecord *last);

static DbgResult run_steps(Debugger *d, const Goal *g, StepRecord *last) {
  DbgResult res = {0};
  Cpu *c = d->cpu;
  /* Nothing to look at between instructions: the engine runs them all. */
  if (!g->report && !g->finish && !g->target && !need_per_insn_checks(d))
    return run_fast(d, g->max_steps, last);
  StepRecord local;
  StepRecord *rec = last ? last : &local;
  d->hook = (DbgResult){0};
  d->stop_req = 0;
  uint64_t taken = 0; /* steps taken: instructions, or deliveries that ran none (a fault) */
  for (;;) {
    bool want_rec = g->report || g->finish || taken + 1 >= g->max_steps;
    uint64_t before = c->icount;
    uint16_t prev_cs = c->seg[S_CS].sel;
    uint32_t prev_eip = c->eip;
    MachineStop ms = step_once(d, want_rec ? rec : NULL);
    res.steps += c->icount - before;
    d->stats.stepped += c->icount - before;
    taken += c->icount != before || d->delivered;
    if (c->icount != before) {
      res.have_prev = true;
      res.prev_cs = prev_cs;
      res.prev_eip = prev_eip;
    }
    if (want_rec && g->report && d->step_fn && !d->step_fn(d->step_opaque, rec) && res.stop == DBG_STOP_NONE)
      d->stop_req = 1;
    if (ms != MSTOP_STEP && ms != MSTOP_REQUEST) {
      res.stop = DBG_STOP_MACHINE;
      res.machine_stop = ms;
      break;
    }
    if (d->hook.stop != DBG_STOP_NONE) {
      DbgResult h = d->hook;
      h.steps = res.steps;
      h.have_prev = res.have_prev;
      h.prev_cs = res.prev_cs;
      h.prev_eip = res.prev_eip;
      res = h;
      access_done(d, &res);
      break;
    }
    if (d->stop_req) {
      res.stop = DBG_STOP_REQUEST;
      break;
    }
    if (g->finish && want_rec && rec->executed && is_return(rec->bytes, rec->len) &&
        cur_sp(c) > g->finish_esp) {
      res.stop = DBG_STOP_FINISH;
      break;
    }
    if (g->target && c->seg[S_CS].base + c->eip == g->target_lin &&
        (!g->target_esp || cur_sp(c) >= g->target_min_esp)) {
      res.stop = DBG_STOP_STEP;
      break;
    }
    DbgBreakpoint *b = exec_bp_match(d, true);
    if (b) {
      b->hits++;
      res.stop = DBG_STOP_BREAKPOINT;
      res.bp_id = b->id;
      break;
    }
    if (taken >= g->max_steps) {
      res.stop = DBG_STOP_STEP;
      break;
    }
  }
  d->stop_req = 0;
  return res;
}

DbgResult dbg_step(Debugger *d, uint64_t n, StepRecord *last) {
  Goal g = {.max_steps = n ? n : 1, .report = true};
  return run_steps(d, &g, last);
}

DbgResult dbg_run(Debugger *d, uint64_t n, StepRecord *last) {
  Goal g = {.max_steps = n ? n : 1};
  return run_steps(d, &g, last);
}

/* Does the instruction at CS:EIP come back to the next one (CALL, INT, REP string, LOOP)? */
static bool returns_here(const Insn *in) {
  unsigned op = in->op;
  if (op == 0xe8 || op == 0x9a || op == 0xcc || op == 0xcd || op == 0xce)
    return true;
  if (op == 0xff && (in->reg == 2 || in->reg == 3))
    return true;
  if (op >= 0xe0 && op <= 0xe2)
    return true; /* LOOPcc: over the whole loop */
  bool string = (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f);
  return string && (in->flags & (INSN_REP | INSN_REPNE));
}

DbgResult dbg_next(Debugger *d, StepRecord *last) {
  Cpu *c = d->cpu;
  uint8_t buf[15];
  Insn in;
  uint32_t lin = c->seg[S_CS].base + c->eip;
  int len = dbg_fetch_insn(d, lin, (c->mode & CPU_MODE_CS32) != 0, buf, &in);
  if (len <= 0 || !returns_here(&in))
    return dbg_step(d, 1, last);
  Goal g = {.max_steps = UINT64_MAX, .target = true, .target_lin = lin + (uint32_t)len, .target_esp = true,
            .target_min_esp = cur_sp(c)};
  if (!(c->mode & CPU_MODE_CS32))
    g.target_lin = c->seg[S_CS].base + ((c->eip + (uint32_t)len) & 0xffff);
  DbgResult r = run_steps(d, &g, last);
  r.stepped_over = true;
  return r;
}

DbgResult dbg_finish(Debugger *d, StepRecord *last) {
  Goal g = {.max_steps = UINT64_MAX, .finish = true, .finish_esp = cur_sp(d->cpu)};
  return run_steps(d, &g, last);
}

DbgResult dbg_until_lin(Debugger *d, uint32_t lin, StepRecord *last) {
  Goal g = {.max_steps = UINT64_MAX, .target = true, .target_lin = lin};
  return run_steps(d, &g, last);
}

DbgResult dbg_continue(Debugger *d, StepRecord *last) {
  Goal g = {.max_steps = UINT64_MAX};
  return run_steps(d, &g, last);
}

/* Only hooks can stop it: run at full speed under the machine's engine,
 * at most n instructions (UINT64_MAX: no limit). */
static DbgResult run_fast(Debugger *d, uint64_t n, StepRecord *last) {
  DbgResult res = {0};
  Cpu *c = d->cpu;
  d->hook = (DbgResult){0};
  d->stop_req = 0;
  uint64_t before = c->icount;
  MachineStop ms = MSTOP_STEP;
  /* Leaving an execution breakpoint: its instruction runs first, stepped
   * (at full speed the CPU would offer it to the hook, which stops again). */
  if (exec_bp_match(d, false)) {
    ms = step_once(d, NULL);
    d->stats.stepped += c->icount - before;
    if (c->icount != before)
      n--;
  }
  if (n && d->hook.stop == DBG_STOP_NONE && !d->stop_req && (ms == MSTOP_STEP || ms == MSTOP_REQUEST)) {
    if (d->tlb_slow) { /* entries made while stepping have no write pointers */
      tlb_flush(c);
      d->tlb_slow = false;
    }
    brk_arm(d);
    uint64_t start = c->icount;
    d->m->icount_stop = n == UINT64_MAX || start + n < start ? UINT64_MAX : start + n;
    ms = run_machine(d);
    d->m->icount_stop = UINT64_MAX;
    d->stats.fast += c->icount - start;
    /* Stopped, nothing is armed: views and commands see the engines as
     * they are (the JIT view translates the block at a breakpoint). */
    c->brk_lin = c->brk_phys = NULL;
  }
  if (d->hook.stop != DBG_STOP_NONE) {
    res = d->hook;
    access_done(d, &res);
  } else if (ms == MSTOP_REQUEST && d->stop_req) {
    res.stop = DBG_STOP_REQUEST;
  } else if (ms == MSTOP_STEP) {
    /* The budget ended right at a breakpoint: report it, as a step would. */
    DbgBreakpoint *b = exec_bp_match(d, true);
    res.stop = b ? DBG_STOP_BREAKPOINT : DBG_STOP_STEP;
    if (b) {
      b->hits++;
      res.bp_id = b->id;
    }
  } else {
    res.stop = DBG_STOP_MACHINE;
    res.machine_stop = ms;
  }
  res.steps = c->icount - before;
  d->stop_req = 0;
  if (last) {
    memset(last, 0, sizeof *last);
    last->icount = c->icount;
    dbg_get_regs(d, &last->before);
    last->after = last->before;
  }
  return res;
}

/* ---------------- after a restore ---------------- */

void dbg_resync(Debugger *d) {
  Mem *mem = d->cpu->mem;
  for (int i = 0; i < DBG_MAX_BPS; i++) {
    DbgBreakpoint *b = &d->bp[i];
    if (b->id && b->kind == DBG_BP_WATCH)
      memcpy(b->shadow, mem->ram + b->addr, b->len);
  }
  watch_pages_update(d);
  d->tlb_slow = false; /* the restore flushed the TLB */
}

void dbg_set_hits(Debugger *d, int id, uint64_t hits) {
  DbgBreakpoint *b = bp_find(d, id);
  if (b)
    b->hits = hits;
}
