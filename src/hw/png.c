/*
 * png.c — minimal PNG writer with zlib stored blocks (see png.h).
 */
#include "png.h"
#include "hostfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t png_crc32(uint32_t crc, const void *data, size_t len) {
  const uint8_t *p = data;
  crc = ~crc;
  for (size_t i = 0; i < len; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

static void put32be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static int write_chunk(FILE *f, const char *type, const uint8_t *data, size_t len) {
  uint8_t hdr[8];
  put32be(hdr, (uint32_t)len);
  memcpy(hdr + 4, type, 4);
  uint32_t crc = png_crc32(0, hdr + 4, 4);
  crc = png_crc32(crc, data, len);
  uint8_t tail[4];
  put32be(tail, crc);
  if (fwrite(hdr, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) ||
      fwrite(tail, 1, 4, f) != 4)
    return -1;
  return 0;
}

int png_write_rgb(const char *path, const uint32_t *rgb, int w, int h, char *err, size_t errlen) {
  if (w <= 0 || h <= 0) {
    if (err)
      snprintf(err, errlen, "%s: empty image", path);
    return -1;
  }
  /* Raw scanlines: filter byte 0, then RGB triples. */
  size_t stride = (size_t)w * 3 + 1;
  size_t raw_len = stride * (size_t)h;
  /* zlib stream: 2-byte header, stored blocks of <= 65535 bytes (5-byte
   * headers), 4-byte Adler-32. */
  size_t nblocks = (raw_len + 65534) / 65535;
  size_t z_len = 2 + raw_len + nblocks * 5 + 4;
  uint8_t *raw = malloc(raw_len);
  uint8_t *z = malloc(z_len);
  if (!raw || !z) {
    free(raw);
    free(z);
    if (err)
      snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  for (int y = 0; y < h; y++) {
    uint8_t *row = raw + stride * (size_t)y;
    row[0] = 0;
    for (int x = 0; x < w; x++) {
      uint32_t px = rgb[(size_t)y * (size_t)w + (size_t)x];
      row[1 + 3 * x] = (uint8_t)(px >> 16);
      row[2 + 3 * x] = (uint8_t)(px >> 8);
      row[3 + 3 * x] = (uint8_t)px;
    }
  }
  uint8_t *q = z;
  *q++ = 0x78; /* deflate, 32K window */
  *q++ = 0x01; /* no preset dictionary; (0x78 << 8 | 0x01) % 31 == 0 */
  uint32_t a = 1, b = 0;
  for (size_t off = 0; off < raw_len;) {
    size_t n = raw_len - off > 65535 ? 65535 : raw_len - off;
    bool last = off + n == raw_len;
    *q++ = last ? 1 : 0; /* BFINAL, BTYPE=00 (stored) */
    *q++ = (uint8_t)n;
    *q++ = (uint8_t)(n >> 8);
    *q++ = (uint8_t)~n;
    *q++ = (uint8_t)(~n >> 8);
    memcpy(q, raw + off, n);
    for (size_t i = 0; i < n; i++) {
      a = (a + raw[off + i]) % 65521;
      b = (b + a) % 65521;
    }
    q += n;
    off += n;
  }
  put32be(q, b << 16 | a);
  q += 4;

  char why[160] = "";
  FILE *f = hostfile_create(path, "wb", why, sizeof why);
  int rc = -1;
  if (f) {
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[13];
    put32be(ihdr, (uint32_t)w);
    put32be(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: truecolour */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    if (fwrite(sig, 1, 8, f) == 8 && write_chunk(f, "IHDR", ihdr, 13) == 0 &&
        write_chunk(f, "IDAT", z, (size_t)(q - z)) == 0 && write_chunk(f, "IEND", NULL, 0) == 0)
      rc = 0;
    if (fclose(f) != 0)
      rc = -1;
  }
  if (rc != 0 && err)
    snprintf(err, errlen, "%s: cannot write PNG: %s", path, f ? strerror(errno) : why);
  free(raw);
  free(z);
  return rc;
}
