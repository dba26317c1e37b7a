/*
 * cpu_model.c — the CPU models (cpu->model, docs/CPU_MODELS.md) tell apart
 * what an 80286 and an i686 do with the same bytes, run through the
 * interpreter in real mode.
 *
 * Each case is one instruction at 1000:0000 followed by HLT; the #UD (6)
 * and #GP (13) vectors lead to a HLT of their own, so where the CPU stops
 * says what happened: the instruction ran, or raised #UD or #GP.
 * Exit status 0 when every case ends as expected under both models.
 */
#include "cpu.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

enum { RAN, UD, GP };
static const char *const outcome_name[] = {"ran", "#UD", "#GP"};

#define CODE_SEG 0x1000u
#define UD_SEG 0x2000u
#define GP_SEG 0x3000u

typedef struct Case {
  const char *what;
  uint8_t bytes[16];
  unsigned len;
  int on_286, on_i686; /* expected outcome */
} Case;

static const Case cases[] = {
    {"66 90 (operand-size prefix)", {0x66, 0x90}, 2, UD, RAN},
    {"67 90 (address-size prefix)", {0x67, 0x90}, 2, UD, RAN},
    {"64 90 (FS override)", {0x64, 0x90}, 2, UD, RAN},
    {"0F A2 (CPUID)", {0x0f, 0xa2}, 2, UD, RAN},
    {"0F B6 C0 (MOVZX)", {0x0f, 0xb6, 0xc0}, 3, UD, RAN},
    {"0F 01 E0 (SMSW AX)", {0x0f, 0x01, 0xe0}, 3, RAN, RAN},
    {"8C E0 (MOV AX, FS)", {0x8c, 0xe0}, 2, UD, RAN},
    {"F0 01 C0 (LOCK ADD AX, AX)", {0xf0, 0x01, 0xc0}, 3, RAN, UD},
    {"F0 90 (LOCK NOP)", {0xf0, 0x90}, 2, RAN, UD},
    {"7 x 2E + 05 iw (10 bytes)", {0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x05, 0x01, 0x00}, 10, RAN, RAN},
    {"8 x 2E + 05 iw (11 bytes)", {0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x05, 0x01, 0x00}, 11, GP, RAN},
};

static void set_vector(Mem *mem, int vec, uint16_t seg) {
  mem_write8(mem, 4u * (uint32_t)vec, 0);
  mem_write8(mem, 4u * (uint32_t)vec + 1, 0);
  mem_write8(mem, 4u * (uint32_t)vec + 2, (uint8_t)seg);
  mem_write8(mem, 4u * (uint32_t)vec + 3, (uint8_t)(seg >> 8));
  mem_write8(mem, (uint32_t)seg << 4, 0xf4); /* HLT */
}

/* Run one case under model m: what happened, or -1 if the CPU stopped elsewhere. */
static int run_case(Mem *mem, Cpu *cpu, CpuModel m, const Case *c) {
  cpu_set_model(cpu, m);
  cpu->halt_exits = true;
  cpu->idt_base = 0;
  cpu->idt_limit = 0x3ff;
  set_vector(mem, 6, UD_SEG);
  set_vector(mem, 13, GP_SEG);
  uint8_t code[32];
  memset(code, 0, sizeof code);
  memcpy(code, c->bytes, c->len);
  code[c->len] = 0xf4;
  mem_write_bytes(mem, CODE_SEG << 4, code, sizeof code);
  for (int s = 0; s < 4; s++)
    cpu_load_seg_real(cpu, s, s == 1 ? CODE_SEG : 0);
  cpu->regs[4] = 0x8000; /* SP */
  cpu->eip = 0;
  cpu_update_mode(cpu);
  if (cpu_run(cpu, 10) != CPU_STOP_HLT)
    return -1;
  uint16_t cs = cpu->seg[1].sel;
  if (cs == CODE_SEG && cpu->eip == c->len + 1)
    return RAN;
  if (cs == UD_SEG && cpu->eip == 1)
    return UD;
  if (cs == GP_SEG && cpu->eip == 1)
    return GP;
  return -1;
}

int main(void) {
  Mem *mem = mem_create(1u << 20);
  Cpu *cpu = mem ? cpu_create(mem) : NULL;
  if (!cpu) {
    fprintf(stderr, "cpu_model: out of memory\n");
    return 2;
  }
  int failed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const Case *c = &cases[i];
    for (int m = 0; m < CPU_MODEL_COUNT; m++) {
      int want = m == CPU_MODEL_286 ? c->on_286 : c->on_i686;
      int got = run_case(mem, cpu, (CpuModel)m, c);
      if (got != want) {
        printf("FAIL %s --cpu %s: %s, want %s\n", c->what, cpu_model_name((CpuModel)m),
               got < 0 ? "stopped elsewhere" : outcome_name[got], outcome_name[want]);
        failed++;
      }
    }
  }
  printf("cpu_model: %zu cases x %d models, %d failed\n", sizeof cases / sizeof cases[0],
         (int)CPU_MODEL_COUNT, failed);
  cpu_destroy(cpu);
  mem_destroy(mem);
  return failed ? 1 : 0;
}
