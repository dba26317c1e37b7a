/*
 * fdc.h — Intel 82077AA-style floppy disk controller (AT mode) at
 * 3F0h-3F5h and 3F7h (3F6h belongs to the primary IDE channel), IRQ 6,
 * DMA channel 2.
 *
 * Registers: DOR (3F2h), TDR (3F3h), MSR/DSR (3F4h), data FIFO (3F5h),
 * DIR/CCR (3F7h).  Commands: SPECIFY, SENSE DRIVE STATUS, RECALIBRATE,
 * SEEK, SENSE INTERRUPT STATUS, READ DATA, WRITE DATA, READ ID, FORMAT
 * TRACK, VERSION, CONFIGURE, DUMPREG, LOCK, PERPENDICULAR MODE.  Data moves
 * by DMA (channel 2), or through the FIFO one byte at a time when SPECIFY
 * selected non-DMA mode (READ/WRITE DATA; an IRQ per byte, and with no
 * terminal count the transfer runs to EOT).  Seeks and DMA transfers
 * complete at once; the IRQ rises when the command's last byte is written.
 * Reference: Intel 82077AA datasheet (290166).
 */
#ifndef X86VM_FDC_H
#define X86VM_FDC_H

#include <stdbool.h>
#include <stdint.h>

#include "disk.h"
#include "device.h"
#include "dma8237.h"
#include "iobus.h"
#include "irq.h"
#include "savestate.h"

#define FDC_DMA_CHANNEL 2
#define FDC_CMD_MAX 16 /* command bytes kept (the longest command has 9) */
#define FDC_RES_MAX 16 /* result bytes kept (the longest result has 10) */
#define FDC_SECTOR 512 /* bytes per sector */

#define FDC_DRIVE_FIELDS(F, A, S, FR, AR)                           \
  F(uint8_t, cyl)          /* present cylinder number (PCN) */      \
  FR(uint8_t, head, 0, 1)  /* last head used */                     \
  F(uint8_t, sect)         /* last sector used (READ ID) */         \
  F(bool, changed)         /* disk change line (DIR bit 7) */       \
  F(bool, int_pending)     /* seek/recalibrate done, not sensed */  \
  F(uint8_t, st0)          /* ST0 for SENSE INTERRUPT STATUS */

typedef struct FdcDrive {
  SAVE_DECLARE(FDC_DRIVE_FIELDS)
  Disk *disk;              /* inserted image (not owned), NULL if empty */
} FdcDrive;
#define FDC_DRIVE_VERSION 1

/* Phases (FDC_EXEC: non-DMA data transfer through the FIFO). */
enum { FDC_IDLE, FDC_COMMAND, FDC_RESULT, FDC_EXEC };

#define FDC_FIELDS(F, A, S, FR, AR)                                      \
  S(FdcDrive, drive, 4, fdc_drive_table) /* drives 0-3 (A:, B:, ...) */  \
  F(uint8_t, dor)          /* digital output register */                 \
  FR(uint8_t, tdr, 0, 3)   /* tape drive register */                     \
  FR(uint8_t, dsr, 0, 0x7f) /* data rate select register */              \
  FR(uint8_t, ccr, 0, 3)   /* configuration control (data rate) */       \
  FR(uint8_t, phase, FDC_IDLE, FDC_EXEC) /* FDC_IDLE / _COMMAND / _RESULT / _EXEC */ \
  A(uint8_t, cmd, FDC_CMD_MAX) /* command bytes received */              \
  FR(uint8_t, cmd_len, 0, FDC_CMD_MAX) /* bytes received so far (indexes cmd) */ \
  FR(uint8_t, cmd_need, 0, FDC_CMD_MAX) /* bytes the command takes */    \
  A(uint8_t, res, FDC_RES_MAX) /* result bytes */                        \
  FR(uint8_t, res_len, 0, FDC_RES_MAX) /* result bytes in res */         \
  FR(uint8_t, res_pos, 0, FDC_RES_MAX) /* next result byte to read (indexes res) */ \
  F(uint8_t, srt_hut)      /* SPECIFY parameters */                      \
  F(uint8_t, hlt_nd)                                                     \
  F(uint8_t, config)       /* CONFIGURE: EIS/EFIFO/POLL/FIFOTHR */       \
  F(uint8_t, pretrk)       /* CONFIGURE: precompensation track */        \
  F(bool, lock)            /* LOCK: config survives software resets */   \
  F(uint8_t, perp)         /* PERPENDICULAR MODE byte */                 \
  FR(uint8_t, reset_sense, 0, 4) /* drives still to sense after a reset (drive[4 - n]) */ \
  F(bool, irq_level)       /* IRQ 6 asserted */                          \
  F(bool, x_write)         /* non-DMA execution: host -> disk */         \
  FR(uint16_t, x_pos, 0, FDC_SECTOR - 1) /* next byte of x_buf */        \
  A(uint8_t, x_buf, FDC_SECTOR) /* sector being transferred */           \
  A(uint8_t, x_chs, 3)     /* its cylinder, head, sector */

typedef struct Fdc {
  SAVE_DECLARE(FDC_FIELDS)
  Dma8237 *dma;            /* for channel 2 */
  IrqLine irq;             /* IRQ 6 */
  bool line;               /* level currently driven */
  uint8_t track_buf[36 * 512]; /* one track (FORMAT TRACK scratch) */
  Device dev;              /* "fdc", and "fdc.diskN" overlays of snapshot disks */
} Fdc;
#define FDC_VERSION 2

const SaveTable *fdc_drive_table(void);
const SaveTable *fdc_table(void);

/* Create the controller and register 3F0h-3F5h and 3F7h (bus may be NULL). */
Fdc *fdc_new(IoBus *bus, Dma8237 *dma, IrqLine irq);
void fdc_free(Fdc *fdc);
/* Insert a DISK_FLOPPY image in drive unit (0-3); NULL ejects. The disk is
 * not owned. Sets the disk change line. Returns 0 or -1. */
int fdc_attach(Fdc *fdc, int unit, Disk *disk);

uint32_t fdc_ioport_read(Fdc *fdc, uint16_t port);
void fdc_ioport_write(Fdc *fdc, uint16_t port, uint8_t value);

/* Power-on state (opaque = Fdc *). */
void fdc_reset(void *opaque);

#endif
