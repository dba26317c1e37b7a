/*
 * interp.c — the portable interpreter: fetch, decode (through a cache of
 * decoded instructions keyed by physical address), dispatch to the
 * semantic handler, commit EIP; interrupts and HLT between instructions.
 *
 * Pure C with no host assumptions: this engine runs on any host.
 *
 * Decoded-instruction cache: direct-mapped by physical address.  An entry
 * is valid while its page's generation (mem.h) is unchanged and the decode
 * mode (16/32-bit code, CPU model) matches; any write to a page holding decoded code bumps
 * the generation, so self-modifying code is always seen.  Instructions that
 * cross a page boundary are not cached.
 */
#include "cpu.h"
#include "exec.h"
#include "interp.h"
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#define ICACHE_BITS 14
#define ICACHE_SIZE (1u << ICACHE_BITS)

typedef struct ICacheEntry {
  uint64_t tag;   /* (physical address << 2 | decode mode) + 1; 0 = empty */
  uint32_t gen;   /* page generation when decoded */
  uint32_t pa2;   /* instruction crossing a page: second page's address + 1, else 0 */
  uint32_t gen2;  /* second page's generation when decoded */
  Insn insn;
} ICacheEntry;

/*
 * Decoded blocks (traces): up to BLOCK_MAX instructions from one page, in
 * the order the guest is expected to run them.  Decoding goes on past
 * instructions that do not transfer control, past conditional branches (a
 * forward one is expected not taken, a backward one, a loop, taken), into
 * the target of JMP/CALL rel, and back from a RET to the instruction after
 * a CALL the block followed; it stops at any other control transfer or
 * mode change (FL_JMP rows), or when the path leaves the page.
 *
 * step[i] is the EIP of the instruction expected after insn[i], minus insn[i]'s
 * EIP.  The run loop compares the EIP each instruction leaves with that
 * expectation (without the 16-bit wrap, so a path that wraps at 64 KiB is
 * left too) and leaves the block at the first difference, or when a write
 * hits the block's page (self-modifying code).  Each instruction commits
 * EIP and the instruction count itself, so faults stay precise.
 */
#define BLOCK_MAX 32
#define BCACHE_BITS 12
#define BCACHE_SIZE (1u << BCACHE_BITS)

typedef struct BlockInsn {
  Insn insn;
  int32_t step;   /* EIP expected after this instruction minus its own EIP */
} BlockInsn;

typedef struct Block {
  uint64_t tag;   /* as ICacheEntry.tag; 0 = empty */
  uint32_t gen;   /* page generation when decoded */
  uint32_t n;     /* instructions (0: no block starts here, use the one-instruction path) */
  const uint32_t *genp; /* the page's generation word (Mem.rom_gen outside RAM) */
  uint32_t ppage2;      /* the path goes on into the next linear page: its physical page + 1; else 0 */
  uint32_t gen2;        /* that page's generation when decoded */
  const uint32_t *genp2;
  bool loop;      /* the last instruction is expected to go back to the first */
  bool retry;     /* the path stopped at a next page the TLB did not hold: build again once it does */
  BlockInsn e[BLOCK_MAX];
} Block;

typedef struct ICache {
  ICacheEntry e[ICACHE_SIZE];
  Block b[BCACHE_SIZE];
  uint64_t misses; /* decodes (cache misses and uncacheable instructions) */
} ICache;

static ICache *icache_get(Cpu *c) {
  if (!c->icache) {
    c->icache = calloc(1, sizeof(ICache));
    if (!c->icache)
      abort();
  }
  return c->icache;
}

void interp_free(Cpu *c) {
  free(c->icache);
  c->icache = NULL;
}

/* Copy up to n bytes of code at physical address pa (same page). */
static void fetch_bytes(Cpu *c, uint32_t pa, uint8_t *dst, uint32_t n) {
  uint8_t *host = mem_page_read_ptr(c->mem, pa >> PAGE_SHIFT);
  if (host) {
    memcpy(dst, host + (pa & PAGE_MASK), n);
  } else {
    for (uint32_t i = 0; i < n; i++)
      dst[i] = mem_read8(c->mem, pa + i);
  }
}

/* Decode the instruction at CS:EIP into *out (or a cached copy); faults as the CPU would. */
static const Insn *fetch_decode(Cpu *c, Insn *scratch) {
  uint32_t eip = c->eip;
  const SegCache *cs = &c->seg[S_CS];
  if (unlikely(eip > cs->limit))
    cpu_raise(c, EXC_GP, 0);
  uint32_t lin = cs->base + eip;
  /* Inline TLB probe; the page walk and faults are in mmu.c. */
  const TlbEntry *te = &c->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = c->cpl == 3 ? TLB_R_USER : TLB_R_SUP;
  uint32_t pa = likely(te->vpage == lin >> PAGE_SHIFT && (te->perm & need))
                    ? (te->ppage << PAGE_SHIFT) | (lin & PAGE_MASK)
                    : lin_translate_fetch(c, lin);
  pa &= c->mem->a20_mask; /* key by the address the bytes really come from */
  uint32_t key = cpu_decode_mode(c);
  uint64_t tag = (((uint64_t)pa << 2) | key) + 1;
  ICache *ic = c->icache;
  ICacheEntry *e = &ic->e[pa & (ICACHE_SIZE - 1)];
  uint32_t ppage = pa >> PAGE_SHIFT;
  if (likely(e->tag == tag && e->gen == mem_page_gen(c->mem, ppage))) {
    if (unlikely(e->pa2)) {
      /* Crossing a page: the second page must still map to the same bytes. */
      uint32_t pa2 = lin_translate_fetch(c, (lin | PAGE_MASK) + 1) & c->mem->a20_mask;
      if (pa2 + 1 != e->pa2 || e->gen2 != mem_page_gen(c->mem, pa2 >> PAGE_SHIFT))
        goto miss;
    }
    if (unlikely(eip + e->insn.len - 1 > cs->limit))
      cpu_raise(c, EXC_GP, 0);
    return &e->insn;
  }
miss:
  ic->misses++;
  uint8_t buf[16];
  uint32_t pa2 = 0;
  uint32_t first = PAGE_SIZE - (pa & PAGE_MASK);
  if (first > 15)
    first = 15;
  fetch_bytes(c, pa, buf, first);
  int r = x86_decode(buf, first, (int)key, scratch);
  bool crosses = false;
  if (r == DEC_TRUNCATED) {
    pa2 = lin_translate_fetch(c, (lin | PAGE_MASK) + 1) & c->mem->a20_mask;
    fetch_bytes(c, pa2, buf + first, 15 - first);
    r = x86_decode(buf, 15, (int)key, scratch);
    crosses = true;
  }
  if (r == DEC_TOO_LONG)
    cpu_raise(c, EXC_GP, 0);
  if (r < 0) {
    /* Undefined opcode: the handler raises #UD (after the limit check). */
    if (eip + scratch->len - 1 > cs->limit)
      cpu_raise(c, EXC_GP, 0);
    cpu_raise(c, EXC_UD, ERR_NONE);
  }
  if (unlikely(eip + (uint32_t)r - 1 > cs->limit))
    cpu_raise(c, EXC_GP, 0);
  uint32_t ram_pages = c->mem->ram_size >> PAGE_SHIFT;
  if (ppage >= ram_pages || (crosses && (pa2 >> PAGE_SHIFT) >= ram_pages))
    return scratch;
  bool newly = mem_mark_code(c->mem, ppage);
  if (crosses) {
    newly |= mem_mark_code(c->mem, pa2 >> PAGE_SHIFT);
    mem_mark_code_bytes(c->mem, pa, first);
    mem_mark_code_bytes(c->mem, pa2, (uint32_t)r - first);
    e->pa2 = pa2 + 1;
    e->gen2 = mem_page_gen(c->mem, pa2 >> PAGE_SHIFT);
  } else {
    mem_mark_code_bytes(c->mem, pa, (uint32_t)r);
    e->pa2 = 0;
  }
  if (newly)
    tlb_flush(c); /* drop write pointers to the page that now holds code */
  e->tag = tag;
  e->gen = mem_page_gen(c->mem, ppage);
  e->insn = *scratch;
  return &e->insn;
}

/*
 * Find or build the block starting at CS:EIP.  Returns NULL when the first
 * instruction cannot go in a block (crosses a page the TLB does not hold,
 * faults, not RAM/ROM): the caller then takes the one-instruction path,
 * which raises what must be raised.
 *
 * A path may go on into the next linear page (an instruction crossing the
 * boundary, or a loop straddling it) when the TLB holds that page at build
 * time; such a block is used only while the next page still maps to the
 * same physical page with the same generation.  No page walk happens here:
 * nothing may fault for an instruction that has not run.
 */

/* Physical page (+ 1) the TLB maps linear page vpage to for a fetch, 0 if
 * it holds none (or the page has a debugger breakpoint: no path goes there). */
static uint32_t tlb_fetch_page(const Cpu *c, uint32_t vpage, uint32_t need) {
  const TlbEntry *te = &c->tlb[tlb_index(vpage)];
  if (te->vpage != vpage || !(te->perm & need))
    return 0;
  uint32_t ppage = ((te->ppage << PAGE_SHIFT) & c->mem->a20_mask) >> PAGE_SHIFT;
  if (DBG_HOOKS && unlikely(c->brk_lin != NULL) && cpu_brk_page(c, vpage << PAGE_SHIFT, ppage << PAGE_SHIFT))
    return 0;
  return ppage + 1;
}

static Block *block_get(Cpu *c) {
  uint32_t eip = c->eip, lin, pa;
  const SegCache *cs = &c->seg[S_CS];
  if (!fetch_tlb(c, &lin, &pa))
    return NULL; /* the one-instruction path walks the tables (and faults) */
  /* A page with a debugger breakpoint runs one instruction at a time (the
   * check is here, not at build time: blocks are keyed by physical address,
   * and another linear page may map the same code). */
  if (DBG_HOOKS && unlikely(c->brk_lin != NULL) && cpu_brk_page(c, lin, pa))
    return NULL;
  uint32_t need = c->cpl == 3 ? TLB_R_USER : TLB_R_SUP;
  uint32_t ppage = pa >> PAGE_SHIFT;
  const uint32_t ram_pages = c->mem->ram_size >> PAGE_SHIFT;
  bool ram = ppage < ram_pages;
  const uint32_t *genp = mem_page_genp(c->mem, ppage);
  uint32_t key = cpu_decode_mode(c);
  uint64_t tag = (((uint64_t)pa << 2) | key) + 1;
  ICache *ic = c->icache;
  Block *b = &ic->b[(pa ^ (pa >> BCACHE_BITS)) & (BCACHE_SIZE - 1)];
  if (likely(b->tag == tag && b->gen == *genp)) {
    if (likely(!(b->ppage2 | b->retry)))
      return b->n ? b : NULL; /* n = 0: known not to start a block */
    uint32_t p2 = tlb_fetch_page(c, (lin >> PAGE_SHIFT) + 1, need);
    if (b->ppage2 ? p2 == b->ppage2 && *b->genp2 == b->gen2 : !p2)
      return b->n ? b : NULL;
    /* The next page maps elsewhere, was written, or can now be followed: build again. */
  }
  /* Build.  Only RAM and ROM pages (not MMIO) hold blocks. */
  const uint8_t *host[2];
  host[0] = mem_page_code_ptr(c->mem, ppage);
  if (!host[0])
    return NULL;
  if (ram && mem_mark_code(c->mem, ppage))
    tlb_flush(c); /* drop write pointers to the page that now holds code */
  /* The next linear page, if the TLB holds it (looked up before any flush below). */
  uint32_t p2 = tlb_fetch_page(c, (lin >> PAGE_SHIFT) + 1, need), ppage2 = p2 - 1;
  host[1] = p2 ? mem_page_code_ptr(c->mem, ppage2) : NULL;
  bool ram2 = host[1] && ppage2 < ram_pages, used2 = false, retry = false;
  const uint32_t span = host[1] ? 2 * PAGE_SIZE : PAGE_SIZE; /* offsets the path may use */
  ic->misses++;
  /* Return addresses of the CALLs the path went into (offset, EIP). */
  uint32_t ret_off[8], ret_ip[8], nret = 0;
  uint32_t off = pa & PAGE_MASK, n = 0, ip = eip;
  bool loop = false;
  while (n < BLOCK_MAX) {
    Insn *in = &b->e[n].insn;
    const unsigned pg = off >> PAGE_SHIFT, po = off & PAGE_MASK;
    int r;
    if (po + 15 <= PAGE_SIZE || pg == 1) {
      r = x86_decode(host[pg] + po, PAGE_SIZE - po, (int)key, in);
    } else { /* may cross into the next page */
      uint8_t buf[15];
      uint32_t first = PAGE_SIZE - po;
      memcpy(buf, host[0] + po, first);
      if (host[1])
        memcpy(buf + first, host[1], 15 - first);
      r = x86_decode(buf, host[1] ? 15 : first, (int)key, in);
      if (r == DEC_TRUNCATED)
        retry = true;
    }
    if (r <= 0 || ip + (uint32_t)r - 1 > cs->limit || (!(key & DEC_MODE_32) && ip + (uint32_t)r > 0x10000))
      break;
    /* Mark the bytes as code, in each page they lie in. */
    uint32_t end = off + (uint32_t)r;
    if (pg == 0) {
      uint32_t e0 = end < PAGE_SIZE ? end : PAGE_SIZE;
      if (ram)
        mem_mark_code_bytes(c->mem, (ppage << PAGE_SHIFT) | off, e0 - off);
    }
    if (end > PAGE_SIZE) {
      uint32_t s1 = off > PAGE_SIZE ? off - PAGE_SIZE : 0;
      if (!used2 && ram2 && mem_mark_code(c->mem, ppage2))
        tlb_flush(c);
      used2 = true;
      if (ram2)
        mem_mark_code_bytes(c->mem, (ppage2 << PAGE_SHIFT) | s1, end - PAGE_SIZE - s1);
    }
    n++;
    uint32_t noff = end, nip = ip + (uint32_t)r; /* the next instruction in memory */
    bool go_on = true; /* the path goes on (at noff/nip) */
    if (x86_op_rows[in->id - 1].flags & FL_JMP) {
      unsigned op = in->op;
      bool cond = (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || (op >= 0xe0 && op <= 0xe3);
      bool rel = cond || op == 0xe8 || op == 0xe9 || op == 0xeb;
      /* Where a relative transfer lands, if that is within reach and needs no wrap. */
      uint32_t t = nip + in->imm;
      int64_t toff = (int64_t)noff + (int32_t)in->imm;
      bool near = rel && toff >= 0 && toff < span &&
                  ((in->flags & INSN_O32) ? (key & DEC_MODE_32) || t <= 0xffff : t <= 0xffff);
      if (cond) {
        /* Expected taken when it goes backward (a loop), else not taken. */
        if (near && (int32_t)in->imm < 0 && op != 0xe3) {
          noff = (uint32_t)toff;
          nip = t;
        }
      } else if (near && op != 0xe8) { /* JMP rel */
        noff = (uint32_t)toff;
        nip = t;
      } else if (near && nret < 8) { /* CALL rel: the RET comes back after it */
        ret_off[nret] = noff;
        ret_ip[nret++] = nip;
        noff = (uint32_t)toff;
        nip = t;
      } else if ((op == 0xc3 || op == 0xc2) && nret) { /* RET to the CALL the path followed */
        nret--;
        noff = ret_off[nret];
        nip = ret_ip[nret];
      } else {
        go_on = false;
      }
    }
    b->e[n - 1].step = (int32_t)(nip - ip);
    if (!go_on)
      break;
    if (noff >= span) {
      retry |= !host[1] && noff < 2 * PAGE_SIZE;
      break;
    }
    if (noff == (pa & PAGE_MASK) && nip == eip) {
      loop = true; /* back at the start: one block per iteration */
      break;
    }
    off = noff;
    ip = nip;
  }
  b->n = n;
  b->loop = loop;
  b->retry = retry && !p2; /* not when the next page is MMIO: that will not change */
  b->ppage2 = used2 ? p2 : 0;
  b->genp2 = mem_page_genp(c->mem, ppage2);
  b->gen2 = *b->genp2;
  b->tag = tag;
  b->gen = *genp;
  b->genp = genp;
  return n ? b : NULL;
}

/* The one-instruction path on a page with a debugger breakpoint: offer the
 * instruction at CS:EIP to the debugger, which may stop the CPU before it
 * runs.  True if it did.  An address the TLB does not hold (or beyond the
 * CS limit) goes to the debugger too: it translates without faulting. */
static bool brk_stop(Cpu *c) {
  uint32_t lin, pa;
  if (!c->dbg_event || (fetch_tlb(c, &lin, &pa) && !cpu_brk_page(c, lin, pa)))
    return false;
  c->dbg_event(c, CPU_DBG_EXEC, c->seg[S_CS].base + c->eip, 0);
  return c->stop != CPU_STOP_NONE;
}

/* Deliver a pending external interrupt if allowed. Returns true if one was taken. */
static bool check_interrupts(Cpu *c) {
  if (c->inhibit_irq) {
    c->inhibit_irq = false;
    return false;
  }
  if (c->nmi && !c->nmi_blocked) {
    c->nmi = false;
    c->nmi_blocked = true;
    c->halted = false;
    cpu_deliver_interrupt(c, EXC_NMI, false, ERR_NONE, c->eip);
    return true;
  }
  if (c->intr && (c->eflags & F_IF) && c->int_ack) {
    int vec = c->int_ack(c->io_opaque);
    c->halted = false;
    if (vec >= 0) {
      cpu_deliver_interrupt(c, vec, false, ERR_NONE, c->eip);
      return true;
    }
  }
  return false;
}

/*
 * Run block b from its first instruction (CS:EIP is its start) until it
 * leaves the expected path, its page is written, or the budget (icount <
 * limit) ends.  A loop block that ran to its end is back at its start: it
 * runs again unless something needs the outer loop.  wrap: the EIP mask of
 * the code size; a separate copy per size keeps the loop tight.
 */
static inline __attribute__((always_inline)) void block_run(Cpu *c, const Block *b, uint64_t limit,
                                                            const uint32_t wrap, const bool two) {
  /* Two pages: generations only grow, so their sum changes when either does. */
  const uint32_t *const genp = b->genp, *const genp2 = b->genp2;
  const uint32_t gen = two ? b->gen + b->gen2 : b->gen, entry = c->eip, epoch = c->tlb_epoch;
  for (;;) {
    uint64_t room = limit - c->icount;
    const BlockInsn *e = b->e, *const end = e + (room < b->n ? room : b->n);
    uint32_t eip = entry;
    do {
      const uint32_t want = eip + (uint32_t)e->step;
      c->next_eip = (eip + e->insn.len) & wrap;
      e->insn.fn(c, &e->insn);
      eip = c->next_eip;
      c->eip = eip;
      c->icount++; /* exact at every instruction: devices read it */
      if (unlikely(eip != want || (two ? *genp + *genp2 : *genp) != gen))
        return;
    } while (++e < end);
    /* (A pending interrupt with IF = 0 waits: the outer loop would not take it either.) */
    if (!b->loop || e != b->e + b->n || c->icount >= limit || c->jit_exec ||
        ((c->stop != CPU_STOP_NONE) | c->nmi | c->inhibit_irq | c->halted) ||
        (c->eflags & F_TF) || (c->intr && (c->eflags & F_IF)) || c->tlb_epoch != epoch)
      return;
  }
}
static __attribute__((noinline)) void block_run32(Cpu *c, const Block *b, uint64_t limit) {
  block_run(c, b, limit, 0xffffffffu, false);
}
static __attribute__((noinline)) void block_run16(Cpu *c, const Block *b, uint64_t limit) {
  block_run(c, b, limit, 0xffffu, false);
}
static __attribute__((noinline)) void block_run_two(Cpu *c, const Block *b, uint64_t limit) {
  if (c->mode & CPU_MODE_CS32)
    block_run(c, b, limit, 0xffffffffu, true);
  else
    block_run(c, b, limit, 0xffffu, true);
}

CpuStop cpu_run(Cpu *c, uint64_t max_insns) {
  jmp_buf jb;
  jmp_buf *volatile saved = c->jmp;
  Insn scratch;
  volatile uint64_t end = c->icount + max_insns; /* volatile: changed after setjmp */
  CpuStop result = CPU_STOP_BUDGET;
  c->jmp = &jb;
  c->stop = CPU_STOP_NONE;
  icache_get(c);
  if (setjmp(jb)) {
    /* A guest exception unwound to here: deliver it (nested faults escalate). */
    if (!cpu_handle_exception(c)) {
      c->jmp = saved;
      return CPU_STOP_TRIPLE;
    }
    /* A delivered exception uses one unit of the budget, so a guest that
     * faults forever (handler faulting at its first byte) still returns. */
    end--;
  }
  const uint64_t limit = end; /* re-read after every unwind */
  while (c->icount < limit) {
    /* After STI / MOV SS / POP SS exactly one instruction runs before
     * interrupts are looked at again: that one goes alone, not in a block. */
    bool one = c->inhibit_irq;
    if (unlikely((c->stop != CPU_STOP_NONE) | c->intr | c->nmi | c->inhibit_irq | c->halted)) {
      if (c->stop != CPU_STOP_NONE) {
        result = c->stop;
        c->stop = CPU_STOP_NONE;
        break;
      }
      if (c->intr || c->nmi || c->inhibit_irq)
        check_interrupts(c);
      if (c->halted) {
        /* HLT with IF=0 is a real stop; with IF=1 the machine advances time. */
        result = (c->halt_exits || !(c->eflags & F_IF)) ? CPU_STOP_HLT : CPU_STOP_BUDGET;
        break;
      }
      /* A stop requested while an interrupt was delivered (the debugger's
       * hook) takes effect before the handler's first instruction. */
      if (unlikely(c->stop != CPU_STOP_NONE))
        continue;
    }
    /* A REP stopped at a chunk boundary goes on as decoded (Cpu.rep_pending),
     * whatever the engine: it already passed its breakpoint check. */
    bool resume = false;
    if (unlikely(c->rep_pending)) {
      c->rep_pending = false;
      resume = c->rep_icount == c->icount && c->rep_eip == c->eip && c->rep_csbase == c->seg[S_CS].base;
      if (resume)
        scratch = c->rep_insn;
    }
    /* Blocks and translated code only while nothing needs a check at each
     * instruction: no single step, RF clear, no breakpoint armed. */
    if (likely(!(c->eflags & (F_TF | F_RF)) && !one && !c->dr_armed && !resume)) {
      /* The translator decodes i686 code only: a 286 runs on the interpreter. */
      if (c->jit_exec && !cpu_is_286(c) && c->jit_exec(c, limit))
        continue;
      Block *b = block_get(c);
      if (likely(b != NULL)) {
        if (unlikely(b->ppage2))
          block_run_two(c, b, limit);
        else if (c->mode & CPU_MODE_CS32)
          block_run32(c, b, limit);
        else
          block_run16(c, b, limit);
        continue;
      }
    }
    /* One instruction alone.  A debugger's breakpoint stops before the
     * instruction, ahead of the CPU's own checks (the REP resumed above
     * already passed it). */
    if (DBG_HOOKS && unlikely(c->brk_lin != NULL) && !resume && brk_stop(c))
      continue;
    /* Breakpoints (SDM 17.3.1): a data breakpoint
     * matched by an event delivery's own accesses traps before the
     * handler's first instruction; then instruction breakpoints at CS:EIP
     * fault unless RF is set or the instruction is in a MOV/POP SS shadow. */
    if (unlikely(c->dr_armed) && !one && !resume) {
      if (c->dr_hit) {
        cpu_dr_trap(c, false);
        continue;
      }
      if ((c->dr_armed & DR_ARMED_EXEC) && !(c->eflags & F_RF)) {
        uint32_t hit = cpu_dr_check_exec(c, c->seg[S_CS].base + c->eip);
        if (hit) {
          c->dr[6] = (c->dr[6] & ~DR6_BMASK) | hit;
          cpu_raise(c, EXC_DB, ERR_NONE); /* a fault: EIP stays on the instruction */
        }
      }
    }
    const Insn *in = resume ? &scratch : fetch_decode(c, &scratch);
    uint32_t next = c->eip + in->len;
    bool tf = c->eflags & F_TF;
    c->next_eip = (c->mode & CPU_MODE_CS32) ? next : (next & 0xffff);
    c->eflags &= ~F_RF; /* cleared as the instruction starts (IRET may load it again) */
    in->fn(c, in);
    c->eip = c->next_eip;
    c->icount++;
    if (unlikely(tf | (c->dr_hit != 0)) && !c->inhibit_irq) {
      /* Single-step and data/I/O breakpoint traps after the instruction
       * (not after MOV/POP SS: they wait for the next one). */
      cpu_dr_trap(c, tf);
    }
  }
  c->jmp = saved;
  return result;
}

CpuStop cpu_step(Cpu *c) { return cpu_run(c, 1); }
