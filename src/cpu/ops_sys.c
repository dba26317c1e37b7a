/*
 * ops_sys.c — system instructions and far control transfers.
 *
 * Far JMP/CALL/RET/IRET for real and virtual-8086 mode (protected mode is
 * handed to pmode.c), INT n/INT3/INTO/INT1, CLI/STI, IN/OUT with the I/O
 * permission bitmap, HLT, CPUID, RDTSC, RDMSR/WRMSR, RDPMC, control and
 * debug registers, LGDT/LIDT/SGDT/SIDT, LMSW/SMSW/CLTS, INVLPG, INVD,
 * LLDT/LTR/SLDT/STR, LAR/LSL/VERR/VERW, ARPL, SYSENTER/SYSEXIT.
 *
 * References: Intel SDM Vol. 2 (instruction pages) and Vol. 3A chapters 2
 * (control registers), 5 (protection), 7 (tasks), 16.5 (I/O bitmap) and 20
 * (virtual-8086 mode).  As everywhere in the core, every check that can
 * fault runs before the first change of architectural state.
 */
#include "log.h"
#include "cpu.h"
#include "exec.h"
#include "ops.h"
#include "pmode.h"

#include <string.h>

/* CPUID leaf 1 EDX: FPU, PSE, TSC, MSR, CX8, SEP, PGE, CMOV, MMX, FXSR. */
#define CPUID_FEATURES 0x0180a939u
#define CPUID_SIGNATURE 0x00000663u /* family 6, model 6, stepping 3 */

static inline bool in_v86(const Cpu *c) { return (c->mode & CPU_MODE_VM86) != 0; }
static inline unsigned iopl(const Cpu *c) { return (c->eflags >> 12) & 3; }

/* Privileged instruction: CPL 0 in protected mode (v86 runs at CPL 3). */
static void need_cpl0(Cpu *c) {
  if ((c->mode & CPU_MODE_PE) && c->cpl != 0)
    cpu_raise(c, EXC_GP, 0);
}

/* Instructions not recognised in real and v86 mode (LLDT, LAR, ARPL...). */
static void need_pmode(Cpu *c) {
  if (!cpu_pmode(c))
    cpu_raise(c, EXC_UD, ERR_NONE);
}

/* ---- I/O permission ---- */

bool cpu_io_allowed(Cpu *c, uint16_t port, int size) {
  if (!(c->mode & CPU_MODE_PE))
    return true;
  if (!in_v86(c) && c->cpl <= iopl(c))
    return true;
  const SegCache *tr = &c->seg[S_TR];
  unsigned type = tr->flags & 0xf;
  if ((type != 9 && type != 11) || tr->limit < 0x67)
    return false;
  uint32_t iobase = lin_read16_sys(c, tr->base + 0x66);
  uint32_t off = iobase + (port >> 3);
  if (off + 1 > tr->limit) /* both bytes of the word read must be inside */
    return false;
  uint32_t bits = lin_read16_sys(c, tr->base + off);
  uint32_t mask = ((1u << size) - 1) << (port & 7);
  return (bits & mask) == 0;
}

void cpu_check_io(Cpu *c, uint16_t port, int size) {
  if (!cpu_io_allowed(c, port, size))
    cpu_raise(c, EXC_GP, 0);
}

/* ---- far transfers: real and virtual-8086 mode ---- */

/* Store v at SS:sp - size without committing SP; returns the new SP. */
static uint32_t stack_store(Cpu *c, uint32_t sp, uint32_t v, int size) {
  sp = (sp - (uint32_t)size) & sp_mask(c);
  if (size == 4)
    vwrite32(c, S_SS, sp, v);
  else
    vwrite16(c, S_SS, sp, (uint16_t)v);
  return sp;
}

/* The limit CS will have after a real/v86-mode load. */
static uint32_t real_cs_limit(const Cpu *c) {
  return in_v86(c) ? 0xffffu : c->seg[S_CS].limit;
}

void cpu_set_eip_checked(Cpu *c, uint32_t eip) {
  if (eip > c->seg[S_CS].limit)
    cpu_raise(c, EXC_GP, 0);
  c->next_eip = eip;
}

void cpu_far_jump(Cpu *c, uint16_t sel, uint32_t off, bool o32) {
  if (!o32)
    off &= 0xffffu;
  if (cpu_pmode(c)) {
    pmode_far_jump(c, sel, off, o32);
    return;
  }
  if (off > real_cs_limit(c))
    cpu_raise(c, EXC_GP, 0);
  cpu_load_seg_real(c, S_CS, sel);
  c->next_eip = off;
}

void cpu_far_call(Cpu *c, uint16_t sel, uint32_t off, bool o32) {
  if (!o32)
    off &= 0xffffu;
  if (cpu_pmode(c)) {
    pmode_far_call(c, sel, off, o32);
    return;
  }
  int n = o32 ? 4 : 2;
  if (off > real_cs_limit(c))
    cpu_raise(c, EXC_GP, 0);
  uint32_t sp = get_sp(c);
  sp = stack_store(c, sp, c->seg[S_CS].sel, n);
  sp = stack_store(c, sp, c->next_eip, n);
  set_sp(c, sp);
  cpu_load_seg_real(c, S_CS, sel);
  c->next_eip = off;
}

void cpu_far_return(Cpu *c, bool o32, uint16_t extra_pop) {
  if (cpu_pmode(c)) {
    pmode_far_return(c, o32, extra_pop);
    return;
  }
  int n = o32 ? 4 : 2;
  uint32_t ip = stack_peek(c, 0, n);
  uint16_t cs = (uint16_t)stack_peek(c, (uint32_t)n, n);
  if (ip > real_cs_limit(c))
    cpu_raise(c, EXC_GP, 0);
  set_sp(c, get_sp(c) + 2u * (uint32_t)n + extra_pop);
  cpu_load_seg_real(c, S_CS, cs);
  c->next_eip = ip;
}

void cpu_iret(Cpu *c, bool o32) {
  if (cpu_pmode(c)) {
    pmode_iret(c, o32);
    return;
  }
  if (in_v86(c) && iopl(c) < 3)
    cpu_raise(c, EXC_GP, 0);
  int n = o32 ? 4 : 2;
  uint32_t ip = stack_peek(c, 0, n);
  uint16_t cs = (uint16_t)stack_peek(c, (uint32_t)n, n);
  uint32_t fl = stack_peek(c, 2u * (uint32_t)n, n);
  if (ip > real_cs_limit(c))
    cpu_raise(c, EXC_GP, 0);
  uint32_t mask;
  if (in_v86(c)) /* IOPL, VM, VIP, VIF unchanged */
    mask = o32 ? 0x00254fd5u : 0x4fd5u;
  else if (cpu_is_286(c)) /* real mode: a 286 keeps FLAGS bits 12-15 clear */
    mask = 0x0fd5u;
  else /* real mode: a 386 lets IRET change IOPL and NT */
    mask = o32 ? 0x00257fd5u : 0x7fd5u;
  set_sp(c, get_sp(c) + 3u * (uint32_t)n);
  cpu_set_flags(c, fl, mask);
  cpu_load_seg_real(c, S_CS, cs);
  c->next_eip = ip;
}

/* ---- far transfer instructions ---- */

/* Read a far pointer m16:16 / m16:32 from memory. */
static void read_far_ptr(Cpu *c, const Insn *in, uint16_t *sel, uint32_t *off) {
  uint32_t ea = ea_offset(c, in);
  if (in->flags & INSN_O32) {
    *off = vread32(c, in->seg, ea);
    *sel = vread16(c, in->seg, ea + 4);
  } else {
    *off = vread16(c, in->seg, ea);
    *sel = vread16(c, in->seg, ea + 2);
  }
}

void op_jmpf_Ap(Cpu *cpu, const Insn *in) {
  cpu_far_jump(cpu, (uint16_t)in->imm2, in->imm, in->flags & INSN_O32);
}

void op_jmpf_Mp(Cpu *cpu, const Insn *in) {
  uint16_t sel;
  uint32_t off;
  read_far_ptr(cpu, in, &sel, &off);
  cpu_far_jump(cpu, sel, off, in->flags & INSN_O32);
}

void op_callf_Ap(Cpu *cpu, const Insn *in) {
  cpu_far_call(cpu, (uint16_t)in->imm2, in->imm, in->flags & INSN_O32);
}

void op_callf_Mp(Cpu *cpu, const Insn *in) {
  uint16_t sel;
  uint32_t off;
  read_far_ptr(cpu, in, &sel, &off);
  cpu_far_call(cpu, sel, off, in->flags & INSN_O32);
}

void op_retf(Cpu *cpu, const Insn *in) { cpu_far_return(cpu, in->flags & INSN_O32, 0); }

void op_retf_Iw(Cpu *cpu, const Insn *in) {
  cpu_far_return(cpu, in->flags & INSN_O32, (uint16_t)in->imm);
}

void op_iret(Cpu *cpu, const Insn *in) {
  cpu_iret(cpu, in->flags & INSN_O32);
  cpu->nmi_blocked = false; /* the NMI handler's IRET opens the way for the next NMI */
}

/* ---- software interrupts ---- */

void op_int_Ib(Cpu *cpu, const Insn *in) {
  if (in_v86(cpu) && iopl(cpu) < 3)
    cpu_raise(cpu, EXC_GP, 0);
  cpu_deliver_interrupt(cpu, (int)(in->imm & 0xff), true, ERR_NONE, cpu->next_eip);
}

void op_int3(Cpu *cpu, const Insn *in) {
  (void)in;
  cpu_deliver_interrupt(cpu, EXC_BP, true, ERR_NONE, cpu->next_eip);
}

void op_into(Cpu *cpu, const Insn *in) {
  (void)in;
  if (cpu_get_flags(cpu) & F_OF)
    cpu_deliver_interrupt(cpu, EXC_OF, true, ERR_NONE, cpu->next_eip);
}

/* ICEBP: a debug trap delivered like a hardware event (no gate DPL check). */
void op_int1(Cpu *cpu, const Insn *in) {
  (void)in;
  cpu_deliver_interrupt(cpu, EXC_DB, false, ERR_NONE, cpu->next_eip);
}

/* ---- interrupt flag ---- */

static void check_if_change(Cpu *c) {
  if (in_v86(c) ? iopl(c) < 3 : ((c->mode & CPU_MODE_PE) && c->cpl > iopl(c)))
    cpu_raise(c, EXC_GP, 0);
}

void op_cli(Cpu *cpu, const Insn *in) {
  (void)in;
  check_if_change(cpu);
  cpu->eflags &= ~F_IF;
}

void op_sti(Cpu *cpu, const Insn *in) {
  (void)in;
  check_if_change(cpu);
  if (!(cpu->eflags & F_IF))
    cpu->inhibit_irq = true;
  cpu->eflags |= F_IF;
}

/* ---- port I/O ---- */

static uint32_t port_read(Cpu *c, uint16_t port, int size) {
  cpu_check_io(c, port, size);
  if (unlikely(c->dr_armed & DR_ARMED_IO))
    cpu_dr_check_io(c, port, (uint32_t)size);
  if (!c->port_in)
    return 0xffffffffu;
  return c->port_in(c->io_opaque, port, size);
}

static void port_write(Cpu *c, uint16_t port, int size, uint32_t v) {
  cpu_check_io(c, port, size);
  if (unlikely(c->dr_armed & DR_ARMED_IO))
    cpu_dr_check_io(c, port, (uint32_t)size);
  if (c->port_out)
    c->port_out(c->io_opaque, port, size, v);
}

void op_in_ALIb(Cpu *cpu, const Insn *in) {
  set_reg8(cpu, R_EAX, (uint8_t)port_read(cpu, (uint16_t)(in->imm & 0xff), 1));
}

void op_in_eAXIb(Cpu *cpu, const Insn *in) {
  int n = (in->flags & INSN_O32) ? 4 : 2;
  set_regv(cpu, in, R_EAX, port_read(cpu, (uint16_t)(in->imm & 0xff), n));
}

void op_in_ALDX(Cpu *cpu, const Insn *in) {
  (void)in;
  set_reg8(cpu, R_EAX, (uint8_t)port_read(cpu, reg16(cpu, R_EDX), 1));
}

void op_in_eAXDX(Cpu *cpu, const Insn *in) {
  int n = (in->flags & INSN_O32) ? 4 : 2;
  set_regv(cpu, in, R_EAX, port_read(cpu, reg16(cpu, R_EDX), n));
}

void op_out_IbAL(Cpu *cpu, const Insn *in) {
  port_write(cpu, (uint16_t)(in->imm & 0xff), 1, reg8(cpu, R_EAX));
}

void op_out_IbeAX(Cpu *cpu, const Insn *in) {
  int n = (in->flags & INSN_O32) ? 4 : 2;
  port_write(cpu, (uint16_t)(in->imm & 0xff), n, regv(cpu, in, R_EAX));
}

void op_out_DXAL(Cpu *cpu, const Insn *in) {
  (void)in;
  port_write(cpu, reg16(cpu, R_EDX), 1, reg8(cpu, R_EAX));
}

void op_out_DXeAX(Cpu *cpu, const Insn *in) {
  int n = (in->flags & INSN_O32) ? 4 : 2;
  port_write(cpu, reg16(cpu, R_EDX), n, regv(cpu, in, R_EAX));
}

/* ---- misc system ---- */

void op_hlt(Cpu *cpu, const Insn *in) {
  (void)in;
  need_cpl0(cpu);
  cpu->halted = true;
}

void op_ud2(Cpu *cpu, const Insn *in) {
  (void)in;
  cpu_raise(cpu, EXC_UD, ERR_NONE);
}

void op_cpuid(Cpu *cpu, const Insn *in) {
  (void)in;
  uint32_t leaf = cpu->regs[R_EAX];
  uint32_t a = 0, b = 0, c = 0, d = 0;
  if (leaf == 0) {
    a = 1;
    memcpy(&b, "Genu", 4);
    memcpy(&d, "ineI", 4);
    memcpy(&c, "ntel", 4);
  } else { /* leaf 1; any higher leaf returns the highest basic leaf */
    a = CPUID_SIGNATURE;
    d = CPUID_FEATURES;
    if (cpu->has_apic && (cpu->apic_base & 0x800)) { /* the flag follows the global enable */
      d |= 1u << 9;
      b = (uint32_t)cpu->apic_id << 24;
    }
  }
  cpu->regs[R_EAX] = a;
  cpu->regs[R_EBX] = b;
  cpu->regs[R_ECX] = c;
  cpu->regs[R_EDX] = d;
}

void op_rdtsc(Cpu *cpu, const Insn *in) {
  (void)in;
  if ((cpu->cr[4] & CR4_TSD) && (cpu->mode & CPU_MODE_PE) && cpu->cpl != 0)
    cpu_raise(cpu, EXC_GP, 0);
  uint64_t t = cpu_tsc(cpu); /* virtual time at CPU_TSC_HZ (cpu.c) */
  cpu->regs[R_EAX] = (uint32_t)t;
  cpu->regs[R_EDX] = (uint32_t)(t >> 32);
}

void op_rdpmc(Cpu *cpu, const Insn *in) {
  (void)in;
  if (!(cpu->cr[4] & CR4_PCE) && (cpu->mode & CPU_MODE_PE) && cpu->cpl != 0)
    cpu_raise(cpu, EXC_GP, 0);
  if (cpu->regs[R_ECX] > 1)
    cpu_raise(cpu, EXC_GP, 0);
  cpu->regs[R_EAX] = 0; /* no performance counters are modelled */
  cpu->regs[R_EDX] = 0;
}

/* MSR numbers. */
#define MSR_TSC 0x10u
#define MSR_PLATFORM_ID 0x17u
#define MSR_APIC_BASE 0x1bu
#define MSR_BIOS_SIGN 0x8bu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_MTRR_DEF_TYPE 0x2ffu

void op_rdmsr(Cpu *cpu, const Insn *in) {
  (void)in;
  need_cpl0(cpu);
  uint64_t v;
  switch (cpu->regs[R_ECX]) {
  case MSR_TSC: v = cpu_tsc(cpu); break;
  case MSR_PLATFORM_ID: v = 0; break;
  case MSR_APIC_BASE: v = cpu->apic_base; break;
  case MSR_BIOS_SIGN: v = 0; break;
  case MSR_SYSENTER_CS: v = cpu->sysenter_cs; break;
  case MSR_SYSENTER_ESP: v = cpu->sysenter_esp; break;
  case MSR_SYSENTER_EIP: v = cpu->sysenter_eip; break;
  case MSR_MTRR_DEF_TYPE: v = cpu->mtrr_def_type; break;
  default:
    cpu_log_once(LOG_MSR, "rdmsr of an unknown MSR", cpu->regs[R_ECX]);
    cpu_raise(cpu, EXC_GP, 0);
  }
  cpu->regs[R_EAX] = (uint32_t)v;
  cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

void op_wrmsr(Cpu *cpu, const Insn *in) {
  (void)in;
  need_cpl0(cpu);
  uint64_t v = ((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX];
  switch (cpu->regs[R_ECX]) {
  case MSR_TSC:
    /* A P6 writes only the low 32 bits and clears the high half (all 64
     * bits are writable from family 0Fh model 3 on): Intel SDM Vol. 3B,
     * "Time-Stamp Counter" (17.17). */
    cpu_set_tsc(cpu, (uint32_t)v);
    break;
  case MSR_PLATFORM_ID: break;
  case MSR_BIOS_SIGN: break;
  case MSR_APIC_BASE:
    if (v & ~0xfffff900ull) /* base, enable (bit 11), BSP (bit 8) */
      cpu_raise(cpu, EXC_GP, 0);
    cpu->apic_base = v;
    if (cpu->apic_base_changed)
      cpu->apic_base_changed(cpu->apic_opaque);
    break;
  case MSR_SYSENTER_CS: cpu->sysenter_cs = (uint32_t)v & 0xffffu; break;
  case MSR_SYSENTER_ESP: cpu->sysenter_esp = (uint32_t)v; break;
  case MSR_SYSENTER_EIP: cpu->sysenter_eip = (uint32_t)v; break;
  case MSR_MTRR_DEF_TYPE:
    if (v & ~0xcffull)
      cpu_raise(cpu, EXC_GP, 0);
    cpu->mtrr_def_type = v;
    break;
  default:
    cpu_log_once(LOG_MSR, "wrmsr of an unknown MSR", cpu->regs[R_ECX]);
    cpu_raise(cpu, EXC_GP, 0);
  }
}

/* ---- control registers ---- */

/* Write CR0 with all the side effects (mode, TLB). */
static void write_cr0(Cpu *c, uint32_t v) {
  if ((v & CR0_PG) && !(v & CR0_PE))
    cpu_raise(c, EXC_GP, 0);
  if ((v & CR0_NW) && !(v & CR0_CD))
    cpu_raise(c, EXC_GP, 0);
  v = (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD |
            CR0_PG)) | CR0_ET;
  uint32_t old = c->cr[0];
  c->cr[0] = v;
  if (!(v & CR0_PE))
    c->cpl = 0;
  if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE))
    tlb_flush(c);
  cpu_update_mode(c);
}

#define CR4_VALID (CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSFXSR | 0x400u)

void op_mov_RdCd(Cpu *cpu, const Insn *in) {
  need_cpl0(cpu);
  unsigned n = in->reg;
  if (n == 1 || n > 4)
    cpu_raise(cpu, EXC_UD, ERR_NONE);
  cpu->regs[in->rm] = cpu->cr[n];
}

void op_mov_CdRd(Cpu *cpu, const Insn *in) {
  need_cpl0(cpu);
  unsigned n = in->reg;
  uint32_t v = cpu->regs[in->rm];
  switch (n) {
  case 0:
    write_cr0(cpu, v);
    break;
  case 2:
    cpu->cr[2] = v;
    break;
  case 3:
    cpu->cr[3] = v & 0xfffff018u; /* base, PCD, PWT */
    tlb_flush(cpu);
    break;
  case 4: {
    if (v & ~CR4_VALID)
      cpu_raise(cpu, EXC_GP, 0);
    uint32_t old = cpu->cr[4];
    cpu->cr[4] = v;
    if ((old ^ v) & (CR4_PSE | CR4_PGE))
      tlb_flush(cpu);
    if ((old ^ v) & CR4_DE)
      cpu_dr_update(cpu); /* I/O breakpoints exist only with DE */
    break;
  }
  default:
    cpu_raise(cpu, EXC_UD, ERR_NONE);
  }
}

void op_clts(Cpu *cpu, const Insn *in) {
  (void)in;
  need_cpl0(cpu);
  cpu->cr[0] &= ~CR0_TS;
}

void op_lmsw_Ew(Cpu *cpu, const Insn *in) {
  need_cpl0(cpu);
  uint32_t v = rm_read16(cpu, in);
  /* Loads MP, EM, TS; can set PE but never clear it. */
  uint32_t cr0 = (cpu->cr[0] & ~(CR0_MP | CR0_EM | CR0_TS)) |
                 (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
  write_cr0(cpu, cr0);
}

void op_smsw_Ew(Cpu *cpu, const Insn *in) {
  if (!(in->flags & INSN_MEM) && (in->flags & INSN_O32))
    cpu->regs[in->rm] = cpu->cr[0];
  else
    rm_write16(cpu, in, (uint16_t)cpu->cr[0]);
}

/* ---- debug registers ---- */

static unsigned dr_index(Cpu *c, unsigned n) {
  if (c->dr[7] & DR7_GD) { /* general detect: any MOV DR is a debug fault */
    c->dr[6] |= DR6_BD;
    c->dr[7] &= ~DR7_GD;
    c->eflags |= F_RF; /* a fault other than an instruction breakpoint pushes RF = 1 */
    cpu_raise(c, EXC_DB, ERR_NONE);
  }
  if (n == 4 || n == 5) {
    if (c->cr[4] & CR4_DE)
      cpu_raise(c, EXC_UD, ERR_NONE);
    n += 2;
  }
  return n;
}

void op_mov_RdDd(Cpu *cpu, const Insn *in) {
  need_cpl0(cpu);
  cpu->regs[in->rm] = cpu->dr[dr_index(cpu, in->reg)];
}

void op_mov_DdRd(Cpu *cpu, const Insn *in) {
  need_cpl0(cpu);
  unsigned n = dr_index(cpu, in->reg);
  uint32_t v = cpu->regs[in->rm];
  if (n == 6)
    v = (v & 0x0000e00fu) | 0xffff0ff0u;
  else if (n == 7)
    v = (v & 0xffff27ffu) | 0x400u;
  cpu->dr[n] = v;
  if (n != 6)
    cpu_dr_update(cpu); /* (the row ends blocks, FL_JMP: the next instruction sees dr_armed) */
}

/* ---- caches and TLB ---- */

void op_invlpg_M(Cpu *cpu, const Insn *in) {
  need_cpl0(cpu);
  tlb_flush_page(cpu, cpu->seg[in->seg].base + ea_offset(cpu, in));
}

void op_invd(Cpu *cpu, const Insn *in) {
  (void)in;
  need_cpl0(cpu);
}

/* ---- descriptor table registers ---- */

static void load_dtr(Cpu *c, const Insn *in, uint32_t *base, uint32_t *limit) {
  need_cpl0(c);
  uint32_t ea = ea_offset(c, in);
  uint32_t lim = vread16(c, in->seg, ea);
  uint32_t b = vread32(c, in->seg, ea + 2);
  if (!(in->flags & INSN_O32))
    b &= 0x00ffffffu;
  *base = b;
  *limit = lim;
}

static void store_dtr(Cpu *c, const Insn *in, uint32_t base, uint32_t limit) {
  uint32_t ea = ea_offset(c, in);
  if (cpu_is_286(c)) /* the 286 stores a 24-bit base and FFh (SDM Vol. 2B SGDT, compatibility) */
    base = (base & 0x00ffffffu) | 0xff000000u;
  else if (!(in->flags & INSN_O32))
    base &= 0x00ffffffu;
  vcheck_write(c, in->seg, ea, 2);
  vcheck_write(c, in->seg, ea + 2, 4);
  vwrite16(c, in->seg, ea, (uint16_t)limit);
  vwrite32(c, in->seg, ea + 2, base);
}

void op_lgdt_Ms(Cpu *cpu, const Insn *in) { load_dtr(cpu, in, &cpu->gdt_base, &cpu->gdt_limit); }
void op_lidt_Ms(Cpu *cpu, const Insn *in) { load_dtr(cpu, in, &cpu->idt_base, &cpu->idt_limit); }
void op_sgdt_Ms(Cpu *cpu, const Insn *in) { store_dtr(cpu, in, cpu->gdt_base, cpu->gdt_limit); }
void op_sidt_Ms(Cpu *cpu, const Insn *in) { store_dtr(cpu, in, cpu->idt_base, cpu->idt_limit); }

/* ---- LDTR / TR ---- */

/* SLDT/STR: a register destination with 32-bit operand size is zero-extended. */
static void store_sel(Cpu *c, const Insn *in, uint16_t sel) {
  if (!(in->flags & INSN_MEM) && (in->flags & INSN_O32))
    c->regs[in->rm] = sel;
  else
    rm_write16(c, in, sel);
}

void op_sldt_Ew(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  store_sel(cpu, in, cpu->seg[S_LDTR].sel);
}

void op_str_Ew(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  store_sel(cpu, in, cpu->seg[S_TR].sel);
}

void op_lldt_Ew(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  need_cpl0(cpu);
  pmode_load_ldt(cpu, rm_read16(cpu, in));
}

void op_ltr_Ew(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  need_cpl0(cpu);
  pmode_load_tr(cpu, rm_read16(cpu, in));
}

/* ---- LAR / LSL / VERR / VERW / ARPL ---- */

static void set_zf(Cpu *c, bool z) {
  flags_sync(c);
  if (z)
    c->eflags |= F_ZF;
  else
    c->eflags &= ~F_ZF;
}

/*
 * Common checks of LAR/LSL/VERR/VERW: the selector is non-null, inside its
 * table and, unless it names conforming code, DPL >= max(CPL, RPL).
 */
static bool desc_visible(Cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi) {
  if ((sel & 0xfffc) == 0 || !pmode_read_desc(c, sel, lo, hi))
    return false;
  uint32_t f = *hi >> 8;
  bool conforming = (f & (SF_S | SF_CODE | SF_DC)) == (SF_S | SF_CODE | SF_DC);
  unsigned dpl = SF_DPL(f);
  if (!conforming && (dpl < c->cpl || dpl < (sel & 3u)))
    return false;
  return true;
}

void op_lar_GvEw(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  uint16_t sel = rm_read16(cpu, in);
  uint32_t lo, hi;
  bool ok = desc_visible(cpu, sel, &lo, &hi);
  if (ok && !(hi & 0x1000)) {
    /* System types LAR accepts: TSS (1, 3, 9, 11), LDT (2), call gates (4, 12), task gate (5). */
    static const uint16_t valid = 0x1a3eu;
    ok = (valid >> ((hi >> 8) & 0xf)) & 1;
  }
  if (ok)
    set_regv(cpu, in, in->reg, hi & 0x00f0ff00u);
  set_zf(cpu, ok);
}

void op_lsl_GvEw(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  uint16_t sel = rm_read16(cpu, in);
  uint32_t lo, hi;
  bool ok = desc_visible(cpu, sel, &lo, &hi);
  if (ok && !(hi & 0x1000)) {
    static const uint16_t valid = 0x0a0eu; /* TSS (1, 3, 9, 11), LDT (2) */
    ok = (valid >> ((hi >> 8) & 0xf)) & 1;
  }
  if (ok) {
    uint32_t limit = (lo & 0xffffu) | (hi & 0x000f0000u);
    if (hi & 0x00800000u)
      limit = (limit << 12) | 0xfffu;
    set_regv(cpu, in, in->reg, limit);
  }
  set_zf(cpu, ok);
}

static void verify(Cpu *c, const Insn *in, bool write) {
  need_pmode(c);
  uint16_t sel = rm_read16(c, in);
  uint32_t lo, hi;
  bool ok = desc_visible(c, sel, &lo, &hi);
  if (ok) {
    uint32_t f = hi >> 8;
    if (!(f & SF_S))
      ok = false;
    else if (write)
      ok = (f & (SF_CODE | SF_RW)) == SF_RW;
    else
      ok = !(f & SF_CODE) || (f & SF_RW);
  }
  set_zf(c, ok);
}

void op_verr_Ew(Cpu *cpu, const Insn *in) { verify(cpu, in, false); }
void op_verw_Ew(Cpu *cpu, const Insn *in) { verify(cpu, in, true); }

void op_arpl_EwGw(Cpu *cpu, const Insn *in) {
  need_pmode(cpu);
  uint16_t dst;
  if (in->flags & INSN_MEM) {
    uint32_t lin = seg_lin(cpu, in->seg, ea_offset(cpu, in), 2, true);
    lin_check_write(cpu, lin, 2);
    dst = lin_read16(cpu, lin);
  } else {
    dst = reg16(cpu, in->rm);
  }
  uint16_t src = reg16(cpu, in->reg);
  if ((dst & 3) < (src & 3)) {
    rm_write16(cpu, in, (uint16_t)((dst & ~3) | (src & 3)));
    set_zf(cpu, true);
  } else {
    set_zf(cpu, false);
  }
}

/* ---- SYSENTER / SYSEXIT ---- */

/* Flat 4 GiB segment cache of the given type and DPL. */
static void load_flat(Cpu *c, int seg, uint16_t sel, bool code, unsigned dpl) {
  SegCache *s = &c->seg[seg];
  s->sel = sel;
  s->base = 0;
  s->limit = 0xffffffffu;
  s->flags = (uint16_t)(SF_ACCESSED | SF_RW | SF_S | SF_P | SF_DB | SF_G | (dpl << 5) |
                        (code ? SF_CODE : 0));
}

void op_sysenter(Cpu *cpu, const Insn *in) {
  (void)in;
  if (!(cpu->mode & CPU_MODE_PE) || (cpu->sysenter_cs & 0xfffc) == 0)
    cpu_raise(cpu, EXC_GP, 0);
  uint16_t cs = (uint16_t)(cpu->sysenter_cs & 0xfffc);
  flags_sync(cpu);
  cpu->eflags &= ~(F_VM | F_IF | F_RF);
  cpu->cpl = 0;
  load_flat(cpu, S_CS, cs, true, 0);
  load_flat(cpu, S_SS, (uint16_t)(cs + 8), false, 0);
  cpu->regs[R_ESP] = cpu->sysenter_esp;
  cpu->next_eip = cpu->sysenter_eip;
  cpu_update_mode(cpu);
}

void op_sysexit(Cpu *cpu, const Insn *in) {
  (void)in;
  if (!(cpu->mode & CPU_MODE_PE) || cpu->cpl != 0 || (cpu->sysenter_cs & 0xfffc) == 0)
    cpu_raise(cpu, EXC_GP, 0);
  uint16_t cs = (uint16_t)(cpu->sysenter_cs & 0xfffc);
  cpu->cpl = 3;
  load_flat(cpu, S_CS, (uint16_t)((cs + 16) | 3), true, 3);
  load_flat(cpu, S_SS, (uint16_t)((cs + 24) | 3), false, 3);
  cpu->regs[R_ESP] = cpu->regs[R_ECX];
  cpu->next_eip = cpu->regs[R_EDX];
  cpu_update_mode(cpu);
}
