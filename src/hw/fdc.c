/*
 * fdc.c — 82077AA-style floppy disk controller (see fdc.h).
 */
#include "fdc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The phase against its buffers: command bytes are stored at cmd[cmd_len]
 * until cmd_need, result bytes read from res[res_pos] until res_len, and a
 * non-DMA transfer works on the disk of the drive its command names, which
 * must be in this machine (live). */
static int fdc_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Fdc *s = saved, *l = live;
  if (s->phase == FDC_COMMAND && (s->cmd_len == 0 || s->cmd_len >= s->cmd_need))
    return save_reject_field(r, chunk, "cmd_len", s->cmd_len,
                             "in the command phase, with 'cmd_need' = %u", s->cmd_need);
  if (s->phase == FDC_RESULT && s->res_pos >= s->res_len)
    return save_reject_field(r, chunk, "res_pos", s->res_pos,
                             "in the result phase, with 'res_len' = %u", s->res_len);
  if (s->phase == FDC_EXEC && !l->drive[s->cmd[1] & 3].disk)
    return save_reject_field(r, chunk, "phase", s->phase,
                             "(a transfer) on drive %d, which has no disk here", s->cmd[1] & 3);
  return 0;
}

SAVE_TABLE_DEFINE(fdc_drive_table, FdcDrive, FDC_DRIVE_FIELDS, FDC_DRIVE_VERSION)
SAVE_TABLE_DEFINE_CHECKED(fdc_table, Fdc, FDC_FIELDS, FDC_VERSION, fdc_valid)

/* MSR bits. */
#define MSR_RQM  0x80
#define MSR_DIO  0x40
#define MSR_NDMA 0x20
#define MSR_CB   0x10
/* DOR bits. */
#define DOR_NRESET 0x04
#define DOR_DMAEN  0x08
/* ST0 bits. */
#define ST0_AT   0x40 /* abnormal termination */
#define ST0_IC   0xc0 /* invalid command */
#define ST0_SE   0x20 /* seek end */
#define ST0_EC   0x10 /* equipment check */
/* ST1 bits. */
#define ST1_EN   0x80 /* end of cylinder */
#define ST1_OR   0x10 /* overrun (DMA did not serve the transfer) */
#define ST1_ND   0x04 /* no data */
#define ST1_NW   0x02 /* not writable */
#define ST1_MA   0x01 /* missing address mark */

/* ---- IRQ ---- */

static void update_irq(Fdc *f) {
  bool level = f->irq_level && (f->dor & DOR_DMAEN);
  if (level != f->line) {
    f->line = level;
    irq_set(&f->irq, level);
  }
}

static void set_irq(Fdc *f, bool on) {
  f->irq_level = on;
  update_irq(f);
}

/* ---- reset ---- */

static void controller_reset(Fdc *f, bool power_on) {
  f->phase = FDC_IDLE;
  f->cmd_len = f->cmd_need = 0;
  f->res_len = f->res_pos = 0;
  f->perp = 0;
  if (power_on || !f->lock) {
    f->config = 0x20; /* EFIFO set: FIFO disabled (8272 compatible) */
    f->pretrk = 0;
  }
  for (int i = 0; i < 4; i++) {
    f->drive[i].int_pending = false;
    f->drive[i].st0 = 0;
  }
  /* After a reset the controller interrupts and expects one SENSE
   * INTERRUPT STATUS per drive (ST0 = C0h | drive). */
  if (!power_on) {
    f->reset_sense = 4;
    set_irq(f, true);
  } else {
    f->reset_sense = 0;
    set_irq(f, false);
  }
}

void fdc_reset(void *opaque) {
  Fdc *f = opaque;
  for (int i = 0; i < 4; i++) {
    FdcDrive *d = &f->drive[i];
    d->cyl = d->head = 0;
    d->sect = 1;
    d->changed = true; /* media (or its absence) not yet acknowledged */
  }
  f->dor = DOR_NRESET; /* reset released, DMA/IRQ gate off, motors off */
  f->tdr = 0;
  f->dsr = 0x02;
  f->ccr = 0;
  f->srt_hut = f->hlt_nd = 0;
  f->lock = false;
  controller_reset(f, true);
}

/* ---- commands ---- */

/* Bytes each command takes (by the low 5 bits), 0 = invalid. */
static int command_length(uint8_t c) {
  switch (c & 0x1f) {
  case 0x03: return 3; /* SPECIFY */
  case 0x04: return 2; /* SENSE DRIVE STATUS */
  case 0x05: return 9; /* WRITE DATA */
  case 0x06: return 9; /* READ DATA */
  case 0x07: return 2; /* RECALIBRATE */
  case 0x08: return 1; /* SENSE INTERRUPT STATUS */
  case 0x0a: return 2; /* READ ID */
  case 0x0d: return 6; /* FORMAT TRACK */
  case 0x0e: return 1; /* DUMPREG */
  case 0x0f: return 3; /* SEEK */
  case 0x10: return 1; /* VERSION */
  case 0x12: return 2; /* PERPENDICULAR MODE */
  case 0x13: return 4; /* CONFIGURE */
  case 0x14: return 1; /* LOCK / UNLOCK */
  }
  return 0;
}

static void result(Fdc *f, const uint8_t *bytes, int n, bool irq) {
  memcpy(f->res, bytes, (size_t)n);
  f->res_len = (uint8_t)n;
  f->res_pos = 0;
  f->phase = n ? FDC_RESULT : FDC_IDLE;
  if (irq)
    set_irq(f, true);
}

/* Seven-byte result of READ/WRITE/READ ID/FORMAT. */
static void rw_result(Fdc *f, uint8_t st0, uint8_t st1, uint8_t st2, uint8_t c, uint8_t h,
                      uint8_t r, uint8_t n) {
  uint8_t res[7] = {st0, st1, st2, c, h, r, n};
  result(f, res, 7, true);
}

static void seek_done(Fdc *f, int ds, uint8_t cyl, bool ok) {
  FdcDrive *d = &f->drive[ds];
  d->cyl = cyl;
  d->int_pending = true;
  d->st0 = (uint8_t)(ST0_SE | ds | (d->head << 2) | (ok ? 0 : (ST0_AT | ST0_EC)));
  if (d->disk && ok)
    d->changed = false; /* a step with a disk in the drive clears the change line */
  f->phase = FDC_IDLE;
  set_irq(f, true);
}

/* Address of the sector after (cyl, head, sec) on a track ending at eot;
 * returns true when the transfer leaves the track (or cylinder, with MT). */
static bool next_sector(uint8_t *cyl, uint8_t *head, uint8_t *sec, uint8_t eot, bool mt,
                        uint32_t heads, bool *done) {
  if (*sec < eot) {
    (*sec)++;
    *done = false;
    return false;
  }
  *sec = 1;
  if (mt && *head == 0 && heads > 1) {
    *head = 1;
    *done = false;
  } else {
    *head = mt ? 0 : *head;
    (*cyl)++;
    *done = true;
  }
  return true;
}

/* ---- non-DMA execution phase ---- */

static uint64_t chs_lba(const Disk *disk, uint8_t c, uint8_t h, uint8_t s) {
  return ((uint64_t)c * disk->heads + h) * disk->spt + (uint64_t)(s - 1);
}

/* Load x_chs's sector for a PIO read. Returns false on a disk error. */
static bool pio_load(Fdc *f, Disk *disk) {
  f->x_pos = 0;
  return disk_read(disk, chs_lba(disk, f->x_chs[0], f->x_chs[1], f->x_chs[2]), 1, f->x_buf) == 0;
}

static void pio_start(Fdc *f, bool write) {
  FdcDrive *d = &f->drive[f->cmd[1] & 3];
  f->x_write = write;
  f->x_chs[0] = f->cmd[2];
  f->x_chs[1] = f->cmd[3];
  f->x_chs[2] = f->cmd[4];
  f->x_pos = 0;
  if (!write && !pio_load(f, d->disk)) {
    rw_result(f, (uint8_t)(ST0_AT | (f->cmd[1] & 7)), ST1_ND, 0, f->x_chs[0], f->x_chs[1],
              f->x_chs[2], f->cmd[5]);
    return;
  }
  f->phase = FDC_EXEC;
  set_irq(f, true); /* RQM: the first byte is wanted (or ready) */
}

/* A whole sector went through the FIFO: move on or finish. */
static void pio_sector_done(Fdc *f) {
  const uint8_t *c = f->cmd;
  int ds = c[1] & 3;
  FdcDrive *d = &f->drive[ds];
  Disk *disk = d->disk;
  if (f->x_write &&
      disk_write(disk, chs_lba(disk, f->x_chs[0], f->x_chs[1], f->x_chs[2]), 1, f->x_buf) != 0) {
    rw_result(f, (uint8_t)(ST0_AT | ds | f->x_chs[1] << 2), ST1_NW, 0, f->x_chs[0], f->x_chs[1],
              f->x_chs[2], c[5]);
    return;
  }
  d->sect = f->x_chs[2];
  bool done;
  uint8_t head = f->x_chs[1];
  next_sector(&f->x_chs[0], &f->x_chs[1], &f->x_chs[2], c[6], c[0] & 0x80, disk->heads, &done);
  if (done) { /* no terminal count without DMA: the transfer runs off the track */
    rw_result(f, (uint8_t)(ST0_AT | ds | head << 2), ST1_EN, 0, f->x_chs[0], f->x_chs[1],
              f->x_chs[2], c[5]);
    return;
  }
  d->head = f->x_chs[1];
  if (!f->x_write && !pio_load(f, disk)) {
    rw_result(f, (uint8_t)(ST0_AT | ds | f->x_chs[1] << 2), ST1_ND, 0, f->x_chs[0], f->x_chs[1],
              f->x_chs[2], c[5]);
    return;
  }
  f->x_pos = 0;
  set_irq(f, true);
}

static uint8_t pio_read_byte(Fdc *f) {
  if (f->x_write)
    return 0xff;
  set_irq(f, false);
  uint8_t v = f->x_buf[f->x_pos++];
  if (f->x_pos >= FDC_SECTOR)
    pio_sector_done(f);
  else
    set_irq(f, true);
  return v;
}

static void pio_write_byte(Fdc *f, uint8_t v) {
  if (!f->x_write)
    return;
  set_irq(f, false);
  f->x_buf[f->x_pos++] = v;
  if (f->x_pos >= FDC_SECTOR)
    pio_sector_done(f);
  else
    set_irq(f, true);
}

static void cmd_read_write(Fdc *f, bool write) {
  const uint8_t *c = f->cmd;
  bool mt = c[0] & 0x80;
  int ds = c[1] & 3;
  uint8_t hd = (c[1] >> 2) & 1;
  uint8_t cyl = c[2], head = c[3], sec = c[4], n = c[5], eot = c[6];
  FdcDrive *d = &f->drive[ds];
  uint8_t st0 = (uint8_t)(ds | hd << 2);
  Disk *disk = d->disk;
  if (!disk) {
    rw_result(f, st0 | ST0_AT, ST1_MA, 0, cyl, head, sec, n);
    return;
  }
  if (write && !disk_writable(disk)) {
    rw_result(f, st0 | ST0_AT, ST1_NW, 0, cyl, head, sec, n);
    return;
  }
  uint32_t spt = disk->spt, heads = disk->heads;
  if (n != 2 || cyl >= disk->cylinders || head >= heads || sec == 0 || sec > spt) {
    rw_result(f, st0 | ST0_AT, ST1_ND, 0, cyl, head, sec, n);
    return;
  }
  d->cyl = cyl; /* implied seek */
  d->head = head;
  if (f->hlt_nd & 1) { /* non-DMA mode */
    pio_start(f, write);
    return;
  }
  uint8_t buf[512];
  for (;;) {
    uint64_t lba = ((uint64_t)cyl * heads + head) * spt + (uint64_t)(sec - 1);
    uint32_t moved;
    if (write) {
      moved = dma_read_mem(f->dma, FDC_DMA_CHANNEL, buf, 512);
      if (moved < 512)
        memset(buf + moved, 0, 512 - moved);
      if (moved && disk_write(disk, lba, 1, buf) != 0) {
        rw_result(f, st0 | ST0_AT, ST1_NW, 0, cyl, head, sec, n);
        return;
      }
    } else {
      if (disk_read(disk, lba, 1, buf) != 0) {
        rw_result(f, st0 | ST0_AT, ST1_ND, 0, cyl, head, sec, n);
        return;
      }
      moved = dma_write_mem(f->dma, FDC_DMA_CHANNEL, buf, 512);
    }
    if (moved == 0) { /* DMA masked: nothing serves the transfer (overrun) */
      rw_result(f, st0 | ST0_AT, ST1_OR, 0, cyl, head, sec, n);
      return;
    }
    d->sect = sec;
    bool tc = dma_terminal_count(f->dma, FDC_DMA_CHANNEL);
    /* Address of the sector after this one. */
    uint8_t nc = cyl, nh = head, ns = (uint8_t)(sec + 1);
    bool end_of_track = sec >= eot;
    if (end_of_track) {
      ns = 1;
      if (mt && head == 0 && heads > 1)
        nh = 1;
      else {
        nh = mt ? 0 : head;
        nc = (uint8_t)(cyl + 1);
      }
    }
    if (tc) {
      rw_result(f, st0, 0, 0, nc, nh, ns, n);
      return;
    }
    if (end_of_track && !(mt && head == 0 && heads > 1)) {
      /* Ran off the end of the (last) track without terminal count. */
      rw_result(f, st0 | ST0_AT, ST1_EN, 0, nc, nh, ns, n);
      return;
    }
    cyl = nc;
    head = nh;
    sec = ns;
    st0 = (uint8_t)(ds | head << 2);
    d->head = head;
  }
}

static void cmd_format(Fdc *f) {
  const uint8_t *c = f->cmd;
  int ds = c[1] & 3;
  uint8_t hd = (c[1] >> 2) & 1;
  uint8_t n = c[2], sc = c[3], fill = c[5];
  FdcDrive *d = &f->drive[ds];
  uint8_t st0 = (uint8_t)(ds | hd << 2);
  Disk *disk = d->disk;
  if (!disk || !disk_writable(disk)) {
    rw_result(f, st0 | ST0_AT, disk ? ST1_NW : ST1_MA, 0, d->cyl, hd, 1, n);
    return;
  }
  if (n != 2 || sc == 0 || sc > disk->spt || hd >= disk->heads) {
    rw_result(f, st0 | ST0_AT, ST1_ND, 0, d->cyl, hd, 1, n);
    return;
  }
  uint8_t ids[4 * 36];
  uint32_t moved = dma_read_mem(f->dma, FDC_DMA_CHANNEL, ids, 4u * sc);
  if (moved < 4u * sc) {
    rw_result(f, st0 | ST0_AT, ST1_OR, 0, d->cyl, hd, 1, n);
    return;
  }
  memset(f->track_buf, fill, 512);
  for (int i = 0; i < sc; i++) {
    uint8_t ic = ids[4 * i], ih = ids[4 * i + 1], ir = ids[4 * i + 2];
    if (ic >= disk->cylinders || ih >= disk->heads || ir == 0 || ir > disk->spt)
      continue; /* a sector this image cannot hold: skip it */
    uint64_t lba = ((uint64_t)ic * disk->heads + ih) * disk->spt + (uint64_t)(ir - 1);
    disk_write(disk, lba, 1, f->track_buf);
  }
  rw_result(f, st0, 0, 0, d->cyl, hd, sc, n);
}

static void execute(Fdc *f) {
  const uint8_t *c = f->cmd;
  uint8_t op = c[0] & 0x1f;
  int ds = c[1] & 3;
  switch (op) {
  case 0x03: /* SPECIFY */
    f->srt_hut = c[1];
    f->hlt_nd = c[2];
    f->phase = FDC_IDLE;
    return;
  case 0x04: { /* SENSE DRIVE STATUS */
    FdcDrive *d = &f->drive[ds];
    uint8_t st3 = (uint8_t)(ds | (c[1] & 4) | 0x20 /* ready */);
    if (d->cyl == 0)
      st3 |= 0x10;
    if (d->disk && d->disk->heads > 1)
      st3 |= 0x08;
    if (d->disk && !disk_writable(d->disk))
      st3 |= 0x40;
    result(f, &st3, 1, false);
    return;
  }
  case 0x05:
  case 0x06:
    cmd_read_write(f, op == 0x05);
    return;
  case 0x07: /* RECALIBRATE */
    f->drive[ds].head = 0;
    seek_done(f, ds, 0, f->drive[ds].disk != NULL || ds < 2);
    return;
  case 0x08: { /* SENSE INTERRUPT STATUS */
    uint8_t res[2];
    set_irq(f, false);
    if (f->reset_sense) {
      int drv = 4 - f->reset_sense;
      f->reset_sense--;
      res[0] = (uint8_t)(0xc0 | drv);
      res[1] = f->drive[drv].cyl;
      result(f, res, 2, false);
      return;
    }
    for (int i = 0; i < 4; i++) {
      FdcDrive *d = &f->drive[i];
      if (d->int_pending) {
        d->int_pending = false;
        res[0] = d->st0;
        res[1] = d->cyl;
        result(f, res, 2, false);
        return;
      }
    }
    res[0] = 0x80; /* no interrupt pending: invalid */
    result(f, res, 1, false);
    return;
  }
  case 0x0a: { /* READ ID */
    FdcDrive *d = &f->drive[ds];
    uint8_t hd = (c[1] >> 2) & 1;
    uint8_t st0 = (uint8_t)(ds | hd << 2);
    if (!d->disk) {
      rw_result(f, st0 | ST0_AT, ST1_MA, 0, d->cyl, hd, 1, 2);
      return;
    }
    d->head = hd;
    rw_result(f, st0, 0, 0, d->cyl, hd, d->sect ? d->sect : 1, 2);
    return;
  }
  case 0x0d:
    cmd_format(f);
    return;
  case 0x0e: { /* DUMPREG */
    uint8_t res[10] = {f->drive[0].cyl, f->drive[1].cyl, f->drive[2].cyl, f->drive[3].cyl,
                       f->srt_hut,      f->hlt_nd,       0,               0,
                       f->config,       f->pretrk};
    uint8_t eot = f->drive[0].disk ? (uint8_t)f->drive[0].disk->spt : 18;
    res[6] = eot;
    res[7] = (uint8_t)((f->lock ? 0x80 : 0) | (f->perp & 0x7f));
    result(f, res, 10, false);
    return;
  }
  case 0x0f: { /* SEEK */
    FdcDrive *d = &f->drive[ds];
    d->head = (c[1] >> 2) & 1;
    seek_done(f, ds, c[2], true);
    return;
  }
  case 0x10: { /* VERSION */
    uint8_t v = 0x90;
    result(f, &v, 1, false);
    return;
  }
  case 0x12: /* PERPENDICULAR MODE */
    f->perp = c[1];
    f->phase = FDC_IDLE;
    return;
  case 0x13: /* CONFIGURE */
    f->config = c[2];
    f->pretrk = c[3];
    f->phase = FDC_IDLE;
    return;
  case 0x14: { /* LOCK (bit 7 of the command byte) */
    f->lock = c[0] & 0x80;
    uint8_t v = (uint8_t)(f->lock ? 0x10 : 0);
    result(f, &v, 1, false);
    return;
  }
  }
}

/* ---- ports ---- */

static uint8_t msr(const Fdc *f) {
  switch (f->phase) {
  case FDC_COMMAND: return MSR_RQM | MSR_CB;
  case FDC_RESULT: return MSR_RQM | MSR_DIO | MSR_CB;
  case FDC_EXEC: return (uint8_t)(MSR_RQM | MSR_NDMA | MSR_CB | (f->x_write ? 0 : MSR_DIO));
  default: return MSR_RQM;
  }
}

uint32_t fdc_ioport_read(Fdc *f, uint16_t port) {
  switch (port & 7) {
  case 0: case 1: /* SRA/SRB: PS/2 only */
    return 0xff;
  case 2:
    return f->dor;
  case 3:
    return f->tdr;
  case 4:
    if (!(f->dor & DOR_NRESET))
      return 0;
    return msr(f);
  case 5:
    if (f->phase == FDC_EXEC)
      return pio_read_byte(f);
    if (f->phase != FDC_RESULT)
      return 0xff; /* nothing to read (RQM/DIO say so too) */
    set_irq(f, false);
    {
      uint8_t v = f->res[f->res_pos++];
      if (f->res_pos >= f->res_len)
        f->phase = FDC_IDLE;
      return v;
    }
  case 7: { /* DIR: disk change of the selected drive */
    const FdcDrive *d = &f->drive[f->dor & 3];
    return d->changed ? 0x80 : 0x00;
  }
  }
  return 0xff;
}

void fdc_ioport_write(Fdc *f, uint16_t port, uint8_t v) {
  switch (port & 7) {
  case 2: {
    uint8_t old = f->dor;
    f->dor = v;
    if (!(v & DOR_NRESET)) {
      f->phase = FDC_IDLE;
      set_irq(f, false);
    } else if (!(old & DOR_NRESET)) {
      controller_reset(f, false);
    }
    update_irq(f);
    return;
  }
  case 3:
    f->tdr = v & 3;
    return;
  case 4: /* DSR */
    f->dsr = v & 0x7f;
    f->ccr = v & 3;
    if (v & 0x80)
      controller_reset(f, false);
    return;
  case 5:
    if (!(f->dor & DOR_NRESET))
      return;
    if (f->phase == FDC_EXEC) {
      pio_write_byte(f, v);
      return;
    }
    if (f->phase == FDC_RESULT) /* host did not read the result: start over */
      f->phase = FDC_IDLE;
    if (f->phase == FDC_IDLE) {
      int len = command_length(v);
      set_irq(f, false);
      if (!len) {
        uint8_t st0 = 0x80;
        result(f, &st0, 1, false);
        return;
      }
      if ((v & 0x1f) != 0x08)
        f->reset_sense = 0; /* undrained reset polls are dropped by a new command */
      f->cmd[0] = v;
      f->cmd_len = 1;
      f->cmd_need = (uint8_t)len;
      f->phase = FDC_COMMAND;
    } else {
      f->cmd[f->cmd_len++] = v;
    }
    if (f->cmd_len >= f->cmd_need)
      execute(f);
    return;
  case 7: /* CCR */
    f->ccr = v & 3;
    return;
  }
}

static uint32_t fdc_io_read(void *opaque, uint16_t port, int size) {
  return fdc_ioport_read(opaque, port);
}
static void fdc_io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  fdc_ioport_write(opaque, port, (uint8_t)value);
}

/* After a snapshot is loaded: drive the IRQ line again. */
static void post_load(void *opaque) {
  Fdc *f = opaque;
  f->line = !f->irq_level; /* force the line to be driven */
  update_irq(f);
}

Fdc *fdc_new(IoBus *bus, Dma8237 *dma, IrqLine irq) {
  Fdc *f = calloc(1, sizeof(*f));
  if (!f)
    return NULL;
  f->dma = dma;
  f->irq = irq;
  f->dev = (Device){.name = "fdc", .opaque = f, .reset = fdc_reset, .post_load = post_load,
                    .chunk = {{.state = f, .table = fdc_table},
                              {.disk = &f->drive[0].disk, .unit = 0},
                              {.disk = &f->drive[1].disk, .unit = 1},
                              {.disk = &f->drive[2].disk, .unit = 2},
                              {.disk = &f->drive[3].disk, .unit = 3}}};
  fdc_reset(f);
  if (bus) {
    if (iobus_register_ex(bus, 0x3f0, 6, fdc_io_read, fdc_io_write, f, "fdc", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3f7, 1, fdc_io_read, fdc_io_write, f, "fdc", IOBUS_8BIT)) {
      free(f);
      return NULL;
    }
  }
  return f;
}

void fdc_free(Fdc *f) { free(f); }

int fdc_attach(Fdc *f, int unit, Disk *disk) {
  if (!f || unit < 0 || unit > 3 || (disk && disk->kind != DISK_FLOPPY))
    return -1;
  f->drive[unit].disk = disk;
  f->drive[unit].changed = true;
  return 0;
}

