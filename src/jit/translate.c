/*
 * translate.c — one guest block to host x86-64 code.
 *
 * Conventions inside translated code:
 *   RBX  = Cpu *; lazy flags and everything else live in struct Cpu
 *          (offsets from cpu.h);
 *   R15  = cpu->icount (loaded by the entry trampoline, stored by the
 *          epilogue and before every handler call);
 *   RBP, R12-R14, R8-R11 = the eight guest registers (jit_global_host in
 *          jit_internal.h), held there across blocks and written back /
 *          reloaded around handler calls (see "register cache" below);
 *   RAX, RCX, RDX, RSI, RDI = scratch (caller-saved);
 *   RSP  = 16-byte aligned (set by the entry trampoline).
 *
 * Bookkeeping: `pend` counts instructions retired since the last update of
 * R15; it is added before every handler call and every exit, and R15 goes
 * to cpu->icount with every handler call, so a fault unwinding from a
 * handler finds icount = instructions retired.
 * cpu->eip is stored only before handler calls and at exits.
 *
 * Inline translations (see tr_inline) cover the common integer forms.
 * Each checks everything that could make it fault or take a slow path
 * (segment rights and limit, TLB entry, host pointer, page crossing)
 * before changing any state; if a check fails it jumps to a stub that
 * calls the instruction's handler, which does the whole instruction
 * again the interpreter's way.  So faults, MMIO and code-page writes are
 * always the handlers' business.
 */
#include "jit_internal.h"
#include "ops.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STUBS 192
#define MAX_FIX 24

enum { STUB_SLOW, STUB_EXIT_AT, STUB_TO_C, STUB_SIDE };

typedef struct Stub {
  int kind;
  bool dirty_set;     /* `dirty` recorded by the first jump here */
  uint8_t dirty;      /* cached guest registers to write back before leaving */
  uint8_t reload;     /* STUB_SLOW: cached guest registers live at `resume` */
  int k;              /* instruction index (STUB_SLOW) */
  uint32_t pend;      /* icount to add before the call / at the exit */
  uint32_t eip;       /* STUB_EXIT_AT: EIP to store; STUB_SIDE: the Jcc's target */
  uint8_t *resume;    /* STUB_SLOW: where to continue */
  int regen_cc;       /* STUB_SLOW: lazy kind whose host flags the code at `resume` expects (0: none) */
  bool keep;          /* emit even without jumps to it (the entry's stale exit) */
  uint8_t *at;        /* where it was emitted */
  Fixup fx[MAX_FIX];
  int nfx;
} Stub;

typedef struct Tr {
  Cpu *c;
  Jit *j;
  JitBlock *b;
  Emit e;
  uint32_t pend;
  int last_cc;        /* cc_op known after the previous instruction, or -1 */
  bool ram;           /* block on a RAM page (else ROM, whose generation is Mem.rom_gen) */
  uint32_t wrap;      /* EIP mask (16-bit code wraps at 64 KiB) */
  int cur;            /* index of the instruction being translated */
  bool fdead[JIT_MAX_INSNS]; /* flags written by instruction k are never read */
  int hf_k, hf_cc;    /* host flags hold instruction hf_k's result of lazy kind hf_cc */
  uint8_t loaded;     /* bit g: guest register g's host register holds it */
  uint8_t dirty;      /* bit g: that host register is newer than struct Cpu */
  Stub st[MAX_STUBS];
  int nst;
  bool overflow;
} Tr;

static void rc_writeback(Tr *t, uint8_t mask);
static void rc_exit(Tr *t);

/* ---- small emission helpers ---- */

static Stub *stub_new(Tr *t, int kind) {
  if (t->nst >= MAX_STUBS) {
    t->overflow = true;
    t->nst = 0;
  }
  Stub *s = &t->st[t->nst++];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  return s;
}
static void stub_jcc(Tr *t, Stub *s, int cc) {
  if (s->nfx >= MAX_FIX) {
    t->overflow = true;
    return;
  }
  /* Every jump to one stub leaves the same cached registers dirty. */
  if (!s->dirty_set) {
    s->dirty = t->dirty;
    s->dirty_set = true;
  }
  assert(s->dirty == t->dirty);
  if (s->dirty != t->dirty)
    t->overflow = true;
  s->fx[s->nfx++] = jcc_fwd(&t->e, cc);
}
/* The slow path of s continues at the current point: note what is cached there. */
static void stub_resume(Tr *t, Stub *s) {
  s->resume = t->e.p;
  s->reload = t->loaded;
}
static void sync_icount(Tr *t) {
  if (t->pend) {
    alu_ri(&t->e, SZ64, ALU_ADD, R15, (int32_t)t->pend);
    t->pend = 0;
  }
}

/* Call the handler of instruction k with EIP / next EIP stored (icount must be synced). */
static void call_handler(Tr *t, int k) {
  Emit *e = &t->e;
  const Insn *in = &t->b->insn[k];
  uint32_t eip = t->b->ieip[k], next = (eip + in->len) & t->wrap;
  mov_m_i32(e, RBX, OFF(eip), eip);
  mov_m_i32(e, RBX, OFF(next_eip), next);
  mov_m_r(e, SZ64, RBX, OFF(icount), R15); /* handlers and devices read it; a fault unwinds past the epilogue */
  mov_rr(e, SZ64, RDI, RBX);
  mov_ri64(e, RSI, (uint64_t)(uintptr_t)in);
  call_abs(e, (const void *)in->fn);
}

/* Jump to s if the block's page was written (self-modifying code) or its
 * mapping changed (a ROM moved: Mem.rom_gen). */
static void gen_check(Tr *t, Stub *s) {
  mov_ri64(&t->e, RAX, (uint64_t)(uintptr_t)t->b->genp);
  alu_mi(&t->e, SZ32, ALU_CMP, RAX, 0, (int32_t)t->b->gen);
  stub_jcc(t, s, CC_NE);
}

/* Leave the block towards a known EIP: chain when linked, else back to C. */
static void direct_exit(Tr *t, uint32_t target) {
  Emit *e = &t->e;
  rc_exit(t);
  sync_icount(t);
  if (((t->b->csbase + t->b->eip) >> PAGE_SHIFT) != ((t->b->csbase + target) >> PAGE_SHIFT)) {
    /* Another page: never chained (its mapping may change), so through the
     * inline jump-cache lookup, which checks the TLB epoch, as a return does. */
    mov_ri_keepflags(e, RAX, target);
    jmp_to(e, t->j->indirect_eax_rw);
    return;
  }
  /* Budget left?  (Events from outside zero the limit: cpu_request_stop,
   * cpu_set_intr; events from instructions end their block in C.) */
  op_mem(e, SZ64, 0x3b, R15, RBX, OFF(jit_limit));
  /* Budget left: JB to the next block once linked (the site), until then
   * to the code below it that asks the dispatch loop to link this exit. */
  Fixup site = jcc_fwd(e, CC_B);
  mov_m_i32(e, RBX, OFF(eip), target);
  jmp_to(e, t->j->exit0_sync_rw);
  JitChain *ch = jit_arena_alloc(t->j, sizeof(JitChain));
  if (!ch) {
    t->overflow = true;
    return;
  }
  ch->site_rw = site;
  ch->from = t->b;
  ch->target = target;
  ch->flush_epoch = t->j->flush_epoch;
  bind(e, site);
  mov_m_i32(e, RBX, OFF(eip), target);
  mov_ri64(e, RAX, (uint64_t)(uintptr_t)ch);
  jmp_to(e, t->j->epilogue_sync_rw);
}

/* ---- guest registers: the register cache ---- */

/*
 * All eight guest registers live in host registers (jit_global_host), from
 * block to block.  `loaded`: the host register holds the value; `dirty`:
 * struct Cpu is older (on entry every register is both).  Before anything
 * that needs struct Cpu exact — a handler call, also on slow paths, which
 * write back what was dirty when they were entered and reload what the
 * inline path has cached where they resume — the dirty ones are written
 * back; after a handler call a register is reloaded at its next use, and
 * at the latest before a jump to another block (rc_exit).
 */
#define RC_ALL 0xffu
/* R8-R11 are caller-saved: a call to a C helper from inline code drops them (rc_calls_c). */
static bool caller_saved(int h) { return h == R8 || h == R9 || h == R10 || h == R11; }
static int hreg(unsigned g) { return jit_global_host[g]; }

static int32_t greg_off(int sz, unsigned g) {
  if (sz == SZ8 && g >= 4)
    return OFF(regs) + 4 * (int32_t)(g - 4) + 1;
  return OFF(regs) + 4 * (int32_t)g;
}
/* Host register holding guest register g, loaded now if needed. */
static int rc_get(Tr *t, unsigned g) {
  int h = hreg(g);
  if (!(t->loaded & (1u << g))) {
    mov_r_m(&t->e, SZ32, h, RBX, OFF(regs) + 4 * (int32_t)g);
    t->loaded |= (uint8_t)(1u << g);
  }
  return h;
}
/* Registers in mask to struct Cpu / from it (all eight: one CALL to a shared thunk). */
static void rc_writeback(Tr *t, uint8_t mask) {
  if (mask == RC_ALL) {
    call_to(&t->e, t->j->store_globals_rw);
    return;
  }
  for (unsigned g = 0; g < 8; g++)
    if (mask & (1u << g))
      mov_m_r(&t->e, SZ32, RBX, OFF(regs) + 4 * (int32_t)g, hreg(g));
}
static void rc_reload(Tr *t, uint8_t mask) {
  if (mask == RC_ALL) {
    call_to(&t->e, t->j->load_globals_rw);
    return;
  }
  for (unsigned g = 0; g < 8; g++)
    if (mask & (1u << g))
      mov_r_m(&t->e, SZ32, hreg(g), RBX, OFF(regs) + 4 * (int32_t)g);
}
/*
 * Before a jump to another block (chained, or through the jump cache):
 * every register in its host register.  Emits only: the state stays as it
 * is for the code after the exit, which is reached by other paths.
 */
static void rc_exit(Tr *t) { rc_reload(t, (uint8_t)~t->loaded); }

/* Before a call to a C helper from inline code: the caller-saved cache registers let go. */
static void rc_calls_c(Tr *t) {
  for (unsigned g = 0; g < 8; g++) {
    uint8_t bit = (uint8_t)(1u << g);
    if (caller_saved(hreg(g)) && (t->loaded & bit)) {
      if (t->dirty & bit)
        mov_m_r(&t->e, SZ32, RBX, OFF(regs) + 4 * (int32_t)g, hreg(g));
      t->loaded &= (uint8_t)~bit;
      t->dirty &= (uint8_t)~bit;
    }
  }
}
/* Before a handler call on the main path: struct Cpu made exact, the cache dropped after. */
static void rc_spill(Tr *t) {
  rc_writeback(t, t->dirty);
  t->dirty = t->loaded = 0;
}

/* Load guest register g (size sz) zero-extended into host register h. */
static void ld_greg(Tr *t, int sz, int h, unsigned g) {
  Emit *e = &t->e;
  bool high = sz == SZ8 && g >= 4;
  int c = rc_get(t, high ? g - 4 : g);
  if (sz == SZ32) {
    mov_rr(e, SZ32, h, c);
  } else if (!high) {
    movzx_rr(e, sz, h, c);
  } else {
    mov_rr(e, SZ32, h, c);
    shift_ri(e, SZ32, 5, h, 8);
    movzx_rr(e, SZ8, h, h);
  }
}
/* Store the low sz bytes of host register h into guest register g. */
static void st_greg(Tr *t, int sz, unsigned g, int h) {
  Emit *e = &t->e;
  bool high = sz == SZ8 && g >= 4;
  unsigned r = high ? g - 4 : g;
  uint8_t bit = (uint8_t)(1u << r);
  int c = hreg(r);
  if (high) {
    /* AH..BH: through struct Cpu; the register leaves the cache. */
    if (t->dirty & bit)
      mov_m_r(e, SZ32, RBX, OFF(regs) + 4 * (int32_t)r, c);
    mov_m_r(e, SZ8, RBX, greg_off(sz, g), h);
    t->loaded &= (uint8_t)~bit;
    t->dirty &= (uint8_t)~bit;
    return;
  }
  if (sz != SZ32)
    rc_get(t, r); /* the upper bits stay */
  mov_rr(e, sz, c, h);
  t->loaded |= bit;
  t->dirty |= bit;
}

/* Cached guest register g as its host register, loaded, marked written (the caller writes it). */
static int rc_def(Tr *t, unsigned g) {
  int c = rc_get(t, g);
  t->dirty |= (uint8_t)(1u << g);
  return c;
}
/* The same for an instruction that replaces all 32 bits: no load first. */
static int rc_def_full(Tr *t, unsigned g) {
  t->loaded |= (uint8_t)(1u << g);
  t->dirty |= (uint8_t)(1u << g);
  return hreg(g);
}

static int vsz(const Insn *in) { return (in->flags & INSN_O32) ? SZ32 : SZ16; }

/* Effective address of the memory operand into EAX (offset within the segment). */
static void emit_ea(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  int b = in->base != REG_NONE ? rc_get(t, in->base) : -1;
  int x = in->index != REG_NONE ? rc_get(t, in->index) : -1;
  if (b < 0 && x < 0)
    mov_ri_keepflags(e, RAX, (uint32_t)in->disp);
  else if (x < 0)
    lea32_m(e, RAX, b, in->disp);
  else if (b < 0)
    lea32_index(e, RAX, x, in->scale, in->disp);
  else
    lea32_sib(e, RAX, b, x, in->scale, in->disp);
  if (!(in->flags & INSN_A32))
    movzx_rr(e, SZ16, RAX, RAX);
}

/*
 * EAX = offset in segment s; on success RDX = host address of the nbytes
 * access.  Every check failing jumps to the slow stub.  Clobbers RCX.
 */
static void emit_mem(Tr *t, Stub *slow, int s, unsigned nbytes, bool write) {
  Emit *e = &t->e;
  if (!(t->b->mode & JIT_MODE_FLAT(s))) {
    /* Rights and limit, then the base (a flat segment needs none of it). */
    uint32_t mask = SF_CODE | SF_DC | SF_P | (write ? SF_RW : 0);
    uint32_t want = SF_P | (write ? SF_RW : 0);
    movzx_m(e, SZ16, RCX, RBX, OFF(seg) + s * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, flags));
    alu_ri(e, SZ32, ALU_AND, RCX, (int32_t)mask);
    alu_ri(e, SZ32, ALU_CMP, RCX, (int32_t)want);
    stub_jcc(t, slow, CC_NE);
    mov_rr(e, SZ32, RCX, RAX);
    if (nbytes > 1)
      alu_ri(e, SZ64, ALU_ADD, RCX, (int32_t)nbytes - 1);
    mov_r_m(e, SZ32, RDX, RBX, OFF(seg) + s * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, limit));
    alu_rr(e, SZ64, ALU_CMP, RCX, RDX);
    stub_jcc(t, slow, CC_A);
    alu_r_m(e, SZ32, ALU_ADD, RAX, RBX, OFF(seg) + s * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, base));
  }
  unsigned ram = t->c->mem->ram_size;
  if (!write && (t->b->mode & JIT_MODE_RAMWIN) && ram >= nbytes) {
    /* RAM window (paging off: linear = physical): the whole access in RAM
     * and outside the legacy hole, then host address = ram + linear.  The
     * checks are off the load's dependency chain, which is one ADD. */
    alu_ri(e, SZ32, ALU_CMP, RAX, (int32_t)(ram - nbytes));
    stub_jcc(t, slow, CC_A);
    lea32_m(e, RCX, RAX, -(int32_t)(MEM_HOLE_LO - (nbytes - 1)));
    alu_ri(e, SZ32, ALU_CMP, RCX, (int32_t)(MEM_HOLE_HI - MEM_HOLE_LO + nbytes - 1));
    stub_jcc(t, slow, CC_B);
    mov_ri64(e, RDX, (uint64_t)(uintptr_t)t->c->mem->ram);
    alu_rr(e, SZ64, ALU_ADD, RDX, RAX);
    return;
  }
  /* TLB probe: the entry's tag for this access class (mmu.c: the page
   * number when the access is allowed and has a host pointer) must be the
   * page of the access's last byte (an access crossing a page, or wrapping
   * at 4 GiB, misses); then host address = linear + the entry's addend. */
  if (nbytes > 1)
    lea32_m(e, RCX, RAX, (int32_t)nbytes - 1);
  else
    mov_rr(e, SZ32, RCX, RAX);
  shift_ri(e, SZ32, 5, RCX, PAGE_SHIFT);
  /* RDX = tlb_index(first byte's page) << TLB_ENTRY_SHIFT */
  mov_rr(e, SZ32, RDX, RAX);
  shift_ri(e, SZ32, 5, RDX, PAGE_SHIFT - TLB_ENTRY_SHIFT);
  alu_ri(e, SZ32, ALU_AND, RDX, (TLB_SIZE - 1) << TLB_ENTRY_SHIFT);
  uint32_t need = (t->b->mode & CPU_MODE_CPL3) ? (write ? TLB_W_USER : TLB_R_USER) : (write ? TLB_W_SUP : TLB_R_SUP);
  int cls = __builtin_ctz(need);
  op_mem_bi(e, SZ32, 0x3b, RCX, RBX, RDX, TLB_OFF + (int32_t)(offsetof(TlbEntry, tag) + 4 * (size_t)cls));
  stub_jcc(t, slow, CC_NE);
  op_mem_bi(e, SZ64, 0x8b, RDX, RBX, RDX, TLB_OFF + (int32_t)offsetof(TlbEntry, addend));
  alu_rr(e, SZ64, ALU_ADD, RDX, RAX);
}

/* Load nbytes at [RDX] zero-extended into h / store h there. */
static void ld_host(Tr *t, int sz, int h) {
  if (sz == SZ32)
    mov_r_m(&t->e, SZ32, h, RDX, 0);
  else
    movzx_m(&t->e, sz, h, RDX, 0);
}
static void st_host(Tr *t, int sz, int h) { mov_m_r(&t->e, sz, RDX, 0, h); }

static unsigned nbytes_of(int sz) { return sz == SZ8 ? 1 : sz == SZ16 ? 2 : 4; }
static void ld_rm(Tr *t, Stub *s, int k, int sz, int h);

/* Store the lazy-flags record (values zero-extended in host registers). */
static void st_cc(Tr *t, uint32_t op, int d, int s, int r) {
  if (t->fdead[t->cur])
    return;
  mov_m_i32(&t->e, RBX, OFF(cc_op), op);
  mov_m_r(&t->e, SZ32, RBX, OFF(cc_dst), d);
  mov_m_r(&t->e, SZ32, RBX, OFF(cc_src), s);
  mov_m_r(&t->e, SZ32, RBX, OFF(cc_res), r);
}
/* The same with an immediate source operand. */
static void st_cc_imm(Tr *t, uint32_t op, int d, uint32_t imm, int r) {
  if (t->fdead[t->cur])
    return;
  mov_m_i32(&t->e, RBX, OFF(cc_op), op);
  mov_m_r(&t->e, SZ32, RBX, OFF(cc_dst), d);
  mov_m_i32(&t->e, RBX, OFF(cc_src), imm);
  mov_m_r(&t->e, SZ32, RBX, OFF(cc_res), r);
}

/*
 * r = d <alu> s for ADD/OR/AND/SUB/XOR/CMP on zero-extended values, as a
 * sized host operation: r stays zero-extended (its upper bits are d's)
 * and the host flags are the guest's for that size.
 */
static void alu_compute(Tr *t, int sz, int op, int r, int d, int s) {
  Emit *e = &t->e;
  mov_rr(e, SZ32, r, d);
  alu_rr(e, sz, op == ALU_CMP ? ALU_SUB : op, r, s);
}
/* The host flags now hold the current instruction's result (lazy kind cc). */
static void host_flags_are(Tr *t, int cc) {
  t->hf_k = t->cur;
  t->hf_cc = cc;
}
/* The lazy kind of shift n (ModRM.reg 4, 6: SHL; 5: SHR; 7: SAR), size 8. */
static uint32_t shift_cc_kind(unsigned n) { return n == 5 ? CC_SHR8 : n == 7 ? CC_SAR8 : CC_SHL8; }

static uint32_t cc_kind_of(int op, int sz) {
  switch (op) {
  case ALU_ADD: return (uint32_t)(CC_ADD8 + sz);
  case ALU_SUB: case ALU_CMP: return (uint32_t)(CC_SUB8 + sz);
  default: return (uint32_t)(CC_LOGIC8 + sz);
  }
}

/* ---- the inline translations ---- */

/* Slow-path stub for instruction k (the handler redoes it), resuming after the inline code. */
static Stub *slow_stub(Tr *t, int k) {
  Stub *s = stub_new(t, STUB_SLOW);
  s->k = k;
  s->pend = t->pend;
  return s;
}

/*
 * The operands of a two-operand instruction k with a memory operand: its
 * slow stub made, the access probed (for a write when `write`), then D (the
 * first operand: memory when rm_is_dst, else the register) in RSI and S (the
 * register, the immediate, or memory) in RDI; RDX = the host address.
 */
static Stub *mem_operands(Tr *t, int k, int sz, bool rm_is_dst, bool write, bool src_imm, uint32_t imm) {
  const Insn *in = &t->b->insn[k];
  Stub *s = slow_stub(t, k);
  emit_ea(t, in);
  emit_mem(t, s, in->seg, nbytes_of(sz), write);
  if (rm_is_dst) {
    ld_host(t, sz, RSI);
    if (src_imm)
      mov_ri_keepflags(&t->e, RDI, imm);
    else
      ld_greg(t, sz, RDI, in->reg);
  } else {
    ld_greg(t, sz, RSI, in->reg);
    ld_host(t, sz, RDI);
  }
  return s;
}

/* ALU between a register/memory destination and a source; op < 8 (no ADC/SBB). */
static bool tr_alu(Tr *t, int k, int op, int sz, bool rm_is_dst, bool src_imm, uint32_t imm) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  bool mem = in->flags & INSN_MEM;
  bool writes = op != ALU_CMP;
  Stub *s = NULL;
  if (!mem && sz == SZ32) {
    /* Both operands in host registers: the operation works on them in place. */
    unsigned dreg = rm_is_dst ? in->rm : in->reg, sreg = rm_is_dst ? in->reg : in->rm;
    uint32_t kind = cc_kind_of(op, sz);
    bool dead = t->fdead[k];
    int cd = rc_get(t, dreg), cs = src_imm ? -1 : rc_get(t, sreg);
    int r = RAX, d = cd; /* CMP: the result goes to RAX, the old value stays in cd */
    if (op == ALU_CMP) {
      if (dead)
        return true; /* a compare nobody reads */
      mov_rr(e, SZ32, RAX, cd);
    } else {
      bool same = !src_imm && sreg == dreg;
      if (!dead || same)
        mov_rr(e, SZ32, RSI, cd); /* the old value: for the flags record, and the source if the same */
      if (same)
        cs = RSI;
      rc_def(t, dreg);
      r = cd;
      d = RSI;
    }
    int hop = op == ALU_CMP ? ALU_SUB : op;
    if (src_imm) {
      alu_ri(e, SZ32, hop, r, (int32_t)imm);
      st_cc_imm(t, kind, d, imm, r);
    } else {
      alu_rr(e, SZ32, hop, r, cs);
      st_cc(t, kind, d, cs, r);
    }
    host_flags_are(t, (int)kind);
    return true;
  }
  /* operands: D (destination/first) in RSI, S (source/second) in RDI, result RAX
   * (after the memory access: EAX held its address) */
  if (!mem) {
    unsigned dreg = rm_is_dst ? in->rm : in->reg;
    ld_greg(t, sz, RSI, dreg);
    if (src_imm)
      mov_ri_keepflags(e, RDI, imm);
    else
      ld_greg(t, sz, RDI, rm_is_dst ? in->reg : in->rm);
    alu_compute(t, sz, op, RAX, RSI, RDI);
    st_cc(t, cc_kind_of(op, sz), RSI, RDI, RAX);
    if (writes)
      st_greg(t, sz, dreg, RAX);
    host_flags_are(t, (int)cc_kind_of(op, sz));
    return true;
  }
  s = mem_operands(t, k, sz, rm_is_dst, rm_is_dst && writes, src_imm, imm);
  alu_compute(t, sz, op, RAX, RSI, RDI);
  if (writes && rm_is_dst)
    st_host(t, sz, RAX);
  else if (writes)
    st_greg(t, sz, in->reg, RAX);
  st_cc(t, cc_kind_of(op, sz), RSI, RDI, RAX);
  /* The host flags are the guest's here; the slow path makes them so too. */
  host_flags_are(t, (int)cc_kind_of(op, sz));
  s->regen_cc = (int)cc_kind_of(op, sz);
  stub_resume(t, s);
  return true;
}

static bool tr_mov(Tr *t, int k, int sz, bool to_rm) {
  const Insn *in = &t->b->insn[k];
  if (!(in->flags & INSN_MEM)) {
    unsigned src = to_rm ? in->reg : in->rm, dst = to_rm ? in->rm : in->reg;
    if (sz == SZ32) {
      int cs = rc_get(t, src);
      mov_rr(&t->e, SZ32, rc_def_full(t, dst), cs);
      return true;
    }
    ld_greg(t, sz, RCX, src);
    st_greg(t, sz, dst, RCX);
    return true;
  }
  Stub *s = slow_stub(t, k);
  emit_ea(t, in);
  emit_mem(t, s, in->seg, nbytes_of(sz), to_rm);
  if (to_rm) {
    ld_greg(t, sz, RCX, in->reg);
    st_host(t, sz, RCX);
  } else {
    ld_host(t, sz, RCX);
    st_greg(t, sz, in->reg, RCX);
  }
  stub_resume(t, s);
  return true;
}

/* MOV r/m, imm (C6/C7) and the moffs forms (A0-A3). */
static bool tr_mov_imm_or_moffs(Tr *t, int k, int sz, bool is_moffs, bool to_mem) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  if (!is_moffs && !(in->flags & INSN_MEM)) {
    mov_ri_keepflags(e, RCX, in->imm);
    st_greg(t, sz, in->rm, RCX);
    return true;
  }
  Stub *s = slow_stub(t, k);
  if (is_moffs) {
    mov_ri_keepflags(e, RAX, (in->flags & INSN_A32) ? in->imm : (in->imm & 0xffff));
  } else {
    emit_ea(t, in);
  }
  emit_mem(t, s, in->seg, nbytes_of(sz), to_mem);
  if (is_moffs && !to_mem) {
    ld_host(t, sz, RCX);
    st_greg(t, sz, R_EAX, RCX);
  } else {
    if (is_moffs)
      ld_greg(t, sz, RCX, R_EAX);
    else
      mov_ri_keepflags(e, RCX, in->imm);
    st_host(t, sz, RCX);
  }
  stub_resume(t, s);
  return true;
}

/* MOVZX / MOVSX Gv, Eb/Ew. */
static bool tr_movx(Tr *t, int k, int ssz, bool sign) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  int dsz = vsz(in);
  Stub *s = (in->flags & INSN_MEM) ? slow_stub(t, k) : NULL;
  ld_rm(t, s, k, ssz, RCX);
  if (sign)
    movsx_rr(e, ssz, RCX, RCX);
  st_greg(t, dsz, in->reg, RCX);
  if (s)
    stub_resume(t, s);
  return true;
}

static bool tr_lea(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  if (!(in->flags & INSN_MEM))
    return false;
  emit_ea(t, in);
  st_greg(t, vsz(in), in->reg, RAX);
  return true;
}

/* CF (0/1) of a lazy record of kind lc into host register h (RAX/RCX
 * clobbered), as cpu_get_cf; false for the kinds it leaves to C. */
static bool cf_of_kind(Tr *t, int lc, int h) {
  Emit *e = &t->e;
  if (lc >= CC_LOGIC8 && lc <= CC_LOGIC32) {
    mov_ri(e, h, 0);
  } else if ((lc >= CC_SUB8 && lc <= CC_SUB32) || (lc >= CC_ADD8 && lc <= CC_ADD32)) {
    /* SUB: CF = dst < src; ADD: CF = res < dst (sized compares, as cpu_get_cf) */
    bool sub = lc >= CC_SUB8;
    mov_r_m(e, SZ32, RAX, RBX, sub ? OFF(cc_dst) : OFF(cc_res));
    mov_r_m(e, SZ32, RCX, RBX, sub ? OFF(cc_src) : OFF(cc_dst));
    alu_rr(e, lc & 3, ALU_CMP, RAX, RCX);
    setcc_r(e, CC_B, RAX);
    movzx_rr(e, SZ8, h, RAX);
  } else if (lc >= CC_INC8 && lc <= CC_DEC32) {
    mov_r_m(e, SZ32, h, RBX, OFF(cc_src));
  } else if (lc == CC_EFLAGS) {
    mov_r_m(e, SZ32, h, RBX, OFF(eflags));
    alu_ri(e, SZ32, ALU_AND, h, (int32_t)F_CF);
  } else {
    return false;
  }
  return true;
}

/* The current CF (0/1) into host register h (RAX/RCX clobbered; may call
 * cpu_get_cf).  Kind unknown here: the one cc_op had at translation is
 * evaluated inline when cc_op still says so. */
static void emit_get_cf(Tr *t, int h) {
  Emit *e = &t->e;
  if (cf_of_kind(t, t->last_cc, h))
    return;
  int guess = (int)t->c->cc_op;
  if (!(guess >= CC_ADD8 && guess <= CC_ADD32) && !(guess >= CC_SUB8 && guess <= CC_SUB32) &&
      !(guess >= CC_LOGIC8 && guess <= CC_DEC32) && guess != CC_EFLAGS)
    guess = CC_SUB32;
  rc_calls_c(t);
  alu_mi(e, SZ32, ALU_CMP, RBX, OFF(cc_op), guess);
  Fixup other = jcc_fwd(e, CC_NE);
  cf_of_kind(t, guess, h);
  Fixup done = jmp_fwd(e);
  bind(e, other);
  mov_rr(e, SZ64, RDI, RBX);
  call_abs(e, (const void *)cpu_get_cf);
  mov_rr(e, SZ32, h, RAX);
  bind(e, done);
}

/* ADC/SBB on registers or an immediate: r = d +/- s +/- CF, lazy kind ADC/SBB. */
static bool tr_adcsbb(Tr *t, int k, bool sbb, int sz, bool rm_is_dst, bool src_imm, uint32_t imm) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  if (in->flags & INSN_MEM) {
    /* memory operand: CF first (it may call C), kept in struct Cpu across the access */
    emit_get_cf(t, RAX);
    mov_m_r(e, SZ32, RBX, OFF(jit_tmp), RAX);
    Stub *s = mem_operands(t, k, sz, rm_is_dst, rm_is_dst, src_imm, imm);
    mov_r_m(e, SZ32, RAX, RBX, OFF(jit_tmp));
    if (sbb) {
      unary_r(e, SZ32, 3, RAX); /* neg: RAX = d - s - CF below */
      alu_rr(e, SZ32, ALU_ADD, RAX, RSI);
      alu_rr(e, SZ32, ALU_SUB, RAX, RDI);
    } else {
      alu_rr(e, SZ32, ALU_ADD, RAX, RSI);
      alu_rr(e, SZ32, ALU_ADD, RAX, RDI);
    }
    if (sz != SZ32)
      movzx_rr(e, sz, RAX, RAX);
    if (rm_is_dst)
      st_host(t, sz, RAX);
    else
      st_greg(t, sz, in->reg, RAX);
    st_cc(t, (uint32_t)((sbb ? CC_SBB8 : CC_ADC8) + sz), RSI, RDI, RAX);
    stub_resume(t, s);
    return true;
  }
  emit_get_cf(t, RDX);
  unsigned dreg = rm_is_dst ? in->rm : in->reg;
  ld_greg(t, sz, RSI, dreg);
  if (src_imm)
    mov_ri_keepflags(e, RDI, imm);
  else
    ld_greg(t, sz, RDI, rm_is_dst ? in->reg : in->rm);
  mov_rr(e, SZ32, RAX, RSI);
  alu_rr(e, SZ32, sbb ? ALU_SUB : ALU_ADD, RAX, RDI);
  alu_rr(e, SZ32, sbb ? ALU_SUB : ALU_ADD, RAX, RDX);
  if (sz != SZ32)
    movzx_rr(e, sz, RAX, RAX);
  st_cc(t, (uint32_t)((sbb ? CC_SBB8 : CC_ADC8) + sz), RSI, RDI, RAX);
  st_greg(t, sz, dreg, RAX);
  return true;
}

/* INC/DEC: CF rides in cc_src, so the old CF must be known. */
static bool tr_incdec(Tr *t, int k, int sz, bool dec, bool reg_form, unsigned g) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  if (!t->fdead[k])
    emit_get_cf(t, RDI); /* first: it may call C */
  if (!reg_form && (in->flags & INSN_MEM)) {
    /* read-modify-write of memory; the handler redoes it on any slow path */
    Stub *s = slow_stub(t, k);
    emit_ea(t, in);
    emit_mem(t, s, in->seg, nbytes_of(sz), true);
    ld_host(t, sz, RSI);
    mov_rr(e, SZ32, RAX, RSI);
    alu_ri(e, sz, dec ? ALU_SUB : ALU_ADD, RAX, 1);
    st_host(t, sz, RAX);
    st_cc(t, (uint32_t)((dec ? CC_DEC8 : CC_INC8) + sz), RSI, RDI, RAX);
    stub_resume(t, s);
    return true;
  }
  if (!reg_form)
    g = in->rm;
  ld_greg(t, sz, RSI, g);
  mov_rr(e, SZ32, RAX, RSI);
  alu_ri(e, sz, dec ? ALU_SUB : ALU_ADD, RAX, 1); /* sized: RAX stays zero-extended */
  st_cc(t, (uint32_t)((dec ? CC_DEC8 : CC_INC8) + sz), RSI, RDI, RAX);
  st_greg(t, sz, g, RAX);
  host_flags_are(t, (dec ? CC_DEC8 : CC_INC8) + sz); /* all but CF */
  return true;
}

static bool ss32(const Tr *t) { return t->b->mode & CPU_MODE_SS32; }

/* New SP (ESP - n, wrapped to the stack size) into EAX and EDI (which the access leaves alone). */
static void sp_minus(Tr *t, unsigned n) {
  ld_greg(t, SZ32, RAX, R_ESP);
  alu_ri(&t->e, SZ32, ALU_SUB, RAX, (int32_t)n);
  if (!ss32(t))
    movzx_rr(&t->e, SZ16, RAX, RAX);
  mov_rr(&t->e, SZ32, RDI, RAX);
}
/* ESP = the new SP in EDI. */
static void sp_store_new(Tr *t) { st_greg(t, ss32(t) ? SZ32 : SZ16, R_ESP, RDI); }

/* Push guest register src_reg, else host register RSI (src_reg == PUSH_RSI),
 * else an immediate, of size sz; ESP is written after the store, so a
 * fault leaves it unchanged. */
enum { PUSH_IMM = -1, PUSH_RSI = -2 };
static void stack_push(Tr *t, Stub *s, int sz, int src_reg, uint32_t imm) {
  sp_minus(t, nbytes_of(sz));
  emit_mem(t, s, S_SS, nbytes_of(sz), true);
  int h = RCX;
  if (src_reg >= 0)
    ld_greg(t, sz, RCX, (unsigned)src_reg);
  else if (src_reg == PUSH_RSI)
    h = RSI;
  else
    mov_ri_keepflags(&t->e, RCX, imm);
  st_host(t, sz, h);
  sp_store_new(t);
}

/* Load the top of the stack (size sz) into RCX, the popped ESP into RDI;
 * ESP itself is not written yet (the caller does, after its own checks). */
static void stack_pop_rcx(Tr *t, Stub *s, int sz) {
  Emit *e = &t->e;
  ld_greg(t, SZ32, RAX, R_ESP);
  if (!ss32(t))
    movzx_rr(e, SZ16, RAX, RAX);
  mov_rr(e, SZ32, RDI, RAX);
  alu_ri(e, SZ32, ALU_ADD, RDI, (int32_t)nbytes_of(sz));
  emit_mem(t, s, S_SS, nbytes_of(sz), false);
  ld_host(t, sz, RCX);
}

static bool tr_push(Tr *t, int k, int src_reg, uint32_t imm) {
  Stub *s = slow_stub(t, k);
  stack_push(t, s, vsz(&t->b->insn[k]), src_reg, imm);
  stub_resume(t, s);
  return true;
}

/* PUSH r/m (FF /6): the operand is read (its address from the old ESP) before the push's checks. */
static bool tr_push_rm(Tr *t, int k) {
  Stub *s = slow_stub(t, k);
  int sz = vsz(&t->b->insn[k]);
  ld_rm(t, s, k, sz, RSI);
  stack_push(t, s, sz, PUSH_RSI, 0);
  stub_resume(t, s);
  return true;
}

static bool tr_pop(Tr *t, int k, unsigned g) {
  int sz = vsz(&t->b->insn[k]);
  Stub *s = slow_stub(t, k);
  stack_pop_rcx(t, s, sz);
  sp_store_new(t);
  st_greg(t, sz, g, RCX); /* after ESP: POP ESP loads the popped value */
  stub_resume(t, s);
  return true;
}

/*
 * Host flags equal to the guest's from the lazy record of kind lc, by one
 * sized host operation on the recorded operands (RAX, RCX clobbered):
 * SUB: CMP dst, src; ADD: ADD dst, src; LOGIC: TEST res, res (CF = OF = 0).
 * False for the other kinds (nothing emitted).
 */
static bool regen_host_flags(Emit *e, int lc) {
  if ((lc >= CC_SUB8 && lc <= CC_SUB32) || (lc >= CC_ADD8 && lc <= CC_ADD32)) {
    mov_r_m(e, SZ32, RAX, RBX, OFF(cc_dst));
    mov_r_m(e, SZ32, RCX, RBX, OFF(cc_src));
    alu_rr(e, lc & 3, lc >= CC_SUB8 ? ALU_CMP : ALU_ADD, RAX, RCX);
    return true;
  }
  if (lc >= CC_LOGIC8 && lc <= CC_LOGIC32) {
    mov_r_m(e, SZ32, RAX, RBX, OFF(cc_res));
    test_rr(e, lc & 3, RAX, RAX);
    return true;
  }
  return false;
}

/*
 * Evaluate guest condition cc into host flags; returns the host condition
 * that is true when the guest condition holds.
 */
static int emit_cond(Tr *t, unsigned cc) {
  Emit *e = &t->e;
  int lc = t->last_cc;
  if (t->hf_k >= 0 && t->hf_k == t->cur - 1 && t->hf_cc == lc) {
    /* The previous instruction's host operation left the guest's flags
     * (INC/DEC: all but CF) in the host flags. */
    bool cf = (cc >> 1) == 1 || (cc >> 1) == 3;
    if (!(lc >= CC_INC8 && lc <= CC_DEC32) || !cf)
      return (int)cc;
  }
  unsigned kc = cc >> 1;
  if (regen_host_flags(e, lc))
    return (int)cc;
  if (lc >= CC_SHL8 && lc <= CC_SAR32 && (kc == 2 || kc == 4 || kc == 5)) {
    regen_host_flags(e, CC_LOGIC8 + (lc & 3)); /* ZF, SF, PF come from the result, as a LOGIC result's */
    return (int)cc;
  }
  if (lc == CC_EFLAGS && kc >= 1 && kc <= 5) {
    /* Conditions without OF: EFLAGS' low byte through SAHF. */
    mov_r_m(e, SZ32, RAX, RBX, OFF(eflags));
    shift_ri(e, SZ32, 4, RAX, 8);
    e8(e, 0x9e); /* sahf */
    return (int)cc;
  }
  bool uses_cf = (cc >> 1) == 1 || (cc >> 1) == 3;
  if (!uses_cf && lc >= CC_INC8 && lc <= CC_DEC32) {
    bool dec = lc >= CC_DEC8;
    mov_r_m(e, SZ32, RAX, RBX, OFF(cc_dst));
    alu_ri(e, (lc & 3), dec ? ALU_SUB : ALU_ADD, RAX, 1);
    return (int)cc;
  }
  /* Unknown here (block entry, after a handler): guess the kind the CPU
   * had when the block was translated (else a compare's), evaluate that
   * inline when cc_op says so, else ask cpu_cond(); AL = the condition. */
  int guess = (int)t->c->cc_op;
  bool sahf = guess == CC_EFLAGS && kc >= 1 && kc <= 5;
  if (!sahf && !(guess >= CC_ADD8 && guess <= CC_ADD32) && !(guess >= CC_SUB8 && guess <= CC_SUB32) &&
      !(guess >= CC_LOGIC8 && guess <= CC_LOGIC32))
    guess = CC_SUB32;
  rc_calls_c(t);
  alu_mi(e, SZ32, ALU_CMP, RBX, OFF(cc_op), guess);
  Fixup other = jcc_fwd(e, CC_NE);
  if (sahf) {
    mov_r_m(e, SZ32, RAX, RBX, OFF(eflags));
    shift_ri(e, SZ32, 4, RAX, 8);
    e8(e, 0x9e); /* sahf */
  } else {
    regen_host_flags(e, guess);
  }
  setcc_r(e, (int)cc, RAX);
  Fixup done = jmp_fwd(e);
  bind(e, other);
  mov_rr(e, SZ64, RDI, RBX);
  mov_ri(e, RSI, cc);
  call_abs(e, (const void *)cpu_cond);
  bind(e, done);
  test_rr(e, SZ8, RAX, RAX);
  return CC_NE;
}

/* Near branch target of instruction k (masked to the operand size). */
static uint32_t branch_target(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  uint32_t next = (t->b->ieip[k] + in->len) & t->wrap;
  uint32_t tgt = next + in->imm;
  return (in->flags & INSN_O32) ? tgt : (tgt & 0xffff);
}

/* Jump to s if the target is beyond the CS limit (the handler raises #GP). */
static void cs_limit_check(Tr *t, Stub *s, uint32_t target) {
  if (t->b->mode & JIT_MODE_CS_4G)
    return;
  alu_mi(&t->e, SZ32, ALU_CMP, RBX, OFF(seg) + S_CS * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, limit),
         (int32_t)target);
  stub_jcc(t, s, CC_B);
}

/* The same for a target in host register r. */
static void cs_limit_check_reg(Tr *t, Stub *s, int r) {
  if (t->b->mode & JIT_MODE_CS_4G)
    return;
  alu_r_m(&t->e, SZ32, ALU_CMP, r, RBX, OFF(seg) + S_CS * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, limit));
  stub_jcc(t, s, CC_A);
}
/* Leave the block (after instruction k's work) towards the EIP in host register r: the jump cache. */
static void indirect_exit(Tr *t, int r) {
  if (r != RAX)
    mov_rr(&t->e, SZ32, RAX, r);
  t->pend++;
  sync_icount(t);
  rc_exit(t);
  jmp_to(&t->e, t->j->indirect_eax_rw);
}

/* Terminators with inline translations: Jcc, JMP rel, CALL rel, RET. */
static bool tr_branch(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  uint32_t next = (t->b->ieip[k] + in->len) & t->wrap;
  unsigned op = in->op;
  Stub *s = slow_stub(t, k); /* the handler raises the fault; resume: dynamic exit */
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
    uint32_t tgt = branch_target(t, k);
    int hcc = emit_cond(t, op & 0xf);
    Fixup taken = jcc_fwd(e, hcc);
    t->pend++;
    uint32_t pend = t->pend;
    direct_exit(t, next);
    bind(e, taken);
    cs_limit_check(t, s, tgt);
    t->pend = pend;
    direct_exit(t, tgt);
  } else if (op == 0xe9 || op == 0xeb) {
    uint32_t tgt = branch_target(t, k);
    cs_limit_check(t, s, tgt);
    t->pend++;
    direct_exit(t, tgt);
  } else if (op == 0xe8) {
    uint32_t tgt = branch_target(t, k);
    int sz = vsz(in);
    cs_limit_check(t, s, tgt);
    stack_push(t, s, sz, PUSH_IMM, next);
    t->pend++;
    direct_exit(t, tgt);
  } else if (op == 0xff && (in->reg == 2 || in->reg == 4) && (in->flags & INSN_O32)) {
    /* CALL/JMP r/m32: target read first, limit-checked, then the push. */
    ld_rm(t, s, k, SZ32, RSI);
    cs_limit_check_reg(t, s, RSI);
    if (in->reg == 2)
      stack_push(t, s, SZ32, PUSH_IMM, next);
    indirect_exit(t, RSI);
  } else if (op == 0xc3) {
    stack_pop_rcx(t, s, vsz(in));
    cs_limit_check_reg(t, s, RCX);
    sp_store_new(t);
    indirect_exit(t, RCX);
  } else {
    return false;
  }
  s->resume = NULL; /* after the handler: a dynamic exit */
  return true;
}

/*
 * A Jcc in the middle of a block (jcc_goes_on): the taken branch leaves
 * through a side exit (a stub: write back, count, chain to the target), the
 * block goes on at the fall-through with its registers still cached.
 */
static void tr_side_exit(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  const uint8_t *at = t->e.p;
  int hcc = emit_cond(t, in->op & 0xf);
  if (t->e.p == at && t->hf_k == k - 1)
    t->hf_k = k; /* the condition came from the host flags, which the fall-through keeps */
  Stub *x = stub_new(t, STUB_SIDE);
  x->eip = branch_target(t, k);
  x->pend = t->pend + 1;
  x->reload = t->loaded; /* what its direct exit finds cached */
  stub_jcc(t, x, hcc);
  t->pend++;
}

static bool is_rel_branch(unsigned op) {
  return (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || (op >= 0xe0 && op <= 0xe3) || op == 0xe8 ||
         op == 0xe9 || op == 0xeb;
}

/*
 * Is instruction in's inline translation free of host-flag changes, so
 * that host flags holding an earlier result (hf_k) survive it?  32-bit
 * MOV between registers and LEA: plain MOV/LEA/MOVZX on host registers.
 */
static bool keeps_host_flags(const Insn *in) {
  if (in->op == 0x8d)
    return (in->flags & INSN_MEM) != 0;
  return (in->op == 0x89 || in->op == 0x8b) && !(in->flags & INSN_MEM) && (in->flags & INSN_O32);
}

/* Does instruction leave cc_op untouched (so a known cc_op survives it)? */
static bool flags_neutral(const Insn *in) {
  unsigned op = in->op;
  if ((op >= 0x88 && op <= 0x8b) || op == 0x8d || (op >= 0x50 && op <= 0x5f) || (op >= 0xb0 && op <= 0xbf) ||
      op == 0xc6 || op == 0xc7 || (op >= 0xa0 && op <= 0xa3) || op == 0x68 || op == 0x6a || op == 0x90 ||
      op == 0x1b6 || op == 0x1b7 || op == 0x1be || op == 0x1bf || (op >= 0x140 && op <= 0x14f) ||
      (op >= 0x190 && op <= 0x19f))
    return true;
  return false;
}

/* Known cc_op after an ALU-class instruction, -1 otherwise. */
static int cc_after(const Insn *in) {
  unsigned op = in->op;
  int sz8 = SZ8, szv = vsz(in);
  if (op < 0x40 && (op & 7) < 6) {
    unsigned aop = op >> 3;
    if (aop == ALU_ADC || aop == ALU_SBB)
      return -1;
    int sz = (op & 1) ? szv : sz8;
    return (int)cc_kind_of((int)aop, sz);
  }
  if (op >= 0x80 && op <= 0x83) {
    if (in->reg == ALU_ADC || in->reg == ALU_SBB)
      return -1;
    return (int)cc_kind_of(in->reg, op == 0x80 || op == 0x82 ? sz8 : szv);
  }
  if (op == 0x84 || op == 0xa8)
    return CC_LOGIC8;
  if (op == 0x85 || op == 0xa9)
    return CC_LOGIC8 + szv;
  if (op >= 0x40 && op <= 0x47)
    return CC_INC8 + szv;
  if (op >= 0x48 && op <= 0x4f)
    return CC_DEC8 + szv;
  if ((op == 0xfe || op == 0xff) && in->reg <= 1)
    return (in->reg ? CC_DEC8 : CC_INC8) + (op == 0xfe ? sz8 : szv);
  if ((op == 0xf6 || op == 0xf7) && in->reg == 0)
    return CC_LOGIC8 + (op == 0xf6 ? sz8 : szv);
  if ((op == 0xd1 || (op == 0xc1 && (in->imm & 31))) && in->reg >= 4)
    return (int)shift_cc_kind(in->reg) + szv; /* SHL/SHR/SAR: lazy */
  if ((op == 0xd1 || (op == 0xc1 && (in->imm & 31))) && in->reg <= 1 && (in->flags & INSN_O32))
    return CC_EFLAGS; /* 32-bit rotates fold their flags into EFLAGS */
  if (op == 0x1af || op == 0x69 || op == 0x6b || ((op == 0xf6 || op == 0xf7) && (in->reg == 4 || in->reg == 5)))
    return CC_EFLAGS;
  return -1;
}

/*
 * SHL/SHR/SAR of a 32- or 16-bit register by an immediate or CL (C1, D1, D3
 * /4 /5 /7).  As the handlers: all six arithmetic flags replaced, kept lazy
 * (kinds CC_SHL/SHR/SAR: operand, count, result; cpu.c evaluates them);
 * a zero count changes nothing.
 */
/*
 * ROL/ROR r32 by an immediate (C1/D1 /0 /1): the handlers take EFLAGS
 * materialised, replace CF (the bit rotated in at the end) and OF (ROL: MSB
 * ^ CF; ROR: the two top bits' XOR), keep the rest.
 */
static bool tr_rotate(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  unsigned n = in->reg;
  if ((in->op != 0xc1 && in->op != 0xd1) || (in->flags & INSN_MEM) || n > 1 || !(in->flags & INSN_O32))
    return false;
  unsigned cnt = in->op == 0xd1 ? 1 : (in->imm & 31);
  if (cnt == 0)
    return true;
  if (t->fdead[k]) {
    /* nobody reads CF/OF: the rotation alone, in place */
    shift_ri(e, SZ32, (int)n, rc_def(t, in->rm), (uint8_t)cnt);
    return true;
  }
  if (t->last_cc != CC_EFLAGS) {
    mov_rr(e, SZ64, RDI, RBX);
    rc_calls_c(t);
    call_abs(e, (const void *)cpu_get_flags);
    mov_m_r(e, SZ32, RBX, OFF(eflags), RAX);
    mov_m_i32(e, RBX, OFF(cc_op), CC_EFLAGS);
  }
  ld_greg(t, SZ32, RSI, in->rm);
  shift_ri(e, SZ32, (int)n, RSI, (uint8_t)cnt);
  mov_rr(e, SZ32, RDX, RSI);
  if (n == 0) {
    alu_ri(e, SZ32, ALU_AND, RDX, 1);               /* CF = bit 0 */
    mov_rr(e, SZ32, RAX, RSI);
    shift_ri(e, SZ32, 5, RAX, 31);                  /* MSB */
    alu_rr(e, SZ32, ALU_XOR, RAX, RDX);             /* OF = MSB ^ CF */
  } else {
    shift_ri(e, SZ32, 5, RDX, 31);                  /* CF = MSB */
    mov_rr(e, SZ32, RAX, RSI);
    shift_ri(e, SZ32, 5, RAX, 30);
    mov_rr(e, SZ32, RCX, RAX);
    shift_ri(e, SZ32, 5, RCX, 1);
    alu_rr(e, SZ32, ALU_XOR, RAX, RCX);
    alu_ri(e, SZ32, ALU_AND, RAX, 1);               /* OF = bit31 ^ bit30 */
  }
  shift_ri(e, SZ32, 4, RAX, 11);
  alu_rr(e, SZ32, ALU_OR, RDX, RAX);
  mov_r_m(e, SZ32, RAX, RBX, OFF(eflags));
  alu_ri(e, SZ32, ALU_AND, RAX, (int32_t)~(F_CF | F_OF));
  alu_rr(e, SZ32, ALU_OR, RAX, RDX);
  mov_m_r(e, SZ32, RBX, OFF(eflags), RAX);
  st_greg(t, SZ32, in->rm, RSI);
  return true;
}

static bool tr_shift(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  unsigned op = in->op, n = in->reg;
  if ((op == 0xc1 || op == 0xd1) && n <= 1)
    return tr_rotate(t, k);
  if ((op != 0xc1 && op != 0xd1 && op != 0xd3) || (in->flags & INSN_MEM) || (n != 4 && n != 5 && n != 7))
    return false;
  int sz = vsz(in);
  unsigned bits = sz == SZ32 ? 32 : 16;
  Fixup skip = NULL;
  if (op == 0xd3) {
    if (sz != SZ32)
      return false;
    if (t->fdead[k]) {
      ld_greg(t, SZ32, RCX, R_ECX);
      op_rr(e, sz, 0xd3, (int)n, rc_def(t, in->rm)); /* the host masks the count as the guest does */
      return true;
    }
    ld_greg(t, sz, RSI, in->rm); /* before the branch: both paths have it cached */
    ld_greg(t, SZ32, RCX, R_ECX);
    alu_ri(e, SZ32, ALU_AND, RCX, 31);
    skip = jcc_fwd(e, CC_E);
    mov_rr(e, SZ32, RAX, RSI);
    op_rr(e, sz, 0xd3, (int)n, RSI); /* shift esi, cl */
  } else {
    unsigned cnt = op == 0xd1 ? 1 : (in->imm & 31);
    if (cnt == 0)
      return true; /* no effect at all */
    if (cnt >= bits)
      return false;
    if (t->fdead[k] && sz == SZ32) {
      shift_ri(e, SZ32, (int)n, rc_def(t, in->rm), (uint8_t)cnt);
      return true;
    }
    ld_greg(t, sz, RSI, in->rm);
    if (t->fdead[k]) {
      shift_ri(e, sz, (int)n, RSI, (uint8_t)cnt);
      st_greg(t, sz, in->rm, RSI);
      return true;
    }
    mov_rr(e, SZ32, RAX, RSI);
    mov_ri_keepflags(e, RCX, cnt);
    shift_ri(e, sz, (int)n, RSI, (uint8_t)cnt);
  }
  /* The lazy record the handlers make: operand, count, result. */
  st_cc(t, (uint32_t)(shift_cc_kind(n) + sz), RAX, RCX, RSI);
  st_greg(t, sz, in->rm, RSI);
  if (skip)
    bind(e, skip);
  return true;
}

/* The r/m operand (size sz) of instruction k, zero-extended into h; memory through the slow stub s. */
static void ld_rm(Tr *t, Stub *s, int k, int sz, int h) {
  const Insn *in = &t->b->insn[k];
  if (in->flags & INSN_MEM) {
    emit_ea(t, in);
    emit_mem(t, s, in->seg, nbytes_of(sz), false);
    ld_host(t, sz, h);
  } else {
    ld_greg(t, sz, h, in->rm);
  }
}

/*
 * EFLAGS after a multiply (the handlers' set_mul_flags): CF = OF = the
 * host's overflow (taken right after the host multiply, in DIL), SF/ZF/PF
 * from the low result in `low`, AF clear; cc_op becomes CC_EFLAGS.
 */
static void mul_flags(Tr *t, int low) {
  Emit *e = &t->e;
  if (t->fdead[t->cur])
    return;
  test_rr(e, SZ32, low, low);
  e8(e, 0x9f);                           /* lahf */
  e8(e, 0x0f); e8(e, 0xb6); e8(e, 0xd4); /* movzx edx, ah */
  alu_ri(e, SZ32, ALU_AND, RDX, (int32_t)(F_SF | F_ZF | F_PF));
  movzx_rr(e, SZ8, RCX, RCX);            /* CL = overflow (0/1) */
  mov_rr(e, SZ32, RAX, RCX);
  shift_ri(e, SZ32, 4, RAX, 11);         /* OF */
  alu_rr(e, SZ32, ALU_OR, RAX, RCX);     /* CF */
  alu_rr(e, SZ32, ALU_OR, RDX, RAX);
  mov_r_m(e, SZ32, RAX, RBX, OFF(eflags));
  alu_ri(e, SZ32, ALU_AND, RAX, (int32_t)~F_ARITH);
  alu_rr(e, SZ32, ALU_OR, RAX, RDX);
  mov_m_r(e, SZ32, RBX, OFF(eflags), RAX);
  mov_m_i32(e, RBX, OFF(cc_op), CC_EFLAGS);
}

/* 32-bit MUL/IMUL/DIV (F7 /4 /5 /6), IMUL Gv,Ev (0F AF) and IMUL Gv,Ev,imm (69, 6B). */
static bool tr_muldiv(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  unsigned op = in->op;
  if (!(in->flags & INSN_O32))
    return false;
  bool f7 = op == 0xf7 && (in->reg == 4 || in->reg == 5 || in->reg == 6);
  if (!f7 && op != 0x1af && op != 0x69 && op != 0x6b)
    return false;
  Stub *s = slow_stub(t, k);
  ld_rm(t, s, k, SZ32, RSI);
  if (op == 0xf7 && in->reg == 6) {
    test_rr(e, SZ32, RSI, RSI);
    stub_jcc(t, s, CC_E);                       /* #DE: the handler raises it */
    ld_greg(t, SZ32, RAX, R_EAX);
    ld_greg(t, SZ32, RDX, R_EDX);
    alu_rr(e, SZ32, ALU_CMP, RDX, RSI);
    stub_jcc(t, s, CC_AE);                      /* quotient too big: #DE */
    op_rr(e, SZ32, 0xf7, 6, RSI);               /* div esi */
    st_greg(t, SZ32, R_EAX, RAX);
    st_greg(t, SZ32, R_EDX, RDX);
  } else if (op == 0xf7) {
    ld_greg(t, SZ32, RAX, R_EAX);
    op_rr(e, SZ32, 0xf7, (int)in->reg, RSI);   /* mul/imul esi: EDX:EAX */
    e8(e, 0x0f); e8(e, 0x90); e8(e, 0xc1);      /* seto cl */
    st_greg(t, SZ32, R_EAX, RAX);
    st_greg(t, SZ32, R_EDX, RDX);
    mov_rr(e, SZ32, RSI, RAX);
    mul_flags(t, RSI);
  } else {
    if (op == 0x1af)
      ld_greg(t, SZ32, RDI, in->reg);
    else
      mov_ri_keepflags(e, RDI, in->imm);
    imul_rr(e, RSI, RDI);
    e8(e, 0x0f); e8(e, 0x90); e8(e, 0xc1);      /* seto cl */
    st_greg(t, SZ32, in->reg, RSI);
    mul_flags(t, RSI);
  }
  stub_resume(t, s);
  return true;
}

/* CMOVcc Gv,Ev (32-bit) and SETcc Eb on a register. */
static bool tr_cmov_setcc(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  Emit *e = &t->e;
  unsigned op = in->op;
  if (op >= 0x190 && op <= 0x19f) {
    if (in->flags & INSN_MEM)
      return false;
    int hcc = emit_cond(t, op & 0xf);
    setcc_r(e, hcc, RAX);
    st_greg(t, SZ8, in->rm, RAX);
    return true;
  }
  if (!(op >= 0x140 && op <= 0x14f) || !(in->flags & INSN_O32))
    return false;
  int hcc = emit_cond(t, op & 0xf);
  setcc_r(e, hcc, RDX);
  movzx_rr(e, SZ8, RDI, RDX);
  Stub *s = NULL;
  if (in->flags & INSN_MEM) {
    s = slow_stub(t, k);
    ld_rm(t, s, k, SZ32, RSI); /* the source is read whatever the condition */
  } else {
    ld_greg(t, SZ32, RSI, in->rm);
  }
  rc_get(t, in->reg); /* cached on both paths */
  test_rr(e, SZ32, RDI, RDI);
  Fixup no = jcc_fwd(e, CC_E);
  st_greg(t, SZ32, in->reg, RSI);
  bind(e, no);
  if (s)
    stub_resume(t, s);
  return true;
}

/* Inline translation of instruction k, or false (then the handler is called). */
static bool tr_inline(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  unsigned op = in->op;
  if (in->flags & INSN_LOCK)
    return false;
  int szv = vsz(in);
  if (op < 0x40 && (op & 7) < 6) {
    unsigned aop = op >> 3;
    if (aop == ALU_ADC || aop == ALU_SBB) {
      bool sbb = aop == ALU_SBB;
      switch (op & 7) {
      case 0: return tr_adcsbb(t, k, sbb, SZ8, true, false, 0);
      case 1: return tr_adcsbb(t, k, sbb, szv, true, false, 0);
      case 2: return tr_adcsbb(t, k, sbb, SZ8, false, false, 0);
      case 3: return tr_adcsbb(t, k, sbb, szv, false, false, 0);
      default: return false;
      }
    }
    switch (op & 7) {
    case 0: return tr_alu(t, k, (int)aop, SZ8, true, false, 0);
    case 1: return tr_alu(t, k, (int)aop, szv, true, false, 0);
    case 2: return tr_alu(t, k, (int)aop, SZ8, false, false, 0);
    case 3: return tr_alu(t, k, (int)aop, szv, false, false, 0);
    case 4: {
      Insn *w = &t->b->insn[k]; /* AL, imm8: as Eb form with rm = AL */
      w->rm = R_EAX;
      return tr_alu(t, k, (int)aop, SZ8, true, true, in->imm & 0xff);
    }
    default: {
      Insn *w = &t->b->insn[k];
      w->rm = R_EAX;
      return tr_alu(t, k, (int)aop, szv, true, true, szv == SZ32 ? in->imm : (in->imm & 0xffff));
    }
    }
  }
  if (op >= 0x80 && op <= 0x83 && (in->reg == ALU_ADC || in->reg == ALU_SBB)) {
    int sz = (op == 0x80 || op == 0x82) ? SZ8 : szv;
    uint32_t m = sz == SZ8 ? 0xffu : sz == SZ16 ? 0xffffu : 0xffffffffu;
    return tr_adcsbb(t, k, in->reg == ALU_SBB, sz, true, true, in->imm & m);
  }
  if (op >= 0x80 && op <= 0x83 && in->reg != ALU_ADC && in->reg != ALU_SBB) {
    int sz = (op == 0x80 || op == 0x82) ? SZ8 : szv;
    uint32_t m = sz == SZ8 ? 0xffu : sz == SZ16 ? 0xffffu : 0xffffffffu;
    return tr_alu(t, k, in->reg, sz, true, true, in->imm & m);
  }
  if (op == 0x88) return tr_mov(t, k, SZ8, true);
  if (op == 0x89) return tr_mov(t, k, szv, true);
  if (op == 0x8a) return tr_mov(t, k, SZ8, false);
  if (op == 0x8b) return tr_mov(t, k, szv, false);
  if (op == 0xc6 && in->reg == 0) return tr_mov_imm_or_moffs(t, k, SZ8, false, true);
  if (op == 0xc7 && in->reg == 0) return tr_mov_imm_or_moffs(t, k, szv, false, true);
  if (op == 0xa0) return tr_mov_imm_or_moffs(t, k, SZ8, true, false);
  if (op == 0xa1) return tr_mov_imm_or_moffs(t, k, szv, true, false);
  if (op == 0xa2) return tr_mov_imm_or_moffs(t, k, SZ8, true, true);
  if (op == 0xa3) return tr_mov_imm_or_moffs(t, k, szv, true, true);
  if (op >= 0xb0 && op <= 0xb7) {
    mov_ri_keepflags(&t->e, RCX, in->imm & 0xff);
    st_greg(t, SZ8, op & 7, RCX);
    return true;
  }
  if (op >= 0xb8 && op <= 0xbf && szv == SZ32) {
    mov_ri_keepflags(&t->e, rc_def_full(t, op & 7), in->imm);
    return true;
  }
  if (op >= 0xb8 && op <= 0xbf) {
    mov_ri_keepflags(&t->e, RCX, in->imm);
    st_greg(t, szv, op & 7, RCX);
    return true;
  }
  if (op == 0x8d) return tr_lea(t, k);
  if (op == 0x1b6) return tr_movx(t, k, SZ8, false);
  if (op == 0x1b7) return tr_movx(t, k, SZ16, false);
  if (op == 0x1be) return tr_movx(t, k, SZ8, true);
  if (op == 0x1bf) return tr_movx(t, k, SZ16, true);
  if (op >= 0x40 && op <= 0x4f) return tr_incdec(t, k, szv, op >= 0x48, true, op & 7);
  if ((op == 0xfe || op == 0xff) && in->reg <= 1)
    return tr_incdec(t, k, op == 0xfe ? SZ8 : szv, in->reg == 1, false, 0);
  if (op >= 0x50 && op <= 0x57) return tr_push(t, k, (int)(op & 7), 0);
  if (op == 0x68) return tr_push(t, k, PUSH_IMM, szv == SZ32 ? in->imm : (in->imm & 0xffff));
  if (op == 0x6a) return tr_push(t, k, PUSH_IMM, szv == SZ32 ? in->imm : (in->imm & 0xffff));
  if (op == 0xff && in->reg == 6) return tr_push_rm(t, k);
  if (op >= 0x58 && op <= 0x5f) return tr_pop(t, k, op & 7);
  if (op == 0x90 && !(in->flags & (INSN_REP | INSN_REPNE)))
    return true;
  return false;
}

/* TEST: like AND without the write; handled through tr_alu with ALU_AND and no store. */
static bool tr_test(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  unsigned op = in->op;
  int szv = vsz(in);
  Emit *e = &t->e;
  int sz;
  bool imm;
  uint32_t iv = 0;
  if (op == 0x84) sz = SZ8, imm = false;
  else if (op == 0x85) sz = szv, imm = false;
  else if (op == 0xa8) sz = SZ8, imm = true, iv = in->imm & 0xff;
  else if (op == 0xa9) sz = szv, imm = true, iv = szv == SZ32 ? in->imm : (in->imm & 0xffff);
  else if (op == 0xf6 && in->reg == 0) sz = SZ8, imm = true, iv = in->imm & 0xff;
  else if (op == 0xf7 && in->reg == 0) sz = szv, imm = true, iv = szv == SZ32 ? in->imm : (in->imm & 0xffff);
  else return false;
  Stub *s = NULL;
  if (op == 0xa8 || op == 0xa9) {
    ld_greg(t, sz, RSI, R_EAX);
  } else {
    s = (in->flags & INSN_MEM) ? slow_stub(t, k) : NULL;
    ld_rm(t, s, k, sz, RSI);
  }
  if (imm)
    mov_ri_keepflags(e, RDI, iv);
  else
    ld_greg(t, sz, RDI, in->reg);
  alu_compute(t, sz, ALU_AND, RAX, RSI, RDI);
  st_cc(t, (uint32_t)(CC_LOGIC8 + sz), RSI, RDI, RAX);
  if (s)
    stub_resume(t, s);
  else
    host_flags_are(t, CC_LOGIC8 + sz);
  return true;
}

static bool tr_one(Tr *t, int k) {
  const Insn *in = &t->b->insn[k];
  if (in->flags & INSN_LOCK)
    return false;
  if (in->op == 0x84 || in->op == 0x85 || in->op == 0xa8 || in->op == 0xa9 ||
      ((in->op == 0xf6 || in->op == 0xf7) && in->reg == 0))
    return tr_test(t, k);
  if (in->op == 0xc1 || in->op == 0xd1 || in->op == 0xd3)
    return tr_shift(t, k);
  if (in->op == 0xf7 || in->op == 0x1af || in->op == 0x69 || in->op == 0x6b)
    return tr_muldiv(t, k);
  if ((in->op >= 0x140 && in->op <= 0x14f) || (in->op >= 0x190 && in->op <= 0x19f))
    return tr_cmov_setcc(t, k);
  return tr_inline(t, k);
}

/* Instructions that must end a block although they are not jumps (mode bits). */
static bool ends_block(const Insn *in) {
  unsigned op = in->op;
  /* LSS: stack size (POP SS, with its interrupt shadow, is FL_JMP); POP
   * ES/DS/FS/GS, LES, LDS, LFS, LGS: a segment the block key may call flat
   * (jit.c jit_key). */
  return op == 0x1b2 || op == 0x07 || op == 0x1f || op == 0x1a1 || op == 0x1a9 || op == 0xc4 || op == 0xc5 ||
         op == 0x1b4 || op == 0x1b5;
}
/* After these, go back to the dispatch loop (TF, IF, CPL, mode may have changed). */
static bool exit_to_c(const Insn *in) {
  unsigned op = in->op;
  return !(op == 0xc3 || op == 0xc2 || (op == 0xff && (in->reg == 2 || in->reg == 4)));
}

/* ---- flags liveness ---- */

enum { FL_OBSERVE, FL_WRITE, FL_NEUTRAL, FL_PASS };
/*
 * How instruction in treats the arithmetic flags, for its inline,
 * stub-free translation: FL_WRITE replaces all six without reading them,
 * FL_NEUTRAL leaves them, FL_PASS reads them only to produce its own
 * (rotates, shifts by CL, INC/DEC: skipped with its flags when those are
 * dead).  FL_OBSERVE: anything else — a reader, a handler call, or an
 * inline form with a slow path (the handler may fault, and the exception
 * pushes EFLAGS).
 */
static int flag_class(const Insn *in) {
  unsigned op = in->op, r = in->reg;
  bool mem = (in->flags & INSN_MEM) != 0, o32 = (in->flags & INSN_O32) != 0;
  if (in->flags & (INSN_LOCK | INSN_REP | INSN_REPNE))
    return FL_OBSERVE;
  if (op < 0x40 && (op & 7) < 6 && (op >> 3) != ALU_ADC && (op >> 3) != ALU_SBB)
    return (op & 7) >= 4 || !mem ? FL_WRITE : FL_OBSERVE;
  if (op >= 0x80 && op <= 0x83)
    return r != ALU_ADC && r != ALU_SBB && !mem ? FL_WRITE : FL_OBSERVE;
  if (op == 0xa8 || op == 0xa9)
    return FL_WRITE;
  if (op == 0xe9 || op == 0xeb)
    return FL_NEUTRAL; /* JMP rel inside a block: merged (at the end the exit reads the flags anyway) */
  if (mem)
    return op == 0x8d ? FL_NEUTRAL : FL_OBSERVE;
  if (op == 0x84 || op == 0x85 || ((op == 0xf6 || op == 0xf7) && r == 0))
    return FL_WRITE;
  if ((op == 0xc1 || op == 0xd1) && (r == 4 || r == 5 || r == 7)) {
    unsigned cnt = op == 0xd1 ? 1 : (in->imm & 31);
    return cnt && (o32 || cnt < 16) ? FL_WRITE : FL_OBSERVE;
  }
  if (o32 && (op == 0x1af || op == 0x69 || op == 0x6b || (op == 0xf7 && (r == 4 || r == 5))))
    return FL_WRITE;
  if (o32 && (((op == 0xc1 || op == 0xd1) && r <= 1) || (op == 0xd3 && (r == 4 || r == 5 || r == 7))))
    return FL_PASS;
  if ((op >= 0x40 && op <= 0x4f) || ((op == 0xfe || op == 0xff) && r <= 1))
    return FL_PASS;
  if ((op >= 0x88 && op <= 0x8b) || (op >= 0xb0 && op <= 0xbf) || op == 0x1b6 || op == 0x1b7 || op == 0x1be ||
      op == 0x1bf || op == 0x90 || ((op == 0xc6 || op == 0xc7) && r == 0))
    return FL_NEUTRAL;
  return FL_OBSERVE;
}
/* fdead[k]: nothing reads the flags instruction k writes (the block's end reads them all). */
static void flags_liveness(Tr *t, const Insn *insn, unsigned n) {
  bool live = true;
  for (unsigned k = n; k-- > 0;) {
    t->fdead[k] = !live;
    switch (flag_class(&insn[k])) {
    case FL_WRITE: live = false; break;
    case FL_OBSERVE: live = true; break;
    default: break; /* FL_NEUTRAL, FL_PASS: the flags before are live exactly when those after are */
    }
  }
}

/* ---- stubs ---- */

static void emit_stubs(Tr *t) {
  Emit *e = &t->e;
  for (int i = 0; i < t->nst; i++) {
    Stub *s = &t->st[i];
    if (!s->nfx && !s->keep)
      continue;
    for (int f = 0; f < s->nfx; f++)
      bind(e, s->fx[f]);
    s->at = e->p;
    switch (s->kind) {
    case STUB_SLOW: {
      const Insn *in = &t->b->insn[s->k];
      uint32_t next = (t->b->ieip[s->k] + in->len) & t->wrap;
      rc_writeback(t, s->dirty);
      if (s->pend)
        alu_ri(e, SZ64, ALU_ADD, R15, (int32_t)s->pend);
      call_handler(t, s->k);
      if (!s->resume) {
        /* A terminator redone by its handler: leave with its next EIP. */
        alu_ri(e, SZ64, ALU_ADD, R15, 1);
        jmp_to(e, t->j->to_c_rw);
        break;
      }
      /* The handler may have written this block's code (or moved its ROM). */
      {
        mov_ri64(e, RAX, (uint64_t)(uintptr_t)t->b->genp);
        alu_mi(e, SZ32, ALU_CMP, RAX, 0, (int32_t)t->b->gen);
        Fixup ok = jcc_fwd(e, CC_E);
        mov_m_i32(e, RBX, OFF(eip), next);
        alu_ri(e, SZ64, ALU_ADD, R15, 1);
        jmp_to(e, t->j->exit0_rw);
        bind(e, ok);
      }
      if (s->pend)
        lea64_m(e, R15, R15, -(int32_t)s->pend); /* LEA: the host flags may matter below */
      rc_reload(t, s->reload);
      if (s->regen_cc)
        regen_host_flags(e, s->regen_cc); /* the inline path left the guest's flags in the host's */
      jmp_to(e, s->resume);
      break;
    }
    case STUB_EXIT_AT:
      rc_writeback(t, s->dirty);
      mov_m_i32(e, RBX, OFF(eip), s->eip);
      if (s->pend)
        alu_ri(e, SZ64, ALU_ADD, R15, (int32_t)s->pend);
      jmp_to(e, t->j->exit0_rw);
      break;
    case STUB_SIDE:
      /* A Jcc taken in the middle of the block: its direct exit, with the
       * registers dirty at the Jcc written back. */
      t->dirty = s->dirty;
      t->loaded = s->reload;
      t->pend = s->pend;
      direct_exit(t, s->eip);
      break;
    case STUB_TO_C:
      rc_writeback(t, s->dirty);
      if (s->pend)
        alu_ri(e, SZ64, ALU_ADD, R15, (int32_t)s->pend);
      jmp_to(e, t->j->to_c_rw);
      break;
    }
  }
}

/* ---- the block ---- */

/*
 * Does the block go on through JMP rel in (its next EIP `next`) at the
 * target instead of ending?  Only for 32-bit code with a 4 GiB CS (no
 * limit check, no 16-bit wrap), a 32-bit operand and a target on the
 * block's own linear page other than its first instruction (so the block
 * stays one page's, for self-modifying-code tracking, and does not unroll
 * its own loop).
 */
static bool merge_jmp(const Cpu *c, const Insn *in, uint32_t start, uint32_t next) {
  if ((in->op != 0xe9 && in->op != 0xeb) || !(in->flags & INSN_O32) || !(c->jit_mode & JIT_MODE_CS_4G) ||
      !(c->jit_mode & CPU_MODE_CS32))
    return false;
  uint32_t base = c->seg[S_CS].base, tgt = next + in->imm;
  return tgt != start && ((base + tgt) >> PAGE_SHIFT) == ((base + start) >> PAGE_SHIFT);
}

/*
 * Does the block go on past the Jcc in (at its fall-through) instead of
 * ending, the taken branch becoming a side exit (tr_side_exit)?  As for
 * merge_jmp: 32-bit code, a 4 GiB CS (the target needs no limit check), a
 * 32-bit operand; and inline translation on (the side exit is inline code).
 */
static bool jcc_goes_on(const Cpu *c, const Insn *in) {
  return ((in->op >= 0x70 && in->op <= 0x7f) || (in->op >= 0x180 && in->op <= 0x18f)) && (in->flags & INSN_O32) &&
         (c->jit_mode & JIT_MODE_CS_4G) && (c->jit_mode & CPU_MODE_CS32) && !c->jit->no_inline;
}

static JitBlock *translate_once(Cpu *c, uint32_t pa, unsigned maxn, bool *retry) {
  Jit *j = c->jit;
  *retry = false;
  uint32_t eip = c->eip;
  const SegCache *cs = &c->seg[S_CS];
  uint32_t ppage = pa >> PAGE_SHIFT;
  const uint8_t *host = mem_page_code_ptr(c->mem, ppage);
  if (!host)
    return NULL;
  bool ram = ppage < (c->mem->ram_size >> PAGE_SHIFT);
  unsigned limit = maxn ? maxn : JIT_MAX_INSNS;
  static Insn dec[JIT_MAX_INSNS]; /* decoded here first; the record gets exactly n */
  static uint32_t dec_eip[JIT_MAX_INSNS];
  Insn *insn = dec;
  uint32_t *ieip = dec_eip;
  uint32_t key = (c->mode & CPU_MODE_CS32) ? 1 : 0;
  uint32_t wrap = key ? 0xffffffffu : 0xffffu;
  uint32_t off = pa & PAGE_MASK, ip = eip;
  unsigned n = 0, merged = 0, sides = 0;
  while (n < limit) {
    Insn *in = &insn[n];
    int r = x86_decode(host + off, PAGE_SIZE - off, (int)key, in);
    if (r <= 0 || ip + (uint32_t)r - 1 > cs->limit || (!key && ip + (uint32_t)r > 0x10000))
      break;
    ieip[n++] = ip;
    off += (uint32_t)r;
    ip = (ip + (uint32_t)r) & wrap;
    if (n < limit && merged < JIT_MAX_MERGED_JMPS && merge_jmp(c, in, eip, ip)) {
      /* JMP rel to the same page: the block goes on at the target. */
      ip += in->imm;
      off = (cs->base + ip) & PAGE_MASK;
      merged++;
      continue;
    }
    if (n < limit && sides < JIT_MAX_SIDE_EXITS && off < PAGE_SIZE && jcc_goes_on(c, in)) {
      sides++; /* the taken branch becomes a side exit; the block goes on at the fall-through */
      continue;
    }
    if ((x86_op_rows[in->id - 1].flags & FL_JMP) || ends_block(in) || off >= PAGE_SIZE)
      break;
  }
  if (!n)
    return NULL;
  JitBlock *b = jit_arena_alloc(j, sizeof(JitBlock));
  Insn *rin = jit_arena_alloc(j, sizeof(Insn) * n);
  uint32_t *rip = jit_arena_alloc(j, sizeof(uint32_t) * n * 2);
  if (!b || !rin || !rip)
    return NULL;
  memset(b, 0, sizeof *b);
  memcpy(rin, dec, sizeof(Insn) * n);
  memcpy(rip, dec_eip, sizeof(uint32_t) * n);
  insn = rin;
  b->insn = rin;
  b->ieip = ieip = rip;
  b->hoff = rip + n;
  if (ram) {
    if (mem_mark_code(c->mem, ppage))
      tlb_flush(c); /* drop write pointers to the page that now holds code */
    for (unsigned k = 0; k < n; k++) /* per instruction: a merged JMP makes the bytes two runs */
      mem_mark_code_bytes(c->mem, (pa & ~PAGE_MASK) | ((cs->base + ieip[k]) & PAGE_MASK), insn[k].len);
  }
  b->pa = pa;
  b->eip = eip;
  b->csbase = cs->base;
  b->mode = c->jit_mode; /* set by block_for() just before */
  b->genp = mem_page_genp(c->mem, ppage);
  b->gen = *b->genp;
  b->n = (uint16_t)n;
  b->trunc = (uint16_t)maxn;

  static Tr tr; /* large; translation is not re-entrant */
  Tr *t = &tr;
  memset(t, 0, offsetof(Tr, st));
  t->nst = 0;
  t->c = c;
  t->j = j;
  t->b = b;
  t->ram = ram;
  t->wrap = wrap;
  t->last_cc = -1;
  t->loaded = t->dirty = RC_ALL; /* on entry every register is in its host register, maybe newer */
  flags_liveness(t, insn, n);
  t->hf_k = -1;
  size_t avail;
  uint8_t *start = jit_code_alloc_begin(j, &avail);
  t->e.p = start;
  t->e.end = start + avail;
  Emit *e = &t->e;

  /* Entry: five bytes that jit.c overwrites with a jump to the stale exit
   * when the page's code is written or its mapping changes
   * (jit_code_written), so a live block checks nothing on entry. */
  Stub *stale = NULL;
  {
    stale = stub_new(t, STUB_EXIT_AT);
    stale->eip = eip;
    stale->keep = true;
    stale->dirty_set = true;
    stale->dirty = RC_ALL; /* as on entry: every register to store */
    nop5(e);
  }
  for (unsigned k = 0; k < n; k++) {
    const Insn *in = &insn[k];
    b->hoff[k] = (uint32_t)(e->p - start);
    t->cur = (int)k;
    uint32_t next = (ieip[k] + in->len) & wrap;
    bool last = k == n - 1;
    bool jmp = (x86_op_rows[in->id - 1].flags & FL_JMP) != 0;
    if (jmp && !last) {
      if (in->op == 0xe9 || in->op == 0xeb)
        t->pend++; /* a merged JMP rel: the next instruction is its target */
      else
        tr_side_exit(t, (int)k); /* a Jcc the block goes on past */
      continue;
    }
    if (last && jmp) {
      if (!j->no_inline && tr_branch(t, (int)k))
        break;
      /* Terminator through its handler. */
      sync_icount(t);
      rc_spill(t);
      call_handler(t, (int)k);
      t->pend = 1;
      sync_icount(t);
      {
        Stub *s = stub_new(t, STUB_TO_C);
        gen_check(t, s);
      }
      if (is_rel_branch(in->op)) {
        uint32_t tgt = branch_target(t, (int)k);
        mov_r_m(e, SZ32, RAX, RBX, OFF(next_eip));
        alu_ri(e, SZ32, ALU_CMP, RAX, (int32_t)next);
        Fixup fall = jcc_fwd(e, CC_E);
        alu_ri(e, SZ32, ALU_CMP, RAX, (int32_t)tgt);
        Fixup taken = jcc_fwd(e, CC_E);
        jmp_to(e, j->indirect_rw);
        bind(e, fall);
        direct_exit(t, next);
        bind(e, taken);
        direct_exit(t, tgt);
      } else if (in->op == 0x9d || in->op == 0xfb) {
        /* POPF, STI: back to C only for what the dispatch loop must see —
         * TF set, or an interrupt waiting that IF now lets in.  After STI
         * with nothing waiting, the shadow matters only if the slice ends
         * here (a timer may raise an interrupt before the next instruction):
         * then back to C with inhibit_irq set, so that C runs that
         * instruction first; else the next block runs at least one
         * instruction before any interrupt check, and the shadow is over. */
        if (in->op == 0x9d) {
          test_mi(e, RBX, OFF(eflags), F_TF);
          jcc_to(e, CC_NE, j->to_c_rw);
        }
        movzx_m(e, SZ8, RAX, RBX, OFF(intr));
        test_rr(e, SZ32, RAX, RAX);
        if (in->op == 0x9d) {
          Fixup none = jcc_fwd(e, CC_E);
          test_mi(e, RBX, OFF(eflags), F_IF);
          jcc_to(e, CC_NE, j->to_c_rw);
          bind(e, none);
        } else {
          jcc_to(e, CC_NE, j->to_c_rw);
          op_mem(e, SZ64, 0x3b, R15, RBX, OFF(jit_limit)); /* cmp r15 (icount, STI counted), [jit_limit] */
          jcc_to(e, CC_AE, j->to_c_rw);
          mov_m_r(e, SZ8, RBX, OFF(inhibit_irq), RAX); /* AL = 0 here */
        }
        direct_exit(t, next);
      } else if (exit_to_c(in)) {
        jmp_to(e, j->to_c_rw);
      } else {
        jmp_to(e, j->indirect_rw);
      }
      break;
    }
    if (!j->no_inline && tr_one(t, (int)k)) {
      t->pend++;
      if (t->hf_k == (int)k - 1 && keeps_host_flags(in))
        t->hf_k = (int)k; /* the host flags still hold that result after this one */
    } else {
      sync_icount(t);
      rc_spill(t);
      call_handler(t, (int)k);
      t->pend = 1;
      /* REP string instructions resume themselves: leave when EIP is not next. */
      alu_mi(e, SZ32, ALU_CMP, RBX, OFF(next_eip), (int32_t)next);
      Stub *s = stub_new(t, STUB_TO_C);
      s->pend = 1;
      stub_jcc(t, s, CC_NE);
      Stub *g = stub_new(t, STUB_EXIT_AT);
      g->eip = next;
      g->pend = 1;
      gen_check(t, g);
    }
    if (flags_neutral(in)) {
      /* keep last_cc */
    } else {
      t->last_cc = cc_after(in);
    }
    if (last) {
      if (ends_block(in)) {
        sync_icount(t);
        rc_writeback(t, t->dirty);
        mov_m_i32(e, RBX, OFF(eip), next);
        jmp_to(e, j->exit0_rw);
      } else {
        direct_exit(t, next);
      }
    }
  }
  emit_stubs(t);
  if (e->full || t->overflow) {
    *retry = e->full;
    return NULL;
  }
  size_t used = (size_t)(e->p - start);
  b->code = start - j->delta;
  /* Blocks outside RAM share the list after the last RAM page's. */
  uint32_t slot = ram ? ppage : j->npages;
  b->stale_off = (uint32_t)(stale->at - start);
  b->pnext = j->page_blocks[slot];
  j->page_blocks[slot] = b;
  b->code_size = (uint32_t)used;
  jit_code_alloc_end(j, used);
  j->stats.blocks++;
  j->stats.live_blocks++;
  if (j->dump)
    jit_list_block(j->dump, c, b);
  if (j->perf_map) {
    fprintf(j->perf_map, "%" PRIxPTR " %" PRIx32 " x86vm:%08" PRIx32 "+%08" PRIx32 "\n", (uintptr_t)b->code, b->code_size,
            b->csbase, b->eip);
    fflush(j->perf_map);
  }
  return b;
}

JitBlock *jit_translate(Cpu *c, uint32_t pa, unsigned maxn) {
  Jit *j = c->jit;
  if (jit_over_budget(j))
    jit_full_flush(j);
  bool retry;
  ArenaChunk *chunk = j->arena;
  size_t mark = j->arena_used;
  JitBlock *b = translate_once(c, pa, maxn, &retry);
  if (!b && j->arena == chunk)
    j->arena_used = mark; /* a failed translation leaves no records behind */
  if (!b && retry) {
    jit_full_flush(j);
    b = translate_once(c, pa, maxn, &retry);
  }
  return b;
}
