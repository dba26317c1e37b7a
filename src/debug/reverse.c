/*
 * reverse.c — reverse execution (see reverse.h and docs/DEBUGGER.md,
 * "Reverse execution"): the checkpoint ring and replay.
 */
#define _POSIX_C_SOURCE 200809L
#include "reverse.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vga.h"

#define REV_PAGE 4096u
/* Near checkpoints: a replay longer than the near spacing (the interval
 * over REV_NEAR_DIV) drops checkpoints on its way, at that spacing from
 * the checkpoint it started from, so the reverse-steps that follow replay
 * at most one spacing.  At most REV_NEAR_MAX of them are kept: the ones
 * farthest from where the debugger went last go first. */
#define REV_NEAR_DIV 16u
#define REV_NEAR_MAX 48

/* A page of memory or of a light snapshot, shared by the checkpoints whose
 * content it is. */
typedef struct RevPage {
  uint32_t refs;
  uint8_t data[REV_PAGE];
} RevPage;

typedef struct RevCkpt {
  uint64_t icount;     /* instructions retired when it was taken */
  size_t state_len;    /* the light snapshot's bytes */
  uint32_t nstate;     /* its pages */
  uint32_t fresh;      /* pages this checkpoint stored (not shared with the one before) */
  bool near;           /* taken by a replay (near checkpoints), not by the schedule */
  RevPage **pages;     /* RAM pages, video memory pages, then the snapshot's */
} RevCkpt;

struct Rev {
  Debugger *d;
  Machine *m;
  uint64_t interval;
  size_t budget;       /* bytes */
  size_t used;         /* bytes of pages and page tables held */
  RevCkpt *ck;         /* oldest first, icount increasing */
  int n, cap;
  uint8_t *ram, *lfb;  /* the memory kept page by page */
  uint32_t ram_pages, lfb_pages, npages;
  uint64_t inputs;     /* Machine.host_inputs when the history began */
  uint64_t taken;      /* checkpoints taken, dropped (for info) */
  uint64_t dropped;
  uint64_t ckpt_ns;    /* host time spent taking them */
  char err[200];       /* a checkpoint that failed */
  uint8_t *dirty;      /* Mem.ram_dirty: RAM pages written since RAM was checkpoint base's */
  int base;            /* that checkpoint's index (-1: none, compare every page) */
  RevPage *zero;       /* the zero page (one reference is the ring's own) */
  int nnear;           /* near checkpoints in the ring */
  uint64_t near_taken; /* near checkpoints taken in all (for info) */
  uint64_t focus;      /* where the last reverse command went: near checkpoints far from it go first */
};

static uint64_t host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void page_unref(Rev *r, RevPage *p) {
  if (p && --p->refs == 0) {
    r->used -= sizeof *p;
    free(p);
  }
}

static void ckpt_free(Rev *r, RevCkpt *c) {
  if (!c->pages)
    return;
  for (uint32_t i = 0; i < r->npages + c->nstate; i++)
    page_unref(r, c->pages[i]);
  r->used -= (r->npages + c->nstate) * sizeof(RevPage *);
  free(c->pages);
  c->pages = NULL;
}

static void drop_at(Rev *r, int i) {
  if (r->base == i)
    r->base = -1;
  else if (r->base > i)
    r->base--;
  if (r->ck[i].near)
    r->nnear--;
  else
    r->dropped++;
  ckpt_free(r, &r->ck[i]);
  memmove(r->ck + i, r->ck + i + 1, (size_t)(r->n - 1 - i) * sizeof *r->ck);
  r->n--;
}

static void drop_all(Rev *r) {
  while (r->n)
    drop_at(r, r->n - 1);
}

/* The near checkpoint farthest from the focus, or -1.  Not the one RAM
 * was last made equal to (base): the dirty map is kept against it, and
 * without it the next checkpoint compares every page. */
static int near_farthest(const Rev *r) {
  int k = -1;
  uint64_t far = 0;
  for (int i = 0; i < r->n; i++) {
    if (!r->ck[i].near || i == r->base)
      continue;
    uint64_t d = r->ck[i].icount > r->focus ? r->ck[i].icount - r->focus : r->focus - r->ck[i].icount;
    if (k < 0 || d > far)
      k = i, far = d;
  }
  return k;
}

/* Within the budget: the oldest checkpoints go first (the newest stays
 * whatever it costs); of the near ones, those farthest from the focus
 * beyond REV_NEAR_MAX. */
static void fit_budget(Rev *r) {
  int k;
  while (r->nnear > REV_NEAR_MAX && (k = near_farthest(r)) >= 0)
    drop_at(r, k);
  while (r->n > 1 && r->used > r->budget)
    drop_at(r, 0);
}

/* The newest checkpoint the schedule took (near ones do not move it). */
static uint64_t newest_scheduled(const Rev *r) {
  for (int i = r->n - 1; i >= 0; i--)
    if (!r->ck[i].near)
      return r->ck[i].icount;
  return 0;
}

/* The page at index i of a checkpoint taken now: shared with prev if the
 * same, else a new copy. */
static RevPage *page_take(Rev *r, const uint8_t *src, size_t len, RevPage *prev, uint32_t *fresh) {
  if (prev && len == REV_PAGE && memcmp(prev->data, src, REV_PAGE) == 0) {
    prev->refs++;
    return prev;
  }
  if (prev && len < REV_PAGE && memcmp(prev->data, src, len) == 0) {
    bool zero = true; /* the tail past len is zero in both (page_take pads) */
    for (size_t i = len; i < REV_PAGE && zero; i++)
      zero = prev->data[i] == 0;
    if (zero) {
      prev->refs++;
      return prev;
    }
  }
  /* Most of a machine's RAM is zero and stays so: one page for all of it. */
  bool zero = len == REV_PAGE && src[0] == 0 && memcmp(src, src + 1, REV_PAGE - 1) == 0;
  if (zero) {
    r->zero->refs++;
    return r->zero;
  }
  RevPage *p = malloc(sizeof *p);
  if (!p)
    return NULL;
  p->refs = 1;
  memcpy(p->data, src, len);
  memset(p->data + len, 0, REV_PAGE - len);
  r->used += sizeof *p;
  (*fresh)++;
  return p;
}

/* The newest checkpoint at or before icount, or -1 (binary search: the
 * ring is in icount order). */
static int ckpt_before(const Rev *r, uint64_t icount) {
  int lo = 0, hi = r->n; /* the answer + 1 lies in [lo, hi] */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (r->ck[mid].icount <= icount)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo - 1;
}

/* A checkpoint of the machine as it is now, put in the ring in icount
 * order (there is none at this count).  near: taken by a replay. */
static int take_checkpoint(Rev *r, bool near, char *err, size_t errlen) {
  uint64_t t0 = host_ns();
  uint8_t *state;
  size_t state_len;
  if (machine_save_light(r->m, &state, &state_len, err, errlen) < 0)
    return -1;
  uint32_t nstate = (uint32_t)((state_len + REV_PAGE - 1) / REV_PAGE);
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 64;
    RevCkpt *ck = realloc(r->ck, (size_t)cap * sizeof *ck);
    if (!ck) {
      free(state);
      snprintf(err, errlen, "checkpoint: out of memory");
      return -1;
    }
    r->ck = ck;
    r->cap = cap;
  }
  uint64_t now = r->m->cpu->icount;
  int pos = r->n;
  while (pos > 0 && r->ck[pos - 1].icount > now)
    pos--;
  RevCkpt *prev = pos ? &r->ck[pos - 1] : NULL;
  RevCkpt c = {.icount = now, .state_len = state_len, .nstate = nstate, .near = near};
  c.pages = calloc(r->npages + nstate, sizeof *c.pages);
  bool ok = c.pages != NULL;
  if (ok)
    r->used += (r->npages + nstate) * sizeof(RevPage *);
  Vga *vga = r->m->vga;
  for (uint32_t i = 0; ok && i < r->npages; i++) {
    /* A RAM page nothing wrote is the previous checkpoint's: no compare. */
    if (prev && r->base == pos - 1 && i < r->ram_pages && !r->dirty[i]) {
      (c.pages[i] = prev->pages[i])->refs++;
      continue;
    }
    /* Video memory the VGA lists as never written is still zero. */
    if (i >= r->ram_pages && vga->lfb_pristine && !vga->lfb_dirty[i - r->ram_pages]) {
      (c.pages[i] = r->zero)->refs++;
      continue;
    }
    const uint8_t *src = i < r->ram_pages ? r->ram + (size_t)i * REV_PAGE
                                          : r->lfb + (size_t)(i - r->ram_pages) * REV_PAGE;
    ok = (c.pages[i] = page_take(r, src, REV_PAGE, prev ? prev->pages[i] : NULL, &c.fresh)) != NULL;
  }
  for (uint32_t i = 0; ok && i < nstate; i++) {
    size_t off = (size_t)i * REV_PAGE, len = state_len - off < REV_PAGE ? state_len - off : REV_PAGE;
    /* The snapshot's layout stays put while no chunk changes size: share by offset. */
    RevPage *pp = prev && prev->state_len == state_len ? prev->pages[r->npages + i] : NULL;
    ok = (c.pages[r->npages + i] = page_take(r, state + off, len, pp, &c.fresh)) != NULL;
  }
  free(state);
  if (!ok) {
    if (c.pages) {
      for (uint32_t i = 0; i < r->npages + nstate; i++)
        page_unref(r, c.pages[i]);
      r->used -= (r->npages + nstate) * sizeof(RevPage *);
      free(c.pages);
    }
    snprintf(err, errlen, "checkpoint: out of memory");
    return -1;
  }
  memmove(r->ck + pos + 1, r->ck + pos, (size_t)(r->n - pos) * sizeof *r->ck);
  r->ck[pos] = c;
  r->n++;
  /* Dirty from now on means "differs from this checkpoint". */
  r->base = pos;
  memset(r->dirty, 0, r->ram_pages);
  mem_rearm_dirty(r->m->mem); /* write pointers handed out before mark nothing */
  if (near) {
    r->nnear++;
    r->near_taken++;
  } else {
    r->taken++;
  }
  fit_budget(r);
  r->ckpt_ns += host_ns() - t0;
  return 0;
}

/* History before a host input cannot be replayed across it: start again. */
static void check_inputs(Rev *r) {
  if (r->m->host_inputs == r->inputs)
    return;
  r->inputs = r->m->host_inputs;
  drop_all(r);
  if (take_checkpoint(r, false, r->err, sizeof r->err) < 0)
    r->m->ckpt_at = UINT64_MAX;
}

/* Machine.ckpt_fn: at an instruction boundary inside machine_run_for. */
static void on_checkpoint(void *opaque) {
  Rev *r = opaque;
  Machine *m = r->m;
  uint64_t now = m->cpu->icount;
  check_inputs(r);
  uint64_t newest = newest_scheduled(r);
  /* Replays pass here too: what the ring holds is not taken again, and past
   * its newest checkpoint a replay is the run itself (it is deterministic). */
  int at = r->n ? ckpt_before(r, now) : -1;
  if (at >= 0 && r->ck[at].icount == now && r->ck[at].near && now >= newest + r->interval) {
    /* A replay left one here: the schedule keeps it. */
    r->ck[at].near = false;
    r->nnear--;
    r->taken++;
    newest = now;
  } else if (r->n == 0 || now >= newest + r->interval) {
    /* A REP cut at a slice boundary resumes from its decoded copy, which a
     * checkpoint does not keep: take it after the instruction. */
    if (m->cpu->rep_pending) {
      m->ckpt_at = now + 1;
      return;
    }
    if (take_checkpoint(r, false, r->err, sizeof r->err) < 0) {
      m->ckpt_at = UINT64_MAX; /* rev_goto says why */
      return;
    }
    newest = now;
  }
  uint64_t next = newest + r->interval;
  m->ckpt_at = next > now ? next : now + 1;
}

Rev *rev_new(Debugger *d, uint32_t mib, char *err, size_t errlen) {
  Machine *m = dbg_machine(d);
  if (!m->clock->deterministic) {
    snprintf(err, errlen, "reverse execution needs --deterministic (virtual time from instructions)");
    return NULL;
  }
  Rev *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  r->d = d;
  r->m = m;
  r->interval = REV_DEFAULT_INTERVAL;
  r->budget = (size_t)mib << 20;
  r->ram = m->mem->ram;
  r->ram_pages = m->mem->ram_size / REV_PAGE;
  if (m->vga) {
    r->lfb = m->vga->lfb;
    r->lfb_pages = m->vga->lfb_size / REV_PAGE;
  }
  r->npages = r->ram_pages + r->lfb_pages;
  r->inputs = m->host_inputs;
  r->zero = calloc(1, sizeof *r->zero);
  r->dirty = malloc(r->ram_pages ? r->ram_pages : 1);
  if (!r->zero || !r->dirty) {
    snprintf(err, errlen, "out of memory");
    free(r->zero);
    free(r->dirty);
    free(r);
    return NULL;
  }
  memset(r->dirty, 1, r->ram_pages);
  r->zero->refs = 1;
  r->used = sizeof *r->zero;
  /* Each checkpoint holds a page table; its pages are mostly shared (and
   * the ring keeps its newest checkpoint whatever it costs). */
  size_t one = (size_t)r->npages * sizeof(RevPage *) * 16;
  if (one > r->budget) {
    snprintf(err, errlen, "--record-mem %u: too small for this machine (give at least %zu)", mib, (one >> 20) + 1);
    free(r->zero);
    free(r->dirty);
    free(r);
    return NULL;
  }
  m->mem->ram_dirty = r->dirty;
  if (take_checkpoint(r, false, err, errlen) < 0) {
    m->mem->ram_dirty = NULL;
    free(r->zero);
    free(r->dirty);
    free(r);
    return NULL;
  }
  m->ckpt_fn = on_checkpoint;
  m->ckpt_opaque = r;
  m->ckpt_at = m->cpu->icount + r->interval;
  return r;
}

void rev_free(Rev *r) {
  if (!r)
    return;
  if (r->m->ckpt_opaque == r) {
    r->m->ckpt_fn = NULL;
    r->m->ckpt_opaque = NULL;
    r->m->ckpt_at = UINT64_MAX;
  }
  if (r->m->mem->ram_dirty == r->dirty)
    r->m->mem->ram_dirty = NULL;
  drop_all(r);
  free(r->ck);
  free(r->zero);
  free(r->dirty);
  free(r);
}

void rev_set_interval(Rev *r, uint64_t interval) {
  r->interval = interval ? interval : 1;
  uint64_t now = r->m->cpu->icount, newest = r->n ? newest_scheduled(r) : now;
  r->m->ckpt_at = newest + r->interval > now ? newest + r->interval : now + 1;
}

/* ---------------- restore and replay ---------------- */

/* RAM page i from a checkpoint's copy, into the array as the checkpoint
 * took it (also where a ROM or device window covers it and a write through
 * Mem would go elsewhere).  Decoded code on the 64-byte lines that change
 * is dropped as such a write drops it: the page gets a new generation (the
 * interpreter's blocks and the JIT's check it) and the JIT's hook unlinks
 * the page's translations. */
static void ram_put(Mem *mem, uint32_t i, const uint8_t *src) {
  uint8_t *dst = mem->ram + (size_t)i * REV_PAGE;
  bool code = false;
  if (mem->page_code[i] & MEM_PAGE_CODE)
    for (int l = 0; l < 64 && !code; l++)
      code = ((mem->code_lines[i] >> l) & 1) && memcmp(dst + l * 64, src + l * 64, 64) != 0;
  memcpy(dst, src, REV_PAGE);
  if (code) {
    mem->page_gen[i]++;
    if (mem->code_write_hook)
      mem->code_write_hook(mem->code_write_opaque, i);
  }
}

static int restore_ckpt(Rev *r, const RevCkpt *c, char *err, size_t errlen) {
  Machine *m = r->m;
  Mem *mem = m->mem;
  uint8_t *state = malloc(c->nstate * (size_t)REV_PAGE);
  if (!state) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (uint32_t i = 0; i < c->nstate; i++)
    memcpy(state + (size_t)i * REV_PAGE, c->pages[r->npages + i]->data, REV_PAGE);
  const RevCkpt *b = r->base >= 0 ? &r->ck[r->base] : NULL;
  for (uint32_t i = 0; i < r->ram_pages; i++) {
    /* Unwritten since RAM was checkpoint base's, and the same page there. */
    if (b && !r->dirty[i] && b->pages[i] == c->pages[i])
      continue;
    if (memcmp(r->ram + (size_t)i * REV_PAGE, c->pages[i]->data, REV_PAGE) != 0)
      ram_put(mem, i, c->pages[i]->data);
  }
  for (uint32_t i = 0; i < r->lfb_pages; i++) {
    const RevPage *p = c->pages[r->ram_pages + i];
    /* Never written (the VGA's list) and zero in the checkpoint too. */
    if (p == r->zero && m->vga->lfb_pristine && !m->vga->lfb_dirty[i])
      continue;
    uint8_t *dst = r->lfb + (size_t)i * REV_PAGE;
    if (memcmp(dst, p->data, REV_PAGE) != 0) {
      memcpy(dst, p->data, REV_PAGE);
      m->vga->lfb_dirty[i] = 1; /* listed as written: the list stays complete */
    }
  }
  /* The machine's restore hook drops every translation (a snapshot's RAM
   * comes back whole, unseen by code-page tracking).  Here RAM came back
   * through ram_put, which drops what the changed lines held, so the other
   * translations stay good, as across a CR3 or mode change: the mode and
   * the segments are in their key, and the restore flushes the TLB (a new
   * epoch for the jump cache).  Replays then run translated code at once
   * instead of translating all of it again. */
  void (*on_restore)(void *) = m->on_restore;
  m->on_restore = NULL;
  int rc = machine_restore_light(m, state, c->state_len, err, errlen);
  m->on_restore = on_restore;
  free(state);
  /* RAM is now exactly this checkpoint's. */
  r->base = (int)(c - r->ck);
  memset(r->dirty, 0, r->ram_pages);
  mem_rearm_dirty(mem);
  /* Run state outside the snapshot: a checkpoint is taken in the run loop,
   * where none of it is pending (the guest's debug-exit, say, is later). */
  m->stop_requested = 0;
  m->exit_requested = false;
  m->exit_status = 0;
  dbg_resync(r->d);
  return rc;
}

/* Disable every enabled breakpoint (ids[], the count returned) and note the hit counts. */
static int bps_quiet(Rev *r, int *ids, uint64_t *hits) {
  int n = 0;
  const DbgBreakpoint *b;
  for (int i = 0; (b = dbg_breakpoint(r->d, i)) != NULL; i++) {
    hits[i] = b->hits;
    if (b->enabled)
      ids[n++] = b->id;
  }
  for (int i = 0; i < n; i++)
    dbg_enable(r->d, ids[i], false);
  return n;
}

static void bps_restore(Rev *r, const int *ids, int n, const uint64_t *hits) {
  for (int i = 0; i < n; i++)
    dbg_enable(r->d, ids[i], true);
  const DbgBreakpoint *b;
  for (int i = 0; (b = dbg_breakpoint(r->d, i)) != NULL; i++)
    dbg_set_hits(r->d, b->id, hits[i]);
}

/* Run forward exactly to icount with no breakpoint armed. */
static int replay_to(Rev *r, uint64_t icount, char *err, size_t errlen) {
  Cpu *c = r->m->cpu;
  if (c->icount >= icount)
    return 0;
  int ids[DBG_MAX_BPS];
  uint64_t hits[DBG_MAX_BPS];
  int n = bps_quiet(r, ids, hits);
  DbgResult res = {0};
  /* A stop request (Ctrl+C) does not cut a replay short: it ends where it
   * was going, one checkpoint interval at most, and the command that asked
   * for it decides where to stop (rev_continue stops between stretches). */
  while (c->icount < icount) {
    res = dbg_run(r->d, icount - c->icount, NULL);
    if (res.stop != DBG_STOP_STEP && res.stop != DBG_STOP_NONE && res.stop != DBG_STOP_REQUEST)
      break;
  }
  bps_restore(r, ids, n, hits);
  dbg_resync(r->d);
  if (c->icount != icount) {
    snprintf(err, errlen, "replay stopped at instruction %" PRIu64 " before %" PRIu64 " (%s)", c->icount, icount,
             res.stop == DBG_STOP_MACHINE ? "the machine stopped" : "interrupted");
    return -1;
  }
  return 0;
}

static uint64_t near_spacing(const Rev *r) {
  uint64_t sp = r->interval / REV_NEAR_DIV;
  return sp ? sp : 1;
}

static int check_ready(Rev *r, char *err, size_t errlen) {
  check_inputs(r);
  if (r->n == 0) {
    snprintf(err, errlen, "no checkpoint: %s", r->err[0] ? r->err : "history lost");
    return -1;
  }
  return 0;
}

int rev_goto(Rev *r, uint64_t icount, char *err, size_t errlen) {
  if (check_ready(r, err, errlen) < 0)
    return -1;
  uint64_t now = r->m->cpu->icount;
  if (icount == now)
    return 0;
  int k = ckpt_before(r, icount);
  if (k < 0) {
    snprintf(err, errlen, "instruction %" PRIu64 " is before the history, which begins at %" PRIu64, icount,
             r->ck[0].icount);
    return -1;
  }
  r->focus = icount;
  /* Forward with no checkpoint in between: just run on. */
  if (icount > now && r->ck[k].icount <= now)
    return replay_to(r, icount, err, errlen);
  if (restore_ckpt(r, &r->ck[k], err, errlen) < 0)
    return -1;
  /* Near checkpoints on the way (see REV_NEAR_DIV): the next reverse-steps
   * start from one of them.  One that cannot be taken is only a loss of
   * speed. */
  uint64_t sp = near_spacing(r);
  for (uint64_t g = r->ck[k].icount + sp; g < icount; g += sp) {
    if (replay_to(r, g, err, errlen) < 0)
      return -1;
    int at = ckpt_before(r, g);
    char why[200];
    if (!r->m->cpu->rep_pending && !(at >= 0 && r->ck[at].icount == g))
      take_checkpoint(r, true, why, sizeof why);
  }
  return replay_to(r, icount, err, errlen);
}

bool rev_history_begin(Rev *r, uint64_t *icount) {
  check_inputs(r);
  if (r->n == 0)
    return false;
  *icount = r->ck[0].icount;
  return true;
}

int rev_step(Rev *r, uint64_t n, char *err, size_t errlen) {
  uint64_t now = r->m->cpu->icount;
  if (check_ready(r, err, errlen) < 0)
    return -1;
  if (n > now - r->ck[0].icount) {
    snprintf(err, errlen, "only %" PRIu64 " instructions of history (it begins at %" PRIu64 ")",
             now - r->ck[0].icount, r->ck[0].icount);
    return -1;
  }
  return rev_goto(r, now - n, err, errlen);
}

/* ---------------- reverse-next ---------------- */

static uint32_t cur_sp(const Cpu *c) {
  return (c->mode & CPU_MODE_SS32) ? c->regs[R_ESP] : c->regs[R_ESP] & 0xffff;
}

/* The opcode's index after the prefixes. */
static int skip_prefixes(const uint8_t *b, int len) {
  int i = 0;
  while (i < len && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 ||
                     b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65 || b[i] == 0xf2 || b[i] == 0xf3))
    i++;
  return i;
}

/* Is it a near or far RET (with its pop count) or an IRET? */
static bool insn_return(const uint8_t *b, int len, uint32_t *pops) {
  int i = skip_prefixes(b, len);
  if (i >= len)
    return false;
  *pops = (b[i] == 0xc2 || b[i] == 0xca) && i + 2 < len ? (uint32_t)(b[i + 1] | b[i + 2] << 8) : 0;
  return b[i] == 0xc3 || b[i] == 0xc2 || b[i] == 0xcb || b[i] == 0xca || b[i] == 0xcf;
}

int rev_next(Rev *r, char *err, size_t errlen) {
  Cpu *c = r->m->cpu;
  uint64_t now = c->icount;
  if (check_ready(r, err, errlen) < 0)
    return -1;
  if (now == r->ck[0].icount) {
    snprintf(err, errlen, "at the beginning of the history (%" PRIu64 ")", now);
    return -1;
  }
  uint32_t here = c->seg[S_CS].base + c->eip, sp = cur_sp(c);
  if (rev_goto(r, now - 1, err, errlen) < 0)
    return -1;
  uint8_t b[15];
  Insn in;
  uint32_t pops = 0;
  int len = dbg_fetch_insn(r->d, c->seg[S_CS].base + c->eip, (c->mode & CPU_MODE_CS32) != 0, b, &in);
  if (len <= 0 || !insn_return(b, len, &pops))
    return 0; /* one instruction back */
  /* A return brought it here: find the call (or INT) whose next instruction
   * is here with the stack as the return left it, the latest first,
   * replaying each checkpoint's stretch one instruction at a time. */
  uint64_t end = now - 1;
  for (int k = ckpt_before(r, end - 1); k >= 0; k--) {
    if (restore_ckpt(r, &r->ck[k], err, errlen) < 0)
      return -1;
    uint64_t found = UINT64_MAX;
    int ids[DBG_MAX_BPS];
    uint64_t hits[DBG_MAX_BPS];
    int nq = bps_quiet(r, ids, hits);
    while (c->icount < end) {
      uint32_t lin = c->seg[S_CS].base + c->eip;
      int l = dbg_fetch_insn(r->d, lin, (c->mode & CPU_MODE_CS32) != 0, b, &in);
      if (l > 0 && lin + (uint32_t)l == here && cur_sp(c) + pops == sp)
        found = c->icount;
      uint64_t before = c->icount;
      dbg_run(r->d, 1, NULL);
      if (c->icount != before + 1)
        break;
    }
    bps_restore(r, ids, nq, hits);
    if (c->icount != end) {
      snprintf(err, errlen, "replay stopped at instruction %" PRIu64 " before %" PRIu64, c->icount, end);
      return -1;
    }
    if (found != UINT64_MAX)
      return rev_goto(r, found, err, errlen);
    end = r->ck[k].icount;
    if (k == 0)
      break;
  }
  /* The call is older than the history: stay one instruction back. */
  return rev_goto(r, now - 1, err, errlen);
}

/* ---------------- reverse-finish ---------------- */

/* A near or far CALL, direct or indirect? */
static bool insn_call(const uint8_t *b, int len) {
  int i = skip_prefixes(b, len);
  if (i >= len)
    return false;
  if (b[i] == 0xe8 || b[i] == 0x9a)
    return true;
  return b[i] == 0xff && i + 1 < len && (((b[i + 1] >> 3) & 7) == 2 || ((b[i + 1] >> 3) & 7) == 3);
}

static uint32_t stack_lin(const Cpu *c) { return c->seg[S_SS].base + cur_sp(c); }

typedef struct RevCall {
  uint64_t icount;  /* the CALL's: instructions retired before it */
  uint32_t sp;      /* the stack pointer (linear) before it */
} RevCall;

/*
 * The CALL that entered the current function is the latest one whose
 * stack pointer before it lies above every stack pointer since: the
 * function it entered has not returned (its RET would have brought the
 * stack back up to there).  Each checkpoint's stretch, newest first, is
 * replayed one instruction at a time, keeping the calls not yet returned
 * from (their stack pointers fall from the bottom of the list to its top);
 * at the end of a stretch the answer is the latest of them above the
 * highest stack pointer of the later stretches.  Interrupt handlers on the
 * same stack return (IRET) before the code they interrupted goes on, so
 * they do not disturb it; a switch to another stack (a ring or task
 * change) does.
 */
int rev_finish(Rev *r, char *err, size_t errlen) {
  Cpu *c = r->m->cpu;
  uint64_t now = c->icount;
  if (check_ready(r, err, errlen) < 0)
    return -1;
  if (now == r->ck[0].icount) {
    snprintf(err, errlen, "at the beginning of the history (%" PRIu64 ")", now);
    return -1;
  }
  uint32_t above = stack_lin(c); /* the highest stack pointer after the stretch */
  /* Back one first: near checkpoints behind us keep the first stretches short. */
  if (rev_goto(r, now - 1, err, errlen) < 0)
    return -1;
  RevCall *calls = NULL;
  int ncalls = 0, cap = 0;
  uint64_t end = now, found = UINT64_MAX;
  int rc = 0;
  for (int k = ckpt_before(r, end - 1); k >= 0 && found == UINT64_MAX; k = ckpt_before(r, end - 1)) {
    uint64_t from = r->ck[k].icount;
    if (restore_ckpt(r, &r->ck[k], err, errlen) < 0) {
      rc = -1;
      break;
    }
    int ids[DBG_MAX_BPS];
    uint64_t hits[DBG_MAX_BPS];
    int nq = bps_quiet(r, ids, hits);
    uint32_t high = 0; /* the highest stack pointer after an instruction of this stretch */
    ncalls = 0;
    while (c->icount < end) {
      uint8_t b[15];
      Insn in;
      uint32_t lin = c->seg[S_CS].base + c->eip, sp = stack_lin(c), eip = c->eip;
      int l = dbg_fetch_insn(r->d, lin, (c->mode & CPU_MODE_CS32) != 0, b, &in);
      uint64_t before = c->icount;
      dbg_run(r->d, 1, NULL);
      if (c->icount != before + 1)
        break;
      uint32_t now_sp = stack_lin(c);
      if (now_sp > high)
        high = now_sp;
      while (ncalls && calls[ncalls - 1].sp <= now_sp)
        ncalls--;
      /* A call that ran (not an interrupt delivered in its place): it
       * pushed its return address. */
      uint16_t ret = 0;
      if (l > 0 && insn_call(b, l) && now_sp < sp && dbg_read_lin(r->d, now_sp, &ret, 2) == 2 &&
          ret == (uint16_t)(eip + (uint32_t)l)) {
        if (ncalls == cap) {
          int nc = cap ? 2 * cap : 64;
          RevCall *p = realloc(calls, (size_t)nc * sizeof *p);
          if (!p) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
          }
          calls = p;
          cap = nc;
        }
        calls[ncalls++] = (RevCall){before, sp};
      }
    }
    bps_restore(r, ids, nq, hits);
    if (rc < 0)
      break;
    if (c->icount != end) {
      snprintf(err, errlen, "replay stopped at instruction %" PRIu64 " before %" PRIu64, c->icount, end);
      rc = -1;
      break;
    }
    for (int i = ncalls - 1; i >= 0 && found == UINT64_MAX; i--)
      if (calls[i].sp > above)
        found = calls[i].icount;
    if (high > above)
      above = high;
    end = from;
    if (k == 0)
      break;
  }
  free(calls);
  if (rc < 0)
    return -1;
  if (found == UINT64_MAX) {
    if (rev_goto(r, now, err, errlen) < 0)
      return -1;
    snprintf(err, errlen, "no CALL in the history (from instruction %" PRIu64 ") entered this function",
             r->ck[0].icount);
    return -1;
  }
  return rev_goto(r, found, err, errlen);
}

/* ---------------- reverse-continue ---------------- */

static bool is_hit(DbgStop s) {
  return s == DBG_STOP_BREAKPOINT || s == DBG_STOP_WATCH || s == DBG_STOP_IO || s == DBG_STOP_INT ||
         s == DBG_STOP_MODE;
}

/* rev_continue stopped by request: at end, where the search has got to
 * (everything from there to now searched, no hit in it). */
static int stopped_at(Rev *r, uint64_t end, uint64_t now, DbgResult *res, char *err, size_t errlen) {
  if (rev_goto(r, end, err, errlen) < 0)
    return -1;
  *res = (DbgResult){.stop = DBG_STOP_REQUEST, .steps = now - end};
  return 2;
}

int rev_continue(Rev *r, DbgResult *res, char *err, size_t errlen) {
  Cpu *c = r->m->cpu;
  uint64_t now = c->icount;
  if (check_ready(r, err, errlen) < 0)
    return -1;
  uint64_t end = now;
  for (int k = ckpt_before(r, now ? now - 1 : 0); k >= 0; k--) {
    if (r->ck[k].icount >= end)
      continue;
    /* A stretch is one checkpoint interval: a stop request is looked for
     * between them too (a run that short may not reach the poll hook). */
    if (end != now && dbg_poll_stop(r->d))
      return stopped_at(r, end, now, res, err, errlen);
    /* Run the stretch [checkpoint, end) with the breakpoints armed and count
     * the stops; the last one before now is the answer, reached again by the
     * same runs (so its state and details are exactly those of the stop). */
    uint64_t hits[DBG_MAX_BPS];
    const DbgBreakpoint *b;
    for (int i = 0; (b = dbg_breakpoint(r->d, i)) != NULL; i++)
      hits[i] = b->hits;
    if (restore_ckpt(r, &r->ck[k], err, errlen) < 0)
      return -1;
    int stops = 0, last = 0;
    bool interrupted = false;
    while (c->icount < end) {
      DbgResult x = dbg_run(r->d, end - c->icount, NULL);
      if (is_hit(x.stop)) {
        stops++;
        if (c->icount < now) /* a stop where we are is not behind us */
          last = stops;
        continue;
      }
      if (x.stop == DBG_STOP_REQUEST) {
        interrupted = true;
        break;
      }
      if (x.stop != DBG_STOP_STEP)
        break;
    }
    if (last && !interrupted) {
      restore_ckpt(r, &r->ck[k], err, errlen);
      for (int s = 0; s < last; s++) {
        do
          *res = dbg_run(r->d, end - c->icount, NULL);
        while (res->stop == DBG_STOP_REQUEST && c->icount < end);
        if (!is_hit(res->stop))
          break;
      }
    }
    for (int i = 0; (b = dbg_breakpoint(r->d, i)) != NULL; i++)
      dbg_set_hits(r->d, b->id, hits[i]);
    /* Stopped by request before this stretch was searched to its end: back
     * where the search has got to, everything after it searched, no hit
     * in it.  That is where a reverse run that was stopped would be. */
    if (interrupted)
      return stopped_at(r, end, now, res, err, errlen);
    if (last) {
      if (!is_hit(res->stop)) {
        snprintf(err, errlen, "replay did not stop again at the breakpoint (not deterministic?)");
        return -1;
      }
      for (int i = 0; (b = dbg_breakpoint(r->d, i)) != NULL; i++)
        if (b->id == res->bp_id)
          dbg_set_hits(r->d, b->id, b->hits + 1);
      res->steps = now - c->icount;
      return 1;
    }
    end = r->ck[k].icount;
  }
  if (rev_goto(r, r->ck[0].icount, err, errlen) < 0)
    return -1;
  return 0;
}

/* ---------------- info ---------------- */

void rev_info(Rev *r, FILE *out) {
  check_inputs(r);
  fprintf(out, "%d checkpoint%s every %" PRIu64 " instructions, %.1f of %zu MiB", r->n, r->n == 1 ? "" : "s",
          r->interval, (double)r->used / (1 << 20), r->budget >> 20);
  if (r->n)
    fprintf(out, ", history from instruction %" PRIu64 " (now %" PRIu64 ")", r->ck[0].icount, r->m->cpu->icount);
  fprintf(out, "\n");
  uint64_t all = r->taken + r->near_taken;
  fprintf(out, "%" PRIu64 " taken in all, %.1f ms each on average", r->taken,
          all ? (double)r->ckpt_ns / 1e6 / (double)all : 0.0);
  if (r->near_taken)
    fprintf(out, "; %d near checkpoint%s kept (%" PRIu64 " taken by replays)", r->nnear, r->nnear == 1 ? "" : "s",
            r->near_taken);
  fprintf(out, "\n");
  if (r->dropped)
    fprintf(out, "%" PRIu64 " older checkpoint%s dropped to stay within --record-mem\n", r->dropped,
            r->dropped == 1 ? "" : "s");
  for (int i = 0; i < r->n; i++) {
    if (r->n > 12 && i == 5) {
      fprintf(out, "  ... %d more\n", r->n - 10);
      i = r->n - 6;
      continue;
    }
    fprintf(out, "  %3d  instruction %-12" PRIu64 " %u page%s stored%s\n", i, r->ck[i].icount, r->ck[i].fresh,
            r->ck[i].fresh == 1 ? "" : "s", r->ck[i].near ? " (near)" : "");
  }
  if (r->err[0])
    fprintf(out, "recording stopped: %s\n", r->err);
}

/* FNV-1a over 8-byte words (a fingerprint, fast enough for RAM at every step). */
static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  for (; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* The light snapshot with the arithmetic flags in EFLAGS, as the
 * architecture has them: the lazy record (cc_op and its operands) and the
 * arithmetic bits EFLAGS holds while one is pending are not state
 * (cpu_get_flags ignores those bits), and two runs of the same
 * instructions may differ there: the interpreter's one-instruction path
 * and a translated block materialise the flags at different places. */
static int save_canonical(Machine *m, uint8_t **buf, size_t *len, char *err, size_t errlen) {
  Cpu *c = m->cpu;
  uint32_t eflags = c->eflags, op = c->cc_op, src = c->cc_src, dst = c->cc_dst, res = c->cc_res;
  c->eflags = cpu_get_flags(c);
  c->cc_op = CC_EFLAGS;
  c->cc_src = c->cc_dst = c->cc_res = 0;
  int rc = machine_save_light(m, buf, len, err, errlen);
  c->eflags = eflags;
  c->cc_op = op;
  c->cc_src = src;
  c->cc_dst = dst;
  c->cc_res = res;
  return rc;
}

void rev_state_hash(Machine *m, uint64_t *state, uint64_t *ram) {
  uint8_t *buf;
  size_t len;
  char err[200];
  *state = 0;
  if (save_canonical(m, &buf, &len, err, sizeof err) == 0) {
    *state = fnv(0xcbf29ce484222325ull, buf, len);
    free(buf);
  }
  *ram = fnv(0xcbf29ce484222325ull, m->mem->ram, m->mem->ram_size);
  if (m->vga)
    *ram = fnv(*ram, m->vga->lfb, m->vga->lfb_size);
}

void rev_state_parts(Machine *m, FILE *out) {
  uint8_t *buf;
  size_t len;
  char err[200];
  if (save_canonical(m, &buf, &len, err, sizeof err) < 0) {
    fprintf(out, "%s\n", err);
    return;
  }
  /* The snapshot's chunks: a 16-byte file header, then name[16], version,
   * layout hash, u64 length, crc, 0, payload (savestate.h). */
  size_t off = 16;
  while (off + 40 <= len) {
    char name[17];
    memcpy(name, buf + off, 16);
    name[16] = 0;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
      n = n << 8 | buf[off + 24 + i];
    if (n > len - off - 40)
      break;
    fprintf(out, "  %-16s %8" PRIu64 " bytes %016" PRIx64 "\n", name, n,
            fnv(0xcbf29ce484222325ull, buf + off + 40, (size_t)n));
    off += 40 + (size_t)n;
  }
  free(buf);
  uint64_t ram = fnv(0xcbf29ce484222325ull, m->mem->ram, m->mem->ram_size);
  fprintf(out, "  %-16s %8u bytes %016" PRIx64 "\n", "ram", m->mem->ram_size, ram);
  if (m->vga)
    fprintf(out, "  %-16s %8u bytes %016" PRIx64 "\n", "video memory", m->vga->lfb_size,
            fnv(0xcbf29ce484222325ull, m->vga->lfb, m->vga->lfb_size));
}
