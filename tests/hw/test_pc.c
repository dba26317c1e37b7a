/*
 * test_pc.c — the assembled machine without running guest code: memory
 * map of the BIOS ROM, CMOS bytes (memory size, disks, boot order,
 * checksum), IRQ wiring PIT -> PIC -> CPU INTR, debug exit and the idle run
 * loop on the virtual clock, console script matching and typing, whole
 * machine save/restore and its refusal of mismatched or corrupt snapshots,
 * clear errors for bad BIOS and disk images.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwtest.h"
#include "cpu_state.h"
#include "pc.h"
#include "runner.h"

#define CPU_TABLE_HASH_V3 0x0606d95du /* save_table_hash(cpu_save_table()) for version 3 */

static char rom64[128], rom256[128], tmpdir[64];

static void write_file(const char *path, size_t size, uint8_t seed) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  for (size_t i = 0; i < size; i++)
    fputc((int)((i * 7 + seed) & 0xff), f);
  fclose(f);
}

static void setup(void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/x86vm-pc-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  snprintf(rom64, sizeof(rom64), "%s/rom64", tmpdir);
  snprintf(rom256, sizeof(rom256), "%s/rom256", tmpdir);
  write_file(rom64, 64 * 1024, 1);
  write_file(rom256, 256 * 1024, 2);
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static MachineConfig base_cfg(const char *bios, uint32_t mib) {
  MachineConfig c = {0};
  c.mem_mib = mib;
  c.bios_path = bios;
  c.serial = "null";
  c.deterministic = true;
  c.boot = "cad";
  return c;
}

static Machine *make(MachineConfig c) {
  char err[256];
  Machine *m = machine_new(&c, err, sizeof(err));
  if (!m)
    ck_abort_msg("machine_new: %s", err);
  m->bus->log_unclaimed = false;
  return m;
}

static uint8_t cmos(Machine *m, int idx) {
  outb(m->bus, 0x70, (uint8_t)idx);
  return inb(m->bus, 0x71);
}

static uint8_t rom_byte(size_t off, uint8_t seed) { return (uint8_t)((off * 7 + seed) & 0xff); }

START_TEST(test_rom_mapping) {
  Machine *m = make(base_cfg(rom64, 32));
  ck_assert_uint_eq(mem_read8(m->mem, 0xffff0), rom_byte(0xfff0, 1));
  ck_assert_uint_eq(mem_read8(m->mem, 0xfffffff0u), rom_byte(0xfff0, 1));
  ck_assert_uint_eq(mem_read8(m->mem, 0xf0000), rom_byte(0, 1));
  ck_assert_uint_eq(mem_read8(m->mem, 0xffff0000u), rom_byte(0, 1));
  mem_write8(m->mem, 0xfffff000u, 0x00); /* the ROM at 4 GiB ignores writes */
  ck_assert_uint_eq(mem_read8(m->mem, 0xfffff000u), rom_byte(0xf000, 1));
  mem_write8(m->mem, 0xf0000, (uint8_t)~rom_byte(0, 1)); /* shadow RAM below 1 MiB is writable */
  ck_assert_uint_eq(mem_read8(m->mem, 0xf0000), (uint8_t)~rom_byte(0, 1));
  machine_reset(m); /* ... and copied again at reset */
  ck_assert_uint_eq(mem_read8(m->mem, 0xf0000), rom_byte(0, 1));
  /* Option-ROM space from C8000h to the shadow is empty: FFh, writes lost. */
  for (uint32_t pa = 0xc8000; pa < 0xf0000; pa += 0x800) {
    mem_write8(m->mem, pa, 0x5a);
    ck_assert_uint_eq(mem_read8(m->mem, pa), 0xff);
  }
  mem_write32(m->mem, 0xd0000, 0x12345678);
  ck_assert_uint_eq(mem_read32(m->mem, 0xd0000), 0xffffffffu);
  ck_assert_uint_eq(mem_read16(m->mem, 0xeffff), (uint32_t)rom_byte(0, 1) << 8 | 0xff); /* hole, then shadow */
  ck_assert_ptr_null(mem_page_read_ptr(m->mem, 0xd0)); /* no host RAM behind it for the TLB */
  mem_write8(m->mem, 0xc7fff, 0x5a); /* C0000h-C7FFFh stays RAM */
  ck_assert_uint_eq(mem_read8(m->mem, 0xc7fff), 0x5a);
  ck_assert(m->mem->ram_window); /* the JIT's RAM window stays (it never covers the hole) */
  machine_free(m);
  m = make(base_cfg(rom256, 32));
  ck_assert_uint_eq(mem_read8(m->mem, 0xfffc0000u), rom_byte(0, 2));
  ck_assert_uint_eq(mem_read8(m->mem, 0xe0000), rom_byte(0x20000, 2)); /* last 128 KiB */
  ck_assert_uint_eq(mem_read8(m->mem, 0xdffff), 0xff); /* the hole ends at the shadow */
  ck_assert_uint_eq(mem_read8(m->mem, 0xfffff), rom_byte(0x3ffff, 2));
  /* The CPU starts at F000:FFF0. */
  ck_assert_uint_eq(m->cpu->seg[S_CS].base + m->cpu->eip, 0xffff0u + (m->cpu->seg[S_CS].base >= 0xffff0000u ? 0xfff00000u : 0));
  machine_free(m);
}
END_TEST

START_TEST(test_cmos_memory) {
  Machine *m = make(base_cfg(rom64, 32));
  ck_assert_uint_eq(cmos(m, 0x15) | (cmos(m, 0x16) << 8), 640);
  ck_assert_uint_eq(cmos(m, 0x17) | (cmos(m, 0x18) << 8), 31 * 1024);
  ck_assert_uint_eq(cmos(m, 0x30) | (cmos(m, 0x31) << 8), 31 * 1024);
  ck_assert_uint_eq(cmos(m, 0x34) | (cmos(m, 0x35) << 8), 256); /* 16 MiB in 64 KiB blocks */
  ck_assert_uint_eq(cmos(m, 0x3d), 0x12); /* c then a */
  ck_assert_uint_eq(cmos(m, 0x38) >> 4, 3); /* then d */
  uint16_t sum = 0;
  for (int i = 0x10; i <= 0x2d; i++)
    sum = (uint16_t)(sum + cmos(m, i));
  ck_assert_uint_eq((cmos(m, 0x2e) << 8) | cmos(m, 0x2f), sum);
  machine_free(m);
  m = make(base_cfg(rom64, 512));
  ck_assert_uint_eq(cmos(m, 0x17) | (cmos(m, 0x18) << 8), 0xffff); /* capped */
  ck_assert_uint_eq(cmos(m, 0x34) | (cmos(m, 0x35) << 8), (512 - 16) * 16);
  machine_free(m);
}
END_TEST

START_TEST(test_cmos_disks) {
  char fd[128], hd[128];
  snprintf(fd, sizeof(fd), "%s/fd.img", tmpdir);
  snprintf(hd, sizeof(hd), "%s/hd.img", tmpdir);
  write_file(fd, 1474560, 0);
  write_file(hd, 16 * 63 * 512 * 20, 0);
  MachineConfig c = base_cfg(rom64, 16);
  c.images[PC_FDA] = fd;
  c.images[PC_HDA] = hd;
  c.boot = "acd";
  Machine *m = make(c);
  ck_assert_uint_eq(cmos(m, 0x10), 0x40);
  ck_assert_uint_eq(cmos(m, 0x14) & 0xc1, 0x01); /* one floppy */
  ck_assert_uint_eq(cmos(m, 0x12), 0xf0);
  ck_assert_uint_eq(cmos(m, 0x19), 47);
  ck_assert_uint_eq(cmos(m, 0x1b) | (cmos(m, 0x1c) << 8), 20);
  ck_assert_uint_eq(cmos(m, 0x1d), 16);
  ck_assert_uint_eq(cmos(m, 0x23), 63);
  ck_assert_uint_eq(cmos(m, 0x3d), 0x21);
  machine_free(m);
}
END_TEST

START_TEST(test_bad_images) {
  char err[256], empty[128], big[128], odd[128];
  snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
  snprintf(big, sizeof(big), "%s/big", tmpdir);
  snprintf(odd, sizeof(odd), "%s/odd.img", tmpdir);
  write_file(empty, 0, 0);
  write_file(big, 256 * 1024 + 1, 0);
  write_file(odd, 1000, 0);
  MachineConfig c = base_cfg("/nonexistent/bios.bin", 16);
  ck_assert_ptr_null(machine_new(&c, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/bios.bin"));
  c.bios_path = empty;
  ck_assert_ptr_null(machine_new(&c, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "size 0"));
  c.bios_path = big;
  ck_assert_ptr_null(machine_new(&c, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "262145"));
  c.bios_path = rom64;
  c.images[PC_HDA] = odd;
  ck_assert_ptr_null(machine_new(&c, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "--hda"));
  ck_assert_ptr_nonnull(strstr(err, "odd.img"));
  c.images[PC_HDA] = NULL;
  c.mem_mib = 0;
  ck_assert_ptr_null(machine_new(&c, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "--mem"));
}
END_TEST

/* One ATAPI packet to the secondary master; returns the status register
 * and the reply (up to n bytes) in out. */
static uint8_t atapi(Machine *m, const uint8_t pk[12], uint8_t *out, size_t n) {
  outb(m->bus, 0x176, 0xa0);
  outb(m->bus, 0x171, 0);
  outb(m->bus, 0x174, 0x00);
  outb(m->bus, 0x175, 0x08); /* byte count limit 2048 */
  outb(m->bus, 0x177, 0xa0);
  ck_assert(inb(m->bus, 0x177) & 0x08); /* DRQ for the packet */
  for (int i = 0; i < 12; i += 2)
    iobus_write(m->bus, 0x170, 2, (uint32_t)(pk[i] | pk[i + 1] << 8));
  clock_advance_to(m->clock, clock_now(m->clock) + 10000000); /* any seek delay */
  uint8_t st = inb(m->bus, 0x177);
  size_t got = 0;
  while ((st & 0x08) && got + 2 <= n) {
    uint32_t w = iobus_read(m->bus, 0x170, 2);
    out[got++] = (uint8_t)w;
    out[got++] = (uint8_t)(w >> 8);
    st = inb(m->bus, 0x177);
  }
  return st;
}

/* Sense key and ASC of the last failed command (REQUEST SENSE). */
static int sense(Machine *m) {
  uint8_t rs[12] = {0x03, 0, 0, 0, 18}, b[18] = {0};
  atapi(m, rs, b, sizeof b);
  return (b[2] & 0x0f) << 8 | b[12];
}

/* Without --cdrom the machine still has an empty CD-ROM drive, as a PC
 * does: not ready until a disc is inserted, then one UNIT ATTENTION
 * (medium changed), then the disc's capacity; eject makes it not ready. */
START_TEST(test_empty_cd_drive) {
  char iso[160];
  snprintf(iso, sizeof iso, "%s/disc.iso", tmpdir);
  write_file(iso, 100 * 2048, 3);
  Machine *m = make(base_cfg(rom64, 16));
  char err[256];
  uint8_t tur[12] = {0}, cap[12] = {0x25}, b[8];
  outb(m->bus, 0x176, 0xa0);
  ck_assert_uint_eq(inb(m->bus, 0x174), 0x14); /* the ATAPI signature */
  ck_assert_uint_eq(inb(m->bus, 0x175), 0xeb);
  ck_assert(atapi(m, tur, b, 0) & 0x01);
  ck_assert_int_eq(sense(m), 0x23a); /* NOT READY, medium not present */
  ck_assert_int_eq(machine_change_media(m, PC_CDROM, iso, err, sizeof err), 0);
  ck_assert(atapi(m, tur, b, 0) & 0x01);
  ck_assert_int_eq(sense(m), 0x628); /* UNIT ATTENTION, medium changed */
  ck_assert(!(atapi(m, tur, b, 0) & 0x01));
  ck_assert(!(atapi(m, cap, b, sizeof b) & 0x01));
  ck_assert_uint_eq((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], 99); /* last LBA */
  ck_assert_int_eq(machine_change_media(m, PC_CDROM, NULL, err, sizeof err), 0);
  ck_assert(atapi(m, tur, b, 0) & 0x01);
  ck_assert_int_eq(sense(m) >> 8, 0x6); /* the change is reported first */
  ck_assert(atapi(m, tur, b, 0) & 0x01);
  ck_assert_int_eq(sense(m), 0x23a);
  machine_free(m);
}
END_TEST

START_TEST(test_irq_wiring) {
  Machine *m = make(base_cfg(rom64, 16));
  ck_assert(!m->cpu->intr);
  /* PIC as the BIOS sets it up; PIT channel 0 at 1 kHz. */
  outb(m->bus, 0x20, 0x11); outb(m->bus, 0x21, 0x08); outb(m->bus, 0x21, 0x04); outb(m->bus, 0x21, 0x01);
  outb(m->bus, 0xa0, 0x11); outb(m->bus, 0xa1, 0x70); outb(m->bus, 0xa1, 0x02); outb(m->bus, 0xa1, 0x01);
  outb(m->bus, 0x21, 0xfe);
  outb(m->bus, 0xa1, 0xff);
  outb(m->bus, 0x43, 0x34);
  outb(m->bus, 0x40, 0xa9);
  outb(m->bus, 0x40, 0x04); /* 1193 */
  clock_advance_to(m->clock, 999000);
  ck_assert(!m->cpu->intr);
  clock_advance_to(m->clock, 1000000);
  ck_assert(m->cpu->intr);
  ck_assert_int_eq(m->cpu->int_ack(m->cpu->io_opaque), 0x08);
  ck_assert(!m->cpu->intr);
  /* RTC periodic interrupt reaches the CPU through the slave. */
  outb(m->bus, 0x20, 0x20);
  outb(m->bus, 0x21, 0xfb);
  outb(m->bus, 0xa1, 0xfe);
  outb(m->bus, 0x70, 0x0b);
  outb(m->bus, 0x71, 0x42);
  clock_advance_to(m->clock, 3000000);
  ck_assert(m->cpu->intr);
  ck_assert_int_eq(m->cpu->int_ack(m->cpu->io_opaque), 0x70);
  machine_free(m);
}
END_TEST

START_TEST(test_exit_and_idle_loop) {
  Machine *m = make(base_cfg(rom64, 16));
  m->dbg->e9_out = NULL;
  outb(m->bus, 0x80, 0x42);
  ck_assert_int_eq(machine_post_code(m), 0x42);
  /* Halted with interrupts on and all IRQs masked: time skips to the timeout. */
  outb(m->bus, 0x21, 0xff);
  outb(m->bus, 0xa1, 0xff);
  m->cpu->halted = true;
  m->cpu->eflags |= F_IF;
  Runner *r = runner_new(m);
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(runner_run(r, 2.5), MSTOP_TIMEOUT);
  ck_assert_uint_ge(clock_now(m->clock), 2500000000ull);
  ck_assert_uint_lt(clock_now(m->clock), 2600000000ull);
  ck_assert_uint_eq(m->cpu->icount, 0);
  /* The RTC kept time meanwhile (2024-01-01 00:00:02). */
  outb(m->bus, 0x70, 0x00);
  ck_assert_uint_eq(inb(m->bus, 0x71), 0x02);
  outb(m->bus, 0xf4, 0x21);
  ck_assert_int_eq(runner_run(r, 1), MSTOP_GUEST_EXIT);
  ck_assert_int_eq(m->exit_status, 0x43);
  runner_free(r);
  machine_free(m);
}
END_TEST

START_TEST(test_script) {
  Machine *m = make(base_cfg(rom64, 16));
  Runner *r = runner_new(m);
  char err[256];
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(runner_script_add(r, SCRIPT_EXPECT, "login:", err, sizeof err), 0);
  ck_assert_int_eq(runner_script_add(r, SCRIPT_SEND, "root\\n", err, sizeof err), 0);
  ck_assert_int_eq(runner_script_add(r, SCRIPT_EXPECT, "# ", err, sizeof err), 0);
  /* Bad steps are refused with a reason. */
  ck_assert_int_eq(runner_script_add(r, SCRIPT_SEND, "\\xZZ", err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "hex digits"));
  ck_assert_int_eq(runner_script_add(r, SCRIPT_EXPECT, "", err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "match at once"));
  outb(m->bus, 0x21, 0xff);
  outb(m->bus, 0xa1, 0xff);
  m->cpu->halted = true;
  m->cpu->eflags |= F_IF;
  ck_assert_int_eq(runner_run(r, 0.001), MSTOP_TIMEOUT); /* starts the script */
  outb(m->bus, 0x3fa, 0x01); /* FIFO on */
  for (const char *p = "x login"; *p; p++)
    outb(m->bus, 0x3f8, (uint8_t)*p);
  ck_assert_int_eq(r->script_pos, 0);
  outb(m->bus, 0x3f8, ':');
  ck_assert_int_eq(r->script_pos, 1);
  ck_assert_int_eq(runner_run(r, 0.01), MSTOP_TIMEOUT);
  char got[8] = {0};
  for (int i = 0; i < 5; i++) {
    ck_assert_uint_eq(inb(m->bus, 0x3fd) & 1, 1);
    got[i] = (char)inb(m->bus, 0x3f8);
  }
  ck_assert_str_eq(got, "root\n");
  ck_assert_int_eq(r->script_pos, 2);
  outb(m->bus, 0x3f8, '#');
  outb(m->bus, 0x3f8, ' ');
  ck_assert_int_eq(runner_run(r, 1), MSTOP_SCRIPT_DONE);
  runner_free(r);
  machine_free(m);
}
END_TEST

START_TEST(test_save_restore) {
  char snap[128], err[256];
  snprintf(snap, sizeof(snap), "%s/m.snap", tmpdir);
  Machine *m = make(base_cfg(rom64, 16));
  mem_write32(m->mem, 0x1000, 0xcafef00d);
  mem_write32(m->mem, 0xfff000, 0x12345678);
  outb(m->bus, 0x70, 0x40);
  outb(m->bus, 0x71, 0x99);
  outb(m->bus, 0x2ff, 0x77); /* COM2 scratch */
  outb(m->bus, 0x43, 0x34);
  outb(m->bus, 0x40, 0x00);
  outb(m->bus, 0x40, 0x10);
  m->cpu->regs[R_EBX] = 0xb0b0b0b0;
  m->cpu->eip = 0x1234;
  m->cpu->icount = 777;
  clock_sync_insns(m->clock); /* 777 instructions of virtual time */
  clock_advance_to(m->clock, 5000000);
  uint64_t pit_deadline = timer_deadline(m->pit->timer);
  ck_assert_int_eq(machine_save(m, snap, err, sizeof(err)), 0);
  machine_free(m);

  m = make(base_cfg(rom64, 16));
  ck_assert_int_eq(machine_restore(m, snap, err, sizeof(err)), 0);
  ck_assert_uint_eq(mem_read32(m->mem, 0x1000), 0xcafef00d);
  ck_assert_uint_eq(mem_read32(m->mem, 0xfff000), 0x12345678);
  ck_assert_uint_eq(cmos(m, 0x40), 0x99);
  ck_assert_uint_eq(inb(m->bus, 0x2ff), 0x77);
  ck_assert_uint_eq(m->cpu->regs[R_EBX], 0xb0b0b0b0);
  ck_assert_uint_eq(m->cpu->eip, 0x1234);
  ck_assert_uint_eq(m->cpu->icount, 777);
  ck_assert_uint_eq(clock_now(m->clock), 5000000);
  m->cpu->icount += 10;
  ck_assert_uint_eq(clock_now(m->clock), 5000000 + 10 * m->clock->ns_per_insn);
  ck_assert_uint_eq(timer_deadline(m->pit->timer), pit_deadline);
  machine_free(m);

  /* Other RAM size: refused, naming the sizes. */
  m = make(base_cfg(rom64, 32));
  mem_write32(m->mem, 0x1000, 0x11111111);
  ck_assert_int_eq(machine_restore(m, snap, err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, "16 MiB"));
  ck_assert_uint_eq(mem_read32(m->mem, 0x1000), 0x11111111);
  machine_free(m);

  /* Corrupt: one flipped byte in the middle. Refused, nothing changed. */
  FILE *f = fopen(snap, "r+b");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, size / 2, SEEK_SET);
  int ch = fgetc(f);
  fseek(f, size / 2, SEEK_SET);
  fputc(ch ^ 0xff, f);
  fclose(f);
  m = make(base_cfg(rom64, 16));
  mem_write32(m->mem, 0x1000, 0x22222222);
  ck_assert_int_eq(machine_restore(m, snap, err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, "corrupt"));
  ck_assert_uint_eq(mem_read32(m->mem, 0x1000), 0x22222222);
  machine_free(m);
}
END_TEST

/* The CPU's save table (src/hw/cpu_state.c): a round trip of every kind of
 * field, the layout pinned for this version, old versions refused by name. */
START_TEST(test_cpu_table) {
  const SaveTable *t = cpu_save_table();
  ck_assert_uint_eq(t->version, CPU_SAVE_VERSION);
  /* Changing the table (fields, sizes, order) changes this hash: then bump
   * CPU_SAVE_VERSION and record the new pair here. */
  ck_assert_uint_eq(CPU_SAVE_VERSION, 3);
  ck_assert_uint_eq(save_table_hash(t), CPU_TABLE_HASH_V3);

  Machine *m = make(base_cfg(rom64, 16));
  Cpu *c = m->cpu;
  c->regs[R_ESI] = 0x5151;
  c->cr[3] = 0x123000;
  c->dr[7] = 0x400;
  c->seg[S_FS].base = 0xabc000;
  c->seg[S_TR].limit = 0x67;
  c->sysenter_eip = 0xc0001000;
  c->tsc_offset = 0x123456789abull;
  c->fpu.st[3].mant = 0x8000000000000001ull;
  c->fpu.st[3].sexp = 0x3fff;
  c->fpu.cw = 0x27f;
  c->fpu.xmm[7][15] = 0xee;
  c->icount = 99;
  c->halted = true;
  c->inhibit_irq = true;
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(save_put_table(w, "cpu", t, c), 0);
  SaveTable old = *t;
  old.version = 1;
  ck_assert_int_eq(save_put_table(w, "cpu1", &old, c), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  Machine *m2 = make(base_cfg(rom64, 16));
  Cpu *d = m2->cpu;
  ck_assert_int_eq(save_get_table(r, "cpu", t, d), 0);
  ck_assert_uint_eq(d->regs[R_ESI], 0x5151);
  ck_assert_uint_eq(d->cr[3], 0x123000);
  ck_assert_uint_eq(d->dr[7], 0x400);
  ck_assert_uint_eq(d->seg[S_FS].base, 0xabc000);
  ck_assert_uint_eq(d->seg[S_TR].limit, 0x67);
  ck_assert_uint_eq(d->sysenter_eip, 0xc0001000);
  ck_assert_uint_eq(d->tsc_offset, 0x123456789abull);
  ck_assert_uint_eq(d->fpu.st[3].mant, 0x8000000000000001ull);
  ck_assert_uint_eq(d->fpu.st[3].sexp, 0x3fff);
  ck_assert_uint_eq(d->fpu.cw, 0x27f);
  ck_assert_uint_eq(d->fpu.xmm[7][15], 0xee);
  ck_assert_uint_eq(d->icount, 99);
  ck_assert(d->halted);
  ck_assert(d->inhibit_irq);
  /* A version-1 CPU record is refused with both versions named. */
  ck_assert_int_eq(save_check_table(r, "cpu1", t), -1);
  ck_assert_ptr_nonnull(strstr(save_error(r), "version 1, this build expects version 3"));
  save_reader_free(r);
  save_writer_free(w);
  machine_free(m2);
  machine_free(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_pc");
  TCase *tc = tcase_create("pc");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_rom_mapping);
  tcase_add_test(tc, test_cmos_memory);
  tcase_add_test(tc, test_cmos_disks);
  tcase_add_test(tc, test_bad_images);
  tcase_add_test(tc, test_irq_wiring);
  tcase_add_test(tc, test_empty_cd_drive);
  tcase_add_test(tc, test_exit_and_idle_loop);
  tcase_add_test(tc, test_script);
  tcase_add_test(tc, test_save_restore);
  tcase_add_test(tc, test_cpu_table);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
