/*
 * fpu_golden.c — replays x87 cases recorded on real hardware (golden/,
 * written by `fpu_diff --gen`) through softfloat80 on any host.  Results
 * must match bit for bit, except transcendentals, which may differ by one
 * ulp in the result (and then in C1/PE), as documented in softfloat80.c.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpu_model.h"

static const char *golden_path;

static bool parse_f80(const char *s, Float80 *v) {
  unsigned sexp;
  uint64_t mant;
  if (sscanf(s, "%4x:%16" SCNx64, &sexp, &mant) != 2)
    return false;
  v->sexp = (uint16_t)sexp;
  v->mant = mant;
  return true;
}

START_TEST(test_golden) {
  FILE *in = fopen(golden_path, "r");
  ck_assert_msg(in != NULL, "cannot open %s", golden_path);
  char line[512];
  long n[MC_COUNT] = { 0 }, bad[MC_COUNT] = { 0 }, total = 0;
  while (fgets(line, sizeof line, in)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    char name[32], a[32], b[32], r1[32], r2[32], mem[32];
    unsigned cw, sw;
    ck_assert_int_eq(sscanf(line, "%31s %x %31s %31s %31s %31s %31s %x", name, &cw, a, b, r1, r2, mem, &sw), 8);
    int cls = -1;
    for (int i = 0; i < MC_COUNT; i++)
      if (!strcmp(name, model_class_names[i]))
        cls = i;
    ck_assert_msg(cls >= 0, "unknown class %s", name);
    ModelCase c = { cls, (uint16_t)cw, { 0, 0 }, { 0, 0 } };
    ModelOut want, got;
    memset(&want, 0, sizeof want);
    ck_assert(parse_f80(a, &c.a) && parse_f80(b, &c.b));
    unsigned outs = model_outputs(cls);
    if (outs & MO_R1)
      ck_assert(parse_f80(r1, &want.r1));
    if (outs & MO_R2)
      ck_assert(parse_f80(r2, &want.r2));
    int nb = model_mem_bytes(cls);
    for (int k = 0; k < nb; k++) {
      unsigned byte;
      ck_assert(sscanf(mem + 2 * k, "%2x", &byte) == 1);
      want.mem[k] = (uint8_t)byte;
    }
    want.sw = (uint16_t)sw;
    model_run(&c, &got);
    bool ok;
    uint16_t swdiff = (uint16_t)((want.sw ^ got.sw) & ~FSW_TOP);
    bool mem_ok = !memcmp(want.mem, got.mem, (size_t)nb);
    bool r1_ok = !(outs & MO_R1) || f80_eq_bits(want.r1, got.r1);
    bool r2_ok = !(outs & MO_R2) || f80_eq_bits(want.r2, got.r2);
    if (model_is_transcendental(cls)) {
      uint64_t u1 = (outs & MO_R1) ? model_ulps(want.r1, got.r1) : 0;
      uint64_t u2 = (outs & MO_R2) ? model_ulps(want.r2, got.r2) : 0;
      ok = u1 <= 1 && u2 <= 1 && (swdiff & ~(FSW_C1 | FSW_PE | FSW_ES | FSW_B)) == 0;
    } else {
      ok = r1_ok && r2_ok && mem_ok && swdiff == 0;
    }
    n[cls]++;
    total++;
    if (!ok) {
      if (bad[cls] < 3)
        printf("mismatch: %s", line);
      bad[cls]++;
    }
  }
  fclose(in);
  long nbad = 0;
  for (int i = 0; i < MC_COUNT; i++) {
    if (n[i])
      printf("%-8s %6ld cases, %6ld differ\n", model_class_names[i], n[i], bad[i]);
    nbad += bad[i];
  }
  ck_assert_msg(total > 1000, "golden file has only %ld cases", total);
  ck_assert_msg(nbad == 0, "%ld of %ld golden cases differ", nbad, total);
}
END_TEST

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fpu_golden FILE\n");
    return 2;
  }
  golden_path = argv[1];
  Suite *s = suite_create("fpu_golden");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 0);
  tcase_add_test(tc, test_golden);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
