/*
 * fpu_seq.c — instruction-sequence differential test (x86-64 hosts): random
 * sequences of x87 instructions (register and memory forms, stack
 * manipulation, compares, FCMOV/FCOMI, stores) are assembled into a code
 * buffer and run on the host x87, and the same instructions run through
 * op_fpu() (fpu.c with fpu_stubs.c).  Compared afterwards: control word,
 * status word (TOP, C0-C3, flags), full tag word, every non-empty register,
 * EFLAGS ZF/PF/CF and the 256-byte memory area.  Exceptions stay masked
 * (an unmasked one would trap in the host); transcendentals are left out
 * (they may differ by one ulp, see the class tests).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "fpu_model.h"
#include "fpu_seq.h"
#include "fpu_stubs.h"

#define DATA_OFF 0x1000u /* where the data area sits in fpu_ram */
#define MAXLEN 12

typedef struct NativeOut {
  uint8_t fsave[108];
  uint8_t pad[4];
  uint64_t eflags_out; /* offset 112 */
  uint16_t cw_in;      /* offset 120 */
  uint8_t pad2[6];
  uint64_t eflags_in;  /* offset 128 */
} NativeOut;
_Static_assert(offsetof(NativeOut, eflags_out) == 112, "layout");
_Static_assert(offsetof(NativeOut, cw_in) == 120, "layout");
_Static_assert(offsetof(NativeOut, eflags_in) == 128, "layout");

typedef struct SeqInsn {
  uint8_t b[5];
  int len;
  bool mmx; /* 0F xx form: b[1] opcode, b[2] ModRM, then disp8 / imm8 */
  bool mem;
} SeqInsn;

/* MMX opcodes (second byte) with a Pq, Qq/Qd form. */
static const uint8_t mmx_ops[] = {
  0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6f, 0x74, 0x75, 0x76,
  0xd1, 0xd2, 0xd3, 0xd5, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xdf, 0xe1, 0xe2, 0xe5, 0xe8, 0xe9, 0xeb,
  0xec, 0xed, 0xef, 0xf1, 0xf2, 0xf3, 0xf5, 0xf8, 0xf9, 0xfa, 0xfc, 0xfd, 0xfe, 0x7f, 0x6e, 0x7e,
  0x71, 0x72, 0x73, 0x77,
};

static void gen_mmx(uint64_t *s, SeqInsn *in) {
  uint8_t op = mmx_ops[model_rand(s) % sizeof mmx_ops];
  unsigned reg = (unsigned)(model_rand(s) % 8), rm = (unsigned)(model_rand(s) % 8);
  bool mem = op == 0x6e || op == 0x7e || ((op < 0x71 || op > 0x73) && model_rand(s) % 3 == 0);
  in->mmx = true;
  in->b[0] = 0x0f;
  in->b[1] = op;
  in->len = 3;
  if (op >= 0x71 && op <= 0x73) {
    static const uint8_t sub[3] = { 2, 4, 6 };
    unsigned g = sub[model_rand(s) % 3];
    if (op == 0x73 && g == 4)
      g = 2;
    in->b[2] = (uint8_t)(0xc0 | g << 3 | rm);
    in->b[3] = (uint8_t)(model_rand(s) % 72);
    in->len = 4;
    mem = false;
  } else if (op == 0x77) {
    in->len = 2;
    mem = false;
  } else if (mem) {
    in->b[2] = (uint8_t)(0x40 | reg << 3 | 6);
    in->b[3] = (uint8_t)(((model_rand(s) % 31) * 8) - 128);
    in->len = 4;
  } else {
    in->b[2] = (uint8_t)(0xc0 | reg << 3 | rm);
  }
  in->mem = mem;
}

/* Memory forms allowed: (escape, reg). */
static const uint8_t mem_forms[][2] = {
  { 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 3 }, { 0, 4 }, { 0, 5 }, { 0, 6 }, { 0, 7 },
  { 4, 0 }, { 4, 1 }, { 4, 2 }, { 4, 3 }, { 4, 4 }, { 4, 5 }, { 4, 6 }, { 4, 7 },
  { 2, 0 }, { 2, 1 }, { 2, 2 }, { 2, 3 }, { 2, 4 }, { 2, 5 }, { 2, 6 }, { 2, 7 },
  { 6, 0 }, { 6, 1 }, { 6, 2 }, { 6, 3 }, { 6, 4 }, { 6, 5 }, { 6, 6 }, { 6, 7 },
  { 1, 0 }, { 1, 2 }, { 1, 3 }, { 5, 0 }, { 5, 2 }, { 5, 3 }, { 3, 0 }, { 3, 2 },
  { 3, 3 }, { 3, 5 }, { 3, 7 }, { 7, 0 }, { 7, 2 }, { 7, 3 }, { 7, 5 }, { 7, 7 }, { 7, 6 },
};

/* Register forms allowed: ranges of (first byte, modrm lo..hi). */
static const uint8_t reg_forms[][3] = {
  { 0xd8, 0xc0, 0xff }, { 0xdc, 0xc0, 0xcf }, { 0xdc, 0xe0, 0xff }, { 0xde, 0xc0, 0xcf },
  { 0xde, 0xd9, 0xd9 }, { 0xde, 0xe0, 0xff }, { 0xd9, 0xc0, 0xcf }, { 0xd9, 0xd0, 0xd0 },
  { 0xd9, 0xe0, 0xe1 }, { 0xd9, 0xe4, 0xe5 }, { 0xd9, 0xe8, 0xee }, { 0xd9, 0xf4, 0xf8 },
  { 0xd9, 0xfa, 0xfa }, { 0xd9, 0xfc, 0xfd }, { 0xda, 0xc0, 0xdf }, { 0xda, 0xe9, 0xe9 },
  { 0xdb, 0xc0, 0xdf }, { 0xdb, 0xe2, 0xe2 }, { 0xdb, 0xe8, 0xf7 }, { 0xdd, 0xc0, 0xc7 },
  { 0xdd, 0xd0, 0xef }, { 0xdf, 0xe8, 0xf7 },
};

static void gen_insn(uint64_t *s, SeqInsn *in, bool with_mmx) {
  in->mmx = false;
  if (with_mmx && model_rand(s) % 100 < 50) {
    gen_mmx(s, in);
    return;
  }
  in->mem = false;
  if (model_rand(s) % 100 < 40) {
    in->mem = true;
    const uint8_t *f = mem_forms[model_rand(s) % (sizeof mem_forms / sizeof mem_forms[0])];
    in->b[0] = (uint8_t)(0xd8 | f[0]);
    in->b[1] = (uint8_t)(0x40 | f[1] << 3 | 6); /* [rsi/esi + disp8] */
    in->b[2] = (uint8_t)(((model_rand(s) % 31) * 8) - 128); /* -128..112 */
    in->len = 3;
  } else {
    const uint8_t *f = reg_forms[model_rand(s) % (sizeof reg_forms / sizeof reg_forms[0])];
    in->b[0] = f[0];
    in->b[1] = (uint8_t)(f[1] + model_rand(s) % (unsigned)(f[2] - f[1] + 1));
    in->len = 2;
  }
}

static uint8_t *code;

static void run_native(const SeqInsn *seq, int n, NativeOut *out, uint8_t *data) {
  /* FNINIT, 8 x FLDZ, FNINIT (registers hold +0 like the emulator's), FLDCW, EFLAGS */
  static const uint8_t pro[] = { 0xdb, 0xe3, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee,
                                 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xdb, 0xe3, 0xd9, 0x6f, 0x78, 0x48, 0x8b, 0x87, 0x80, 0, 0, 0, 0x50, 0x9d };
  static const uint8_t epi[] = { 0x9c, 0x58, 0x48, 0x89, 0x47, 0x70, 0xdd, 0x37, 0xc3 };
  size_t p = 0;
  memcpy(code, pro, sizeof pro);
  p += sizeof pro;
  for (int i = 0; i < n; i++) {
    memcpy(code + p, seq[i].b, (size_t)seq[i].len);
    p += (size_t)seq[i].len;
  }
  memcpy(code + p, epi, sizeof epi);
  __builtin___clear_cache((char *)code, (char *)code + p + sizeof epi);
  void (*fn)(NativeOut *, uint8_t *) = (void (*)(NativeOut *, uint8_t *))(void *)code;
  fn(out, data + 128); /* disp8 is signed: rsi points at the middle */
}

static long seq_bad_shown;

static bool run_one(uint64_t *s, int verbose) {
  SeqInsn seq[MAXLEN];
  int n = 1 + (int)(model_rand(s) % MAXLEN);
  bool with_mmx = model_rand(s) % 4 == 0;
  for (int i = 0; i < n; i++)
    gen_insn(s, &seq[i], with_mmx);
  uint8_t data[256];
  for (int k = 0; k < 16; k++) {
    Float80 v = model_value(s, 16383 - 70, 16383 + 70);
    memcpy(data + 16 * k, &v.mant, 8);
    memcpy(data + 16 * k + 8, &v.sexp, 2);
    uint64_t r = model_rand(s) % 3 == 0 ? model_ieee(s, 8, 23) | model_ieee(s, 8, 23) << 32
                                        : model_ieee(s, 11, 52);
    memcpy(data + 16 * k + 10, &r, 6);
    if (model_rand(s) % 4 == 0)
      memcpy(data + 16 * k + 8, &r, 8);
    if (model_rand(s) % 4 == 0) {
      uint64_t q = model_ieee(s, 11, 52);
      memcpy(data + 16 * k, &q, 8);
    }
  }
  static const uint16_t pcs[3] = { 0x000, 0x200, 0x300 };
  uint16_t cw = (uint16_t)(0x007f | pcs[model_rand(s) % 3] | (model_rand(s) % 4) << 10);
  uint64_t fl = 0x202 | (model_rand(s) & (F_CF | F_PF | F_ZF));

  NativeOut nat;
  memset(&nat, 0, sizeof nat);
  nat.cw_in = cw;
  nat.eflags_in = fl;
  uint8_t ndata[256];
  memcpy(ndata, data, sizeof data);
  run_native(seq, n, &nat, ndata);

  static Cpu cpu;
  memset(&cpu, 0, sizeof cpu);
  cpu.tlb = stub_tlb();
  /* every other sequence with the memory in the TLB: fpu.c's fast paths */
  static unsigned parity;
  stub_tlb_map(cpu.tlb, ++parity & 1);
  for (int k = 0; k < 6; k++) {
    cpu.seg[k].flags = SF_P | SF_S | SF_RW;
    cpu.seg[k].limit = 0xffff;
  }
  cpu.cr[0] = CR0_NE | CR0_ET | CR0_PE;
  cpu.mode = CPU_MODE_PE | CPU_MODE_CS32;
  cpu.eflags = (uint32_t)fl;
  cpu.regs[R_ESI] = DATA_OFF + 128;
  fpu_reset(&cpu.fpu);
  cpu.fpu.cw = cw;
  memcpy(fpu_ram + DATA_OFF, data, sizeof data);
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    Insn in;
    const uint8_t *b = seq[i].b + (seq[i].mmx ? 1 : 0);
    memset(&in, 0, sizeof in);
    in.op = (uint16_t)(seq[i].mmx ? 0x100 | b[0] : b[0]);
    in.modrm = b[1];
    in.reg = (in.modrm >> 3) & 7;
    in.rm = in.modrm & 7;
    in.flags = INSN_O32 | INSN_A32 | INSN_MODRM;
    in.base = in.index = REG_NONE;
    in.seg = S_DS;
    if (seq[i].mem) {
      in.flags |= INSN_MEM;
      in.base = R_ESI;
      in.disp = (int8_t)b[2];
    } else if (seq[i].mmx && seq[i].len == 4) {
      in.imm = b[2];
    }
    if (stub_exec(&cpu, &in) != -1)
      ok = false;
  }

  const FpuState *f = &cpu.fpu;
  uint16_t ncw, nsw, ntw;
  memcpy(&ncw, nat.fsave, 2);
  memcpy(&nsw, nat.fsave + 4, 2);
  memcpy(&ntw, nat.fsave + 8, 2);
  uint16_t tw = 0;
  for (unsigned p = 0; p < 8; p++) {
    unsigned t = ((f->tw >> (2 * p)) & 3) == FTAG_EMPTY ? FTAG_EMPTY : f80_tag(f->st[p]);
    tw |= (uint16_t)(t << (2 * p));
  }
  ok = ok && ncw == f->cw && nsw == f->sw && ntw == tw;
  unsigned top = (f->sw >> 11) & 7;
  for (unsigned i = 0; i < 8 && ok; i++) {
    unsigned p = (top + i) & 7;
    if (((tw >> (2 * p)) & 3) == FTAG_EMPTY)
      continue;
    Float80 v = f->st[p];
    ok = !memcmp(nat.fsave + 28 + 10 * i, &v.mant, 8) && !memcmp(nat.fsave + 36 + 10 * i, &v.sexp, 2);
  }
  ok = ok && ((nat.eflags_out ^ cpu.eflags) & (F_CF | F_PF | F_ZF)) == 0;
  ok = ok && !memcmp(ndata, fpu_ram + DATA_OFF, sizeof ndata);
  if (!ok && seq_bad_shown < verbose) {
    seq_bad_shown++;
    printf("  sequence mismatch, cw=%04x:", cw);
    for (int i = 0; i < n; i++) {
      printf(" ");
      for (int k = 0; k < seq[i].len; k++)
        printf("%02x", seq[i].b[k]);
    }
    printf("\n    hw cw=%04x sw=%04x tw=%04x fl=%03x  emu cw=%04x sw=%04x tw=%04x fl=%03x mem %s\n", ncw, nsw,
           ntw, (unsigned)(nat.eflags_out & 0xfff), f->cw, f->sw, tw, cpu.eflags & 0xfff,
           memcmp(ndata, fpu_ram + DATA_OFF, sizeof ndata) ? "differs" : "same");
    for (unsigned k = 0; k < sizeof ndata; k++)
      if (ndata[k] != fpu_ram[DATA_OFF + k])
        printf("    mem[%02x] orig %02x hw %02x emu %02x\n", k, data[k], ndata[k], fpu_ram[DATA_OFF + k]);
    for (unsigned i = 0; i < 8; i++) {
      Float80 v = f->st[(top + i) & 7];
      uint64_t m;
      uint16_t e;
      memcpy(&m, nat.fsave + 28 + 10 * i, 8);
      memcpy(&e, nat.fsave + 36 + 10 * i, 2);
      printf("    st%u hw %04x:%016llx emu %04x:%016llx\n", i, e, (unsigned long long)m, v.sexp,
             (unsigned long long)v.mant);
    }
  }
  return ok;
}

long seq_run(long n, uint64_t seed, int verbose) {
  if (!code) {
    code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
      code = NULL;
      return -1;
    }
  }
  uint64_t s = seed | 1;
  long good = 0;
  for (long i = 0; i < n; i++)
    good += run_one(&s, verbose);
  return good;
}
