/*
 * jit_faults_linux.c — precise faults on a real workload: page faults
 * injected into Debian's i386 kernel booting to a busybox shell, and into
 * the shell running a command line, must reach the guest's fault handler
 * with the same state under the JIT as under the interpreter.
 *
 * One process boots the machine (deterministic time, the JIT for speed).
 * At each sampled point N of the boot it stops, and for each injection
 * spec forks two children from that exact state: one continues with the
 * interpreter, the other with a fresh JIT (the parent's translations are
 * never touched: the code buffer is a shared mapping).  Each child arms
 * cpu->inject_pf (src/cpu/mmu.c) and runs until the CPU has delivered the
 * injected fault, i.e. stands at the first instruction of the guest's
 * handler (cpu->exc_delivered hook); there it writes a dump to shared
 * memory: registers, EIP, EFLAGS, segments, CR0/2/3/4, CPL, the vector and
 * error code, the instruction count, the exception frame on the stack and
 * a hash of all of RAM.  The parent compares the two dumps; any difference
 * fails the test with both dumps printed.
 *
 * Two injection modes:
 *   every   at N the TLB is flushed and the fault fires at the k-th data
 *           access after N (k log-uniform up to --kmax, and dense windows
 *           k = 1..32).  While inject_pf counts, no TLB entry serves a data
 *           access, so every access of both engines goes the slow way: in
 *           the JIT, every memory instruction leaves its inline code for the
 *           stub that syncs EIP/icount/registers and calls the handler.  So
 *           this mode never sees state that an earlier inline hit in the
 *           block left wrong (e.g. an inline PUSH that does not mark the new
 *           ESP dirty in the register cache: 0 differences here, 115 of 200
 *           in the inline mode).
 *   inline  the TLB is left as it is at N but for one page P, and the fault
 *           fires at the first access to P (cpu->inject_pf_page).  Before
 *           the fault, memory instructions run the JIT's inline TLB fast
 *           path, so the fault lands mid-block after instructions done
 *           inline (with their register cache and lazy flags), as a real
 *           fault would (a real one always comes from a TLB miss).  P is
 *           the stack page (PUSH/POP/CALL/RET, interrupt frames), the page
 *           at DS:ESI or ES:EDI (string instructions, copies), or the page
 *           of a random TLB entry (data or code).  Which access comes first
 *           to P does not depend on the rest of the TLB, which may differ
 *           between the engines (the interpreter refills code entries at
 *           every block, the JIT only when it looks a block up).
 *
 * The stages: "kernel" samples N in a window of virtual time of the boot
 * (default 9.5-10.95 s: the kernel from early set-up to starting /init),
 * "user" in the time the shell runs a command line (found by a scout child
 * first).  With --restore FILE, one stage from the snapshot over --window.
 *
 * usage: jit_faults_linux --bios ROM (--kernel K --initrd I | --restore F)
 *        [--points N] [--dense N] [--kmax N] [--seed S] [--kernel-window A:B]
 *        [--window SEC] [--guard SEC] [--free] [--no-user] [--print N] [--quiet | --verbose]
 *
 * --free: at each point, no injection: both children just run the guard
 * time (--guard, default 0.1 virtual s) and their states are compared.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"
#include "decode.h"
#include "jit.h"
#include "linuxboot.h"
#include "pc.h"
#include "runner.h"

enum { MODE_EVERY, MODE_INLINE, MODE_FREE, MODE_COUNT };
enum { TGT_STACK, TGT_ESI, TGT_EDI, TGT_SLOT, TGT_COUNT };
static const char *const mode_name[MODE_COUNT] = {"every", "inline", "free"};
static const char *const tgt_name[TGT_COUNT] = {"stack", "ds:esi", "es:edi", "random-entry"};

/* One injection: where (the parent's current state), how, which access. */
typedef struct Spec {
  int mode;       /* MODE_* */
  int target;     /* TGT_* (inline mode) */
  uint64_t k;     /* every: fault at the k-th data access */
  uint32_t lin;   /* inline: an address in the page to fault on */
} Spec;

enum { DUMP_NONE, DUMP_FIRED, DUMP_NOT_FIRED };

/* What the fault handler sees (or the state where the run ended unfired). */
typedef struct Dump {
  uint32_t status;     /* DUMP_* */
  int32_t vector;      /* exception delivered (14, or 8 when it faulted while delivering) */
  uint32_t error;      /* its error code (ERR_NONE: none) */
  uint32_t regs[8], eip, eflags, cpl;
  uint16_t sel[S_COUNT], sflags[S_COUNT];
  uint32_t base[S_COUNT], limit[S_COUNT];
  uint32_t cr0, cr2, cr3, cr4;
  uint64_t icount;
  uint32_t frame[6];   /* dwords at SS:ESP: [error], EIP, CS, EFLAGS, [ESP, SS] */
  uint32_t frame_ok;   /* the frame was readable */
  uint64_t ram_hash;   /* all of RAM */
  uint32_t mstop;      /* DUMP_NOT_FIRED: why machine_run returned */
  /* for the report only (not compared): the interrupted instruction */
  uint32_t fault_eip, fault_cs, insn_ok;
  uint8_t insn[16];
} Dump;

static uint64_t host_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- guest memory without side effects (no TLB fill, no A/D bits, no faults) ---- */

static bool lin_phys(Cpu *c, uint32_t lin, uint32_t *pa) {
  Mem *m = c->mem;
  if (!(c->cr[0] & CR0_PG)) {
    *pa = lin;
    return lin < m->ram_size;
  }
  uint32_t pdea = (c->cr[3] & ~0xfffu) + ((lin >> 22) << 2);
  if (pdea + 4 > m->ram_size)
    return false;
  uint32_t pde;
  memcpy(&pde, m->ram + pdea, 4);
  if (!(pde & 1))
    return false;
  if ((pde & 0x80) && (c->cr[4] & CR4_PSE)) {
    *pa = (pde & 0xffc00000u) | (lin & 0x3fffffu);
  } else {
    uint32_t ptea = (pde & ~0xfffu) + (((lin >> 12) & 0x3ff) << 2);
    if (ptea + 4 > m->ram_size)
      return false;
    uint32_t pte;
    memcpy(&pte, m->ram + ptea, 4);
    if (!(pte & 1))
      return false;
    *pa = (pte & ~0xfffu) | (lin & 0xfffu);
  }
  return *pa < m->ram_size;
}

static bool peek(Cpu *c, uint32_t lin, uint8_t *out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t pa;
    if (!lin_phys(c, lin + i, &pa))
      return false;
    out[i] = c->mem->ram[pa];
  }
  return true;
}

/* Per-page hashes of RAM, one array per child in shared memory, so that
 * the parent can name the pages where the two runs' RAM differs; and, when a
 * pair is rerun to show the bytes (runs from a forked state are
 * deterministic), copies of up to DETAIL_PAGES of those pages. */
#define DETAIL_PAGES 4
static uint64_t *g_pagehash[2];
static uint8_t (*g_detail)[DETAIL_PAGES][4096]; /* [2] */
static uint32_t g_detail_page[DETAIL_PAGES], g_ndetail;
static int g_child; /* 0 interpreter, 1 JIT */

/* A hash of all of RAM (four independent lanes per page, so it runs at
 * memory speed), recording each page's hash on the way. */
static uint64_t ram_hash(const Mem *m) {
  uint64_t all = 0;
  const uint8_t *p = m->ram;
  for (uint32_t pg = 0; pg < m->ram_size >> 12; pg++) {
    uint64_t h[4] = {1, 2, 3, 4};
    for (uint32_t i = pg << 12; i < (pg + 1) << 12; i += 32)
      for (int l = 0; l < 4; l++) {
        uint64_t w;
        memcpy(&w, p + i + 8 * l, 8);
        h[l] = (h[l] ^ w) * 0xff51afd7ed558ccdull;
        h[l] ^= h[l] >> 29;
      }
    uint64_t ph = h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
    if (g_pagehash[g_child])
      g_pagehash[g_child][pg] = ph;
    all = (all ^ ph) * 0x9e3779b97f4a7c15ull + pg;
  }
  for (uint32_t i = 0; i < g_ndetail; i++)
    if (g_detail && g_detail_page[i] < m->ram_size >> 12)
      memcpy(g_detail[g_child][i], p + ((size_t)g_detail_page[i] << 12), 4096);
  return all;
}

static void fill_dump(Machine *m, Dump *d, uint32_t status, int vec, uint32_t err) {
  Cpu *c = m->cpu;
  memset(d, 0, sizeof *d);
  d->vector = vec;
  d->error = err;
  memcpy(d->regs, c->regs, sizeof d->regs);
  d->eip = c->eip;
  d->eflags = cpu_get_flags(c);
  d->cpl = c->cpl;
  for (int s = 0; s < S_COUNT; s++) {
    d->sel[s] = c->seg[s].sel;
    d->sflags[s] = c->seg[s].flags;
    d->base[s] = c->seg[s].base;
    d->limit[s] = c->seg[s].limit;
  }
  d->cr0 = c->cr[0];
  d->cr2 = c->cr[2];
  d->cr3 = c->cr[3];
  d->cr4 = c->cr[4];
  d->icount = c->icount;
  uint8_t f[24];
  if (peek(c, c->seg[S_SS].base + c->regs[R_ESP], f, sizeof f)) {
    memcpy(d->frame, f, sizeof f);
    d->frame_ok = 1;
  }
  d->ram_hash = ram_hash(m->mem);
  if (status == DUMP_FIRED && d->frame_ok) {
    int has_err = err != ERR_NONE;
    d->fault_eip = d->frame[has_err];
    d->fault_cs = d->frame[has_err + 1] & 0xffff;
    /* Linux's code segments are flat: the linear address is the EIP. */
    d->insn_ok = peek(c, d->fault_eip, d->insn, sizeof d->insn);
  }
  d->status = status; /* last: the parent treats 0 as "no dump" */
}

/* ---- children ---- */

static Machine *g_m;
static Runner *g_runner; /* the run loop over the machine (src/ui/runner.h) */

static int script_add(ScriptKind kind, const char *text) {
  char err[256];
  int rc = runner_script_add(g_runner, kind, text, err, sizeof err);
  if (rc < 0)
    fprintf(stderr, "jit_faults_linux: %s\n", err);
  return rc;
}
static Dump *g_out;
static bool free_runs; /* --free */

static void on_delivered(Cpu *c, int vec, uint32_t err) {
  if (c->inject_pf || c->inject_pf_page || free_runs)
    return; /* a real exception before the injected one, or no injection */
  fill_dump(g_m, g_out, DUMP_FIRED, vec, err);
  _exit(0);
}

/* Leave the parent's translator alone (its code buffer is a shared mapping)
 * and give this process the engine it tests. */
static void child_engine(Machine *m, bool jit) {
  Cpu *c = m->cpu;
  c->jit = NULL;
  c->jit_exec = NULL;
  c->mem->code_write_hook = NULL; /* the parent's translator's */
  if (machine_unshare_disks(m) != 0) { /* --snapshot overlays: each child its own */
    fprintf(stderr, "jit_faults_linux: cannot copy the disk overlays\n");
    _exit(3);
  }
  if (jit) {
    char err[256];
    JitOptions o = {.cache_bytes = 32u << 20};
    if (!jit_attach(c, &o, err, sizeof err)) {
      fprintf(stderr, "jit_faults_linux: %s\n", err);
      _exit(3);
    }
  }
}

static bool in_tlb(const Cpu *c, uint32_t lin) {
  for (uint32_t i = 0; i < TLB_SIZE; i++)
    if (c->tlb[i].vpage == lin >> PAGE_SHIFT)
      return true;
  return false;
}

/* inline mode: the page to aim at (in the parent: its TLB is the children's).
 * DS:ESI and ES:EDI only when their page is in the TLB (recently used, so
 * likely a pointer), else a random entry; the target becomes the one used. */
static uint32_t choose_page(const Cpu *c, int *target, uint32_t rnd) {
  switch (*target) {
  case TGT_STACK: return c->seg[S_SS].base + c->regs[R_ESP];
  case TGT_ESI:
    if (in_tlb(c, c->seg[S_DS].base + c->regs[R_ESI]))
      return c->seg[S_DS].base + c->regs[R_ESI];
    break;
  case TGT_EDI:
    if (in_tlb(c, c->seg[S_ES].base + c->regs[R_EDI]))
      return c->seg[S_ES].base + c->regs[R_EDI];
    break;
  default: break;
  }
  *target = TGT_SLOT;
  uint32_t n = 0;
  for (uint32_t i = 0; i < TLB_SIZE; i++)
    n += c->tlb[i].vpage != 0xffffffffu;
  uint32_t want = n ? rnd % n : 0;
  for (uint32_t i = 0; i < TLB_SIZE && n; i++)
    if (c->tlb[i].vpage != 0xffffffffu && want-- == 0)
      return c->tlb[i].vpage << PAGE_SHIFT;
  return c->seg[S_SS].base + c->regs[R_ESP]; /* an empty TLB */
}

/* inline mode: the page at lin leaves the TLB and faults at its first access. */
static void aim_page(Cpu *c, uint32_t lin) {
  uint32_t vpage = lin >> PAGE_SHIFT;
  for (uint32_t i = 0; i < TLB_SIZE; i++)
    if (c->tlb[i].vpage == vpage)
      tlb_flush_page(c, lin);
  c->inject_pf_page = vpage + 1;
}

static _Noreturn void run_child(Machine *m, const Spec *sp, bool jit, Dump *out, double guard_s) {
  alarm(120); /* a hung child dies and is reported */
  child_engine(m, jit);
  Cpu *c = m->cpu;
  g_child = jit;
  g_m = m;
  g_out = out;
  c->exc_delivered = on_delivered;
  if (sp->mode == MODE_EVERY) {
    tlb_flush(c);
    c->inject_pf = sp->k;
  } else if (sp->mode == MODE_INLINE) {
    aim_page(c, sp->lin);
  }
  MachineStop why = runner_run(g_runner, guard_s);
  fill_dump(m, out, DUMP_NOT_FIRED, -1, 0);
  out->mstop = (uint32_t)why;
  _exit(0);
}

/* ---- comparison and report ---- */

static const char *diff_fields(const Dump *a, const Dump *b, char *buf, size_t n) {
  buf[0] = 0;
#define CMPF(f, name) \
  if (memcmp(&a->f, &b->f, sizeof a->f)) \
    snprintf(buf + strlen(buf), n - strlen(buf), "%s ", name);
  CMPF(status, "fired")
  CMPF(vector, "vector")
  CMPF(error, "error-code")
  CMPF(regs, "registers")
  CMPF(eip, "EIP")
  CMPF(eflags, "EFLAGS")
  CMPF(cpl, "CPL")
  CMPF(sel, "selectors")
  CMPF(sflags, "segment-flags")
  CMPF(base, "segment-bases")
  CMPF(limit, "segment-limits")
  CMPF(cr0, "CR0")
  CMPF(cr2, "CR2")
  CMPF(cr3, "CR3")
  CMPF(cr4, "CR4")
  CMPF(icount, "icount")
  CMPF(frame_ok, "frame-readable")
  CMPF(frame, "exception-frame")
  CMPF(ram_hash, "RAM")
  CMPF(mstop, "run-end")
#undef CMPF
  return buf[0] ? buf : NULL;
}

static const char *insn_text(const Dump *d, char *buf, size_t n) {
  Insn in;
  if (!d->insn_ok || x86_decode(d->insn, sizeof d->insn, 1, &in) <= 0) {
    snprintf(buf, n, "?");
    return buf;
  }
  bool str = (in.op >= 0xa4 && in.op <= 0xa7) || (in.op >= 0xaa && in.op <= 0xaf) || in.op == 0x6c ||
             in.op == 0x6d || in.op == 0x6e || in.op == 0x6f;
  snprintf(buf, n, "%s%s", str && (in.flags & INSN_REP) ? "rep " : str && (in.flags & INSN_REPNE) ? "repne " : "",
           x86_mnemonic(&in));
  return buf;
}

static void print_dump(const char *who, const Dump *d) {
  char t[32];
  printf("  %-6s %s vector %d err %08x icount %" PRIu64 " cr2 %08x cr3 %08x cr0 %08x cr4 %08x cpl %u\n", who,
         d->status == DUMP_FIRED ? "fired" : d->status == DUMP_NOT_FIRED ? "NOT-FIRED" : "NO-DUMP", d->vector,
         d->error, d->icount, d->cr2, d->cr3, d->cr0, d->cr4, d->cpl);
  printf("         eax %08x ecx %08x edx %08x ebx %08x esp %08x ebp %08x esi %08x edi %08x eip %08x efl %08x\n",
         d->regs[0], d->regs[1], d->regs[2], d->regs[3], d->regs[4], d->regs[5], d->regs[6], d->regs[7], d->eip,
         d->eflags);
  printf("         es %04x cs %04x ss %04x ds %04x fs %04x gs %04x ldt %04x tr %04x  ram %016" PRIx64 "\n",
         d->sel[0], d->sel[1], d->sel[2], d->sel[3], d->sel[4], d->sel[5], d->sel[6], d->sel[7], d->ram_hash);
  printf("         frame %08x %08x %08x %08x %08x %08x%s  frame EIP %04x:%08x: %s\n", d->frame[0], d->frame[1],
         d->frame[2], d->frame[3], d->frame[4], d->frame[5], d->frame_ok ? "" : " (unreadable)", d->fault_cs,
         d->fault_eip, insn_text(d, t, sizeof t));
}

/* ---- the campaign ---- */

typedef struct Stats {
  uint64_t tried, fired, equal, differ, not_fired, died, double_faults, user;
  uint64_t by_mode[MODE_COUNT][3]; /* tried, fired, differ */
  uint64_t by_tgt[TGT_COUNT][3];   /* tried, fired, differ */
} Stats;

#define MAX_MNEM 256
typedef struct Mnem {
  char name[24];
  uint64_t n;
} Mnem;
static Mnem mnem[MAX_MNEM];
static int nmnem;

static void count_mnem(const char *s) {
  for (int i = 0; i < nmnem; i++)
    if (strcmp(mnem[i].name, s) == 0) {
      mnem[i].n++;
      return;
    }
  if (nmnem < MAX_MNEM) {
    snprintf(mnem[nmnem].name, sizeof mnem[nmnem].name, "%s", s);
    mnem[nmnem++].n = 1;
  }
}

static int cmp_mnem(const void *a, const void *b) {
  const Mnem *x = a, *y = b;
  return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->name, y->name);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd64(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static double rnd01(void) { return (double)(rnd64() >> 11) / 9007199254740992.0; }

static bool quiet, verbose;
static int max_print = 5;
static double guard_s = 0.1; /* virtual seconds a child runs at most (25M instructions) */

static const char *spec_text(const Spec *sp, char *buf, size_t n) {
  if (sp->mode == MODE_EVERY)
    snprintf(buf, n, "every-access mode, data access k=%" PRIu64, sp->k);
  else if (sp->mode == MODE_FREE)
    snprintf(buf, n, "free run (no injection)");
  else
    snprintf(buf, n, "inline mode, first access to the %s page", tgt_name[sp->target]);
  return buf;
}

/* Run one spec as a pair of children from the parent's current state. */
/* Fork the interpreter's and the JIT's child from the current state and wait
 * for both; returns a mask of the children that died without a dump. */
static int fork_pair(Machine *m, Dump *slots, const Spec *sp) {
  memset(slots, 0, 2 * sizeof(Dump));
  fflush(stdout);
  fflush(stderr);
  pid_t pid[2];
  for (int e = 0; e < 2; e++) {
    pid[e] = fork();
    if (pid[e] == 0)
      run_child(m, sp, e == 1, &slots[e], guard_s);
    if (pid[e] < 0) {
      perror("jit_faults_linux: fork");
      exit(2);
    }
  }
  int died = 0;
  for (int e = 0; e < 2; e++) {
    int ws;
    while (waitpid(pid[e], &ws, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0 || slots[e].status == DUMP_NONE)
      died |= 1 << e;
  }
  return died;
}

/* The runs' RAM differs: name the physical pages, then run the pair again
 * copying the first few of them, and show the differing bytes. */
static void report_ram(Machine *m, Dump *slots, const Spec *sp) {
  uint32_t pages = m->mem->ram_size >> 12, n = 0;
  g_ndetail = 0;
  printf("  RAM differs in pages:");
  for (uint32_t pg = 0; pg < pages; pg++)
    if (g_pagehash[0][pg] != g_pagehash[1][pg]) {
      if (n < 16)
        printf(" %08x", pg << 12);
      if (g_ndetail < DETAIL_PAGES)
        g_detail_page[g_ndetail++] = pg;
      n++;
    }
  printf("%s (%u pages)\n", n > 16 ? " ..." : "", n);
  if (fork_pair(m, slots, sp) == 0)
    for (uint32_t i = 0; i < g_ndetail; i++) {
      const uint8_t *a = g_detail[0][i], *b = g_detail[1][i];
      int shown = 0;
      for (uint32_t o = 0; o < 4096 && shown < 4; o += 16) {
        if (memcmp(a + o, b + o, 16) == 0)
          continue;
        printf("  %08x interp", (g_detail_page[i] << 12) + o);
        for (int k = 0; k < 16; k++)
          printf(" %02x", a[o + k]);
        printf("\n  %08x jit   ", (g_detail_page[i] << 12) + o);
        for (int k = 0; k < 16; k++)
          printf(" %02x", b[o + k]);
        printf("\n");
        shown++;
      }
    }
  g_ndetail = 0;
}

static void run_pair(Machine *m, Dump *slots, const Spec *sp, const char *stage, Stats *st) {
  uint64_t t_fork = host_now();
  int died = fork_pair(m, slots, sp);
  const Dump *a = &slots[0], *b = &slots[1];
  st->tried++;
  st->by_mode[sp->mode][0]++;
  char fields[256], what[64];
  const char *diff = died ? "a child died before its dump" : diff_fields(a, b, fields, sizeof fields);
  bool fired = a->status == DUMP_FIRED && b->status == DUMP_FIRED;
  if (died)
    st->died++;
  else if (fired)
    st->fired++, st->by_mode[sp->mode][1]++;
  else if (!diff)
    st->not_fired++;
  if (sp->mode == MODE_INLINE)
    st->by_tgt[sp->target][0]++;
  if (fired && sp->mode == MODE_INLINE)
    st->by_tgt[sp->target][1]++;
  if (diff) {
    st->differ++;
    st->by_mode[sp->mode][2]++;
    if (sp->mode == MODE_INLINE)
      st->by_tgt[sp->target][2]++;
    if (st->differ <= (uint64_t)max_print) {
      printf("DIFFERENCE: %s stage, point at icount %" PRIu64 ", %s: %s\n", stage, m->cpu->icount,
             spec_text(sp, what, sizeof what), diff);
      print_dump("interp", a);
      print_dump("jit", b);
      if (!died && a->ram_hash != b->ram_hash && g_pagehash[0])
        report_ram(m, slots, sp);
    }
  } else if (fired) {
    st->equal++;
    char t[32];
    count_mnem(insn_text(a, t, sizeof t));
    if (verbose)
      printf("  %s icount %" PRIu64 " %s: equal, vector %d cr2 %08x at cpl %u %04x:%08x %s, "
             "handler icount +%" PRIu64 ", %.0f ms\n",
             stage, m->cpu->icount, spec_text(sp, what, sizeof what), a->vector, a->cr2, a->fault_cs & 3,
             a->fault_cs, a->fault_eip, t, a->icount - m->cpu->icount, (double)(host_now() - t_fork) / 1e6);
    st->double_faults += a->vector == EXC_DF;
    st->user += (a->fault_cs & 3) == 3;
  }
}

/*
 * Scout: a child runs a stage ahead of the parent and records (virtual
 * time, instruction count) every millisecond, so that the points can be
 * spread evenly over the instructions the stage executes rather than over
 * its time (the shell stage is mostly an idle CPU between keystrokes).
 * The stage starts at virtual time t_from, or (from_step >= 0) once the
 * console script has passed that step; it ends at t_to, or when the
 * script completes.
 */
#define PROFILE_MAX 32768
typedef struct Profile {
  int n;                      /* steps recorded; t[0], ic[0] = the start */
  int ok;                     /* the stage ended as expected */
  uint64_t t[PROFILE_MAX];    /* virtual ns at the end of each step */
  uint64_t ic[PROFILE_MAX];   /* icount there */
} Profile;

static void scout(Machine *m, Profile *p, uint64_t t_from, int from_step, uint64_t t_to) {
  memset(p, 0, sizeof *p);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    alarm(300);
    child_engine(m, true);
    const double step = 0.001;
    for (;;) {
      uint64_t now = clock_now(m->clock);
      bool started = p->n > 0;
      if (!started && from_step < 0 && now >= t_from)
        started = true;
      if (!started && from_step >= 0 && g_runner->script_pos > from_step)
        started = true;
      if (started) {
        if (p->n >= PROFILE_MAX)
          break;
        p->t[p->n] = now;
        p->ic[p->n++] = m->cpu->icount;
        if (t_to && now >= t_to) {
          p->ok = 1;
          break;
        }
      }
      double d = step;
      if (!started && from_step < 0)
        d = (double)(t_from - now) / 1e9;
      else if (t_to && (double)(t_to - now) / 1e9 < d)
        d = (double)(t_to - now) / 1e9;
      MachineStop why = runner_run(g_runner, d);
      if (why == MSTOP_SCRIPT_DONE && !t_to) {
        p->t[p->n] = clock_now(m->clock);
        p->ic[p->n++] = m->cpu->icount;
        p->ok = p->n > 1;
        break;
      }
      if (why != MSTOP_TIMEOUT)
        break;
    }
    _exit(0);
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
}

/* The virtual time at which the stage has run about `target` instructions. */
static uint64_t profile_time(const Profile *p, uint64_t target, uint64_t ns_per_insn) {
  int j = 1;
  while (j < p->n - 1 && p->ic[j] < target)
    j++;
  uint64_t t = p->t[j - 1] + (target > p->ic[j - 1] ? target - p->ic[j - 1] : 0) * ns_per_insn;
  return t < p->t[j] ? t : p->t[j];
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Sample `points` places evenly over the stage's instructions and run the specs at each. */
static int stage_run(Machine *m, Dump *slots, const char *stage, const Profile *prof, int points, int dense,
                     uint64_t kmax, Stats *st) {
  uint64_t *ts = malloc(sizeof(uint64_t) * (size_t)(points ? points : 1));
  if (!ts)
    return -1;
  uint64_t ic0 = prof->ic[0], ic1 = prof->ic[prof->n - 1];
  for (int i = 0; i < points; i++)
    ts[i] = profile_time(prof, ic0 + (uint64_t)(rnd01() * (double)(ic1 - ic0)), m->clock->ns_per_insn);
  qsort(ts, (size_t)points, sizeof *ts, cmp_u64);
  int every_dense = dense > 0 ? (points + dense - 1) / dense : 0;
  uint64_t before = st->differ, tried = st->tried, user = st->user;
  struct timespec h0, h1;
  clock_gettime(CLOCK_MONOTONIC, &h0);
  for (int i = 0; i < points; i++) {
    uint64_t now = clock_now(m->clock);
    if (ts[i] > now) {
      MachineStop why = runner_run(g_runner, (double)(ts[i] - now) / 1e9);
      if (why != MSTOP_TIMEOUT) {
        printf("jit_faults_linux: %s: the boot stopped early (machine stop %d at %.6f s)\n", stage, (int)why,
               (double)clock_now(m->clock) / 1e9);
        free(ts);
        return -1;
      }
    }
    Spec sp = {MODE_FREE, 0, 0, 0};
    if (free_runs) { /* no injection: both engines run the guard time from here */
      run_pair(m, slots, &sp, stage, st);
      continue;
    }
    sp.mode = MODE_EVERY;
    /* every: k log-uniform in [1, kmax] */
    sp.k = (uint64_t)exp(rnd01() * log((double)kmax));
    if (sp.k < 1)
      sp.k = 1;
    run_pair(m, slots, &sp, stage, st);
    /* inline: the first access to one page, the rest of the TLB as it is */
    sp = (Spec){MODE_INLINE, i % TGT_COUNT, 0, 0};
    sp.lin = choose_page(m->cpu, &sp.target, (uint32_t)rnd64());
    run_pair(m, slots, &sp, stage, st);
    if (every_dense && i % every_dense == every_dense / 2)
      for (uint64_t k = 1; k <= 32; k++) {
        sp = (Spec){MODE_EVERY, 0, k, 0};
        run_pair(m, slots, &sp, stage, st);
      }
  }
  clock_gettime(CLOCK_MONOTONIC, &h1);
  if (!quiet)
    printf("jit_faults_linux: %s stage: virtual %.4f-%.4f s (%" PRIu64 " instructions), %d points, %" PRIu64
           " injections (%" PRIu64 " in user mode), %" PRIu64 " differences, %.1f s\n",
           stage, (double)prof->t[0] / 1e9, (double)prof->t[prof->n - 1] / 1e9, ic1 - ic0, points,
           st->tried - tried, st->user - user, st->differ - before,
           (double)(h1.tv_sec - h0.tv_sec) + (double)(h1.tv_nsec - h0.tv_nsec) / 1e9);
  free(ts);
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: jit_faults_linux --bios ROM (--kernel K --initrd I [--append CMDLINE] | --restore F)\n"
                  "       [--points N] [--dense N] [--kmax N] [--seed S] [--kernel-window A:B] [--window SEC]\n"
                  "       [--guard SEC] [--free] [--no-user] [--print N] [--quiet | --verbose]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *bios = NULL, *kernel = NULL, *initrd = NULL, *restore = NULL;
  const char *append = "console=ttyS0 cryptomgr.notests";
  int points = 100, dense = 2;
  uint64_t kmax = 2000000;
  double ka = 9.5, kb = 10.95, window = 0.2;
  bool user = true;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quiet") == 0 || strcmp(a, "--verbose") == 0) {
      quiet = a[2] == 'q';
      verbose = a[2] == 'v';
      continue;
    }
    if (strcmp(a, "--free") == 0) {
      free_runs = true;
      continue;
    }
    if (strcmp(a, "--no-user") == 0) {
      user = false;
      continue;
    }
    if (!v)
      return usage();
    i++;
    if (strcmp(a, "--bios") == 0)
      bios = v;
    else if (strcmp(a, "--kernel") == 0)
      kernel = v;
    else if (strcmp(a, "--initrd") == 0)
      initrd = v;
    else if (strcmp(a, "--append") == 0)
      append = v;
    else if (strcmp(a, "--restore") == 0)
      restore = v;
    else if (strcmp(a, "--points") == 0)
      points = atoi(v);
    else if (strcmp(a, "--dense") == 0)
      dense = atoi(v);
    else if (strcmp(a, "--kmax") == 0)
      kmax = strtoull(v, NULL, 0);
    else if (strcmp(a, "--seed") == 0)
      rng = strtoull(v, NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
    else if (strcmp(a, "--print") == 0)
      max_print = atoi(v);
    else if (strcmp(a, "--guard") == 0)
      guard_s = atof(v);
    else if (strcmp(a, "--window") == 0)
      window = atof(v);
    else if (strcmp(a, "--kernel-window") == 0) {
      if (sscanf(v, "%lf:%lf", &ka, &kb) != 2 || !(kb > ka))
        return usage();
    } else
      return usage();
  }
  if (!bios || (!kernel == !restore) || (kernel && !initrd) || points < 1 || kmax < 1)
    return usage();
  if (!jit_supported()) {
    printf("jit_faults_linux: no JIT on this host\n");
    return 77;
  }

  MachineConfig cfg = {0};
  cfg.mem_mib = 128;
  cfg.bios_path = bios;
  cfg.serial = "null";
  cfg.deterministic = true;
  cfg.boot = "cad";
  char err[512];
  static SnapshotInfo snap;
  if (restore) {
    if (machine_snapshot_info(restore, &snap, err, sizeof err) < 0) {
      fprintf(stderr, "jit_faults_linux: %s\n", err);
      return 2;
    }
    cfg.mem_mib = snap.mem_mib;
    for (int i = 0; i < PC_NDRIVES; i++)
      cfg.images[i] = snap.images[i];
    cfg.snapshot = true; /* children must not write the images */
  }
  Machine *m = machine_new(&cfg, err, sizeof err);
  if (!m) {
    fprintf(stderr, "jit_faults_linux: %s\n", err);
    return 2;
  }
  /* Guest RAM in transparent huge pages, all allocated now: a forked child
   * then takes one fault per 2 MiB it reads or writes instead of one per
   * 4 KiB (hashing RAM in each child went from ~0.4 s to ~0.04 s). */
  {
    uintptr_t lo = ((uintptr_t)m->mem->ram + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
    uintptr_t hi = ((uintptr_t)m->mem->ram + m->mem->ram_size) & ~(uintptr_t)((2u << 20) - 1);
    if (hi > lo)
      madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    volatile uint8_t *r = m->mem->ram;
    for (uint32_t a = 0; a < m->mem->ram_size; a += 4096)
      r[a] = r[a];
  }
  g_runner = runner_new(m);
  if (!g_runner) {
    fprintf(stderr, "jit_faults_linux: out of memory\n");
    return 2;
  }
  /* The user stage's console script: the prompt, one command line, its end. */
  const int send_step = 2; /* script step that types the command line */
  if (kernel) {
    if (script_add(SCRIPT_EXPECT, "initramfs shell") < 0 || script_add(SCRIPT_EXPECT, "# ") < 0 ||
        script_add(SCRIPT_SEND,
                           "ls -l /bin | wc -l; md5sum /bin/busybox; "
                           "seq 1 2000 | awk '{s+=$1*$1} END {print s}'; "
                           "seq 1 500 | sort -r | sed 's/1/one/g' | tail -n 2; "
                           "cat /proc/interrupts /proc/meminfo >/dev/null; echo END-OF-$((6*7))\\n") < 0 ||
        script_add(SCRIPT_EXPECT, "END-OF-42") < 0 || script_add(SCRIPT_EXPECT, "# ") < 0) {
      fprintf(stderr, "jit_faults_linux: out of memory\n");
      return 2;
    }
    if (linux_boot_load(m, kernel, initrd, append, err, sizeof err) < 0) {
      fprintf(stderr, "jit_faults_linux: %s\n", err);
      return 2;
    }
  } else if (machine_restore(m, restore, err, sizeof err) < 0) {
    fprintf(stderr, "jit_faults_linux: %s\n", err);
    return 2;
  }
  JitOptions jo = {0};
  if (!jit_attach(m->cpu, &jo, err, sizeof err)) {
    fprintf(stderr, "jit_faults_linux: %s\n", err);
    return 2;
  }
  Dump *slots = mmap(NULL, 2 * sizeof(Dump) + sizeof(Profile), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
  if (slots == MAP_FAILED) {
    perror("jit_faults_linux: mmap");
    return 2;
  }
  Profile *prof = (Profile *)(slots + 2);
  {
    size_t ph = sizeof(uint64_t) * (m->mem->ram_size >> 12);
    void *sh = mmap(NULL, 2 * ph + 2 * sizeof *g_detail, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
      perror("jit_faults_linux: mmap");
      return 2;
    }
    g_pagehash[0] = sh;
    g_pagehash[1] = (uint64_t *)((uint8_t *)sh + ph);
    g_detail = (void *)((uint8_t *)sh + 2 * ph);
  }

  struct timespec h0, h1;
  clock_gettime(CLOCK_MONOTONIC, &h0);
  Stats st = {0};
  int rc = 0;
  if (kernel) {
    scout(m, prof, (uint64_t)(ka * 1e9), -1, (uint64_t)(kb * 1e9));
    rc = prof->ok ? stage_run(m, slots, "kernel", prof, points, dense, kmax, &st) : -1;
    if (rc == 0 && user) {
      scout(m, prof, 0, send_step, 0);
      if (!prof->ok)
        printf("jit_faults_linux: the shell did not run the command line (scout)\n");
      rc = prof->ok ? stage_run(m, slots, "user", prof, points, dense, kmax, &st) : -1;
    }
  } else {
    uint64_t t0 = clock_now(m->clock);
    scout(m, prof, t0, -1, t0 + (uint64_t)(window * 1e9));
    rc = prof->ok ? stage_run(m, slots, "snapshot", prof, points, dense, kmax, &st) : -1;
  }
  if (rc < 0)
    printf("jit_faults_linux: a stage did not run as planned\n");
  clock_gettime(CLOCK_MONOTONIC, &h1);
  double secs = (double)(h1.tv_sec - h0.tv_sec) + (double)(h1.tv_nsec - h0.tv_nsec) / 1e9;

  qsort(mnem, (size_t)nmnem, sizeof mnem[0], cmp_mnem);
  if (!quiet) {
    printf("jit_faults_linux: instructions at the frame's EIP (%d kinds):", nmnem);
    for (int i = 0; i < nmnem && i < 40; i++)
      printf(" %s %" PRIu64 ";", mnem[i].name, mnem[i].n);
    printf("\n");
    for (int md = 0; md < MODE_COUNT; md++)
      if (st.by_mode[md][0])
      printf("jit_faults_linux: mode %-6s: %" PRIu64 " injections, %" PRIu64 " fired, %" PRIu64 " differ\n",
             mode_name[md], st.by_mode[md][0], st.by_mode[md][1], st.by_mode[md][2]);
    printf("jit_faults_linux: inline mode pages (tried/fired/differ):");
    for (int t = 0; t < TGT_COUNT; t++)
      printf(" %s %" PRIu64 "/%" PRIu64 "/%" PRIu64 ";", tgt_name[t], st.by_tgt[t][0], st.by_tgt[t][1],
             st.by_tgt[t][2]);
    printf("\n");
  }
  printf("jit_faults_linux: %" PRIu64 " injections: %" PRIu64 " fired (%" PRIu64 " in user mode, %" PRIu64
         " as #DF), %" PRIu64 " equal, %" PRIu64 " different, %" PRIu64 " never fired (state equal), %" PRIu64
         " children died; %.1f s\n",
         st.tried, st.fired, st.user, st.double_faults, st.equal, st.differ, st.not_fired, st.died, secs);
  jit_detach(m->cpu);
  runner_free(g_runner);
  machine_free(m);
  snapshot_info_free(&snap);
  if (rc < 0)
    return 1;
  return st.differ || st.died || st.fired == 0 ? 1 : 0;
}
