/*
 * pmode.c — protected-mode mechanisms: descriptor tables, segment loads with
 * their protection checks, far JMP/CALL/RET/IRET within and across privilege
 * levels (conforming and non-conforming code, call gates with parameter
 * copying and stack switches), return to virtual-8086 mode, interrupt and
 * exception delivery through interrupt/trap/task gates, the hardware task
 * switch (16- and 32-bit TSS), LLDT and LTR.
 *
 * Reference: Intel SDM Vol. 3A chapters 3 (segmentation), 5 (protection),
 * 6 (interrupts), 7 (task management), 20 (virtual-8086 mode), and the
 * pseudo-code of CALL, JMP, RET, IRET and INT n in Vol. 2.
 *
 * Every check that can fault runs before the first change of architectural
 * state (values pushed below the stack pointer of a stack not yet committed
 * do not count; descriptor Accessed bits are set during the checks, as a
 * CPU does, so the write after the commit cannot fault), except in the task switch, where — as on hardware — the
 * checks of the new task's segments come after the commit point and their
 * faults are delivered in the context of the new task.
 */
#include "pmode.h"

#include "exec.h"

/* Error code of a selector: index and TI, RPL bits cleared. */
#define SEL_ERR(s) ((uint32_t)(s) & 0xfffcu)

/* ---- descriptor fields (lo = bytes 0-3, hi = bytes 4-7) ---- */

static inline uint32_t d_base(uint32_t lo, uint32_t hi) {
  return (lo >> 16) | ((hi & 0xffu) << 16) | (hi & 0xff000000u);
}
static inline uint32_t d_limit(uint32_t lo, uint32_t hi) {
  uint32_t l = (lo & 0xffffu) | (hi & 0x000f0000u);
  return (hi & 0x00800000u) ? (l << 12) | 0xfffu : l;
}
static inline unsigned d_dpl(uint32_t hi) { return (hi >> 13) & 3; }
static inline bool d_present(uint32_t hi) { return (hi & 0x8000u) != 0; }
static inline bool d_system(uint32_t hi) { return !(hi & 0x1000u); }
static inline unsigned d_type(uint32_t hi) { return (hi >> 8) & 0xf; }
static inline bool d_code(uint32_t hi) { return (hi & 0x1800u) == 0x1800u; }
static inline bool d_data(uint32_t hi) { return (hi & 0x1800u) == 0x1000u; }
static inline bool d_conforming(uint32_t hi) { return d_code(hi) && (hi & 0x400u); }
static inline bool d_writable_data(uint32_t hi) { return d_data(hi) && (hi & 0x200u); }
static inline bool d_readable(uint32_t hi) { return d_data(hi) || (d_code(hi) && (hi & 0x200u)); }

/* Linear address of the descriptor for sel (assumes it is inside its table). */
static uint32_t desc_addr(const Cpu *cpu, uint16_t sel) {
  return ((sel & 4) ? cpu->seg[S_LDTR].base : cpu->gdt_base) + (sel & 0xfff8u);
}

bool pmode_read_desc(Cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi) {
  uint32_t limit;
  if (sel & 4) {
    const SegCache *l = &cpu->seg[S_LDTR];
    if ((l->sel & 0xfffc) == 0 || !(l->flags & SF_P))
      return false;
    limit = l->limit;
  } else {
    limit = cpu->gdt_limit;
  }
  if ((uint32_t)(sel & 0xfff8u) + 7 > limit)
    return false;
  uint32_t a = desc_addr(cpu, sel);
  *lo = lin_read32_sys(cpu, a);
  *hi = lin_read32_sys(cpu, a + 4);
  return true;
}

void pmode_desc_to_cache(SegCache *s, uint16_t sel, uint32_t lo, uint32_t hi) {
  s->sel = sel;
  s->base = d_base(lo, hi);
  s->limit = d_limit(lo, hi);
  s->flags = (uint16_t)(hi >> 8);
}

void pmode_set_accessed(Cpu *cpu, uint16_t sel, uint32_t hi) {
  if (!(hi & 0x100u))
    lin_write8_sys(cpu, desc_addr(cpu, sel) + 5, (uint8_t)((hi >> 8) | 1));
}

/* A null (unusable) segment register: every access through it faults. */
static void load_null(SegCache *s, uint16_t sel) {
  s->sel = sel;
  s->base = 0;
  s->limit = 0;
  s->flags = 0;
}

/* Load a code/data segment register from a checked descriptor. */
static void load_seg_desc(Cpu *cpu, int seg, uint16_t sel, uint32_t lo, uint32_t hi) {
  pmode_set_accessed(cpu, sel, hi);
  pmode_desc_to_cache(&cpu->seg[seg], sel, lo, hi | 0x100u);
}

/* Load CS (with RPL forced to cpl) and make cpl the CPL. */
static void load_cs(Cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl) {
  load_seg_desc(cpu, S_CS, (uint16_t)((sel & 0xfffc) | cpl), lo, hi);
  cpu->cpl = cpl;
  cpu_update_mode(cpu);
}

/* ---- data and stack segment loads ---- */

/* Raise with the check that failed noted for the debugger (Cpu.fault_reason). */
_Noreturn static void raise_why(Cpu *cpu, int vector, uint32_t err, const char *why) {
  cpu->fault_reason = why;
  cpu_raise(cpu, vector, err);
}

void pmode_load_data_seg(Cpu *cpu, int seg, uint16_t sel) {
  uint32_t lo, hi;
  unsigned rpl = sel & 3u;
  if (seg == S_SS) {
    if (!(sel & 0xfffc))
      raise_why(cpu, EXC_GP, 0, "null selector loaded into SS");
    if (!pmode_read_desc(cpu, sel, &lo, &hi))
      raise_why(cpu, EXC_GP, SEL_ERR(sel), "selector beyond the descriptor table limit");
    if (rpl != cpu->cpl || !d_writable_data(hi) || d_dpl(hi) != cpu->cpl)
      raise_why(cpu, EXC_GP, SEL_ERR(sel), "SS needs a writable data segment with RPL = DPL = CPL");
    if (!d_present(hi))
      raise_why(cpu, EXC_SS, SEL_ERR(sel), "stack segment not present");
    load_seg_desc(cpu, S_SS, sel, lo, hi);
    cpu_update_mode(cpu);
    return;
  }
  if (!(sel & 0xfffc)) {
    load_null(&cpu->seg[seg], sel);
    return;
  }
  if (!pmode_read_desc(cpu, sel, &lo, &hi))
    raise_why(cpu, EXC_GP, SEL_ERR(sel), "selector beyond the descriptor table limit");
  if (d_system(hi) || !d_readable(hi))
    raise_why(cpu, EXC_GP, SEL_ERR(sel), "rights: not a readable code or data segment");
  if (!d_conforming(hi) && (rpl > d_dpl(hi) || cpu->cpl > d_dpl(hi)))
    raise_why(cpu, EXC_GP, SEL_ERR(sel), "privilege: RPL or CPL above the segment's DPL");
  if (!d_present(hi))
    raise_why(cpu, EXC_NP, SEL_ERR(sel), "segment not present");
  load_seg_desc(cpu, seg, sel, lo, hi);
}

/* After a return to an outer level: data segments the new CPL may not use become null. */
static void invalidate_data_segs(Cpu *cpu) {
  static const int segs[4] = {S_ES, S_DS, S_FS, S_GS};
  for (int i = 0; i < 4; i++) {
    SegCache *s = &cpu->seg[segs[i]];
    if (!(s->flags & SF_P))
      continue;
    bool conforming = (s->flags & (SF_CODE | SF_DC)) == (SF_CODE | SF_DC);
    if (!conforming && SF_DPL(s->flags) < cpu->cpl)
      load_null(s, 0);
  }
}

/* ---- stacks that are not committed yet ---- */

typedef struct NewStack {
  SegCache ss;   /* the stack segment (maybe not loaded yet) */
  uint32_t esp;  /* ESP before the pushes (upper half kept for 16-bit stacks) */
  uint32_t sp;   /* current offset */
  bool big;      /* 32-bit stack pointer */
  bool user;     /* accesses at CPL 3 (same-level stack of ring 3) */
  uint32_t err;  /* #SS error code on a limit violation */
} NewStack;

/* Is [off, off+size) inside the segment? (expand-down aware) */
static bool seg_range_ok(const SegCache *s, uint32_t off, uint32_t size) {
  if ((s->flags & (SF_CODE | SF_DC)) != SF_DC)
    return off <= s->limit && s->limit - off >= size - 1;
  uint32_t upper = (s->flags & SF_DB) ? 0xffffffffu : 0xffffu;
  return off > s->limit && off <= upper && upper - off >= size - 1;
}

static void stack_current(Cpu *cpu, NewStack *st) {
  st->ss = cpu->seg[S_SS];
  st->esp = cpu->regs[R_ESP];
  st->big = (cpu->seg[S_SS].flags & SF_DB) != 0;
  st->sp = st->big ? st->esp : st->esp & 0xffffu;
  st->user = cpu->cpl == 3;
  st->err = 0;
}

static void stack_push(Cpu *cpu, NewStack *st, uint32_t v, int size) {
  uint32_t sp = (st->sp - (uint32_t)size) & (st->big ? 0xffffffffu : 0xffffu);
  if (!seg_range_ok(&st->ss, sp, (uint32_t)size))
    cpu_raise(cpu, EXC_SS, st->err);
  uint32_t lin = st->ss.base + sp;
  if (st->user) {
    if (size == 4)
      lin_write32(cpu, lin, v);
    else
      lin_write16(cpu, lin, (uint16_t)v);
  } else {
    if (size == 4)
      lin_write32_sys(cpu, lin, v);
    else
      lin_write16_sys(cpu, lin, (uint16_t)v);
  }
  st->sp = sp;
}

/* ESP value once the pushes are committed. */
static uint32_t stack_final_esp(const NewStack *st) {
  return st->big ? st->sp : (st->esp & 0xffff0000u) | (st->sp & 0xffffu);
}

void pmode_tss_stack(Cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp) {
  const SegCache *tr = &cpu->seg[S_TR];
  if (tr->flags & 8) { /* 32-bit TSS */
    uint32_t off = 4 + dpl * 8;
    if (off + 5 > tr->limit)
      cpu_raise(cpu, EXC_TS, SEL_ERR(tr->sel));
    *esp = lin_read32_sys(cpu, tr->base + off);
    *ss = lin_read16_sys(cpu, tr->base + off + 4);
  } else {
    uint32_t off = 2 + dpl * 4;
    if (off + 3 > tr->limit)
      cpu_raise(cpu, EXC_TS, SEL_ERR(tr->sel));
    *esp = lin_read16_sys(cpu, tr->base + off);
    *ss = lin_read16_sys(cpu, tr->base + off + 2);
  }
}

/* The inner stack for privilege level dpl, from the TSS, with all its checks. */
static void stack_inner(Cpu *cpu, unsigned dpl, NewStack *st, uint32_t ext) {
  uint16_t ss;
  uint32_t esp, lo, hi;
  pmode_tss_stack(cpu, dpl, &ss, &esp);
  if (!(ss & 0xfffc))
    cpu_raise(cpu, EXC_TS, ext);
  if ((ss & 3u) != dpl || !pmode_read_desc(cpu, ss, &lo, &hi) || !d_writable_data(hi) ||
      d_dpl(hi) != dpl)
    cpu_raise(cpu, EXC_TS, SEL_ERR(ss) | ext);
  if (!d_present(hi))
    cpu_raise(cpu, EXC_SS, SEL_ERR(ss) | ext);
  pmode_set_accessed(cpu, ss, hi);
  pmode_desc_to_cache(&st->ss, ss, lo, hi | 0x100u);
  st->esp = esp;
  st->big = (hi & 0x00400000u) != 0;
  st->sp = st->big ? esp : esp & 0xffffu;
  st->user = false;
  st->err = SEL_ERR(ss) | ext;
}

/* Make a prepared stack the current one. */
static void stack_commit(Cpu *cpu, const NewStack *st, bool load_ss) {
  if (load_ss) {
    cpu->seg[S_SS] = st->ss;
    cpu_update_mode(cpu);
  }
  cpu->regs[R_ESP] = stack_final_esp(st);
}

/* ---- task gates ---- */

/* Switch through the TSS a task gate names. */
static void task_via_gate(Cpu *cpu, uint16_t tss, int source, uint32_t err, uint32_t ext) {
  uint32_t lo, hi;
  if ((tss & 4) || !pmode_read_desc(cpu, tss, &lo, &hi))
    cpu_raise(cpu, EXC_GP, SEL_ERR(tss) | ext);
  unsigned t = d_type(hi);
  if (!d_system(hi) || (t != 1 && t != 9))
    cpu_raise(cpu, EXC_GP, SEL_ERR(tss) | ext);
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(tss) | ext);
  pmode_task_switch(cpu, tss, lo, hi, source, err);
}

/* JMP/CALL to a gate or TSS: gate DPL >= max(CPL, RPL) and present. */
static void check_gate(Cpu *cpu, uint16_t sel, uint32_t hi) {
  if (d_dpl(hi) < cpu->cpl || d_dpl(hi) < (sel & 3u))
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(sel));
}

/* Code segment named directly by JMP/CALL far. */
static void check_direct_code(Cpu *cpu, uint16_t sel, uint32_t hi) {
  if (d_conforming(hi)) {
    if (d_dpl(hi) > cpu->cpl)
      cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  } else if ((sel & 3u) > cpu->cpl || d_dpl(hi) != cpu->cpl) {
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  }
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(sel));
  pmode_set_accessed(cpu, sel, hi);
}

/* Target code segment of a call gate: reads and checks it. */
static void gate_target(Cpu *cpu, uint32_t glo, uint16_t *tsel, uint32_t *lo, uint32_t *hi) {
  *tsel = (uint16_t)(glo >> 16);
  if (!(*tsel & 0xfffc))
    cpu_raise(cpu, EXC_GP, 0);
  if (!pmode_read_desc(cpu, *tsel, lo, hi) || !d_code(*hi) || d_dpl(*hi) > cpu->cpl)
    cpu_raise(cpu, EXC_GP, SEL_ERR(*tsel));
  if (!d_present(*hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(*tsel));
  pmode_set_accessed(cpu, *tsel, *hi);
}

static uint32_t gate_offset(uint32_t lo, uint32_t hi) {
  return (lo & 0xffffu) | ((hi & 0x800u) ? hi & 0xffff0000u : 0);
}

/* ---- far JMP ---- */

void pmode_far_jump(Cpu *cpu, uint16_t sel, uint32_t off, bool o32) {
  (void)o32;
  uint32_t lo, hi;
  if (!(sel & 0xfffc))
    cpu_raise(cpu, EXC_GP, 0);
  if (!pmode_read_desc(cpu, sel, &lo, &hi))
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  if (d_code(hi)) {
    check_direct_code(cpu, sel, hi);
    if (off > d_limit(lo, hi))
      cpu_raise(cpu, EXC_GP, 0);
    load_cs(cpu, sel, lo, hi, cpu->cpl);
    cpu->next_eip = off;
    return;
  }
  if (!d_system(hi))
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  switch (d_type(hi)) {
  case 4:
  case 12: { /* call gate: JMP does not change privilege */
    check_gate(cpu, sel, hi);
    uint16_t tsel;
    uint32_t tlo, thi;
    gate_target(cpu, lo, &tsel, &tlo, &thi);
    if (!d_conforming(thi) && d_dpl(thi) != cpu->cpl)
      cpu_raise(cpu, EXC_GP, SEL_ERR(tsel));
    uint32_t toff = gate_offset(lo, hi);
    if (toff > d_limit(tlo, thi))
      cpu_raise(cpu, EXC_GP, 0);
    load_cs(cpu, tsel, tlo, thi, cpu->cpl);
    cpu->next_eip = toff;
    return;
  }
  case 5: /* task gate */
    check_gate(cpu, sel, hi);
    task_via_gate(cpu, (uint16_t)(lo >> 16), 0, ERR_NONE, 0);
    return;
  case 1:
  case 9: /* available TSS */
    check_gate(cpu, sel, hi);
    pmode_task_switch(cpu, sel, lo, hi, 0, ERR_NONE);
    return;
  default:
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  }
}

/* ---- far CALL ---- */

void pmode_far_call(Cpu *cpu, uint16_t sel, uint32_t off, bool o32) {
  uint32_t lo, hi;
  NewStack st;
  if (!(sel & 0xfffc))
    cpu_raise(cpu, EXC_GP, 0);
  if (!pmode_read_desc(cpu, sel, &lo, &hi))
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  if (d_code(hi)) {
    int n = o32 ? 4 : 2;
    check_direct_code(cpu, sel, hi);
    stack_current(cpu, &st);
    stack_push(cpu, &st, cpu->seg[S_CS].sel, n);
    stack_push(cpu, &st, cpu->next_eip, n);
    if (off > d_limit(lo, hi))
      cpu_raise(cpu, EXC_GP, 0);
    stack_commit(cpu, &st, false);
    load_cs(cpu, sel, lo, hi, cpu->cpl);
    cpu->next_eip = off;
    return;
  }
  if (!d_system(hi))
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  switch (d_type(hi)) {
  case 4:
  case 12: {
    check_gate(cpu, sel, hi);
    uint16_t tsel;
    uint32_t tlo, thi;
    gate_target(cpu, lo, &tsel, &tlo, &thi);
    int n = (hi & 0x800u) ? 4 : 2;
    uint32_t toff = gate_offset(lo, hi);
    unsigned tdpl = d_dpl(thi);
    if (!d_conforming(thi) && tdpl < cpu->cpl) {
      /* More privileged: switch to the inner stack and copy the parameters. */
      unsigned count = hi & 0x1f;
      uint32_t params[32];
      stack_inner(cpu, tdpl, &st, 0);
      for (unsigned i = 0; i < count; i++)
        params[i] = stack_peek(cpu, i * (uint32_t)n, n);
      stack_push(cpu, &st, cpu->seg[S_SS].sel, n);
      stack_push(cpu, &st, cpu->regs[R_ESP], n);
      for (unsigned i = count; i-- > 0;)
        stack_push(cpu, &st, params[i], n);
      stack_push(cpu, &st, cpu->seg[S_CS].sel, n);
      stack_push(cpu, &st, cpu->next_eip, n);
      if (toff > d_limit(tlo, thi))
        cpu_raise(cpu, EXC_GP, 0);
      stack_commit(cpu, &st, true);
      load_cs(cpu, tsel, tlo, thi, tdpl);
    } else {
      stack_current(cpu, &st);
      stack_push(cpu, &st, cpu->seg[S_CS].sel, n);
      stack_push(cpu, &st, cpu->next_eip, n);
      if (toff > d_limit(tlo, thi))
        cpu_raise(cpu, EXC_GP, 0);
      stack_commit(cpu, &st, false);
      load_cs(cpu, tsel, tlo, thi, cpu->cpl);
    }
    cpu->next_eip = toff;
    return;
  }
  case 5:
    check_gate(cpu, sel, hi);
    task_via_gate(cpu, (uint16_t)(lo >> 16), 1, ERR_NONE, 0);
    return;
  case 1:
  case 9:
    check_gate(cpu, sel, hi);
    pmode_task_switch(cpu, sel, lo, hi, 1, ERR_NONE);
    return;
  default:
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  }
}

/* ---- RET / IRET ---- */

/* Code segment a RETF/IRET returns to (RPL = the new CPL). */
static void check_return_cs(Cpu *cpu, uint16_t cs, uint32_t *lo, uint32_t *hi) {
  if (!(cs & 0xfffc))
    cpu_raise(cpu, EXC_GP, 0);
  if (!pmode_read_desc(cpu, cs, lo, hi) || !d_code(*hi))
    cpu_raise(cpu, EXC_GP, SEL_ERR(cs));
  unsigned rpl = cs & 3u;
  if (rpl < cpu->cpl)
    cpu_raise(cpu, EXC_GP, SEL_ERR(cs));
  if (d_conforming(*hi) ? d_dpl(*hi) > rpl : d_dpl(*hi) != rpl)
    cpu_raise(cpu, EXC_GP, SEL_ERR(cs));
  if (!d_present(*hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(cs));
  pmode_set_accessed(cpu, cs, *hi);
}

/* Stack segment of the outer level a RETF/IRET returns to. */
static void check_return_ss(Cpu *cpu, uint16_t ss, unsigned rpl, uint32_t *lo, uint32_t *hi) {
  if (!(ss & 0xfffc))
    cpu_raise(cpu, EXC_GP, 0);
  if ((ss & 3u) != rpl || !pmode_read_desc(cpu, ss, lo, hi) || !d_writable_data(*hi) ||
      d_dpl(*hi) != rpl)
    cpu_raise(cpu, EXC_GP, SEL_ERR(ss));
  if (!d_present(*hi))
    cpu_raise(cpu, EXC_SS, SEL_ERR(ss));
  pmode_set_accessed(cpu, ss, *hi);
}

/* Load SS:ESP of the outer level, ESP sized by the new SS. */
static void load_outer_stack(Cpu *cpu, uint16_t ss, uint32_t lo, uint32_t hi, uint32_t esp) {
  load_seg_desc(cpu, S_SS, ss, lo, hi);
  cpu_update_mode(cpu);
  if (hi & 0x00400000u)
    cpu->regs[R_ESP] = esp;
  else
    set_reg16(cpu, R_ESP, (uint16_t)esp);
}

void pmode_far_return(Cpu *cpu, bool o32, uint16_t extra_pop) {
  int n = o32 ? 4 : 2;
  uint32_t eip = stack_peek(cpu, 0, n);
  uint16_t cs = (uint16_t)stack_peek(cpu, (uint32_t)n, n);
  uint32_t lo, hi;
  check_return_cs(cpu, cs, &lo, &hi);
  unsigned rpl = cs & 3u;
  if (rpl == cpu->cpl) {
    if (eip > d_limit(lo, hi))
      cpu_raise(cpu, EXC_GP, 0);
    set_sp(cpu, get_sp(cpu) + 2u * (uint32_t)n + extra_pop);
    load_cs(cpu, cs, lo, hi, rpl);
    cpu->next_eip = eip;
    return;
  }
  /* Return to an outer level: SS:ESP follow the parameters. */
  uint32_t base = 2u * (uint32_t)n + extra_pop;
  uint32_t esp = stack_peek(cpu, base, n);
  uint16_t ss = (uint16_t)stack_peek(cpu, base + (uint32_t)n, n);
  uint32_t slo, shi;
  check_return_ss(cpu, ss, rpl, &slo, &shi);
  if (eip > d_limit(lo, hi))
    cpu_raise(cpu, EXC_GP, 0);
  load_cs(cpu, cs, lo, hi, rpl);
  load_outer_stack(cpu, ss, slo, shi, esp);
  set_sp(cpu, get_sp(cpu) + extra_pop);
  invalidate_data_segs(cpu);
  cpu->next_eip = eip;
}

/* IRET from CPL 0 with VM set in the popped EFLAGS: back to virtual-8086 mode. */
static void iret_to_v86(Cpu *cpu, uint32_t eip, uint16_t cs, uint32_t fl) {
  uint32_t esp = stack_peek(cpu, 12, 4);
  uint16_t sel[4]; /* ES DS FS GS */
  uint16_t ss = (uint16_t)stack_peek(cpu, 16, 4);
  for (int i = 0; i < 4; i++)
    sel[i] = (uint16_t)stack_peek(cpu, 20 + 4u * (uint32_t)i, 4);
  if (eip > 0xffffu)
    cpu_raise(cpu, EXC_GP, 0);
  cpu_set_flags(cpu, fl, 0xffffffffu);
  cpu->cpl = 3;
  cpu_update_mode(cpu);
  cpu_load_seg_real(cpu, S_CS, cs);
  cpu_load_seg_real(cpu, S_SS, ss);
  cpu_load_seg_real(cpu, S_ES, sel[0]);
  cpu_load_seg_real(cpu, S_DS, sel[1]);
  cpu_load_seg_real(cpu, S_FS, sel[2]);
  cpu_load_seg_real(cpu, S_GS, sel[3]);
  cpu->regs[R_ESP] = esp;
  cpu->next_eip = eip;
}

void pmode_iret(Cpu *cpu, bool o32) {
  uint32_t lo, hi;
  if (cpu->eflags & F_NT) {
    /* Return from a nested task through the back link of the current TSS. */
    uint16_t link = lin_read16_sys(cpu, cpu->seg[S_TR].base);
    if ((link & 4) || !pmode_read_desc(cpu, link, &lo, &hi) || !d_system(hi) ||
        (d_type(hi) != 3 && d_type(hi) != 11))
      cpu_raise(cpu, EXC_TS, SEL_ERR(link));
    if (!d_present(hi))
      cpu_raise(cpu, EXC_NP, SEL_ERR(link));
    pmode_task_switch(cpu, link, lo, hi, 2, ERR_NONE);
    return;
  }
  int n = o32 ? 4 : 2;
  uint32_t eip = stack_peek(cpu, 0, n);
  uint16_t cs = (uint16_t)stack_peek(cpu, (uint32_t)n, n);
  uint32_t fl = stack_peek(cpu, 2u * (uint32_t)n, n);
  if (o32 && (fl & F_VM) && cpu->cpl == 0) {
    iret_to_v86(cpu, eip, cs, fl);
    return;
  }
  check_return_cs(cpu, cs, &lo, &hi);
  unsigned rpl = cs & 3u;
  /* Which flags the old CPL may change. */
  uint32_t mask = F_ARITH | F_TF | F_DF | F_NT | F_RF | F_AC | F_ID;
  if (cpu->cpl == 0)
    mask |= F_IOPL | F_VIF | F_VIP;
  if (cpu->cpl <= ((cpu->eflags >> 12) & 3))
    mask |= F_IF;
  if (!o32)
    mask &= 0xffffu;
  if (rpl == cpu->cpl) {
    if (eip > d_limit(lo, hi))
      cpu_raise(cpu, EXC_GP, 0);
    set_sp(cpu, get_sp(cpu) + 3u * (uint32_t)n);
    cpu_set_flags(cpu, fl, mask);
    load_cs(cpu, cs, lo, hi, rpl);
    cpu->next_eip = eip;
    return;
  }
  uint32_t esp = stack_peek(cpu, 3u * (uint32_t)n, n);
  uint16_t ss = (uint16_t)stack_peek(cpu, 4u * (uint32_t)n, n);
  uint32_t slo, shi;
  check_return_ss(cpu, ss, rpl, &slo, &shi);
  if (eip > d_limit(lo, hi))
    cpu_raise(cpu, EXC_GP, 0);
  cpu_set_flags(cpu, fl, mask);
  load_cs(cpu, cs, lo, hi, rpl);
  load_outer_stack(cpu, ss, slo, shi, esp);
  invalidate_data_segs(cpu);
  cpu->next_eip = eip;
}

/* ---- interrupts and exceptions ---- */

void pmode_deliver_interrupt(Cpu *cpu, int vector, bool software, uint32_t error_code,
                             uint32_t return_eip) {
  uint32_t ext = software ? 0 : 1;
  uint32_t idt_err = (uint32_t)vector * 8 + 2 + ext;
  uint32_t ent = (uint32_t)vector * 8;
  if (ent + 7 > cpu->idt_limit)
    raise_why(cpu, EXC_GP, idt_err, "vector beyond the IDT limit");
  uint32_t lo = lin_read32_sys(cpu, cpu->idt_base + ent);
  uint32_t hi = lin_read32_sys(cpu, cpu->idt_base + ent + 4);
  unsigned type = (hi >> 8) & 0x1f; /* S bit included: must be 0 */
  if (type != 5 && type != 6 && type != 7 && type != 14 && type != 15)
    raise_why(cpu, EXC_GP, idt_err, "IDT entry is not an interrupt, trap or task gate");
  if (software && d_dpl(hi) < cpu->cpl)
    raise_why(cpu, EXC_GP, idt_err, "privilege: INT n to a gate whose DPL is below CPL");
  if (!d_present(hi))
    raise_why(cpu, EXC_NP, idt_err, "IDT gate not present");
  if (type == 5) {
    cpu->next_eip = return_eip;
    task_via_gate(cpu, (uint16_t)(lo >> 16), 1, error_code, ext);
    return;
  }

  uint16_t tsel = (uint16_t)(lo >> 16);
  uint32_t tlo, thi;
  if (!(tsel & 0xfffc))
    cpu_raise(cpu, EXC_GP, ext);
  if (!pmode_read_desc(cpu, tsel, &tlo, &thi) || !d_code(thi) || d_dpl(thi) > cpu->cpl)
    cpu_raise(cpu, EXC_GP, SEL_ERR(tsel) | ext);
  if (!d_present(thi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(tsel) | ext);
  pmode_set_accessed(cpu, tsel, thi);

  int n = (type & 8) ? 4 : 2;
  uint32_t toff = gate_offset(lo, hi);
  bool v86 = (cpu->eflags & F_VM) != 0;
  uint32_t fl = cpu_get_flags(cpu);
  unsigned new_cpl;
  bool inner = !d_conforming(thi) && d_dpl(thi) < cpu->cpl;
  NewStack st;
  if (inner) {
    if (v86 && d_dpl(thi) != 0)
      cpu_raise(cpu, EXC_GP, SEL_ERR(tsel) | ext);
    new_cpl = d_dpl(thi);
    stack_inner(cpu, new_cpl, &st, ext);
    if (v86) {
      stack_push(cpu, &st, cpu->seg[S_GS].sel, n);
      stack_push(cpu, &st, cpu->seg[S_FS].sel, n);
      stack_push(cpu, &st, cpu->seg[S_DS].sel, n);
      stack_push(cpu, &st, cpu->seg[S_ES].sel, n);
    }
    stack_push(cpu, &st, cpu->seg[S_SS].sel, n);
    stack_push(cpu, &st, cpu->regs[R_ESP], n);
  } else {
    if (v86)
      cpu_raise(cpu, EXC_GP, SEL_ERR(tsel) | ext);
    new_cpl = cpu->cpl;
    stack_current(cpu, &st);
  }
  stack_push(cpu, &st, fl, n);
  stack_push(cpu, &st, cpu->seg[S_CS].sel, n);
  stack_push(cpu, &st, return_eip, n);
  if (error_code != ERR_NONE)
    stack_push(cpu, &st, error_code, n);
  if (toff > d_limit(tlo, thi))
    cpu_raise(cpu, EXC_GP, 0);

  /* Commit. */
  uint32_t clear = F_TF | F_NT | F_RF | F_VM | ((type & 1) ? 0 : F_IF);
  cpu->eflags = fl & ~clear;
  cpu->cc_op = CC_EFLAGS;
  cpu->cpl = new_cpl;
  stack_commit(cpu, &st, inner);
  if (v86) {
    load_null(&cpu->seg[S_ES], 0);
    load_null(&cpu->seg[S_DS], 0);
    load_null(&cpu->seg[S_FS], 0);
    load_null(&cpu->seg[S_GS], 0);
  }
  load_cs(cpu, tsel, tlo, thi, new_cpl);
  cpu->eip = cpu->next_eip = toff;
}

/* ---- LDTR and TR ---- */

void pmode_load_ldt(Cpu *cpu, uint16_t sel) {
  uint32_t lo, hi;
  if (!(sel & 0xfffc)) {
    load_null(&cpu->seg[S_LDTR], sel);
    return;
  }
  if ((sel & 4) || !pmode_read_desc(cpu, sel, &lo, &hi) || !d_system(hi) || d_type(hi) != 2)
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(sel));
  pmode_desc_to_cache(&cpu->seg[S_LDTR], sel, lo, hi);
}

void pmode_load_tr(Cpu *cpu, uint16_t sel) {
  uint32_t lo, hi;
  if (!(sel & 0xfffc))
    cpu_raise(cpu, EXC_GP, 0);
  if ((sel & 4) || !pmode_read_desc(cpu, sel, &lo, &hi) || !d_system(hi) ||
      (d_type(hi) != 1 && d_type(hi) != 9))
    cpu_raise(cpu, EXC_GP, SEL_ERR(sel));
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(sel));
  lin_write32_sys(cpu, desc_addr(cpu, sel) + 4, hi | 0x200u);
  pmode_desc_to_cache(&cpu->seg[S_TR], sel, lo, hi | 0x200u);
}

/* ---- hardware task switch ---- */

/* Segment loads of the new task: like the ordinary checks, but faults are #TS. */
static void task_load_cs(Cpu *cpu, uint16_t sel) {
  uint32_t lo, hi;
  unsigned rpl = sel & 3u;
  if (!(sel & 0xfffc) || !pmode_read_desc(cpu, sel, &lo, &hi) || !d_code(hi) ||
      (d_conforming(hi) ? d_dpl(hi) > rpl : d_dpl(hi) != rpl))
    cpu_raise(cpu, EXC_TS, SEL_ERR(sel));
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(sel));
  load_cs(cpu, sel, lo, hi, rpl);
}

static void task_load_ss(Cpu *cpu, uint16_t sel) {
  uint32_t lo, hi;
  if (!(sel & 0xfffc) || (sel & 3u) != cpu->cpl || !pmode_read_desc(cpu, sel, &lo, &hi) ||
      !d_writable_data(hi) || d_dpl(hi) != cpu->cpl)
    cpu_raise(cpu, EXC_TS, SEL_ERR(sel));
  if (!d_present(hi))
    cpu_raise(cpu, EXC_SS, SEL_ERR(sel));
  load_seg_desc(cpu, S_SS, sel, lo, hi);
  cpu_update_mode(cpu);
}

static void task_load_data(Cpu *cpu, int seg, uint16_t sel) {
  uint32_t lo, hi;
  if (!(sel & 0xfffc)) {
    load_null(&cpu->seg[seg], sel);
    return;
  }
  if (!pmode_read_desc(cpu, sel, &lo, &hi) || d_system(hi) || !d_readable(hi) ||
      (!d_conforming(hi) && (d_dpl(hi) < cpu->cpl || d_dpl(hi) < (sel & 3u))))
    cpu_raise(cpu, EXC_TS, SEL_ERR(sel));
  if (!d_present(hi))
    cpu_raise(cpu, EXC_NP, SEL_ERR(sel));
  load_seg_desc(cpu, seg, sel, lo, hi);
}

static void task_load_ldt(Cpu *cpu, uint16_t sel) {
  uint32_t lo, hi;
  if (!(sel & 0xfffc)) {
    load_null(&cpu->seg[S_LDTR], sel);
    return;
  }
  if ((sel & 4) || !pmode_read_desc(cpu, sel, &lo, &hi) || !d_system(hi) || d_type(hi) != 2 ||
      !d_present(hi))
    cpu_raise(cpu, EXC_TS, SEL_ERR(sel));
  pmode_desc_to_cache(&cpu->seg[S_LDTR], sel, lo, hi);
}

/*
 * Switch to the task whose TSS descriptor (already checked: available for
 * JMP/CALL/INT, busy for IRET, present) is sel:lo:hi.  The outgoing task's
 * EIP is cpu->next_eip.
 */
void pmode_task_switch(Cpu *cpu, uint16_t tss_sel, uint32_t lo, uint32_t hi, int source,
                       uint32_t error_code) {
  bool n32 = (hi & 0x800u) != 0;
  uint32_t nbase = d_base(lo, hi), nlimit = d_limit(lo, hi);
  if (nlimit < (n32 ? 0x67u : 0x2bu))
    cpu_raise(cpu, EXC_TS, SEL_ERR(tss_sel));
  SegCache *tr = &cpu->seg[S_TR];
  bool o32 = (tr->flags & 8) != 0;
  uint32_t obase = tr->base;
  if (tr->limit < (o32 ? 0x5fu : 0x29u))
    cpu_raise(cpu, EXC_TS, SEL_ERR(tr->sel));

  /* Read the whole incoming state first. */
  uint32_t ncr3 = 0, neip, nfl, nregs[8];
  uint16_t nseg[6], nldt;
  bool debug_trap = false;
  if (n32) {
    ncr3 = lin_read32_sys(cpu, nbase + 0x1c);
    neip = lin_read32_sys(cpu, nbase + 0x20);
    nfl = lin_read32_sys(cpu, nbase + 0x24);
    for (int i = 0; i < 8; i++)
      nregs[i] = lin_read32_sys(cpu, nbase + 0x28 + 4u * (uint32_t)i);
    for (int i = 0; i < 6; i++)
      nseg[i] = lin_read16_sys(cpu, nbase + 0x48 + 4u * (uint32_t)i);
    nldt = lin_read16_sys(cpu, nbase + 0x60);
    debug_trap = lin_read16_sys(cpu, nbase + 0x64) & 1;
  } else {
    neip = lin_read16_sys(cpu, nbase + 0x0e);
    nfl = lin_read16_sys(cpu, nbase + 0x10);
    for (int i = 0; i < 8; i++) /* the upper halves are not part of a 16-bit TSS */
      nregs[i] = (cpu->regs[i] & 0xffff0000u) | lin_read16_sys(cpu, nbase + 0x12 + 2u * (uint32_t)i);
    for (int i = 0; i < 4; i++)
      nseg[i] = lin_read16_sys(cpu, nbase + 0x22 + 2u * (uint32_t)i);
    nseg[S_FS] = nseg[S_GS] = 0;
    nldt = lin_read16_sys(cpu, nbase + 0x2a);
  }
  /* Probe the writes to the incoming TSS and the descriptors. */
  if (source == 1)
    lin_check_write(cpu, nbase, 2);

  /* Save the outgoing task. */
  uint32_t ofl = cpu_get_flags(cpu);
  if (source == 2)
    ofl &= ~F_NT;
  if (o32) {
    lin_write32_sys(cpu, obase + 0x20, cpu->next_eip);
    lin_write32_sys(cpu, obase + 0x24, ofl);
    for (int i = 0; i < 8; i++)
      lin_write32_sys(cpu, obase + 0x28 + 4u * (uint32_t)i, cpu->regs[i]);
    for (int i = 0; i < 6; i++)
      lin_write16_sys(cpu, obase + 0x48 + 4u * (uint32_t)i, cpu->seg[i].sel);
  } else {
    lin_write16_sys(cpu, obase + 0x0e, (uint16_t)cpu->next_eip);
    lin_write16_sys(cpu, obase + 0x10, (uint16_t)ofl);
    for (int i = 0; i < 8; i++)
      lin_write16_sys(cpu, obase + 0x12 + 2u * (uint32_t)i, (uint16_t)cpu->regs[i]);
    for (int i = 0; i < 4; i++)
      lin_write16_sys(cpu, obase + 0x22 + 2u * (uint32_t)i, cpu->seg[i].sel);
  }

  /* Busy bits and the back link. */
  uint16_t old_sel = tr->sel;
  if (source != 1) { /* JMP, IRET: the old task is no longer busy */
    uint32_t a = desc_addr(cpu, old_sel) + 5;
    lin_write8_sys(cpu, a, (uint8_t)(lin_read8_sys(cpu, a) & ~2u));
  }
  if (source == 1) {
    lin_write16_sys(cpu, nbase, old_sel);
    nfl |= F_NT;
  }
  if (source != 2)
    lin_write8_sys(cpu, desc_addr(cpu, tss_sel) + 5, (uint8_t)((hi >> 8) | 2u));

  /* Commit: from here on, faults happen in the new task. */
  pmode_desc_to_cache(tr, tss_sel, lo, hi | 0x200u);
  cpu->cr[0] |= CR0_TS;
  if (cpu->dr[7] & DR7_LMASK) { /* local breakpoints belong to the old task */
    cpu->dr[7] &= ~DR7_LMASK;
    cpu_dr_update(cpu);
  }
  if (n32 && (cpu->cr[0] & CR0_PG)) {
    cpu->cr[3] = ncr3 & 0xfffff018u;
    tlb_flush(cpu);
  }
  for (int i = 0; i < 8; i++)
    cpu->regs[i] = nregs[i];
  cpu->cc_op = CC_EFLAGS;
  cpu->eflags = 2;
  cpu_set_flags(cpu, nfl, n32 ? 0xffffffffu : 0xffffu);
  if (!n32)
    neip &= 0xffffu;
  cpu->eip = cpu->next_eip = neip;
  for (int i = 0; i < 6; i++)
    load_null(&cpu->seg[i], nseg[i]);
  load_null(&cpu->seg[S_LDTR], nldt);
  bool v86 = (cpu->eflags & F_VM) != 0;
  cpu->cpl = v86 ? 3 : nseg[S_CS] & 3u;
  cpu_update_mode(cpu);

  task_load_ldt(cpu, nldt);
  if (v86) {
    for (int i = 0; i < 6; i++)
      cpu_load_seg_real(cpu, i, nseg[i]);
  } else {
    task_load_cs(cpu, nseg[S_CS]);
    task_load_ss(cpu, nseg[S_SS]);
    task_load_data(cpu, S_ES, nseg[S_ES]);
    task_load_data(cpu, S_DS, nseg[S_DS]);
    task_load_data(cpu, S_FS, nseg[S_FS]);
    task_load_data(cpu, S_GS, nseg[S_GS]);
  }
  if (error_code != ERR_NONE) {
    NewStack st;
    stack_current(cpu, &st);
    stack_push(cpu, &st, error_code, n32 ? 4 : 2);
    stack_commit(cpu, &st, false);
  }
  if (neip > cpu->seg[S_CS].limit)
    cpu_raise(cpu, EXC_GP, 0);
  if (debug_trap) { /* TSS T bit: debug trap before the new task's first instruction */
    cpu->dr[6] |= DR6_BT;
    cpu_raise(cpu, EXC_DB, ERR_NONE);
  }
}
