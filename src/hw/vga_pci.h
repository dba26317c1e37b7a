/*
 * vga_pci.h — the VGA as a PCI function (02.0 on --machine pc): QEMU's
 * standard VGA, vendor 1234h device 1111h, class 030000h (VGA-compatible
 * display controller), revision 02h, no interrupt pin.  The legacy ports
 * and A0000h-BFFFFh always decode, as a VGA's do (PCI 2.1, VGA palette
 * snooping aside); BAR0 is the VBE linear framebuffer, a prefetchable
 * memory BAR the size of video memory rounded up to a power of two: the
 * framebuffer is mapped where BAR0 points while the command register's
 * memory space bit is set, and nowhere otherwise.  The DISPI registers
 * have no LFB address of their own: the guest (our BIOS's 4F01h, a
 * driver) reads it from BAR0.  No BAR2 (DISPI MMIO): the DISPI ports
 * 1CEh/1CFh serve, as on QEMU's ISA VGA.  With a video BIOS (--vga-bios)
 * the expansion ROM BAR (30h: bit 0 enable, size a power of two from 2 KiB)
 * holds it, mapped while enabled and memory decode is on: SeaBIOS runs it as
 * the device's ROM, telling it the device (so SeaVGABIOS's stdvga build
 * reads BAR0 for the LFB address).
 */
#ifndef X86VM_VGA_PCI_H
#define X86VM_VGA_PCI_H

#include "device.h"
#include "pci.h"
#include "vga.h"

#define VGA_PCI_FIELDS(F, A, S, FR, AR) S(PciFunc, pci, 1, pci_func_table) /* 02.0 */
typedef struct VgaPci {
  SAVE_DECLARE(VGA_PCI_FIELDS)
  Vga *vga;
  Mem *mem;
  int rom_region;               /* the expansion ROM's region, -1: no ROM */
  Device dev;                   /* "vga-pci" */
} VgaPci;
#define VGA_PCI_VERSION 1
const SaveTable *vga_pci_table(void);

/* Registers vga as devfn on bus; rom (copied; NULL: none) is its expansion ROM. */
VgaPci *vga_pci_new(PciBus *bus, Vga *vga, uint8_t devfn, const uint8_t *rom, uint32_t rom_size);
void vga_pci_free(VgaPci *vp);
void vga_pci_reset(VgaPci *vp);

#endif
