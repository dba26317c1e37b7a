/*
 * disk.c — raw disk images with read-only, read-write and copy-on-write
 * snapshot modes (see disk.h).
 */
#define _GNU_SOURCE
#include "disk.h"
#include "hostfile.h"
#include "log.h"
#include "savestate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

/* An unlinked temporary file for a snapshot overlay: O_TMPFILE (never has
 * a name; O_EXCL: can never be given one) in $TMPDIR or /var/tmp (on disk
 * on most systems, unlike a tmpfs /tmp), else a mkstemp name unlinked at
 * once. -1 with the reason in why. */
static int overlay_tmpfile(char *why, size_t whylen) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/var/tmp";
  int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
  char path[4096];
  snprintf(path, sizeof path, "%s/x86vm-overlay-XXXXXX", dir);
  fd = mkostemp(path, O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, whylen, "cannot create the snapshot overlay's temporary file in %s: %s", dir,
             strerror(errno));
    return -1;
  }
  unlink(path);
  return fd;
}

/* An OFD lock on the whole image: shared for reading, exclusive for
 * writing.  0, 1 if the file system has no such locks (the image is used
 * unlocked), -1 if another open file description holds a conflicting one. */
static int lock_image(int fd, bool write) {
  struct flock fl = {.l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
    return 0;
  return errno == EAGAIN || errno == EACCES ? -1 : 1;
}

Disk *disk_open(const char *path, DiskKind kind, DiskMode mode, char *err, size_t errlen) {
  return disk_open_ex(path, kind, mode, 0, err, errlen);
}

Disk *disk_open_ex(const char *path, DiskKind kind, DiskMode mode, unsigned flags, char *err,
                   size_t errlen) {
  if (!path || !*path) {
    set_err(err, errlen, "disk image: no file name given");
    return NULL;
  }
  if (kind == DISK_CDROM && mode == DISK_RW)
    mode = DISK_RO; /* a CD is never written */
  /* Floppies are files of a standard size; hard disks and CDs may also be
   * host block devices. */
  unsigned kinds = kind == DISK_FLOPPY ? HOSTFILE_REG : HOSTFILE_REG | HOSTFILE_BLK;
  uint64_t max = kind == DISK_FLOPPY ? 2880u * 1024 : kind == DISK_CDROM ? DISK_CD_MAX : DISK_HD_MAX;
  char why[160];
  uint64_t size;
  int fd = hostfile_open_fd(path, mode == DISK_RW ? O_RDWR : O_RDONLY, kinds, max, &size, why,
                            sizeof why);
  if (fd < 0) {
    set_err(err, errlen, "%s: cannot open disk image%s: %s", path,
            mode == DISK_RW ? " for reading and writing" : "", why);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_err(err, errlen, "%s: cannot stat disk image: %s", path, strerror(errno));
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
  d->ovl_fd = -1;
  d->kind = kind;
  d->mode = mode;
  d->size = size;
  d->sectors = size / DISK_SECTOR;
  d->dev = (uint64_t)st.st_dev;
  d->ino = (uint64_t)st.st_ino;
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
  if (problem) {
    set_err(err, errlen, "%s: bad disk image: %s", path, problem);
    disk_close(d);
    return NULL;
  }
  if (!(flags & DISK_FORCE_SHARE)) {
    int lk = lock_image(fd, mode == DISK_RW);
    if (lk < 0) {
      set_err(err, errlen, "disk image %s is in use by another process (locked); --force-share to override",
              path);
      disk_close(d);
      return NULL;
    }
    d->locked = lk == 0;
    if (lk > 0)
      x86_log(LOG_NOTE, "%s: this file system cannot lock the image; used unlocked", path);
  }
  if (mode == DISK_SNAPSHOT) {
    d->ovl_leaves = (d->sectors + DISK_OVL_LEAF - 1) / DISK_OVL_LEAF;
    d->ovl_map = calloc(d->ovl_leaves ? d->ovl_leaves : 1, sizeof(*d->ovl_map));
    d->ovl_fd = d->ovl_map ? overlay_tmpfile(why, sizeof why) : -1;
    /* Sparse: as large as the image, taking no space until written. */
    if (d->ovl_fd >= 0 && ftruncate(d->ovl_fd, (off_t)size) != 0)
      snprintf(why, sizeof why, "cannot size the snapshot overlay's temporary file: %s", strerror(errno));
    else if (d->ovl_fd >= 0)
      return d;
    set_err(err, errlen, "%s: %s", path, d->ovl_map ? why : "out of memory for the snapshot overlay");
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
  if (d->ovl_map) {
    for (uint64_t i = 0; i < d->ovl_leaves; i++)
      free(d->ovl_map[i]);
    free(d->ovl_map);
  }
  if (d->ovl_fd >= 0)
    close(d->ovl_fd);
  if (d->fd >= 0)
    close(d->fd); /* drops the OFD lock with the last descriptor */
  free(d->path);
  free(d);
}

static bool in_range(const Disk *d, uint64_t lba, uint32_t count) {
  return lba <= d->sectors && count <= d->sectors - lba;
}

/* count sectors at lba of fd into buf; past the end of a file that shrank
 * under us, zeros. */
static int fd_read(int fd, uint64_t lba, uint32_t count, uint8_t *buf) {
  size_t len = (size_t)count * DISK_SECTOR;
  off_t off = (off_t)(lba * DISK_SECTOR);
  size_t done = 0;
  while (done < len) {
    ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0) {
      memset(buf + done, 0, len - done);
      break;
    }
    done += (size_t)n;
  }
  return 0;
}

static int fd_write(int fd, uint64_t lba, uint32_t count, const uint8_t *buf) {
  size_t len = (size_t)count * DISK_SECTOR;
  off_t off = (off_t)(lba * DISK_SECTOR);
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(fd, buf + done, len - done, off + (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    done += (size_t)n;
  }
  return 0;
}

static inline bool ovl_has(const Disk *d, uint64_t lba) {
  const uint8_t *leaf = d->ovl_map[lba / DISK_OVL_LEAF];
  uint32_t i = (uint32_t)(lba % DISK_OVL_LEAF);
  return leaf && (leaf[i / 8] >> (i % 8) & 1);
}

/* Mark sectors [lba, lba + count) as held by the overlay. */
static int ovl_mark(Disk *d, uint64_t lba, uint32_t count) {
  for (uint64_t s = lba; s < lba + count; s++) {
    uint8_t **leaf = &d->ovl_map[s / DISK_OVL_LEAF];
    if (!*leaf && !(*leaf = calloc(DISK_OVL_LEAF / 8, 1)))
      return -1;
    uint32_t i = (uint32_t)(s % DISK_OVL_LEAF);
    if (!((*leaf)[i / 8] >> (i % 8) & 1)) {
      (*leaf)[i / 8] |= (uint8_t)(1u << (i % 8));
      d->ovl_sectors++;
    }
  }
  return 0;
}

int disk_read(Disk *d, uint64_t lba, uint32_t count, void *buf) {
  if (!d || !in_range(d, lba, count))
    return -1;
  uint8_t *p = buf;
  if (d->mode != DISK_SNAPSHOT || d->ovl_sectors == 0)
    return fd_read(d->fd, lba, count, p);
  /* Runs of sectors from the same place are read in one call each. */
  uint32_t i = 0;
  while (i < count) {
    bool ovl = ovl_has(d, lba + i);
    uint32_t run = 1;
    while (i + run < count && ovl_has(d, lba + i + run) == ovl)
      run++;
    if (fd_read(ovl ? d->ovl_fd : d->fd, lba + i, run, p + (size_t)i * DISK_SECTOR) != 0)
      return -1;
    i += run;
  }
  return 0;
}

int disk_overlay_put(Disk *d, uint64_t lba, const uint8_t *data) {
  if (!d || d->mode != DISK_SNAPSHOT || lba >= d->sectors)
    return -1;
  if (fd_write(d->ovl_fd, lba, 1, data) != 0)
    return -1;
  return ovl_mark(d, lba, 1);
}

int disk_write(Disk *d, uint64_t lba, uint32_t count, const void *buf) {
  if (!d || !in_range(d, lba, count) || d->mode == DISK_RO)
    return -1;
  const uint8_t *p = buf;
  if (d->mode == DISK_SNAPSHOT) {
    /* Data first: a sector is marked only once the overlay holds it. */
    if (fd_write(d->ovl_fd, lba, count, p) != 0)
      return -1;
    return ovl_mark(d, lba, count);
  }
  if (fd_write(d->fd, lba, count, p) != 0)
    return -1;
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

/* The overlay is read back in runs of at most OVL_BATCH sectors: bounded memory. */
enum { OVL_BATCH = 128 };

/* The next run of sectors the overlay holds, from *s on: moves *s to its
 * first sector and returns its length (at most OVL_BATCH), 0 past the last. */
static uint32_t ovl_next_run(const Disk *d, uint64_t *s) {
  while (*s < d->sectors) {
    if (!d->ovl_map[*s / DISK_OVL_LEAF]) {
      *s = (*s / DISK_OVL_LEAF + 1) * DISK_OVL_LEAF;
      continue;
    }
    if (!ovl_has(d, *s)) {
      (*s)++;
      continue;
    }
    uint32_t run = 1;
    while (run < OVL_BATCH && *s + run < d->sectors && ovl_has(d, *s + run))
      run++;
    return run;
  }
  return 0;
}

int disk_overlay_foreach(Disk *d, int (*fn)(void *opaque, uint64_t lba, const uint8_t *data),
                         void *opaque) {
  if (!d || d->mode != DISK_SNAPSHOT || d->ovl_sectors == 0)
    return 0;
  uint8_t *buf = malloc(OVL_BATCH * DISK_SECTOR);
  if (!buf)
    return -1;
  int r = 0;
  uint64_t s = 0;
  for (uint32_t run; r == 0 && (run = ovl_next_run(d, &s)) != 0;) {
    if (fd_read(d->ovl_fd, s, run, buf) != 0) {
      r = -1;
      break;
    }
    for (uint32_t i = 0; i < run && r == 0; i++)
      r = fn(opaque, s + i, buf + (size_t)i * DISK_SECTOR);
    s += run;
  }
  free(buf);
  return r;
}

void disk_overlay_clear(Disk *d) {
  if (!d || !d->ovl_map)
    return;
  for (uint64_t i = 0; i < d->ovl_leaves; i++) {
    free(d->ovl_map[i]);
    d->ovl_map[i] = NULL;
  }
  d->ovl_sectors = 0;
  /* Give the temporary file's blocks back. */
  if (d->ovl_fd >= 0 && ftruncate(d->ovl_fd, 0) == 0 && ftruncate(d->ovl_fd, (off_t)d->size) != 0)
    x86_log(LOG_NOTE, "%s: cannot resize the snapshot overlay: %s", d->path, strerror(errno));
}

int disk_overlay_unshare(Disk *d) {
  if (!d || d->mode != DISK_SNAPSHOT)
    return 0;
  char why[160];
  int fd = overlay_tmpfile(why, sizeof why);
  if (fd < 0)
    return -1;
  if (ftruncate(fd, (off_t)d->size) != 0) {
    close(fd);
    return -1;
  }
  /* Copy what the overlay holds, run by run. */
  uint8_t *buf = malloc(OVL_BATCH * DISK_SECTOR);
  int rc = buf ? 0 : -1;
  uint64_t s = 0;
  for (uint32_t run; rc == 0 && d->ovl_sectors && (run = ovl_next_run(d, &s)) != 0;) {
    if (fd_read(d->ovl_fd, s, run, buf) != 0 || fd_write(fd, s, run, buf) != 0)
      rc = -1;
    s += run;
  }
  free(buf);
  if (rc != 0) {
    close(fd);
    return -1;
  }
  close(d->ovl_fd);
  d->ovl_fd = fd;
  return 0;
}

/* ---- identity ---- */

#define FNV64_OFFSET 14695981039346656037ull
#define FNV64_PRIME 1099511628211ull

static uint64_t fnv64(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * FNV64_PRIME;
  return h;
}

/* Hash len bytes of fd at off into h, reading in bounded pieces. */
static int hash_range(int fd, uint64_t off, uint64_t len, uint64_t *h) {
  uint8_t buf[65536];
  while (len) {
    size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
    ssize_t n = pread(fd, buf, want, (off_t)off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1; /* shorter than its size: a file that shrank */
    *h = fnv64(*h, buf, (size_t)n);
    off += (uint64_t)n;
    len -= (uint64_t)n;
  }
  return 0;
}

int disk_identity(Disk *d, DiskIdentity *id) {
  if (!d)
    return -1;
  uint8_t le[8];
  for (int i = 0; i < 8; i++)
    le[i] = (uint8_t)(d->size >> (8 * i));
  uint64_t h = fnv64(FNV64_OFFSET, le, sizeof le);
  uint64_t span = d->size < DISK_IDENTITY_SPAN ? d->size : DISK_IDENTITY_SPAN;
  if (hash_range(d->fd, 0, span, &h) != 0 || hash_range(d->fd, d->size - span, span, &h) != 0)
    return -1;
  id->size = d->size;
  id->hash = h;
  return 0;
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

typedef struct OvlFill {
  uint8_t *p;   /* next entry of the payload */
  uint64_t left;/* entries still to fill */
} OvlFill;

static int ovl_append(void *opaque, uint64_t lba, const uint8_t *data) {
  OvlFill *b = opaque;
  if (!b->left)
    return -1; /* the bitmap and its count disagree: an emulator bug */
  put64(b->p, lba);
  memcpy(b->p + 8, data, DISK_SECTOR);
  b->p += 8 + DISK_SECTOR;
  b->left--;
  return 0;
}

int disk_overlay_save(Disk *d, SaveWriter *w, const char *chunk) {
  if (!d)
    return -1;
  uint64_t n = d->mode == DISK_SNAPSHOT ? d->ovl_sectors : 0;
  /* Filled in place from the temporary file, in bounded reads: the
   * snapshot being built is the only copy in memory. */
  size_t len = 16 + (size_t)n * (8 + DISK_SECTOR);
  uint8_t *p = save_put_chunk_begin(w, chunk, DISK_OVERLAY_VERSION, 0, len);
  if (!p)
    return -1;
  put64(p, d->sectors);
  put64(p + 8, n);
  OvlFill b = {p + 16, n};
  if (n && (disk_overlay_foreach(d, ovl_append, &b) != 0 || b.left)) {
    snprintf(d->error, sizeof(d->error), "%s: cannot read back the overlay of %s", chunk, d->path);
    return -1;
  }
  return save_put_chunk_end(w, len);
}

/* Fails with msg in both Disk.error and the reader's error. */
static int overlay_fail(Disk *d, SaveReader *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int overlay_fail(Disk *d, SaveReader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->error, sizeof(d->error), fmt, ap);
  va_end(ap);
  return save_reject(r, "%s", d->error);
}

static int overlay_validate(Disk *d, SaveReader *r, const char *chunk, const uint8_t **pp,
                            uint64_t *pn) {
  const void *data;
  size_t len;
  if (save_get_chunk(r, chunk, DISK_OVERLAY_VERSION, &data, &len) != 0)
    return overlay_fail(d, r, "%s: %s", chunk, save_error(r));
  const uint8_t *p = data;
  if (len < 16 || get64(p) != d->sectors)
    return overlay_fail(d, r, "%s: saved for a disk of another size than %s", chunk, d->path);
  uint64_t n = get64(p + 8);
  if (n > d->sectors || len != 16 + n * (8 + DISK_SECTOR))
    return overlay_fail(d, r, "%s: corrupt overlay (%llu sectors in %zu bytes)", chunk,
                        (unsigned long long)n, len);
  if (n && d->mode != DISK_SNAPSHOT)
    return overlay_fail(d, r, "%s: the state holds unsaved writes to %s; restore it with --snapshot",
                        chunk, d->path);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t lba = get64(p + 16 + i * (8 + DISK_SECTOR));
    if (lba >= d->sectors)
      return overlay_fail(d, r, "%s: corrupt overlay (sector %llu of a %llu-sector disk)", chunk,
                          (unsigned long long)lba, (unsigned long long)d->sectors);
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
  /* Entries for consecutive sectors go to the temporary file in one
   * gathered write each. */
  enum { OVL_IOV = 256 };
  struct iovec iov[OVL_IOV];
  for (uint64_t i = 0; i < n;) {
    uint64_t lba = get64(p + i * (8 + DISK_SECTOR));
    uint32_t run = 0;
    while (run < OVL_IOV && i + run < n && get64(p + (i + run) * (8 + DISK_SECTOR)) == lba + run) {
      iov[run].iov_base = (void *)(p + (i + run) * (8 + DISK_SECTOR) + 8);
      iov[run].iov_len = DISK_SECTOR;
      run++;
    }
    /* A short gathered write is finished sector by sector. */
    ssize_t w = pwritev(d->ovl_fd, iov, (int)run, (off_t)(lba * DISK_SECTOR));
    uint32_t whole = w > 0 ? (uint32_t)((size_t)w / DISK_SECTOR) : 0;
    for (uint32_t k = whole; k < run; k++)
      if (fd_write(d->ovl_fd, lba + k, 1, iov[k].iov_base) != 0)
        return overlay_fail(d, r, "%s: cannot write the overlay of %s: %s", chunk, d->path,
                            strerror(errno));
    if (ovl_mark(d, lba, run) != 0)
      return overlay_fail(d, r, "%s: out of memory for the overlay of %s", chunk, d->path);
    i += run;
  }
  return 0;
}
