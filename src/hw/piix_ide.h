/*
 * piix_ide.h — the IDE function of the PIIX3 (PCI 01.1, 8086:7010, class
 * 010180h: IDE, both channels in legacy mode, bus-master capable) with its
 * bus-master DMA.  Reference: Intel 82371FB (PIIX) and 82371SB (PIIX3)
 * datasheet (290550), 2.3 (IDE configuration) and 2.7 (bus master IDE I/O
 * registers); the PRD format of the SFF-8038i "Bus Master Programming
 * Interface for IDE ATA Controllers".
 *
 * The channels are the board's legacy IDE channels (ide.h: 1F0h/3F6h on
 * IRQ14, 170h/376h on IRQ15), which always decode; IDETIM (40h/42h, bit 15
 * the decode enable that Linux's ata_piix checks), SIDETIM (44h) and
 * UDMACTL/UDMATIM (48h/4Ah) are stored.  BAR4 (BMIBA, 16 I/O ports)
 * holds the bus-master registers, decoded while the command register's
 * I/O space bit is set, per channel at +0 (primary) and +8 (secondary):
 *   +0 BMICx command: bit 0 start/stop, bit 3 direction (1: to memory)
 *   +2 BMISx status: bit 0 active (read-only), bit 1 error and bit 2
 *      interrupt (write 1 to clear), bits 5/6 drive 0/1 DMA capable
 *   +4 BMIDTPx: the PRD table's address (dword aligned)
 * A PRD is 8 bytes: the buffer's physical address (even), a byte count
 * (even; 0 means 64 KiB) and bit 31 of the second dword marking the last.
 * With the start bit set and a READ/WRITE DMA command waiting, the whole
 * transfer runs at once (the command "completes" as the OUT that started
 * it, like the PIO commands): sectors go through the PRDs in order; when
 * the drive's last sector is done the drive raises its IRQ (setting the
 * interrupt bit) and active clears if the PRDs were used up exactly (it
 * stays set when they describe more, as the datasheet says).  PRDs that
 * end before the data do: active clears, no interrupt, the drive waits.
 * Clearing the start bit stops the engine (active clears).  The bus
 * master bit of the command register must be set for any of this.
 */
#ifndef X86VM_PIIX_IDE_H
#define X86VM_PIIX_IDE_H

#include <stdint.h>

#include "device.h"
#include "ide.h"
#include "iobus.h"
#include "mem.h"
#include "pci.h"

#define BM_CMD_START 0x01
#define BM_CMD_TO_MEM 0x08
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_INTR 0x04

#define PIIX_IDE_FIELDS(F, A, S, FR, AR)                                      \
  S(PciFunc, pci, 1, pci_func_table) /* 01.1 */                          \
  A(uint8_t, bm_cmd, 2)       /* BMICx */                                \
  A(uint8_t, bm_status, 2)    /* BMISx */                                \
  A(uint32_t, bm_prdt, 2)     /* BMIDTPx */
typedef struct PiixIde {
  SAVE_DECLARE(PIIX_IDE_FIELDS)
  IoBus *bus;
  Mem *mem;
  IdeChannel *ch[2];
  uint16_t io_base;             /* where BAR4 is decoded now, 0: nowhere (derived) */
  Device dev;                   /* "piix-ide" */
} PiixIde;
#define PIIX_IDE_VERSION 1
const SaveTable *piix_ide_table(void);

/* Registers 01.1 on pci and becomes the channels' bus master. bus (ports) may be NULL. */
PiixIde *piix_ide_new(PciBus *pci, IoBus *bus, Mem *mem, IdeChannel *primary, IdeChannel *secondary);
void piix_ide_free(PiixIde *p);
void piix_ide_reset(PiixIde *p);
/* The bus-master registers by offset in BAR4 (0-15). */
uint32_t piix_ide_bm_read(PiixIde *p, unsigned off, int size);
void piix_ide_bm_write(PiixIde *p, unsigned off, int size, uint32_t value);

#endif
