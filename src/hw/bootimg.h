/*
 * bootimg.h — what a direct kernel boot (--kernel: linuxboot.c,
 * multiboot.c) put into the machine, kept so that every reset puts it there
 * again, as a PC whose firmware loads the kernel would: a guest's reboot
 * boots the same kernel, initrd and command line instead of falling through
 * to the disks.  The loaders write guest memory and the ports they program
 * through boot_put()/boot_out(), which both do it and record it, and end
 * with boot_enter() when the CPU starts at the kernel's entry (a 32-bit
 * entry without firmware); a kernel the BIOS starts (the real-mode setup,
 * handed over through fw_cfg, which keeps its items across a reset) leaves
 * the CPU at the reset vector, and the BIOS runs again.
 * The bytes are copies (QEMU keeps its -kernel blobs the same way): the
 * files may change or go away while the guest runs, and a replay of the
 * run (reverse execution) must see the same bytes.
 */
#ifndef X86VM_BOOTIMG_H
#define X86VM_BOOTIMG_H

#include <stdint.h>

#include "pc.h"

/* Write len bytes at physical pa (data NULL: zeros) and record them. */
int boot_put(Machine *m, uint32_t pa, const void *data, uint32_t len);
/* Write val to port (one byte) and record it; replayed in order after the writes. */
int boot_out(Machine *m, uint16_t port, uint8_t val);
/* Record the CPU's state as the loader left it (registers, segments,
 * descriptor tables, CR0, EFLAGS, EIP): a reset starts there again. */
int boot_enter(Machine *m);
/* machine_reset(): put everything recorded back (nothing if none). */
void boot_replay(Machine *m);
/* Drop the record (a loader starts afresh; a failed load leaves none). */
void boot_forget(Machine *m);

#endif
