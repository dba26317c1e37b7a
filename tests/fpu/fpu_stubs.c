/*
 * fpu_stubs.c — the few CPU-core functions fpu.c calls, over a flat 64 KiB
 * memory (fpu_ram), so the x87 handlers can be tested without the rest of
 * the emulator.  cpu_raise() unwinds to stub_exec().
 */
#include <setjmp.h>
#include <string.h>

#include "fpu_stubs.h"

uint8_t fpu_ram[0x10000];

TlbEntry *stub_tlb(void) {
  static TlbEntry tlb[TLB_SIZE];
  memset(tlb, 0xff, sizeof tlb); /* no page, no tag: the slow path */
  for (unsigned i = 0; i < TLB_SIZE; i++)
    tlb[i].host = tlb[i].whost = NULL;
  return tlb;
}
void stub_tlb_map(TlbEntry *tlb, bool on) {
  for (uint32_t page = 0; page < sizeof fpu_ram >> PAGE_SHIFT; page++) {
    TlbEntry *e = &tlb[tlb_index(page)];
    e->vpage = on ? page : 0xffffffffu;
    e->ppage = page;
    e->host = e->whost = on ? fpu_ram + (page << PAGE_SHIFT) : NULL;
    e->perm = on ? TLB_R_SUP | TLB_W_SUP | TLB_R_USER | TLB_W_USER : 0;
  }
}
static jmp_buf trap;
static int trapped_vector;

uint8_t lin_read8(Cpu *cpu, uint32_t lin) { return fpu_ram[lin & 0xffff]; }
uint16_t lin_read16(Cpu *cpu, uint32_t lin) { return (uint16_t)(lin_read8(cpu, lin) | lin_read8(cpu, lin + 1) << 8); }
uint32_t lin_read32(Cpu *cpu, uint32_t lin) { return lin_read16(cpu, lin) | (uint32_t)lin_read16(cpu, lin + 2) << 16; }
void lin_write8(Cpu *cpu, uint32_t lin, uint8_t v) { fpu_ram[lin & 0xffff] = v; }
void lin_write16(Cpu *cpu, uint32_t lin, uint16_t v) { lin_write8(cpu, lin, (uint8_t)v); lin_write8(cpu, lin + 1, (uint8_t)(v >> 8)); }
void lin_write32(Cpu *cpu, uint32_t lin, uint32_t v) { lin_write16(cpu, lin, (uint16_t)v); lin_write16(cpu, lin + 2, (uint16_t)(v >> 16)); }
void lin_check_write(Cpu *cpu, uint32_t lin, uint32_t len) {}
void seg_fault(Cpu *c, int seg) { cpu_raise(c, EXC_GP, 0); }
void cpu_raise(Cpu *cpu, int vector, uint32_t error_code) {
  trapped_vector = vector;
  longjmp(trap, 1);
}
uint32_t cpu_get_flags(Cpu *cpu) { return cpu->eflags; }
void cpu_set_flags(Cpu *cpu, uint32_t value, uint32_t mask) {
  cpu->eflags = (cpu->eflags & ~mask) | (value & mask);
  cpu->cc_op = CC_EFLAGS;
}
bool cpu_cond(Cpu *c, unsigned cc) {
  uint32_t f = c->eflags;
  bool r;
  switch (cc >> 1) {
  case 1: r = f & F_CF; break;
  case 2: r = f & F_ZF; break;
  case 3: r = f & (F_CF | F_ZF); break;
  case 5: r = f & F_PF; break;
  default: r = false; break;
  }
  return (cc & 1) ? !r : r;
}


int stub_exec(Cpu *cpu, const Insn *in) {
  trapped_vector = -1;
  if (setjmp(trap) == 0) {
    if (in->op == 0x9b)
      op_fwait(cpu, in);
    else if (in->op == 0x1ae)
      (in->reg == 0 ? op_fxsave_M : op_fxrstor_M)(cpu, in);
    else if (in->op >= 0x100)
      op_mmx(cpu, in);
    else
      op_fpu(cpu, in);
  }
  return trapped_vector;
}
