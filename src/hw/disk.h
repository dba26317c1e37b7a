/*
 * disk.h — disk images behind the IDE, ATAPI and floppy controllers.
 *
 * An image is a raw file addressed in 512-byte sectors.  Three modes:
 *  - DISK_RW: guest writes go straight to the file (pwrite), so they are in
 *    the host's page cache at once and survive a killed emulator;
 *    disk_flush() also fsyncs them;
 *  - DISK_RO: the file is opened read-only and guest writes are refused;
 *  - DISK_SNAPSHOT: the file is opened read-only and never written; guest
 *    writes go to an in-memory copy-on-write overlay of 512-byte sectors
 *    (dropped at exit, or saved with the machine state).
 * Opening validates the size for the kind of drive (hard disk: a nonzero
 * multiple of 512; CD: a nonzero multiple of 2048; floppy: one of the
 * standard sizes) and reports a clear message naming the file; nothing here
 * exits the process.
 */
#ifndef X86VM_DISK_H
#define X86VM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR 512u

typedef enum DiskKind { DISK_HD, DISK_FLOPPY, DISK_CDROM } DiskKind;
typedef enum DiskMode { DISK_RW, DISK_RO, DISK_SNAPSHOT } DiskMode;

/* Overlay: a table of chunks of DISK_OVL_CHUNK sectors, allocated on first write. */
#define DISK_OVL_CHUNK 128u

typedef struct DiskChunk {
  uint8_t present[DISK_OVL_CHUNK / 8];       /* bit per sector: overlay holds it */
  uint8_t data[DISK_OVL_CHUNK * DISK_SECTOR]; /* sector contents */
} DiskChunk;

typedef struct Disk {
  char *path;          /* image file name (for messages) */
  int fd;              /* open file */
  DiskKind kind;       /* what drive it was opened for */
  DiskMode mode;       /* RW, RO or SNAPSHOT */
  uint64_t size;       /* image size, bytes */
  uint64_t sectors;    /* size / 512 */
  uint32_t cylinders;  /* guessed geometry (floppy: standard; HD: x16x63) */
  uint32_t heads;
  uint32_t spt;        /* sectors per track */
  DiskChunk **ovl;     /* snapshot overlay, ovl_n entries (NULL: untouched) */
  uint64_t ovl_n;      /* chunks in the table */
  uint64_t ovl_sectors;/* sectors currently in the overlay */
  bool dirty;          /* RW: written since the last flush */
  char error[192];     /* why the last disk_overlay_check/load failed */
} Disk;

/* Open an image. On failure returns NULL and puts a message naming the file
 * into err (if non-NULL). */
Disk *disk_open(const char *path, DiskKind kind, DiskMode mode, char *err, size_t errlen);
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

/* Save-state chunk holding the image size and (snapshot mode) the overlay:
 * u64 sectors | u64 n | n x (u64 lba | 512 bytes). check verifies it fits
 * this disk without changing anything; load replaces the overlay. On
 * failure, Disk.error says why (the SaveReader's save_error() does not). */
#define DISK_OVERLAY_VERSION 1
struct SaveWriter;
struct SaveReader;
int disk_overlay_save(Disk *d, struct SaveWriter *w, const char *chunk);
int disk_overlay_check(Disk *d, struct SaveReader *r, const char *chunk);
int disk_overlay_load(Disk *d, struct SaveReader *r, const char *chunk);

/* Geometry helpers. floppy: returns true and fills c/h/s for a standard size. */
bool disk_floppy_geometry(uint64_t size, uint32_t *c, uint32_t *h, uint32_t *s);
void disk_hd_geometry(uint64_t sectors, uint32_t *c, uint32_t *h, uint32_t *s);

#endif
