/*
 * lockstep.c — `--engine lockstep`: every block runs twice from the same
 * state, first through the interpreter, then through its translation, and
 * the two results are compared: registers, EIP, EFLAGS (materialised),
 * segment caches, control registers, FPU state, retired-instruction count,
 * and every byte of RAM written (the write log in mem.h records old and
 * new values; the interpreter's writes are undone before the JIT runs).
 * The first difference stops the machine with both states and the block's
 * guest and host disassembly (capstone) on stderr.
 *
 * A block whose interpreter run touched an I/O port or an MMIO region is
 * not run twice (device side effects cannot be undone): the interpreter's
 * result stands and the block is counted as skipped.
 */
#include "jit_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct Lockstep {
  MemWriteLog log;
  Cpu before, after_i;     /* the state before the block, after the interpreter */
  MemWriteLog wi;          /* the interpreter's writes */
  bool failed;
  bool io;
  CpuIoHooks hooks;        /* the machine's hooks, wrapped to notice port I/O */
} Lockstep;

static uint32_t ls_in(void *opaque, uint16_t port, int size) {
  Lockstep *ls = opaque;
  ls->io = true;
  return cpu_io_in(&ls->hooks, port, size);
}
static void ls_out(void *opaque, uint16_t port, int size, uint32_t v) {
  Lockstep *ls = opaque;
  ls->io = true;
  cpu_io_out(&ls->hooks, port, size, v);
}
static int ls_ack(void *opaque) {
  Lockstep *ls = opaque;
  ls->io = true;
  return cpu_io_ack(&ls->hooks);
}

void jit_lockstep_free(Jit *j) {
  if (!j->ls)
    return;
  free(j->ls->log.e);
  free(j->ls->wi.e);
  free(j->ls);
  j->ls = NULL;
}

bool jit_lockstep_failed(const Cpu *c) { return c->jit && c->jit->ls && c->jit->ls->failed; }

static Lockstep *ls_get(Cpu *c) {
  Jit *j = c->jit;
  if (j->ls)
    return j->ls;
  Lockstep *ls = calloc(1, sizeof *ls);
  if (!ls)
    abort();
  j->ls = ls;
  c->mem->wlog = &ls->log; /* from now on no host write pointers: every write is logged */
  tlb_flush(c);
  return ls;
}

/* Install the I/O wrappers (the machine may set its hooks after attaching). */
static void ls_wrap_io(Cpu *c, Lockstep *ls) {
  if (c->port_in != ls_in)
    ls->hooks = cpu_io_hooks(c);
  cpu_set_io_hooks(c, (CpuIoHooks){ls_in, ls_out, ls_ack, ls});
}
static void ls_unwrap_io(Cpu *c, Lockstep *ls) { cpu_set_io_hooks(c, ls->hooks); }

static int cmp_u64(const void *a, const void *b) {
  const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Reduce a log (at most 1 << 16 entries) to the last value written per
 * address, sorted by address: each entry becomes address, position in the
 * log, value (32 + 16 + 8 bits), so one sort puts an address's writes
 * together in order and the last of each run is the one that stays.
 * O(n log n): a block that clears a page logs 4096 distinct addresses. */
static uint32_t final_writes(const MemWriteLog *l, uint64_t *out) {
  for (uint32_t i = 0; i < l->n; i++)
    out[i] = (uint64_t)l->e[i].pa << 24 | (uint64_t)i << 8 | l->e[i].val;
  if (l->n <= 64) { /* the usual block: a few stack pushes and stores */
    for (uint32_t a = 1; a < l->n; a++)
      for (uint32_t b = a; b > 0 && out[b - 1] > out[b]; b--) {
        uint64_t t = out[b - 1];
        out[b - 1] = out[b];
        out[b] = t;
      }
  } else {
    qsort(out, l->n, sizeof *out, cmp_u64);
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < l->n; i++) {
    uint64_t pa = out[i] >> 24;
    if (i + 1 < l->n && out[i + 1] >> 24 == pa)
      continue; /* a later write to the same byte */
    out[n++] = pa << 8 | (out[i] & 0xff);
  }
  return n;
}

/*
 * Put back the bytes the interpreter wrote.  Where they lie on a code line
 * the page gets a new generation, as for any write there: the interpreter
 * may have decoded the bytes it wrote (self-modifying code), and those
 * decodes, made at the generation its own write gave the page, must not
 * serve the second run, which finds the old bytes back.
 */
static void undo_writes(Mem *m, const MemWriteLog *l) {
  for (uint32_t i = l->n; i-- > 0;) {
    uint32_t pa = l->e[i].pa, pg = pa >> PAGE_SHIFT;
    m->ram[pa] = l->e[i].old;
    if (m->page_code[pg] && ((m->code_lines[pg] >> ((pa & PAGE_MASK) >> 6)) & 1)) {
      m->page_gen[pg]++;
      if (m->code_write_hook)
        m->code_write_hook(m->code_write_opaque, pg);
    }
  }
}

static void print_state(FILE *f, const char *who, Cpu *s) {
  static const char *rn[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  fprintf(f, "  %-6s eip=%08x eflags=%08x icount=%llu cpl=%u mode=%02x\n        ", who, s->eip, cpu_get_flags(s),
          (unsigned long long)s->icount, s->cpl, s->mode);
  for (int i = 0; i < 8; i++)
    fprintf(f, "%s=%08x%s", rn[i], s->regs[i], i == 3 ? "\n        " : " ");
  fprintf(f, "\n        cs=%04x ds=%04x es=%04x ss=%04x fs=%04x gs=%04x cr0=%08x cr2=%08x cr3=%08x\n",
          s->seg[S_CS].sel, s->seg[S_DS].sel, s->seg[S_ES].sel, s->seg[S_SS].sel, s->seg[S_FS].sel,
          s->seg[S_GS].sel, s->cr[0], s->cr[2], s->cr[3]);
}

static void report(Cpu *c, Lockstep *ls, JitBlock *b, const char *what) {
  FILE *f = stderr;
  fprintf(f, "x86vm: lockstep: the JIT differs from the interpreter (%s) in the block at %04x:%08x (phys %08x, %u instructions)\n",
          what, b->csbase >> 4, b->eip, b->pa, b->n);
  print_state(f, "before", &ls->before);
  print_state(f, "interp", &ls->after_i);
  print_state(f, "jit", c);
  jit_list_block(f, c, b);
}

/* Field by field: Float80 has padding that struct copies may leave different. */
static bool fpu_equal(const FpuState *a, const FpuState *b) {
  for (int i = 0; i < 8; i++)
    if (a->st[i].mant != b->st[i].mant || a->st[i].sexp != b->st[i].sexp)
      return false;
  return a->cw == b->cw && a->sw == b->sw && a->tw == b->tw && a->fop == b->fop && a->fip == b->fip &&
         a->fdp == b->fdp && a->fcs == b->fcs && a->fds == b->fds && a->mxcsr == b->mxcsr &&
         !memcmp(a->xmm, b->xmm, sizeof a->xmm);
}

/* Compare the interpreter's result (ls->after_i, ls->wi) with the current state. */
static const char *compare(Cpu *c, Lockstep *ls) {
  Cpu *a = &ls->after_i;
  if (memcmp(a->regs, c->regs, sizeof c->regs))
    return "general registers";
  if (a->eip != c->eip)
    return "EIP";
  if (cpu_get_flags(a) != cpu_get_flags(c))
    return "EFLAGS";
  if (memcmp(a->seg, c->seg, sizeof c->seg))
    return "segment registers";
  if (memcmp(a->cr, c->cr, sizeof c->cr) || memcmp(a->dr, c->dr, sizeof c->dr))
    return "control/debug registers";
  if (a->cpl != c->cpl || a->mode != c->mode)
    return "CPL/mode";
  if (a->icount != c->icount)
    return "instruction count";
  if (a->halted != c->halted)
    return "halt state";
  if (a->rep_pending != c->rep_pending ||
      (a->rep_pending && (a->rep_eip != c->rep_eip || a->rep_icount != c->rep_icount)))
    return "suspended REP";
  if (!fpu_equal(&a->fpu, &c->fpu))
    return "FPU state";
  if (a->gdt_base != c->gdt_base || a->idt_base != c->idt_base || a->gdt_limit != c->gdt_limit ||
      a->idt_limit != c->idt_limit)
    return "descriptor table registers";
  static uint64_t wi[1 << 16], wj[1 << 16];
  if (ls->wi.n > (1u << 16) || ls->log.n > (1u << 16))
    return NULL; /* too long to compare byte by byte (a long REP): trust the final memory */
  uint32_t ni = final_writes(&ls->wi, wi), nj = final_writes(&ls->log, wj);
  if (ni != nj || memcmp(wi, wj, ni * sizeof(uint64_t)))
    return "memory writes";
  return NULL;
}

bool jit_lockstep_exec(Cpu *c, uint64_t limit) {
  Jit *j = c->jit;
  Lockstep *ls = ls_get(c);
  if (ls->failed) {
    c->stop = CPU_STOP_SHUTDOWN; /* machine_run ends the run */
    return false;
  }
  if ((c->intr && (c->eflags & F_IF)) || c->nmi || c->inhibit_irq || c->halted)
    return false;
  uint64_t room = limit - c->icount;
  JitBlock *bp = jit_block_at(c, room);
  if (!bp)
    return false;
  JitBlock b = *bp; /* the record may go with a flush during the runs */
  uint32_t epoch = j->flush_epoch;
  uint32_t n = b.n;
  bool (*exec)(Cpu *, uint64_t) = c->jit_exec;
  /* 1: the interpreter. */
  ls_wrap_io(c, ls);
  /* The TLB is not part of the Cpu copy: both runs start with it empty. */
  tlb_flush(c);
  memcpy(&ls->before, c, sizeof(Cpu));
  ls->io = false;
  ls->log.n = 0;
  ls->log.mmio = false;
  c->jit_exec = NULL;
  CpuStop r1 = cpu_run(c, n);
  c->jit_exec = exec;
  if (ls->io || ls->log.mmio || (r1 != CPU_STOP_BUDGET && r1 != CPU_STOP_HLT)) {
    ls_unwrap_io(c, ls);
    if (r1 != CPU_STOP_BUDGET && r1 != CPU_STOP_HLT)
      c->stop = r1;
    j->stats.lockstep_skipped++;
    return true;
  }
  memcpy(&ls->after_i, c, sizeof(Cpu));
  MemWriteLog tmp = ls->wi;
  ls->wi = ls->log;
  ls->log = tmp;
  ls->log.n = 0;
  ls->log.mmio = false;
  undo_writes(c->mem, &ls->wi);
  /* 2: the translation, from the same state. */
  tlb_flush(c); /* back to the empty TLB the copy describes */
  memcpy(c, &ls->before, sizeof(Cpu));
  j->lockstep = false;
  CpuStop r2 = cpu_run(c, n);
  j->lockstep = true;
  ls_unwrap_io(c, ls);
  if (r2 == CPU_STOP_REQUEST && r1 != CPU_STOP_REQUEST) {
    /* An asynchronous stop request (timer signal, monitor) cut the second
     * run short: its state is consistent but not comparable. */
    c->stop = r2;
    j->stats.lockstep_skipped++;
    return true;
  }
  j->stats.lockstep_blocks++;
  static char why[64];
  const char *diff = r2 != r1 ? why : (ls->io || ls->log.mmio) ? "I/O" : compare(c, ls);
  if (r2 != r1)
    snprintf(why, sizeof why, "stop reason %d vs %d", (int)r1, (int)r2);
  if (diff) {
    if (epoch != j->flush_epoch)
      b.code_size = 0; /* the translation is gone: no host listing */
    report(c, ls, &b, diff);
    ls->failed = true;
    c->stop = CPU_STOP_SHUTDOWN; /* machine_run ends the run */
  }
  return true;
}
