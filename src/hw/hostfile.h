/*
 * hostfile.h — opening the host files a user names (BIOS images, kernels,
 * initrds, snapshots) as untrusted input: a regular file only, so a FIFO or
 * a device never blocks the emulator or feeds it without end, and no larger
 * than the caller can take, checked before anything is read.
 */
#ifndef X86VM_HOSTFILE_H
#define X86VM_HOSTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Open path for reading. *size gets its size. NULL with the reason in why
 * ("No such file or directory", "not a regular file", "too large: N bytes,
 * at most M") if it cannot be used. */
FILE *hostfile_open(const char *path, uint64_t max, uint64_t *size, char *why, size_t whylen);

#endif
