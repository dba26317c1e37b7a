/*
 * ide.h — one IDE/ATA channel (two drives: master and slave) with PIO
 * transfers, LBA28/LBA48, and ATAPI CD-ROM drives reading ISO images; with
 * a bus-master controller attached (--machine pc, piix_ide.h) hard disks
 * also take READ/WRITE DMA (EXT), whose data the controller moves.
 *
 * References: ATA/ATAPI-6 (T13/1410D) for the task file, commands and
 * IDENTIFY words; SFF-8020i / MMC-2 for the ATAPI packet protocol and the
 * SCSI commands a CD-ROM answers.
 *
 * The PC has two channels: ide_new(bus, 0x1f0, 0x3f6, irq14, "ide0") and
 * ide_new(bus, 0x170, 0x376, irq15, "ide1").  Commands complete at once
 * (no seek timing): the IRQ is asserted when the command is written and the
 * guest takes it after the OUT instruction, as it would a fast drive's.
 */
#ifndef X86VM_IDE_H
#define X86VM_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "disk.h"
#include "iobus.h"
#include "irq.h"
#include "savestate.h"

#define IDE_BUF_SIZE 65536 /* data buffer: one DRQ block (ATA) or up to 32 CD sectors */
#define IDE_MAX_MULT 16 /* IDENTIFY word 47: largest READ/WRITE MULTIPLE block */
#define IDE_PACKET_SIZE 12 /* ATAPI command packet bytes */

enum { IDE_NONE = 0, IDE_ATA = 1, IDE_ATAPI = 2 };

/* Status register bits. */
#define IDE_ST_ERR  0x01
#define IDE_ST_DRQ  0x08
#define IDE_ST_DSC  0x10
#define IDE_ST_DF   0x20
#define IDE_ST_DRDY 0x40
#define IDE_ST_BSY  0x80
/* Error register bits. */
#define IDE_ER_ABRT 0x04
#define IDE_ER_IDNF 0x10
#define IDE_ER_UNC  0x40
/* Device control register bits. */
#define IDE_CTL_NIEN 0x02
#define IDE_CTL_SRST 0x04
#define IDE_CTL_HOB  0x80

/* Per-drive registers (each drive keeps its own copy of the task file;
 * writes go to both, reads come from the selected one). */
#define IDE_DRIVE_FIELDS(F, A, S, FR, AR)                                      \
  FR(uint8_t, type, 0, IDE_ATAPI) /* IDE_NONE / IDE_ATA / IDE_ATAPI */         \
  F(uint8_t, feature)     /* features register (written) */                    \
  F(uint8_t, error)       /* error register (read) */                          \
  F(uint8_t, nsect)       /* sector count / ATAPI interrupt reason */          \
  F(uint8_t, sector)      /* sector number / LBA 7:0 */                        \
  F(uint8_t, lcyl)        /* cylinder low / LBA 15:8 / ATAPI byte count lo */  \
  F(uint8_t, hcyl)        /* cylinder high / LBA 23:16 / byte count hi */      \
  F(uint8_t, select)      /* device/head register */                           \
  F(uint8_t, status)      /* status register */                                \
  F(uint8_t, hob_feature) /* previous writes (LBA48 high order bytes) */       \
  F(uint8_t, hob_nsect)                                                        \
  F(uint8_t, hob_sector)                                                       \
  F(uint8_t, hob_lcyl)                                                         \
  F(uint8_t, hob_hcyl)                                                         \
  FR(uint16_t, cur_heads, 0, 16) /* CHS translation (INIT. DEVICE PARAMETERS) */ \
  FR(uint16_t, cur_spt, 0, 255)                                                \
  FR(uint16_t, mult, 0, IDE_MAX_MULT) /* sectors per READ/WRITE MULTIPLE block, 0 = off */ \
  F(bool, wcache)         /* write cache enabled (SET FEATURES 02h/82h) */     \
  FR(uint8_t, sense_key, 0, 15) /* ATAPI sense data */                         \
  F(uint8_t, asc)                                                              \
  F(uint8_t, ascq)                                                             \
  F(bool, locked)         /* ATAPI PREVENT MEDIUM REMOVAL */                   \
  F(bool, media_changed)  /* ATAPI: a medium went in or out (UNIT ATTENTION once) */ \
  FR(uint8_t, xfer_mode, 0, 0xff) /* SET FEATURES 03h mode: 08h+n PIO, 20h+n MWDMA, 40h+n UDMA */

typedef struct IdeDrive {
  SAVE_DECLARE(IDE_DRIVE_FIELDS)
  Disk *disk;       /* backing image (not owned), NULL if none */
  uint8_t attached; /* type the machine attached (a restore keeps it, not the saved one) */
  uint16_t cyls;    /* default geometry for IDENTIFY */
  uint16_t heads;
  uint16_t spt;
} IdeDrive;
#define IDE_DRIVE_VERSION 3 /* 2: media_changed, 3: xfer_mode */

/* Transfer kinds in IdeChannel.xfer. */
enum { IDE_X_NONE, IDE_X_ATA_IN, IDE_X_ATA_OUT, IDE_X_PACKET, IDE_X_ATAPI_IN,
       IDE_X_DMA_IN, IDE_X_DMA_OUT /* READ/WRITE DMA: the bus master moves the sectors */ };

#define IDE_CHANNEL_FIELDS(F, A, S, FR, AR)                                    \
  S(IdeDrive, drive, 2, ide_drive_table) /* master, slave */                   \
  FR(uint8_t, cur, 0, 1)  /* selected drive (DEV bit): indexes drive[] */      \
  F(uint8_t, control)     /* device control register */                        \
  F(bool, irq_pending)    /* INTRQ asserted by the drive */                    \
  F(uint8_t, cmd)         /* command in progress */                            \
  FR(uint8_t, xfer, 0, IDE_X_DMA_OUT) /* IDE_X_* */                            \
  FR(uint32_t, pos, 0, IDE_BUF_SIZE) /* next byte of buf (packet) to transfer */ \
  FR(uint32_t, end, 0, IDE_BUF_SIZE) /* end of the current DRQ block in buf */ \
  FR(uint32_t, buf_len, 0, IDE_BUF_SIZE) /* valid bytes in buf (ATAPI) */      \
  FR(uint64_t, lba, 0, 1ull << 48) /* next sector to transfer (LBA48 at most) */ \
  FR(uint32_t, remaining, 0, UINT32_MAX) /* sectors left (any: disk_read bounds) */ \
  FR(uint16_t, block, 0, IDE_MAX_MULT) /* sectors per DRQ block (read into buf) */ \
  F(uint16_t, byte_limit) /* ATAPI byte count limit */                         \
  FR(uint32_t, atapi_left, 0, UINT32_MAX) /* ATAPI bytes left to send (any) */ \
  A(uint8_t, packet, IDE_PACKET_SIZE) /* ATAPI command packet */               \
  A(uint8_t, buf, IDE_BUF_SIZE) /* data buffer */

typedef struct IdeChannel {
  SAVE_DECLARE(IDE_CHANNEL_FIELDS)
  IrqLine irq;          /* IRQ14 or IRQ15 */
  const char *name;     /* "ide0", also the save chunk name */
  uint16_t base;        /* command block ports */
  uint16_t ctl;         /* device control / alternate status port */
  bool line;            /* level currently driven on irq */
  /* A bus-master DMA controller (piix_ide.h), or NULL: without one the
   * drives claim no DMA modes and abort DMA commands.  dma_kick runs when
   * a READ/WRITE DMA command is ready for data, irq_hook each time the
   * drive asserts INTRQ (the controller's interrupt status bit). */
  void (*dma_kick)(void *opaque);
  void (*irq_hook)(void *opaque);
  void *dma_opaque;
  Device dev;           /* chunk `name`, and "NAME.diskU" overlays of snapshot disks */
} IdeChannel;
#define IDE_CHANNEL_VERSION 1

const SaveTable *ide_drive_table(void);
const SaveTable *ide_channel_table(void);

/* Create a channel and register its ports (base..base+7 and ctl). bus may be
 * NULL (tests call ide_ioport_* directly). Returns NULL on failure. */
IdeChannel *ide_new(IoBus *bus, uint16_t base, uint16_t ctl, IrqLine irq, const char *name);
void ide_free(IdeChannel *ch);
/* Attach an image to unit 0 (master) or 1 (slave): a DISK_CDROM image
 * becomes an ATAPI CD-ROM drive, anything else a hard disk. The disk is not
 * owned. Returns 0 or -1. */
int ide_attach(IdeChannel *ch, int unit, Disk *disk);
/* Change the medium of an ATAPI drive (NULL: eject).  The guest sees
 * UNIT ATTENTION (medium may have changed) at its next command, and NOT
 * READY (medium not present) while the drive is empty.  The disk is not
 * owned. Returns 0, or -1 if unit is not a CD-ROM drive. */
int ide_change_media(IdeChannel *ch, int unit, Disk *disk);
/* An ATAPI CD-ROM drive with no disc in it (a later ide_change_media inserts one). */
int ide_attach_empty_cd(IdeChannel *ch, int unit);

/* Port access (what the IoBus callbacks call). */
uint32_t ide_ioport_read(IdeChannel *ch, uint16_t port, int size);
void ide_ioport_write(IdeChannel *ch, uint16_t port, int size, uint32_t value);

/* Bus-master DMA, for the controller: is a DMA command waiting for data
 * (*to_mem: a read, the sectors go to memory)?  ide_dma_read_sector puts
 * the next sector in buf (0, or -1: the command failed, with its status
 * and IRQ); ide_dma_next then counts it done, ending the command (status,
 * IRQ) after the last.  ide_dma_write_sector writes buf as the next sector
 * and counts it (0 or -1, the command ends as the read's). */
bool ide_dma_pending(const IdeChannel *ch, bool *to_mem);
int ide_dma_read_sector(IdeChannel *ch, uint8_t *buf);
void ide_dma_next(IdeChannel *ch);
int ide_dma_write_sector(IdeChannel *ch, const uint8_t *buf);

/* Power-on reset (opaque = IdeChannel *). */
void ide_reset(void *opaque);

#endif
