/*
 * linuxboot.h — direct kernel boot: loads a Linux bzImage (32-bit boot
 * protocol, version 2.03 or later) with an optional initrd and command
 * line, fills the zero page (setup header, E820 map, screen info) and puts
 * the CPU in flat 32-bit protected mode at the kernel's code32_start, as a
 * boot loader would.  Reference: the kernel's Documentation/x86/boot.rst.
 */
#ifndef X86VM_LINUXBOOT_H
#define X86VM_LINUXBOOT_H

#include <stddef.h>

#include "pc.h"

/* Physical layout used for the boot (all below the EBDA). */
#define LINUXBOOT_ZERO_PAGE 0x10000u /* struct boot_params */
#define LINUXBOOT_CMDLINE   0x11000u /* command line (up to 4 KiB) */
#define LINUXBOOT_GDT       0x12000u /* flat GDT: 10h code, 18h data */
#define LINUXBOOT_STACK     0x0f000u /* initial ESP */
/* Real-mode setup boot (offsets from the setup's base). */
#define LINUXBOOT_RM_HEAP_END 0xe000u /* heap end = initial SP */
#define LINUXBOOT_RM_CMDLINE  0xe000u /* command line */
/* fw_cfg item our BIOS reads at int 19h: u32 physical address of a real-mode
 * setup to start (QEMU's FW_CFG_SETUP_ADDR key; no item: boot as usual). */
#define LINUXBOOT_FWCFG_SETUP 0x0016u

/* Read a whole kernel or initrd file of 1 byte up to the machine's RAM
 * size (nothing larger can be loaded: a 5 GiB sparse file is refused
 * before anything is read); NULL with "FLAG PATH: why" in err on failure. */
uint8_t *boot_read_file(Machine *m, const char *path, size_t *len, const char *flag, char *err,
                        size_t errlen);

/* Returns 0, or -1 with one line naming the file and the problem in err.
 * A bzImage shorter than its header says (setup_sects, syssize) is refused
 * ("bzImage truncated: header says at least N bytes, file has M"). */
int linux_boot_load(Machine *m, const char *kernel, const char *initrd, const char *cmdline,
                    char *err, size_t errlen);

#endif
