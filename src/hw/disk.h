/*
 * disk.h — disk images behind the IDE, ATAPI and floppy controllers.
 *
 * An image is a raw file (or a host block device, for hard disks and CDs)
 * addressed in 512-byte sectors.  Three modes:
 *  - DISK_RW: guest writes go straight to the file (pwrite), so they are in
 *    the host's page cache at once and survive a killed emulator;
 *    disk_flush() also fsyncs them;
 *  - DISK_RO: the file is opened read-only and guest writes are refused;
 *  - DISK_SNAPSHOT: the file is opened read-only and never written; guest
 *    writes go to a copy-on-write overlay of 512-byte sectors kept in an
 *    unlinked sparse temporary file (O_TMPFILE in $TMPDIR, else /var/tmp),
 *    sector s at offset s * 512, with a bitmap in memory saying which
 *    sectors it holds: host memory stays small however much the guest
 *    writes, and the file vanishes with the process (or is saved with the
 *    machine state).
 * Opening checks the file (hostfile.h: regular file or block device, never
 * blocking on a FIFO), validates the size for the kind of drive (hard disk:
 * a nonzero multiple of 512, at most DISK_HD_MAX; CD: a nonzero multiple of
 * 2048, at most DISK_CD_MAX; floppy: one of the standard sizes), and takes
 * an OFD lock on the whole image (fcntl F_OFD_SETLK): a write lock when the
 * image is opened read-write, a read lock otherwise, so two emulators never
 * write one image and none reads an image another writes.  Locks belong to
 * the open file description: a second open of the same image in the same
 * process conflicts too.  Messages name the file; nothing here exits.
 */
#ifndef X86VM_DISK_H
#define X86VM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR 512u
#define DISK_HD_MAX (2ull << 40)  /* 2 TiB: more than LBA28/CHS guests can address anyway */
#define DISK_CD_MAX (16ull << 30) /* 16 GiB: larger than any DVD */

typedef enum DiskKind { DISK_HD, DISK_FLOPPY, DISK_CDROM } DiskKind;
typedef enum DiskMode { DISK_RW, DISK_RO, DISK_SNAPSHOT } DiskMode;

/* disk_open_ex() flags. */
#define DISK_FORCE_SHARE 1u /* take no lock (--force-share) */

/* Overlay bitmap: one leaf of bits per DISK_OVL_LEAF sectors (16 MiB of
 * disk in 4 KiB of bits), allocated on the first write into its range. */
#define DISK_OVL_LEAF 32768u

/* What identifies an image's content cheaply: its size and an FNV-1a
 * 64-bit hash of the size and of its first and last DISK_IDENTITY_SPAN
 * bytes (the whole image if smaller).  A snapshot records it for each
 * drive; a restore refuses an image whose identity differs. */
#define DISK_IDENTITY_SPAN (1u << 20)
typedef struct DiskIdentity {
  uint64_t size;  /* bytes */
  uint64_t hash;  /* FNV-1a 64 of size (LE), first span, last span */
} DiskIdentity;

typedef struct Disk {
  char *path;          /* image file name (for messages) */
  int fd;              /* open file */
  DiskKind kind;       /* what drive it was opened for */
  DiskMode mode;       /* RW, RO or SNAPSHOT */
  uint64_t size;       /* image size, bytes */
  uint64_t sectors;    /* size / 512 */
  uint64_t dev, ino;   /* host file identity (st_dev, st_ino): the same image twice */
  uint32_t cylinders;  /* guessed geometry (floppy: standard; HD: x16x63) */
  uint32_t heads;
  uint32_t spt;        /* sectors per track */
  bool locked;         /* holds an OFD lock on the image */
  int ovl_fd;          /* snapshot overlay: unlinked sparse temporary file (-1: none) */
  uint8_t **ovl_map;   /* bitmap leaves, ovl_leaves entries (NULL: nothing written there) */
  uint64_t ovl_leaves; /* leaves in the table */
  uint64_t ovl_sectors;/* sectors currently in the overlay */
  bool dirty;          /* RW: written since the last flush */
  char error[192];     /* why the last disk_overlay_check/load failed */
} Disk;

/* Open an image. On failure returns NULL and puts a message naming the file
 * into err (if non-NULL). */
Disk *disk_open(const char *path, DiskKind kind, DiskMode mode, char *err, size_t errlen);
/* The same with DISK_* flags. */
Disk *disk_open_ex(const char *path, DiskKind kind, DiskMode mode, unsigned flags, char *err,
                   size_t errlen);
/* Flush (RW) and close. NULL is allowed. */
void disk_close(Disk *d);

/* Sector I/O, 512-byte units. Return 0, or -1 (out of range, I/O error or a
 * write to a read-only image). */
int disk_read(Disk *d, uint64_t lba, uint32_t count, void *buf);
int disk_write(Disk *d, uint64_t lba, uint32_t count, const void *buf);
/* Make written data durable (RW: fdatasync). Returns 0 or -1. */
int disk_flush(Disk *d);
static inline bool disk_writable(const Disk *d) { return d && d->mode != DISK_RO; }

/* Overlay access for save/restore (snapshot mode). foreach calls fn for every
 * overlay sector in LBA order and stops at the first nonzero return, which it
 * returns. put stores one sector in the overlay. */
int disk_overlay_foreach(Disk *d, int (*fn)(void *opaque, uint64_t lba, const uint8_t *data),
                         void *opaque);
int disk_overlay_put(Disk *d, uint64_t lba, const uint8_t *data);
void disk_overlay_clear(Disk *d);
/* Give d a private copy of its overlay file: a process forked from the one
 * that opened d shares the temporary file (not the bitmap), so a child that
 * goes on writing must call this first.  0, or -1 (d unchanged). */
int disk_overlay_unshare(Disk *d);

/* Save-state chunk holding the image size and (snapshot mode) the overlay:
 * u64 sectors | u64 n | n x (u64 lba | 512 bytes). check verifies it fits
 * this disk without changing anything; load replaces the overlay. On
 * failure, Disk.error and the reader's save_error() say why. */
#define DISK_OVERLAY_VERSION 1
struct SaveWriter;
struct SaveReader;
int disk_overlay_save(Disk *d, struct SaveWriter *w, const char *chunk);
int disk_overlay_check(Disk *d, struct SaveReader *r, const char *chunk);
int disk_overlay_load(Disk *d, struct SaveReader *r, const char *chunk);

/* The identity of the image itself (never the overlay). 0, or -1 on a read error. */
int disk_identity(Disk *d, DiskIdentity *id);

/* Geometry helpers. floppy: returns true and fills c/h/s for a standard size. */
bool disk_floppy_geometry(uint64_t size, uint32_t *c, uint32_t *h, uint32_t *s);
void disk_hd_geometry(uint64_t sectors, uint32_t *c, uint32_t *h, uint32_t *s);

#endif
