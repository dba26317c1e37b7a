/*
 * ide.c — IDE/ATA channel with hard disks and ATAPI CD-ROMs (see ide.h).
 */
#include "ide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A transfer runs on a drive this machine has (live), and its position
 * stays within its block: the data port handlers index buf (or packet) at
 * pos and pos + 1 while pos < end, so end stays within the buffer the
 * transfer uses, writes move whole words, and an ATAPI block lies within
 * the bytes buf holds. */
static int channel_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const IdeChannel *s = saved, *l = live;
  if (s->xfer != IDE_X_NONE && l->drive[s->cur].type == IDE_NONE)
    return save_reject_field(r, chunk, "xfer", s->xfer, "on drive %u, which is not attached here",
                             s->cur);
  if (s->pos > s->end)
    return save_reject_field(r, chunk, "pos", s->pos, "beyond 'end' = %#x", s->end);
  if (s->xfer == IDE_X_PACKET && s->end > IDE_PACKET_SIZE)
    return save_reject_field(r, chunk, "end", s->end, "beyond the %u-byte command packet",
                             IDE_PACKET_SIZE);
  if ((s->xfer == IDE_X_PACKET || s->xfer == IDE_X_ATA_OUT) && ((s->pos | s->end) & 1))
    return save_reject_field(r, chunk, "pos", s->pos, "or 'end' = %#x odd in a word-wide write",
                             s->end);
  if (s->xfer == IDE_X_ATAPI_IN && s->end > s->buf_len)
    return save_reject_field(r, chunk, "end", s->end, "beyond 'buf_len' = %#x", s->buf_len);
  if ((s->xfer == IDE_X_ATA_IN || s->xfer == IDE_X_ATA_OUT) && s->end % DISK_SECTOR)
    return save_reject_field(r, chunk, "end", s->end, "not a whole number of sectors");
  return 0;
}

SAVE_TABLE_DEFINE(ide_drive_table, IdeDrive, IDE_DRIVE_FIELDS, IDE_DRIVE_VERSION)
SAVE_TABLE_DEFINE_CHECKED(ide_channel_table, IdeChannel, IDE_CHANNEL_FIELDS, IDE_CHANNEL_VERSION,
                          channel_valid)

#define CD_SECTOR 2048u

/* ATAPI interrupt reason (sector count register) bits. */
#define IR_COD 0x01
#define IR_IO  0x02

/* SCSI sense keys and additional sense codes. */
#define SK_NOT_READY       0x02
#define SK_ILLEGAL_REQUEST 0x05
#define SK_UNIT_ATTENTION  0x06
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_MEDIUM_NOT_PRESENT 0x3a
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD  0x24

static inline IdeDrive *cur_drive(IdeChannel *ch) { return &ch->drive[ch->cur]; }

/* ---- interrupts ---- */

static void update_irq(IdeChannel *ch) {
  bool level = ch->irq_pending && !(ch->control & IDE_CTL_NIEN);
  if (level != ch->line) {
    ch->line = level;
    irq_set(&ch->irq, level);
  }
}

static void raise_irq(IdeChannel *ch) {
  ch->irq_pending = true;
  if (ch->irq_hook)
    ch->irq_hook(ch->dma_opaque);
  update_irq(ch);
}

/* ---- register helpers ---- */

static void set_signature(IdeDrive *d) {
  d->nsect = 1;
  d->sector = 1;
  if (d->type == IDE_ATAPI) {
    d->lcyl = 0x14;
    d->hcyl = 0xeb;
  } else {
    d->lcyl = 0;
    d->hcyl = 0;
  }
  d->select &= 0x10;
  d->select |= 0xa0;
  d->error = 1; /* diagnostic: no error */
  d->status = d->type == IDE_ATA ? (IDE_ST_DRDY | IDE_ST_DSC) : 0;
}

static void drive_power_on(IdeDrive *d, int unit) {
  uint8_t type = d->type;
  memset(d, 0, offsetof(IdeDrive, disk));
  d->type = type;
  d->select = (uint8_t)(0xa0 | (unit << 4));
  d->cur_heads = d->heads;
  d->cur_spt = d->spt;
  d->wcache = true;
  set_signature(d);
}

void ide_reset(void *opaque) {
  IdeChannel *ch = opaque;
  for (int i = 0; i < 2; i++)
    drive_power_on(&ch->drive[i], i);
  ch->cur = 0;
  ch->control = 0;
  ch->irq_pending = false;
  ch->cmd = 0;
  ch->xfer = IDE_X_NONE;
  ch->pos = ch->end = ch->buf_len = 0;
  ch->remaining = 0;
  update_irq(ch);
}

/* Soft reset (SRST) or EXECUTE DEVICE DIAGNOSTIC: signatures on both drives. */
static void soft_reset(IdeChannel *ch) {
  for (int i = 0; i < 2; i++) {
    IdeDrive *d = &ch->drive[i];
    if (d->type == IDE_NONE)
      continue;
    set_signature(d);
    d->select = 0xa0;
    d->mult = 0;
    d->cur_heads = d->heads;
    d->cur_spt = d->spt;
  }
  ch->cur = 0;
  ch->xfer = IDE_X_NONE;
  ch->pos = ch->end = 0;
}

static void cmd_ok(IdeChannel *ch, IdeDrive *d) {
  d->status = IDE_ST_DRDY | IDE_ST_DSC;
  d->error = 0;
  ch->xfer = IDE_X_NONE;
  raise_irq(ch);
}

static void cmd_abort(IdeChannel *ch, IdeDrive *d, uint8_t err) {
  d->status = IDE_ST_DRDY | IDE_ST_ERR;
  d->error = err;
  ch->xfer = IDE_X_NONE;
  ch->pos = ch->end = 0;
  raise_irq(ch);
}

static bool lba_mode(const IdeDrive *d) { return d->select & 0x40; }

/* Starting sector of an LBA28/CHS command, or UINT64_MAX for a bad CHS address. */
static uint64_t get_lba(const IdeDrive *d, bool ext) {
  if (ext)
    return (uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 |
           (uint64_t)d->hob_sector << 24 | (uint64_t)d->hcyl << 16 | (uint64_t)d->lcyl << 8 |
           d->sector;
  if (lba_mode(d))
    return (uint64_t)(d->select & 0x0f) << 24 | (uint64_t)d->hcyl << 16 |
           (uint64_t)d->lcyl << 8 | d->sector;
  uint32_t cyl = (uint32_t)d->hcyl << 8 | d->lcyl;
  uint32_t head = d->select & 0x0f;
  if (d->sector == 0 || d->sector > d->cur_spt || head >= d->cur_heads || !d->cur_spt)
    return UINT64_MAX;
  return ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + d->sector - 1;
}

/* Write the address of sector lba back into the task file. */
static void set_lba(IdeDrive *d, uint64_t lba, bool ext) {
  if (ext) {
    d->sector = (uint8_t)lba;
    d->lcyl = (uint8_t)(lba >> 8);
    d->hcyl = (uint8_t)(lba >> 16);
    d->hob_sector = (uint8_t)(lba >> 24);
    d->hob_lcyl = (uint8_t)(lba >> 32);
    d->hob_hcyl = (uint8_t)(lba >> 40);
  } else if (lba_mode(d)) {
    d->sector = (uint8_t)lba;
    d->lcyl = (uint8_t)(lba >> 8);
    d->hcyl = (uint8_t)(lba >> 16);
    d->select = (uint8_t)((d->select & 0xf0) | ((lba >> 24) & 0x0f));
  } else if (d->cur_spt && d->cur_heads) {
    uint32_t s = (uint32_t)(lba % d->cur_spt) + 1;
    uint64_t t = lba / d->cur_spt;
    uint32_t head = (uint32_t)(t % d->cur_heads);
    uint32_t cyl = (uint32_t)(t / d->cur_heads);
    d->sector = (uint8_t)s;
    d->lcyl = (uint8_t)cyl;
    d->hcyl = (uint8_t)(cyl >> 8);
    d->select = (uint8_t)((d->select & 0xf0) | head);
  }
}

static uint32_t get_count(const IdeDrive *d, bool ext) {
  if (ext) {
    uint32_t n = (uint32_t)d->hob_nsect << 8 | d->nsect;
    return n ? n : 65536;
  }
  return d->nsect ? d->nsect : 256;
}

/* ---- IDENTIFY ---- */

static void put_string(uint16_t *w, int first, int words, const char *s) {
  size_t len = strlen(s);
  for (int i = 0; i < words * 2; i++) {
    uint8_t c = (size_t)i < len ? (uint8_t)s[i] : ' ';
    if (i & 1)
      w[first + i / 2] |= c;
    else
      w[first + i / 2] = (uint16_t)(c << 8);
  }
}

static void finish_identify(uint16_t *w, uint8_t *out) {
  /* Word 255: integrity word (signature A5h, checksum making the sum zero). */
  w[255] = 0x00a5;
  uint8_t sum = 0;
  for (int i = 0; i < 255; i++)
    sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
  sum = (uint8_t)(sum + 0xa5);
  w[255] |= (uint16_t)((uint8_t)-sum) << 8;
  for (int i = 0; i < 256; i++) {
    out[2 * i] = (uint8_t)w[i];
    out[2 * i + 1] = (uint8_t)(w[i] >> 8);
  }
}

static void serial_for(const IdeChannel *ch, const IdeDrive *d, char *buf, size_t n) {
  snprintf(buf, n, "X86VM%04X%d", ch->base, (int)(d - ch->drive));
}

static void identify_ata(IdeChannel *ch, IdeDrive *d, uint8_t *out) {
  uint16_t w[256] = {0};
  char serial[24];
  uint64_t sectors = d->disk->sectors;
  serial_for(ch, d, serial, sizeof(serial));
  w[0] = 0x0040; /* fixed device */
  w[1] = d->cyls;
  w[3] = d->heads;
  w[4] = (uint16_t)(512 * d->spt); /* obsolete: bytes per track */
  w[5] = 512;                      /* obsolete: bytes per sector */
  w[6] = d->spt;
  put_string(w, 10, 10, serial);
  w[20] = 3;     /* obsolete: buffer type */
  w[21] = 512;   /* obsolete: buffer size */
  w[22] = 4;     /* obsolete: ECC bytes */
  put_string(w, 23, 4, "0.1");
  put_string(w, 27, 20, "x86vm HARDDISK");
  w[47] = 0x8000 | IDE_MAX_MULT;
  w[48] = 0;      /* no 32-bit I/O claim (the data port still accepts it) */
  w[49] = ch->dma_kick ? 0x0300 : 0x0200; /* LBA supported; DMA with a bus master */
  w[50] = 0x4000;
  w[51] = 0x0200; /* PIO timing mode 2 */
  w[53] = ch->dma_kick ? 0x0007 : 0x0003; /* words 54-58 and 64-70 (and 88) valid */
  if (ch->dma_kick) {
    /* Multiword DMA 0-2 and Ultra DMA 0-5, with the mode SET FEATURES chose. */
    w[63] = 0x0007;
    w[88] = 0x003f;
    if ((d->xfer_mode & 0xf8) == 0x20 && (d->xfer_mode & 7) <= 2)
      w[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
    if ((d->xfer_mode & 0xf8) == 0x40 && (d->xfer_mode & 7) <= 5)
      w[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
  }
  uint32_t cur_c = d->cur_heads && d->cur_spt
                       ? (uint32_t)(sectors / ((uint32_t)d->cur_heads * d->cur_spt))
                       : 0;
  if (cur_c > 65535)
    cur_c = 65535;
  if (cur_c > d->cyls && d->cur_heads == d->heads && d->cur_spt == d->spt)
    cur_c = d->cyls;
  w[54] = (uint16_t)cur_c;
  w[55] = d->cur_heads;
  w[56] = d->cur_spt;
  uint32_t cur_cap = cur_c * d->cur_heads * d->cur_spt;
  w[57] = (uint16_t)cur_cap;
  w[58] = (uint16_t)(cur_cap >> 16);
  w[59] = d->mult ? (uint16_t)(0x0100 | d->mult) : 0;
  uint32_t lba28 = sectors > 0x0fffffff ? 0x0fffffff : (uint32_t)sectors;
  w[60] = (uint16_t)lba28;
  w[61] = (uint16_t)(lba28 >> 16);
  w[64] = 0x0003; /* PIO modes 3 and 4 */
  w[65] = w[66] = w[67] = w[68] = 120;
  w[80] = 0x007e; /* ATA-1 .. ATA-6 */
  w[82] = 0x4020; /* NOP (always aborts), write cache */
  w[83] = 0x7400; /* 48-bit, FLUSH CACHE, FLUSH CACHE EXT */
  w[84] = 0x4000;
  w[85] = (uint16_t)(0x4000 | (d->wcache ? 0x0020 : 0));
  w[86] = 0x3400;
  w[87] = 0x4000;
  w[100] = (uint16_t)sectors;
  w[101] = (uint16_t)(sectors >> 16);
  w[102] = (uint16_t)(sectors >> 32);
  w[103] = (uint16_t)(sectors >> 48);
  finish_identify(w, out);
}

static void identify_atapi(IdeChannel *ch, IdeDrive *d, uint8_t *out) {
  uint16_t w[256] = {0};
  char serial[24];
  serial_for(ch, d, serial, sizeof(serial));
  w[0] = 0x85c0; /* ATAPI, CD-ROM, removable, accelerated DRQ, 12-byte packets */
  put_string(w, 10, 10, serial);
  put_string(w, 23, 4, "0.1");
  put_string(w, 27, 20, "x86vm CD-ROM");
  w[49] = 0x0200; /* LBA */
  w[53] = 0x0003;
  w[64] = 0x0003;
  w[65] = w[66] = w[67] = w[68] = 120;
  w[80] = 0x007e;
  w[82] = 0x4010; /* PACKET command feature set */
  w[83] = 0x4000;
  w[84] = 0x4000;
  w[85] = 0x4010;
  w[87] = 0x4000;
  finish_identify(w, out);
}

/* ---- ATA PIO data transfers ---- */

/* Load the next DRQ block of a read command into buf. Returns false on error. */
static bool ata_load_block(IdeChannel *ch, IdeDrive *d) {
  uint32_t n = ch->remaining < ch->block ? ch->remaining : ch->block;
  if (disk_read(d->disk, ch->lba, n, ch->buf) != 0)
    return false;
  ch->pos = 0;
  ch->end = n * DISK_SECTOR;
  return true;
}

static bool is_ext(uint8_t cmd) {
  return cmd == 0x24 || cmd == 0x29 || cmd == 0x34 || cmd == 0x39 || cmd == 0x42 || cmd == 0x25 ||
         cmd == 0x35;
}

static void ata_rw_start(IdeChannel *ch, IdeDrive *d, uint8_t cmd, bool write, bool multiple) {
  bool ext = is_ext(cmd);
  if (multiple && !d->mult) {
    cmd_abort(ch, d, IDE_ER_ABRT);
    return;
  }
  uint64_t lba = get_lba(d, ext);
  uint32_t count = get_count(d, ext);
  if (lba == UINT64_MAX || lba >= d->disk->sectors || count > d->disk->sectors - lba) {
    cmd_abort(ch, d, IDE_ER_IDNF);
    return;
  }
  if (write && !disk_writable(d->disk)) {
    cmd_abort(ch, d, IDE_ER_ABRT);
    return;
  }
  ch->lba = lba;
  ch->remaining = count;
  ch->block = multiple ? d->mult : 1;
  d->error = 0;
  if (write) {
    ch->xfer = IDE_X_ATA_OUT;
    ch->pos = 0;
    uint32_t n = count < ch->block ? count : ch->block;
    ch->end = n * DISK_SECTOR;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ; /* no IRQ for the first block */
    return;
  }
  if (!ata_load_block(ch, d)) {
    set_lba(d, lba, ext);
    cmd_abort(ch, d, IDE_ER_UNC);
    return;
  }
  ch->xfer = IDE_X_ATA_IN;
  d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
  raise_irq(ch);
}

/* READ/WRITE DMA (EXT): checked as the PIO commands are, then the drive
 * waits with DRQ for the bus master (dma_kick) to move the sectors. */
static void ata_dma_start(IdeChannel *ch, IdeDrive *d, uint8_t cmd, bool write) {
  bool ext = is_ext(cmd);
  uint64_t lba = get_lba(d, ext);
  uint32_t count = get_count(d, ext);
  if (!ch->dma_kick || (write && !disk_writable(d->disk))) {
    cmd_abort(ch, d, IDE_ER_ABRT);
    return;
  }
  if (lba == UINT64_MAX || lba >= d->disk->sectors || count > d->disk->sectors - lba) {
    cmd_abort(ch, d, IDE_ER_IDNF);
    return;
  }
  ch->lba = lba;
  ch->remaining = count;
  ch->pos = ch->end = 0;
  d->error = 0;
  ch->xfer = write ? IDE_X_DMA_OUT : IDE_X_DMA_IN;
  d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
  ch->dma_kick(ch->dma_opaque);
}

bool ide_dma_pending(const IdeChannel *ch, bool *to_mem) {
  if (ch->xfer != IDE_X_DMA_IN && ch->xfer != IDE_X_DMA_OUT)
    return false;
  *to_mem = ch->xfer == IDE_X_DMA_IN;
  return ch->remaining > 0;
}

int ide_dma_read_sector(IdeChannel *ch, uint8_t *buf) {
  IdeDrive *d = cur_drive(ch);
  if (ch->xfer != IDE_X_DMA_IN || !ch->remaining || !d->disk)
    return -1;
  if (disk_read(d->disk, ch->lba, 1, buf) != 0) {
    set_lba(d, ch->lba, is_ext(ch->cmd));
    cmd_abort(ch, d, IDE_ER_UNC);
    return -1;
  }
  return 0;
}

/* One sector of a DMA command moved: after the last, the command ends. */
static void dma_sector_done(IdeChannel *ch, IdeDrive *d) {
  ch->lba++;
  ch->remaining--;
  if (ch->remaining)
    return;
  set_lba(d, ch->lba - 1, is_ext(ch->cmd));
  if (ch->xfer == IDE_X_DMA_OUT && !d->wcache)
    disk_flush(d->disk);
  ch->xfer = IDE_X_NONE;
  d->status = IDE_ST_DRDY | IDE_ST_DSC;
  raise_irq(ch);
}

void ide_dma_next(IdeChannel *ch) {
  if (ch->xfer == IDE_X_DMA_IN && ch->remaining)
    dma_sector_done(ch, cur_drive(ch));
}

int ide_dma_write_sector(IdeChannel *ch, const uint8_t *buf) {
  IdeDrive *d = cur_drive(ch);
  if (ch->xfer != IDE_X_DMA_OUT || !ch->remaining || !d->disk)
    return -1;
  if (disk_write(d->disk, ch->lba, 1, buf) != 0) {
    set_lba(d, ch->lba, is_ext(ch->cmd));
    cmd_abort(ch, d, IDE_ER_ABRT);
    return -1;
  }
  dma_sector_done(ch, d);
  return 0;
}

/* The guest has read the whole DRQ block of a read command. */
static void ata_read_block_done(IdeChannel *ch, IdeDrive *d) {
  bool ext = is_ext(ch->cmd);
  uint32_t n = ch->end / DISK_SECTOR;
  ch->lba += n;
  ch->remaining -= n;
  set_lba(d, ch->lba - 1, ext);
  if (ch->remaining == 0) {
    ch->xfer = IDE_X_NONE;
    ch->pos = ch->end = 0;
    d->status = IDE_ST_DRDY | IDE_ST_DSC;
    return;
  }
  if (!ata_load_block(ch, d)) {
    cmd_abort(ch, d, IDE_ER_UNC);
    return;
  }
  d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
  raise_irq(ch);
}

/* The guest has written a whole DRQ block of a write command. */
static void ata_write_block_done(IdeChannel *ch, IdeDrive *d) {
  bool ext = is_ext(ch->cmd);
  uint32_t n = ch->end / DISK_SECTOR;
  if (disk_write(d->disk, ch->lba, n, ch->buf) != 0) {
    set_lba(d, ch->lba, ext);
    cmd_abort(ch, d, IDE_ER_ABRT);
    return;
  }
  if (!d->wcache)
    disk_flush(d->disk);
  ch->lba += n;
  ch->remaining -= n;
  set_lba(d, ch->lba - 1, ext);
  ch->pos = 0;
  if (ch->remaining == 0) {
    ch->xfer = IDE_X_NONE;
    ch->end = 0;
    d->status = IDE_ST_DRDY | IDE_ST_DSC;
  } else {
    uint32_t m = ch->remaining < ch->block ? ch->remaining : ch->block;
    ch->end = m * DISK_SECTOR;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
  }
  raise_irq(ch);
}

/* ---- ATAPI ---- */

static void be16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void atapi_done(IdeChannel *ch, IdeDrive *d) {
  d->status = IDE_ST_DRDY | IDE_ST_DSC;
  d->error = 0;
  d->nsect = IR_IO | IR_COD;
  ch->xfer = IDE_X_NONE;
  ch->pos = ch->end = ch->buf_len = 0;
  raise_irq(ch);
}

static void atapi_error(IdeChannel *ch, IdeDrive *d, uint8_t key, uint8_t asc) {
  d->sense_key = key;
  d->asc = asc;
  d->ascq = 0;
  d->status = IDE_ST_DRDY | IDE_ST_ERR;
  d->error = (uint8_t)(key << 4 | IDE_ER_ABRT);
  d->nsect = IR_IO | IR_COD;
  ch->xfer = IDE_X_NONE;
  ch->pos = ch->end = ch->buf_len = 0;
  raise_irq(ch);
}

static uint32_t cd_sectors(const IdeDrive *d) { return (uint32_t)(d->disk->size / CD_SECTOR); }

/* Start (or continue) a DRQ block of data-in; refills buf for READ commands. */
static void atapi_next_block(IdeChannel *ch, IdeDrive *d) {
  if (ch->pos >= ch->buf_len) {
    if (ch->remaining == 0 || ch->atapi_left == 0) { /* all sent */
      atapi_done(ch, d);
      return;
    }
    uint32_t limit_secs = ch->byte_limit / CD_SECTOR;
    uint32_t n = ch->remaining;
    if (n > IDE_BUF_SIZE / CD_SECTOR)
      n = IDE_BUF_SIZE / CD_SECTOR;
    if (limit_secs && n > limit_secs)
      n = limit_secs;
    if (n == 0)
      n = 1;
    if (disk_read(d->disk, ch->lba * (CD_SECTOR / DISK_SECTOR), n * (CD_SECTOR / DISK_SECTOR),
                  ch->buf) != 0) {
      atapi_error(ch, d, 0x03, 0x11); /* medium error, unrecovered read error */
      return;
    }
    ch->lba += n;
    ch->remaining -= n;
    ch->pos = 0;
    ch->buf_len = n * CD_SECTOR;
  }
  uint32_t avail = ch->buf_len - ch->pos;
  if (avail > ch->atapi_left)
    avail = ch->atapi_left;
  uint32_t limit = ch->byte_limit & ~1u;
  if (limit == 0)
    limit = 0xfffe;
  uint32_t n = avail < limit ? avail : limit;
  ch->end = ch->pos + n;
  d->lcyl = (uint8_t)n;
  d->hcyl = (uint8_t)(n >> 8);
  d->nsect = IR_IO;
  d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
  ch->xfer = IDE_X_ATAPI_IN;
  raise_irq(ch);
}

/* Reply with len bytes already in buf, cut to the allocation length. */
static void atapi_reply(IdeChannel *ch, IdeDrive *d, uint32_t len, uint32_t alloc) {
  if (len > alloc)
    len = alloc;
  if (len == 0) {
    atapi_done(ch, d);
    return;
  }
  ch->pos = 0;
  ch->buf_len = len;
  ch->atapi_left = len;
  ch->remaining = 0;
  atapi_next_block(ch, d);
}

static void lba_to_msf(uint32_t lba, uint8_t *p) {
  lba += 150;
  p[0] = 0;
  p[1] = (uint8_t)(lba / (60 * 75));
  p[2] = (uint8_t)((lba / 75) % 60);
  p[3] = (uint8_t)(lba % 75);
}

static void atapi_read_toc(IdeChannel *ch, IdeDrive *d) {
  const uint8_t *pk = ch->packet;
  bool msf = pk[1] & 2;
  int format = pk[2] & 0x0f;
  if (format == 0)
    format = pk[9] >> 6;
  uint32_t alloc = rd16(pk + 7);
  uint8_t *b = ch->buf;
  memset(b, 0, 64);
  uint32_t len;
  if (format == 0) {
    uint8_t start = pk[6];
    if (start > 1 && start != 0xaa) {
      atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
      return;
    }
    b[2] = 1; /* first track */
    b[3] = 1; /* last track */
    uint8_t *t = b + 4;
    if (start <= 1) {
      t[1] = 0x14; /* ADR 1, data track */
      t[2] = 1;
      if (msf)
        lba_to_msf(0, t + 4);
      else
        be32(t + 4, 0);
      t += 8;
    }
    t[1] = 0x14;
    t[2] = 0xaa; /* lead-out */
    if (msf)
      lba_to_msf(cd_sectors(d), t + 4);
    else
      be32(t + 4, cd_sectors(d));
    t += 8;
    len = (uint32_t)(t - b);
  } else if (format == 1) { /* session information */
    b[2] = 1;
    b[3] = 1;
    b[5] = 0x14;
    b[6] = 1;
    if (msf)
      lba_to_msf(0, b + 8);
    len = 12;
  } else {
    atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
    return;
  }
  be16(b, len - 2);
  atapi_reply(ch, d, len, alloc);
}

/* Mode pages for MODE SENSE: fills p, returns the length or -1 for an
 * unsupported page. */
static int mode_pages(const IdeDrive *d, int page, int pc, uint8_t *p) {
  int len = 0;
  if (page == 0x01 || page == 0x3f) { /* read error recovery */
    memset(p, 0, 8);
    p[0] = 0x01;
    p[1] = 6;
    len += 8;
  }
  if (page == 0x2a || page == 0x3f) { /* CD capabilities and mechanical status */
    uint8_t *q = p + len;
    memset(q, 0, 20);
    q[0] = 0x2a;
    q[1] = 0x12;
    if (pc != 1) {
      q[2] = 0x03;                                      /* reads CD-R and CD-RW */
      q[4] = 0x71;                                      /* audio, mode 2 forms, multisession */
      q[6] = (uint8_t)(0x29 | (d->locked ? 0x02 : 0)); /* lock, eject, tray loader */
      be16(q + 8, 1378);                                /* max speed 8x, kB/s */
      be16(q + 10, 256);                                /* volume levels */
      be16(q + 12, 64);                                 /* buffer size, KiB */
      be16(q + 14, 1378);                               /* current speed */
    }
    len += 20;
  }
  return len ? len : -1;
}

static void atapi_mode_sense(IdeChannel *ch, IdeDrive *d, bool ten) {
  const uint8_t *pk = ch->packet;
  int page = pk[2] & 0x3f;
  int pc = pk[2] >> 6;
  uint32_t alloc = ten ? rd16(pk + 7) : pk[4];
  uint32_t hdr = ten ? 8 : 4;
  uint8_t *b = ch->buf;
  if (pc == 3) { /* saved values: not supported */
    atapi_error(ch, d, SK_ILLEGAL_REQUEST, 0x39);
    return;
  }
  memset(b, 0, hdr);
  int n = mode_pages(d, page, pc, b + hdr);
  if (n < 0) {
    atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
    return;
  }
  uint32_t len = hdr + (uint32_t)n;
  if (ten) {
    be16(b, len - 2);
    b[2] = 0x70; /* medium type: door closed, no disc type reported */
  } else {
    b[0] = (uint8_t)(len - 1);
    b[1] = 0x70;
  }
  atapi_reply(ch, d, len, alloc);
}

static void atapi_command(IdeChannel *ch, IdeDrive *d) {
  const uint8_t *pk = ch->packet;
  uint8_t *b = ch->buf;
  uint8_t op = pk[0];
  /* Every command but REQUEST SENSE clears the sense data of the previous one. */
  if (op != 0x03) {
    d->sense_key = 0;
    d->asc = d->ascq = 0;
  }
  /* A changed medium is reported once, to the first command that is not
   * INQUIRY or REQUEST SENSE; commands that need a medium fail without one. */
  bool no_medium_ok = op == 0x03 || op == 0x12 || op == 0x1e || op == 0x1b || op == 0x46 ||
                      op == 0x4a || op == 0xbd || op == 0x5a || op == 0x1a || op == 0xbb;
  if (d->media_changed && op != 0x03 && op != 0x12) {
    d->media_changed = false;
    atapi_error(ch, d, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED);
    return;
  }
  if (!d->disk && !no_medium_ok) {
    atapi_error(ch, d, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
    return;
  }
  switch (op) {
  case 0x00: /* TEST UNIT READY */
  case 0x1b: /* START STOP UNIT */
  case 0x2b: /* SEEK(10) */
    atapi_done(ch, d);
    return;
  case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
    d->locked = pk[4] & 1;
    atapi_done(ch, d);
    return;
  case 0x03: /* REQUEST SENSE */
    memset(b, 0, 18);
    b[0] = 0x70;
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    b[13] = d->ascq;
    d->sense_key = d->asc = d->ascq = 0;
    atapi_reply(ch, d, 18, pk[4]);
    return;
  case 0x12: /* INQUIRY */
    memset(b, 0, 36);
    b[0] = 0x05; /* CD/DVD device */
    b[1] = 0x80; /* removable */
    b[2] = 0x05; /* SPC-3 */
    b[3] = 0x32; /* response data format 2 */
    b[4] = 31;   /* additional length */
    memcpy(b + 8, "x86vm   ", 8);
    memcpy(b + 16, "CD-ROM          ", 16);
    memcpy(b + 32, "0.1 ", 4);
    atapi_reply(ch, d, 36, rd16(pk + 3));
    return;
  case 0x25: /* READ CAPACITY */
    be32(b, cd_sectors(d) - 1);
    be32(b + 4, CD_SECTOR);
    atapi_reply(ch, d, 8, 8);
    return;
  case 0x28:   /* READ(10) */
  case 0xa8: { /* READ(12) */
    uint32_t lba = rd32(pk + 2);
    uint32_t count = op == 0x28 ? rd16(pk + 7) : rd32(pk + 6);
    if (lba > cd_sectors(d) || count > cd_sectors(d) - lba) {
      atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
      return;
    }
    if (count == 0) {
      atapi_done(ch, d);
      return;
    }
    ch->lba = lba;
    ch->remaining = count;
    ch->atapi_left = count * CD_SECTOR;
    ch->pos = ch->buf_len = 0;
    atapi_next_block(ch, d);
    return;
  }
  case 0x43: /* READ TOC */
    atapi_read_toc(ch, d);
    return;
  case 0x5a: /* MODE SENSE(10) */
  case 0x1a: /* MODE SENSE(6) */
    atapi_mode_sense(ch, d, op == 0x5a);
    return;
  case 0xbb: /* SET CD SPEED */
    atapi_done(ch, d);
    return;
  case 0x51: /* READ DISC INFORMATION: one complete session, one track */
    memset(b, 0, 34);
    be16(b, 32);
    b[2] = 0x0e; /* last session complete, disc complete */
    b[3] = 1;    /* first track */
    b[4] = 1;    /* sessions */
    b[5] = 1;    /* first track of the last session */
    b[6] = 1;    /* last track of the last session */
    b[7] = 0x20; /* unrestricted use */
    atapi_reply(ch, d, 34, rd16(pk + 7));
    return;
  case 0xbd: /* MECHANISM STATUS: no changer */
    memset(b, 0, 8);
    atapi_reply(ch, d, 8, rd16(pk + 8));
    return;
  case 0x42: /* READ SUB-CHANNEL: no audio status, no data */
    memset(b, 0, 4);
    b[1] = 0x15;
    atapi_reply(ch, d, 4, rd16(pk + 7));
    return;
  case 0x46: { /* GET CONFIGURATION: profile list feature only */
    memset(b, 0, 16);
    be32(b, 12);     /* data length after this field */
    be16(b + 6, 8);  /* current profile: CD-ROM */
    b[10] = 0x03;    /* feature 0000h: persistent, current */
    b[11] = 4;       /* additional length: one profile descriptor */
    be16(b + 12, 8); /* profile 0008h CD-ROM */
    b[14] = 0x01;    /* current */
    atapi_reply(ch, d, 16, rd16(pk + 7));
    return;
  }
  case 0x4a: { /* GET EVENT STATUS NOTIFICATION (polled only) */
    if (!(pk[1] & 1)) {
      atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
      return;
    }
    memset(b, 0, 8);
    uint32_t len;
    if (pk[4] & 0x10) { /* media class */
      be16(b, 6);
      b[2] = 0x04;
      b[3] = 0x10;
      b[5] = d->disk ? 0x02 : 0x00; /* media present */
      len = 8;
    } else {
      be16(b, 2);
      b[2] = 0x80; /* no event available */
      b[3] = 0x10;
      len = 4;
    }
    atapi_reply(ch, d, len, rd16(pk + 7));
    return;
  }
  default:
    atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
    return;
  }
}

/* ---- commands ---- */

static void exec_command(IdeChannel *ch, uint8_t cmd) {
  IdeDrive *d = cur_drive(ch);
  if (d->type == IDE_NONE)
    return; /* nobody answers */
  if ((d->status & IDE_ST_BSY) && cmd != 0x08)
    return;
  ch->cmd = cmd;
  ch->xfer = IDE_X_NONE;
  ch->pos = ch->end = 0;

  if (d->type == IDE_ATAPI) {
    switch (cmd) {
    case 0xa0: /* PACKET */
      if (d->feature & 1) { /* DMA requested: not supported */
        cmd_abort(ch, d, IDE_ER_ABRT);
        return;
      }
      ch->byte_limit = (uint16_t)(d->hcyl << 8 | d->lcyl);
      ch->xfer = IDE_X_PACKET;
      ch->pos = 0;
      ch->end = 12;
      d->nsect = IR_COD;
      d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
      return;
    case 0xa1: /* IDENTIFY PACKET DEVICE */
      identify_atapi(ch, d, ch->buf);
      ch->xfer = IDE_X_ATA_IN;
      ch->remaining = 1;
      ch->block = 1;
      ch->end = 512;
      d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
      raise_irq(ch);
      return;
    case 0x08: /* DEVICE RESET */
      set_signature(d);
      d->sense_key = d->asc = d->ascq = 0;
      return;
    case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
      soft_reset(ch);
      raise_irq(ch);
      return;
    case 0xec: /* IDENTIFY DEVICE: abort with the ATAPI signature in place */
      set_signature(d);
      cmd_abort(ch, d, IDE_ER_ABRT);
      d->status = IDE_ST_DRDY | IDE_ST_ERR;
      return;
    case 0xef: /* SET FEATURES */
    case 0xe7: /* FLUSH CACHE */
      cmd_ok(ch, d);
      return;
    case 0xe5: /* CHECK POWER MODE */
      d->nsect = 0xff;
      cmd_ok(ch, d);
      return;
    default:
      cmd_abort(ch, d, IDE_ER_ABRT);
      return;
    }
  }

  switch (cmd) {
  case 0x20: case 0x21: case 0x24: /* READ SECTORS (EXT) */
    ata_rw_start(ch, d, cmd, false, false);
    return;
  case 0xc4: case 0x29: /* READ MULTIPLE (EXT) */
    ata_rw_start(ch, d, cmd, false, true);
    return;
  case 0x30: case 0x31: case 0x34: /* WRITE SECTORS (EXT) */
    ata_rw_start(ch, d, cmd, true, false);
    return;
  case 0xc8: case 0xc9: case 0x25: /* READ DMA (EXT) */
    ata_dma_start(ch, d, cmd, false);
    return;
  case 0xca: case 0xcb: case 0x35: /* WRITE DMA (EXT) */
    ata_dma_start(ch, d, cmd, true);
    return;
  case 0xc5: case 0x39: /* WRITE MULTIPLE (EXT) */
    ata_rw_start(ch, d, cmd, true, true);
    return;
  case 0x40: case 0x41: case 0x42: { /* READ VERIFY SECTORS (EXT) */
    bool ext = cmd == 0x42;
    uint64_t lba = get_lba(d, ext);
    uint32_t count = get_count(d, ext);
    if (lba == UINT64_MAX || lba >= d->disk->sectors || count > d->disk->sectors - lba) {
      cmd_abort(ch, d, IDE_ER_IDNF);
      return;
    }
    set_lba(d, lba + count - 1, ext);
    cmd_ok(ch, d);
    return;
  }
  case 0xc6: /* SET MULTIPLE MODE */
    if (d->nsect > IDE_MAX_MULT || (d->nsect & (d->nsect - 1))) {
      cmd_abort(ch, d, IDE_ER_ABRT);
      return;
    }
    d->mult = d->nsect;
    cmd_ok(ch, d);
    return;
  case 0xec: /* IDENTIFY DEVICE */
    identify_ata(ch, d, ch->buf);
    ch->xfer = IDE_X_ATA_IN;
    ch->remaining = 1;
    ch->block = 1;
    ch->end = 512;
    d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
    raise_irq(ch);
    return;
  case 0xa1: case 0xa0: /* packet commands on a hard disk */
    cmd_abort(ch, d, IDE_ER_ABRT);
    return;
  case 0xef: /* SET FEATURES */
    switch (d->feature) {
    case 0x02: d->wcache = true; break;
    case 0x82: d->wcache = false; disk_flush(d->disk); break;
    case 0x03: { /* set transfer mode: PIO; multiword and Ultra DMA with a bus master */
      uint8_t kind = d->nsect >> 3, n = d->nsect & 7;
      bool ok = kind <= 1 || (ch->dma_kick && ((kind == 4 && n <= 2) || (kind == 8 && n <= 5)));
      if (!ok) {
        cmd_abort(ch, d, IDE_ER_ABRT);
        return;
      }
      d->xfer_mode = d->nsect;
      break;
    }
    case 0x55: case 0xaa: case 0x66: case 0xcc: case 0x33: case 0x44: case 0xbb:
      break; /* look-ahead, defaults, ECC bytes: accepted, no effect */
    default:
      cmd_abort(ch, d, IDE_ER_ABRT);
      return;
    }
    cmd_ok(ch, d);
    return;
  case 0x91: /* INITIALIZE DEVICE PARAMETERS */
    if (d->nsect == 0) {
      cmd_abort(ch, d, IDE_ER_ABRT);
      return;
    }
    d->cur_spt = d->nsect;
    d->cur_heads = (uint16_t)((d->select & 0x0f) + 1);
    cmd_ok(ch, d);
    return;
  case 0xe7: case 0xea: /* FLUSH CACHE (EXT) */
    if (disk_flush(d->disk) != 0) {
      cmd_abort(ch, d, IDE_ER_ABRT);
      return;
    }
    cmd_ok(ch, d);
    return;
  case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
    soft_reset(ch);
    raise_irq(ch);
    return;
  case 0x70: /* SEEK */
  case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17:
  case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
  case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe6: /* standby/idle/sleep */
    cmd_ok(ch, d);
    return;
  case 0xe5: /* CHECK POWER MODE: active */
    d->nsect = 0xff;
    cmd_ok(ch, d);
    return;
  default:
    cmd_abort(ch, d, IDE_ER_ABRT);
    return;
  }
}

/* ---- data port ---- */

static uint16_t data_read16(IdeChannel *ch) {
  IdeDrive *d = cur_drive(ch);
  if (!(d->status & IDE_ST_DRQ) ||
      (ch->xfer != IDE_X_ATA_IN && ch->xfer != IDE_X_ATAPI_IN) || ch->pos >= ch->end)
    return 0xffff;
  uint16_t v = (uint16_t)(ch->buf[ch->pos] | (ch->pos + 1 < ch->end ? ch->buf[ch->pos + 1] << 8 : 0));
  ch->pos += 2;
  if (ch->xfer == IDE_X_ATAPI_IN)
    ch->atapi_left = ch->atapi_left > 2 ? ch->atapi_left - 2 : 0;
  if (ch->pos >= ch->end) {
    if (ch->xfer == IDE_X_ATA_IN) {
      if (ch->cmd == 0xec || ch->cmd == 0xa1) { /* IDENTIFY */
        ch->xfer = IDE_X_NONE;
        d->status = IDE_ST_DRDY | IDE_ST_DSC;
      } else {
        ata_read_block_done(ch, d);
      }
    } else {
      atapi_next_block(ch, d);
    }
  }
  return v;
}

static void data_write16(IdeChannel *ch, uint16_t v) {
  IdeDrive *d = cur_drive(ch);
  if (!(d->status & IDE_ST_DRQ) || (ch->xfer != IDE_X_ATA_OUT && ch->xfer != IDE_X_PACKET) ||
      ch->pos >= ch->end)
    return;
  if (ch->xfer == IDE_X_PACKET) {
    ch->packet[ch->pos] = (uint8_t)v;
    ch->packet[ch->pos + 1] = (uint8_t)(v >> 8);
  } else {
    ch->buf[ch->pos] = (uint8_t)v;
    ch->buf[ch->pos + 1] = (uint8_t)(v >> 8);
  }
  ch->pos += 2;
  if (ch->pos < ch->end)
    return;
  if (ch->xfer == IDE_X_PACKET) {
    ch->pos = ch->end = 0;
    ch->xfer = IDE_X_NONE;
    atapi_command(ch, d);
  } else {
    ata_write_block_done(ch, d);
  }
}

/* ---- port access ---- */

uint32_t ide_ioport_read(IdeChannel *ch, uint16_t port, int size) {
  IdeDrive *d = cur_drive(ch);
  bool absent = d->type == IDE_NONE;
  if (port == ch->ctl) { /* alternate status: no IRQ side effect */
    if (absent)
      return 0;
    return (ch->control & IDE_CTL_SRST) ? IDE_ST_BSY : d->status;
  }
  int reg = port - ch->base;
  if (reg == 0) {
    if (absent)
      return size == 4 ? 0xffffffffu : 0xffff;
    uint32_t v = data_read16(ch);
    if (size == 4)
      v |= (uint32_t)data_read16(ch) << 16;
    return size == 1 ? (v & 0xff) : v;
  }
  if (absent)
    return 0;
  bool hob = ch->control & IDE_CTL_HOB;
  switch (reg) {
  case 1: return d->error;
  case 2: return hob ? d->hob_nsect : d->nsect;
  case 3: return hob ? d->hob_sector : d->sector;
  case 4: return hob ? d->hob_lcyl : d->lcyl;
  case 5: return hob ? d->hob_hcyl : d->hcyl;
  case 6: return d->select;
  case 7:
    ch->irq_pending = false;
    update_irq(ch);
    return (ch->control & IDE_CTL_SRST) ? IDE_ST_BSY : d->status;
  }
  return 0xff;
}

void ide_ioport_write(IdeChannel *ch, uint16_t port, int size, uint32_t value) {
  if (port == ch->ctl) {
    uint8_t old = ch->control;
    ch->control = (uint8_t)value;
    if ((old & IDE_CTL_SRST) && !(value & IDE_CTL_SRST))
      soft_reset(ch);
    if (!(old & IDE_CTL_SRST) && (value & IDE_CTL_SRST)) {
      ch->xfer = IDE_X_NONE;
      ch->irq_pending = false;
    }
    update_irq(ch);
    return;
  }
  int reg = port - ch->base;
  if (reg == 0) {
    data_write16(ch, (uint16_t)value);
    if (size == 4)
      data_write16(ch, (uint16_t)(value >> 16));
    return;
  }
  uint8_t v = (uint8_t)value;
  if (reg >= 1 && reg <= 6)
    ch->control &= (uint8_t)~IDE_CTL_HOB; /* a write to the task file clears HOB */
  for (int i = 0; i < 2 && reg != 7; i++) {
    IdeDrive *d = &ch->drive[i];
    switch (reg) {
    case 1: d->hob_feature = d->feature; d->feature = v; break;
    case 2: d->hob_nsect = d->nsect; d->nsect = v; break;
    case 3: d->hob_sector = d->sector; d->sector = v; break;
    case 4: d->hob_lcyl = d->lcyl; d->lcyl = v; break;
    case 5: d->hob_hcyl = d->hcyl; d->hcyl = v; break;
    case 6: d->select = (uint8_t)((v & 0xef) | (i << 4)); break;
    }
  }
  if (reg == 6)
    ch->cur = (v >> 4) & 1;
  if (reg == 7) {
    if (ch->control & IDE_CTL_SRST)
      return;
    ch->irq_pending = false;
    update_irq(ch);
    exec_command(ch, v);
  }
}

static uint32_t ide_io_read(void *opaque, uint16_t port, int size) {
  return ide_ioport_read(opaque, port, size);
}
static void ide_io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  ide_ioport_write(opaque, port, size, value);
}

/* ---- construction ---- */

/* After a snapshot is loaded (its overlays too): drive the IRQ line again. */
static void post_load(void *opaque) {
  IdeChannel *ch = opaque;
  for (int i = 0; i < 2; i++)
    ch->drive[i].type = ch->drive[i].attached; /* the attached drives decide the type */
  ch->line = !ch->irq_pending; /* force the line to be driven */
  update_irq(ch);
}

IdeChannel *ide_new(IoBus *bus, uint16_t base, uint16_t ctl, IrqLine irq, const char *name) {
  IdeChannel *ch = calloc(1, sizeof(*ch));
  if (!ch)
    return NULL;
  ch->irq = irq;
  ch->name = name;
  ch->base = base;
  ch->ctl = ctl;
  ch->dev = (Device){.name = name, .opaque = ch, .reset = ide_reset, .post_load = post_load,
                     .chunk = {{.state = ch, .table = ide_channel_table},
                               {.disk = &ch->drive[0].disk, .unit = 0},
                               {.disk = &ch->drive[1].disk, .unit = 1}}};
  ide_reset(ch);
  if (bus) {
    if (iobus_register(bus, base, 8, ide_io_read, ide_io_write, ch, name) != 0 ||
        iobus_register(bus, ctl, 1, ide_io_read, ide_io_write, ch, name) != 0) {
      free(ch);
      return NULL;
    }
  }
  return ch;
}

void ide_free(IdeChannel *ch) { free(ch); }

int ide_change_media(IdeChannel *ch, int unit, Disk *disk) {
  if (!ch || unit < 0 || unit > 1 || ch->drive[unit].type != IDE_ATAPI || (disk && disk->kind != DISK_CDROM))
    return -1;
  ch->drive[unit].disk = disk;
  ch->drive[unit].media_changed = true;
  return 0;
}

int ide_attach_empty_cd(IdeChannel *ch, int unit) {
  if (!ch || unit < 0 || unit > 1 || ch->drive[unit].type != IDE_NONE)
    return -1;
  IdeDrive *d = &ch->drive[unit];
  d->disk = NULL;
  d->type = d->attached = IDE_ATAPI;
  drive_power_on(d, unit);
  return 0;
}

int ide_attach(IdeChannel *ch, int unit, Disk *disk) {
  if (!ch || unit < 0 || unit > 1 || !disk)
    return -1;
  IdeDrive *d = &ch->drive[unit];
  d->disk = disk;
  d->type = d->attached = disk->kind == DISK_CDROM ? IDE_ATAPI : IDE_ATA;
  if (d->type == IDE_ATA) {
    uint32_t c, h, s;
    disk_hd_geometry(disk->sectors, &c, &h, &s);
    d->cyls = (uint16_t)c;
    d->heads = (uint16_t)h;
    d->spt = (uint16_t)s;
  }
  drive_power_on(d, unit);
  return 0;
}
