/*
 * test_snapshot_attack.c — crafted snapshots against the restore checks.
 *
 * A snapshot is input like any other file: its CRCs protect against
 * corruption, not against someone who recomputes them.  A real machine
 * (pc.h) runs a tiny guest that loops on port I/O — it has started an IDE
 * WRITE SECTORS and keeps writing the data port, and reads the UART, the
 * VGA DAC, the keyboard controller and the floppy controller — and is
 * saved.  The tests patch named fields of that snapshot the way an attacker
 * would (the IDE transfer position far outside the sector buffer, the
 * UART's receive index, the VGA DAC component index, the keyboard
 * controller's queue head, the floppy controller's PIO position and phase),
 * recompute the CRCs and check that each restore is refused with a message
 * naming the device's chunk and the field, and that nothing was applied.
 * A generic test walks every field table of the machine: each bounded field
 * is refused at max+1 (and min-1, and a bit outside its mask) and accepted
 * at max and min, and fields named like indexes or positions must declare
 * bounds at all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "hwtest.h"
#include "acpi_pm.h"
#include "cpu_state.h"
#include "fdc.h"
#include "i440fx.h"
#include "ide.h"
#include "pc.h"
#include "vga.h"

static char tmpdir[64], rom[128], hd[128], fd[128], snap_path[128];
static uint8_t *snap;  /* the saved snapshot */
static size_t snap_len;

/* The guest, real mode at F000:0000 (the reset vector jumps there). */
static const uint8_t guest[] = {
  0xba, 0xf6, 0x01, 0xb0, 0xe0, 0xee,  /* mov dx,1F6h; mov al,E0h; out dx,al: LBA, master */
  0xba, 0xf2, 0x01, 0x30, 0xc0, 0xee,  /* mov dx,1F2h; xor al,al; out dx,al: 256 sectors */
  0x42, 0xee, 0x42, 0xee, 0x42, 0xee,  /* LBA 0 (1F3h-1F5h) */
  0xba, 0xf7, 0x01, 0xb0, 0x30, 0xee,  /* mov dx,1F7h; mov al,30h; out dx,al: WRITE SECTORS */
  /* loop (offset 24): */
  0xba, 0xf0, 0x01, 0xef,              /* mov dx,1F0h; out dx,ax: the data port */
  0xba, 0xf8, 0x03, 0xec,              /* mov dx,3F8h; in al,dx: COM1 receive buffer */
  0xba, 0xc9, 0x03, 0xee,              /* mov dx,3C9h; out dx,al: VGA DAC data */
  0xe4, 0x60,                          /* in al,60h: keyboard controller data */
  0xba, 0xf5, 0x03, 0xec,              /* mov dx,3F5h; in al,dx: floppy controller FIFO */
  0xeb, 0xec,                          /* jmp loop */
};

static void write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, size, f), size);
  fclose(f);
}

static MachineConfig config(void) {
  MachineConfig c = {0};
  c.mem_mib = 2;      /* small: every accepted restore inflates RAM and video memory */
  c.vga_mem_mib = 1;
  c.bios_path = rom;
  c.serial = "null";
  c.deterministic = true;
  c.boot = "cad";
  c.images[PC_HDA] = hd;
  c.images[PC_FDA] = fd;
  /* The guest writes sectors after the save: an overlay keeps the images as
   * saved, so restores pass the disk identity check and reach the fields. */
  c.snapshot = true;
  c.testdev = true; /* its table is walked too */
  c.apic = true;    /* and the APICs' */
  return c;
}

static Machine *make(void) {
  char err[256];
  MachineConfig c = config();
  Machine *m = machine_new(&c, err, sizeof(err));
  if (!m)
    ck_abort_msg("machine_new: %s", err);
  m->bus->log_unclaimed = false;
  return m;
}

static void setup(void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/x86vm-attack-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  snprintf(rom, sizeof(rom), "%s/rom", tmpdir);
  snprintf(hd, sizeof(hd), "%s/hd.img", tmpdir);
  snprintf(fd, sizeof(fd), "%s/fd.img", tmpdir);
  snprintf(snap_path, sizeof(snap_path), "%s/s.x86state", tmpdir);
  uint8_t *img = calloc(1, 1474560);
  ck_assert_ptr_nonnull(img);
  memset(img, 0xf4, 65536); /* HLT everywhere else */
  memcpy(img, guest, sizeof(guest));
  static const uint8_t reset[] = {0xea, 0x00, 0x00, 0x00, 0xf0}; /* jmp F000:0000 */
  memcpy(img + 0xfff0, reset, sizeof(reset));
  write_file(rom, img, 65536);
  memset(img, 0, 1474560);
  write_file(fd, img, 1474560);
  write_file(hd, img, 1024 * 1024);
  free(img);

  /* Run until the guest is in the middle of writing its sectors, and save. */
  Machine *m = make();
  for (int i = 0; i < 1000 && !(m->ide[0]->xfer == IDE_X_ATA_OUT && m->ide[0]->pos > 0); i++)
    machine_run_for(m, 20000);
  ck_assert_uint_eq(m->ide[0]->xfer, IDE_X_ATA_OUT);
  ck_assert_uint_gt(m->ide[0]->pos, 0);
  char err[256];
  ck_assert_int_eq(machine_save(m, snap_path, err, sizeof(err)), 0);
  machine_free(m);
  FILE *f = fopen(snap_path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  snap_len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  snap = malloc(snap_len);
  ck_assert_ptr_nonnull(snap);
  ck_assert_uint_eq(fread(snap, 1, snap_len, f), snap_len);
  fclose(f);
}

static void teardown(void) {
  free(snap);
  snap = NULL;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

/* ---- the snapshot file, as an attacker edits it ---- */

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Header of chunk `name` in img (NULL if none); *payload and *len set. */
static uint8_t *chunk(uint8_t *img, size_t img_len, const char *name, uint8_t **payload,
                      size_t *len) {
  size_t pos = 16;
  while (pos + 40 <= img_len) {
    uint8_t *h = img + pos;
    size_t n = (size_t)le(h + 24, 8);
    if (strncmp((const char *)h, name, 16) == 0) {
      *payload = h + 40;
      *len = n;
      return h;
    }
    if (strcmp((const char *)h, "END") == 0)
      break;
    pos += 40 + n;
  }
  return NULL;
}

/* What an attacker does after editing a payload: make the CRC match again. */
static void fix_crc(uint8_t *h) {
  size_t n = (size_t)le(h + 24, 8);
  uint32_t crc = (uint32_t)crc32(0, h + 40, (uInt)n);
  for (int i = 0; i < 4; i++)
    h[32 + i] = (uint8_t)(crc >> (8 * i));
}

/* Every scalar element of a table in serialisation order: cb(ctx, path,
 * field, offset in the payload).  Returns the table's serialised size. */
typedef void (*ElemFn)(void *ctx, const char *path, const SaveField *f, size_t off);
static size_t walk(const SaveTable *t, const char *prefix, size_t off, ElemFn cb, void *ctx) {
  size_t start = off;
  for (uint32_t i = 0; i < t->nfields; i++) {
    const SaveField *f = &t->fields[i];
    for (uint32_t k = 0; k < f->count; k++) {
      char path[128];
      if (f->count > 1)
        snprintf(path, sizeof(path), "%.80s%.30s[%u]", prefix, f->name, k);
      else
        snprintf(path, sizeof(path), "%.80s%.30s", prefix, f->name);
      if (f->sub) {
        char sub[136];
        snprintf(sub, sizeof(sub), "%s.", path);
        off += walk(f->sub(), sub, off, cb, ctx);
      } else {
        cb(ctx, path, f, off);
        off += f->size;
      }
    }
  }
  return off - start;
}

typedef struct Find { const char *path; const SaveField *f; size_t off; } Find;
static void find_cb(void *ctx, const char *path, const SaveField *f, size_t off) {
  Find *q = ctx;
  if (!q->f && strcmp(path, q->path) == 0) {
    q->f = f;
    q->off = off;
  }
}

/* A copy of the snapshot with fields of chunk set (path/value pairs, NULL
 * ends), CRC recomputed. */
static uint8_t *craft(const char *name, const SaveTable *t, ...) {
  uint8_t *img = malloc(snap_len);
  ck_assert_ptr_nonnull(img);
  memcpy(img, snap, snap_len);
  uint8_t *payload;
  size_t len;
  uint8_t *h = chunk(img, snap_len, name, &payload, &len);
  ck_assert_msg(h != NULL, "no chunk '%s'", name);
  va_list ap;
  va_start(ap, t);
  const char *path;
  while ((path = va_arg(ap, const char *)) != NULL) {
    uint64_t v = va_arg(ap, uint64_t);
    Find q = {path, NULL, 0};
    walk(t, "", 0, find_cb, &q);
    ck_assert_msg(q.f != NULL, "no field '%s' in '%s'", path, name);
    ck_assert_uint_le(q.off + q.f->size, len);
    for (uint32_t b = 0; b < q.f->size; b++)
      payload[q.off + b] = (uint8_t)(v >> (8 * b));
  }
  va_end(ap);
  fix_crc(h);
  return img;
}

/* Restoring img into a running machine must fail with want in the message
 * and leave the machine as it was; then the machine still runs. */
static void expect_refused(uint8_t *img, const char *want) {
  Machine *m = make();
  machine_run_for(m, 50000);
  uint32_t pos = m->ide[0]->pos;
  uint64_t now = clock_now(m->clock);
  uint32_t eip = m->cpu->eip;
  char err[256] = "";
  int rc = machine_restore_buffer(m, img, snap_len, err, sizeof(err));
  ck_assert_msg(rc == -1, "crafted snapshot accepted (want '%s')", want);
  ck_assert_msg(strstr(err, want), "message '%s', want '%s'", err, want);
  ck_assert_ptr_null(strchr(err, '\n')); /* one line */
  ck_assert_uint_eq(m->ide[0]->pos, pos);
  ck_assert_uint_eq(clock_now(m->clock), now);
  ck_assert_uint_eq(m->cpu->eip, eip);
  machine_run_for(m, 50000);
  machine_free(m);
  free(img);
}

/* The unmodified snapshot restores, and so does a patched but valid one:
 * the checks refuse values, not edits. */
START_TEST(test_untouched_restores) {
  Machine *m = make();
  char err[256];
  ck_assert_int_eq(machine_restore_buffer(m, snap, snap_len, err, sizeof(err)), 0);
  ck_assert_uint_eq(m->ide[0]->xfer, IDE_X_ATA_OUT);
  machine_run_for(m, 100000);
  machine_free(m);
  uint8_t *img = craft("uart0", uart_table(), "rx_head", (uint64_t)(UART_FIFO - 1), "rx_count",
                       (uint64_t)1, "fcr", (uint64_t)1, NULL);
  m = make();
  ck_assert_int_eq(machine_restore_buffer(m, img, snap_len, err, sizeof(err)), 0);
  ck_assert_uint_eq(m->uart[0]->rx_head, UART_FIFO - 1);
  /* The guest reads the byte at rx[15], then the index wraps to 0. */
  machine_run_for(m, 100000);
  ck_assert_uint_eq(m->uart[0]->rx_count, 0);
  ck_assert_uint_eq(m->uart[0]->rx_head, 0);
  machine_free(m);
  free(img);
}
END_TEST

/* The IDE data port writes at buf + pos: pos 7FF00000h would be a write
 * 2 GiB past the sector buffer for every OUT 1F0h,AX the guest makes. */
START_TEST(test_ide_transfer_position) {
  expect_refused(craft("ide0", ide_channel_table(), "pos", (uint64_t)0x7ff00000, "end",
                       (uint64_t)0x7ff00200, NULL),
                 "snapshot 'ide0' field 'pos' = 0x7ff00000 out of range 0..0x10000");
  /* Within the buffer but past the block end, or an odd position for a
   * word-wide write ending at the buffer's last byte. */
  expect_refused(craft("ide0", ide_channel_table(), "pos", (uint64_t)0x400, "end", (uint64_t)0x200,
                       NULL),
                 "snapshot 'ide0' field 'pos' = 0x400 beyond 'end' = 0x200");
  expect_refused(craft("ide0", ide_channel_table(), "pos", (uint64_t)0xffff, "end", (uint64_t)0x10000,
                       NULL),
                 "snapshot 'ide0' field 'pos' = 0xffff or 'end' = 0x10000 odd in a word-wide write");
  /* A command packet is 12 bytes. */
  expect_refused(craft("ide0", ide_channel_table(), "xfer", (uint64_t)IDE_X_PACKET, "pos",
                       (uint64_t)0, "end", (uint64_t)0x200, NULL),
                 "snapshot 'ide0' field 'end' = 0x200 beyond the 12-byte command packet");
  /* READ MULTIPLE blocks are read into the 64 KiB buffer whole. */
  expect_refused(craft("ide0", ide_channel_table(), "drive[0].mult", (uint64_t)0xffff, NULL),
                 "snapshot 'ide0' field 'drive[0].mult' = 0xffff out of range 0..0x10");
  expect_refused(craft("ide0", ide_channel_table(), "cur", (uint64_t)2, NULL),
                 "snapshot 'ide0' field 'cur' = 0x2 out of range 0..0x1");
  /* The machine has no slave on the primary channel. */
  expect_refused(craft("ide0", ide_channel_table(), "cur", (uint64_t)1, NULL),
                 "snapshot 'ide0' field 'xfer' = 0x2 on drive 1, which is not attached here");
}
END_TEST

/* The UART returns rx[rx_head] and counts down rx_count. */
START_TEST(test_uart_receive_index) {
  expect_refused(craft("uart0", uart_table(), "rx_head", (uint64_t)0xff, "rx_count", (uint64_t)1,
                       NULL),
                 "snapshot 'uart0' field 'rx_head' = 0xff out of range 0..0xf");
  expect_refused(craft("uart0", uart_table(), "rx_count", (uint64_t)0xff, NULL),
                 "snapshot 'uart0' field 'rx_count' = 0xff out of range 0..0x10");
  /* Sixteen bytes with the FIFO off would make the free space negative. */
  expect_refused(craft("uart0", uart_table(), "rx_count", (uint64_t)16, "fcr", (uint64_t)0, NULL),
                 "snapshot 'uart0' field 'rx_count' = 0x10 more than the 1-byte holding register");
}
END_TEST

/* The DAC is read at dac[index * 3 + sub] and written through
 * dac_latch[sub]: the component index must stay 0-2. */
START_TEST(test_vga_dac_index) {
  expect_refused(craft("vga", vga_table(), "dac_sub", (uint64_t)0xc8, NULL),
                 "snapshot 'vga' field 'dac_sub' = 0xc8 out of range 0..0x2");
  expect_refused(craft("vga", vga_table(), "dac_state", (uint64_t)1, NULL),
                 "snapshot 'vga' field 'dac_state' = 0x1 is neither 0 nor 3");
  expect_refused(craft("vga", vga_table(), "seq_index", (uint64_t)8, NULL),
                 "snapshot 'vga' field 'seq_index' = 0x8 out of range 0..0x7");
}
END_TEST

/* The ACPI PM registers (--machine pc): status, enable and control hold
 * only the bits the device implements, whatever their range allows. */
START_TEST(test_acpi_pm_bits) {
  expect_refused(craft("acpi_pm", acpi_pm_table(), "pm1_sts", (uint64_t)0x2, NULL),
                 "snapshot 'acpi_pm' field 'pm1_sts' = 0x2 has bits no event sets");
  expect_refused(craft("acpi_pm", acpi_pm_table(), "pm1_en", (uint64_t)0x2, NULL),
                 "snapshot 'acpi_pm' field 'pm1_en' = 0x2 has reserved bits");
  expect_refused(craft("acpi_pm", acpi_pm_table(), "pm1_cnt", (uint64_t)0x2000, NULL),
                 "snapshot 'acpi_pm' field 'pm1_cnt' = 0x2000 out of range 0..0x1c02");
  expect_refused(craft("acpi_pm", acpi_pm_table(), "pm1_cnt", (uint64_t)0x1, NULL),
                 "snapshot 'acpi_pm' field 'pm1_cnt' = 0x1 has bits that are not stored");
}
END_TEST

/* The keyboard controller's output queue and the floppy controller's
 * result and PIO positions index fixed arrays. */
START_TEST(test_kbc_queue_and_fdc_position) {
  expect_refused(craft("kbc", kbc_table(), "q_head", (uint64_t)200, "q_len", (uint64_t)3, NULL),
                 "snapshot 'kbc' field 'q_head' = 0xc8 out of range 0..0x1f");
  expect_refused(craft("kbc", kbc_table(), "q_src[5]", (uint64_t)9, NULL),
                 "snapshot 'kbc' field 'q_src[5]' = 0x9 out of range 0..0x3");
  expect_refused(craft("fdc", fdc_table(), "phase", (uint64_t)FDC_EXEC, "x_pos", (uint64_t)0xffff,
                       NULL),
                 "snapshot 'fdc' field 'x_pos' = 0xffff out of range 0..0x1ff");
  expect_refused(craft("fdc", fdc_table(), "phase", (uint64_t)FDC_RESULT, "res_len", (uint64_t)2,
                       "res_pos", (uint64_t)7, NULL),
                 "snapshot 'fdc' field 'res_pos' = 0x7 in the result phase, with 'res_len' = 2");
  /* A PIO transfer on drive B:, which this machine does not have. */
  uint8_t *img = craft("fdc", fdc_table(), "phase", (uint64_t)FDC_EXEC, "cmd[1]", (uint64_t)1, NULL);
  expect_refused(img, "snapshot 'fdc' field 'phase' = 0x3 (a transfer) on drive 1, which has no disk here");
}
END_TEST

/* The CPU: lazy flags, control registers, CPL, segment caches. */
START_TEST(test_cpu_state) {
  expect_refused(craft("cpu", cpu_save_table(), "cc_op", (uint64_t)CC_ADD8 + 3, NULL),
                 "snapshot 'cpu' field 'cc_op' = 0x7 is not a lazy-flags operation");
  expect_refused(craft("cpu", cpu_save_table(), "cc_op", (uint64_t)CC_SHL32, "cc_src", (uint64_t)0,
                       NULL),
                 "snapshot 'cpu' field 'cc_src' = 0 is not a shift count (1-31)");
  expect_refused(craft("cpu", cpu_save_table(), "cr[0]", (uint64_t)0x80000010, NULL),
                 "snapshot 'cpu' field 'cr[0]' = 0x80000010 has PG without PE");
  expect_refused(craft("cpu", cpu_save_table(), "cpl", (uint64_t)3, NULL),
                 "snapshot 'cpu' field 'cpl' = 0x3 outside protected mode");
  expect_refused(craft("cpu", cpu_save_table(), "seg[1].flags", (uint64_t)0x809b, "seg[1].limit",
                       (uint64_t)0x1000, NULL),
                 "snapshot 'cpu' field 'seg[1].limit' = 0x1000 is not page-granular (G set)");
  expect_refused(craft("cpu", cpu_save_table(), "fpu.mxcsr", (uint64_t)0x1f80 | 0x40, NULL),
                 "snapshot 'cpu' field 'fpu.mxcsr' = 0x1fc0 has bits outside 0xffbf");
}
END_TEST

/* Timer deadlines against the snapshot's virtual time: the RTC re-arms its
 * update one second after the last deadline, so a clock moved a century
 * ahead would replay every missed second before the guest runs again (a
 * random edit of "machine" found this as a hang). */
START_TEST(test_deadlines_follow_the_clock) {
  expect_refused(craft("machine", machine_state_table(), "now", (uint64_t)1 << 61, NULL),
                 "snapshot 'rtc' field 'next_update' = ");
  expect_refused(craft("machine", machine_state_table(), "now", ((uint64_t)1 << 62) + 1, NULL),
                 "snapshot 'machine' field 'now' = 0x4000000000000001 out of range 0..0x4000000000000000");
  expect_refused(craft("rtc", rtc_table(), "next_update", (uint64_t)1 << 44, NULL),
                 "snapshot 'rtc' field 'next_update' = 0x100000000000 is not within 2 s of the "
                 "snapshot's time");
}
END_TEST

/* ---- every table, every bounded field ---- */

typedef struct Gen {
  Machine *m;
  const char *chunk;
  const SaveTable *t;
  uint8_t *payload_off0; /* payload of the chunk in snap */
  int refused, accepted, unbounded_named;
} Gen;

static uint64_t type_max(const SaveField *f) {
  uint64_t all = f->size == 8 ? UINT64_MAX : (1ull << (8 * f->size)) - 1;
  return f->is_signed ? all >> 1 : all;
}
static int64_t type_min(const SaveField *f) {
  return f->is_signed ? -(int64_t)type_max(f) - 1 : 0;
}

/* With value v at off: 0 if the field checks accept it, else -1 with the
 * message, which must name the chunk and the field.  When refused, the
 * whole machine restore must refuse it too. */
static int try_value(Gen *g, const char *path, const SaveField *f, size_t off, uint64_t v) {
  uint8_t *img = malloc(snap_len);
  ck_assert_ptr_nonnull(img);
  memcpy(img, snap, snap_len);
  uint8_t *payload = NULL;
  size_t len = 0;
  uint8_t *h = chunk(img, snap_len, g->chunk, &payload, &len);
  for (uint32_t b = 0; b < f->size; b++)
    payload[off + b] = (uint8_t)(v >> (8 * b));
  fix_crc(h);
  char err[256];
  SaveReader *r = save_reader_from_buffer(img, snap_len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  int rc = save_check_fields(r, g->chunk, g->t);
  if (rc < 0) {
    char want[200];
    snprintf(want, sizeof(want), "snapshot '%s' field '%s' = ", g->chunk, path);
    ck_assert_msg(strstr(save_error(r), want), "%s: %s", want, save_error(r));
    ck_assert_int_eq(machine_restore_buffer(g->m, img, snap_len, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, want), "%s: %s", want, err);
  }
  save_reader_free(r);
  free(img);
  return rc;
}

/* Names that say "I index something / I am a position, length or state":
 * such a field must declare its bounds (FR with the type's whole range
 * records that any value is safe). */
static bool index_like(const char *name) {
  static const char *const words[] = {"index", "pos", "len", "head", "count", "phase", "state",
                                      "sub", "step", "mode", "need", "left", "remaining",
                                      "block", "offset", "cur"};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (strstr(name, words[i]))
      return true;
  return false;
}

static void gen_cb(void *ctx, const char *path, const SaveField *f, size_t off) {
  Gen *g = ctx;
  if (!f->limited) {
    /* Selectors and whole-register images are free; index-like names not. */
    if (index_like(f->name)) {
      if (g->unbounded_named++ < 200)
        printf("'%s' field '%s' looks like an index or position but has no bounds\n", g->chunk,
               path);
    }
    return;
  }
  /* The declared bounds fit the type. */
  if (f->is_signed) {
    ck_assert_int_le((int64_t)f->min, (int64_t)f->max);
    ck_assert_int_ge((int64_t)f->min, type_min(f));
    ck_assert_int_le((int64_t)f->max, (int64_t)type_max(f));
  } else {
    ck_assert_uint_le(f->min, f->max);
    ck_assert_uint_le(f->max, type_max(f));
  }
  uint64_t all = f->size == 8 ? UINT64_MAX : (1ull << (8 * f->size)) - 1;
  /* max and min are accepted (when they fit the mask), one beyond is not. */
  if ((f->max & ~f->mask & all) == 0) {
    ck_assert_msg(try_value(g, path, f, off, f->max) == 0, "%s max", path);
    g->accepted++;
  }
  if ((f->min & ~f->mask & all) == 0) {
    ck_assert_msg(try_value(g, path, f, off, f->min) == 0, "%s min", path);
    g->accepted++;
  }
  bool above = f->is_signed ? (int64_t)f->max < (int64_t)type_max(f) : f->max < type_max(f);
  bool below = f->is_signed ? (int64_t)f->min > type_min(f) : f->min > 0;
  if (above) {
    ck_assert_msg(try_value(g, path, f, off, (f->max + 1) & all) == -1, "%s max+1", path);
    g->refused++;
  }
  if (below) {
    ck_assert_msg(try_value(g, path, f, off, (f->min - 1) & all) == -1, "%s min-1", path);
    g->refused++;
  }
  uint64_t outside = ~f->mask & all;
  if (outside) {
    uint64_t bit = outside & -outside;
    ck_assert_msg(try_value(g, path, f, off, (f->min | bit) & all) == -1, "%s mask", path);
    g->refused++;
  }
}

START_TEST(test_every_bounded_field) {
  Machine *m = make();
  Gen g = {.m = m};
  struct { const char *name; const SaveTable *t; } tables[PC_MAX_DEVICES * DEVICE_MAX_CHUNKS + 2];
  int n = 0;
  tables[n].name = "machine";
  tables[n++].t = machine_state_table();
  tables[n].name = "cpu";
  tables[n++].t = cpu_save_table();
  for (int i = 0; i < m->ndevs; i++) {
    /* Every table chunk a device declares (disk chunks are raw). */
    const Device *d = &m->devs[i];
    for (int c = 0; c < device_nchunks(d); c++) {
      if (d->chunk[c].disk)
        continue;
      ck_assert_msg(d->chunk[c].table != NULL, "device %s declares a chunk without a table", d->name);
      char buf[32];
      tables[n].name = device_chunk_name(d, c, buf, sizeof buf);
      tables[n++].t = d->chunk[c].table();
    }
  }
  /* Every table chunk in the snapshot is one of them (raw chunks have hash 0). */
  for (size_t pos = 16; pos + 40 <= snap_len;) {
    const uint8_t *h = snap + pos;
    if (strcmp((const char *)h, "END") == 0)
      break;
    if (le(h + 20, 4) != 0) {
      bool known = false;
      for (int i = 0; i < n; i++)
        known |= strncmp((const char *)h, tables[i].name, 16) == 0;
      ck_assert_msg(known, "table chunk '%.16s' not walked", (const char *)h);
    }
    pos += 40 + (size_t)le(h + 24, 8);
  }
  int total_refused = 0, total_accepted = 0;
  for (int i = 0; i < n; i++) {
    g.chunk = tables[i].name;
    g.t = tables[i].t;
    g.refused = g.accepted = 0;
    uint8_t *payload;
    size_t len;
    ck_assert_ptr_nonnull(chunk(snap, snap_len, g.chunk, &payload, &len));
    ck_assert_uint_eq(walk(g.t, "", 0, gen_cb, &g), len);
    total_refused += g.refused;
    total_accepted += g.accepted;
  }
  ck_assert_msg(g.unbounded_named == 0, "%d index-like fields without bounds", g.unbounded_named);
  printf("every bounded field: %d out-of-range values refused, %d bounds accepted, %d tables\n",
         total_refused, total_accepted, n);
  ck_assert_int_gt(total_refused, 100);
  machine_free(m);
}
END_TEST

/* The snapshot refused on the command line: see test_cli.sh; here the file
 * form of the same path (machine_restore) names the file. */
/* PCI configuration spaces: the IDs, class and BAR size bits are the
 * board's; a snapshot may change only what the guest could write. */
START_TEST(test_pci_readonly_bits) {
  expect_refused(craft("i440fx", i440fx_table(), "pci.cfg[2]", (uint64_t)0x38, NULL),
                 "snapshot 'i440fx' field 'pci.cfg' = 0x38 at 02h changes read-only bits (the board has 37h)");
  expect_refused(craft("i440fx", i440fx_table(), "pci.cfg[89]", (uint64_t)0x31, NULL),
                 "snapshot 'i440fx' field 'pci.cfg' = 0x31 at 59h changes read-only bits (the board has 00h)");
  /* The PIIX4 PM function: PMBA's bit 0 and its 64-byte granularity. */
  expect_refused(craft("acpi_pm", acpi_pm_table(), "pci.cfg[64]", (uint64_t)0x00, NULL),
                 "snapshot 'acpi_pm' field 'pci.cfg' = 0 at 40h changes read-only bits (the board has 01h)");
  expect_refused(craft("acpi_pm", acpi_pm_table(), "pci.cfg[64]", (uint64_t)0x21, NULL),
                 "snapshot 'acpi_pm' field 'pci.cfg' = 0x21 at 40h changes read-only bits (the board has 01h)");
}
END_TEST

START_TEST(test_file_restore_names_file) {
  uint8_t *img = craft("uart0", uart_table(), "rx_head", (uint64_t)0x80, NULL);
  char path[160];
  snprintf(path, sizeof(path), "%s/crafted.x86state", tmpdir);
  write_file(path, img, snap_len);
  free(img);
  Machine *m = make();
  char err[256];
  ck_assert_int_eq(machine_restore(m, path, err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, path));
  ck_assert_ptr_nonnull(strstr(err, "snapshot 'uart0' field 'rx_head' = 0x80 out of range 0..0xf"));
  machine_free(m);
}
END_TEST

/* Random edits of the table chunks (CRCs fixed): each restore is either
 * refused or leaves a machine that runs its guest without touching host
 * memory it should not (under the sanitizers, that is checked for every
 * accepted one).  A fixed seed keeps it repeatable; X86VM_SNAPSHOT_MUTATIONS
 * sets the count (default 100). */
START_TEST(test_random_edits) {
  const char *env = getenv("X86VM_SNAPSHOT_MUTATIONS");
  int iters = env ? atoi(env) : 100;
  Machine *m = make();
  uint8_t *img = malloc(snap_len);
  ck_assert_ptr_nonnull(img);
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  int accepted = 0, refused = 0;
  /* The table chunks: headers with a layout hash. */
  size_t offs[64];
  int nchunks = 0;
  for (size_t pos = 16; pos + 40 <= snap_len && nchunks < 64;) {
    const uint8_t *h = snap + pos;
    if (strcmp((const char *)h, "END") == 0)
      break;
    if (le(h + 20, 4) != 0 && le(h + 24, 8) > 0)
      offs[nchunks++] = pos;
    pos += 40 + (size_t)le(h + 24, 8);
  }
  ck_assert_int_gt(nchunks, 10);
  for (int it = 0; it < iters; it++) {
    memcpy(img, snap, snap_len);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    uint8_t *h = img + offs[(seed >> 33) % (uint64_t)nchunks];
    size_t n = (size_t)le(h + 24, 8);
    /* Small chunks get a few bytes changed; big ones (buffers) too. */
    int edits = 1 + (int)((seed >> 20) & 3);
    for (int e = 0; e < edits; e++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      size_t at = (size_t)((seed >> 24) % n);
      uint8_t v = (uint8_t)(seed >> 56);
      /* Bias towards the header fields before big buffers: positions,
       * indexes and enums sit there. */
      if (n > 1024 && (seed & 1))
        at = (size_t)((seed >> 24) % 1024);
      h[40 + at] = (seed & 2) ? v : (uint8_t)(h[40 + at] ^ (1u << ((seed >> 8) & 7)));
    }
    fix_crc(h);
    char err[256];
    if (machine_restore_buffer(m, img, snap_len, err, sizeof(err)) == 0) {
      accepted++;
      machine_run_for(m, 20000);
    } else {
      refused++;
      /* One line naming the input. */
      ck_assert_msg(strncmp(err, "--restore (buffer): ", 20) == 0 && !strchr(err, '\n'), "%s", err);
    }
  }
  printf("random edits: %d accepted and run, %d refused\n", accepted, refused);
  free(img);
  machine_free(m);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("hw_snapshot_attack");
  TCase *tc = tcase_create("attack");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_untouched_restores);
  tcase_add_test(tc, test_ide_transfer_position);
  tcase_add_test(tc, test_uart_receive_index);
  tcase_add_test(tc, test_vga_dac_index);
  tcase_add_test(tc, test_acpi_pm_bits);
  tcase_add_test(tc, test_kbc_queue_and_fdc_position);
  tcase_add_test(tc, test_cpu_state);
  tcase_add_test(tc, test_deadlines_follow_the_clock);
  tcase_add_test(tc, test_every_bounded_field);
  tcase_add_test(tc, test_pci_readonly_bits);
  tcase_add_test(tc, test_file_restore_names_file);
  tcase_add_test(tc, test_random_edits);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return run_suite(suite()); }
