/*
 * test_decode.c — unit tests of x86_decode() on hand-written byte arrays.
 *
 * Covers prefixes, 16- and 32-bit ModRM/SIB forms, displacements, every
 * immediate kind, group opcodes, memory-only and register-only forms, LOCK
 * rules, the 15-byte limit, truncated input, the effective segment, and
 * what the 80286 decode mode (DEC_MODE_286) leaves out.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "decode.h"
#include "ops.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* Decode with 8 bytes of slack after the vector (padding must not matter). */
static int dec(int code32, const uint8_t *b, size_t n, Insn *in) {
  uint8_t buf[32];
  memset(buf, 0xcc, sizeof(buf));
  memcpy(buf, b, n);
  int r = x86_decode(buf, n + 8, code32, in);
  /* The same bytes with no slack decode to the same result when complete. */
  if (r > 0) {
    Insn again;
    ck_assert_int_eq(x86_decode(b, n, code32, &again), r);
  }
  return r;
}
#define D16(in, ...) dec(0, BYTES(__VA_ARGS__), in)
#define D32(in, ...) dec(1, BYTES(__VA_ARGS__), in)

/* ---- prefixes ---- */

START_TEST(t_opsize_toggle) {
  Insn in;
  ck_assert_int_eq(D16(&in, 0xb8, 0x34, 0x12), 3);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert(!(in.flags & INSN_O32));
  ck_assert(!(in.flags & INSN_OPSZ));
  ck_assert_int_eq(D16(&in, 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12), 6);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert(in.flags & INSN_O32);
  ck_assert(in.flags & INSN_OPSZ);
  /* Repeating 66 does not toggle back. */
  ck_assert_int_eq(D16(&in, 0x66, 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12), 7);
  ck_assert(in.flags & INSN_O32);
  ck_assert_int_eq(D32(&in, 0xb8, 0x78, 0x56, 0x34, 0x12), 5);
  ck_assert(in.flags & INSN_O32);
  ck_assert_int_eq(D32(&in, 0x66, 0xb8, 0x34, 0x12), 4);
  ck_assert(!(in.flags & INSN_O32));
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_int_eq(D32(&in, 0x66, 0x66, 0x66, 0xb8, 0x34, 0x12), 6);
  ck_assert(!(in.flags & INSN_O32));
}
END_TEST

START_TEST(t_addrsize_toggle) {
  Insn in;
  /* 16-bit code, 67: mov ax,[eax] */
  ck_assert_int_eq(D16(&in, 0x67, 0x8b, 0x00), 3);
  ck_assert(in.flags & INSN_A32);
  ck_assert(!(in.flags & INSN_O32));
  ck_assert_uint_eq(in.base, R_EAX);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_int_eq(D16(&in, 0x67, 0x67, 0x8b, 0x00), 4);
  ck_assert(in.flags & INSN_A32);
  /* 32-bit code, 67: mov eax,[bx+si] */
  ck_assert_int_eq(D32(&in, 0x67, 0x8b, 0x00), 3);
  ck_assert(!(in.flags & INSN_A32));
  ck_assert(in.flags & INSN_O32);
  ck_assert_uint_eq(in.base, R_EBX);
  ck_assert_uint_eq(in.index, R_ESI);
  /* 66 and 67 together */
  ck_assert_int_eq(D16(&in, 0x66, 0x67, 0x8b, 0x04, 0x24), 5);
  ck_assert(in.flags & INSN_A32);
  ck_assert(in.flags & INSN_O32);
  ck_assert_uint_eq(in.base, R_ESP);
}
END_TEST

START_TEST(t_segment_last_wins) {
  Insn in;
  ck_assert_int_eq(D16(&in, 0x26, 0x2e, 0x36, 0x8b, 0x07), 5);
  ck_assert_uint_eq(in.seg, S_SS);
  ck_assert(in.flags & INSN_SEGOV);
  ck_assert_int_eq(D16(&in, 0x36, 0x26, 0x8b, 0x46, 0x00), 5);
  ck_assert_uint_eq(in.seg, S_ES);
  ck_assert_int_eq(D32(&in, 0x64, 0x65, 0x8b, 0x00), 4);
  ck_assert_uint_eq(in.seg, S_GS);
  ck_assert_int_eq(D32(&in, 0x65, 0x3e, 0x64, 0x8b, 0x00), 5);
  ck_assert_uint_eq(in.seg, S_FS);
  /* No override: no SEGOV flag. */
  ck_assert_int_eq(D32(&in, 0x8b, 0x00), 2);
  ck_assert(!(in.flags & INSN_SEGOV));
  ck_assert_uint_eq(in.seg, S_DS);
  /* String instructions and moffs carry the override too. */
  ck_assert_int_eq(D32(&in, 0x26, 0xa4), 2);
  ck_assert_uint_eq(in.seg, S_ES);
  ck_assert_int_eq(D32(&in, 0xa4), 1);
  ck_assert_uint_eq(in.seg, S_DS);
  ck_assert_int_eq(D16(&in, 0x2e, 0xa1, 0x00, 0x10), 4);
  ck_assert_uint_eq(in.seg, S_CS);
}
END_TEST

START_TEST(t_rep_last_wins) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0xf2, 0xf3, 0xa4), 3);
  ck_assert(in.flags & INSN_REP);
  ck_assert(!(in.flags & INSN_REPNE));
  ck_assert_int_eq(D32(&in, 0xf3, 0xf2, 0xa6), 3);
  ck_assert(in.flags & INSN_REPNE);
  ck_assert(!(in.flags & INSN_REP));
  ck_assert_int_eq(D32(&in, 0xf3, 0x66, 0xf3, 0xab), 4);
  ck_assert(in.flags & INSN_REP);
  ck_assert(!(in.flags & INSN_O32));
  ck_assert_int_eq(D32(&in, 0xab), 1);
  ck_assert(!(in.flags & (INSN_REP | INSN_REPNE | INSN_LOCK)));
}
END_TEST

START_TEST(t_many_prefixes) {
  Insn in;
  /* 14 prefixes + NOP = 15 bytes: fine. */
  uint8_t b[20];
  memset(b, 0x3e, 14);
  b[14] = 0x90;
  ck_assert_int_eq(x86_decode(b, 15, 1, &in), 15);
  ck_assert_uint_eq(in.op, 0x90);
  /* 15 prefixes + NOP: too long. */
  memset(b, 0x26, 15);
  b[15] = 0x90;
  ck_assert_int_eq(x86_decode(b, 16, 1, &in), DEC_TOO_LONG);
  /* A mix of every prefix kind, repeated. */
  const uint8_t mix[] = {0x66, 0x67, 0xf3, 0x26, 0x66, 0x67, 0x64, 0xf2, 0x8b, 0x00};
  ck_assert_int_eq(x86_decode(mix, sizeof(mix), 0, &in), 10);
  ck_assert(in.flags & INSN_O32);
  ck_assert(in.flags & INSN_A32);
  ck_assert(in.flags & INSN_REPNE);
  ck_assert_uint_eq(in.seg, S_FS);
}
END_TEST

/* ---- ModRM / SIB ---- */

START_TEST(t_modrm16) {
  Insn in;
  static const struct {
    uint8_t modrm;
    uint8_t base, index, seg, len;
    int32_t disp;
  } v[] = {
      {0x00, R_EBX, R_ESI, S_DS, 2, 0},           /* [bx+si] */
      {0x01, R_EBX, R_EDI, S_DS, 2, 0},           /* [bx+di] */
      {0x02, R_EBP, R_ESI, S_SS, 2, 0},           /* [bp+si] */
      {0x03, R_EBP, R_EDI, S_SS, 2, 0},           /* [bp+di] */
      {0x04, R_ESI, REG_NONE, S_DS, 2, 0},        /* [si] */
      {0x05, R_EDI, REG_NONE, S_DS, 2, 0},        /* [di] */
      {0x06, REG_NONE, REG_NONE, S_DS, 4, 0x5a5a}, /* [disp16] */
      {0x07, R_EBX, REG_NONE, S_DS, 2, 0},        /* [bx] */
      {0x46, R_EBP, REG_NONE, S_SS, 3, 0x5a},     /* [bp+disp8] */
      {0x42, R_EBP, R_ESI, S_SS, 3, 0x5a},        /* [bp+si+disp8] */
      {0x87, R_EBX, REG_NONE, S_DS, 4, 0x5a5a},   /* [bx+disp16] */
      {0x86, R_EBP, REG_NONE, S_SS, 4, 0x5a5a},   /* [bp+disp16] */
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    const uint8_t b[] = {0x8b, v[i].modrm, 0x5a, 0x5a, 0x5a, 0x5a};
    ck_assert_int_eq(x86_decode(b, sizeof(b), 0, &in), v[i].len);
    ck_assert(in.flags & INSN_MEM);
    ck_assert(in.flags & INSN_MODRM);
    ck_assert_uint_eq(in.base, v[i].base);
    ck_assert_uint_eq(in.index, v[i].index);
    ck_assert_uint_eq(in.seg, v[i].seg);
    ck_assert_int_eq(in.disp, v[i].disp);
    ck_assert_uint_eq(in.scale, 0);
  }
  /* Negative displacements are sign-extended. */
  ck_assert_int_eq(D16(&in, 0x8b, 0x46, 0xfe), 3);
  ck_assert_int_eq(in.disp, -2);
  ck_assert_int_eq(D16(&in, 0x8b, 0x84, 0x00, 0x80), 4);
  ck_assert_int_eq(in.disp, -32768);
  /* Register form. */
  ck_assert_int_eq(D16(&in, 0x8b, 0xd9), 2);
  ck_assert(!(in.flags & INSN_MEM));
  ck_assert(in.flags & INSN_MODRM);
  ck_assert_uint_eq(in.reg, R_EBX);
  ck_assert_uint_eq(in.rm, R_ECX);
  ck_assert_uint_eq(in.modrm, 0xd9);
}
END_TEST

START_TEST(t_modrm32) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0x8b, 0x00), 2);
  ck_assert_uint_eq(in.base, R_EAX);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_uint_eq(in.seg, S_DS);
  ck_assert_int_eq(D32(&in, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), 6); /* [disp32] */
  ck_assert_uint_eq(in.base, REG_NONE);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_int_eq(in.disp, 0x12345678);
  ck_assert_int_eq(D32(&in, 0x8b, 0x45, 0x08), 3); /* [ebp+8] */
  ck_assert_uint_eq(in.base, R_EBP);
  ck_assert_uint_eq(in.seg, S_SS);
  ck_assert_int_eq(in.disp, 8);
  ck_assert_int_eq(D32(&in, 0x8b, 0x45, 0x80), 3);
  ck_assert_int_eq(in.disp, -128);
  ck_assert_int_eq(D32(&in, 0x8b, 0x80, 0x00, 0x00, 0x00, 0x80), 6);
  ck_assert_uint_eq(in.base, R_EAX);
  ck_assert_int_eq(in.disp, INT32_MIN);
  ck_assert_int_eq(D32(&in, 0x8b, 0x8e, 0xff, 0xff, 0xff, 0xff), 6); /* ecx,[esi-1] */
  ck_assert_uint_eq(in.reg, R_ECX);
  ck_assert_uint_eq(in.base, R_ESI);
  ck_assert_int_eq(in.disp, -1);
  ck_assert_int_eq(D32(&in, 0x89, 0xe5), 2); /* mov ebp,esp */
  ck_assert(!(in.flags & INSN_MEM));
  ck_assert_uint_eq(in.rm, R_EBP);
  ck_assert_uint_eq(in.reg, R_ESP);
}
END_TEST

START_TEST(t_sib) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0x8b, 0x04, 0x24), 3); /* [esp] */
  ck_assert_uint_eq(in.base, R_ESP);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_uint_eq(in.seg, S_SS);
  ck_assert_int_eq(D32(&in, 0x8b, 0x44, 0x24, 0xfc), 4); /* [esp-4] */
  ck_assert_uint_eq(in.base, R_ESP);
  ck_assert_int_eq(in.disp, -4);
  ck_assert_int_eq(D32(&in, 0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00), 7); /* [ecx*4+0x1000] */
  ck_assert_uint_eq(in.base, REG_NONE);
  ck_assert_uint_eq(in.index, R_ECX);
  ck_assert_uint_eq(in.scale, 2);
  ck_assert_int_eq(in.disp, 0x1000);
  ck_assert_uint_eq(in.seg, S_DS);
  ck_assert_int_eq(D32(&in, 0x8b, 0x04, 0x25, 0x44, 0x33, 0x22, 0x11), 7); /* [disp32], no base/index */
  ck_assert_uint_eq(in.base, REG_NONE);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_int_eq(in.disp, 0x11223344);
  ck_assert_int_eq(D32(&in, 0x8b, 0x44, 0xcd, 0x10), 4); /* [ebp+ecx*8+0x10] */
  ck_assert_uint_eq(in.base, R_EBP);
  ck_assert_uint_eq(in.index, R_ECX);
  ck_assert_uint_eq(in.scale, 3);
  ck_assert_uint_eq(in.seg, S_SS);
  ck_assert_int_eq(D32(&in, 0x8b, 0x04, 0x28), 3); /* [eax+ebp]: index EBP keeps DS */
  ck_assert_uint_eq(in.base, R_EAX);
  ck_assert_uint_eq(in.index, R_EBP);
  ck_assert_uint_eq(in.seg, S_DS);
  ck_assert_int_eq(D32(&in, 0x8b, 0x04, 0x6d, 0, 0, 0, 0), 7); /* [ebp*2+disp32]: no base */
  ck_assert_uint_eq(in.base, REG_NONE);
  ck_assert_uint_eq(in.index, R_EBP);
  ck_assert_uint_eq(in.scale, 1);
  ck_assert_uint_eq(in.seg, S_DS);
  ck_assert_int_eq(D32(&in, 0x8b, 0x84, 0x65, 1, 0, 0, 0), 7); /* [ebp+disp32] via SIB, mod=2 */
  ck_assert_uint_eq(in.base, R_EBP);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_uint_eq(in.seg, S_SS);
  ck_assert_int_eq(in.disp, 1);
  ck_assert_int_eq(D32(&in, 0x8b, 0x44, 0xe0, 0x7f), 4); /* [eax+disp8], index 4 = none */
  ck_assert_uint_eq(in.base, R_EAX);
  ck_assert_uint_eq(in.index, REG_NONE);
  ck_assert_int_eq(in.disp, 127);
  /* 16-bit code with 67: SIB is used. */
  ck_assert_int_eq(D16(&in, 0x67, 0x8b, 0x04, 0x8d, 0, 0, 0, 0), 8);
  ck_assert_uint_eq(in.index, R_ECX);
  /* 32-bit code with 67: rm=4 is [si], no SIB. */
  ck_assert_int_eq(D32(&in, 0x67, 0x8b, 0x04), 3);
  ck_assert_uint_eq(in.base, R_ESI);
}
END_TEST

START_TEST(t_modrm_then_imm) {
  Insn in;
  /* mov dword [esp+0x100], 0x12345678 */
  ck_assert_int_eq(D32(&in, 0xc7, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12), 11);
  ck_assert_int_eq(in.disp, 0x100);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert_uint_eq(in.seg, S_SS);
  /* mov word [bx+si+5], 0xbeef */
  ck_assert_int_eq(D16(&in, 0xc7, 0x40, 0x05, 0xef, 0xbe), 5);
  ck_assert_int_eq(in.disp, 5);
  ck_assert_uint_eq(in.imm, 0xbeef);
  /* imul ax,[disp16],-2 (Ibs) */
  ck_assert_int_eq(D16(&in, 0x6b, 0x06, 0x34, 0x12, 0xfe), 5);
  ck_assert_int_eq(in.disp, 0x1234);
  ck_assert_uint_eq(in.imm, 0xfffffffeu);
  /* shld eax,ebx,5 / shld [eax],ebx,cl */
  ck_assert_int_eq(D32(&in, 0x0f, 0xa4, 0xd8, 0x05), 4);
  ck_assert_uint_eq(in.imm, 5);
  ck_assert_uint_eq(in.op, 0x1a4);
  ck_assert_int_eq(D32(&in, 0x0f, 0xa5, 0x18), 3);
}
END_TEST

/* ---- immediates ---- */

START_TEST(t_imm_kinds) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0xb0, 0xff), 2); /* Ib: zero-extended */
  ck_assert_uint_eq(in.imm, 0xff);
  ck_assert_int_eq(D32(&in, 0x80, 0xc0, 0x80), 3);
  ck_assert_uint_eq(in.imm, 0x80);
  ck_assert_int_eq(D32(&in, 0xcd, 0x21), 2);
  ck_assert_uint_eq(in.imm, 0x21);
  ck_assert_int_eq(D32(&in, 0x6a, 0xff), 2); /* Ibs: sign-extended */
  ck_assert_uint_eq(in.imm, 0xffffffffu);
  ck_assert_int_eq(D16(&in, 0x83, 0xc0, 0x80), 3);
  ck_assert_uint_eq(in.imm, 0xffffff80u);
  ck_assert_int_eq(D32(&in, 0x83, 0xc0, 0x7f), 3);
  ck_assert_uint_eq(in.imm, 0x7f);
  ck_assert_int_eq(D32(&in, 0xc2, 0x34, 0x12), 3); /* Iw */
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_int_eq(D16(&in, 0x66, 0xca, 0x08, 0x00), 4); /* Iw is not operand-sized */
  ck_assert_uint_eq(in.imm, 8);
  /* Iz by operand size */
  ck_assert_int_eq(D16(&in, 0x05, 0x34, 0x12), 3);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_int_eq(D32(&in, 0x05, 0x78, 0x56, 0x34, 0x12), 5);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert_int_eq(D32(&in, 0x66, 0x05, 0x34, 0x12), 4);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_int_eq(D16(&in, 0x66, 0x68, 0x78, 0x56, 0x34, 0x12), 6);
  ck_assert_int_eq(D16(&in, 0xf7, 0xc0, 0x00, 0x80), 4); /* test ax,0x8000 (zero-extended) */
  ck_assert_uint_eq(in.imm, 0x8000);
  ck_assert_int_eq(D32(&in, 0x69, 0xc0, 0x00, 0x01, 0x00, 0x00), 6);
  ck_assert_uint_eq(in.imm, 0x100);
  /* Iv (mov r,imm) */
  ck_assert_int_eq(D32(&in, 0xbf, 1, 2, 3, 4), 5);
  ck_assert_uint_eq(in.imm, 0x04030201);
  ck_assert_int_eq(D16(&in, 0xbf, 1, 2), 3);
}
END_TEST

START_TEST(t_imm_jumps) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0xeb, 0xfe), 2); /* Jb */
  ck_assert_uint_eq(in.imm, 0xfffffffeu);
  ck_assert_int_eq(D16(&in, 0x74, 0x10), 2);
  ck_assert_uint_eq(in.imm, 0x10);
  ck_assert_int_eq(D16(&in, 0xe2, 0x80), 2);
  ck_assert_uint_eq(in.imm, 0xffffff80u);
  ck_assert_int_eq(D16(&in, 0xe8, 0xfe, 0xff), 3); /* Jz, 16-bit: sign-extended */
  ck_assert_uint_eq(in.imm, 0xfffffffeu);
  ck_assert_int_eq(D32(&in, 0xe8, 0xfb, 0xff, 0xff, 0xff), 5);
  ck_assert_uint_eq(in.imm, 0xfffffffbu);
  ck_assert_int_eq(D32(&in, 0x66, 0xe9, 0x00, 0x80), 4);
  ck_assert_uint_eq(in.imm, 0xffff8000u);
  ck_assert_int_eq(D16(&in, 0x66, 0xe9, 0x00, 0x80, 0, 0), 6);
  ck_assert_uint_eq(in.imm, 0x8000);
  ck_assert_int_eq(D32(&in, 0x0f, 0x84, 0x10, 0x00, 0x00, 0x00), 6);
  ck_assert_uint_eq(in.op, 0x184);
  ck_assert_uint_eq(in.imm, 0x10);
  ck_assert_int_eq(D16(&in, 0x0f, 0x85, 0xfd, 0xff), 4);
  ck_assert_uint_eq(in.imm, 0xfffffffdu);
}
END_TEST

START_TEST(t_imm_far_pointer) {
  Insn in;
  ck_assert_int_eq(D16(&in, 0xea, 0x34, 0x12, 0x00, 0xf0), 5);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_uint_eq(in.imm2, 0xf000);
  ck_assert_int_eq(D32(&in, 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00), 7);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert_uint_eq(in.imm2, 0x0008);
  ck_assert_int_eq(D16(&in, 0x66, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x10, 0x00), 8);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert_uint_eq(in.imm2, 0x10);
  ck_assert_int_eq(D32(&in, 0x66, 0x9a, 0x34, 0x12, 0x18, 0x00), 6);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_uint_eq(in.imm2, 0x18);
  /* 67 does not change the far pointer size. */
  ck_assert_int_eq(D16(&in, 0x67, 0xea, 0x34, 0x12, 0x00, 0xf0), 6);
  ck_assert_uint_eq(in.imm2, 0xf000);
}
END_TEST

START_TEST(t_imm_moffs) {
  Insn in;
  ck_assert_int_eq(D16(&in, 0xa1, 0x34, 0x12), 3);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_uint_eq(in.seg, S_DS);
  ck_assert_int_eq(D16(&in, 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12), 6);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert_int_eq(D16(&in, 0x66, 0xa1, 0x34, 0x12), 4); /* operand size does not matter */
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert(in.flags & INSN_O32);
  ck_assert_int_eq(D32(&in, 0xa0, 0x78, 0x56, 0x34, 0x12), 5);
  ck_assert_uint_eq(in.imm, 0x12345678);
  ck_assert_int_eq(D32(&in, 0x67, 0xa3, 0x34, 0x12), 4);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_int_eq(D32(&in, 0x66, 0xa2, 0x01, 0x00, 0x00, 0x00), 6);
  ck_assert(!(in.flags & INSN_MODRM));
  ck_assert(!(in.flags & INSN_MEM));
}
END_TEST

START_TEST(t_imm_enter) {
  Insn in;
  ck_assert_int_eq(D16(&in, 0xc8, 0x10, 0x00, 0x02), 4);
  ck_assert_uint_eq(in.imm, 0x10);
  ck_assert_uint_eq(in.imm2, 2);
  ck_assert_int_eq(D32(&in, 0xc8, 0x34, 0x12, 0xff), 4);
  ck_assert_uint_eq(in.imm, 0x1234);
  ck_assert_uint_eq(in.imm2, 0xff); /* nesting level: zero-extended */
  ck_assert_int_eq(D16(&in, 0x66, 0xc8, 0x00, 0x01, 0x00), 5); /* sizes fixed */
  ck_assert_uint_eq(in.imm, 0x100);
  ck_assert_uint_eq(in.imm2, 0);
}
END_TEST

/* ---- groups, operand form restrictions ---- */

START_TEST(t_groups) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0x8f, 0xc0), 2); /* pop eax */
  ck_assert_int_eq(D32(&in, 0x8f, 0xc8), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x8f, 0x38), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xc6, 0xc0, 0x01), 3);
  ck_assert_int_eq(D32(&in, 0xc6, 0xc8, 0x01), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xc7, 0xf8, 0, 0, 0, 0), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xfe, 0xc0), 2);
  ck_assert_int_eq(D32(&in, 0xfe, 0xd0), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xfe, 0x38), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xff, 0x30), 2); /* push [eax] */
  ck_assert_int_eq(D32(&in, 0xff, 0x38), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xf6, 0xc8, 0x12), 3); /* test /1 alias */
  ck_assert_uint_eq(in.imm, 0x12);
  ck_assert_int_eq(D32(&in, 0xf7, 0xd8), 2); /* neg eax: no immediate */
  ck_assert_int_eq(D32(&in, 0xc0, 0xf0, 0x01), 3); /* sal /6 alias */
  ck_assert_int_eq(D32(&in, 0x0f, 0x00, 0xc0), 3);  /* sldt eax */
  ck_assert_int_eq(D32(&in, 0x0f, 0x00, 0x18), 3);  /* ltr [eax] */
  ck_assert_int_eq(D32(&in, 0x0f, 0x00, 0xf0), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0x00, 0x38), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0x01, 0x28), DEC_INVALID); /* 0F 01 /5 */
  ck_assert_int_eq(D32(&in, 0x0f, 0x01, 0xe8), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0x01, 0xe0), 3); /* smsw eax: register form allowed */
  ck_assert(!(in.flags & INSN_MEM));
  ck_assert_int_eq(D16(&in, 0x0f, 0x01, 0x26, 0x00, 0x10), 5); /* smsw [0x1000] */
  ck_assert(in.flags & INSN_MEM);
  ck_assert_int_eq(D32(&in, 0x0f, 0x01, 0xf0), 3); /* lmsw ax */
  ck_assert_int_eq(D32(&in, 0x0f, 0x01, 0x38), 3); /* invlpg [eax] */
  ck_assert_int_eq(D32(&in, 0x0f, 0xba, 0xe0, 0x05), 4); /* bt eax,5 */
  ck_assert_uint_eq(in.imm, 5);
  ck_assert_int_eq(D32(&in, 0x0f, 0xba, 0xc0, 0x05), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0xba, 0xd8, 0x05), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0xc7, 0x08), 3); /* cmpxchg8b [eax] */
  ck_assert_int_eq(D32(&in, 0x0f, 0xc7, 0x00), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0xc7, 0x30), DEC_INVALID); /* vmptrld: not P6 */
  ck_assert_int_eq(D32(&in, 0x0f, 0xae, 0x00), 3); /* fxsave [eax] */
  ck_assert_int_eq(D32(&in, 0x0f, 0xae, 0x10), DEC_INVALID); /* ldmxcsr: SSE */
  ck_assert_int_eq(D32(&in, 0x0f, 0xae, 0xf8), DEC_INVALID); /* sfence: SSE */
  ck_assert_int_eq(D32(&in, 0x0f, 0x71, 0xd0, 0x03), 4); /* psrlw mm0,3 */
  ck_assert_uint_eq(in.imm, 3);
  ck_assert_int_eq(D32(&in, 0x0f, 0x71, 0xc0, 0x03), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x0f, 0x73, 0xd8, 0x03), DEC_INVALID); /* psrldq: SSE2 */
}
END_TEST

START_TEST(t_mem_only_forms) {
  Insn in;
  static const uint8_t v[][4] = {
      {2, 0x8d, 0xc0},       /* lea */
      {2, 0xc4, 0xc0},       /* les */
      {2, 0xc5, 0xc0},       /* lds */
      {2, 0x62, 0xc0},       /* bound */
      {2, 0xff, 0xd8},       /* callf */
      {2, 0xff, 0xe8},       /* jmpf */
      {3, 0x0f, 0x01, 0xc0}, /* sgdt */
      {3, 0x0f, 0x01, 0xc8}, /* sidt */
      {3, 0x0f, 0x01, 0xd0}, /* lgdt */
      {3, 0x0f, 0x01, 0xd8}, /* lidt */
      {3, 0x0f, 0x01, 0xf8}, /* invlpg */
      {3, 0x0f, 0xb2, 0xc0}, /* lss */
      {3, 0x0f, 0xb4, 0xc0}, /* lfs */
      {3, 0x0f, 0xb5, 0xc0}, /* lgs */
      {3, 0x0f, 0xc7, 0xc8}, /* cmpxchg8b */
      {3, 0x0f, 0xae, 0xc0}, /* fxsave */
      {3, 0x0f, 0xae, 0xc8}, /* fxrstor */
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    int n = v[i][0];
    for (int m32 = 0; m32 < 2; m32++) {
      ck_assert_int_eq(x86_decode(v[i] + 1, (size_t)n, m32, &in), DEC_INVALID);
      ck_assert_ptr_eq(in.fn, op_invalid);
      ck_assert_int_eq(in.len, n);
      /* The same opcode with a memory operand is fine. */
      uint8_t b[4];
      memcpy(b, v[i] + 1, (size_t)n);
      b[n - 1] &= 0x3f;
      ck_assert_int_eq(x86_decode(b, (size_t)n, m32, &in), n);
      ck_assert(in.flags & INSN_MEM);
    }
  }
}
END_TEST

START_TEST(t_reg_only_forms) {
  Insn in;
  /* MMX shift-by-immediate groups need mod = 3. */
  ck_assert_int_eq(D32(&in, 0x0f, 0x72, 0x10, 0x01), DEC_INVALID);
  ck_assert_int_eq(in.len, 4);
  ck_assert_int_eq(D32(&in, 0x0f, 0x72, 0xd1, 0x01), 4);
  ck_assert_uint_eq(in.rm, 1);
  /* MOV CR/DR ignore mod: always a register, never a displacement. */
  ck_assert_int_eq(D32(&in, 0x0f, 0x20, 0x05), 3);
  ck_assert(!(in.flags & INSN_MEM));
  ck_assert_uint_eq(in.rm, 5);
  ck_assert_int_eq(D16(&in, 0x0f, 0x22, 0x46), 3);
  ck_assert_uint_eq(in.rm, 6);
  ck_assert_int_eq(D32(&in, 0x0f, 0x23, 0x84), 3);
  ck_assert_uint_eq(in.reg, 0);
  ck_assert_uint_eq(in.rm, 4);
  ck_assert_int_eq(D32(&in, 0x0f, 0x20, 0xe0), 3); /* mov eax,cr4 */
  ck_assert_int_eq(D32(&in, 0x0f, 0x20, 0xc8), DEC_INVALID); /* cr1 */
  ck_assert_int_eq(D32(&in, 0x0f, 0x22, 0xe8), DEC_INVALID); /* cr5 */
  ck_assert_int_eq(D32(&in, 0x0f, 0x22, 0xf8), DEC_INVALID); /* cr7 */
  ck_assert_int_eq(D32(&in, 0x0f, 0x21, 0xe0), 3); /* dr4: decided at run time (CR4.DE) */
  /* Segment registers: 6/7 do not exist, CS cannot be loaded. */
  ck_assert_int_eq(D32(&in, 0x8c, 0xc8), 2); /* mov eax,cs */
  ck_assert_int_eq(D32(&in, 0x8c, 0xe8), 2); /* mov eax,gs */
  ck_assert_int_eq(D32(&in, 0x8c, 0xf0), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x8c, 0x38), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x8e, 0xd0), 2); /* mov ss,ax */
  ck_assert_int_eq(D32(&in, 0x8e, 0xc8), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x8e, 0x08), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0x8e, 0xf8), DEC_INVALID);
}
END_TEST

START_TEST(t_lock) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0xf0, 0x01, 0x00), 3); /* lock add [eax],eax */
  ck_assert(in.flags & INSN_LOCK);
  ck_assert(in.flags & INSN_MEM);
  ck_assert_int_eq(D32(&in, 0xf0, 0x01, 0xc0), DEC_INVALID); /* register destination */
  ck_assert_int_eq(D32(&in, 0xf0, 0x03, 0x00), DEC_INVALID); /* add eax,[eax]: reg dest */
  ck_assert_int_eq(D32(&in, 0xf0, 0x8b, 0x00), DEC_INVALID); /* mov */
  ck_assert_int_eq(D32(&in, 0xf0, 0x90), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xf0, 0x39, 0x00), DEC_INVALID); /* cmp */
  ck_assert_int_eq(D32(&in, 0xf0, 0x80, 0x38, 0x01), DEC_INVALID); /* cmp /7 */
  ck_assert_int_eq(D32(&in, 0xf0, 0x80, 0x30, 0x01), 4); /* xor /6 */
  ck_assert_int_eq(D32(&in, 0xf0, 0x87, 0x00), 3); /* xchg */
  ck_assert_int_eq(D32(&in, 0xf0, 0x87, 0xc0), DEC_INVALID);
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xc7, 0x08), 4); /* cmpxchg8b */
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xb1, 0x08), 4);
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xc1, 0x08), 4);
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xa3, 0x00), DEC_INVALID); /* bt */
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xab, 0x00), 4);          /* bts */
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xba, 0x20, 0x01), DEC_INVALID); /* bt imm */
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0xba, 0x38, 0x01), 5);          /* btc imm */
  ck_assert_int_eq(D32(&in, 0xf0, 0xf6, 0x10), 3); /* not */
  ck_assert_int_eq(D32(&in, 0xf0, 0xf6, 0x00, 0x01), DEC_INVALID); /* test */
  ck_assert_int_eq(D32(&in, 0xf0, 0xfe, 0x00), 3);
  ck_assert_int_eq(D32(&in, 0xf0, 0xff, 0x30), DEC_INVALID); /* push */
  ck_assert_int_eq(D32(&in, 0xf0, 0xd9, 0x00), DEC_INVALID); /* fld */
  ck_assert_int_eq(D32(&in, 0xf0, 0x0f, 0x20, 0xc0), DEC_INVALID); /* mov eax,cr0 */
  /* The whole instruction is measured before the verdict. */
  ck_assert_int_eq(D32(&in, 0xf0, 0x81, 0xc0, 0x78, 0x56, 0x34, 0x12), DEC_INVALID);
  ck_assert_int_eq(in.len, 7);
  ck_assert_ptr_eq(in.fn, op_invalid);
  const uint8_t part[] = {0xf0, 0x81, 0xc0, 0x78, 0x56};
  ck_assert_int_eq(x86_decode(part, sizeof(part), 1, &in), DEC_TRUNCATED);
  /* Two LOCKs and other prefixes are fine. */
  ck_assert_int_eq(D16(&in, 0xf0, 0x26, 0xf0, 0x29, 0x07), 5);
  ck_assert_uint_eq(in.seg, S_ES);
}
END_TEST

START_TEST(t_x87) {
  Insn in;
  /* Every ModRM byte of every escape decodes; the FPU decides what is reserved. */
  for (int op = 0xd8; op <= 0xdf; op++) {
    for (int m = 0; m < 256; m++) {
      const uint8_t b[] = {(uint8_t)op, (uint8_t)m, 0, 0, 0, 0, 0, 0};
      const int mod = m >> 6, rm = m & 7;
      int want16 = 2, want32 = 2;
      if (mod == 1) {
        want16 += 1;
        want32 += 1;
      } else if (mod == 2) {
        want16 += 2;
        want32 += 4;
      } else if (mod == 0) {
        want16 += rm == 6 ? 2 : 0;
        want32 += rm == 5 ? 4 : 0; /* SIB byte 0x00 below has base EAX */
      }
      if (mod != 3 && rm == 4)
        want32 += 1;
      ck_assert_int_eq(x86_decode(b, sizeof(b), 0, &in), want16);
      ck_assert_int_eq(x86_decode(b, sizeof(b), 1, &in), want32);
      ck_assert_uint_eq(in.op, (unsigned)op);
      ck_assert_ptr_ne(in.fn, op_invalid);
    }
  }
  ck_assert_int_eq(D32(&in, 0xdb, 0x2d, 0, 0, 0, 0), 6); /* fld tword [disp32] */
  ck_assert_int_eq(D32(&in, 0x9b), 1);                    /* fwait */
}
END_TEST

START_TEST(t_0f_map) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0x0f, 0x1f, 0x00), 3); /* nop [eax] */
  ck_assert_int_eq(D32(&in, 0x0f, 0x1f, 0x44, 0x00, 0x00), 5);
  ck_assert_int_eq(D32(&in, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0), 8);
  ck_assert_int_eq(D16(&in, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00), 6);
  for (int op = 0x18; op <= 0x1f; op++) {
    const uint8_t b[] = {0x0f, (uint8_t)op, 0xc0};
    ck_assert_int_eq(x86_decode(b, 3, 1, &in), 3);
  }
  ck_assert_int_eq(D32(&in, 0x0f, 0xa2), 2);
  ck_assert_uint_eq(in.op, 0x1a2);
  ck_assert_str_eq(x86_mnemonic(&in), "cpuid");
  ck_assert_int_eq(D32(&in, 0x0f, 0xaa), 2); /* rsm */
  ck_assert_int_eq(D32(&in, 0x0f, 0x0b), 2); /* ud2 decodes; its handler raises #UD */
  ck_assert_int_eq(D32(&in, 0x0f, 0x34), 2); /* sysenter */
  ck_assert_int_eq(D32(&in, 0x0f, 0x4f, 0xc1), 3); /* cmovg */
  ck_assert_int_eq(D32(&in, 0x0f, 0x6f, 0xc1), 3); /* movq mm0,mm1 */
  ck_assert_int_eq(D32(&in, 0x0f, 0x6e, 0x00), 3); /* movd mm0,[eax] */
  ck_assert_int_eq(D32(&in, 0x0f, 0x77), 2);       /* emms */
  ck_assert_int_eq(D32(&in, 0x0f, 0xc8), 2);       /* bswap eax */
  ck_assert_uint_eq(in.op, 0x1c8);
  /* Not a P6 instruction: */
  static const uint8_t inv[][3] = {
      {0x0f, 0x05}, {0x0f, 0x07}, {0x0f, 0x0d, 0x00}, {0x0f, 0x0e}, {0x0f, 0x0f, 0xc0},
      {0x0f, 0x10, 0xc0}, {0x0f, 0x28, 0xc0}, {0x0f, 0x37}, {0x0f, 0x38, 0x00},
      {0x0f, 0x3a, 0x00}, {0x0f, 0x50, 0xc0}, {0x0f, 0x70, 0xc0}, {0x0f, 0x78, 0xc0},
      {0x0f, 0xa6, 0xc0}, {0x0f, 0xa7, 0xc0}, {0x0f, 0xb8, 0xc0}, {0x0f, 0xb9, 0xc0},
      {0x0f, 0xc2, 0xc0}, {0x0f, 0xc3, 0x00}, {0x0f, 0xd4, 0xc0}, {0x0f, 0xd7, 0xc0},
      {0x0f, 0xe7, 0x00}, {0x0f, 0xf4, 0xc0}, {0x0f, 0xff, 0xc0}, {0x0f, 0x24, 0xc0},
  };
  for (size_t i = 0; i < sizeof(inv) / sizeof(inv[0]); i++) {
    uint8_t b[8] = {0};
    memcpy(b, inv[i], 3);
    ck_assert_int_eq(x86_decode(b, sizeof(b), 1, &in), DEC_INVALID);
    ck_assert_ptr_eq(in.fn, op_invalid);
    ck_assert_int_eq(in.len, 2); /* an unknown opcode stops right after it */
  }
}
END_TEST

/* ---- the 80286 (DEC_MODE_286) ---- */

START_TEST(t_model_286) {
  Insn in;
  const int M286 = DEC_MODE_286;
  /* 386 prefixes: #UD at once, after the prefix byte. */
  static const uint8_t pfx[] = {0x64, 0x65, 0x66, 0x67};
  for (size_t i = 0; i < sizeof pfx; i++) {
    const uint8_t b[] = {0x2e, pfx[i], 0x90};
    ck_assert_int_eq(x86_decode(b, sizeof b, M286, &in), DEC_INVALID);
    ck_assert_int_eq(in.len, 2);
    ck_assert_int_eq(x86_decode(b, sizeof b, 0, &in), 3); /* the i686 takes them */
  }
  /* The 0F map: the 286's system instructions only. */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0xa2), &in), DEC_INVALID); /* cpuid */
  ck_assert_int_eq(D16(&in, 0x0f, 0xa2), 2);
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x84, 0x00, 0x00), &in), DEC_INVALID); /* jz rel16 */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x01, 0x38), &in), DEC_INVALID);      /* invlpg */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x20, 0xc0), &in), DEC_INVALID);      /* mov eax,cr0 */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x00, 0xc8), &in), 3);                /* str ax */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x01, 0x06, 0x00, 0x10), &in), 5);    /* sgdt [1000h] */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x01, 0xf0), &in), 3);                /* lmsw ax */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x02, 0xc1), &in), 3);                /* lar ax,cx */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x03, 0xc1), &in), 3);                /* lsl ax,cx */
  ck_assert_int_eq(dec(M286, BYTES(0x0f, 0x06), &in), 2);                      /* clts */
  /* No FS/GS: Sreg 4 and 5 are undefined. */
  ck_assert_int_eq(dec(M286, BYTES(0x8c, 0xe0), &in), DEC_INVALID); /* mov ax,fs */
  ck_assert_int_eq(dec(M286, BYTES(0x8e, 0xe8), &in), DEC_INVALID); /* mov gs,ax */
  ck_assert_int_eq(dec(M286, BYTES(0x8c, 0xd8), &in), 2);           /* mov ax,ds */
  ck_assert_int_eq(D16(&in, 0x8c, 0xe0), 2);
  /* LOCK is accepted on anything (the i686 raises #UD). */
  ck_assert_int_eq(dec(M286, BYTES(0xf0, 0x01, 0xc0), &in), 3); /* lock add ax,ax */
  ck_assert(in.flags & INSN_LOCK);
  ck_assert_int_eq(D16(&in, 0xf0, 0x01, 0xc0), DEC_INVALID);
  ck_assert_int_eq(dec(M286, BYTES(0xf0, 0x90), &in), 2);
  ck_assert_int_eq(D16(&in, 0xf0, 0x90), DEC_INVALID);
  /* 10 bytes at most, prefixes included. */
  uint8_t b[16];
  memset(b, 0x2e, 7);
  memcpy(b + 7, (const uint8_t[]){0x05, 0x34, 0x12}, 3);
  ck_assert_int_eq(x86_decode(b, 10, M286, &in), 10);
  memset(b, 0x2e, 8);
  memcpy(b + 8, (const uint8_t[]){0x05, 0x34, 0x12}, 3);
  ck_assert_int_eq(x86_decode(b, 11, M286, &in), DEC_TOO_LONG);
  ck_assert_int_eq(x86_decode(b, 9, M286, &in), DEC_TOO_LONG); /* known before the bytes are there */
  ck_assert_int_eq(x86_decode(b, 11, 0, &in), 11);
  /* The one-byte map is the i686's (186/286 forms included). */
  ck_assert_int_eq(dec(M286, BYTES(0x60), &in), 1);                   /* pusha */
  ck_assert_int_eq(dec(M286, BYTES(0xc8, 0x10, 0x00, 0x01), &in), 4); /* enter */
  ck_assert_int_eq(dec(M286, BYTES(0x6b, 0xc0, 0x05), &in), 3);       /* imul ax,ax,5 */
}
END_TEST

/* ---- limits ---- */

START_TEST(t_too_long) {
  Insn in;
  uint8_t b[32];
  /* 9 prefixes + add eax,imm32 with ModRM (6) = 15: fine. */
  memset(b, 0x3e, 9);
  memcpy(b + 9, (const uint8_t[]){0x81, 0xc0, 0x78, 0x56, 0x34, 0x12}, 6);
  ck_assert_int_eq(x86_decode(b, 15, 1, &in), 15);
  ck_assert_uint_eq(in.imm, 0x12345678);
  /* 10 prefixes: 16 bytes. */
  memset(b, 0x3e, 10);
  memcpy(b + 10, (const uint8_t[]){0x81, 0xc0, 0x78, 0x56, 0x34, 0x12}, 6);
  ck_assert_int_eq(x86_decode(b, 16, 1, &in), DEC_TOO_LONG);
  ck_assert_int_eq(x86_decode(b, sizeof(b), 1, &in), DEC_TOO_LONG);
  /* Known too long although fewer than 15 bytes are available. */
  memset(b, 0x3e, 12);
  b[12] = 0x05; /* add eax,imm32: 12 + 5 = 17 */
  ck_assert_int_eq(x86_decode(b, 13, 1, &in), DEC_TOO_LONG);
  ck_assert_int_eq(x86_decode(b, 13, 0, &in), DEC_TRUNCATED); /* 16-bit: imm16 fits */
  ck_assert_int_eq(x86_decode(b, 15, 0, &in), 15);
  /* Too long in the displacement. */
  memset(b, 0x66, 11);
  memcpy(b + 11, (const uint8_t[]){0x8b, 0x80, 0, 0, 0, 0}, 6);
  ck_assert_int_eq(x86_decode(b, 17, 1, &in), DEC_TOO_LONG);
  /* Too long in the prefixes alone. */
  memset(b, 0xf3, sizeof(b));
  ck_assert_int_eq(x86_decode(b, sizeof(b), 0, &in), DEC_TOO_LONG);
  ck_assert_int_eq(x86_decode(b, 15, 0, &in), DEC_TOO_LONG);
  ck_assert_int_eq(x86_decode(b, 14, 0, &in), DEC_TRUNCATED); /* 14 prefixes + opcode fits */
}
END_TEST

/* Every proper prefix of a valid instruction is DEC_TRUNCATED. */
START_TEST(t_truncated) {
  static const uint8_t v[][16] = {
      /* mode, length, bytes... */
      {0, 3, 0xb8, 0x34, 0x12},
      {1, 5, 0xb8, 0x78, 0x56, 0x34, 0x12},
      {1, 2, 0x0f, 0xa2},
      {1, 7, 0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00},
      {0, 4, 0x8b, 0x80, 0x00, 0x10},
      {0, 5, 0xea, 0x00, 0x00, 0xff, 0xff},
      {1, 7, 0xea, 0, 0, 0, 0, 0x08, 0x00},
      {0, 4, 0xc8, 0x10, 0x00, 0x01},
      {0, 6, 0x67, 0xa1, 0, 0, 0, 0},
      {1, 11, 0xc7, 0x84, 0x24, 0, 1, 0, 0, 1, 2, 3, 4},
      {1, 6, 0x66, 0xf3, 0x26, 0x0f, 0xb6, 0x00},
      {1, 6, 0x0f, 0x84, 0, 0, 0, 0},
      {0, 5, 0x66, 0x6a, 0xff, 0x90, 0x90}, /* length 3: tail is padding */
  };
  Insn in;
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    int code32 = v[i][0], n = v[i][1];
    int full = x86_decode(v[i] + 2, (size_t)n, code32, &in);
    ck_assert_int_gt(full, 0);
    ck_assert_int_le(full, n);
    for (int k = 0; k < full; k++)
      ck_assert_int_eq(x86_decode(v[i] + 2, (size_t)k, code32, &in), DEC_TRUNCATED);
  }
  ck_assert_int_eq(x86_decode(NULL, 0, 1, &in), DEC_TRUNCATED);
}
END_TEST

/* ---- records ---- */

START_TEST(t_record_fields) {
  Insn in;
  ck_assert_int_eq(D32(&in, 0x01, 0xd8), 2); /* add eax,ebx */
  ck_assert_str_eq(x86_mnemonic(&in), "add");
  ck_assert_uint_eq(in.op, 0x01);
  ck_assert_uint_eq(in.reg, R_EBX);
  ck_assert_uint_eq(in.rm, R_EAX);
  ck_assert_ptr_nonnull(in.fn);
  ck_assert_ptr_ne(in.fn, op_invalid);
  ck_assert_uint_eq(in.len, 2);
  ck_assert_int_eq(D32(&in, 0xc3), 1);
  ck_assert(!(in.flags & INSN_MODRM));
  ck_assert_str_eq(x86_mnemonic(&in), "ret");
  ck_assert_int_eq(D32(&in, 0x0f, 0xff), DEC_INVALID);
  ck_assert_ptr_eq(in.fn, op_invalid);
  ck_assert_str_eq(x86_mnemonic(&in), "(bad)");
  /* Same bytes, same record, whatever the padding. */
  Insn a, b;
  const uint8_t x[] = {0x66, 0x8b, 0x44, 0x24, 0x08, 0x11, 0x22};
  const uint8_t y[] = {0x66, 0x8b, 0x44, 0x24, 0x08, 0xee, 0xff};
  ck_assert_int_eq(x86_decode(x, sizeof(x), 1, &a), 5);
  ck_assert_int_eq(x86_decode(y, sizeof(y), 1, &b), 5);
  ck_assert_mem_eq(&a, &b, sizeof(a));
}
END_TEST

static Suite *decode_suite(void) {
  Suite *s = suite_create("decode");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, t_opsize_toggle);
  tcase_add_test(tc, t_addrsize_toggle);
  tcase_add_test(tc, t_segment_last_wins);
  tcase_add_test(tc, t_rep_last_wins);
  tcase_add_test(tc, t_many_prefixes);
  tcase_add_test(tc, t_modrm16);
  tcase_add_test(tc, t_modrm32);
  tcase_add_test(tc, t_sib);
  tcase_add_test(tc, t_modrm_then_imm);
  tcase_add_test(tc, t_imm_kinds);
  tcase_add_test(tc, t_imm_jumps);
  tcase_add_test(tc, t_imm_far_pointer);
  tcase_add_test(tc, t_imm_moffs);
  tcase_add_test(tc, t_imm_enter);
  tcase_add_test(tc, t_groups);
  tcase_add_test(tc, t_mem_only_forms);
  tcase_add_test(tc, t_reg_only_forms);
  tcase_add_test(tc, t_lock);
  tcase_add_test(tc, t_x87);
  tcase_add_test(tc, t_0f_map);
  tcase_add_test(tc, t_model_286);
  tcase_add_test(tc, t_too_long);
  tcase_add_test(tc, t_truncated);
  tcase_add_test(tc, t_record_fields);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(decode_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
