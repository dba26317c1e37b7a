/*
 * dma8237.h — the PC's two Intel 8237A DMA controllers and the 74LS612
 * page registers.
 *
 * Controller 1 (ports 00h-0Fh) serves 8-bit channels 0-3; controller 2
 * (ports C0h-DEh, registers at even addresses) serves 16-bit channels 4-7
 * (channel 4 cascades controller 1).  Page registers: 87h/83h/81h/82h for
 * channels 0-3, 8Fh/8Bh/89h/8Ah for 4-7 (the others in 81h-8Fh are
 * scratch; port 80h belongs to the POST code latch).
 *
 * Devices move data with dma_write_mem (device -> memory, a "write"
 * transfer) and dma_read_mem (memory -> device); each call moves bytes
 * until its buffer ends or the channel reaches terminal count, as a DREQ
 * held active would.  Memory writes go through mem_write_bytes, so DMA
 * into a page holding code invalidates it like a CPU store.
 */
#ifndef X86VM_DMA8237_H
#define X86VM_DMA8237_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "iobus.h"
#include "mem.h"
#include "savestate.h"

/* Mode register fields. */
#define DMA_MODE_TYPE(m)  (((m) >> 2) & 3) /* 0 verify, 1 write to memory, 2 read from memory */
#define DMA_MODE_AUTOINIT 0x10
#define DMA_MODE_DEC      0x20

#define DMA_CHANNEL_FIELDS(F, A, S, FR, AR)                                  \
  F(uint16_t, base_addr)   /* base address register */                       \
  FR(uint16_t, base_count, 0, 0xffff) /* base count register (transfers - 1; any) */ \
  FR(uint16_t, cur_addr, 0, 0xffff) /* current address (any: 64 KiB wrap) */ \
  FR(uint16_t, cur_count, 0, 0xffff) /* current count (any) */               \
  FR(uint8_t, mode, 0, 0xff) /* mode register (any: every field decoded) */  \
  F(uint8_t, page)         /* page register (address bits 23:16) */          \
  F(bool, tc)              /* the last transfer reached terminal count */

typedef struct DmaChannel {
  SAVE_DECLARE(DMA_CHANNEL_FIELDS)
} DmaChannel;
#define DMA_CHANNEL_VERSION 1

#define DMA_CTRL_FIELDS(F, A, S, FR, AR)                             \
  F(bool, flipflop)        /* byte pointer: false = low byte next */ \
  FR(uint8_t, mask, 0, 0x0f) /* mask bits, one per channel */        \
  F(uint8_t, status)       /* TC bits 0-3, request bits 4-7 */       \
  F(uint8_t, command)      /* command register */                    \
  FR(uint8_t, request, 0, 0x0f) /* software request bits */          \
  F(uint8_t, temp)         /* temporary register */

typedef struct DmaCtrl {
  SAVE_DECLARE(DMA_CTRL_FIELDS)
} DmaCtrl;
#define DMA_CTRL_VERSION 1

#define DMA8237_FIELDS(F, A, S, FR, AR)                             \
  S(DmaChannel, ch, 8, dma_channel_table) /* channels 0-7 */        \
  S(DmaCtrl, ctrl, 2, dma_ctrl_table)     /* 8-bit, 16-bit */       \
  A(uint8_t, pages, 16)                   /* 80h-8Fh latches (scratch ones too) */

typedef struct Dma8237 {
  SAVE_DECLARE(DMA8237_FIELDS)
  Mem *mem;             /* guest memory */
  Device dev;           /* "dma" */
} Dma8237;
#define DMA8237_VERSION 1

const SaveTable *dma_channel_table(void);
const SaveTable *dma_ctrl_table(void);
const SaveTable *dma8237_table(void);

/* Create both controllers and register their ports (bus may be NULL). */
Dma8237 *dma_new(IoBus *bus, Mem *mem);
void dma_free(Dma8237 *dma);

uint32_t dma_ioport_read(Dma8237 *dma, uint16_t port);
void dma_ioport_write(Dma8237 *dma, uint16_t port, uint8_t value);

/* True when channel chan is unmasked (ready to serve a DREQ). */
bool dma_channel_ready(const Dma8237 *dma, int chan);
/* Device -> memory: moves up to len bytes (16-bit channels: whole words);
 * returns the bytes moved, < len when terminal count cut it short. */
uint32_t dma_write_mem(Dma8237 *dma, int chan, const void *src, uint32_t len);
/* Memory -> device: same, reading guest memory into dst. */
uint32_t dma_read_mem(Dma8237 *dma, int chan, void *dst, uint32_t len);
/* Terminal count reached by the last transfer on chan (latched in status). */
bool dma_terminal_count(const Dma8237 *dma, int chan);

/* Power-on state (opaque = Dma8237 *); Dma8237.dev declares the chunk "dma". */
void dma_reset(void *opaque);

#endif
