/*
 * dma8237.c — 8237A DMA controller pair and page registers (see dma8237.h).
 */
#include "dma8237.h"

#include <stdlib.h>
#include <string.h>

SAVE_TABLE_DEFINE(dma_channel_table, DmaChannel, DMA_CHANNEL_FIELDS, DMA_CHANNEL_VERSION)
SAVE_TABLE_DEFINE(dma_ctrl_table, DmaCtrl, DMA_CTRL_FIELDS, DMA_CTRL_VERSION)
SAVE_TABLE_DEFINE(dma8237_table, Dma8237, DMA8237_FIELDS, DMA8237_VERSION)

/* Page register port (low nibble) of each channel. */
static const uint8_t page_port[8] = {0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa};

static void master_clear(DmaCtrl *c) {
  c->flipflop = false;
  c->mask = 0x0f;
  c->status = 0;
  c->command = 0;
  c->request = 0;
  c->temp = 0;
}

void dma_reset(void *opaque) {
  Dma8237 *dma = opaque;
  memset(dma->ch, 0, sizeof(dma->ch));
  memset(dma->pages, 0, sizeof(dma->pages));
  master_clear(&dma->ctrl[0]);
  master_clear(&dma->ctrl[1]);
}

/* Register access for controller ci, register reg (0-15). */
static uint8_t ctrl_read(Dma8237 *dma, int ci, int reg) {
  DmaCtrl *c = &dma->ctrl[ci];
  if (reg < 8) {
    DmaChannel *ch = &dma->ch[ci * 4 + reg / 2];
    uint16_t v = (reg & 1) ? ch->cur_count : ch->cur_addr;
    bool hi = c->flipflop;
    c->flipflop = !c->flipflop;
    return (uint8_t)(hi ? v >> 8 : v);
  }
  switch (reg) {
  case 8: { /* status: reading clears the TC bits */
    uint8_t v = (uint8_t)(c->status | (c->request << 4));
    c->status &= 0xf0;
    return v;
  }
  case 13:
    return c->temp;
  case 15: /* mask register (readable on later parts) */
    return (uint8_t)(0xf0 | c->mask);
  }
  return 0xff;
}

static void ctrl_write(Dma8237 *dma, int ci, int reg, uint8_t v) {
  DmaCtrl *c = &dma->ctrl[ci];
  if (reg < 8) {
    DmaChannel *ch = &dma->ch[ci * 4 + reg / 2];
    uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_addr;
    uint16_t *cur = (reg & 1) ? &ch->cur_count : &ch->cur_addr;
    if (c->flipflop)
      *base = (uint16_t)((*base & 0x00ff) | v << 8);
    else
      *base = (uint16_t)((*base & 0xff00) | v);
    *cur = *base; /* writing the base also loads the current register */
    c->flipflop = !c->flipflop;
    return;
  }
  switch (reg) {
  case 8: c->command = v; break;
  case 9:
    if (v & 4)
      c->request |= (uint8_t)(1u << (v & 3));
    else
      c->request &= (uint8_t)~(1u << (v & 3));
    break;
  case 10:
    if (v & 4)
      c->mask |= (uint8_t)(1u << (v & 3));
    else
      c->mask &= (uint8_t)~(1u << (v & 3));
    break;
  case 11: dma->ch[ci * 4 + (v & 3)].mode = v; break;
  case 12: c->flipflop = false; break;
  case 13: master_clear(c); break;
  case 14: c->mask = 0; break;
  case 15: c->mask = v & 0x0f; break;
  }
}

uint32_t dma_ioport_read(Dma8237 *dma, uint16_t port) {
  if (port <= 0x0f)
    return ctrl_read(dma, 0, port);
  if (port >= 0xc0 && port <= 0xdf)
    return (port & 1) ? 0xff : ctrl_read(dma, 1, (port - 0xc0) >> 1);
  if (port >= 0x80 && port <= 0x8f)
    return dma->pages[port & 0x0f];
  return 0xff;
}

void dma_ioport_write(Dma8237 *dma, uint16_t port, uint8_t value) {
  if (port <= 0x0f) {
    ctrl_write(dma, 0, port, value);
  } else if (port >= 0xc0 && port <= 0xdf) {
    if (!(port & 1))
      ctrl_write(dma, 1, (port - 0xc0) >> 1, value);
  } else if (port >= 0x80 && port <= 0x8f) {
    dma->pages[port & 0x0f] = value;
    for (int i = 0; i < 8; i++)
      if (page_port[i] == (port & 0x0f))
        dma->ch[i].page = value;
  }
}

static uint32_t dma_io_read(void *opaque, uint16_t port, int size) {
  return dma_ioport_read(opaque, port);
}
static void dma_io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  dma_ioport_write(opaque, port, (uint8_t)value);
}

bool dma_channel_ready(const Dma8237 *dma, int chan) {
  if (chan < 0 || chan > 7)
    return false;
  const DmaCtrl *c = &dma->ctrl[chan / 4];
  if (c->command & 0x04) /* controller disabled */
    return false;
  return !(c->mask >> (chan & 3) & 1);
}

bool dma_terminal_count(const Dma8237 *dma, int chan) {
  return chan >= 0 && chan < 8 && dma->ch[chan].tc;
}

/* Move up to len bytes between buf and guest memory. */
static uint32_t transfer(Dma8237 *dma, int chan, uint8_t *buf, uint32_t len, bool to_mem) {
  if (!dma_channel_ready(dma, chan))
    return 0;
  DmaChannel *ch = &dma->ch[chan];
  DmaCtrl *c = &dma->ctrl[chan / 4];
  bool wide = chan >= 4;
  uint32_t unit = wide ? 2 : 1;
  int type = DMA_MODE_TYPE(ch->mode);
  bool dec = ch->mode & DMA_MODE_DEC;
  uint32_t done = 0;
  ch->tc = false;
  while (done + unit <= len) {
    /* A run of units up to terminal count or the 64K (128K) wrap. */
    uint32_t units = (uint32_t)ch->cur_count + 1;
    if (!dec) {
      uint32_t to_wrap = 0x10000u - ch->cur_addr;
      if (units > to_wrap)
        units = to_wrap;
    } else {
      units = 1;
    }
    if (units > (len - done) / unit)
      units = (len - done) / unit;
    uint32_t pa = wide ? ((uint32_t)(ch->page & 0xfe) << 16) | ((uint32_t)ch->cur_addr << 1)
                       : ((uint32_t)ch->page << 16) | ch->cur_addr;
    uint32_t bytes = units * unit;
    if (to_mem && type == 1)
      mem_write_bytes(dma->mem, pa, buf + done, bytes);
    else if (!to_mem && type == 2)
      mem_read_bytes(dma->mem, pa, buf + done, bytes);
    else if (!to_mem)
      memset(buf + done, 0xff, bytes); /* verify or wrong direction: no memory read */
    done += bytes;
    ch->cur_addr = (uint16_t)(dec ? ch->cur_addr - units : ch->cur_addr + units);
    uint16_t old = ch->cur_count;
    ch->cur_count = (uint16_t)(ch->cur_count - units);
    if ((uint32_t)old + 1 == units) { /* terminal count */
      ch->tc = true;
      c->status |= (uint8_t)(1u << (chan & 3));
      c->request &= (uint8_t)~(1u << (chan & 3));
      if (ch->mode & DMA_MODE_AUTOINIT) {
        ch->cur_addr = ch->base_addr;
        ch->cur_count = ch->base_count;
      } else {
        c->mask |= (uint8_t)(1u << (chan & 3));
      }
      break;
    }
  }
  return done;
}

uint32_t dma_write_mem(Dma8237 *dma, int chan, const void *src, uint32_t len) {
  return transfer(dma, chan, (uint8_t *)src, len, true);
}

uint32_t dma_read_mem(Dma8237 *dma, int chan, void *dst, uint32_t len) {
  return transfer(dma, chan, dst, len, false);
}

Dma8237 *dma_new(IoBus *bus, Mem *mem) {
  Dma8237 *dma = calloc(1, sizeof(*dma));
  if (!dma)
    return NULL;
  dma->mem = mem;
  dma->dev = (Device){.name = "dma", .opaque = dma, .reset = dma_reset,
                      .chunk = {{.state = dma, .table = dma8237_table}}};
  dma_reset(dma);
  if (bus) {
    if (iobus_register_ex(bus, 0x00, 0x10, dma_io_read, dma_io_write, dma, "dma1", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0xc0, 0x20, dma_io_read, dma_io_write, dma, "dma2", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x81, 0x0f, dma_io_read, dma_io_write, dma, "dma-page",
                          IOBUS_8BIT)) {
      free(dma);
      return NULL;
    }
  }
  return dma;
}

void dma_free(Dma8237 *dma) { free(dma); }
