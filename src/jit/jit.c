/*
 * jit.c — translation cache, block translation, chaining and the run hook.
 *
 * A guest block is a run of decoded instructions (the interpreter's
 * decoder) from one page, ending at the first control transfer or mode
 * change, at most JIT_MAX_INSNS long.  Each block becomes host code that
 * works directly on struct Cpu (RBX holds the Cpu pointer throughout):
 *
 *   - instructions with an inline translation (translate.c) run without a
 *     call; when an inline fast path cannot finish (TLB miss, segment
 *     check, MMIO, code page) it jumps to an out-of-line stub that calls
 *     the instruction's handler, which redoes the instruction from the
 *     start: handlers are the one source of truth for semantics and
 *     faults;
 *   - every other instruction is a call of its handler, exactly as the
 *     interpreter makes it (EIP, next EIP and the retired-instruction count
 *     are stored first, so a fault unwinds with precise state).
 *
 * Keys: a translation is found by guest physical address, EIP, CS base and
 * the CPU mode word (CS size, stack size, CPL, paging, PE, VM86), because
 * the translation embeds EIPs and mode-dependent checks.  Self-modifying
 * code: a write to a code line bumps the page's generation (mem.h) and calls
 * jit_code_written(), which patches the entry of every block on the page
 * into a jump to its stale exit; a block also checks the generation after
 * every handler call (it may have rewritten itself).  A stale block is
 * translated again.
 *
 * Leaving a block: a direct exit (fall-through, relative jump or call)
 * checks the budget and the event word (HLT, INTR, NMI, interrupt shadow,
 * stop request) inline, then jumps straight to the next block once it has
 * been linked ("chained"); an indirect exit (RET, indirect jump, far
 * transfers) probes a jump cache keyed by EIP, CS base, mode and TLB epoch
 * inline.  Anything else returns to the dispatch loop.
 *
 * W^X: the code buffer is one memfd mapped twice, read+write and
 * read+execute; no page is ever writable and executable at once.
 */
#define _GNU_SOURCE
#include "jit.h"
#include "jit_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__)
bool jit_supported(void) { return true; }
#else
bool jit_supported(void) { return false; }
#endif

_Static_assert(offsetof(Cpu, intr) == offsetof(Cpu, halted) + 1, "event bytes adjacent");
_Static_assert(offsetof(Cpu, nmi) == offsetof(Cpu, halted) + 2, "event bytes adjacent");
_Static_assert(offsetof(Cpu, inhibit_irq) == offsetof(Cpu, halted) + 3, "event bytes adjacent");
_Static_assert(offsetof(Cpu, halted) % 4 == 0, "event word aligned");
_Static_assert(sizeof(CpuStop) == 4, "stop is a 32-bit word");
_Static_assert(sizeof(JitJc) == 32, "jump cache entry size");

/* ---- arena for block records (dropped wholesale on flush) ---- */

void *jit_arena_alloc(Jit *j, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!j->arena || j->arena_used + n > j->arena_cap) {
    size_t cap = n > j->arena_chunk ? n : j->arena_chunk;
    ArenaChunk *ch;
    if (cap == j->arena_chunk && j->spare) { /* reuse: no allocator churn after a flush */
      ch = j->spare;
      j->spare = ch->next;
    } else {
      ch = malloc(sizeof(ArenaChunk) + cap);
      if (!ch)
        return NULL;
      ch->cap = cap;
    }
    ch->next = j->arena;
    j->arena = ch;
    j->arena_used = 0;
    j->arena_cap = cap;
    j->arena_total += cap;
  }
  void *p = j->arena->data + j->arena_used;
  j->arena_used += n;
  return p;
}

/* Drop every record.  Chunks of the usual size are kept for reuse unless `release`. */
static void arena_free_all(Jit *j, bool release) {
  while (j->arena) {
    ArenaChunk *n = j->arena->next;
    if (!release && j->arena->cap == j->arena_chunk) {
      j->arena->next = j->spare;
      j->spare = j->arena;
    } else {
      free(j->arena);
    }
    j->arena = n;
  }
  if (release)
    while (j->spare) {
      ArenaChunk *n = j->spare->next;
      free(j->spare);
      j->spare = n;
    }
  j->arena_used = j->arena_cap = 0;
  j->arena_total = 0;
}

/* ---- fixed code: entry trampoline, epilogue, indirect dispatch ---- */

/* Global guest registers between their host registers and struct Cpu. */
static void globals_move(Emit *e, bool store) {
  for (unsigned g = 0; g < 8; g++) {
    if (store)
      mov_m_r(e, SZ32, RBX, OFF(regs) + 4 * (int32_t)g, jit_global_host[g]);
    else
      mov_r_m(e, SZ32, jit_global_host[g], RBX, OFF(regs) + 4 * (int32_t)g);
  }
}

static void emit_fixed(Jit *j) {
  Emit e = {j->rw, j->rw + j->size, false};
  /* enter(Cpu *cpu, const void *code): save callee-saved registers, RBX = cpu. */
  j->enter_rw = e.p;
  e8(&e, 0x53);                 /* push rbx */
  e8(&e, 0x55);                 /* push rbp */
  e8(&e, 0x41); e8(&e, 0x54);   /* push r12 */
  e8(&e, 0x41); e8(&e, 0x55);   /* push r13 */
  e8(&e, 0x41); e8(&e, 0x56);   /* push r14 */
  e8(&e, 0x41); e8(&e, 0x57);   /* push r15 */
  alu_ri(&e, SZ64, ALU_SUB, RSP, 8); /* keep RSP 16-byte aligned for calls */
  mov_rr(&e, SZ64, RBX, RDI);
  mov_r_m(&e, SZ64, R15, RBX, OFF(icount)); /* R15 = icount while in translated code */
  globals_move(&e, false);
  e8(&e, 0xff); e8(&e, 0xe6);   /* jmp rsi */
  /* Thunks for code that writes back or reloads all global registers (stubs, handler calls). */
  j->store_globals_rw = e.p;
  globals_move(&e, true);
  e8(&e, 0xc3); /* ret */
  j->load_globals_rw = e.p;
  globals_move(&e, false);
  e8(&e, 0xc3);
  /* epilogue_sync, exit0_sync: from code whose global registers are newer than struct Cpu. */
  j->epilogue_sync_rw = e.p;
  globals_move(&e, true);
  /* epilogue: RAX = exit value. */
  j->epilogue_rw = e.p;
  mov_m_r(&e, SZ64, RBX, OFF(icount), R15);
  alu_ri(&e, SZ64, ALU_ADD, RSP, 8);
  e8(&e, 0x41); e8(&e, 0x5f);   /* pop r15 */
  e8(&e, 0x41); e8(&e, 0x5e);
  e8(&e, 0x41); e8(&e, 0x5d);
  e8(&e, 0x41); e8(&e, 0x5c);
  e8(&e, 0x5d);
  e8(&e, 0x5b);
  e8(&e, 0xc3);                 /* ret */
  /* exit_zero: return 0 to the dispatch loop (EIP already stored). */
  j->exit0_sync_rw = e.p;
  globals_move(&e, true);
  j->exit0_rw = e.p;
  mov_ri(&e, RAX, 0);
  jmp_to(&e, j->epilogue_rw);
  /*
   * indirect: EIP of the next instruction in cpu->next_eip (indirect_eax:
   * in EAX), icount up to date.  If no event and budget left, look the jump
   * cache up; EIP is stored only on the way back to C.  indirect comes
   * from code that left struct Cpu exact (after a handler) and loads the
   * global registers; indirect_eax from code that holds them.
   */
  _Static_assert(offsetof(Cpu, tlb_epoch) == offsetof(Cpu, jit_mode) + 4, "one 64-bit compare");
  _Static_assert(offsetof(JitJc, epoch) == offsetof(JitJc, mode) + 4, "one 64-bit compare");
  j->indirect_rw = e.p;
  globals_move(&e, false);
  mov_r_m(&e, SZ32, RAX, RBX, OFF(next_eip));
  j->indirect_eax_rw = e.p;
  op_mem(&e, SZ64, 0x3b, R15, RBX, OFF(jit_limit)); /* cmp r15 (icount), [jit_limit] */
  Fixup m1 = jcc_fwd(&e, CC_AE);
  mov_rr(&e, SZ32, RCX, RAX);
  alu_ri(&e, SZ32, ALU_AND, RCX, JC_SIZE - 1);
  shift_ri(&e, SZ32, 4, RCX, 5);
  mov_ri64(&e, RDX, (uint64_t)(uintptr_t)j->jc);
  alu_rr(&e, SZ64, ALU_ADD, RDX, RCX);
  alu_r_m(&e, SZ32, ALU_CMP, RAX, RDX, offsetof(JitJc, eip));
  Fixup m2 = jcc_fwd(&e, CC_NE);
  mov_r_m(&e, SZ32, RCX, RBX, OFF(seg[S_CS].base));
  alu_r_m(&e, SZ32, ALU_CMP, RCX, RDX, offsetof(JitJc, csbase));
  Fixup m3 = jcc_fwd(&e, CC_NE);
  mov_r_m(&e, SZ64, RCX, RBX, OFF(jit_mode)); /* the key and the TLB epoch */
  alu_r_m(&e, SZ64, ALU_CMP, RCX, RDX, offsetof(JitJc, mode));
  Fixup m4 = jcc_fwd(&e, CC_NE);
  jmp_mem(&e, RDX, offsetof(JitJc, code));
  /* miss, or no budget: back to C at EIP = EAX */
  bind(&e, m1);
  bind(&e, m2);
  bind(&e, m3);
  bind(&e, m4);
  mov_m_r(&e, SZ32, RBX, OFF(eip), RAX);
  jmp_to(&e, j->exit0_sync_rw);
  /* to_c: store next_eip as EIP and return (no chaining, e.g. after POPF); struct Cpu exact. */
  j->to_c_rw = e.p;
  mov_r_m(&e, SZ32, RAX, RBX, OFF(next_eip));
  mov_m_r(&e, SZ32, RBX, OFF(eip), RAX);
  jmp_to(&e, j->exit0_rw);
  j->fixed_end = (size_t)(e.p - j->rw);
  j->used = (j->fixed_end + 63) & ~(size_t)63;
}

/* ---- cache management ---- */

static void cache_reset(Jit *j) {
  arena_free_all(j, false);
  memset(j->hash, 0, sizeof(JitBlock *) * JIT_HASH_SIZE);
  memset(j->page_blocks, 0, sizeof(JitBlock *) * (j->npages + 1));
  memset(j->jc, 0, sizeof(JitJc) * JC_SIZE);
  for (unsigned i = 0; i < JC_SIZE; i++)
    j->jc[i].eip = 0xffffffffu, j->jc[i].mode = 0xffffffffu;
  j->used = (j->fixed_end + 63) & ~(size_t)63;
  j->stats.live_blocks = 0;
  j->stats.code_bytes = 0;
  j->flush_epoch++;
}

void jit_flush(Cpu *c) {
  if (c->jit)
    cache_reset(c->jit);
}

static inline uint32_t hash_key(uint32_t pa, uint32_t eip) {
  uint32_t h = pa * 0x9e3779b1u ^ eip * 0x85ebca6bu;
  return (h ^ (h >> 15)) & (JIT_HASH_SIZE - 1);
}

/*
 * The translation key of the current state: the mode bits, and which data
 * segments are flat (base 0, limit 4 GiB, present, writable, expand-up
 * data): translated accesses through a flat segment skip the rights and
 * limit checks.  Valid from one return to C to the next: every
 * instruction that loads a segment register or changes the mode ends its
 * block and goes back to C (translate.c ends_block, exit_to_c), as do
 * interrupts and exceptions.
 */
static uint32_t jit_key(Cpu *c) {
  uint32_t k = c->mode;
  for (int s = S_ES; s <= S_GS; s++) {
    const SegCache *sc = &c->seg[s];
    if (s != S_CS && sc->base == 0 && sc->limit == 0xffffffffu &&
        (sc->flags & (SF_P | SF_CODE | SF_DC | SF_RW)) == (SF_P | SF_RW))
      k |= JIT_MODE_FLAT(s);
  }
  if (c->seg[S_CS].limit == 0xffffffffu)
    k |= JIT_MODE_CS_4G;
  const Mem *m = c->mem;
  if (!(k & CPU_MODE_PG) && m->a20_mask == 0xffffffffu && m->ram_window && !c->inject_pf && !c->inject_pf_page)
    k |= JIT_MODE_RAMWIN;
  return c->jit_mode = k;
}

/* Look the block for the current CS:EIP up; translate it if needed.  maxn
 * bounds nothing any more: a block longer than the budget is not run (NULL). */
static JitBlock *block_for(Cpu *c, uint64_t room) {
  Jit *j = c->jit;
  uint32_t eip = c->eip, lin, pa;
  const SegCache *cs = &c->seg[S_CS];
  if (!fetch_tlb(c, &lin, &pa))
    return NULL; /* the interpreter walks the tables (and faults) */
  /* Pages with a debugger breakpoint run in the interpreter, one
   * instruction at a time (Cpu.brk_lin).  Here, not at translation: no
   * chain or jump-cache entry leads into them once the TLB was flushed. */
  if (DBG_HOOKS && unlikely(c->brk_lin != NULL) && cpu_brk_page(c, lin, pa))
    return NULL;
  uint32_t mode = jit_key(c);
  uint32_t h = hash_key(pa, eip);
  /* A block longer than the budget left is not run (the interpreter takes
   * the tail of the slice): shortened translations for every possible
   * remainder only filled the cache. */
  unsigned want = 0;
  j->stats.lookups++;
  JitBlock *full = NULL;
  for (JitBlock **pp = &j->hash[h], *b; (b = *pp) != NULL;) {
    if (b->pa == pa && b->eip == eip && b->csbase == cs->base && b->mode == mode) {
      if (b->gen != *b->genp) {
        *pp = b->hnext; /* stale: unlink (its memory goes with the next flush) */
        j->stats.stale++;
        j->stats.live_blocks--;
        continue;
      }
      if (b->trunc == 0)
        full = b;
      if ((b->trunc == 0 && b->n <= room) || (want && b->trunc == want)) {
        j->stats.hits++;
        return b;
      }
    }
    pp = &b->hnext;
  }
  if (full)
    return full->n <= room ? full : NULL;
  JitBlock *b = jit_translate(c, pa, want);
  if (!b)
    return NULL;
  b->hnext = j->hash[h];
  j->hash[h] = b;
  return b->n <= room ? b : NULL;
}

/*
 * Mem's hook for a write to a code line of RAM page ppage (its generation
 * has just been bumped), or a changed mapping over it (ppage = npages: any
 * page outside RAM, Mem.rom_gen bumped): every translation on the page jumps from its entry
 * straight to its stale exit from now on, so live blocks need no check on
 * entry.  (block_for() drops them from the hash by their generation; a
 * block running now notices through its check after handler calls.)
 */
static void jit_code_written(void *opaque, uint32_t ppage) {
  Jit *j = ((Cpu *)opaque)->jit;
  if (!j)
    return;
  if (ppage > j->npages)
    ppage = j->npages; /* outside RAM: one list for all (a ROM region moved) */
  for (JitBlock *b = j->page_blocks[ppage]; b; b = b->pnext) {
    uint8_t *entry = b->code + j->delta;
    patch_jmp5(entry, entry + b->stale_off);
  }
  j->page_blocks[ppage] = NULL;
}

/* Chain: make the direct exit ch jump straight to the block for the current
 * CS:EIP, when it is on the same linear page (so the same physical page
 * under any mapping that maps the source block there) and in the same mode. */
static void try_chain(Cpu *c, JitChain *ch) {
  Jit *j = c->jit;
  JitBlock *from = ch->from;
  uint8_t *site = ch->site_rw;
  uint32_t epoch = ch->flush_epoch;
  if (epoch != j->flush_epoch)
    return;
  if (jit_key(c) != from->mode || c->seg[S_CS].base != from->csbase || c->eip != ch->target)
    return;
  if (((from->csbase + from->eip) >> PAGE_SHIFT) != ((c->seg[S_CS].base + c->eip) >> PAGE_SHIFT))
    return;
  if (from->gen != *from->genp)
    return;
  JitBlock *t = block_for(c, UINT64_MAX);
  if (!t || t->trunc)
    return;
  /* A flush inside block_for() frees `ch` and `from`: only patch when none happened. */
  if (j->flush_epoch != epoch)
    return;
  fix_to(site, t->code + j->delta);
  j->stats.chains++;
}

static bool jit_exec(Cpu *c, uint64_t limit) {
  Jit *j = c->jit;
  if (j->lockstep)
    return jit_lockstep_exec(c, limit);
  uint64_t room = limit - c->icount;
  JitBlock *b = block_for(c, room);
  if (!b)
    return false;
  if (!b->trunc) {
    JitJc *jc = &j->jc[c->eip & (JC_SIZE - 1)];
    jc->eip = c->eip;
    jc->csbase = c->seg[S_CS].base;
    jc->mode = c->jit_mode;
    jc->epoch = c->tlb_epoch;
    jc->code = b->code;
    j->stats.jc_fills++;
  }
  c->jit_limit = limit >= JIT_MAX_INSNS ? limit - JIT_MAX_INSNS : 0;
  uintptr_t r = j->enter(c, b->code);
  if (r > JIT_EXIT_MAX)
    try_chain(c, (JitChain *)r);
  return true;
}

/* Run exactly the block at CS:EIP (no chaining); used by lockstep.c. */
JitBlock *jit_block_at(Cpu *c, uint64_t room) { return block_for(c, room); }

/* ---- code space ---- */

uint8_t *jit_code_alloc_begin(Jit *j, size_t *avail) {
  *avail = j->size - j->used;
  return j->rw + j->used;
}

void jit_code_alloc_end(Jit *j, size_t used) {
  j->used = (j->used + used + 15) & ~(size_t)15;
  j->stats.code_bytes += used;
}

bool jit_over_budget(const Jit *j) {
  /* Room for one more block: its code, and a fresh record chunk. */
  return j->used + JIT_MAX_BLOCK_CODE > j->size || j->arena_total + j->arena_chunk > j->limit - j->size;
}

void jit_full_flush(Jit *j) {
  cache_reset(j);
  j->stats.flushes++;
}

/* ---- lifecycle ---- */

bool jit_attach(Cpu *c, const JitOptions *opt, char *err, size_t errlen) {
  if (!jit_supported()) {
    snprintf(err, errlen, "the JIT translates to x86-64 only; this host runs the interpreter (--engine interp)");
    return false;
  }
  if (c->tlb != (TlbEntry *)c - TLB_SIZE) {
    snprintf(err, errlen, "the JIT needs a Cpu made by cpu_create (its TLB just below it)");
    return false;
  }
  Jit *j = calloc(1, sizeof(Jit));
  if (!j) {
    snprintf(err, errlen, "out of memory for the JIT");
    return false;
  }
  size_t bound = opt && opt->cache_bytes ? opt->cache_bytes : JIT_DEFAULT_CACHE;
  if (bound < 1u << 20)
    bound = 1u << 20;
  j->limit = bound;
  /* Code gets 3/4 of the bound, block records the rest (checked together). */
  j->size = (bound / 4 * 3) & ~(size_t)4095;
  j->arena_chunk = (j->limit - j->size) / 8;
  if (j->arena_chunk > JIT_ARENA_CHUNK)
    j->arena_chunk = JIT_ARENA_CHUNK;
  j->no_inline = opt && opt->no_inline;
  j->lockstep = opt && opt->lockstep;
  j->dump = opt ? opt->dump : NULL;
  j->perf_map = opt ? opt->perf_map : NULL;
  if (c->mem->code_write_hook) {
    snprintf(err, errlen, "the JIT needs Mem's code-write hook, which is taken");
    free(j);
    return false;
  }
  j->hash = calloc(JIT_HASH_SIZE, sizeof(JitBlock *));
  j->npages = c->mem->ram_size >> PAGE_SHIFT;
  j->page_blocks = calloc(j->npages + 1, sizeof(JitBlock *));
  j->jc = aligned_alloc(64, sizeof(JitJc) * JC_SIZE);
  int fd = memfd_create("x86vm-jit", MFD_CLOEXEC);
  if (!j->hash || !j->page_blocks || !j->jc || fd < 0 || ftruncate(fd, (off_t)j->size) != 0) {
    snprintf(err, errlen, "cannot set up the JIT code buffer: %s", strerror(errno));
    if (fd >= 0)
      close(fd);
    free(j->hash);
    free(j->page_blocks);
    free(j->jc);
    free(j);
    return false;
  }
  j->rw = mmap(NULL, j->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  j->rx = mmap(NULL, j->size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
  close(fd);
  if (j->rw == MAP_FAILED || j->rx == MAP_FAILED) {
    snprintf(err, errlen, "cannot map the JIT code buffer: %s", strerror(errno));
    if (j->rw != MAP_FAILED)
      munmap(j->rw, j->size);
    if (j->rx != MAP_FAILED)
      munmap(j->rx, j->size);
    free(j->hash);
    free(j->page_blocks);
    free(j->jc);
    free(j);
    return false;
  }
  j->delta = j->rw - j->rx;
  emit_fixed(j);
  if (j->perf_map) {
    /* The shared code: the jump-cache lookup, and the entry, exits and epilogue. */
    uint8_t *fixed_end = j->rw + j->fixed_end;
    fprintf(j->perf_map, "%" PRIxPTR " %tx x86vm:jump-cache-lookup\n", (uintptr_t)(j->indirect_rw - j->delta),
            j->to_c_rw - j->indirect_rw);
    fprintf(j->perf_map, "%" PRIxPTR " %tx x86vm:entry-exits\n", (uintptr_t)(j->enter_rw - j->delta),
            j->indirect_rw - j->enter_rw);
    fprintf(j->perf_map, "%" PRIxPTR " %tx x86vm:to-c\n", (uintptr_t)(j->to_c_rw - j->delta), fixed_end - j->to_c_rw);
  }
  j->enter = (JitEnterFn)(void *)(j->enter_rw - j->delta);
  cache_reset(j);
  c->jit = j;
  c->jit_exec = jit_exec;
  c->mem->code_write_hook = jit_code_written;
  c->mem->code_write_opaque = c;
  return true;
}

void jit_detach(Cpu *c) {
  Jit *j = c->jit;
  if (!j)
    return;
  jit_lockstep_free(j);
  arena_free_all(j, true);
  munmap(j->rw, j->size);
  munmap(j->rx, j->size);
  free(j->hash);
  free(j->page_blocks);
  free(j->jc);
  free(j);
  c->mem->code_write_hook = NULL;
  c->mem->code_write_opaque = NULL;
  c->jit = NULL;
  c->jit_exec = NULL;
}

void jit_get_stats(const Cpu *c, JitStats *st) {
  memset(st, 0, sizeof *st);
  if (c->jit) {
    *st = c->jit->stats;
    st->record_bytes = c->jit->arena_total;
    st->bound = c->jit->limit;
  }
}

void jit_print_stats(const Cpu *c, FILE *f) {
  JitStats s;
  jit_get_stats(c, &s);
  double rate = s.lookups ? 100.0 * (double)s.hits / (double)s.lookups : 0.0;
  fprintf(f,
          "jit: %llu translations (%llu live, %llu KiB code), %llu lookups from the dispatch loop "
          "(%.1f%% hit), %llu chained jumps, %llu jump-cache fills, %llu stale (code written), "
          "%llu flushes (cache bound %zu MiB)\n",
          (unsigned long long)s.blocks, (unsigned long long)s.live_blocks,
          (unsigned long long)(s.code_bytes / 1024), (unsigned long long)s.lookups, rate,
          (unsigned long long)s.chains, (unsigned long long)s.jc_fills, (unsigned long long)s.stale,
          (unsigned long long)s.flushes, c->jit ? c->jit->limit >> 20 : (size_t)0);
  if (s.lockstep_blocks || s.lockstep_skipped)
    fprintf(f, "jit: lockstep compared %llu blocks (%llu run by the interpreter alone: I/O or events)\n",
            (unsigned long long)s.lockstep_blocks, (unsigned long long)s.lockstep_skipped);
}
