/*
 * ops_ctrl.c — near control flow: Jcc, JMP, CALL, RET, LOOP/JCXZ.
 * Far transfers and interrupts are in ops_sys.c / pmode.c.
 */
#include "exec.h"
#include "ops.h"

/* Jump to target within CS (masked to the operand size); #GP(0) beyond the CS limit. */
static inline void near_jump(Cpu *c, const Insn *in, uint32_t target) {
  if (!(in->flags & INSN_O32))
    target &= 0xffff;
  if (unlikely(target > c->seg[S_CS].limit))
    cpu_raise(c, EXC_GP, 0);
  c->next_eip = target;
}

void op_jcc_Jz(Cpu *c, const Insn *in) {
  if (cpu_cond(c, in->op & 0xf))
    near_jump(c, in, c->next_eip + in->imm);
}
/* Jcc with the condition fixed at decode time (selected by ops_ctrl_form). */
#define JCC_FORM(cc, name) \
  static void op_##name##_Jz(Cpu *c, const Insn *in) { \
    if (cond_eval(c, cc)) \
      near_jump(c, in, c->next_eip + in->imm); \
  }
JCC_FORM(0, jo) JCC_FORM(1, jno) JCC_FORM(2, jb) JCC_FORM(3, jnb)
JCC_FORM(4, jz) JCC_FORM(5, jnz) JCC_FORM(6, jbe) JCC_FORM(7, jnbe)
JCC_FORM(8, js) JCC_FORM(9, jns) JCC_FORM(10, jp) JCC_FORM(11, jnp)
JCC_FORM(12, jl) JCC_FORM(13, jnl) JCC_FORM(14, jle) JCC_FORM(15, jnle)
#undef JCC_FORM
void op_jmp_Jz(Cpu *c, const Insn *in) { near_jump(c, in, c->next_eip + in->imm); }
void op_jmp_Ev(Cpu *c, const Insn *in) { near_jump(c, in, rm_readv(c, in)); }

static inline void call_near(Cpu *c, const Insn *in, uint32_t target) {
  if (!(in->flags & INSN_O32))
    target &= 0xffff;
  if (unlikely(target > c->seg[S_CS].limit))
    cpu_raise(c, EXC_GP, 0);
  pushv(c, in, c->next_eip);
  c->next_eip = target;
}
void op_call_Jz(Cpu *c, const Insn *in) { call_near(c, in, c->next_eip + in->imm); }
void op_call_Ev(Cpu *c, const Insn *in) { call_near(c, in, rm_readv(c, in)); }

static inline void ret_near(Cpu *c, const Insn *in, uint32_t extra) {
  uint32_t n = (in->flags & INSN_O32) ? 4 : 2;
  uint32_t target = (uint32_t)stack_peek(c, 0, (int)n);
  if (unlikely(target > c->seg[S_CS].limit))
    cpu_raise(c, EXC_GP, 0);
  set_sp(c, get_sp(c) + n + extra);
  c->next_eip = target;
}
void op_ret(Cpu *c, const Insn *in) { ret_near(c, in, 0); }
void op_ret_Iw(Cpu *c, const Insn *in) { ret_near(c, in, in->imm & 0xffff); }

/* LOOP family: the count register is CX or ECX by address size. */
static inline uint32_t dec_count(Cpu *c, const Insn *in) {
  if (in->flags & INSN_A32)
    return --c->regs[R_ECX];
  uint16_t v = (uint16_t)(c->regs[R_ECX] - 1);
  set_reg16(c, R_ECX, v);
  return v;
}
void op_loop_Jb(Cpu *c, const Insn *in) {
  if (dec_count(c, in))
    near_jump(c, in, c->next_eip + in->imm);
}
void op_loopz_Jb(Cpu *c, const Insn *in) {
  if (dec_count(c, in) && cpu_cond(c, 4))
    near_jump(c, in, c->next_eip + in->imm);
}
void op_loopnz_Jb(Cpu *c, const Insn *in) {
  if (dec_count(c, in) && !cpu_cond(c, 4))
    near_jump(c, in, c->next_eip + in->imm);
}
void op_jcxz_Jb(Cpu *c, const Insn *in) {
  uint32_t cx = (in->flags & INSN_A32) ? c->regs[R_ECX] : (uint16_t)c->regs[R_ECX];
  if (cx == 0)
    near_jump(c, in, c->next_eip + in->imm);
}

/* CALL rel32 / RET with a 32-bit stack: fast path, else the row's handler (before any change). */
static void op_call_Jd(Cpu *c, const Insn *in) {
  uint32_t ret = c->next_eip, target = ret + in->imm, sp = c->regs[R_ESP] - 4;
  uint8_t *h;
  if (likely(target <= c->seg[S_CS].limit && (c->mode & CPU_MODE_SS32) &&
             (h = seg_host(c, S_SS, sp, 4, true)) != NULL)) {
    st32(h, ret);
    c->regs[R_ESP] = sp;
    c->next_eip = target;
  } else {
    op_call_Jz(c, in);
  }
}
static void op_ret_d(Cpu *c, const Insn *in) {
  uint32_t sp = c->regs[R_ESP], target;
  uint8_t *h;
  if (likely((c->mode & CPU_MODE_SS32) && (h = seg_host(c, S_SS, sp, 4, false)) != NULL &&
             (target = ld32(h)) <= c->seg[S_CS].limit)) {
    c->regs[R_ESP] = sp + 4;
    c->next_eip = target;
  } else {
    op_ret(c, in);
  }
}

InsnFn ops_ctrl_form(const Insn *in) {
  static const InsnFn jcc[16] = {
      op_jo_Jz, op_jno_Jz, op_jb_Jz, op_jnb_Jz, op_jz_Jz, op_jnz_Jz, op_jbe_Jz, op_jnbe_Jz,
      op_js_Jz, op_jns_Jz, op_jp_Jz, op_jnp_Jz, op_jl_Jz, op_jnl_Jz, op_jle_Jz, op_jnle_Jz};
  if ((in->op >= 0x70 && in->op <= 0x7f) || (in->op >= 0x180 && in->op <= 0x18f))
    return jcc[in->op & 0xf];
  if (in->op == 0xe8 && (in->flags & INSN_O32))
    return op_call_Jd;
  if (in->op == 0xc3 && (in->flags & INSN_O32))
    return op_ret_d;
  return NULL;
}
