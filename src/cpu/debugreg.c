/*
 * debugreg.c — the hardware breakpoints of DR0-DR3, as DR7 enables them
 * (Intel SDM vol. 3, chapter 17.2-17.3; the behaviour is written up in
 * docs/DEBUG_REGISTERS.md).
 *
 * DR7 holds, per breakpoint n, the enables Ln (bit 2n) and Gn (bit 2n+1),
 * R/Wn (bits 16+4n): 00 instruction, 01 data write, 10 I/O (CR4.DE = 1,
 * else undefined: ignored here), 11 data read or write, and LENn (bits
 * 18+4n): 00 one byte, 01 two, 11 four, 10 eight (undefined on a P6; taken
 * as later processors define it).  A data or I/O breakpoint covers the
 * LEN bytes at DRn with its low bits masked (DRn & ~(LEN - 1)), and
 * matches any access that overlaps them.
 *
 * Only enabled breakpoints are reported: the SDM lets B0-B3 be set or not
 * for a disabled breakpoint whose condition is met; we never set them.
 *
 * The cost while nothing is enabled is zero: dr_armed is 0 and nothing
 * here runs.  While data breakpoints are enabled, the pages they watch get
 * no host pointer in the TLB (mmu.c tlb_fill), so every access to them takes
 * the slow path, which calls cpu_dr_check_data().
 */
#include "cpu.h"

/* Fields of DR7 for breakpoint n. */
static inline bool dr_enabled(uint32_t dr7, unsigned n) { return (dr7 >> (2 * n)) & 3u; }
static inline unsigned dr_rw(uint32_t dr7, unsigned n) { return (dr7 >> (16 + 4 * n)) & 3u; }
static inline uint32_t dr_len(uint32_t dr7, unsigned n) {
  static const uint8_t len[4] = {1, 2, 8, 4};
  return len[(dr7 >> (18 + 4 * n)) & 3u];
}
/* Do [a, a + alen) and [b, b + blen) overlap (modulo 2^32)? */
static inline bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
  return a - b < blen || b - a < alen;
}

void cpu_dr_update(Cpu *cpu) {
  uint32_t dr7 = cpu->dr[7], armed = 0;
  if (dr7 & 0xffu) {
    for (unsigned n = 0; n < 4; n++) {
      if (!dr_enabled(dr7, n))
        continue;
      switch (dr_rw(dr7, n)) {
      case 0: armed |= DR_ARMED_EXEC; break;
      case 2: armed |= (cpu->cr[4] & CR4_DE) ? DR_ARMED_IO : 0; break;
      default: armed |= DR_ARMED_DATA; break;
      }
    }
  }
  uint32_t old = cpu->dr_armed;
  cpu->dr_armed = armed;
  if (!armed)
    cpu->dr_hit = 0;
  /* Pages that were or are now watched must (re)fill: without host pointers
   * when watched, with them again when no longer. */
  if ((old | armed) & DR_ARMED_DATA)
    tlb_flush(cpu);
  /* Translated code runs only while nothing is armed: back to the dispatch
   * loop at the next block exit. */
  if (armed)
    cpu->jit_limit = 0;
}

uint32_t cpu_dr_check_exec(const Cpu *cpu, uint32_t lin) {
  uint32_t dr7 = cpu->dr[7], hit = 0;
  for (unsigned n = 0; n < 4; n++)
    if (dr_enabled(dr7, n) && dr_rw(dr7, n) == 0 && cpu->dr[n] == lin)
      hit |= 1u << n;
  return hit;
}

uint32_t cpu_dr_match_data(const Cpu *cpu, uint32_t lin, uint32_t len, bool write) {
  uint32_t dr7 = cpu->dr[7], hit = 0;
  for (unsigned n = 0; n < 4; n++) {
    unsigned rw = dr_rw(dr7, n);
    if (!dr_enabled(dr7, n) || rw == 0 || rw == 2 || (rw == 1 && !write))
      continue;
    uint32_t blen = dr_len(dr7, n);
    if (overlap(lin, len, cpu->dr[n] & ~(blen - 1), blen))
      hit |= 1u << n;
  }
  return hit;
}

void cpu_dr_check_data(Cpu *cpu, uint32_t lin, uint32_t len, bool write) {
  cpu->dr_hit |= cpu_dr_match_data(cpu, lin, len, write);
}

void cpu_dr_check_io(Cpu *cpu, uint16_t port, uint32_t len) {
  if (!(cpu->cr[4] & CR4_DE))
    return;
  uint32_t dr7 = cpu->dr[7];
  for (unsigned n = 0; n < 4; n++) {
    if (!dr_enabled(dr7, n) || dr_rw(dr7, n) != 2)
      continue;
    uint32_t blen = dr_len(dr7, n);
    if (overlap(port, len, cpu->dr[n] & ~(blen - 1), blen))
      cpu->dr_hit |= 1u << n;
  }
}

bool cpu_dr_page_watched(const Cpu *cpu, uint32_t vpage) {
  uint32_t dr7 = cpu->dr[7];
  for (unsigned n = 0; n < 4; n++) {
    unsigned rw = dr_rw(dr7, n);
    if (dr_enabled(dr7, n) && (rw & 1) && ((cpu->dr[n] & ~(dr_len(dr7, n) - 1)) >> PAGE_SHIFT) == vpage)
      return true;
  }
  return false;
}

void cpu_dr_trap(Cpu *cpu, bool single_step) {
  uint32_t dr6 = cpu->dr[6];
  if (cpu->dr_hit)
    dr6 = (dr6 & ~DR6_BMASK) | cpu->dr_hit;
  if (single_step)
    dr6 |= DR6_BS;
  cpu->dr[6] = dr6;
  cpu->dr_hit = 0;
  cpu->dr[7] &= ~DR7_GD; /* cleared on entry to the #DB handler, so it may use the DRs */
  cpu_deliver_interrupt(cpu, EXC_DB, false, ERR_NONE, cpu->eip);
  cpu->dr_hit = 0; /* what the delivery itself touched (the frame, the IDT) traps no more */
}
