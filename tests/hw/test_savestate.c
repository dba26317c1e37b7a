/*
 * test_savestate.c — field tables and the snapshot file: round trip with
 * nested tables and all integer sizes, refusal of version and layout
 * mismatches, truncation, bit flips, bad magic; nothing half-loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hwtest.h"
#include "savestate.h"

#define INNER_FIELDS(F, A, S, FR, AR) F(uint16_t, w) A(uint8_t, b, 3)
typedef struct Inner {
  SAVE_DECLARE(INNER_FIELDS)
} Inner;
SAVE_TABLE_DEFINE(inner_table, Inner, INNER_FIELDS, 1)

#define OUTER_FIELDS(F, A, S, FR, AR)                                                            \
  F(uint8_t, a) F(uint32_t, c) F(uint64_t, d) F(int64_t, e) F(bool, f)                   \
  S(Inner, in, 2, inner_table)
typedef struct Outer {
  SAVE_DECLARE(OUTER_FIELDS)
  void *not_saved; /* host pointer: not part of the table */
} Outer;
SAVE_TABLE_DEFINE(outer_table, Outer, OUTER_FIELDS, 3)
/* The same layout under another version number. */
SAVE_TABLE_DEFINE(outer_table_v4, Outer, OUTER_FIELDS, 4)

#define OTHER_FIELDS(F, A, S, FR, AR) F(uint8_t, a) F(uint32_t, x)
typedef struct Other {
  SAVE_DECLARE(OTHER_FIELDS)
} Other;

static Outer sample(void) {
  Outer o = {0};
  o.a = 0x12;
  o.c = 0xdeadbeef;
  o.d = 0x0123456789abcdefull;
  o.e = -5;
  o.f = true;
  o.in[0].w = 0x1111;
  o.in[1].w = 0x2222;
  o.in[1].b[2] = 9;
  return o;
}

static uint8_t *image(size_t *len) {
  Outer o = sample();
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(save_put_table(w, "outer", outer_table(), &o), 0);
  const uint8_t *buf = save_writer_buffer(w, len);
  uint8_t *copy = malloc(*len);
  memcpy(copy, buf, *len);
  save_writer_free(w);
  return copy;
}

START_TEST(test_round_trip) {
  ck_assert_uint_eq(save_table_size(outer_table()), 1 + 4 + 8 + 8 + 1 + 2 * (2 + 3));
  size_t len;
  uint8_t *img = image(&len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  Outer o;
  memset(&o, 0, sizeof(o));
  ck_assert_int_eq(save_get_table(r, "outer", outer_table(), &o), 0);
  Outer s = sample();
  ck_assert_uint_eq(o.c, s.c);
  ck_assert_uint_eq(o.d, s.d);
  ck_assert_int_eq(o.e, -5);
  ck_assert(o.f);
  ck_assert_uint_eq(o.in[1].w, 0x2222);
  ck_assert_uint_eq(o.in[1].b[2], 9);
  save_reader_free(r);
  free(img);
}
END_TEST

START_TEST(test_version_and_layout_mismatch) {
  size_t len;
  uint8_t *img = image(&len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(img, len, err, sizeof(err));
  Outer o = {0};
  o.a = 0x77;
  ck_assert_int_eq(save_get_table(r, "outer", outer_table_v4(), &o), -1);
  ck_assert_ptr_nonnull(strstr(save_error(r), "version 3"));
  ck_assert_uint_eq(o.a, 0x77); /* untouched */
  ck_assert_int_eq(save_check_table(r, "missing", outer_table(), &o), -1);
  ck_assert_ptr_nonnull(strstr(save_error(r), "no 'missing'"));
  save_reader_free(r);
  free(img);
}
END_TEST

START_TEST(test_corruption) {
  size_t len;
  uint8_t *img = image(&len);
  char err[256];
  /* Every truncation is refused. */
  for (size_t n = 0; n < len; n++)
    ck_assert_ptr_null(save_reader_from_buffer(img, n, err, sizeof(err)));
  /* Every single-bit flip is refused (header fields, CRC or payload). */
  for (size_t i = 0; i < len; i++) {
    img[i] ^= 0x10;
    SaveReader *r = save_reader_from_buffer(img, len, err, sizeof(err));
    if (r) {
      /* A flip in a version/hash/reserved field parses but must not load. */
      Outer o = {0};
      ck_assert_int_eq(save_get_table(r, "outer", outer_table(), &o), -1);
      save_reader_free(r);
    }
    img[i] ^= 0x10;
  }
  img[0] = 'Y';
  ck_assert_ptr_null(save_reader_from_buffer(img, len, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "not an x86vm snapshot"));
  free(img);
}
END_TEST

START_TEST(test_file) {
  Outer o = sample();
  SaveWriter *w = save_writer_new();
  save_put_table(w, "outer", outer_table(), &o);
  char path[] = "/tmp/x86vm-ss-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  char err[256];
  ck_assert_int_eq(save_writer_commit(w, path, err, sizeof(err)), 0);
  save_writer_free(w);
  SaveReader *r = save_reader_open(path, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(save_check_table(r, "outer", outer_table(), &o), 0);
  save_reader_free(r);
  unlink(path);
  ck_assert_ptr_null(save_reader_open("/nonexistent.snap", err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent.snap"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_savestate");
  TCase *tc = tcase_create("savestate");
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_version_and_layout_mismatch);
  tcase_add_test(tc, test_corruption);
  tcase_add_test(tc, test_file);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
