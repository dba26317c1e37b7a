/*
 * exec.h — helpers shared by the instruction handlers (src/cpu/ops_*.c):
 * register access, effective addresses, segment-checked memory access,
 * operand read/write by ModRM form, stack, and lazy flags.
 *
 * Every helper that can fault does so through cpu_raise() before any
 * architectural state is changed, so handlers keep instructions restartable
 * by doing all faulting accesses (reads, write checks) before their first
 * register or memory write.
 */
#ifndef X86VM_EXEC_H
#define X86VM_EXEC_H

#include "cpu.h"
#include "decode.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* x86_decode()'s mode for the code the CPU runs now: code size and CPU model. */
static inline uint32_t cpu_decode_mode(const Cpu *c) {
  return ((c->mode & CPU_MODE_CS32) ? DEC_MODE_32 : 0u) | (cpu_is_286(c) ? DEC_MODE_286 : 0u);
}

/* ---- registers ---- */
static inline uint8_t reg8(const Cpu *c, unsigned n) {
  return n < 4 ? (uint8_t)c->regs[n] : (uint8_t)(c->regs[n - 4] >> 8);
}
static inline void set_reg8(Cpu *c, unsigned n, uint8_t v) {
  if (n < 4)
    c->regs[n] = (c->regs[n] & 0xffffff00u) | v;
  else
    c->regs[n - 4] = (c->regs[n - 4] & 0xffff00ffu) | ((uint32_t)v << 8);
}
static inline uint16_t reg16(const Cpu *c, unsigned n) { return (uint16_t)c->regs[n]; }
static inline void set_reg16(Cpu *c, unsigned n, uint16_t v) {
  c->regs[n] = (c->regs[n] & 0xffff0000u) | v;
}
/* Operand-size register access: v is 16 or 32 bits by INSN_O32. */
static inline uint32_t regv(const Cpu *c, const Insn *in, unsigned n) {
  return (in->flags & INSN_O32) ? c->regs[n] : (uint16_t)c->regs[n];
}
static inline void set_regv(Cpu *c, const Insn *in, unsigned n, uint32_t v) {
  if (in->flags & INSN_O32)
    c->regs[n] = v;
  else
    set_reg16(c, n, (uint16_t)v);
}

/* ---- effective address ---- */
static inline uint32_t ea_offset(const Cpu *c, const Insn *in) {
  uint32_t a = (uint32_t)in->disp;
  if (in->base != REG_NONE)
    a += c->regs[in->base];
  if (in->index != REG_NONE)
    a += c->regs[in->index] << in->scale;
  return (in->flags & INSN_A32) ? a : (a & 0xffffu);
}

/* ---- segment checks ---- */
_Noreturn void seg_fault(Cpu *c, int seg); /* #GP(0) or #SS(0) for a bad access */

/* Does an access of size bytes at seg:off pass the segment checks (limit, rights)? */
static inline bool seg_ok(const Cpu *c, int s, uint32_t off, uint32_t size, bool write) {
  const SegCache *sc = &c->seg[s];
  uint16_t f = sc->flags;
  if (likely((f & (SF_CODE | SF_DC)) != SF_DC)) {
    if (unlikely(off > sc->limit || sc->limit - off < size - 1))
      return false;
  } else { /* expand-down data */
    uint32_t upper = (f & SF_DB) ? 0xffffffffu : 0xffffu;
    if (unlikely(off <= sc->limit || off > upper || upper - off < size - 1))
      return false;
  }
  if (write)
    return likely((f & (SF_CODE | SF_RW | SF_P)) == (SF_RW | SF_P));
  return likely((f & SF_P) && (f & (SF_CODE | SF_RW)) != SF_CODE);
}

/* Linear address of seg:off for an access of size bytes; faults on limit or rights. */
static inline uint32_t seg_lin(Cpu *c, int s, uint32_t off, uint32_t size, bool write) {
  if (unlikely(!seg_ok(c, s, off, size, write)))
    seg_fault(c, s);
  return c->seg[s].base + off;
}

/* ---- code fetch through the TLB (engines' block lookup: no walk, no fault) ---- */
/* Linear and physical address of CS:EIP when the TLB holds its page for a fetch. */
static inline bool fetch_tlb(const Cpu *c, uint32_t *lin_out, uint32_t *pa_out) {
  uint32_t eip = c->eip;
  const SegCache *cs = &c->seg[S_CS];
  if (unlikely(eip > cs->limit))
    return false;
  uint32_t lin = cs->base + eip;
  const TlbEntry *te = &c->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = c->cpl == 3 ? TLB_R_USER : TLB_R_SUP;
  if (unlikely(te->vpage != lin >> PAGE_SHIFT || !(te->perm & need)))
    return false;
  *lin_out = lin;
  *pa_out = ((te->ppage << PAGE_SHIFT) | (lin & PAGE_MASK)) & c->mem->a20_mask;
  return true;
}

/* Does code at linear lin / physical pa lie on a page with a debugger
 * execution breakpoint (Cpu.brk_lin / brk_phys, which must be set)? */
static inline bool cpu_brk_page(const Cpu *c, uint32_t lin, uint32_t pa) {
  uint32_t lp = lin >> PAGE_SHIFT, pp = pa >> PAGE_SHIFT;
  return ((c->brk_lin[lp >> 3] >> (lp & 7)) & 1) | ((c->brk_phys[pp >> 3] >> (pp & 7)) & 1);
}

/* ---- inline TLB fast paths (little-endian hosts; others always call mmu.c) ---- */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TLB_FAST_LE 1
#else
#define TLB_FAST_LE 0
#endif
/* Host pointer for an access of size bytes at lin, or NULL (slow path in mmu.c). */
static inline uint8_t *tlb_host(Cpu *c, uint32_t lin, uint32_t size, bool write) {
  const TlbEntry *e = &c->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = write ? (c->cpl == 3 ? TLB_W_USER : TLB_W_SUP) : (c->cpl == 3 ? TLB_R_USER : TLB_R_SUP);
  uint8_t *h = write ? e->whost : e->host;
  if (TLB_FAST_LE && likely(e->vpage == lin >> PAGE_SHIFT && (e->perm & need) && h &&
                            (lin & PAGE_MASK) <= PAGE_SIZE - size))
    return h + (lin & PAGE_MASK);
  return NULL;
}
static inline uint16_t fast_read16(Cpu *c, uint32_t lin) {
  uint8_t *h = tlb_host(c, lin, 2, false);
  if (h) { uint16_t v; __builtin_memcpy(&v, h, 2); return v; }
  return lin_read16(c, lin);
}
static inline uint32_t fast_read32(Cpu *c, uint32_t lin) {
  uint8_t *h = tlb_host(c, lin, 4, false);
  if (h) { uint32_t v; __builtin_memcpy(&v, h, 4); return v; }
  return lin_read32(c, lin);
}
static inline uint8_t fast_read8(Cpu *c, uint32_t lin) {
  uint8_t *h = tlb_host(c, lin, 1, false);
  return h ? *h : lin_read8(c, lin);
}
static inline void fast_write8(Cpu *c, uint32_t lin, uint8_t v) {
  uint8_t *h = tlb_host(c, lin, 1, true);
  if (h) *h = v; else lin_write8(c, lin, v);
}
static inline void fast_write16(Cpu *c, uint32_t lin, uint16_t v) {
  uint8_t *h = tlb_host(c, lin, 2, true);
  if (h) __builtin_memcpy(h, &v, 2); else lin_write16(c, lin, v);
}
static inline void fast_write32(Cpu *c, uint32_t lin, uint32_t v) {
  uint8_t *h = tlb_host(c, lin, 4, true);
  if (h) __builtin_memcpy(h, &v, 4); else lin_write32(c, lin, v);
}

/* ---- segment-relative memory ---- */
/*
 * Host pointer for an access of size bytes at seg:off when it needs neither
 * a fault nor the slow path: a present data segment (writable for a write)
 * that is not expand-down, off within its limit, and a TLB hit with a host
 * pointer.  NULL: take the full path (seg_lin, lin_*), which faults when it
 * must.  Handlers use it for a fast path that falls back to the full one.
 */
static inline uint8_t *seg_host(Cpu *c, int s, uint32_t off, uint32_t size, bool write) {
  const SegCache *sc = &c->seg[s];
  const uint16_t mask = SF_P | SF_CODE | SF_DC | (write ? SF_RW : 0);
  const uint16_t want = write ? (SF_P | SF_RW) : SF_P;
  if (unlikely((sc->flags & mask) != want || off > sc->limit || sc->limit - off < size - 1))
    return NULL;
  return tlb_host(c, sc->base + off, size, write);
}
static inline uint16_t ld16(const uint8_t *h) { uint16_t v; __builtin_memcpy(&v, h, 2); return v; }
static inline uint32_t ld32(const uint8_t *h) { uint32_t v; __builtin_memcpy(&v, h, 4); return v; }
static inline void st16(uint8_t *h, uint16_t v) { __builtin_memcpy(h, &v, 2); }
static inline void st32(uint8_t *h, uint32_t v) { __builtin_memcpy(h, &v, 4); }
/* Full paths, out of line so the fast paths stay small. */
static __attribute__((noinline, unused)) uint8_t vread8_full(Cpu *c, int s, uint32_t off) {
  return fast_read8(c, seg_lin(c, s, off, 1, false));
}
static __attribute__((noinline, unused)) uint16_t vread16_full(Cpu *c, int s, uint32_t off) {
  return fast_read16(c, seg_lin(c, s, off, 2, false));
}
static __attribute__((noinline, unused)) uint32_t vread32_full(Cpu *c, int s, uint32_t off) {
  return fast_read32(c, seg_lin(c, s, off, 4, false));
}
static __attribute__((noinline, unused)) void vwrite8_full(Cpu *c, int s, uint32_t off, uint8_t v) {
  fast_write8(c, seg_lin(c, s, off, 1, true), v);
}
static __attribute__((noinline, unused)) void vwrite16_full(Cpu *c, int s, uint32_t off, uint16_t v) {
  fast_write16(c, seg_lin(c, s, off, 2, true), v);
}
static __attribute__((noinline, unused)) void vwrite32_full(Cpu *c, int s, uint32_t off, uint32_t v) {
  fast_write32(c, seg_lin(c, s, off, 4, true), v);
}
static inline uint8_t vread8(Cpu *c, int s, uint32_t off) {
  uint8_t *h = seg_host(c, s, off, 1, false);
  return likely(h != NULL) ? *h : vread8_full(c, s, off);
}
static inline uint16_t vread16(Cpu *c, int s, uint32_t off) {
  uint8_t *h = seg_host(c, s, off, 2, false);
  return likely(h != NULL) ? ld16(h) : vread16_full(c, s, off);
}
static inline uint32_t vread32(Cpu *c, int s, uint32_t off) {
  uint8_t *h = seg_host(c, s, off, 4, false);
  return likely(h != NULL) ? ld32(h) : vread32_full(c, s, off);
}
static inline void vwrite8(Cpu *c, int s, uint32_t off, uint8_t v) {
  uint8_t *h = seg_host(c, s, off, 1, true);
  if (likely(h != NULL)) *h = v; else vwrite8_full(c, s, off, v);
}
static inline void vwrite16(Cpu *c, int s, uint32_t off, uint16_t v) {
  uint8_t *h = seg_host(c, s, off, 2, true);
  if (likely(h != NULL)) st16(h, v); else vwrite16_full(c, s, off, v);
}
static inline void vwrite32(Cpu *c, int s, uint32_t off, uint32_t v) {
  uint8_t *h = seg_host(c, s, off, 4, true);
  if (likely(h != NULL)) st32(h, v); else vwrite32_full(c, s, off, v);
}
/* Check that a write would succeed (segment and paging) without writing. */
static inline void vcheck_write(Cpu *c, int s, uint32_t off, uint32_t size) {
  lin_check_write(c, seg_lin(c, s, off, size, true), size);
}

/* ---- ModRM operands ---- */
static inline uint8_t rm_read8(Cpu *c, const Insn *in) {
  return (in->flags & INSN_MEM) ? vread8(c, in->seg, ea_offset(c, in)) : reg8(c, in->rm);
}
static inline uint16_t rm_read16(Cpu *c, const Insn *in) {
  return (in->flags & INSN_MEM) ? vread16(c, in->seg, ea_offset(c, in)) : reg16(c, in->rm);
}
static inline uint32_t rm_read32(Cpu *c, const Insn *in) {
  return (in->flags & INSN_MEM) ? vread32(c, in->seg, ea_offset(c, in)) : c->regs[in->rm];
}
static inline uint32_t rm_readv(Cpu *c, const Insn *in) {
  return (in->flags & INSN_O32) ? rm_read32(c, in) : rm_read16(c, in);
}
static inline void rm_write8(Cpu *c, const Insn *in, uint8_t v) {
  if (in->flags & INSN_MEM)
    vwrite8(c, in->seg, ea_offset(c, in), v);
  else
    set_reg8(c, in->rm, v);
}
static inline void rm_write16(Cpu *c, const Insn *in, uint16_t v) {
  if (in->flags & INSN_MEM)
    vwrite16(c, in->seg, ea_offset(c, in), v);
  else
    set_reg16(c, in->rm, v);
}
static inline void rm_write32(Cpu *c, const Insn *in, uint32_t v) {
  if (in->flags & INSN_MEM)
    vwrite32(c, in->seg, ea_offset(c, in), v);
  else
    c->regs[in->rm] = v;
}
static inline void rm_writev(Cpu *c, const Insn *in, uint32_t v) {
  if (in->flags & INSN_O32)
    rm_write32(c, in, v);
  else
    rm_write16(c, in, (uint16_t)v);
}
/*
 * Read-modify-write operands: rmw_read* checks writability first (so the
 * later write cannot fault) and returns the value.
 */
static inline uint8_t rmw_read8(Cpu *c, const Insn *in) {
  if (in->flags & INSN_MEM) {
    uint32_t lin = seg_lin(c, in->seg, ea_offset(c, in), 1, true);
    lin_check_write(c, lin, 1);
    return lin_read8(c, lin);
  }
  return reg8(c, in->rm);
}
static inline uint32_t rmw_readv(Cpu *c, const Insn *in) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2;
  if (in->flags & INSN_MEM) {
    uint32_t lin = seg_lin(c, in->seg, ea_offset(c, in), n, true);
    lin_check_write(c, lin, n);
    return n == 4 ? lin_read32(c, lin) : lin_read16(c, lin);
  }
  return n == 4 ? c->regs[in->rm] : reg16(c, in->rm);
}

/* ---- stack ---- */
static inline uint32_t sp_mask(const Cpu *c) { return (c->mode & CPU_MODE_SS32) ? 0xffffffffu : 0xffffu; }
static inline uint32_t get_sp(const Cpu *c) { return c->regs[R_ESP] & sp_mask(c); }
static inline void set_sp(Cpu *c, uint32_t v) {
  uint32_t m = sp_mask(c);
  c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | (v & m);
}
static inline void push16(Cpu *c, uint16_t v) {
  uint32_t sp = (get_sp(c) - 2) & sp_mask(c);
  vwrite16(c, S_SS, sp, v);
  set_sp(c, sp);
}
static inline void push32(Cpu *c, uint32_t v) {
  uint32_t sp = (get_sp(c) - 4) & sp_mask(c);
  vwrite32(c, S_SS, sp, v);
  set_sp(c, sp);
}
static inline void pushv(Cpu *c, const Insn *in, uint32_t v) {
  if (in->flags & INSN_O32)
    push32(c, v);
  else
    push16(c, (uint16_t)v);
}
/* Read the value at the top of stack + off (bytes), size 2 or 4, without popping. */
static inline uint32_t stack_peek(Cpu *c, uint32_t off, int size) {
  uint32_t sp = (get_sp(c) + off) & sp_mask(c);
  return size == 4 ? vread32(c, S_SS, sp) : vread16(c, S_SS, sp);
}
static inline uint16_t pop16(Cpu *c) {
  uint32_t sp = get_sp(c);
  uint16_t v = vread16(c, S_SS, sp);
  set_sp(c, sp + 2);
  return v;
}
static inline uint32_t pop32(Cpu *c) {
  uint32_t sp = get_sp(c);
  uint32_t v = vread32(c, S_SS, sp);
  set_sp(c, sp + 4);
  return v;
}
static inline uint32_t popv(Cpu *c, const Insn *in) {
  return (in->flags & INSN_O32) ? pop32(c) : pop16(c);
}

/* ---- lazy flags ---- */
static inline void set_cc(Cpu *c, uint32_t op, uint32_t dst, uint32_t src, uint32_t res) {
  c->cc_op = op;
  c->cc_dst = dst;
  c->cc_src = src;
  c->cc_res = res;
}
/* Fold the lazy flags into eflags (cc_op becomes CC_EFLAGS). */
static inline void flags_sync(Cpu *c) {
  if (c->cc_op != CC_EFLAGS) {
    c->eflags = cpu_get_flags(c);
    c->cc_op = CC_EFLAGS;
  }
}
/* Set the arithmetic flags explicitly (value's bits under mask F_ARITH). */
static inline void set_arith_flags(Cpu *c, uint32_t fl) {
  c->eflags = (c->eflags & ~F_ARITH) | (fl & F_ARITH); /* all six replaced: no sync needed */
  c->cc_op = CC_EFLAGS;
}
bool cpu_cond(Cpu *c, unsigned cc); /* condition code 0-15 (Jcc encoding) */
extern const uint8_t parity_table[256];

/*
 * Inline evaluation of the lazy flags, for handlers that know their
 * condition at compile time: only the flags the condition needs are
 * computed, from the operation's operands.  Operands are shifted so the
 * operation's sign bit is bit 31 (cc_align), which makes every width one
 * 32-bit comparison.  Cases not worth inlining go to cpu_get_flags().
 */
static inline unsigned cc_align(uint32_t op) { return op & 2 ? 0 : op & 1 ? 16 : 24; }
/* Condition cc (Jcc encoding) from materialised flags f. */
static inline bool eflags_cond(uint32_t f, unsigned cc) {
  bool r;
  switch (cc >> 1) {
  case 0: r = f & F_OF; break;
  case 1: r = f & F_CF; break;
  case 2: r = f & F_ZF; break;
  case 3: r = f & (F_CF | F_ZF); break;
  case 4: r = f & F_SF; break;
  case 5: r = f & F_PF; break;
  case 6: r = !(f & F_SF) != !(f & F_OF); break;
  default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
  }
  return r ^ (cc & 1);
}
static inline bool cond_eval(Cpu *c, unsigned cc) {
  const uint32_t op = c->cc_op;
  if (op == CC_EFLAGS)
    return eflags_cond(c->eflags, cc);
  const unsigned sh = cc_align(op), k = op >> 2;
  const uint32_t R = c->cc_res << sh;
  bool r;
  switch (cc >> 1) {
  case 2: r = R == 0; break;                                 /* Z: any operation */
  case 4: r = (int32_t)R < 0; break;                         /* S */
  case 5: r = parity_table[c->cc_res & 0xff] != 0; break;    /* P */
  default:
    if (k == (CC_SUB8 >> 2)) {
      const uint32_t D = c->cc_dst << sh, S = c->cc_src << sh;
      switch (cc >> 1) {
      case 0: r = (int32_t)((D ^ S) & (D ^ R)) < 0; break;
      case 1: r = D < S; break;
      case 3: r = D <= S; break;
      case 6: r = (int32_t)D < (int32_t)S; break;
      default: r = (int32_t)D <= (int32_t)S; break;
      }
    } else if (k == (CC_LOGIC8 >> 2)) { /* CF = OF = 0 */
      switch (cc >> 1) {
      case 0: case 1: r = false; break;
      case 3: r = R == 0; break;
      case 6: r = (int32_t)R < 0; break;
      default: r = R == 0 || (int32_t)R < 0; break;
      }
    } else if (k == (CC_ADD8 >> 2) && (cc >> 1) == 1) {
      r = R < (c->cc_dst << sh);
    } else if ((k == (CC_INC8 >> 2) || k == (CC_DEC8 >> 2)) && ((cc >> 1) == 1 || (cc >> 1) == 3)) {
      r = (c->cc_src & F_CF) || ((cc >> 1) == 3 && R == 0);
    } else {
      return eflags_cond(cpu_get_flags(c), cc);
    }
    break;
  }
  return r ^ (cc & 1);
}
/* CF alone (0 or 1), as cpu_get_cf(). */
static inline uint32_t cf_eval(Cpu *c) {
  const uint32_t op = c->cc_op;
  switch (op >> 2) {
  case 0: return c->eflags & F_CF;
  case CC_SUB8 >> 2: { unsigned sh = cc_align(op); return (c->cc_dst << sh) < (c->cc_src << sh); }
  case CC_ADD8 >> 2: { unsigned sh = cc_align(op); return (c->cc_res << sh) < (c->cc_dst << sh); }
  case CC_LOGIC8 >> 2: return 0;
  case CC_INC8 >> 2: case CC_DEC8 >> 2: return c->cc_src & F_CF;
  default: return cpu_get_cf(c);
  }
}

/* ---- privileged / IO helpers (ops_sys.c) ---- */
bool cpu_io_allowed(Cpu *c, uint16_t port, int size); /* IOPL / I/O bitmap */
void cpu_check_io(Cpu *c, uint16_t port, int size);    /* raises #GP(0) if not allowed */
static inline bool cpu_pmode(const Cpu *c) { return (c->mode & CPU_MODE_PE) && !(c->mode & CPU_MODE_VM86); }

/* Control transfer helpers (ops_ctrl.c / pmode.c). */
void cpu_far_jump(Cpu *c, uint16_t sel, uint32_t off, bool o32);
void cpu_far_call(Cpu *c, uint16_t sel, uint32_t off, bool o32);
void cpu_far_return(Cpu *c, bool o32, uint16_t extra_pop);
void cpu_iret(Cpu *c, bool o32);
void cpu_set_eip_checked(Cpu *c, uint32_t eip); /* jump within CS, limit-checked */

#endif
