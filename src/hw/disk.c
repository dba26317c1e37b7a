/*
 * disk.c — raw disk images with read-only, read-write and copy-on-write
 * snapshot modes (see disk.h).
 */
#define _GNU_SOURCE
#include "disk.h"
#include "savestate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Standard floppy formats: size in KiB, cylinders, heads, sectors per track. */
static const struct {
  uint32_t kib, c, h, s;
} floppy_formats[] = {
    {160, 40, 1, 8},  {180, 40, 1, 9},  {320, 40, 2, 8},   {360, 40, 2, 9},
    {720, 80, 2, 9},  {1200, 80, 2, 15}, {1440, 80, 2, 18}, {2880, 80, 2, 36},
};

bool disk_floppy_geometry(uint64_t size, uint32_t *c, uint32_t *h, uint32_t *s) {
  for (size_t i = 0; i < sizeof(floppy_formats) / sizeof(floppy_formats[0]); i++) {
    if ((uint64_t)floppy_formats[i].kib * 1024 == size) {
      *c = floppy_formats[i].c;
      *h = floppy_formats[i].h;
      *s = floppy_formats[i].s;
      return true;
    }
  }
  return false;
}

void disk_hd_geometry(uint64_t sectors, uint32_t *c, uint32_t *h, uint32_t *s) {
  *h = 16;
  *s = 63;
  uint64_t cyl = sectors / (16 * 63);
  if (cyl < 1)
    cyl = 1;
  if (cyl > 16383)
    cyl = 16383;
  *c = (uint32_t)cyl;
}

Disk *disk_open(const char *path, DiskKind kind, DiskMode mode, char *err, size_t errlen) {
  if (!path || !*path) {
    set_err(err, errlen, "disk image: no file name given");
    return NULL;
  }
  if (kind == DISK_CDROM && mode == DISK_RW)
    mode = DISK_RO; /* a CD is never written */
  int fd = open(path, (mode == DISK_RW ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, errlen, "%s: cannot open disk image%s: %s", path,
            mode == DISK_RW ? " for reading and writing" : "", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_err(err, errlen, "%s: cannot stat disk image: %s", path, strerror(errno));
    close(fd);
    return NULL;
  }
  uint64_t size;
  if (S_ISREG(st.st_mode)) {
    size = (uint64_t)st.st_size;
  } else if (S_ISBLK(st.st_mode)) {
    off_t end = lseek(fd, 0, SEEK_END);
    size = end > 0 ? (uint64_t)end : 0;
  } else {
    set_err(err, errlen, "%s: not a regular file or block device", path);
    close(fd);
    return NULL;
  }
  Disk *d = calloc(1, sizeof(*d));
  if (!d) {
    set_err(err, errlen, "%s: out of memory", path);
    close(fd);
    return NULL;
  }
  d->fd = fd;
  d->kind = kind;
  d->mode = mode;
  d->size = size;
  d->sectors = size / DISK_SECTOR;
  d->path = strdup(path);
  const char *problem = NULL;
  char pbuf[160];
  if (size == 0) {
    problem = "the image is empty";
  } else if (kind == DISK_FLOPPY) {
    if (!disk_floppy_geometry(size, &d->cylinders, &d->heads, &d->spt)) {
      snprintf(pbuf, sizeof(pbuf),
               "size %llu bytes is not a standard floppy size "
               "(160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M or 2.88M)",
               (unsigned long long)size);
      problem = pbuf;
    }
  } else if (kind == DISK_CDROM) {
    if (size % 2048) {
      snprintf(pbuf, sizeof(pbuf), "size %llu bytes is not a multiple of 2048 (not an ISO image?)",
               (unsigned long long)size);
      problem = pbuf;
    }
  } else {
    if (size % DISK_SECTOR) {
      snprintf(pbuf, sizeof(pbuf), "size %llu bytes is not a multiple of 512 (truncated image?)",
               (unsigned long long)size);
      problem = pbuf;
    } else {
      disk_hd_geometry(d->sectors, &d->cylinders, &d->heads, &d->spt);
    }
  }
  if (!problem && (!d->path)) {
    problem = "out of memory";
  }
  if (!problem && mode == DISK_SNAPSHOT) {
    d->ovl_n = (d->sectors + DISK_OVL_CHUNK - 1) / DISK_OVL_CHUNK;
    d->ovl = calloc(d->ovl_n ? d->ovl_n : 1, sizeof(*d->ovl));
    if (!d->ovl)
      problem = "out of memory for the snapshot overlay";
  }
  if (problem) {
    set_err(err, errlen, "%s: bad disk image: %s", path, problem);
    disk_close(d);
    return NULL;
  }
  return d;
}

void disk_close(Disk *d) {
  if (!d)
    return;
  if (d->mode == DISK_RW && d->dirty)
    disk_flush(d);
  disk_overlay_clear(d);
  free(d->ovl);
  if (d->fd >= 0)
    close(d->fd);
  free(d->path);
  free(d);
}

static bool in_range(const Disk *d, uint64_t lba, uint32_t count) {
  return lba <= d->sectors && count <= d->sectors - lba;
}

static int file_read(Disk *d, uint64_t lba, uint32_t count, uint8_t *buf) {
  size_t len = (size_t)count * DISK_SECTOR;
  off_t off = (off_t)(lba * DISK_SECTOR);
  size_t done = 0;
  while (done < len) {
    ssize_t n = pread(d->fd, buf + done, len - done, off + (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0) { /* file shrank under us: read zeros */
      memset(buf + done, 0, len - done);
      break;
    }
    done += (size_t)n;
  }
  return 0;
}

static inline bool ovl_has(const Disk *d, uint64_t lba) {
  const DiskChunk *c = d->ovl[lba / DISK_OVL_CHUNK];
  uint32_t i = (uint32_t)(lba % DISK_OVL_CHUNK);
  return c && (c->present[i / 8] >> (i % 8) & 1);
}

int disk_read(Disk *d, uint64_t lba, uint32_t count, void *buf) {
  if (!d || !in_range(d, lba, count))
    return -1;
  uint8_t *p = buf;
  if (d->mode != DISK_SNAPSHOT || d->ovl_sectors == 0)
    return file_read(d, lba, count, p);
  /* Runs of base sectors are read in one call; overlay sectors are copied. */
  uint32_t i = 0;
  while (i < count) {
    uint64_t s = lba + i;
    if (ovl_has(d, s)) {
      const DiskChunk *c = d->ovl[s / DISK_OVL_CHUNK];
      memcpy(p + (size_t)i * DISK_SECTOR, c->data + (s % DISK_OVL_CHUNK) * DISK_SECTOR,
             DISK_SECTOR);
      i++;
      continue;
    }
    uint32_t run = 1;
    while (i + run < count && !ovl_has(d, s + run))
      run++;
    if (file_read(d, s, run, p + (size_t)i * DISK_SECTOR) != 0)
      return -1;
    i += run;
  }
  return 0;
}

int disk_overlay_put(Disk *d, uint64_t lba, const uint8_t *data) {
  if (!d || d->mode != DISK_SNAPSHOT || lba >= d->sectors)
    return -1;
  DiskChunk **slot = &d->ovl[lba / DISK_OVL_CHUNK];
  if (!*slot) {
    *slot = calloc(1, sizeof(DiskChunk));
    if (!*slot)
      return -1;
  }
  uint32_t i = (uint32_t)(lba % DISK_OVL_CHUNK);
  memcpy((*slot)->data + (size_t)i * DISK_SECTOR, data, DISK_SECTOR);
  if (!((*slot)->present[i / 8] >> (i % 8) & 1)) {
    (*slot)->present[i / 8] |= (uint8_t)(1u << (i % 8));
    d->ovl_sectors++;
  }
  return 0;
}

int disk_write(Disk *d, uint64_t lba, uint32_t count, const void *buf) {
  if (!d || !in_range(d, lba, count) || d->mode == DISK_RO)
    return -1;
  const uint8_t *p = buf;
  if (d->mode == DISK_SNAPSHOT) {
    for (uint32_t i = 0; i < count; i++)
      if (disk_overlay_put(d, lba + i, p + (size_t)i * DISK_SECTOR) != 0)
        return -1;
    return 0;
  }
  size_t len = (size_t)count * DISK_SECTOR;
  off_t off = (off_t)(lba * DISK_SECTOR);
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(d->fd, p + done, len - done, off + (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    done += (size_t)n;
  }
  d->dirty = true;
  return 0;
}

int disk_flush(Disk *d) {
  if (!d)
    return -1;
  if (d->mode != DISK_RW || !d->dirty)
    return 0;
  if (fdatasync(d->fd) != 0 && errno != EINVAL && errno != EROFS)
    return -1;
  d->dirty = false;
  return 0;
}

int disk_overlay_foreach(Disk *d, int (*fn)(void *opaque, uint64_t lba, const uint8_t *data),
                         void *opaque) {
  if (!d || d->mode != DISK_SNAPSHOT)
    return 0;
  for (uint64_t c = 0; c < d->ovl_n; c++) {
    const DiskChunk *ch = d->ovl[c];
    if (!ch)
      continue;
    for (uint32_t i = 0; i < DISK_OVL_CHUNK; i++) {
      if (!(ch->present[i / 8] >> (i % 8) & 1))
        continue;
      int r = fn(opaque, c * DISK_OVL_CHUNK + i, ch->data + (size_t)i * DISK_SECTOR);
      if (r)
        return r;
    }
  }
  return 0;
}

void disk_overlay_clear(Disk *d) {
  if (!d || !d->ovl)
    return;
  for (uint64_t c = 0; c < d->ovl_n; c++) {
    free(d->ovl[c]);
    d->ovl[c] = NULL;
  }
  d->ovl_sectors = 0;
}

/* ---- save state ---- */

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

typedef struct OvlBuf {
  uint8_t *p;   /* payload being built */
  size_t len;   /* bytes used */
} OvlBuf;

static int ovl_append(void *opaque, uint64_t lba, const uint8_t *data) {
  OvlBuf *b = opaque;
  put64(b->p + b->len, lba);
  memcpy(b->p + b->len + 8, data, DISK_SECTOR);
  b->len += 8 + DISK_SECTOR;
  return 0;
}

int disk_overlay_save(Disk *d, SaveWriter *w, const char *chunk) {
  if (!d)
    return -1;
  uint64_t n = d->mode == DISK_SNAPSHOT ? d->ovl_sectors : 0;
  OvlBuf b = {malloc(16 + n * (8 + DISK_SECTOR)), 16};
  if (!b.p)
    return -1;
  put64(b.p, d->sectors);
  put64(b.p + 8, n);
  if (n)
    disk_overlay_foreach(d, ovl_append, &b);
  int r = save_put_chunk(w, chunk, DISK_OVERLAY_VERSION, 0, b.p, b.len);
  free(b.p);
  return r;
}

static int overlay_validate(Disk *d, SaveReader *r, const char *chunk, const uint8_t **pp,
                            uint64_t *pn) {
  const void *data;
  size_t len;
  if (save_get_chunk(r, chunk, DISK_OVERLAY_VERSION, &data, &len) != 0) {
    snprintf(d->error, sizeof(d->error), "%s: %s", chunk, save_error(r));
    return -1;
  }
  const uint8_t *p = data;
  if (len < 16 || get64(p) != d->sectors) {
    snprintf(d->error, sizeof(d->error), "%s: saved for a disk of another size than %s", chunk,
             d->path);
    return -1;
  }
  uint64_t n = get64(p + 8);
  if (n > d->sectors || len != 16 + n * (8 + DISK_SECTOR)) {
    snprintf(d->error, sizeof(d->error), "%s: corrupt overlay", chunk);
    return -1;
  }
  if (n && d->mode != DISK_SNAPSHOT) {
    snprintf(d->error, sizeof(d->error),
             "%s: the state holds unsaved writes to %s; restore it with --snapshot", chunk,
             d->path);
    return -1;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (get64(p + 16 + i * (8 + DISK_SECTOR)) >= d->sectors) {
      snprintf(d->error, sizeof(d->error), "%s: corrupt overlay", chunk);
      return -1;
    }
  }
  *pp = p + 16;
  *pn = n;
  return 0;
}

int disk_overlay_check(Disk *d, SaveReader *r, const char *chunk) {
  const uint8_t *p;
  uint64_t n;
  return d ? overlay_validate(d, r, chunk, &p, &n) : -1;
}

int disk_overlay_load(Disk *d, SaveReader *r, const char *chunk) {
  const uint8_t *p;
  uint64_t n;
  if (!d || overlay_validate(d, r, chunk, &p, &n) != 0)
    return -1;
  disk_overlay_clear(d);
  for (uint64_t i = 0; i < n; i++) {
    const uint8_t *e = p + i * (8 + DISK_SECTOR);
    if (disk_overlay_put(d, get64(e), e + 8) != 0)
      return -1;
  }
  return 0;
}
