/*
 * i440fx.h — the Intel 82441FX PCI and Memory Controller (PMC), the host
 * bridge of the 440FX PCIset, as PCI function 00.0 (8086:1237, revision
 * 02h, class 060000h).  Reference: Intel 440FX PCIset 82441FX PMC and
 * 82442FX DBX datasheet (290549), 3.2 (registers).
 *
 * What it models is the memory map below 1 MiB: the Programmable Attribute
 * Map registers PAM0-PAM6 (59h-5Fh) decide for each segment of C0000h-
 * FFFFFh whether reads come from DRAM or go to PCI (the ROMs) and whether
 * writes go to DRAM or to PCI (lost):
 *   PAM0 bits 5:4 -> F0000h-FFFFFh (64 KiB)
 *   PAMn (n = 1..6) bits 1:0 -> C0000h + (n-1) * 32 KiB, bits 5:4 -> +16 KiB
 *   each field: bit 0 (1:0) / 4 (5:4) read enable, bit 1 / 5 write enable.
 * At power-on every segment is 00b: reads and writes go to PCI, which
 * shows the BIOS (its last 128 KiB at E0000h-FFFFFh, as the chipset
 * aliases the top of 4 GiB) and the video BIOS at C0000h, floating FFh
 * elsewhere.  Firmware shadows itself by setting write-only (10b), copying
 * a segment onto itself, then read/write (11b).  Each segment is a memory
 * window (mem_map_window) switched when a PAM register changes: the CPU's
 * fast paths never check PAM.
 *
 * SMRAMC (72h) is stored (D_OPEN, D_CLS, D_LCK, G_SMRAME writable,
 * C_BASE_SEG = 010b) but SMRAM stays closed: there is no SMM, and
 * A0000h-BFFFFh always goes to the VGA.  The DRAM row boundaries and
 * timing registers are not modelled (they read zero).
 */
#ifndef X86VM_I440FX_H
#define X86VM_I440FX_H

#include <stdint.h>

#include "device.h"
#include "mem.h"
#include "pci.h"

#define I440FX_PAM0 0x59
#define I440FX_SMRAM 0x72
#define I440FX_SEGMENTS 13          /* F0000h (64 KiB) and twelve 16 KiB segments from C0000h */
#define I440FX_LEGACY_BASE 0xc0000u /* the ROM image given to i440fx_new covers C0000h-FFFFFh */
#define I440FX_LEGACY_SIZE 0x40000u

#define I440FX_FIELDS(F, A, S, FR, AR) S(PciFunc, pci, 1, pci_func_table) /* 00.0 */
typedef struct I440fx {
  SAVE_DECLARE(I440FX_FIELDS)
  Mem *mem;
  const uint8_t *rom;           /* what PCI shows at C0000h-FFFFFh (256 KiB, not owned) */
  int win[I440FX_SEGMENTS];     /* the segments' memory windows */
  Device dev;                   /* "i440fx" */
} I440fx;
#define I440FX_VERSION 1
const SaveTable *i440fx_table(void);

/* Registers as 00.0 on bus; rom: I440FX_LEGACY_SIZE bytes the caller keeps. */
I440fx *i440fx_new(PciBus *bus, Mem *mem, const uint8_t *rom);
void i440fx_free(I440fx *h);
void i440fx_reset(I440fx *h);
/* Segment k's base and size, and its 2-bit attribute (bit 0 RE, bit 1 WE) now. */
uint32_t i440fx_segment(int k, uint32_t *size);
int i440fx_pam(const I440fx *h, int k);

#endif
