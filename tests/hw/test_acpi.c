/*
 * test_acpi.c — the ACPI PM registers (acpi_pm.c) through their ports while
 * stepping virtual time: the PM timer's rate and 24-bit wrap against the
 * clock, TMR_STS at each change of bit 23, PM1 status write-1-to-clear,
 * the SCI as a level that follows status & enable, SCI_EN always set, S5
 * through SLP_TYP/SLP_EN, save/restore; and on a --machine pc board: the
 * tables built over a ROM's marked area (checksums, the FADT's blocks),
 * the FADT's reset register resetting the machine, S5 ending the run with
 * MSTOP_POWER_OFF, the SCI reaching the 8259 and the I/O APIC on IRQ 9.
 * The PIIX4 PM function's configuration registers (IDs, PMBA, PMREGMISC,
 * SMBus storage) and the PM block following PMBA while PMREGMISC enables
 * it, across a save/restore too; on the board, through CF8h/CFCh.
 */
#include "hwtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "acpi_pm.h"
#include "acpi_tables.h"
#include "ioapic.h"
#include "piix3.h"
#include "pc.h"

static Clock *clk;
static IoBus *bus;
static AcpiPm *pm;
static IrqRec sci;
static int power_offs;

static void count_power_off(void *opaque) { (void)opaque; power_offs++; }

static void setup(void) {
  clk = clock_new(true, 10);
  bus = iobus_new();
  memset(&sci, 0, sizeof sci);
  sci.clock = clk;
  pm = acpi_pm_new(bus, NULL, clk, irqrec_line(&sci));
  ck_assert_ptr_nonnull(pm);
  acpi_pm_set_base(pm, ACPI_PM_BASE); /* as our BIOS programs it */
  pm->power_off = count_power_off;
  power_offs = 0;
}
static void teardown(void) {
  acpi_pm_free(pm);
  iobus_free(bus);
  clock_free(clk);
}

static uint16_t inw(uint16_t port) { return (uint16_t)iobus_read(bus, port, 2); }
static void outw(uint16_t port, uint16_t v) { iobus_write(bus, port, 2, v); }
static uint32_t tmr(void) { return iobus_read(bus, ACPI_PM_TMR, 4); }

START_TEST(test_timer_rate) {
  ck_assert_uint_eq(tmr(), 0);
  clock_advance_to(clk, NS_PER_SEC);
  ck_assert_uint_eq(tmr(), ACPI_PM_TIMER_HZ); /* one second: 3579545 ticks exactly */
  clock_advance_to(clk, NS_PER_SEC + 1000);   /* 1 us more: 3.58 ticks */
  ck_assert_uint_eq(tmr() - ACPI_PM_TIMER_HZ, 3);
  /* 24 bits: after 2^24 ticks (4.69 s) it wraps. */
  clock_advance_to(clk, clock_ticks_to_ns(1u << 24, ACPI_PM_TIMER_HZ) + 1000);
  ck_assert_uint_lt(tmr(), 8);
  ck_assert_uint_eq(tmr() & 0xff000000u, 0);
  /* byte reads assemble the same value within one instruction */
  uint32_t b = 0;
  for (int i = 0; i < 4; i++)
    b |= (uint32_t)inb(bus, (uint16_t)(ACPI_PM_TMR + i)) << (8 * i);
  ck_assert_uint_eq(b, tmr());
  iobus_write(bus, ACPI_PM_TMR, 4, 0x123456); /* read-only */
  ck_assert_uint_eq(b, tmr());
}
END_TEST

START_TEST(test_timer_status_and_sci) {
  uint64_t t23 = clock_ticks_to_ns(1u << 23, ACPI_PM_TIMER_HZ);
  clock_advance_to(clk, t23 - 1);
  ck_assert_uint_eq(inw(ACPI_PM1_EVT) & ACPI_TMR_STS, 0);
  clock_advance_to(clk, t23);
  ck_assert_uint_eq(inw(ACPI_PM1_EVT) & ACPI_TMR_STS, ACPI_TMR_STS); /* bit 23 set */
  ck_assert_int_eq(sci.level, 0); /* not enabled: no SCI */
  outw(ACPI_PM1_EVT + 2, ACPI_TMR_STS); /* TMR_EN: the pending status raises it now */
  ck_assert_int_eq(sci.level, 1);
  ck_assert_uint_eq(sci.rise_ns[0], t23);
  outw(ACPI_PM1_EVT, 0); /* writing 0 clears nothing */
  ck_assert_int_eq(sci.level, 1);
  outw(ACPI_PM1_EVT, ACPI_TMR_STS); /* write 1 to clear */
  ck_assert_uint_eq(inw(ACPI_PM1_EVT) & ACPI_TMR_STS, 0);
  ck_assert_int_eq(sci.level, 0);
  /* the next change of bit 23 (back to 0 at the wrap) sets it again */
  uint64_t t24 = clock_ticks_to_ns(1u << 24, ACPI_PM_TIMER_HZ);
  clock_advance_to(clk, t24 - 1);
  ck_assert_int_eq(sci.level, 0);
  clock_advance_to(clk, t24);
  ck_assert_int_eq(sci.level, 1);
  ck_assert_int_eq(sci.nrise, 2);
  ck_assert_uint_eq(sci.rise_ns[1], t24);
}
END_TEST

START_TEST(test_power_button_w1c) {
  acpi_pm_power_button(pm);
  ck_assert_uint_eq(inw(ACPI_PM1_EVT), ACPI_PWRBTN_STS);
  ck_assert_int_eq(sci.level, 0);
  outw(ACPI_PM1_EVT + 2, 0x0100); /* PWRBTN_EN */
  ck_assert_uint_eq(inw(ACPI_PM1_EVT + 2), 0x0100);
  ck_assert_int_eq(sci.level, 1);
  outb(bus, ACPI_PM1_EVT, 0xff); /* the low byte: not this bit */
  ck_assert_int_eq(sci.level, 1);
  outb(bus, ACPI_PM1_EVT + 1, 0x01); /* the high byte's bit 0 = bit 8 */
  ck_assert_uint_eq(inw(ACPI_PM1_EVT), 0);
  ck_assert_int_eq(sci.level, 0);
  outw(ACPI_PM1_EVT + 2, 0xffff);
  ck_assert_uint_eq(inw(ACPI_PM1_EVT + 2), ACPI_PM1_EN_BITS); /* reserved bits read 0 */
  /* GPE0: status write-1-to-clear, enable read/write */
  outw(ACPI_GPE0 + 2, 0x00ff);
  ck_assert_uint_eq(inw(ACPI_GPE0 + 2), 0x00ff);
  ck_assert_uint_eq(inw(ACPI_GPE0), 0);
}
END_TEST

START_TEST(test_sleep) {
  ck_assert_uint_eq(inw(ACPI_PM1_CNT) & ACPI_SCI_EN, ACPI_SCI_EN); /* always ACPI mode */
  outw(ACPI_PM1_CNT, 0);
  ck_assert_uint_eq(inw(ACPI_PM1_CNT), ACPI_SCI_EN);
  outw(ACPI_PM1_CNT, (uint16_t)(ACPI_SLP_TYP_S5 << 10)); /* the type alone: nothing */
  ck_assert_int_eq(power_offs, 0);
  outw(ACPI_PM1_CNT, (uint16_t)(ACPI_SLP_TYP_S0 << 10 | ACPI_SLP_EN)); /* S0: nothing */
  ck_assert_int_eq(power_offs, 0);
  ck_assert_uint_eq(inw(ACPI_PM1_CNT), ACPI_SLP_TYP_S0 << 10 | ACPI_SCI_EN); /* SLP_EN reads 0 */
  outw(ACPI_PM1_CNT, (uint16_t)(ACPI_SLP_TYP_S5 << 10 | ACPI_SLP_EN | ACPI_SCI_EN));
  ck_assert_int_eq(power_offs, 1);
  /* a byte write of the high byte alone, as some OSes do */
  outb(bus, ACPI_PM1_CNT + 1, (uint8_t)((ACPI_SLP_TYP_S5 << 10 | ACPI_SLP_EN) >> 8));
  ck_assert_int_eq(power_offs, 2);
}
END_TEST

/* The PM device saved, then reset: a reader of what was saved (free both). */
static SaveReader *save_then_reset(SaveWriter **w) {
  *w = save_writer_new();
  ck_assert_int_eq(device_save(&pm->dev, *w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(*w, &len);
  char err[200];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  acpi_pm_reset(pm);
  return r;
}

START_TEST(test_save_restore) {
  clock_advance_to(clk, clock_ticks_to_ns(1u << 23, ACPI_PM_TIMER_HZ));
  outw(ACPI_PM1_EVT + 2, ACPI_TMR_STS);
  outw(ACPI_PM1_CNT, ACPI_SLP_TYP_S0 << 10);
  ck_assert_int_eq(sci.level, 1);
  SaveWriter *w;
  SaveReader *r = save_then_reset(&w);
  ck_assert_int_eq(sci.level, 0);
  ck_assert_int_eq(device_check(&pm->dev, r), 0);
  ck_assert_int_eq(device_load(&pm->dev, r), 0);
  ck_assert_int_eq(sci.level, 1); /* the line follows the restored bits */
  ck_assert_uint_eq(inw(ACPI_PM1_CNT), ACPI_SLP_TYP_S0 << 10 | ACPI_SCI_EN);
  outw(ACPI_PM1_EVT, ACPI_TMR_STS);
  ck_assert_int_eq(sci.level, 0);
  uint64_t t24 = clock_ticks_to_ns(1u << 24, ACPI_PM_TIMER_HZ);
  clock_advance_to(clk, t24); /* the overflow timer was re-armed */
  ck_assert_int_eq(sci.level, 1);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

/* ---- the PCI function (01.3) ---- */

static uint32_t cfg_rd(uint8_t a, int size) { return pci_cfg_read(&pm->pci[0], a, size); }
static void cfg_wr(uint8_t a, int size, uint32_t v) { pci_cfg_write(&pm->pci[0], a, size, v); }
static const char *owner(uint16_t port) {
  const char *o = iobus_owner(bus, port);
  return o ? o : "free";
}

START_TEST(test_pci_config) {
  acpi_pm_reset(pm);
  ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 4), 0x71138086);
  ck_assert_uint_eq(cfg_rd(PCI_REVISION, 4), 0x06800003); /* class 0680h, rev 03 */
  ck_assert_uint_eq(cfg_rd(PCI_HEADER_TYPE, 1), 0x00);
  ck_assert_uint_eq(cfg_rd(PCI_INTERRUPT_PIN, 1), 0x01);
  cfg_wr(PCI_VENDOR_ID, 4, 0);                            /* read-only */
  ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 4), 0x71138086);
  /* PMBA: bit 0 reads 1, bits 15:6 writable (64-byte window), upper half 0 */
  ck_assert_uint_eq(cfg_rd(PIIX4_PMBA, 4), 0x00000001);
  cfg_wr(PIIX4_PMBA, 4, 0xffffffff);
  ck_assert_uint_eq(cfg_rd(PIIX4_PMBA, 4), 0x0000ffc1);
  cfg_wr(PIIX4_PMBA, 4, 0);
  ck_assert_uint_eq(cfg_rd(PIIX4_PMBA, 4), 0x00000001);
  /* PMREGMISC: bit 0 only */
  cfg_wr(PIIX4_PMREGMISC, 1, 0xff);
  ck_assert_uint_eq(cfg_rd(PIIX4_PMREGMISC, 1), 0x01);
  /* SMBus base and host configuration: stored */
  cfg_wr(PIIX4_SMBBA, 4, 0xffffffff);
  ck_assert_uint_eq(cfg_rd(PIIX4_SMBBA, 4), 0x0000fff1);
  cfg_wr(PIIX4_SMBHSTCFG, 1, 0xff);
  ck_assert_uint_eq(cfg_rd(PIIX4_SMBHSTCFG, 1), 0x0f);
  /* DEVACTB (58h) and DEVRESA (5Ch): plain storage */
  cfg_wr(0x58, 4, 0x12345678);
  cfg_wr(0x5c, 4, 0x9abcdef0);
  ck_assert_uint_eq(cfg_rd(0x58, 4), 0x12345678);
  ck_assert_uint_eq(cfg_rd(0x5c, 4), 0x9abcdef0);
  cfg_wr(PCI_INTERRUPT_LINE, 1, 9);
  ck_assert_uint_eq(cfg_rd(PCI_INTERRUPT_LINE, 1), 9);
  acpi_pm_reset(pm);                                      /* back to power-on */
  ck_assert_uint_eq(cfg_rd(PIIX4_PMBA, 4), 0x00000001);
  ck_assert_uint_eq(cfg_rd(0x58, 4), 0);
  ck_assert_uint_eq(cfg_rd(PIIX4_PMREGMISC, 1), 0);
}
END_TEST

START_TEST(test_pm_block_moves) {
  acpi_pm_reset(pm);
  ck_assert_str_eq(owner(ACPI_PM_BASE), "free");          /* power-on: nowhere */
  ck_assert_str_eq(owner(ACPI_GPE0), "acpi-gpe0");        /* GPE0 is fixed */
  cfg_wr(PIIX4_PMBA, 4, 0xb001);
  ck_assert_str_eq(owner(0xb000), "free");                /* PMREGMISC still 0 */
  ck_assert_uint_eq(iobus_read(bus, 0xb008, 4), 0xffffffff);
  cfg_wr(PIIX4_PMREGMISC, 1, 1);
  ck_assert_str_eq(owner(0xb000), "acpi-pm");
  ck_assert_str_eq(owner(0xb03f), "acpi-pm");             /* 64 bytes */
  ck_assert_str_eq(owner(0xb040), "free");
  ck_assert_str_eq(owner(ACPI_PM_BASE), "free");
  clock_advance_to(clk, NS_PER_SEC);
  ck_assert_uint_eq(iobus_read(bus, 0xb000 + ACPI_PM_TMR_OFF, 4), ACPI_PM_TIMER_HZ);
  iobus_write(bus, 0xb000 + ACPI_PM1_EN_OFF, 2, ACPI_PWRBTN_STS);
  /* moved while enabled: the registers keep their values */
  cfg_wr(PIIX4_PMBA, 2, 0xc041);
  ck_assert_str_eq(owner(0xb000), "free");
  ck_assert_str_eq(owner(0xc040), "acpi-pm");
  ck_assert_uint_eq(iobus_read(bus, 0xc040 + ACPI_PM1_EN_OFF, 2), ACPI_PWRBTN_STS);
  ck_assert_uint_eq(iobus_read(bus, 0xc040 + ACPI_PM1_CNT_OFF, 2), ACPI_SCI_EN);
  /* disabled: gone */
  cfg_wr(PIIX4_PMREGMISC, 1, 0);
  ck_assert_str_eq(owner(0xc040), "free");
  ck_assert_uint_eq(iobus_read(bus, 0xc040 + ACPI_PM1_EN_OFF, 2), 0xffff);
  /* over another device's ports: decodes nothing, and the other keeps them */
  ck_assert_int_eq(iobus_register(bus, 0xd010, 8, NULL, NULL, &sci, "other"), 0);
  cfg_wr(PIIX4_PMBA, 4, 0xd001);
  cfg_wr(PIIX4_PMREGMISC, 1, 1);
  ck_assert_str_eq(owner(0xd000), "free");
  ck_assert_str_eq(owner(0xd010), "other");
  cfg_wr(PIIX4_PMBA, 4, 0xb001); /* somewhere free again */
  ck_assert_str_eq(owner(0xb000), "acpi-pm");

  /* Save at B000h; after a reset (nowhere) the restore maps it there again. */
  SaveWriter *w;
  SaveReader *r = save_then_reset(&w);
  ck_assert_str_eq(owner(0xb000), "free");
  ck_assert_int_eq(device_load(&pm->dev, r), 0);
  ck_assert_str_eq(owner(0xb000), "acpi-pm");
  ck_assert_uint_eq(cfg_rd(PIIX4_PMBA, 4), 0xb001);
  ck_assert_uint_eq(iobus_read(bus, 0xb000 + ACPI_PM1_EN_OFF, 2), ACPI_PWRBTN_STS);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

/* ---- on the board ---- */

static char rom_path[64];

/* A 64 KiB ROM of HLTs with the table area's marker at F1000h. */
static void make_rom(void) {
  snprintf(rom_path, sizeof rom_path, "/tmp/x86vm-acpi-rom-XXXXXX");
  int fd = mkstemp(rom_path);
  ck_assert_int_ge(fd, 0);
  uint8_t *img = malloc(65536);
  ck_assert_ptr_nonnull(img);
  memset(img, 0xf4, 65536);
  memcpy(img + 0x1000, ACPI_AREA_MARKER, 16);
  uint32_t size = 4096;
  memcpy(img + 0x1010, &size, 4);
  static const uint8_t reset[] = {0xfa, 0xf4}; /* cli; hlt */
  memcpy(img + 0xfff0, reset, sizeof reset);
  ck_assert_int_eq(write(fd, img, 65536), 65536);
  close(fd);
  free(img);
}

static Machine *make_pc(bool apic) {
  MachineConfig c = {0};
  c.mem_mib = 4;
  c.bios_path = rom_path;
  c.serial = "null";
  c.deterministic = true;
  c.boot = "c";
  c.apic = apic;
  char err[256];
  Machine *m = machine_new(&c, err, sizeof(err));
  if (!m)
    ck_abort_msg("machine_new: %s", err);
  m->bus->log_unclaimed = false;
  return m;
}

static uint32_t rd32(Machine *m, uint32_t a) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++)
    v |= (uint32_t)mem_read8(m->mem, a + (uint32_t)i) << (8 * i);
  return v;
}
static bool sum_ok(Machine *m, uint32_t a, uint32_t n) {
  uint8_t s = 0;
  for (uint32_t i = 0; i < n; i++)
    s = (uint8_t)(s + mem_read8(m->mem, a + i));
  return s == 0;
}

/* What firmware does: PMBA = 600h | 1, PMREGMISC = 1, by mechanism #1. */
static void program_pm(Machine *m) {
  iobus_write(m->bus, 0xcf8, 4, 0x80000000u | PIIX4_PM_DEVFN << 8 | PIIX4_PMBA);
  iobus_write(m->bus, 0xcfc, 4, ACPI_PM_BASE | 1);
  iobus_write(m->bus, 0xcf8, 4, 0x80000000u | PIIX4_PM_DEVFN << 8 | PIIX4_PMREGMISC);
  iobus_write(m->bus, 0xcfc, 1, 1);
}

START_TEST(test_board) {
  make_rom();
  Machine *isa = make_pc(false);
  ck_assert_uint_eq(mem_read8(isa->mem, 0xf1000), 'X'); /* --machine isa: the marker stays */
  ck_assert_ptr_null(isa->acpi);
  ck_assert_str_eq(iobus_owner(isa->bus, ACPI_PM1_EVT) ? "claimed" : "free", "free");
  machine_free(isa);

  Machine *m = make_pc(true);
  uint32_t rsdp = 0xf1000;
  ck_assert_uint_eq(rd32(m, rsdp), 0x20445352); /* "RSD " */
  ck_assert(sum_ok(m, rsdp, 20));
  uint32_t rsdt = rd32(m, rsdp + 16);
  ck_assert(sum_ok(m, rsdt, rd32(m, rsdt + 4)));
  uint32_t fadt = rd32(m, rsdt + 36);
  ck_assert_uint_eq(rd32(m, fadt), 0x50434146); /* "FACP" */
  ck_assert(sum_ok(m, fadt, rd32(m, fadt + 4)));
  uint32_t dsdt = rd32(m, fadt + 40);
  ck_assert(sum_ok(m, dsdt, rd32(m, dsdt + 4)));
  ck_assert_uint_eq(rd32(m, dsdt + 4), acpi_dsdt_aml_len);
  ck_assert_uint_eq(rd32(m, fadt + 64), ACPI_PM1_CNT);

  /* The PM function at 01.3; its block decodes once firmware (here: the
   * test, through the configuration ports) programs PMBA and PMREGMISC. */
  iobus_write(m->bus, 0xcf8, 4, 0x80000000u | PIIX4_PM_DEVFN << 8);
  ck_assert_uint_eq(iobus_read(m->bus, 0xcfc, 4), 0x71138086);
  ck_assert_ptr_null(iobus_owner(m->bus, ACPI_PM1_EVT));
  program_pm(m);
  ck_assert_str_eq(iobus_owner(m->bus, ACPI_PM1_EVT), "acpi-pm");

  /* The SCI reaches the 8259 (IRR bit 9 = slave IRR bit 1) and I/O APIC pin 9. */
  iobus_write(m->bus, ACPI_PM1_EVT + 2, 2, ACPI_PWRBTN_STS);
  acpi_pm_power_button(m->acpi);
  ck_assert_uint_eq(m->ioapic->lines & (1u << 9), 1u << 9);
  iobus_write(m->bus, ACPI_PM1_EVT, 2, ACPI_PWRBTN_STS);
  ck_assert_uint_eq(m->ioapic->lines & (1u << 9), 0);

  /* A PIRQ steered to ISA IRQ 10 reaches I/O APIC pin 10 (where SeaBIOS's
   * tables send it, as on QEMU's board) and pin 16 + n (where ours do). */
  iobus_write(m->bus, 0xcf8, 4, 0x80000000u | PCI_DEVFN(1, 0) << 8 | 0x60);
  iobus_write(m->bus, 0xcfc, 1, 10); /* PIRQA -> IRQ 10 */
  piix3_set_intx(m->piix3, 1, 1, 1);
  ck_assert_uint_eq(m->ioapic->lines & (1u << 10 | 1u << 16), 1u << 10 | 1u << 16);
  piix3_set_intx(m->piix3, 1, 1, 0);
  ck_assert_uint_eq(m->ioapic->lines & (1u << 10 | 1u << 16), 0);

  /* The FADT's reset register: write RESET_VALUE to its I/O port. */
  ck_assert_uint_eq(mem_read8(m->mem, fadt + 116), 1); /* system I/O */
  ck_assert(rd32(m, fadt + 112) & (1u << 10));          /* RESET_REG_SUP */
  uint16_t port = (uint16_t)rd32(m, fadt + 120);
  uint8_t value = mem_read8(m->mem, fadt + 128);
  ck_assert_int_eq(m->reset_requested, 0);
  iobus_write(m->bus, port, 1, value);
  ck_assert_int_eq(m->reset_requested, 1);
  machine_run_for(m, 1000000);
  ck_assert_int_eq(m->reset_requested, 0); /* the run loop reset the machine */
  ck_assert_uint_eq(rd32(m, rsdp), 0x20445352); /* and the tables are there again */
  ck_assert_ptr_null(iobus_owner(m->bus, ACPI_PM1_EVT)); /* PMREGMISC reset */
  program_pm(m);

  /* S5: the run ends with the power-off stop, and keeps ending so. */
  ck_assert_int_eq(machine_run_for(m, 1000000), MSTOP_HALT);
  iobus_write(m->bus, ACPI_PM1_CNT, 2, ACPI_SLP_TYP_S5 << 10 | ACPI_SLP_EN);
  ck_assert_int_eq(machine_run_for(m, 1000000), MSTOP_POWER_OFF);
  ck_assert_int_eq(machine_run_for(m, 1000000), MSTOP_POWER_OFF);
  machine_reset(m); /* switched on again */
  ck_assert_int_eq(machine_run_for(m, 1000000), MSTOP_HALT);
  machine_free(m);
  unlink(rom_path);
}
END_TEST

START_TEST(test_tables_small_area) {
  uint8_t buf[4096];
  size_t n = acpi_build_tables(buf, sizeof buf, 0xf1000);
  ck_assert_uint_gt(n, 0);
  ck_assert_uint_eq(acpi_build_tables(buf, n - 1, 0xf1000), 0); /* too small: nothing */
  ck_assert_uint_eq(acpi_checksum(buf, 20), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_acpi");
  TCase *tc = tcase_create("acpi_pm");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_timer_rate);
  tcase_add_test(tc, test_timer_status_and_sci);
  tcase_add_test(tc, test_power_button_w1c);
  tcase_add_test(tc, test_sleep);
  tcase_add_test(tc, test_save_restore);
  tcase_add_test(tc, test_pci_config);
  tcase_add_test(tc, test_pm_block_moves);
  suite_add_tcase(s, tc);
  TCase *tb = tcase_create("board");
  tcase_set_timeout(tb, 30);
  tcase_add_test(tb, test_board);
  tcase_add_test(tb, test_tables_small_area);
  suite_add_tcase(s, tb);
  return run_suite(s);
}
