/*
 * ops_data.c — data movement: MOV in all forms, PUSH/POP, XCHG, LEA,
 * segment register moves and far-pointer loads, MOVZX/MOVSX, CMOVcc/SETcc,
 * BSWAP, sign extensions, XLAT, flag instructions, PUSHF/POPF, ENTER/LEAVE,
 * PUSHA/POPA, BOUND.
 */
#include "exec.h"
#include "ops.h"

void op_nop(Cpu *c, const Insn *in) { (void)c; (void)in; }

void op_mov_EbGb(Cpu *c, const Insn *in) { rm_write8(c, in, reg8(c, in->reg)); }
void op_mov_EvGv(Cpu *c, const Insn *in) { rm_writev(c, in, regv(c, in, in->reg)); }
void op_mov_GbEb(Cpu *c, const Insn *in) { set_reg8(c, in->reg, rm_read8(c, in)); }
void op_mov_GvEv(Cpu *c, const Insn *in) { set_regv(c, in, in->reg, rm_readv(c, in)); }
void op_mov_EbIb(Cpu *c, const Insn *in) { rm_write8(c, in, (uint8_t)in->imm); }
void op_mov_EvIz(Cpu *c, const Insn *in) { rm_writev(c, in, in->imm); }
void op_mov_ZbIb(Cpu *c, const Insn *in) { set_reg8(c, in->op & 7, (uint8_t)in->imm); }
void op_mov_ZvIv(Cpu *c, const Insn *in) { set_regv(c, in, in->op & 7, in->imm); }
void op_mov_ALOb(Cpu *c, const Insn *in) { set_reg8(c, R_EAX, vread8(c, in->seg, in->imm)); }
void op_mov_eAXOv(Cpu *c, const Insn *in) {
  set_regv(c, in, R_EAX, (in->flags & INSN_O32) ? vread32(c, in->seg, in->imm) : vread16(c, in->seg, in->imm));
}
void op_mov_ObAL(Cpu *c, const Insn *in) { vwrite8(c, in->seg, in->imm, (uint8_t)c->regs[R_EAX]); }
void op_mov_OveAX(Cpu *c, const Insn *in) {
  if (in->flags & INSN_O32)
    vwrite32(c, in->seg, in->imm, c->regs[R_EAX]);
  else
    vwrite16(c, in->seg, in->imm, (uint16_t)c->regs[R_EAX]);
}
void op_lea_GvM(Cpu *c, const Insn *in) { set_regv(c, in, in->reg, ea_offset(c, in)); }

void op_mov_EwSw(Cpu *c, const Insn *in) {
  if (in->reg > 5)
    cpu_raise(c, EXC_UD, ERR_NONE);
  uint16_t sel = c->seg[in->reg].sel;
  if (!(in->flags & INSN_MEM) && (in->flags & INSN_O32))
    c->regs[in->rm] = sel; /* 32-bit register destination: zero-extended on P6 */
  else
    rm_write16(c, in, sel);
}
void op_mov_SwEw(Cpu *c, const Insn *in) {
  if (in->reg > 5 || in->reg == S_CS)
    cpu_raise(c, EXC_UD, ERR_NONE);
  cpu_load_seg(c, in->reg, rm_read16(c, in));
  if (in->reg == S_SS)
    c->inhibit_irq = true;
}

void op_xchg_EbGb(Cpu *c, const Insn *in) {
  uint8_t d = rmw_read8(c, in);
  rm_write8(c, in, reg8(c, in->reg));
  set_reg8(c, in->reg, d);
}
void op_xchg_EvGv(Cpu *c, const Insn *in) {
  uint32_t d = rmw_readv(c, in);
  rm_writev(c, in, regv(c, in, in->reg));
  set_regv(c, in, in->reg, d);
}
void op_xchg_ZveAX(Cpu *c, const Insn *in) {
  unsigned n = in->op & 7;
  uint32_t t = regv(c, in, n);
  set_regv(c, in, n, regv(c, in, R_EAX));
  set_regv(c, in, R_EAX, t);
}

/* ---- stack ---- */

void op_push_Zv(Cpu *c, const Insn *in) { pushv(c, in, regv(c, in, in->op & 7)); }
void op_pop_Zv(Cpu *c, const Insn *in) {
  uint32_t v = popv(c, in);
  set_regv(c, in, in->op & 7, v);
}
void op_push_Iz(Cpu *c, const Insn *in) { pushv(c, in, in->imm); }
void op_push_Ev(Cpu *c, const Insn *in) { pushv(c, in, rm_readv(c, in)); }
void op_pop_Ev(Cpu *c, const Insn *in) {
  /* The destination address is computed after ESP has been incremented. */
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2;
  uint32_t v = (uint32_t)stack_peek(c, 0, (int)n);
  uint32_t old = c->regs[R_ESP];
  set_sp(c, get_sp(c) + n);
  if (in->flags & INSN_MEM) {
    uint32_t off = ea_offset(c, in);
    uint32_t lin = seg_lin(c, in->seg, off, n, true);
    /* Restore ESP if the write faults: check first. */
    c->regs[R_ESP] = old;
    lin_check_write(c, lin, n);
    set_sp(c, get_sp(c) + n);
    if (n == 4) lin_write32(c, lin, v); else lin_write16(c, lin, (uint16_t)v);
  } else {
    set_regv(c, in, in->rm, v);
  }
}

static void push_seg(Cpu *c, const Insn *in, int s) {
  if (in->flags & INSN_O32) {
    /* P6 writes only the low 16 bits of the 32-bit slot. */
    uint32_t sp = (get_sp(c) - 4) & sp_mask(c);
    vcheck_write(c, S_SS, sp, 4);
    vwrite16(c, S_SS, sp, c->seg[s].sel);
    set_sp(c, sp);
  } else {
    push16(c, c->seg[s].sel);
  }
}
static void pop_seg(Cpu *c, const Insn *in, int s) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2;
  uint16_t sel = (uint16_t)stack_peek(c, 0, 2);
  /* The increment wraps with the size of the stack popped from: loading SS
   * may change the B bit (and sp_mask), so take the mask first. */
  uint32_t m = sp_mask(c), sp = (get_sp(c) + n) & m;
  cpu_load_seg(c, s, sel);
  c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | sp;
  if (s == S_SS)
    c->inhibit_irq = true;
}
void op_push_ES(Cpu *c, const Insn *in) { push_seg(c, in, S_ES); }
void op_push_CS(Cpu *c, const Insn *in) { push_seg(c, in, S_CS); }
void op_push_SS(Cpu *c, const Insn *in) { push_seg(c, in, S_SS); }
void op_push_DS(Cpu *c, const Insn *in) { push_seg(c, in, S_DS); }
void op_push_FS(Cpu *c, const Insn *in) { push_seg(c, in, S_FS); }
void op_push_GS(Cpu *c, const Insn *in) { push_seg(c, in, S_GS); }
void op_pop_ES(Cpu *c, const Insn *in) { pop_seg(c, in, S_ES); }
void op_pop_SS(Cpu *c, const Insn *in) { pop_seg(c, in, S_SS); }
void op_pop_DS(Cpu *c, const Insn *in) { pop_seg(c, in, S_DS); }
void op_pop_FS(Cpu *c, const Insn *in) { pop_seg(c, in, S_FS); }
void op_pop_GS(Cpu *c, const Insn *in) { pop_seg(c, in, S_GS); }

void op_pusha(Cpu *c, const Insn *in) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2, m = sp_mask(c);
  uint32_t sp = get_sp(c), esp = c->regs[R_ESP];
  for (int r = 0; r < 8; r++) {
    uint32_t v = r == R_ESP ? esp : c->regs[r];
    uint32_t a = (sp - n * (uint32_t)(r + 1)) & m;
    if (n == 4) vwrite32(c, S_SS, a, v); else vwrite16(c, S_SS, a, (uint16_t)v);
  }
  set_sp(c, sp - 8 * n);
}
void op_popa(Cpu *c, const Insn *in) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2, m = sp_mask(c);
  uint32_t sp = get_sp(c), v[8];
  for (int r = 7; r >= 0; r--)
    v[r] = n == 4 ? vread32(c, S_SS, (sp + n * (uint32_t)(7 - r)) & m)
                  : vread16(c, S_SS, (sp + n * (uint32_t)(7 - r)) & m);
  for (int r = 0; r < 8; r++)
    if (r != R_ESP)
      set_regv(c, in, (unsigned)r, v[r]);
  set_sp(c, sp + 8 * n);
}

/*
 * ENTER (SDM vol. 2): push (E)BP; FrameTemp is the stack pointer after that
 * push, all 32 bits of ESP with a 32-bit operand size (on a 16-bit stack
 * too: ESP[31:16] are kept by the push and become EBP[31:16]); level-1
 * frame pointers are copied from [(E)BP - n*i], addressed with the stack
 * size (a copy may read a slot this ENTER has just pushed); then FrameTemp
 * is pushed (level > 0), (E)BP gets FrameTemp in the operand size and
 * (E)SP drops by the frame size in the stack size.  A first pass makes
 * every read and every write check, so a fault leaves registers and
 * memory as they were; the second pass does the work in the CPU's order.
 */
static uint32_t enter_frame(Cpu *c, const Insn *in, bool work) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2, m = sp_mask(c);
  uint32_t level = in->imm2 & 0x1f;
  uint32_t sp = (get_sp(c) - n) & m, bp = c->regs[R_EBP] & m;
  uint32_t frame = (c->regs[R_ESP] & ~m) | sp;
  if (!work)
    vcheck_write(c, S_SS, sp, n);
  else if (n == 4)
    vwrite32(c, S_SS, sp, c->regs[R_EBP]);
  else
    vwrite16(c, S_SS, sp, (uint16_t)c->regs[R_EBP]);
  for (uint32_t i = 1; i <= level; i++) {
    uint32_t v = frame;
    if (i < level) {
      bp = (bp - n) & m;
      v = n == 4 ? vread32(c, S_SS, bp) : vread16(c, S_SS, bp);
    }
    sp = (sp - n) & m;
    if (!work)
      vcheck_write(c, S_SS, sp, n);
    else if (n == 4)
      vwrite32(c, S_SS, sp, v);
    else
      vwrite16(c, S_SS, sp, (uint16_t)v);
  }
  return sp;
}
void op_enter_IwIb(Cpu *c, const Insn *in) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2, m = sp_mask(c), size = in->imm & 0xffff;
  uint32_t frame = (c->regs[R_ESP] & ~m) | ((get_sp(c) - n) & m);
  uint32_t sp = (enter_frame(c, in, false) - size) & m;
  /* The new stack top must be writable (the 386 checks it). */
  if (size)
    vcheck_write(c, S_SS, sp, 1);
  enter_frame(c, in, true);
  set_regv(c, in, R_EBP, frame);
  set_sp(c, sp);
}
void op_leave(Cpu *c, const Insn *in) {
  uint32_t bp = c->regs[R_EBP] & sp_mask(c);
  uint32_t v = (in->flags & INSN_O32) ? vread32(c, S_SS, bp) : vread16(c, S_SS, bp);
  set_sp(c, bp + ((in->flags & INSN_O32) ? 4 : 2));
  set_regv(c, in, R_EBP, v);
}

/* ---- far pointers ---- */

static void load_far(Cpu *c, const Insn *in, int s) {
  uint32_t off = ea_offset(c, in);
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2;
  uint32_t o = n == 4 ? vread32(c, in->seg, off) : vread16(c, in->seg, off);
  uint32_t off2 = (in->flags & INSN_A32) ? off + n : (off + n) & 0xffff;
  uint16_t sel = vread16(c, in->seg, off2);
  cpu_load_seg(c, s, sel);
  set_regv(c, in, in->reg, o);
}
void op_les_GvMp(Cpu *c, const Insn *in) { load_far(c, in, S_ES); }
void op_lds_GvMp(Cpu *c, const Insn *in) { load_far(c, in, S_DS); }
void op_lss_GvMp(Cpu *c, const Insn *in) { load_far(c, in, S_SS); }
void op_lfs_GvMp(Cpu *c, const Insn *in) { load_far(c, in, S_FS); }
void op_lgs_GvMp(Cpu *c, const Insn *in) { load_far(c, in, S_GS); }

void op_bound_GvMa(Cpu *c, const Insn *in) {
  uint32_t off = ea_offset(c, in);
  if (in->flags & INSN_O32) {
    int32_t lo = (int32_t)vread32(c, in->seg, off);
    int32_t hi = (int32_t)vread32(c, in->seg, (in->flags & INSN_A32) ? off + 4 : (off + 4) & 0xffff);
    int32_t v = (int32_t)c->regs[in->reg];
    if (v < lo || v > hi)
      cpu_raise(c, EXC_BR, ERR_NONE);
  } else {
    int16_t lo = (int16_t)vread16(c, in->seg, off);
    int16_t hi = (int16_t)vread16(c, in->seg, (in->flags & INSN_A32) ? off + 2 : (off + 2) & 0xffff);
    int16_t v = (int16_t)c->regs[in->reg];
    if (v < lo || v > hi)
      cpu_raise(c, EXC_BR, ERR_NONE);
  }
}

/* ---- extensions, conditionals ---- */

void op_movzx_GvEb(Cpu *c, const Insn *in) { set_regv(c, in, in->reg, rm_read8(c, in)); }
void op_movzx_GvEw(Cpu *c, const Insn *in) { set_regv(c, in, in->reg, rm_read16(c, in)); }
void op_movsx_GvEb(Cpu *c, const Insn *in) { set_regv(c, in, in->reg, (uint32_t)(int32_t)(int8_t)rm_read8(c, in)); }
void op_movsx_GvEw(Cpu *c, const Insn *in) { set_regv(c, in, in->reg, (uint32_t)(int32_t)(int16_t)rm_read16(c, in)); }
void op_cmovcc_GvEv(Cpu *c, const Insn *in) {
  uint32_t v = rm_readv(c, in);
  if (cpu_cond(c, in->op & 0xf))
    set_regv(c, in, in->reg, v);
}
void op_setcc_Eb(Cpu *c, const Insn *in) { rm_write8(c, in, cpu_cond(c, in->op & 0xf) ? 1 : 0); }
void op_bswap_Zd(Cpu *c, const Insn *in) {
  unsigned n = in->op & 7;
  if (in->flags & INSN_O32)
    c->regs[n] = __builtin_bswap32(c->regs[n]);
  else
    set_reg16(c, n, 0); /* 16-bit BSWAP: undefined; P6 clears the low word */
}
void op_cbw(Cpu *c, const Insn *in) {
  if (in->flags & INSN_O32)
    c->regs[R_EAX] = (uint32_t)(int32_t)(int16_t)c->regs[R_EAX];
  else
    set_reg16(c, R_EAX, (uint16_t)(int16_t)(int8_t)c->regs[R_EAX]);
}
void op_cwd(Cpu *c, const Insn *in) {
  if (in->flags & INSN_O32)
    c->regs[R_EDX] = (c->regs[R_EAX] & 0x80000000u) ? 0xffffffffu : 0;
  else
    set_reg16(c, R_EDX, (c->regs[R_EAX] & 0x8000) ? 0xffff : 0);
}
void op_xlat(Cpu *c, const Insn *in) {
  uint32_t off = c->regs[R_EBX] + (uint8_t)c->regs[R_EAX];
  if (!(in->flags & INSN_A32))
    off &= 0xffff;
  set_reg8(c, R_EAX, vread8(c, in->seg, off));
}
void op_salc(Cpu *c, const Insn *in) { set_reg8(c, R_EAX, (cpu_get_flags(c) & F_CF) ? 0xff : 0); }

/* ---- flags ---- */

void op_clc(Cpu *c, const Insn *in) { flags_sync(c); c->eflags &= ~F_CF; }
void op_stc(Cpu *c, const Insn *in) { flags_sync(c); c->eflags |= F_CF; }
void op_cmc(Cpu *c, const Insn *in) { flags_sync(c); c->eflags ^= F_CF; }
void op_cld(Cpu *c, const Insn *in) { c->eflags &= ~F_DF; }
void op_std(Cpu *c, const Insn *in) { c->eflags |= F_DF; }
void op_lahf(Cpu *c, const Insn *in) { set_reg8(c, 4, (uint8_t)(cpu_get_flags(c) | 2)); }
void op_sahf(Cpu *c, const Insn *in) {
  flags_sync(c);
  uint32_t ah = (c->regs[R_EAX] >> 8) & (F_SF | F_ZF | F_AF | F_PF | F_CF);
  c->eflags = (c->eflags & ~(F_SF | F_ZF | F_AF | F_PF | F_CF)) | ah;
}

static inline uint32_t iopl(const Cpu *c) { return (c->eflags >> 12) & 3; }

void op_pushf(Cpu *c, const Insn *in) {
  if ((c->mode & CPU_MODE_VM86) && iopl(c) < 3)
    cpu_raise(c, EXC_GP, 0);
  uint32_t f = cpu_get_flags(c) & ~(F_VM | F_RF);
  pushv(c, in, f);
}
void op_popf(Cpu *c, const Insn *in) {
  if ((c->mode & CPU_MODE_VM86) && iopl(c) < 3)
    cpu_raise(c, EXC_GP, 0);
  uint32_t v = popv(c, in);
  uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_IF | F_IOPL;
  if (in->flags & INSN_O32)
    mask |= F_AC | F_ID;
  if (cpu_pmode(c)) {
    if (c->cpl > 0)
      mask &= ~F_IOPL;
    if (c->cpl > iopl(c))
      mask &= ~F_IF;
  } else if (c->mode & CPU_MODE_VM86) {
    mask &= ~F_IOPL;
  } else if (cpu_is_286(c)) {
    mask &= ~(F_IOPL | F_NT); /* a 286 in real mode keeps FLAGS bits 12-15 clear */
  }
  cpu_set_flags(c, v, mask);
}

/* ---- operand-form-specialised handlers (installed by ops_data_form) ---- */

/*
 * Memory forms: a fast path through seg_host(); anything it does not cover
 * (a fault to raise, MMIO, a TLB miss, an unusual segment) is handed whole to
 * the row's handler, before any state has changed.
 */
static void op_mov_EdGd_reg(Cpu *c, const Insn *in) { c->regs[in->rm] = c->regs[in->reg]; }
static void op_mov_GdEd_reg(Cpu *c, const Insn *in) { c->regs[in->reg] = c->regs[in->rm]; }
static void op_mov_EdGd_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 4, true);
  if (likely(h != NULL))
    st32(h, c->regs[in->reg]);
  else
    op_mov_EvGv(c, in);
}
static void op_mov_GdEd_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 4, false);
  if (likely(h != NULL))
    c->regs[in->reg] = ld32(h);
  else
    op_mov_GvEv(c, in);
}
static void op_mov_EbGb_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 1, true);
  if (likely(h != NULL))
    *h = reg8(c, in->reg);
  else
    op_mov_EbGb(c, in);
}
static void op_mov_GbEb_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 1, false);
  if (likely(h != NULL))
    set_reg8(c, in->reg, *h);
  else
    op_mov_GbEb(c, in);
}
static void op_mov_EbIb_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 1, true);
  if (likely(h != NULL))
    *h = (uint8_t)in->imm;
  else
    op_mov_EbIb(c, in);
}
static void op_mov_EdId_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 4, true);
  if (likely(h != NULL))
    st32(h, in->imm);
  else
    op_mov_EvIz(c, in);
}
static void op_mov_ZdId(Cpu *c, const Insn *in) { c->regs[in->op & 7] = in->imm; }
static void op_movzx_GdEb_mem(Cpu *c, const Insn *in) {
  uint8_t *h = seg_host(c, in->seg, ea_offset(c, in), 1, false);
  if (likely(h != NULL))
    c->regs[in->reg] = *h;
  else
    op_movzx_GvEb(c, in);
}
static void op_movzx_GdEb_reg(Cpu *c, const Insn *in) { c->regs[in->reg] = reg8(c, in->rm); }
static void op_lea_GdM(Cpu *c, const Insn *in) { c->regs[in->reg] = ea_offset(c, in); }

/* PUSH/POP of a 32-bit register on a 32-bit stack. */
static void op_push_Zd(Cpu *c, const Insn *in) {
  uint32_t v = c->regs[in->op & 7], sp = c->regs[R_ESP] - 4;
  uint8_t *h;
  if (likely((c->mode & CPU_MODE_SS32) && (h = seg_host(c, S_SS, sp, 4, true)) != NULL)) {
    st32(h, v);
    c->regs[R_ESP] = sp;
  } else {
    op_push_Zv(c, in);
  }
}
static void op_pop_Zd(Cpu *c, const Insn *in) {
  uint32_t sp = c->regs[R_ESP];
  uint8_t *h;
  if (likely((c->mode & CPU_MODE_SS32) && (h = seg_host(c, S_SS, sp, 4, false)) != NULL)) {
    uint32_t v = ld32(h);
    c->regs[R_ESP] = sp + 4;
    c->regs[in->op & 7] = v; /* after ESP: POP ESP loads the popped value */
  } else {
    op_pop_Zv(c, in);
  }
}

InsnFn ops_data_form(const Insn *in) {
  const bool o32 = in->flags & INSN_O32, mem = in->flags & INSN_MEM;
  const unsigned op = in->op;
  if (op >= 0x50 && op <= 0x57)
    return o32 ? op_push_Zd : NULL;
  if (op >= 0x58 && op <= 0x5f)
    return o32 ? op_pop_Zd : NULL;
  if (op >= 0xb8 && op <= 0xbf)
    return o32 ? op_mov_ZdId : NULL;
  switch (op) {
  case 0x88: return mem ? op_mov_EbGb_mem : NULL;
  case 0x89: return o32 ? (mem ? op_mov_EdGd_mem : op_mov_EdGd_reg) : NULL;
  case 0x8a: return mem ? op_mov_GbEb_mem : NULL;
  case 0x8b: return o32 ? (mem ? op_mov_GdEd_mem : op_mov_GdEd_reg) : NULL;
  case 0x8d: return o32 && (in->flags & INSN_A32) ? op_lea_GdM : NULL;
  case 0xc6: return mem ? op_mov_EbIb_mem : NULL;
  case 0xc7: return o32 && mem ? op_mov_EdId_mem : NULL;
  case 0x1b6: return o32 ? (mem ? op_movzx_GdEb_mem : op_movzx_GdEb_reg) : NULL;
  default: return NULL;
  }
}
