/*
 * pci.h — a PCI bus 0 with configuration mechanism #1 (PCI Local Bus
 * Specification 2.1, 3.2.2.3.2): CONFIG_ADDRESS at CF8h (dword accesses
 * only: bit 31 enable, bus 23:16, device 15:11, function 10:8, register
 * 7:2) and CONFIG_DATA at CFCh-CFFh (byte, word or dword at the offset the
 * port adds).  Only bus 0 exists; a function nobody registered, another
 * bus, or the enable bit clear reads FFFFFFFFh and ignores writes.
 *
 * A function (PciFunc) is a 256-byte configuration space with a writable
 * mask per byte: a write changes only the bits the mask lets through, so
 * IDs, class codes and the low bits of a BAR are read-only, and sizing a
 * BAR (write FFFFFFFFh, read back) returns its size mask with no special
 * code.  After every write the owner's hook runs, which remaps what the
 * command register (I/O space bit 0, memory space bit 1) and the BARs
 * decode.  Byte writes to CF9h are the PIIX3's reset control register
 * (bit 2 starts a reset, as QEMU's board does for any kind).
 *
 * Save state: the bus saves CONFIG_ADDRESS ("pci"); each function is
 * nested in its owner's table (S(PciFunc, pci, 1, pci_func_table)), whose
 * invariant refuses a snapshot changing a read-only bit (the IDs, class,
 * BAR size bits) of the live function.
 */
#ifndef X86VM_PCI_H
#define X86VM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "iobus.h"

#define PCI_CFG_SIZE 256
#define PCI_MAX_DEVFN 256 /* bus 0: 32 devices x 8 functions */
#define PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))

/* Configuration registers. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CMD_IO 0x0001
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_MASTER 0x0004

/* BAR kinds for pci_set_bar. */
#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM 0x0u
#define PCI_BAR_PREFETCH 0x8u

#define PCI_FUNC_FIELDS(F, A, S, FR, AR) \
  A(uint8_t, cfg, PCI_CFG_SIZE) /* configuration space (read-only bits checked on restore) */
typedef struct PciFunc {
  SAVE_DECLARE(PCI_FUNC_FIELDS)
  uint8_t wmask[PCI_CFG_SIZE]; /* bits the guest may change */
  uint8_t init[PCI_CFG_SIZE];  /* power-on values */
  uint32_t bar_size[6];        /* 0: no BAR there */
  /* After a configuration write of size bytes at addr (the values are in cfg). */
  void (*written)(void *opaque, struct PciFunc *f, uint8_t addr, int size);
  void *opaque;
} PciFunc;
#define PCI_FUNC_VERSION 1
const SaveTable *pci_func_table(void);

#define PCI_BUS_FIELDS(F, A, S, FR, AR) \
  F(uint32_t, addr) /* CONFIG_ADDRESS (its reserved bits are kept zero; any value is safe) */
typedef struct PciBus {
  SAVE_DECLARE(PCI_BUS_FIELDS)
  PciFunc *fn[PCI_MAX_DEVFN];  /* registered functions (not owned) */
  void (*reset)(void *opaque); /* CF9h reset control: the board resets */
  void *reset_opaque;
  Device dev;                  /* "pci" */
} PciBus;
#define PCI_BUS_VERSION 1
const SaveTable *pci_bus_table(void);

/* bus may be NULL (tests call pci_bus_read/pci_bus_write). */
PciBus *pci_bus_new(IoBus *bus);
void pci_bus_free(PciBus *b);
void pci_bus_reset(PciBus *b);
/* Add f at devfn (bus 0). Returns 0, or -1 if the slot is taken. */
int pci_register(PciBus *b, PciFunc *f, uint8_t devfn);
/* The configuration ports by number (CF8h-CFFh) and size. */
uint32_t pci_bus_read(PciBus *b, uint16_t port, int size);
void pci_bus_write(PciBus *b, uint16_t port, int size, uint32_t value);

/* Set up a function: IDs, revision, class (base << 16 | sub << 8 | prog-if),
 * header type; every other byte reads zero and is read-only until the
 * owner opens it with pci_set_wmask or pci_set_bar. */
void pci_func_init(PciFunc *f, uint16_t vendor, uint16_t device, uint8_t rev, uint32_t class_code,
                   uint8_t header_type);
/* Writable bits mask at addr (n bytes, little-endian) and power-on value. */
void pci_set_wmask(PciFunc *f, uint8_t addr, int n, uint32_t mask);
void pci_set_init(PciFunc *f, uint8_t addr, int n, uint32_t value);
/* BAR i: size bytes (a power of two; I/O at least 4, memory at least 16),
 * kind PCI_BAR_IO / PCI_BAR_MEM (| PCI_BAR_PREFETCH).  An I/O BAR's upper
 * half is writable as on QEMU's board (a 16-bit decoder like the PIIX's may
 * hardwire it to zero, but SeaBIOS sizes I/O BARs on all 32 bits); the
 * owner decodes it only below 64 KiB. */
void pci_set_bar(PciFunc *f, int i, uint32_t size, uint32_t kind);
/* Back to the power-on values. */
void pci_func_reset(PciFunc *f);
/* Configuration access on one function (what the bus does after decoding). */
uint32_t pci_cfg_read(const PciFunc *f, uint8_t addr, int size);
void pci_cfg_write(PciFunc *f, uint8_t addr, int size, uint32_t value);
/* Where BAR i decodes now: true with *base when its space is enabled in
 * the command register and the BAR holds an address (not 0). */
bool pci_bar_decoded(const PciFunc *f, int i, uint32_t *base);

#endif
