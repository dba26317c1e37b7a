/*
 * storagetest.h — helpers for the storage device tests: temporary images
 * filled with a position-dependent pattern, file checksums, and an IRQ
 * line that records its level and rising edges.
 */
#ifndef X86VM_STORAGETEST_H
#define X86VM_STORAGETEST_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "irq.h"

/* Byte at offset off of an image made with seed. */
static inline uint8_t pattern_byte(uint32_t seed, uint64_t off) {
  uint64_t x = off / 4 * 2654435761u + seed * 40503u;
  return (uint8_t)(x >> (8 * (off % 4)) ^ (off >> 9));
}

/* Create a temp file of size bytes (pattern seed) and put its name in path. */
static inline void make_image(char *path, uint64_t size, uint32_t seed) {
  snprintf(path, 64, "/tmp/x86vm-storage-XXXXXX");
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "wb");
  for (uint64_t i = 0; i < size; i++)
    fputc(pattern_byte(seed, i), f);
  fclose(f);
}

/* Adler-style checksum of a whole file. */
static inline uint32_t file_checksum(const char *path) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  uint32_t a = 1, b = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    a = (a + (uint32_t)c) % 65521;
    b = (b + a) % 65521;
  }
  fclose(f);
  return b << 16 | a;
}

typedef struct LineRec {
  int level;   /* current level */
  int rises;   /* rising edges */
} LineRec;

static inline void linerec_set(void *opaque, int irq, int level) {
  LineRec *r = opaque;
  if (level && !r->level)
    r->rises++;
  r->level = level;
}
static inline IrqLine linerec_line(LineRec *r) { return (IrqLine){linerec_set, r, 0}; }

static inline int storage_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}

#endif
