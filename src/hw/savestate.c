/*
 * savestate.c — serialising field tables and the chunked snapshot file
 * (format described in savestate.h).
 */
#include "hostfile.h"
#include "savestate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SAVE_MAGIC "X86VMSS"
#define SAVE_FORMAT 1
#define CHUNK_NAME_LEN 16
#define CHUNK_HDR 40

/* ---- tables ---- */

size_t save_table_size(const SaveTable *t) {
  size_t n = 0;
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    n += (size_t)f->count * (f->sub ? save_table_size(f->sub()) : f->size);
  }
  return n;
}

static uint32_t fnv(uint32_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static uint32_t table_hash(uint32_t h, const SaveTable *t) {
  h = fnv(h, &t->version, sizeof(t->version));
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    h = fnv(h, f->name, strlen(f->name) + 1);
    uint32_t sc[2] = {f->size, f->count};
    h = fnv(h, sc, sizeof(sc));
    if (f->sub)
      h = table_hash(h, f->sub());
  }
  return h;
}

uint32_t save_table_hash(const SaveTable *t) { return table_hash(2166136261u, t); }

static uint8_t *encode(const SaveTable *t, const uint8_t *obj, uint8_t *out) {
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    if (!f->sub && f->size == 1) { /* bytes (video memory...): as they are */
      memcpy(out, obj + f->offset, f->count);
      out += f->count;
      continue;
    }
    for (uint32_t k = 0; k < f->count; k++) {
      const uint8_t *src = obj + f->offset + (size_t)k * f->size;
      if (f->sub) {
        out = encode(f->sub(), src, out);
        continue;
      }
      uint64_t v = 0;
      switch (f->size) {
      case 1: v = *src; break;
      case 2: { uint16_t x; memcpy(&x, src, 2); v = x; break; }
      case 4: { uint32_t x; memcpy(&x, src, 4); v = x; break; }
      default: memcpy(&v, src, 8); break;
      }
      for (uint32_t b = 0; b < f->size; b++)
        *out++ = (uint8_t)(v >> (8 * b));
    }
  }
  return out;
}

static const uint8_t *decode(const SaveTable *t, uint8_t *obj, const uint8_t *in) {
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    if (!f->sub && f->size == 1) {
      memcpy(obj + f->offset, in, f->count);
      in += f->count;
      continue;
    }
    for (uint32_t k = 0; k < f->count; k++) {
      uint8_t *dst = obj + f->offset + (size_t)k * f->size;
      if (f->sub) {
        in = decode(f->sub(), dst, in);
        continue;
      }
      uint64_t v = 0;
      for (uint32_t b = 0; b < f->size; b++)
        v |= (uint64_t)*in++ << (8 * b);
      switch (f->size) {
      case 1: *dst = (uint8_t)v; break;
      case 2: { uint16_t x = (uint16_t)v; memcpy(dst, &x, 2); break; }
      case 4: { uint32_t x = (uint32_t)v; memcpy(dst, &x, 4); break; }
      default: memcpy(dst, &v, 8); break;
      }
    }
  }
  return in;
}

/* ---- writer ---- */

struct SaveWriter {
  uint8_t *buf;   /* image so far */
  size_t len;     /* used bytes */
  size_t cap;     /* allocated bytes */
  bool failed;    /* allocation failed */
  bool ended;     /* END chunk appended */
  bool light;     /* bulk memory left out (save_writer_set_light) */
};

void save_writer_set_light(SaveWriter *w) { w->light = true; }
bool save_writer_light(const SaveWriter *w) { return w->light; }

static void put_bytes(SaveWriter *w, const void *p, size_t n) {
  if (w->failed)
    return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
      cap *= 2;
    uint8_t *nb = realloc(w->buf, cap);
    if (!nb) {
      w->failed = true;
      return;
    }
    w->buf = nb;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

static void put_le(SaveWriter *w, uint64_t v, int n) {
  uint8_t b[8];
  for (int i = 0; i < n; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  put_bytes(w, b, (size_t)n);
}

SaveWriter *save_writer_new(void) {
  SaveWriter *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  put_bytes(w, SAVE_MAGIC, 8);
  put_le(w, SAVE_FORMAT, 4);
  put_le(w, 0, 4);
  return w;
}

void save_writer_free(SaveWriter *w) {
  if (w)
    free(w->buf);
  free(w);
}

int save_put_chunk(SaveWriter *w, const char *name, uint32_t version, uint32_t hash,
                   const void *data, size_t len) {
  char nm[CHUNK_NAME_LEN] = {0};
  if (strlen(name) >= CHUNK_NAME_LEN || w->ended)
    return -1;
  memcpy(nm, name, strlen(name));
  put_bytes(w, nm, CHUNK_NAME_LEN);
  put_le(w, version, 4);
  put_le(w, hash, 4);
  put_le(w, len, 8);
  put_le(w, crc32(0, data, (uInt)len), 4);
  put_le(w, 0, 4);
  if (len)
    put_bytes(w, data, len);
  return w->failed ? -1 : 0;
}

uint8_t *save_put_chunk_begin(SaveWriter *w, const char *name, uint32_t version, uint32_t hash,
                              size_t len) {
  if (save_put_chunk(w, name, version, hash, NULL, 0) != 0)
    return NULL;
  /* The header says 0 bytes so far: patch the length, then make room. */
  uint8_t *h = w->buf + w->len - CHUNK_HDR;
  for (int i = 0; i < 8; i++)
    h[24 + i] = (uint8_t)((uint64_t)len >> (8 * i));
  size_t at = w->len;
  uint8_t zero[4096] = {0};
  for (size_t done = 0; done < len && !w->failed; done += sizeof zero)
    put_bytes(w, zero, len - done < sizeof zero ? len - done : sizeof zero);
  return w->failed ? NULL : w->buf + at;
}

int save_put_chunk_end(SaveWriter *w, size_t len) {
  if (w->failed || w->len < len + CHUNK_HDR)
    return -1;
  uint8_t *h = w->buf + w->len - len - CHUNK_HDR;
  uint32_t crc = (uint32_t)crc32_z(0, h + CHUNK_HDR, len);
  for (int i = 0; i < 4; i++)
    h[32 + i] = (uint8_t)(crc >> (8 * i));
  return 0;
}

int save_put_table(SaveWriter *w, const char *name, const SaveTable *t, const void *obj) {
  size_t n = save_table_size(t);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf)
    return -1;
  encode(t, obj, buf);
  int rc = save_put_chunk(w, name, t->version, save_table_hash(t), buf, n);
  free(buf);
  return rc;
}

const uint8_t *save_writer_buffer(SaveWriter *w, size_t *len) {
  if (!w->ended) {
    save_put_chunk(w, "END", 0, 0, NULL, 0);
    w->ended = true;
  }
  *len = w->len;
  return w->failed ? NULL : w->buf;
}

int save_writer_commit(SaveWriter *w, const char *path, char *err, size_t errlen) {
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  if (!buf) {
    snprintf(err, errlen, "%s: out of memory building the snapshot", path);
    return -1;
  }
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 5);
  if (!tmp) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp", 5);
  char why[160];
  FILE *f = hostfile_create(tmp, "wb", why, sizeof why);
  if (!f) {
    snprintf(err, errlen, "%s: %s", tmp, why);
    free(tmp);
    return -1;
  }
  bool ok = fwrite(buf, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
    remove(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

/* ---- reader ---- */

typedef struct SaveChunk {
  char name[CHUNK_NAME_LEN + 1]; /* NUL-terminated */
  uint32_t version;              /* chunk version */
  uint32_t hash;                 /* layout hash */
  const uint8_t *data;           /* payload (inside SaveReader.buf) */
  size_t len;                    /* payload bytes */
} SaveChunk;

struct SaveReader {
  uint8_t *buf;      /* whole file */
  size_t len;        /* its size */
  SaveChunk *chunks; /* parsed chunk directory */
  int nchunks;
  char err[256];     /* last error */
  char prefix[64];   /* path of the nested struct an invariant is checking */
  bool have_time;    /* time is the snapshot's virtual time */
  uint64_t time;
  bool light;        /* a light snapshot (save_writer_set_light) */
};

void save_reader_set_light(SaveReader *r) { r->light = true; }
bool save_reader_light(const SaveReader *r) { return r->light; }

static uint64_t get_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void rerr(SaveReader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof(r->err), fmt, ap);
  va_end(ap);
}

const char *save_error(const SaveReader *r) { return r->err; }

void save_reader_set_time(SaveReader *r, uint64_t now_ns) {
  r->have_time = true;
  r->time = now_ns;
}

bool save_reader_time(const SaveReader *r, uint64_t *now_ns) {
  *now_ns = r->time;
  return r->have_time;
}

int save_reject(SaveReader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof(r->err), fmt, ap);
  va_end(ap);
  return -1;
}

int save_reject_field(SaveReader *r, const char *chunk, const char *field, uint64_t value,
                      const char *why_fmt, ...) {
  char why[160];
  va_list ap;
  va_start(ap, why_fmt);
  vsnprintf(why, sizeof(why), why_fmt, ap);
  va_end(ap);
  rerr(r, "snapshot '%s' field '%s%s' = %#llx %s", chunk, r->prefix, field,
       (unsigned long long)value, why);
  return -1;
}

void save_reader_free(SaveReader *r) {
  if (!r)
    return;
  free(r->buf);
  free(r->chunks);
  free(r);
}

/* Takes ownership of buf. */
static SaveReader *parse(uint8_t *buf, size_t len, const char *what, char *err, size_t errlen) {
  SaveReader *r = calloc(1, sizeof(*r));
  if (!r) {
    free(buf);
    snprintf(err, errlen, "%s: out of memory", what);
    return NULL;
  }
  r->buf = buf;
  r->len = len;
  const char *why = NULL;
  size_t pos = 16;
  bool ended = false;
  if (len < 16 || memcmp(buf, SAVE_MAGIC, 8) != 0) {
    why = "not an x86vm snapshot (bad magic)";
    goto fail;
  }
  if (get_le(buf + 12, 4) != 0) {
    why = "corrupt file header";
    goto fail;
  }
  if (get_le(buf + 8, 4) != SAVE_FORMAT) {
    snprintf(err, errlen, "%s: snapshot format %u, this build reads format %u", what,
             (unsigned)get_le(buf + 8, 4), SAVE_FORMAT);
    save_reader_free(r);
    return NULL;
  }
  while (!ended) {
    if (len - pos < CHUNK_HDR) {
      why = "truncated (missing END chunk)";
      goto fail;
    }
    const uint8_t *h = buf + pos;
    size_t nl = strnlen((const char *)h, CHUNK_NAME_LEN);
    bool bad = nl == 0 || nl == CHUNK_NAME_LEN || get_le(h + 36, 4) != 0;
    for (size_t i = nl; i < CHUNK_NAME_LEN; i++)
      bad |= h[i] != 0;
    if (strcmp((const char *)h, "END") == 0)
      bad |= get_le(h + 16, 8) != 0 || get_le(h + 24, 8) != 0;
    if (bad) {
      why = "corrupt chunk header";
      goto fail;
    }
    uint64_t clen = get_le(h + 24, 8);
    if (clen > len - pos - CHUNK_HDR) {
      why = "truncated chunk";
      goto fail;
    }
    const uint8_t *data = h + CHUNK_HDR;
    if ((uint32_t)crc32_z(0, data, (size_t)clen) != (uint32_t)get_le(h + 32, 4)) {
      snprintf(err, errlen, "%s: corrupt snapshot (checksum mismatch in chunk '%s')", what,
               (const char *)h);
      save_reader_free(r);
      return NULL;
    }
    if (strcmp((const char *)h, "END") == 0) {
      ended = true;
    } else {
      for (int i = 0; i < r->nchunks; i++)
        if (strcmp(r->chunks[i].name, (const char *)h) == 0) {
          why = "duplicate chunk";
          goto fail;
        }
      SaveChunk *nc = realloc(r->chunks, sizeof(*nc) * (size_t)(r->nchunks + 1));
      if (!nc) {
        why = "out of memory";
        goto fail;
      }
      r->chunks = nc;
      SaveChunk *c = &r->chunks[r->nchunks++];
      memset(c->name, 0, sizeof(c->name));
      memcpy(c->name, h, CHUNK_NAME_LEN);
      c->version = (uint32_t)get_le(h + 16, 4);
      c->hash = (uint32_t)get_le(h + 20, 4);
      c->data = data;
      c->len = (size_t)clen;
    }
    pos += CHUNK_HDR + (size_t)clen;
  }
  if (pos != len) {
    why = "trailing bytes after END";
    goto fail;
  }
  return r;
fail:
  snprintf(err, errlen, "%s: corrupt snapshot: %s", what, why);
  save_reader_free(r);
  return NULL;
}

SaveReader *save_reader_from_buffer(const void *data, size_t len, char *err, size_t errlen) {
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) {
    snprintf(err, errlen, "snapshot: out of memory");
    return NULL;
  }
  memcpy(buf, data, len);
  return parse(buf, len, "snapshot", err, errlen);
}

SaveReader *save_reader_open(const char *path, char *err, size_t errlen) {
  char why[128];
  uint64_t size;
  /* RAM (3.5 GiB at most) and video memory, both compressed, and the rest. */
  FILE *f = hostfile_open(path, 8ull << 30, &size, why, sizeof why);
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, why);
    return NULL;
  }
  size_t len = (size_t)size;
  uint8_t *buf = malloc(len ? len : 1);
  bool rd_err = buf && fread(buf, 1, len, f) != len;
  fclose(f);
  if (!buf || rd_err) {
    free(buf);
    snprintf(err, errlen, "%s: %s", path, rd_err ? "read error" : "out of memory");
    return NULL;
  }
  return parse(buf, len, path, err, errlen);
}

static const SaveChunk *find(const SaveReader *r, const char *name) {
  for (int i = 0; i < r->nchunks; i++)
    if (strcmp(r->chunks[i].name, name) == 0)
      return &r->chunks[i];
  return NULL;
}

bool save_has_chunk(const SaveReader *r, const char *name) { return find(r, name) != NULL; }

int save_get_chunk(SaveReader *r, const char *name, uint32_t version, const void **data,
                   size_t *len) {
  const SaveChunk *c = find(r, name);
  if (!c) {
    rerr(r, "snapshot has no '%s' state", name);
    return -1;
  }
  if (c->version != version) {
    rerr(r, "snapshot '%s' state is version %u, this build expects version %u", name,
         c->version, version);
    return -1;
  }
  *data = c->data;
  *len = c->len;
  return 0;
}

/* The chunk of a table: present, version, layout hash, length. */
static const SaveChunk *table_chunk(SaveReader *r, const char *name, const SaveTable *t) {
  const void *data;
  size_t len;
  if (save_get_chunk(r, name, t->version, &data, &len) < 0)
    return NULL;
  const SaveChunk *c = find(r, name);
  if (c->hash != save_table_hash(t)) {
    rerr(r, "snapshot '%s' state has a different field layout (same version %u)", name,
         t->version);
    return NULL;
  }
  if (len != save_table_size(t)) {
    rerr(r, "snapshot '%s' state has %zu bytes, expected %zu", name, len, save_table_size(t));
    return NULL;
  }
  return c;
}

/* "drive[1].mult": where a field is, for messages. */
static void field_path(char *buf, size_t n, const char *prefix, const SaveField *f, uint32_t k) {
  if (f->count > 1)
    snprintf(buf, n, "%s%s[%u]", prefix, f->name, k);
  else
    snprintf(buf, n, "%s%s", prefix, f->name);
}

/* Check every constrained scalar of the serialised table at *in (advanced). */
static int check_values(SaveReader *r, const char *chunk, const SaveTable *t, const char *prefix,
                        const uint8_t **in) {
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    if (!f->sub && !f->limited) { /* any value: skip the whole array */
      *in += (size_t)f->size * f->count;
      continue;
    }
    for (uint32_t k = 0; k < f->count; k++) {
      char path[128];
      if (f->sub) {
        char sub[120];
        field_path(sub, sizeof(sub), prefix, f, k);
        snprintf(path, sizeof(path), "%s.", sub);
        if (check_values(r, chunk, f->sub(), path, in) < 0)
          return -1;
        continue;
      }
      uint64_t v = get_le(*in, (int)f->size);
      *in += f->size;
      unsigned bits = 8 * f->size;
      if (f->is_signed) {
        int64_t sv = bits == 64 ? (int64_t)v
                                : (int64_t)(v ^ (1ull << (bits - 1))) - (int64_t)(1ull << (bits - 1));
        if (sv < (int64_t)f->min || sv > (int64_t)f->max) {
          field_path(path, sizeof(path), prefix, f, k);
          rerr(r, "snapshot '%s' field '%s' = %lld out of range %lld..%lld", chunk, path,
               (long long)sv, (long long)f->min, (long long)f->max);
          return -1;
        }
      } else if (v < f->min || v > f->max) {
        field_path(path, sizeof(path), prefix, f, k);
        rerr(r, "snapshot '%s' field '%s' = %#llx out of range %#llx..%#llx", chunk, path,
             (unsigned long long)v, (unsigned long long)f->min, (unsigned long long)f->max);
        return -1;
      }
      uint64_t type_bits = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
      if (v & ~f->mask & type_bits) {
        field_path(path, sizeof(path), prefix, f, k);
        rerr(r, "snapshot '%s' field '%s' = %#llx has bits outside %#llx", chunk, path,
             (unsigned long long)v, (unsigned long long)(f->mask & type_bits));
        return -1;
      }
    }
  }
  return 0;
}

/* Run the invariants of t's nested tables, then t's own, on decoded saved
 * against live (same struct); prefix is the path to t ("seg[2]."). */
static int check_invariants(SaveReader *r, const char *chunk, const SaveTable *t,
                            const uint8_t *saved, const uint8_t *live, const char *prefix) {
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    if (!f->sub)
      continue;
    for (uint32_t k = 0; k < f->count; k++) {
      char sub[56], path[64];
      field_path(sub, sizeof(sub), prefix, f, k);
      snprintf(path, sizeof(path), "%s.", sub);
      size_t off = f->offset + (size_t)k * f->size;
      if (check_invariants(r, chunk, f->sub(), saved + off, live + off, path) < 0)
        return -1;
    }
  }
  if (!t->check)
    return 0;
  snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
  int rc = t->check(r, chunk, saved, live);
  r->prefix[0] = 0;
  if (rc < 0 && !r->err[0])
    rerr(r, "snapshot '%s' state is inconsistent", chunk);
  return rc < 0 ? -1 : 0;
}

static bool has_invariants(const SaveTable *t) {
  if (t->check)
    return true;
  for (uint32_t i = 0; i < t->nfields; i++)
    if (t->fields[i].sub && has_invariants(t->fields[i].sub()))
      return true;
  return false;
}

int save_check_fields(SaveReader *r, const char *name, const SaveTable *t) {
  const SaveChunk *c = table_chunk(r, name, t);
  if (!c)
    return -1;
  const uint8_t *in = c->data;
  return check_values(r, name, t, "", &in);
}

int save_check_table(SaveReader *r, const char *name, const SaveTable *t, const void *live) {
  if (save_check_fields(r, name, t) < 0)
    return -1;
  if (!has_invariants(t))
    return 0;
  /* The invariants read the values decoded into a scratch copy. */
  uint8_t *tmp = calloc(1, t->struct_size ? t->struct_size : 1);
  if (!tmp) {
    rerr(r, "out of memory checking snapshot '%s' state", name);
    return -1;
  }
  decode(t, tmp, find(r, name)->data);
  r->err[0] = 0;
  int rc = check_invariants(r, name, t, tmp, live, "");
  free(tmp);
  return rc;
}

int save_get_table(SaveReader *r, const char *name, const SaveTable *t, void *obj) {
  if (save_check_table(r, name, t, obj) < 0)
    return -1;
  decode(t, obj, find(r, name)->data);
  return 0;
}
