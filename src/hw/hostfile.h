/*
 * hostfile.h — opening the host files a user names (BIOS images, kernels,
 * initrds, snapshots, machine files, disk images, output files) as untrusted
 * input.  Every open goes through here so that:
 *  - nothing blocks: a FIFO is opened with O_NONBLOCK and then refused (or,
 *    for an output, accepted only when a reader is already there);
 *  - the kind is checked with fstat on the open descriptor (no race with a
 *    rename): a regular file, or a block device where the caller allows one;
 *    a directory, a FIFO, a socket or a character device such as /dev/zero
 *    is refused at once;
 *  - the size is checked against the caller's bound before anything is
 *    read, and reads stop at that size even if the file grows meanwhile.
 * Errors come back as a short reason ("not a regular file", "too large:
 * N bytes, at most M") for the caller to prefix with the flag and file name.
 */
#ifndef X86VM_HOSTFILE_H
#define X86VM_HOSTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Kinds of file an input may be (a mask). */
enum { HOSTFILE_REG = 1u, HOSTFILE_BLK = 2u };

/* Open path with flags (O_RDONLY or O_RDWR; O_CLOEXEC is added) for input:
 * one of the kinds in the mask, size (a block device's too) at most max.
 * Returns a blocking descriptor and its size in *size, or -1 with the
 * reason in why. */
int hostfile_open_fd(const char *path, int flags, unsigned kinds, uint64_t max, uint64_t *size,
                     char *why, size_t whylen);
/* A regular file for reading, at most max bytes, as a stdio stream. */
FILE *hostfile_open(const char *path, uint64_t max, uint64_t *size, char *why, size_t whylen);
/* Read a whole regular file of 1 to max bytes into a malloc'd buffer
 * (*len: its size).  NULL with the reason ("empty file", "too large...",
 * "changed while being read"). */
uint8_t *hostfile_read(const char *path, uint64_t max, size_t *len, char *why, size_t whylen);

/* Create or truncate an output file (mode 0666 less the umask) for writing:
 * a regular file, a character device (/dev/null, a terminal) or a FIFO
 * that a reader holds open; never a block device, and never waiting for a
 * FIFO's reader.  Returns the descriptor, or -1 with the reason. */
int hostfile_create_fd(const char *path, char *why, size_t whylen);
/* The same as a stdio stream ("w" or "wb"). */
FILE *hostfile_create(const char *path, const char *mode, char *why, size_t whylen);

#endif
