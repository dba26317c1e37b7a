/*
 * rep_string.c — REP MOVS and REP STOS (ops_string.c, whose bulk path does
 * page-sized runs on host memory) against a plain element-by-element model
 * of the instruction, on random cases: byte, word and dword elements,
 * overlapping copies in both directions (the destination a few bytes above
 * the source repeats the pattern on hardware), counts past the 4096-element
 * chunk at which the instruction yields and resumes, and page crossings.
 * Real mode with a 67h prefix (32-bit addressing), DS = ES = 1000h.
 * Exit status 0 when every case leaves memory, ESI, EDI and ECX as the
 * model does.
 */
#include "cpu.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_SEG 0x1000u
#define CODE_SEG 0x3000u
#define AREA 0x10000u /* DS:0 - DS:FFFF */

static uint32_t rng = 0x9e3779b9u;
static uint32_t rnd(void) { /* an LCG, its high bits folded down */
  rng = rng * 1664525u + 1013904223u;
  return rng ^ (rng >> 15);
}

int main(void) {
  Mem *mem = mem_create(1u << 20);
  Cpu *cpu = mem ? cpu_create(mem) : NULL;
  static uint8_t model[AREA], got[AREA];
  if (!cpu) {
    fprintf(stderr, "rep_string: out of memory\n");
    return 2;
  }
  int failed = 0, cases = 2000;
  for (int i = 0; i < cases; i++) {
    bool movs = rnd() & 1;
    uint32_t n = 1u << (rnd() % 3); /* element bytes */
    uint32_t count = rnd() % 6000;
    uint32_t room = AREA - count * n;
    uint32_t src = rnd() % room, dst;
    switch (rnd() % 3) {
    case 0: dst = rnd() % room; break;
    case 1: dst = src + rnd() % 9 < room ? src + rnd() % 9 : src; break; /* just above */
    default: dst = src >= 9 ? src - rnd() % 9 : src; break;              /* just below */
    }
    uint32_t eax = rnd();
    for (uint32_t b = 0; b < AREA; b++)
      model[b] = (uint8_t)rnd();
    mem_write_bytes(mem, DATA_SEG << 4, model, AREA);
    /* the model: one element at a time, forward */
    for (uint32_t e = 0; e < count; e++) {
      uint8_t v[4];
      if (movs)
        memcpy(v, model + src + e * n, n);
      else
        memcpy(v, &eax, n);
      memcpy(model + dst + e * n, v, n);
    }
    uint8_t code[8];
    unsigned len = 0;
    code[len++] = 0xf3; /* REP */
    code[len++] = 0x67; /* 32-bit addressing */
    if (n == 4)
      code[len++] = 0x66;
    code[len++] = (uint8_t)((movs ? 0xa4 : 0xaa) | (n > 1));
    code[len++] = 0xf4; /* HLT */
    mem_write_bytes(mem, CODE_SEG << 4, code, len);
    cpu_reset(cpu);
    cpu->halt_exits = true;
    cpu_load_seg_real(cpu, S_CS, CODE_SEG);
    cpu_load_seg_real(cpu, S_DS, DATA_SEG);
    cpu_load_seg_real(cpu, S_ES, DATA_SEG);
    cpu->eip = 0;
    cpu->regs[R_ESI] = src;
    cpu->regs[R_EDI] = dst;
    cpu->regs[R_ECX] = count;
    cpu->regs[R_EAX] = eax;
    cpu_update_mode(cpu);
    CpuStop stop = cpu_run(cpu, 100);
    mem_read_bytes(mem, DATA_SEG << 4, got, AREA);
    uint32_t want_si = movs ? src + count * n : src, want_di = dst + count * n;
    if (stop != CPU_STOP_HLT || cpu->eip != len || memcmp(got, model, AREA) || cpu->regs[R_ECX] != 0 ||
        cpu->regs[R_ESI] != want_si || cpu->regs[R_EDI] != want_di) {
      uint32_t at = 0;
      while (at < AREA && got[at] == model[at])
        at++;
      printf("FAIL case %d: REP %s%u count %u src %#x dst %#x: stop %d eip %#x ecx %u esi %#x edi %#x, "
             "first differing byte %#x\n",
             i, movs ? "MOVS" : "STOS", n * 8, count, src, dst, (int)stop, cpu->eip, cpu->regs[R_ECX],
             cpu->regs[R_ESI], cpu->regs[R_EDI], at);
      if (++failed > 10)
        break;
    }
  }
  printf("rep_string: %d cases, %d failed\n", cases, failed);
  cpu_destroy(cpu);
  mem_destroy(mem);
  return failed ? 1 : 0;
}
