/*
 * zydis_diff.c — differential test of x86_decode() against Zydis.
 *
 * Generates random byte strings (seeded, reproducible), decodes each with
 * our decoder and with Zydis in 16- or 32-bit legacy mode, and compares
 * validity and length.  Zydis decodes the modern ISA; our decoder is a P6
 * (Pentium II: i686 + MMX + FXSR, no SSE).  Every real P6-vs-modern
 * difference is listed below in `rules`, each with its reason, and a rule
 * only explains a difference when the instruction matches it (by Zydis's
 * ISA set/mnemonic, or by the bytes).  Anything else is a failure.
 *
 * usage: zydis_diff 16|32 [count [seed]]
 * Prints the first unexplained differences, one line per rule, then
 *   zydis_diff <mode>: N strings, A agree, E explained (...), U unexplained
 * and exits non-zero if U > 0.  With ZYDIS_DIFF_HIST=1 in the environment it
 * also prints the unexplained differences grouped by opcode, with an example.
 */
#include <Zydis/Zydis.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define BUF_LEN 16 /* bytes handed to both decoders (more than the 15-byte limit) */
#define SHOW_MAX 20

/* One compared string, with the byte-level facts rules look at. */
typedef struct Case {
  const uint8_t *b;                 /* BUF_LEN bytes */
  int code32;                       /* 1: 32-bit code */
  int ours;                         /* x86_decode() result */
  const Insn *in;                   /* our record */
  bool zok;                         /* Zydis decoded it */
  const ZydisDecodedInstruction *z; /* Zydis record (when zok) */
  /* From the bytes: */
  int npfx;    /* legacy prefix bytes before the opcode */
  bool p66;    /* operand-size prefix seen */
  uint8_t rep; /* last of F2/F3, or 0 */
  int op;      /* opcode: 0x00-0xff, 0x100 | second byte for 0F xx, -1 if cut off */
} Case;

/* ---- helpers for rules ---- */

static bool ours_only_invalid(const Case *c) { return c->ours < 0 && c->zok; }
static bool zydis_only_invalid(const Case *c) { return c->ours > 0 && !c->zok; }

static ZydisDecoder zd; /* the oracle, for rules that re-ask it */

/* Zydis accepts the string once every prefix byte in `drop` is replaced by a
 * DS override (0x3E, no effect on length), and then agrees with our length:
 * those prefixes alone made it refuse. */
static bool zydis_ok_without(const Case *c, const char *drop) {
  uint8_t t[BUF_LEN];
  memcpy(t, c->b, BUF_LEN);
  bool any = false;
  for (int i = 0; i < c->npfx; i++)
    if (strchr(drop, t[i])) {
      t[i] = 0x3e;
      any = true;
    }
  ZydisDecodedInstruction z;
  return any && ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zd, NULL, t, BUF_LEN, &z)) &&
         z.length == c->ours;
}

/* The opcode byte rows of the P6 MMX set (0F map). */
static bool is_mmx_op(int op) {
  static const uint8_t mmx[] = {
      0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6e, 0x6f,
      0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x7e, 0x7f, 0xd1, 0xd2, 0xd3, 0xd5, 0xd8,
      0xd9, 0xdb, 0xdc, 0xdd, 0xdf, 0xe1, 0xe2, 0xe5, 0xe8, 0xe9, 0xeb, 0xec, 0xed, 0xef,
      0xf1, 0xf2, 0xf3, 0xf5, 0xf8, 0xf9, 0xfa, 0xfc, 0xfd, 0xfe};
  if (op < 0x100)
    return false;
  for (size_t i = 0; i < sizeof(mmx); i++)
    if (mmx[i] == (op & 0xff))
      return true;
  return false;
}

/* ---- the rules ---- */

/* A rule matches by Zydis's ISA extension (ext list) or by a predicate on the
 * bytes (and Zydis's record); `dir` says which side must be the invalid one. */
enum { OURS_INVALID, ZYDIS_INVALID };
#define MAX_EXT 16
typedef struct Rule {
  const char *name;   /* short name, printed in the summary */
  int dir;            /* which decoder rejects */
  ZydisISAExt ext[MAX_EXT];             /* Zydis ISA extensions (0-terminated) */
  bool (*match)(const struct Case *c);  /* or this predicate on the bytes */
  const char *reason; /* why a P6 and Zydis differ here */
} Rule;

static bool b_0f38_0f3a(const Case *c) { return c->op == 0x138 || c->op == 0x13a; }
static bool b_0f0d(const Case *c) { return c->op == 0x10d; }
static bool b_syscall(const Case *c) { return c->op == 0x105 || c->op == 0x107; }
static bool b_ud0_ud1(const Case *c) {
  return (c->op == 0x1b9 && c->z->mnemonic == ZYDIS_MNEMONIC_UD1) ||
         (c->op == 0x1ff && c->z->mnemonic == ZYDIS_MNEMONIC_UD0);
}
static bool b_vex(const Case *c) {
  return (c->op == 0xc4 || c->op == 0xc5) && c->z->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX;
}
static bool b_evex(const Case *c) {
  return c->op == 0x62 && c->z->encoding == ZYDIS_INSTRUCTION_ENCODING_EVEX;
}
static bool b_xop(const Case *c) {
  return c->op == 0x8f && c->z->encoding == ZYDIS_INSTRUCTION_ENCODING_XOP;
}
static bool b_x87(const Case *c) { return c->op >= 0xd8 && c->op <= 0xdf; }
static bool b_prefix_ignored(const Case *c) {
  return (c->rep || c->p66) && (is_mmx_op(c->op) || c->op == 0x1ae) &&
         zydis_ok_without(c, "\x66\xf2\xf3");
}
/* The integer MMX instructions SSE added (Pentium III, "MMX extensions"). */
static bool b_sse_mmx_ext(const Case *c) {
  static const ZydisMnemonic m[] = {
      ZYDIS_MNEMONIC_PINSRW, ZYDIS_MNEMONIC_PEXTRW, ZYDIS_MNEMONIC_PMINUB, ZYDIS_MNEMONIC_PMAXUB,
      ZYDIS_MNEMONIC_PMINSW, ZYDIS_MNEMONIC_PMAXSW, ZYDIS_MNEMONIC_PAVGB, ZYDIS_MNEMONIC_PAVGW,
      ZYDIS_MNEMONIC_PMULHUW, ZYDIS_MNEMONIC_PSADBW, ZYDIS_MNEMONIC_PSHUFW, ZYDIS_MNEMONIC_MOVNTQ,
      ZYDIS_MNEMONIC_MASKMOVQ, ZYDIS_MNEMONIC_PMOVMSKB};
  for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
    if (c->z->mnemonic == m[i])
      return true;
  return false;
}

static Rule rules[] = {
    {"0f38/0f3a", OURS_INVALID, {0}, b_0f38_0f3a,
     "0F 38 / 0F 3A three-byte maps (SSSE3, SSE4, MOVBE, CRC32, ADX, CET...): #UD on P6"},
    {"sse", OURS_INVALID, {ZYDIS_ISA_EXT_SSE}, NULL,
     "SSE (Pentium III): xmm ops, the MMX integer extensions (pshufw, pminub, pavgb, "
     "pmovmskb, movntq...), prefetchnta-t2 on 0F 18 memory forms, ldmxcsr/stmxcsr, sfence: #UD on P6"},
    {"sse-mmx-ext", OURS_INVALID, {0}, b_sse_mmx_ext,
     "integer MMX instructions added by SSE (pinsrw, pextrw, pminub/pmaxub, pminsw/pmaxsw, pavgb/pavgw, "
     "pmulhuw, psadbw, pshufw, movntq, maskmovq, pmovmskb: 0F 70, C4, C5, D7, DA, DE, E0, E3, E4, E7, "
     "EA, EE, F6, F7); Zydis files them under MMX: #UD on P6"},
    {"sse2", OURS_INVALID, {ZYDIS_ISA_EXT_SSE2}, NULL,
     "SSE2 (Pentium 4): 66 0F xx xmm integer forms, paddq/psubq/pmuludq on mm, "
     "psrldq/pslldq, lfence/mfence, movnti: #UD on P6"},
    {"sse3+", OURS_INVALID, {ZYDIS_ISA_EXT_SSE3, ZYDIS_ISA_EXT_SSSE3, ZYDIS_ISA_EXT_SSE4,
                             ZYDIS_ISA_EXT_SSE4A}, NULL,
     "SSE3/SSSE3/SSE4/SSE4A (F2/F3/66 0F 7C-7D, F2 0F F0, F3 0F B8 popcnt...): #UD on P6"},
    {"vex", OURS_INVALID, {0}, b_vex,
     "VEX C4/C5 with mod=11 in 16/32-bit code: AVX; on a P6 LES/LDS with a register operand, #UD"},
    {"evex", OURS_INVALID, {0}, b_evex,
     "EVEX 62 with mod=11: AVX-512; on a P6 BOUND with a register operand, #UD"},
    {"xop", OURS_INVALID, {0}, b_xop,
     "XOP 8F with reg!=0 (AMD Bulldozer): on a P6 POP Ev /1-/7, #UD"},
    {"3dnow", OURS_INVALID, {ZYDIS_ISA_EXT_AMD3DNOW, ZYDIS_ISA_EXT_AMD3DNOW_PREFETCH}, NULL,
     "AMD 3DNow! (0F 0F xx, 0F 0E femms, 0F 0D prefetch/prefetchw): #UD on P6"},
    {"0f0d", OURS_INVALID, {0}, b_0f0d,
     "0F 0D: prefetch group of AMD/later Intel (Zydis decodes its other forms as NOP Ev); "
     "not in the P6 hint-NOP space 0F 18-1F, #UD on P6"},
    {"syscall", OURS_INVALID, {0}, b_syscall,
     "0F 05/07 SYSCALL/SYSRET: AMD K6 and 64-bit mode, #UD on P6 (the P6 has SYSENTER/SYSEXIT)"},
    {"ud0/ud1", OURS_INVALID, {0}, b_ud0_ud1,
     "0F FF UD0 / 0F B9 UD1: Zydis decodes them as instructions (with ModRM) that raise #UD; "
     "we report the #UD at decode: same outcome"},
    {"vmx/svm/smx", OURS_INVALID, {ZYDIS_ISA_EXT_VTX, ZYDIS_ISA_EXT_VMFUNC, ZYDIS_ISA_EXT_SVM,
                                   ZYDIS_ISA_EXT_SMX, ZYDIS_ISA_EXT_SNP, ZYDIS_ISA_EXT_TDX,
                                   ZYDIS_ISA_EXT_SGX, ZYDIS_ISA_EXT_SGX_ENCLV}, NULL,
     "virtualisation/secure-mode extensions (VMX 0F 78/79, 0F 01 C1-C4, 0F C7 /6-/7 mem; AMD SVM "
     "0F 01 D8-DF; GETSEC 0F 37; SGX, SNP, TDX): #UD on P6"},
    {"xsave", OURS_INVALID, {ZYDIS_ISA_EXT_XSAVE, ZYDIS_ISA_EXT_XSAVEC, ZYDIS_ISA_EXT_XSAVEOPT,
                             ZYDIS_ISA_EXT_XSAVES}, NULL,
     "XSAVE family (0F AE /4-/6 mem, 0F C7 /3-/5 mem, 0F 01 D0/D1 xgetbv/xsetbv): #UD on P6"},
    {"0f01-ext", OURS_INVALID, {ZYDIS_ISA_EXT_MONITOR, ZYDIS_ISA_EXT_MONITORX,
                                ZYDIS_ISA_EXT_SMAP, ZYDIS_ISA_EXT_RDTSCP, ZYDIS_ISA_EXT_RDPRU,
                                ZYDIS_ISA_EXT_PKU, ZYDIS_ISA_EXT_SERIALIZE,
                                ZYDIS_ISA_EXT_CLZERO, ZYDIS_ISA_EXT_AMD_INVLPGB,
                                ZYDIS_ISA_EXT_PCONFIG, ZYDIS_ISA_EXT_MCOMMIT,
                                ZYDIS_ISA_EXT_TSX_LDTRK}, NULL,
     "0F 01 register forms added after the P6 (monitor/mwait, clac/stac, rdtscp, rdpru, "
     "rd/wrpkru, serialize, clzero, monitorx, invlpgb/tlbsync, pconfig, mcommit, "
     "xsusldtrk/xresldtrk...): #UD on P6 (0F 01 /0-3,/7 are memory-only there)"},
    {"rand/misc", OURS_INVALID, {ZYDIS_ISA_EXT_RDRAND, ZYDIS_ISA_EXT_RDSEED, ZYDIS_ISA_EXT_RDPID,
                                 ZYDIS_ISA_EXT_CLFSH, ZYDIS_ISA_EXT_CLFLUSHOPT, ZYDIS_ISA_EXT_CLWB,
                                 ZYDIS_ISA_EXT_RDWRFSGS, ZYDIS_ISA_EXT_PT, ZYDIS_ISA_EXT_WAITPKG}, NULL,
     "0F C7 /6-/7 reg (rdrand, rdseed, rdpid), 0F AE /7 mem (clflush, clflushopt, clwb), "
     "F3 0F AE reg (rd/wrfsbase), F3 0F AE /4 (ptwrite), 66/F2/F3 0F AE /6 (umonitor, umwait, "
     "tpause): #UD on P6"},
    {"cet", OURS_INVALID, {ZYDIS_ISA_EXT_CET}, NULL,
     "CET shadow-stack instructions Zydis decodes even with its CET mode off (F3 0F AE /5 reg "
     "incssp, F3 0F 01 /5 mem rstorssp, F3 0F 01 EA saveprevssp...): #UD on P6"},
    {"rtm", OURS_INVALID, {ZYDIS_ISA_EXT_RTM}, NULL,
     "C6 F8 xabort / C7 F8 xbegin / 0F 01 D5-D6 xend/xtest (TSX): on a P6 MOV Eb/Ev /7, #UD"},
    {"padlock", OURS_INVALID, {ZYDIS_ISA_EXT_PADLOCK}, NULL,
     "VIA PadLock (0F A6/A7 with mod=11): #UD on P6 (0F A6/A7 were 486-A CMPXCHG, gone since)"},
    {"x87-reserved", ZYDIS_INVALID, {0}, b_x87,
     "x87 escapes D8-DF: the decoder hands every ModRM to the FPU unit, which executes the P6 "
     "aliases (fstp1, fxch4, fcom2...) and raises #UD for the reserved forms; Zydis rejects them"},
    {"prefix-ignored", ZYDIS_INVALID, {0}, b_prefix_ignored,
     "66/F2/F3 on MMX opcodes and on 0F AE (fxsave/fxrstor): ignored by a P6 (without SSE they "
     "are not mandatory prefixes); Zydis rejects the combinations SSE/SSE2 left unassigned "
     "(checked: Zydis accepts the same bytes without 66/F2/F3, with our length)"},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))
static unsigned long rule_hits[NRULES]; /* differences each rule explained */

static bool rule_matches(const Rule *r, const Case *c) {
  if (r->dir == OURS_INVALID ? !ours_only_invalid(c) : !zydis_only_invalid(c))
    return false;
  if (r->match)
    return r->match(c);
  for (int i = 0; i < MAX_EXT && r->ext[i]; i++)
    if (c->z->meta.isa_ext == r->ext[i])
      return true;
  return false;
}

/* ---- generator ---- */

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static const uint8_t prefix_bytes[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
                                       0x66, 0x67, 0xf0, 0xf2, 0xf3};
/* Opcodes with a ModRM.reg group or an unusual r/m rule. */
static const uint16_t group_ops[] = {
    0x80, 0x81, 0x82, 0x83, 0x8c, 0x8e, 0x8f, 0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2,
    0xd3, 0xf6, 0xf7, 0xfe, 0xff, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x62,
    0xc4, 0xc5, 0x8d, 0x100, 0x101, 0x118, 0x119, 0x11f, 0x120, 0x122, 0x171, 0x172,
    0x173, 0x1ae, 0x1ba, 0x1c7, 0x1b2, 0x1b4, 0x1b5, 0x10d, 0x1b9};

static void gen(uint8_t *b) {
  for (int i = 0; i < BUF_LEN; i++)
    b[i] = (uint8_t)rnd();
  int p = 0;
  if (rnd() & 1) {
    int n = (int)(rnd() % 5);
    while (n--)
      b[p++] = prefix_bytes[rnd() % sizeof(prefix_bytes)];
  }
  switch (rnd() % 8) {
  case 0: case 1: case 2: /* any one-byte opcode (already random) */
    p++;
    break;
  case 3: case 4: case 5: /* 0F map */
    b[p] = 0x0f;
    p += 2;
    break;
  case 6: { /* group / special r/m opcode */
    uint16_t op = group_ops[rnd() % (sizeof(group_ops) / sizeof(group_ops[0]))];
    if (op & 0x100)
      b[p++] = 0x0f;
    b[p++] = (uint8_t)op;
    break;
  }
  default: /* leave the whole string random */
    return;
  }
  /* ModRM: favour the forms with SIB and no-base/no-index encodings. */
  if (rnd() & 1) {
    uint8_t mod = (uint8_t)(rnd() & 3), reg = (uint8_t)(rnd() & 7);
    uint8_t rm = (rnd() & 1) ? 4 : (rnd() & 1) ? 5 : (uint8_t)(rnd() & 7);
    b[p] = (uint8_t)(mod << 6 | reg << 3 | rm);
    if (rm == 4 && (rnd() & 1))
      b[p + 1] = (uint8_t)((rnd() & 0xc0) | ((rnd() & 1) ? 0x20 : (rnd() & 0x38)) |
                           ((rnd() & 1) ? 5 : (rnd() & 7)));
  }
}

/* ---- byte-level facts ---- */

static void scan(Case *c) {
  const uint8_t *b = c->b;
  int p = 0;
  c->p66 = false;
  c->rep = 0;
  for (; p < BUF_LEN; p++) {
    uint8_t x = b[p];
    if (x == 0x66)
      c->p66 = true;
    else if (x == 0xf2 || x == 0xf3)
      c->rep = x;
    else if (!(x == 0x26 || x == 0x2e || x == 0x36 || x == 0x3e || x == 0x64 || x == 0x65 ||
               x == 0x67 || x == 0xf0))
      break;
  }
  c->npfx = p;
  c->op = -1;
  if (p >= BUF_LEN)
    return;
  c->op = b[p++];
  if (c->op == 0x0f)
    c->op = p < BUF_LEN ? 0x100 | b[p] : -1;
}

/* Unexplained differences by (kind, opcode), for ZYDIS_DIFF_HIST=1 runs. */
static unsigned long hist[3][0x201];
static char hist_example[3][0x201][160];

static void hex(const uint8_t *b, int n, char *out) {
  for (int i = 0; i < n; i++)
    out += sprintf(out, "%02x%s", b[i], i + 1 < n ? " " : "");
  *out = 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "16") && strcmp(argv[1], "32"))) {
    fprintf(stderr, "usage: %s 16|32 [count [seed]]\n", argv[0]);
    return 2;
  }
  const int code32 = !strcmp(argv[1], "32");
  const unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000000ul;
  const uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eed1686ull;
  rng_state = seed * 0x9E3779B97F4A7C15ull + (code32 ? 32 : 16);
  if (!rng_state)
    rng_state = 1;

  if (ZYAN_FAILED(ZydisDecoderInit(&zd, code32 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16,
                                   code32 ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16))) {
    fprintf(stderr, "zydis_diff: ZydisDecoderInit failed\n");
    return 2;
  }
  /* Decode the pre-extension meaning where Zydis offers the choice: on a P6,
   * 0F 1A/1B (MPX), F3 0F 1E (CET) and 0F 1C /0 (CLDEMOTE) are hint NOPs,
   * F3 0F BC/BD are BSF/BSR with an ignored REP, F3 0F 09 is WBINVD. */
  static const ZydisDecoderMode off[] = {ZYDIS_DECODER_MODE_MPX, ZYDIS_DECODER_MODE_CET,
                                         ZYDIS_DECODER_MODE_LZCNT, ZYDIS_DECODER_MODE_TZCNT,
                                         ZYDIS_DECODER_MODE_WBNOINVD, ZYDIS_DECODER_MODE_CLDEMOTE};
  for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
    ZydisDecoderEnableMode(&zd, off[i], ZYAN_FALSE);

  unsigned long agree = 0, explained = 0, unexplained = 0;
  uint8_t b[BUF_LEN];
  for (unsigned long n = 0; n < count; n++) {
    gen(b);
    Insn in;
    ZydisDecodedInstruction z;
    Case c = {.b = b, .code32 = code32, .in = &in, .z = &z};
    c.ours = x86_decode(b, BUF_LEN, code32, &in);
    c.zok = ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zd, NULL, b, BUF_LEN, &z));
    const bool ok = c.ours > 0;
    if (ok == c.zok && (!ok || c.ours == z.length)) {
      agree++;
      continue;
    }
    scan(&c);
    size_t r = 0;
    while (r < NRULES && !rule_matches(&rules[r], &c))
      r++;
    if (r < NRULES) {
      rule_hits[r]++;
      explained++;
      continue;
    }
    char h[BUF_LEN * 3 + 1];
    hex(b, 15, h);
    const int kind = c.zok && ok ? 2 : c.zok ? 1 : 0; /* 0 ours only ok, 1 zydis only, 2 length */
    const int hop = c.op < 0 ? 0x200 : c.op;
    if (!hist[kind][hop]++)
      snprintf(hist_example[kind][hop], sizeof(hist_example[kind][hop]), "%s ours %d zydis %d %s",
               h, c.ours, c.zok ? z.length : 0,
               c.zok ? ZydisMnemonicGetString(z.mnemonic) : "-");
    if (++unexplained <= SHOW_MAX) {
      printf("UNEXPLAINED %s-bit: %s | ours %d (%s) | zydis %s len %d %s isa=%s ext=%s\n",
             argv[1], h, c.ours, c.ours > 0 ? x86_mnemonic(&in) : "-", c.zok ? "ok" : "invalid",
             c.zok ? z.length : 0, c.zok ? ZydisMnemonicGetString(z.mnemonic) : "-",
             c.zok ? ZydisISASetGetString(z.meta.isa_set) : "-",
             c.zok ? ZydisISAExtGetString(z.meta.isa_ext) : "-");
    }
  }
  if (getenv("ZYDIS_DIFF_HIST"))
    for (int k = 0; k < 3; k++)
      for (int o = 0; o <= 0x200; o++)
        if (hist[k][o])
          printf("HIST %s op %03x: %7lu  e.g. %s\n",
                 k == 0 ? "ours-only-valid" : k == 1 ? "zydis-only-valid" : "length", o,
                 hist[k][o], hist_example[k][o]);
  for (size_t r = 0; r < NRULES; r++)
    printf("  rule %-12s %9lu  %s\n", rules[r].name, rule_hits[r], rules[r].reason);
  printf("zydis_diff %s: %lu strings, %lu agree, %lu explained (", argv[1], count, agree, explained);
  for (size_t r = 0, first = 1; r < NRULES; r++) {
    if (!rule_hits[r])
      continue;
    printf("%s%s %lu", first ? "" : ", ", rules[r].name, rule_hits[r]);
    first = 0;
  }
  printf("), %lu unexplained\n", unexplained);
  /* A broken oracle or generator must not pass: most strings must agree. */
  if (agree < count / 2) {
    printf("zydis_diff: fewer than half the strings agree\n");
    return 1;
  }
  return unexplained ? 1 : 0;
}
