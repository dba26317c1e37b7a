/*
 * fwcfg.h — the firmware configuration interface of QEMU's PC boards
 * ("fw_cfg", QEMU's docs/specs/fw_cfg.rst), port-I/O flavour only:
 *   510h  selector (16-bit write): picks an item and rewinds it;
 *   511h  data (8-bit read): the next byte of the selected item; past the
 *         end, or for an item that does not exist, reads return 0.
 * Items used here: 0000h signature "QEMU", 0001h interface ID (bit 0:
 * traditional interface; no DMA), 0005h boot CPUs, 000Fh maximum CPUs,
 * 0019h the file directory (u32 count, then per file: u32 size, u16
 * select, u16 reserved, char name[56]; big-endian), files from 0020h on.
 * SeaBIOS (as built for QEMU) finds its video BIOS here, as the file
 * "vgaroms/NAME", the way QEMU's ISA VGA hands it over; without it a
 * board with no PCI bus gets no int 10h from SeaBIOS.  On --machine pc
 * the file "etc/irq0-override" (u32 1, little-endian) tells SeaBIOS that
 * the PIT's IRQ0 reaches I/O APIC pin 2, so its MADT says so.  Our own
 * BIOS does not use fw_cfg files.  Writes to the data port are ignored (as QEMU >= 2.4).
 */
#ifndef X86VM_FWCFG_H
#define X86VM_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "iobus.h"

#define FWCFG_PORT_SEL 0x510
#define FWCFG_PORT_DATA 0x511
#define FWCFG_SIGNATURE 0x0000
#define FWCFG_ID 0x0001
#define FWCFG_NB_CPUS 0x0005
#define FWCFG_MAX_CPUS 0x000f
#define FWCFG_FILE_DIR 0x0019
#define FWCFG_FILE_FIRST 0x0020
#define FWCFG_MAX_ITEMS 64
#define FWCFG_NAME_LEN 56

typedef struct FwCfgItem {
  uint16_t key;          /* selector value */
  uint8_t *data;         /* owned copy */
  uint32_t len;
} FwCfgItem;

#define FWCFG_FIELDS(F, A, S, FR, AR)                                                     \
  FR(uint16_t, selector, 0, UINT16_MAX) /* last value written to 510h (any: looked up) */ \
  FR(uint32_t, offset, 0, UINT32_MAX) /* next byte of the selected item (any: reads check it) */
typedef struct FwCfg {
  SAVE_DECLARE(FWCFG_FIELDS)
  FwCfgItem items[FWCFG_MAX_ITEMS]; /* fixed at machine creation (not saved) */
  int nitems;
  int nfiles;            /* files in the directory */
  Device dev;            /* reset/save/load record */
} FwCfg;
#define FWCFG_VERSION 1
const SaveTable *fwcfg_table(void);

/* Creates the device with the fixed items (signature, ID, CPU counts, an
 * empty file directory) and claims ports 510h-511h (bus may be NULL). */
FwCfg *fwcfg_new(IoBus *bus);
void fwcfg_free(FwCfg *f);
/* Adds (or replaces) a plain item. 0, or -1 when full / out of memory. */
int fwcfg_add_item(FwCfg *f, uint16_t key, const void *data, uint32_t len);
/* Adds a named file (name shorter than 56 bytes) and updates the
 * directory. Returns its selector, or -1. */
int fwcfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len);

#endif
