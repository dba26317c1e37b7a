/*
 * fpu_diff.c — differential test of softfloat80 against the host's real x87
 * (x86-64 hosts only: the hardware side is inline assembly).
 *
 *   fpu_diff [N [SEED]]        run N random cases per instruction class
 *                              (default 20000), print per-class agreement and,
 *                              for transcendentals, the error in ulps
 *   fpu_diff --gen FILE N      write N hardware-computed cases per class to a
 *                              golden file for fpu_golden (any host)
 *   fpu_diff --dump N          print N transcendental cases per class with the
 *                              hardware and softfloat80 results (for
 *                              ulp_vs_exact.py: error of both against exact)
 *
 * Set FPU_DIFF_VERBOSE=n to print the first n mismatches of each class.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpu_model.h"
#include "fpu_seq.h"

#if !defined(__x86_64__)
#error "fpu_diff needs an x86-64 host"
#endif

typedef struct HwFrame {
  Float80 a, b, r1, r2;
  uint64_t in;       /* memory source operand */
  uint8_t mem[16];   /* memory destination */
  uint16_t cw, sw;
} HwFrame;

#define FRAME(body)                                                                        \
  __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" body                \
                   "\n\tfnstsw %[sw]\n\tfnclex\n\tfstpt %[r1]\n\tfstpt %[r2]\n\tfninit"      \
                   : [sw] "=m"(f->sw), [r1] "=m"(f->r1), [r2] "=m"(f->r2), [mem] "+m"(f->mem) \
                   : [cw] "m"(f->cw), [a] "m"(f->a), [b] "m"(f->b), [in] "m"(f->in))

static void hw_exec(int cls, HwFrame *f) {
  switch (cls) {
  case MC_FADD: FRAME("fadd %%st(1), %%st"); break;
  case MC_FSUB: FRAME("fsub %%st(1), %%st"); break;
  case MC_FSUBR: FRAME("fsubr %%st(1), %%st"); break;
  case MC_FMUL: FRAME("fmul %%st(1), %%st"); break;
  case MC_FDIV: FRAME("fdiv %%st(1), %%st"); break;
  case MC_FDIVR: FRAME("fdivr %%st(1), %%st"); break;
  case MC_FSQRT: FRAME("fsqrt"); break;
  case MC_FCOM: FRAME("fcom %%st(1)"); break;
  case MC_FUCOM: FRAME("fucom %%st(1)"); break;
  case MC_FTST: FRAME("ftst"); break;
  case MC_FXAM: FRAME("fxam"); break;
  case MC_FRNDINT: FRAME("frndint"); break;
  case MC_FSCALE: FRAME("fscale"); break;
  case MC_FXTRACT: FRAME("fxtract"); break;
  case MC_FPREM: FRAME("fprem"); break;
  case MC_FPREM1: FRAME("fprem1"); break;
  case MC_FIST16: FRAME("fistps %[mem]"); break;
  case MC_FIST32: FRAME("fistpl %[mem]"); break;
  case MC_FIST64: FRAME("fistpll %[mem]"); break;
  case MC_FST32: FRAME("fsts %[mem]"); break;
  case MC_FST64: FRAME("fstl %[mem]"); break;
  case MC_FLD32: FRAME("flds %[in]"); break;
  case MC_FLD64: FRAME("fldl %[in]"); break;
  case MC_FBSTP: FRAME("fbstp %[mem]"); break;
  case MC_FLDC:
    switch (f->a.mant % 7) {
    case 0: FRAME("fld1"); break;
    case 1: FRAME("fldl2t"); break;
    case 2: FRAME("fldl2e"); break;
    case 3: FRAME("fldpi"); break;
    case 4: FRAME("fldlg2"); break;
    case 5: FRAME("fldln2"); break;
    default: FRAME("fldz"); break;
    }
    break;
  case MC_FADD32: FRAME("fadds %[in]"); break;
  case MC_FMUL64: FRAME("fmull %[in]"); break;
  case MC_F2XM1: FRAME("f2xm1"); break;
  case MC_FYL2X: FRAME("fyl2x"); break;
  case MC_FYL2XP1: FRAME("fyl2xp1"); break;
  case MC_FPATAN: FRAME("fpatan"); break;
  case MC_FSIN: FRAME("fsin"); break;
  case MC_FCOS: FRAME("fcos"); break;
  case MC_FPTAN: FRAME("fptan"); break;
  case MC_FSINCOS: FRAME("fsincos"); break;
  }
}

/* Run a case on the host x87, in the frame model_run() describes. */
static void hw_run(const ModelCase *c, ModelOut *o) {
  HwFrame f;
  memset(&f, 0, sizeof f);
  memset(f.mem, 0xa5, sizeof f.mem);
  f.a = c->a;
  f.b = c->b;
  f.cw = c->cw;
  if (c->cls == MC_FLD32 || c->cls == MC_FLD64)
    f.in = c->a.mant;
  if (c->cls == MC_FADD32 || c->cls == MC_FMUL64)
    f.in = c->b.mant;
  hw_exec(c->cls, &f);
  memset(o, 0, sizeof *o);
  o->r1 = f.r1;
  o->r2 = f.r2;
  memcpy(o->mem, f.mem, 10);
  o->sw = (uint16_t)(f.sw & ~FSW_TOP);
}

static void clean(int cls, ModelOut *o) {
  unsigned outs = model_outputs(cls);
  if (!(outs & MO_R1))
    o->r1 = f80_zero;
  if (!(outs & MO_R2))
    o->r2 = f80_zero;
  int n = model_mem_bytes(cls);
  memset(o->mem + n, 0, 10 - (size_t)n);
}

static bool same(const ModelOut *x, const ModelOut *y, bool ignore_c1) {
  uint16_t m = ignore_c1 ? (uint16_t)~FSW_C1 : 0xffff;
  return f80_eq_bits(x->r1, y->r1) && f80_eq_bits(x->r2, y->r2) &&
         !memcmp(x->mem, y->mem, 10) && ((x->sw ^ y->sw) & m) == 0;
}

static void print_f80(FILE *out, Float80 v) { fprintf(out, "%04x:%016" PRIx64, v.sexp, v.mant); }

static void print_case(const ModelCase *c, const ModelOut *hw, const ModelOut *sw) {
  printf("  %s cw=%04x a=", model_class_names[c->cls], c->cw);
  print_f80(stdout, c->a);
  printf(" b=");
  print_f80(stdout, c->b);
  printf("\n    hw r1=");
  print_f80(stdout, hw->r1);
  printf(" r2=");
  print_f80(stdout, hw->r2);
  printf(" mem=");
  for (int i = 9; i >= 0; i--)
    printf("%02x", hw->mem[i]);
  printf(" sw=%04x\n    sf r1=", hw->sw);
  print_f80(stdout, sw->r1);
  printf(" r2=");
  print_f80(stdout, sw->r2);
  printf(" mem=");
  for (int i = 9; i >= 0; i--)
    printf("%02x", sw->mem[i]);
  printf(" sw=%04x\n", sw->sw);
}

static long n_cases = 20000;
static uint64_t seed0 = 0x9e3779b97f4a7c15ull;
static int verbose;

/* Per-class statistics. */
typedef struct Stat {
  long n, exact, within1, ulp_hist[4]; /* 0, 1, 2..15, >= 16 ulps or special */
  uint64_t max_ulps;
} Stat;
static Stat stats[MC_COUNT];

static void run_class(int cls) {
  Stat *st = &stats[cls];
  uint64_t s = seed0 ^ ((uint64_t)(cls + 1) * 0x2545f4914f6cdd1dull);
  int shown = 0;
  for (long i = 0; i < n_cases; i++) {
    ModelCase c;
    ModelOut h, m;
    model_gen(&s, cls, &c);
    hw_run(&c, &h);
    model_run(&c, &m);
    clean(cls, &h);
    clean(cls, &m);
    st->n++;
    if (same(&h, &m, false)) {
      st->exact++;
      st->within1++;
      st->ulp_hist[0]++;
      continue;
    }
    if (model_is_transcendental(cls)) {
      uint64_t u = model_ulps(h.r1, m.r1);
      uint64_t u2 = model_ulps(h.r2, m.r2);
      if (u2 > u)
        u = u2;
      /* the status word may differ only in C1 (rounding direction) and PE */
      bool sw_ok = ((h.sw ^ m.sw) & ~(FSW_C1 | FSW_PE | FSW_ES | FSW_B)) == 0;
      if (!sw_ok)
        u = UINT64_MAX;
      if (u <= 1)
        st->within1++;
      st->ulp_hist[u == 0 ? 0 : u == 1 ? 1 : u < 16 ? 2 : 3]++;
      if (u != UINT64_MAX && u > st->max_ulps)
        st->max_ulps = u;
      if (u <= 1)
        continue;
    }
    if (shown < verbose) {
      shown++;
      print_case(&c, &h, &m);
    }
  }
}

START_TEST(test_class) {
  int cls = _i;
  run_class(cls);
  Stat *st = &stats[cls];
  printf("%-8s %8ld cases  exact %8ld (%7.3f%%)", model_class_names[cls], st->n, st->exact,
         100.0 * (double)st->exact / (double)st->n);
  if (model_is_transcendental(cls))
    printf("  <=1ulp %7.3f%%  [0:%ld 1:%ld 2-15:%ld >=16/special:%ld] max %" PRIu64 " ulps",
           100.0 * (double)st->within1 / (double)st->n, st->ulp_hist[0], st->ulp_hist[1],
           st->ulp_hist[2], st->ulp_hist[3], st->max_ulps);
  printf("\n");
  fflush(stdout);
  if (model_is_transcendental(cls))
    ck_assert_msg(st->within1 * 1000 >= st->n * 995, "%s: fewer than 99.5%% within 1 ulp",
                  model_class_names[cls]);
  else
    ck_assert_msg(st->exact == st->n, "%s: %ld of %ld cases differ from the hardware",
                  model_class_names[cls], st->n - st->exact, st->n);
}
END_TEST

START_TEST(test_sequences) {
  long n = n_cases;
  long good = seq_run(n, seed0, verbose);
  ck_assert_msg(good >= 0, "no executable memory for the native sequences");
  printf("%-8s %8ld sequences agree %8ld (%7.3f%%)\n", "SEQ", n, good, 100.0 * (double)good / (double)n);
  fflush(stdout);
  ck_assert_msg(good == n, "%ld of %ld instruction sequences differ from the hardware", n - good, n);
}
END_TEST

/* Golden file: one case per line, hex fields; '-' for outputs the class does not have. */
static int gen_golden(const char *path, long per_class) {
  FILE *out = fopen(path, "w");
  if (!out) {
    perror(path);
    return 1;
  }
  fprintf(out, "# x87 golden cases computed on the host x87 by fpu_diff --gen\n");
  fprintf(out, "# class cw a b r1 r2 mem sw   (80-bit values as sexp:mant, mem little-endian)\n");
  for (int cls = 0; cls < MC_COUNT; cls++) {
    uint64_t s = seed0 ^ 0x5151 ^ ((uint64_t)(cls + 1) * 0x2545f4914f6cdd1dull);
    for (long i = 0; i < per_class; i++) {
      ModelCase c;
      ModelOut h;
      model_gen(&s, cls, &c);
      hw_run(&c, &h);
      unsigned outs = model_outputs(cls);
      fprintf(out, "%s %04x ", model_class_names[cls], c.cw);
      print_f80(out, c.a);
      fputc(' ', out);
      print_f80(out, c.b);
      fputc(' ', out);
      if (outs & MO_R1)
        print_f80(out, h.r1);
      else
        fputc('-', out);
      fputc(' ', out);
      if (outs & MO_R2)
        print_f80(out, h.r2);
      else
        fputc('-', out);
      fputc(' ', out);
      int n = model_mem_bytes(cls);
      if (!n)
        fputc('-', out);
      for (int k = 0; k < n; k++)
        fprintf(out, "%02x", h.mem[k]);
      fprintf(out, " %04x\n", h.sw);
    }
  }
  fclose(out);
  return 0;
}

/* Transcendental cases with both results, for ulp_vs_exact.py. */
static int dump_trans(long per_class) {
  for (int cls = MC_F2XM1; cls < MC_COUNT; cls++) {
    uint64_t s = seed0 ^ 0x7777 ^ ((uint64_t)(cls + 1) * 0x2545f4914f6cdd1dull);
    for (long i = 0; i < per_class; i++) {
      ModelCase c;
      ModelOut h, m;
      model_gen(&s, cls, &c);
      hw_run(&c, &h);
      model_run(&c, &m);
      printf("%s %04x ", model_class_names[cls], c.cw);
      print_f80(stdout, c.a);
      putchar(' ');
      print_f80(stdout, c.b);
      putchar(' ');
      print_f80(stdout, h.r1);
      putchar(' ');
      print_f80(stdout, h.r2);
      putchar(' ');
      print_f80(stdout, m.r1);
      putchar(' ');
      print_f80(stdout, m.r2);
      putchar('\n');
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "--gen"))
    return gen_golden(argv[2], strtol(argv[3], NULL, 0));
  if (argc >= 3 && !strcmp(argv[1], "--dump"))
    return dump_trans(strtol(argv[2], NULL, 0));
  if (argc >= 2)
    n_cases = strtol(argv[1], NULL, 0);
  if (argc >= 3)
    seed0 = strtoull(argv[2], NULL, 0);
  if (getenv("FPU_DIFF_VERBOSE"))
    verbose = atoi(getenv("FPU_DIFF_VERBOSE"));
  Suite *s = suite_create("fpu_diff");
  TCase *tc = tcase_create("classes");
  tcase_set_timeout(tc, 0);
  tcase_add_loop_test(tc, test_class, 0, MC_COUNT);
  tcase_add_test(tc, test_sequences);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
