/*
 * multiboot.h — direct boot of Multiboot (version 1) kernels: ELF images
 * (loaded with libelf) or images using the header's address fields (the
 * "a.out kludge", flag bit 16).  The initrd becomes module 0, the command
 * line the kernel's, and the memory map the one our BIOS reports.
 * Reference: the Multiboot Specification version 0.6.96.
 */
#ifndef X86VM_MULTIBOOT_H
#define X86VM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pc.h"

#define MULTIBOOT_HEADER_MAGIC 0x1badb002u
#define MULTIBOOT_BOOT_MAGIC   0x2badb002u /* in EAX at entry */
#define MULTIBOOT_INFO_ADDR    0x9000u     /* multiboot_info and what it points to */

/* Offset of a valid Multiboot header in the first 8 KiB, or -1. */
long multiboot_find_header(const uint8_t *img, size_t len);
/* Returns 0, or -1 with one line naming the file and the problem in err. */
int multiboot_load(Machine *m, const char *kernel, const char *initrd, const char *cmdline,
                   char *err, size_t errlen);

#endif
