/*
 * fpu_insn.c — instruction-level tests of the x87 handlers in fpu.c: stack
 * and tag handling, stack faults, FNSTSW/FCOMI/FCMOV, environment and
 * FSAVE/FRSTOR/FXSAVE/FXRSTOR images, #MF / FERR# and #NM rules.
 *
 * fpu.c is linked alone, with the few CPU-core functions it calls stubbed
 * here over a flat 64 KiB memory, so this test runs without the rest of the
 * emulator (and on any host).
 */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "exec.h"
#include "ops.h"
#include "softfloat80.h"

#include "fpu_stubs.h"

/* ---- helpers ---- */

static Cpu *cpu;

static void setup(void) {
  cpu = calloc(1, sizeof *cpu);
  cpu->tlb = stub_tlb();
  stub_tlb_map(cpu->tlb, true); /* the handlers' host-pointer paths */
  memset(fpu_ram, 0, sizeof fpu_ram);
  for (int s = 0; s < 6; s++) {
    cpu->seg[s].flags = SF_P | SF_S | SF_RW;
    cpu->seg[s].limit = 0xffff;
  }
  cpu->cr[0] = CR0_NE | CR0_ET;
  fpu_reset(&cpu->fpu);
}
static void teardown(void) { free(cpu); }

/* Execute one x87 instruction; returns the exception vector or -1. */
static int exec(unsigned op, unsigned modrm, int mem_addr) {
  Insn in;
  memset(&in, 0, sizeof in);
  in.op = (uint16_t)op;
  in.modrm = (uint8_t)modrm;
  in.reg = (modrm >> 3) & 7;
  in.rm = modrm & 7;
  in.flags = INSN_O32 | INSN_A32 | INSN_MODRM;
  in.base = in.index = REG_NONE;
  in.seg = S_DS;
  if (mem_addr >= 0) {
    in.flags |= INSN_MEM;
    in.disp = mem_addr;
  }
  return stub_exec(cpu, &in);
}
/* Register form: d9 e8 etc. */
#define R(op, modrm) ck_assert_int_eq(exec(op, modrm, -1), -1)
/* Memory form with ModRM reg field. */
#define M(op, reg, addr) ck_assert_int_eq(exec(op, (reg) << 3, addr), -1)

static void put32(unsigned a, uint32_t v) { memcpy(fpu_ram + a, &v, 4); }
static uint32_t get32(unsigned a) { uint32_t v; memcpy(&v, fpu_ram + a, 4); return v; }
static uint16_t get16(unsigned a) { uint16_t v; memcpy(&v, fpu_ram + a, 2); return v; }
static unsigned top(void) { return (cpu->fpu.sw >> 11) & 7; }

START_TEST(test_int_arith) {
  put32(0x100, 3);
  put32(0x104, 4);
  M(0xdb, 0, 0x100); /* FILD m32 */
  M(0xda, 1, 0x104); /* FIMUL m32 */
  M(0xdb, 3, 0x108); /* FISTP m32 */
  ck_assert_uint_eq(get32(0x108), 12);
  ck_assert_uint_eq(top(), 0);
  ck_assert_uint_eq(cpu->fpu.tw, 0xffff);
  R(0xd9, 0xe8);     /* FLD1 */
  R(0xd9, 0xeb);     /* FLDPI */
  R(0xde, 0xc1);     /* FADDP */
  M(0xdd, 3, 0x110); /* FSTP m64 */
  ck_assert_uint_eq(get32(0x114), 0x401090fdu); /* 4.14159... */
  R(0xd9, 0xe8);
  R(0xd9, 0xe8);
  R(0xd8, 0xc1);     /* FADD ST0, ST1: 2 */
  R(0xdc, 0xe9);     /* FSUB ST1, ST0: ST1 = 1 - 2 = -1 */
  R(0xd9, 0xc9);     /* FXCH */
  M(0xdf, 3, 0x120); /* FISTP m16 */
  ck_assert_uint_eq(get16(0x120), 0xffff);
}
END_TEST

START_TEST(test_stack_fault) {
  for (int i = 0; i < 8; i++)
    R(0xd9, 0xe8);
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_IE | FSW_SF), 0);
  R(0xd9, 0xee); /* FLDZ onto a full stack */
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF | FSW_C1);
  Float80 st0 = cpu->fpu.st[top()];
  ck_assert(f80_eq_bits(st0, f80_indefinite));
  R(0xdb, 0xe3); /* FNINIT */
  R(0xd9, 0xe1); /* FABS of an empty register */
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
}
END_TEST

START_TEST(test_compare) {
  R(0xd9, 0xe8); /* 1 */
  R(0xd9, 0xee); /* 0 */
  R(0xd8, 0xd1); /* FCOM ST1: 0 < 1 */
  R(0xdf, 0xe0); /* FNSTSW AX */
  ck_assert_uint_eq(cpu->regs[R_EAX] & (FSW_C0 | FSW_C2 | FSW_C3), FSW_C0);
  cpu->eflags = 0;
  R(0xdb, 0xf1); /* FCOMI ST1 */
  ck_assert_uint_eq(cpu->eflags & (F_ZF | F_PF | F_CF), F_CF);
  R(0xda, 0xc1); /* FCMOVB ST1: CF=1, ST0 = 1 */
  ck_assert(f80_eq_bits(cpu->fpu.st[top()], f80_one));
  R(0xdf, 0xe9); /* FUCOMIP ST1: equal */
  ck_assert_uint_eq(cpu->eflags & (F_ZF | F_PF | F_CF), F_ZF);
  ck_assert_uint_eq(top(), 7);
  R(0xd9, 0xe5); /* FXAM on 1.0: normal */
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_C0 | FSW_C2 | FSW_C3), FSW_C2);
  R(0xdd, 0xd8); /* FSTP ST0 */
  R(0xd9, 0xe5); /* FXAM on empty */
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_C0 | FSW_C2 | FSW_C3), FSW_C3 | FSW_C0);
}
END_TEST

START_TEST(test_save_restore) {
  R(0xd9, 0xe8);
  R(0xd9, 0xeb);
  R(0xd9, 0xec);
  cpu->fpu.cw = 0x0b7f;
  FpuState before = cpu->fpu;
  M(0xdd, 6, 0x200); /* FNSAVE (32-bit real-mode layout) */
  ck_assert_uint_eq(cpu->fpu.tw, 0xffff);
  ck_assert_uint_eq(cpu->fpu.cw, 0x037f);
  ck_assert_uint_eq(get16(0x200), 0x0b7f);
  M(0xdd, 4, 0x200); /* FRSTOR */
  ck_assert_uint_eq(cpu->fpu.cw, before.cw);
  ck_assert_uint_eq(cpu->fpu.sw, before.sw);
  ck_assert_uint_eq(cpu->fpu.tw, before.tw);
  for (int i = 0; i < 8; i++) /* field by field: Float80 has padding bytes */
    ck_assert(f80_eq_bits(cpu->fpu.st[i], before.st[i]));
  ck_assert_int_eq(exec(0x1ae, 0 << 3, 0x408), EXC_GP); /* misaligned FXSAVE */
  M(0x1ae, 0, 0x400); /* FXSAVE */
  ck_assert_uint_eq(fpu_ram[0x404], 0xe0);                 /* abridged tags: R5-R7 full */
  R(0xdb, 0xe3);
  M(0x1ae, 1, 0x400); /* FXRSTOR */
  ck_assert_uint_eq(cpu->fpu.tw, before.tw);
  for (int i = 0; i < 8; i++) /* field by field: Float80 has padding bytes */
    ck_assert(f80_eq_bits(cpu->fpu.st[i], before.st[i]));
}
END_TEST

static int ferr_level = -1;
static void ferr_hook(void *opaque, int level) { ferr_level = level; }

START_TEST(test_unmasked) {
  fpu_ram[0x300] = 0x7e; /* CW 037E: IE unmasked */
  fpu_ram[0x301] = 0x03;
  M(0xd9, 5, 0x300); /* FLDCW */
  R(0xd9, 0xee);
  R(0xd9, 0xee);
  R(0xde, 0xf9); /* FDIVP: 0/0 -> IE unmasked: nothing stored, no pop */
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_IE | FSW_ES | FSW_B), FSW_IE | FSW_ES | FSW_B);
  ck_assert_uint_eq(top(), 6);
  ck_assert_int_eq(exec(0xd9, 0xe8, -1), EXC_MF); /* next FLD1 -> #MF */
  ck_assert_int_eq(exec(0x9b, 0, -1), EXC_MF);     /* and WAIT */
  cpu->cr[0] &= ~CR0_NE;
  cpu->fpu.ferr = ferr_hook;
  ck_assert_int_eq(exec(0x9b, 0, -1), -1); /* CR0.NE = 0: FERR# instead */
  ck_assert_int_eq(ferr_level, 1);
  R(0xdb, 0xe2); /* FNCLEX */
  ck_assert_int_eq(ferr_level, 0);
  ck_assert_uint_eq(cpu->fpu.sw & (FSW_IE | FSW_ES | FSW_B), 0);
  cpu->cr[0] |= CR0_TS;
  ck_assert_int_eq(exec(0xd9, 0xe8, -1), EXC_NM);
  ck_assert_int_eq(exec(0x9b, 0, -1), -1); /* WAIT ignores TS without MP */
  cpu->cr[0] |= CR0_MP;
  ck_assert_int_eq(exec(0x9b, 0, -1), EXC_NM);
}
END_TEST

START_TEST(test_bcd_env) {
  static const uint8_t bcd[10] = { 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80 };
  memcpy(fpu_ram + 0x500, bcd, 10);
  M(0xdf, 4, 0x500); /* FBLD: -123456789 */
  M(0xdf, 7, 0x510); /* FISTP m64 */
  int64_t v;
  memcpy(&v, fpu_ram + 0x510, 8);
  ck_assert(v == -123456789);
  M(0xdf, 4, 0x500);
  M(0xdf, 6, 0x520); /* FBSTP */
  ck_assert(!memcmp(fpu_ram + 0x520, bcd, 10));
  R(0xd9, 0xe8);
  M(0xd9, 6, 0x600); /* FNSTENV (28 bytes) */
  ck_assert_uint_eq(get16(0x600), 0x037f);
  ck_assert_uint_eq(get16(0x608), 0x3fff); /* tags: R7 valid, rest empty */
  R(0xdb, 0xe3);
  M(0xd9, 4, 0x600); /* FLDENV */
  ck_assert_uint_eq(cpu->fpu.tw, 0x3fff);
  ck_assert_uint_eq(top(), 7);
}
END_TEST

/* FNSTENV/FLDENV in the four layouts: 16/32-bit operand size, real/protected mode. */
START_TEST(test_env_layouts) {
  for (int mode = 0; mode < 4; mode++) {
    bool o32 = mode & 1, pm = mode & 2;
    teardown(); /* a fresh CPU for each layout */
    setup();
    if (pm) {
      cpu->cr[0] |= CR0_PE;
      cpu->mode |= CPU_MODE_PE;
    }
    FpuState *f = &cpu->fpu;
    f->cw = 0x0b7f;
    f->sw = 0x3800 | FSW_PE;
    f->tw = 0x3fff;
    f->fip = 0x1234;
    f->fcs = 0x0100;
    f->fdp = 0x5678;
    f->fds = 0x0200;
    f->fop = 0x5e9;
    Insn in;
    memset(&in, 0, sizeof in);
    in.op = 0xd9;
    in.modrm = 0x35; /* /6 */
    in.reg = 6;
    in.flags = (uint16_t)(INSN_MODRM | INSN_MEM | INSN_A32 | (o32 ? INSN_O32 : 0));
    in.base = in.index = REG_NONE;
    in.seg = S_DS;
    in.disp = 0x700;
    ck_assert_int_eq(stub_exec(cpu, &in), -1);
    ck_assert_uint_eq(get16(0x700), 0x0b7f);
    ck_assert_uint_eq(cpu->fpu.cw, 0x0b7f); /* masks were already all set */
    unsigned w = o32 ? 4 : 2;
    ck_assert_uint_eq(get16(0x700 + w), 0x3800 | FSW_PE);
    if (pm) {
      ck_assert_uint_eq(get16(0x700 + 3 * w), 0x1234);
      ck_assert_uint_eq(get16(0x700 + 4 * w), 0x0100);
      ck_assert_uint_eq(get16(0x700 + 5 * w), 0x5678);
      ck_assert_uint_eq(get16(0x700 + 6 * w), 0x0200);
      if (o32)
        ck_assert_uint_eq(get16(0x700 + 18), 0x5e9);
    } else { /* real mode: 20/32-bit linear pointers and the opcode */
      ck_assert_uint_eq(get16(0x700 + 3 * w), 0x1234 + 0x1000);
      ck_assert_uint_eq(get16(0x700 + 4 * w) & 0x7ff, 0x5e9);
      ck_assert_uint_eq(get16(0x700 + 5 * w), 0x5678 + 0x2000);
    }
    /* FLDENV of the image after FNINIT restores the registers' view. */
    Insn ld = in;
    ld.modrm = 0x25;
    ld.reg = 4;
    memset(f, 0, offsetof(FpuState, mxcsr));
    ck_assert_int_eq(stub_exec(cpu, &ld), -1);
    ck_assert_uint_eq(cpu->fpu.cw, 0x0b7f);
    ck_assert_uint_eq(cpu->fpu.sw, 0x3800 | FSW_PE);
    ck_assert_uint_eq(cpu->fpu.tw, 0x7fff); /* R7 non-empty, re-tagged from its +0 */
  }
}
END_TEST

START_TEST(test_fldcw_bits) {
  fpu_ram[0x300] = 0xff;
  fpu_ram[0x301] = 0xff;
  M(0xd9, 5, 0x300);
  ck_assert_uint_eq(cpu->fpu.cw, 0x1f7f);
  fpu_ram[0x300] = 0x00;
  fpu_ram[0x301] = 0x00;
  M(0xd9, 5, 0x300);
  ck_assert_uint_eq(cpu->fpu.cw, 0x0040);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fpu_insn");
  TCase *tc = tcase_create("insn");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_int_arith);
  tcase_add_test(tc, test_stack_fault);
  tcase_add_test(tc, test_compare);
  tcase_add_test(tc, test_save_restore);
  tcase_add_test(tc, test_unmasked);
  tcase_add_test(tc, test_bcd_env);
  tcase_add_test(tc, test_env_layouts);
  tcase_add_test(tc, test_fldcw_bits);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
