/*
 * pc.c — the PC machine (see pc.h): builds the memory map, the CPU and the
 * chipset, fills the CMOS, runs the CPU in slices on the virtual clock,
 * and saves/restores the whole machine.
 */
#include "pc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bootimg.h"
#include "disk.h"
#include "dma8237.h"
#include "fdc.h"
#include "hostfile.h"
#include "cpu_state.h"
#include "ide.h"
#include "log.h"
#include "testdev.h"
#include "lapic.h"
#include "ioapic.h"
#include "acpi_pm.h"
#include "acpi_tables.h"
#include "pci.h"
#include "i440fx.h"
#include "piix3.h"
#include "piix_ide.h"
#ifdef X86VM_HAVE_VGA
#include "vga.h"
#include "vga_pci.h"
#endif

/* Frees the interpreter's decoded-instruction cache (src/interp/interp.c; no header yet). */
void interp_free(Cpu *c);

#define DEFAULT_NS_PER_INSN_DET 4   /* deterministic: a 250 MIPS machine */
#define DEFAULT_NS_PER_INSN_RT 1    /* real time: interpolation only, the host clock rules */
#define SLICE_MAX_INSNS 200000      /* longest CPU slice between event checks */
#define DETERMINISTIC_RTC_START 1704067200 /* 2024-01-01 00:00:00 UTC */

/* ---------------- small helpers ---------------- */

static void irq_share_set(void *opaque, int who, int level) {
  IrqShare *s = opaque;
  if (level)
    s->levels |= (uint8_t)(1u << who);
  else
    s->levels &= (uint8_t)~(1u << who);
  irq_set(&s->out, s->levels != 0);
}

int machine_add_device(Machine *m, Device dev) {
  if (m->ndevs >= PC_MAX_DEVICES)
    return -1;
  m->devs[m->ndevs++] = dev;
  return 0;
}

int machine_post_code(const Machine *m) { return m->dbg->post_seen ? m->dbg->post_code : -1; }

/* ---------------- callbacks from devices ---------------- */

/* The 8259's INTR output: the CPU's INTR pin, or LINT0 of its local APIC. */
static void cb_intr(void *opaque, int level) {
  Machine *m = opaque;
  if (m->lapic)
    lapic_set_lint(m->lapic, 0, level);
  else
    cpu_set_intr(m->cpu, level);
}

static int cb_int_ack(void *opaque) {
  Machine *m = opaque;
  return m->lapic ? lapic_int_ack(m->lapic) : pic_int_ack(m->pic);
}

/* The CPU's INTR line after a reset or restore of the CPU. */
static void update_intr(Machine *m) {
  if (m->lapic)
    lapic_update(m->lapic);
  else
    cpu_set_intr(m->cpu, m->pic->out);
}

/* --machine pc: ISA IRQ n goes to the 8259s and to I/O APIC pin n (IRQ0: pin 2). */
static void cb_isa_irq(void *opaque, int irq, int level) {
  Machine *m = opaque;
  pic_set_irq(m->pic, irq, level);
  ioapic_set_irq(m->ioapic, irq == 0 ? 2 : irq, level);
}

static IrqLine isa_irq(Machine *m, int irq) {
  return m->ioapic ? (IrqLine){cb_isa_irq, m, irq} : pic_irq_line(m->pic, irq);
}

static int cb_pic_ack(void *opaque) { return pic_int_ack(opaque); }

static bool cb_apic_deliver(void *opaque, uint8_t dest, bool logical, int mode, int vector, bool level) {
  return lapic_deliver(opaque, dest, logical, mode, vector, level);
}

/* INIT delivered to the CPU: done between instructions by the run loop. */
static void cb_apic_init(void *opaque) {
  Machine *m = opaque;
  m->init_requested = true;
  cpu_request_stop(m->cpu);
}

/* INIT: the CPU core and its APIC reset; RAM, devices, the APIC ID and base stay. */
static void machine_cpu_init(Machine *m) {
  uint64_t base = m->cpu->apic_base;
  cpu_reset(m->cpu);
  m->cpu->apic_base = base;
  lapic_init_reset(m->lapic);
  m->init_requested = false;
}

static uint32_t cb_port_in(void *opaque, uint16_t port, int size) {
  Machine *m = opaque;
  return iobus_read(m->bus, port, size);
}

static void cb_port_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Machine *m = opaque;
  iobus_write(m->bus, port, size, value);
}

static void cb_a20(void *opaque, bool on) {
  Machine *m = opaque;
  mem_set_a20(m->mem, on);
}

static void cb_reset(void *opaque) {
  Machine *m = opaque;
  m->reset_requested = true;
  cpu_request_stop(m->cpu);
}

/* ACPI S5: the machine is switched off; the run ends with MSTOP_POWER_OFF. */
static void cb_power_off(void *opaque) {
  Machine *m = opaque;
  m->power_off_requested = true;
  cpu_request_stop(m->cpu);
}

static void cb_exit(void *opaque, int status) {
  Machine *m = opaque;
  m->exit_requested = true;
  m->exit_status = status;
  cpu_request_stop(m->cpu);
}

static void cb_ferr(void *opaque, int level) {
  Machine *m = opaque;
  IrqLine l = isa_irq(m, 13);
  irq_set(&l, level);
}

/* Port F0h (PC/AT coprocessor latch): a write clears the FERR# latch, dropping IRQ13. */
static void cb_fpu_clear(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)port; (void)size; (void)value;
  Machine *m = opaque;
  IrqLine l = isa_irq(m, 13);
  irq_lower(&l);
}

static void cb_kick(void *opaque) {
  Machine *m = opaque;
  cpu_request_stop(m->cpu);
}

/* Every byte COM1 transmits goes to the front end's observer. */
static void com1_tx_hook(void *opaque, uint8_t b) {
  Machine *m = opaque;
  if (m->com1_observer)
    m->com1_observer(m->com1_observer_opaque, b);
}

/* ---------------- set-up ---------------- */

static int load_bios(Machine *m, const char *path, char *err, size_t errlen) {
  char why[128];
  uint64_t size;
  FILE *f = hostfile_open(path, PC_BIOS_MAX, &size, why, sizeof why);
  if (!f) {
    snprintf(err, errlen, "--bios %s: %s", path, why);
    return -1;
  }
  if (size == 0) {
    snprintf(err, errlen, "--bios %s: size %llu bytes (a ROM image must be 1 to %u bytes)", path,
             (unsigned long long)size, PC_BIOS_MAX);
    fclose(f);
    return -1;
  }
  m->bios_size = (uint32_t)size;
  m->bios = malloc(m->bios_size);
  if (!m->bios || fread(m->bios, 1, m->bios_size, f) != m->bios_size) {
    snprintf(err, errlen, "--bios %s: read error", path);
    fclose(f);
    return -1;
  }
  fclose(f);
  if (mem_map_rom(m->mem, (uint32_t)(0x100000000ull - m->bios_size), m->bios, m->bios_size,
                  "bios") < 0) {
    snprintf(err, errlen, "--bios %s: cannot map the ROM", path);
    return -1;
  }
  return 0;
}

/* Below 1 MiB the BIOS lives in shadow RAM, as after a real board's POST
 * (and QEMU's ISA PC): a copy of the image's last 128 KiB (or all of it)
 * ending at FFFFFh, written again at every reset.  Firmware that keeps its
 * variables in its own segment (SeaBIOS) needs it writable; a board without
 * a PCI host bridge has no PAM registers to unlock a ROM. */
static void copy_bios_shadow(Machine *m) {
  uint32_t lo = m->bios_size < 128u * 1024 ? m->bios_size : 128u * 1024;
  if (m->i440fx) {
    /* --machine pc: the PAM registers reset to "all to PCI", so the CPU
     * sees the ROMs there; the RAM behind them gets the same bytes, as
     * firmware that only opens the shadow (without copying) expects. */
    memcpy(m->mem->ram + 0x100000u - lo, m->bios + m->bios_size - lo, lo);
    if (m->vga_bios)
      memcpy(m->mem->ram + 0xc0000, m->vga_bios, m->vga_bios_size);
    return;
  }
  mem_write_bytes(m->mem, 0x100000u - lo, m->bios + m->bios_size - lo, lo);
  if (m->vga_bios)
    mem_write_bytes(m->mem, 0xc0000, m->vga_bios, m->vga_bios_size);
}

/* --machine pc: the ACPI tables over the area our BIOS reserves for them
 * (acpi_tables.h), found by its marker in the ROM's image of the shadow.
 * A ROM without the marker gets none. */
static void install_acpi_tables(Machine *m) {
  uint32_t lo = m->bios_size < 128u * 1024 ? m->bios_size : 128u * 1024;
  const uint8_t *shadow = m->bios + m->bios_size - lo;
  for (uint32_t off = 0; off + 20 <= lo; off += 16) {
    if (memcmp(shadow + off, ACPI_AREA_MARKER, 16) != 0)
      continue;
    uint32_t size = (uint32_t)shadow[off + 16] | (uint32_t)shadow[off + 17] << 8 |
                    (uint32_t)shadow[off + 18] << 16 | (uint32_t)shadow[off + 19] << 24;
    uint32_t base = 0x100000u - lo + off;
    if (size > lo - off || (base & 63)) {
      x86_log(LOG_NOTE, "acpi: the BIOS's table area at %#x is malformed: no ACPI tables", base);
      return;
    }
    uint8_t buf[8192];
    size_t n = acpi_build_tables(buf, size < sizeof buf ? size : sizeof buf, base);
    if (!n) {
      x86_log(LOG_NOTE, "acpi: the BIOS's table area (%u bytes) is too small: no ACPI tables", size);
      return;
    }
    if (m->legacy_rom) {
      /* With PCI the area is what PAM says: the ROM's view (read while a
       * segment is sent to PCI, and what our BIOS copies into its shadow)
       * and the RAM behind it both get the tables. */
      memcpy(m->legacy_rom + (base - (0x100000u - I440FX_LEGACY_SIZE)), buf, n);
      memcpy(m->mem->ram + base, buf, n);
    } else {
      mem_write_bytes(m->mem, base, buf, (uint32_t)n);
    }
    return;
  }
}

/* --machine pc: what PCI shows at C0000h-FFFFFh while a PAM segment sends
 * reads there: the video BIOS at C0000h, the BIOS image's last 128 KiB
 * (the chipset's alias of the top of 4 GiB) ending at FFFFFh, FFh between. */
static int build_legacy_rom(Machine *m) {
  m->legacy_rom = malloc(I440FX_LEGACY_SIZE);
  if (!m->legacy_rom)
    return -1;
  memset(m->legacy_rom, 0xff, I440FX_LEGACY_SIZE);
  uint32_t lo = m->bios_size < 128u * 1024 ? m->bios_size : 128u * 1024;
  memcpy(m->legacy_rom + I440FX_LEGACY_SIZE - lo, m->bios + m->bios_size - lo, lo);
  if (m->vga_bios)
    memcpy(m->legacy_rom, m->vga_bios, m->vga_bios_size);
  return 0;
}

/* PIIX3 PCI interrupt steering: a PIRQ routed to ISA IRQ irq is that ISA
 * line, on the 8259s and on I/O APIC pin irq, as on QEMU's board (SeaBIOS's
 * MP table and DSDT send PCI interrupts there); the I/O APIC also has pins
 * 16-19 for PIRQA-D (our BIOS's MP table and our DSDT use those). */
static void cb_pirq_isa(void *opaque, int irq, int level) {
  Machine *m = opaque;
  pic_set_irq(m->pic, irq, level);
  ioapic_set_irq(m->ioapic, irq, level);
}

static void cb_pirq_apic(void *opaque, int pin, int level) {
  Machine *m = opaque;
  ioapic_set_irq(m->ioapic, pin, level);
}

static void cb_pci_reset(void *opaque) {
  Machine *m = opaque;
  m->reset_requested = true;
  cpu_request_stop(m->cpu);
}

/* --machine pc: PCI bus 0 and the i440FX host bridge (docs/PCI.md). */
static int add_pci(Machine *m, char *err, size_t errlen) {
  m->pci = pci_bus_new(m->bus);
  if (!m->pci || build_legacy_rom(m) < 0) {
    snprintf(err, errlen, "cannot create the PCI bus");
    return -1;
  }
  m->pci->reset = cb_pci_reset;
  m->pci->reset_opaque = m;
  machine_add_device(m, m->pci->dev);
  m->i440fx = i440fx_new(m->pci, m->mem, m->legacy_rom);
  if (!m->i440fx) {
    snprintf(err, errlen, "cannot create the PCI host bridge");
    return -1;
  }
  machine_add_device(m, m->i440fx->dev);
  m->piix3 = piix3_new(m->pci);
  if (!m->piix3) {
    snprintf(err, errlen, "cannot create the PCI-to-ISA bridge");
    return -1;
  }
  m->piix3->isa_irq = cb_pirq_isa;
  m->piix3->apic_irq = cb_pirq_apic;
  m->piix3->irq_opaque = m;
  machine_add_device(m, m->piix3->dev);
  return 0;
}

/* The option-ROM area from C8000h up to the BIOS shadow (and above the
 * video BIOS, when one is given) has nothing behind it, as on a board
 * without adapter ROMs: reads float high (FFh) and writes are lost, so
 * ROM scans and memory managers (EMS/UMB probes) see no memory there.
 * An MMIO region without callbacks does exactly that, and it keeps the
 * JIT's RAM window valid (the window never covers A0000h-FFFFFh). */
static int map_rom_hole(Machine *m) {
  uint32_t shadow = m->bios_size < 128u * 1024 ? m->bios_size : 128u * 1024;
  uint32_t lo = PC_ROM_HOLE_LO, hi = (0x100000u - shadow) & ~0x7ffu;
  if (m->vga_bios) {
    uint32_t vga_end = (0xc0000u + m->vga_bios_size + 0x7ffu) & ~0x7ffu;
    if (vga_end > lo)
      lo = vga_end;
  }
  if (hi > PC_ROM_HOLE_HI)
    hi = PC_ROM_HOLE_HI;
  if (lo >= hi)
    return 0;
  return mem_map_mmio(m->mem, lo, hi - lo, NULL, NULL, NULL, "rom-hole");
}

/* A video BIOS: an option ROM (55h AAh, length in 512-byte blocks) for C0000h. */
static int load_vga_bios(Machine *m, const char *path, char *err, size_t errlen) {
  char why[128];
  uint64_t size;
  FILE *f = hostfile_open(path, 0x10000, &size, why, sizeof why);
  if (!f) {
    snprintf(err, errlen, "--vga-bios %s: %s (an option ROM is 512 bytes to 64 KiB)", path, why);
    return -1;
  }
  uint8_t *buf = malloc(0x10000 + 1);
  size_t n = buf ? fread(buf, 1, 0x10000 + 1, f) : 0;
  fclose(f);
  if (!buf || n < 512 || n > 0x10000 || buf[0] != 0x55 || buf[1] != 0xaa) {
    snprintf(err, errlen, "--vga-bios %s: not an option ROM of 512 bytes to 64 KiB (55AA signature)",
             path);
    free(buf);
    return -1;
  }
  m->vga_bios = buf;
  m->vga_bios_size = (uint32_t)n;
  return 0;
}

static uint8_t floppy_cmos_type(const struct Disk *d) {
  if (!d)
    return 0;
  switch (d->size / 1024) {
  case 360: return 1;
  case 1200: return 2;
  case 720: return 3;
  case 1440: return 4;
  case 2880: return 5;
  default: return 4;
  }
}

static int boot_code(char c) {
  switch (c) {
  case 'a': return 1;
  case 'c': return 2;
  case 'd': return 3;
  default: return 0;
  }
}

static void setup_cmos(Machine *m) {
  Rtc *r = m->rtc;
  uint32_t kb = m->mem->ram_size / 1024;
  rtc_cmos_set(r, 0x15, 640 & 0xff);
  rtc_cmos_set(r, 0x16, 640 >> 8);
  uint32_t ext = kb > 1024 ? kb - 1024 : 0;
  if (ext > 0xffff)
    ext = 0xffff;
  rtc_cmos_set(r, 0x17, (uint8_t)ext);
  rtc_cmos_set(r, 0x18, (uint8_t)(ext >> 8));
  rtc_cmos_set(r, 0x30, (uint8_t)ext);
  rtc_cmos_set(r, 0x31, (uint8_t)(ext >> 8));
  uint32_t hi = m->mem->ram_size > 16u << 20 ? (m->mem->ram_size - (16u << 20)) >> 16 : 0;
  if (hi > 0xffff)
    hi = 0xffff;
  rtc_cmos_set(r, 0x34, (uint8_t)hi);
  rtc_cmos_set(r, 0x35, (uint8_t)(hi >> 8));
  rtc_cmos_set(r, 0x5b, 0);
  rtc_cmos_set(r, 0x5c, 0);
  rtc_cmos_set(r, 0x5d, 0);
  rtc_cmos_set(r, 0x5f, 0); /* CPUs - 1 */

  /* Floppies: types in 10h, count in the equipment byte. */
  uint8_t fa = floppy_cmos_type(m->disk[PC_FDA]), fb = floppy_cmos_type(m->disk[PC_FDB]);
  rtc_cmos_set(r, 0x10, (uint8_t)((fa << 4) | fb));
  int nfloppy = (fa != 0) + (fb != 0);
  uint8_t equip = 0x02; /* math coprocessor; display 00 = EGA/VGA */
  if (nfloppy)
    equip |= (uint8_t)(0x01 | ((nfloppy - 1) << 6));
  rtc_cmos_set(r, 0x14, equip);

  /* Hard disks: type 47 (user defined) with the geometry in 1Bh/24h. */
  uint8_t hd = 0;
  for (int i = 0; i < 2; i++) {
    struct Disk *d = m->disk[PC_HDA + i];
    if (!d)
      continue;
    hd |= (uint8_t)(i == 0 ? 0xf0 : 0x0f);
    rtc_cmos_set(r, 0x19 + i, 47);
    int base = i == 0 ? 0x1b : 0x24;
    uint32_t cyl = d->cylinders > 0xffff ? 0xffff : d->cylinders;
    rtc_cmos_set(r, base + 0, (uint8_t)cyl);
    rtc_cmos_set(r, base + 1, (uint8_t)(cyl >> 8));
    rtc_cmos_set(r, base + 2, (uint8_t)d->heads);
    rtc_cmos_set(r, base + 3, 0xff);
    rtc_cmos_set(r, base + 4, 0xff);
    rtc_cmos_set(r, base + 5, (uint8_t)(d->heads > 8 ? 0x08 : 0));
    rtc_cmos_set(r, base + 6, (uint8_t)cyl);
    rtc_cmos_set(r, base + 7, (uint8_t)(cyl >> 8));
    rtc_cmos_set(r, base + 8, (uint8_t)d->spt);
  }
  rtc_cmos_set(r, 0x12, hd);

  /* Boot order, QEMU's convention: 3Dh low nibble first, high nibble
   * second; 38h high nibble third (bit 0: skip the floppy signature check). */
  const char *order = m->cfg.boot;
  int b[3] = {0, 0, 0};
  for (int i = 0; i < 3 && order && order[i]; i++)
    b[i] = boot_code(order[i]);
  rtc_cmos_set(r, 0x3d, (uint8_t)(b[0] | (b[1] << 4)));
  rtc_cmos_set(r, 0x38, (uint8_t)(b[2] << 4));

  /* Standard AT checksum over 10h-2Dh at 2Eh/2Fh. */
  uint16_t sum = 0;
  for (int i = 0x10; i <= 0x2d; i++)
    sum = (uint16_t)(sum + rtc_cmos_get(r, i));
  rtc_cmos_set(r, 0x2e, (uint8_t)(sum >> 8));
  rtc_cmos_set(r, 0x2f, (uint8_t)sum);
}

static const char *drive_flag(int i) {
  static const char *names[PC_NDRIVES] = {"--fda", "--fdb", "--hda", "--hdb", "--cdrom"};
  return names[i];
}

const char *machine_drive_flag(int drive) {
  return drive >= 0 && drive < PC_NDRIVES ? drive_flag(drive) : "--?";
}

/* Is d's image already in another drive than skip?  One image in two
 * drives would be two guests' views of one file that each caches; a
 * read-write one would be corrupted.  Compared by host file identity, so
 * two names for one file (links, ./x and x) are caught too; with
 * --force-share no lock would catch it. */
static int image_in_other_drive(const Machine *m, const Disk *d, int skip) {
  for (int i = 0; i < PC_NDRIVES; i++)
    if (i != skip && m->disk[i] && m->disk[i]->dev == d->dev && m->disk[i]->ino == d->ino)
      return i;
  return -1;
}

/* The same by name, before opening: a second read-write open would meet
 * the first one's lock and blame "another process".  (After opening,
 * image_in_other_drive checks again, against a rename meanwhile.) */
static int path_in_other_drive(const Machine *m, const char *path, int skip) {
  struct stat st;
  if (stat(path, &st) != 0)
    return -1;
  Disk probe = {.dev = (uint64_t)st.st_dev, .ino = (uint64_t)st.st_ino};
  return image_in_other_drive(m, &probe, skip);
}

static int open_disks(Machine *m, char *err, size_t errlen) {
  for (int i = 0; i < PC_NDRIVES; i++) {
    const char *path = m->cfg.images[i];
    if (!path)
      continue;
    DiskKind kind = i <= PC_FDB ? DISK_FLOPPY : i == PC_CDROM ? DISK_CDROM : DISK_HD;
    DiskMode mode = i == PC_CDROM ? DISK_RO : m->cfg.snapshot ? DISK_SNAPSHOT : DISK_RW;
    char derr[256];
    int other = path_in_other_drive(m, path, i);
    if (other < 0) {
      m->disk[i] = disk_open_ex(path, kind, mode, m->cfg.force_share ? DISK_FORCE_SHARE : 0, derr,
                                sizeof(derr));
      if (!m->disk[i]) {
        snprintf(err, errlen, "%s: %s", drive_flag(i), derr);
        return -1;
      }
      other = image_in_other_drive(m, m->disk[i], i);
    }
    if (other >= 0) {
      snprintf(err, errlen, "%s %s: the same image as %s %s (an image goes in one drive only)",
               drive_flag(i), path, drive_flag(other), m->cfg.images[other]);
      return -1;
    }
  }
  return 0;
}

/* ---- storage and display devices (VGA/IDE/FDC/DMA, written against this
 * machine's interfaces in their own files) ---- */
static int add_storage_and_display(Machine *m, char *err, size_t errlen) {
  m->dma = dma_new(m->bus, m->mem);
  if (!m->dma) {
    snprintf(err, errlen, "cannot create the DMA controllers");
    return -1;
  }
  machine_add_device(m, m->dma->dev);
  m->fdc = fdc_new(m->bus, m->dma, isa_irq(m, 6));
  if (!m->fdc) {
    snprintf(err, errlen, "cannot create the floppy controller");
    return -1;
  }
  machine_add_device(m, m->fdc->dev);
  for (int i = 0; i < 2; i++)
    if (m->disk[PC_FDA + i] && fdc_attach(m->fdc, i, m->disk[PC_FDA + i]) < 0) {
      snprintf(err, errlen, "%s: cannot attach to the floppy controller", drive_flag(PC_FDA + i));
      return -1;
    }
  static const uint16_t ide_base[2] = {0x1f0, 0x170}, ide_ctl[2] = {0x3f6, 0x376};
  static const char *ide_name[2] = {"ide0", "ide1"};
  for (int i = 0; i < 2; i++) {
    m->ide[i] = ide_new(m->bus, ide_base[i], ide_ctl[i], isa_irq(m, 14 + i), ide_name[i]);
    if (!m->ide[i]) {
      snprintf(err, errlen, "cannot create IDE channel %d", i);
      return -1;
    }
    machine_add_device(m, m->ide[i]->dev);
  }
  /* hda/hdb: primary master/slave; the CD-ROM: secondary master. */
  if ((m->disk[PC_HDA] && ide_attach(m->ide[0], 0, m->disk[PC_HDA]) < 0) ||
      (m->disk[PC_HDB] && ide_attach(m->ide[0], 1, m->disk[PC_HDB]) < 0) ||
      (m->disk[PC_CDROM] && ide_attach(m->ide[1], 0, m->disk[PC_CDROM]) < 0)) {
    snprintf(err, errlen, "cannot attach a disk image to IDE");
    return -1;
  }
  if (m->pci) {
    m->piix_ide = piix_ide_new(m->pci, m->bus, m->mem, m->ide[0], m->ide[1]);
    if (!m->piix_ide) {
      snprintf(err, errlen, "cannot create the PCI IDE function");
      return -1;
    }
    machine_add_device(m, m->piix_ide->dev);
  }
  /* As on a PC, the CD-ROM drive is there without a disc: one can be
   * inserted later (monitor 'change', a file dropped on the window). */
  if (!m->disk[PC_CDROM] && ide_attach_empty_cd(m->ide[1], 0) < 0) {
    snprintf(err, errlen, "cannot attach the CD-ROM drive to IDE");
    return -1;
  }
#ifdef X86VM_HAVE_VGA
  m->vga = vga_new_mem(m->bus, m->mem, m->clock, m->cfg.vga_mem_mib);
  if (!m->vga) {
    snprintf(err, errlen, "cannot create the VGA (--vga-mem %u)", m->cfg.vga_mem_mib);
    return -1;
  }
  machine_add_device(m, m->vga->dev);
  if (m->pci) {
    m->vga_pci = vga_pci_new(m->pci, m->vga, PCI_DEVFN(2, 0), m->vga_bios, m->vga_bios_size);
    if (!m->vga_pci) {
      snprintf(err, errlen, "cannot put the VGA on the PCI bus");
      return -1;
    }
    machine_add_device(m, m->vga_pci->dev);
  }
#endif
  return 0;
}
/* ---- end of storage and display devices ---- */

/* --device testdev: QEMU's pc-testdev for external test suites. */
static int add_test_device(Machine *m, char *err, size_t errlen) {
  if (!m->cfg.testdev)
    return 0;
  IrqLine lines[TESTDEV_NIRQ];
  for (int n = 0; n < TESTDEV_NIRQ; n++)
    lines[n] = isa_irq(m, n);
  m->testdev = testdev_new(m->bus, m->mem, lines);
  if (!m->testdev) {
    snprintf(err, errlen, "cannot create the test device");
    return -1;
  }
  machine_add_device(m, m->testdev->dev);
  return 0;
}

Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen) {
  Machine *m = calloc(1, sizeof(*m));
  if (!m) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  m->cfg = *cfg;
  if (cfg->mem_mib < 1 || cfg->mem_mib > 3584) {
    snprintf(err, errlen, "--mem %u: want 1 to 3584 MiB", cfg->mem_mib);
    goto fail;
  }
  uint64_t npi = cfg->ns_per_insn ? cfg->ns_per_insn
                                  : cfg->deterministic ? DEFAULT_NS_PER_INSN_DET : DEFAULT_NS_PER_INSN_RT;
  m->mem = mem_create(cfg->mem_mib << 20);
  m->bus = iobus_new();
  m->clock = clock_new(cfg->deterministic, npi);
  if (m->clock && cfg->ns_per_insn)
    clock_fix_rate(m->clock); /* as configured, also in real time */
  if (!m->mem || !m->bus || !m->clock) {
    snprintf(err, errlen, "out of memory (--mem %u)", cfg->mem_mib);
    goto fail;
  }
  if (load_bios(m, cfg->bios_path, err, errlen) < 0)
    goto fail;
  if (cfg->vga_bios_path && load_vga_bios(m, cfg->vga_bios_path, err, errlen) < 0)
    goto fail;
  if (!cfg->apic && map_rom_hole(m) < 0) { /* --machine pc: PAM segments at 00b float high there */
    snprintf(err, errlen, "cannot map the option-ROM area");
    goto fail;
  }
  if (open_disks(m, err, errlen) < 0)
    goto fail;
  m->icount_stop = UINT64_MAX;
  m->ckpt_at = UINT64_MAX;
  m->cpu = cpu_create(m->mem);
  if (!m->cpu) {
    snprintf(err, errlen, "cannot create the CPU");
    goto fail;
  }
  cpu_set_model(m->cpu, cfg->cpu_model);
  /* Device RAM (the VGA's LFB) re-arms its dirty tracking by dropping TLB write pointers;
   * a change of the memory map (PAM, A20) is cpu_create's map_changed_hook (cpu.c). */
  m->mem->rearm_hook = (void (*)(void *))tlb_flush;
  m->mem->rearm_opaque = m->cpu;
  m->cpu->io_opaque = m;
  m->cpu->port_in = cb_port_in;
  m->cpu->port_out = cb_port_out;
  m->cpu->int_ack = cb_int_ack;
  m->cpu->fpu.ferr = cb_ferr;
  m->cpu->fpu.ferr_opaque = m;
  clock_attach_icount(m->clock, &m->cpu->icount);
  m->cpu->time_ns = clock_now_hook; /* the TSC counts virtual time */
  m->cpu->time_opaque = m->clock;
  m->clock->kick = cb_kick;
  m->clock->kick_opaque = m;

  /* Chipset.  --machine pc: the local APIC and the I/O APIC first, so that
   * the ISA lines devices drive while they are built reach them. */
  if (cfg->apic && cfg->cpu_model != CPU_MODEL_I686) {
    snprintf(err, errlen, "--machine pc needs --cpu i686 (an 80286 has no local APIC)");
    goto fail;
  }
  if (cfg->apic) {
    m->lapic = lapic_new(m->cpu, m->mem, m->clock, 0);
    m->ioapic = ioapic_new(m->mem, 1); /* ID 1: after the CPU's (the MP table says so) */
    if (!m->lapic || !m->ioapic) {
      snprintf(err, errlen, "cannot create the APICs");
      goto fail;
    }
    m->ioapic->deliver = cb_apic_deliver;
    m->ioapic->deliver_opaque = m->lapic;
    m->lapic->eoi_broadcast = ioapic_eoi;
    m->lapic->eoi_opaque = m->ioapic;
    m->lapic->init = cb_apic_init;
    m->lapic->init_opaque = m;
  }
  m->pic = pic_new(m->bus, cb_intr, m);
  if (m->lapic && m->pic) {
    m->lapic->ext_ack = cb_pic_ack;
    m->lapic->ext_opaque = m->pic;
  }
  m->pit = m->pic ? pit_new(m->bus, m->clock, isa_irq(m, 0)) : NULL;
  time_t start = cfg->have_rtc_start ? cfg->rtc_start
                 : cfg->deterministic ? (time_t)DETERMINISTIC_RTC_START : time(NULL);
  m->rtc = m->pic ? rtc_new(m->bus, m->clock, isa_irq(m, 8), start) : NULL;
  m->kbc = m->pic ? kbc_new(m->bus, m->clock, isa_irq(m, 1), isa_irq(m, 12),
                            cb_a20, cb_reset, m) : NULL;
  m->dbg = debugport_new(m->bus, cb_exit, m);
  m->spk = m->pit ? pcspk_new(m->pit, m->clock) : NULL;
  if (!m->pic || !m->pit || !m->rtc || !m->kbc || !m->dbg || !m->spk) {
    snprintf(err, errlen, "cannot create the chipset devices");
    goto fail;
  }
  m->fwcfg = fwcfg_new(m->bus);
  if (!m->fwcfg) {
    snprintf(err, errlen, "cannot create the fw_cfg device");
    goto fail;
  }
  machine_add_device(m, m->fwcfg->dev);
  if (cfg->apic) {
    /* SeaBIOS building its own MADT adds the IRQ0 -> GSI 2 override only
     * when QEMU's "etc/irq0-override" says the board wires the PIT there,
     * as this one does (cb_isa_irq). */
    static const uint8_t one[4] = {1, 0, 0, 0};
    if (fwcfg_add_file(m->fwcfg, "etc/irq0-override", one, sizeof one) < 0) {
      snprintf(err, errlen, "cannot add etc/irq0-override to fw_cfg");
      goto fail;
    }
  }
  if (m->vga_bios && !cfg->apic) {
    /* SeaBIOS runs "vgaroms/" files from fw_cfg as its video BIOS (on
     * --machine pc it is the VGA's expansion ROM instead, vga_pci.h). */
    const char *base = strrchr(cfg->vga_bios_path, '/');
    char name[FWCFG_NAME_LEN];
    snprintf(name, sizeof(name), "vgaroms/%.40s", base ? base + 1 : cfg->vga_bios_path);
    if (fwcfg_add_file(m->fwcfg, name, m->vga_bios, m->vga_bios_size) < 0) {
      snprintf(err, errlen, "--vga-bios %s: cannot add it to fw_cfg", cfg->vga_bios_path);
      goto fail;
    }
  }
  m->rtc->nmi_mask_out = NULL;
  iobus_register(m->bus, 0xf0, 1, NULL, cb_fpu_clear, m, "fpu-latch");
  machine_add_device(m, m->pic->dev);
  if (m->lapic) {
    machine_add_device(m, m->lapic->dev);
    machine_add_device(m, m->ioapic->dev);
  }
  if (cfg->apic && add_pci(m, err, errlen) < 0)
    goto fail;
  if (m->pci) {
    /* The PIIX4's PM function (01.3) with the ACPI registers; the SCI is ISA IRQ 9. */
    m->acpi = acpi_pm_new(m->bus, m->pci, m->clock, isa_irq(m, ACPI_SCI_IRQ));
    if (!m->acpi) {
      snprintf(err, errlen, "cannot create the ACPI PM function");
      goto fail;
    }
    m->acpi->power_off = cb_power_off;
    m->acpi->power_off_opaque = m;
    machine_add_device(m, m->acpi->dev);
  }
  machine_add_device(m, m->pit->dev);
  machine_add_device(m, m->rtc->dev);
  machine_add_device(m, m->kbc->dev);
  machine_add_device(m, m->dbg->dev);

  /* Serial ports: COM1 on the chosen backend; COM1/3 share IRQ4, COM2/4 IRQ3. */
  m->serial = chardev_open(cfg->serial ? cfg->serial : "null", err, errlen);
  if (!m->serial)
    goto fail;
  m->com_irq[0].out = isa_irq(m, 4);
  m->com_irq[1].out = isa_irq(m, 3);
  static const uint16_t com_base[4] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
  for (int i = 0; i < 4; i++) {
    IrqLine line = {irq_share_set, &m->com_irq[i & 1], i >> 1};
    m->uart[i] = uart_new(m->bus, m->clock, com_base[i], line, i == 0 ? m->serial : NULL, i);
    if (!m->uart[i]) {
      snprintf(err, errlen, "cannot create COM%d", i + 1);
      goto fail;
    }
    machine_add_device(m, m->uart[i]->dev);
  }
  m->uart[0]->tx_hook = com1_tx_hook;
  m->uart[0]->tx_hook_opaque = m;

  if (add_storage_and_display(m, err, errlen) < 0 || add_test_device(m, err, errlen) < 0)
    goto fail;

  setup_cmos(m);
  machine_reset(m);
  return m;
fail:
  machine_free(m);
  return NULL;
}

void machine_free(Machine *m) {
  if (!m)
    return;
  boot_forget(m);
  for (int i = 0; i < 4; i++)
    uart_free(m->uart[i]);
#ifdef X86VM_HAVE_VGA
  vga_pci_free(m->vga_pci);
  vga_free(m->vga);
#endif
  piix_ide_free(m->piix_ide);
  for (int i = 0; i < 2; i++)
    ide_free(m->ide[i]);
  fdc_free(m->fdc);
  dma_free(m->dma);
  debugport_free(m->dbg);
  testdev_free(m->testdev);
  fwcfg_free(m->fwcfg);
  kbc_free(m->kbc);
  rtc_free(m->rtc);
  pcspk_free(m->spk);
  pit_free(m->pit);
  pic_free(m->pic);
  lapic_free(m->lapic);
  ioapic_free(m->ioapic);
  acpi_pm_free(m->acpi);
  i440fx_free(m->i440fx);
  piix3_free(m->piix3);
  pci_bus_free(m->pci);
  free(m->legacy_rom);
  if (m->cpu) {
    interp_free(m->cpu);
    cpu_destroy(m->cpu);
  }
  for (int i = 0; i < PC_NDRIVES; i++) {
    disk_close(m->disk[i]);
    free(m->media_path[i]);
  }
  chardev_close(m->serial);
  clock_free(m->clock);
  iobus_free(m->bus);
  if (m->mem)
    mem_destroy(m->mem);
  free(m->bios);
  free(m->vga_bios);
  free(m);
}

void machine_reset(Machine *m) {
  copy_bios_shadow(m);
  if (m->acpi)
    install_acpi_tables(m);
  cpu_reset(m->cpu);
  /* The PIC last, so edges other devices make while resetting are not latched. */
  for (int i = 0; i < m->ndevs; i++)
    if (m->devs[i].reset && m->devs[i].opaque != m->pic)
      m->devs[i].reset(m->devs[i].opaque);
  pic_reset(m->pic);
  boot_replay(m); /* a --kernel boot again (its PIC set-up included) */
  update_intr(m);
  m->reset_requested = false;
  m->init_requested = false;
  m->power_off_requested = false;
}

/* ---------------- media ---------------- */

int machine_classify_image(const char *path, char *err, size_t errlen) {
  char why[160];
  uint64_t size;
  /* Only a peek at the content; disk_open applies each drive's bounds. */
  int fd = hostfile_open_fd(path, O_RDONLY, HOSTFILE_REG | HOSTFILE_BLK, UINT64_MAX, &size, why,
                            sizeof why);
  if (fd < 0) {
    bool kind = strncmp(why, "not a regular", 13) == 0 || strncmp(why, "a directory", 11) == 0;
    snprintf(err, errlen, "%s: %s%s", path, kind ? "not a disk image: " : "", why);
    return -1;
  }
  struct stat st;
  bool blk = fstat(fd, &st) == 0 && S_ISBLK(st.st_mode);
  char sig[5] = {0};
  bool iso = !blk && pread(fd, sig, 5, 0x8001) == 5 && memcmp(sig, "CD001", 5) == 0;
  close(fd);
  if (blk)
    return PC_HDA; /* a whole host disk */
  if (iso)
    return PC_CDROM;
  static const uint64_t floppy_kib[] = {160, 180, 320, 360, 720, 1200, 1440, 1680, 1722, 2880};
  for (size_t i = 0; i < sizeof floppy_kib / sizeof floppy_kib[0]; i++)
    if (size == floppy_kib[i] * 1024)
      return PC_FDA;
  return PC_HDA;
}

static int change_media(Machine *m, int drive, const char *path, char *err, size_t errlen);

/* path may be the machine's own record of the medium in a drive (e.g.
 * m->cfg.images[drive]), which a re-insertion frees: work on a copy. */
int machine_change_media(Machine *m, int drive, const char *path, char *err, size_t errlen) {
  char *own = path ? strdup(path) : NULL;
  if (path && !own) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  int rc = change_media(m, drive, own, err, errlen);
  free(own);
  if (rc == 0)
    m->host_inputs++;
  return rc;
}

static int change_media(Machine *m, int drive, const char *path, char *err, size_t errlen) {
  if (drive < 0 || drive >= PC_NDRIVES) {
    snprintf(err, errlen, "no such drive");
    return -1;
  }
  if (drive == PC_HDA || drive == PC_HDB) {
    snprintf(err, errlen, "%s: a hard disk cannot be changed while the machine runs", drive_flag(drive) + 2);
    return -1;
  }
  if (drive == PC_CDROM && (!m->ide[1] || m->ide[1]->drive[0].type != IDE_ATAPI)) {
    snprintf(err, errlen, "cdrom: this machine has no CD-ROM drive");
    return -1;
  }
  Disk *d = NULL;
  char *copy = NULL;
  if (path) {
    char derr[256];
    DiskMode mode = drive == PC_CDROM ? DISK_RO : m->cfg.snapshot ? DISK_SNAPSHOT : DISK_RW;
    DiskKind kind = drive == PC_CDROM ? DISK_CDROM : DISK_FLOPPY;
    unsigned flags = m->cfg.force_share ? DISK_FORCE_SHARE : 0;
    /* The medium in the drive again: its own lock would refuse a second
     * read-write open, so it comes out first (a re-insertion). */
    struct stat st;
    if (m->disk[drive] && stat(path, &st) == 0 && (uint64_t)st.st_dev == m->disk[drive]->dev &&
        (uint64_t)st.st_ino == m->disk[drive]->ino) {
      if (change_media(m, drive, NULL, err, errlen) < 0)
        return -1;
    }
    int other = path_in_other_drive(m, path, drive);
    d = other < 0 ? disk_open_ex(path, kind, mode, flags, derr, sizeof derr) : NULL;
    if (d)
      other = image_in_other_drive(m, d, drive);
    if (other >= 0)
      snprintf(derr, sizeof derr, "%s: the same image as in %s (an image goes in one drive only)", path,
               drive_flag(other) + 2);
    copy = d && other < 0 ? strdup(path) : NULL;
    if (!copy) {
      snprintf(err, errlen, "%s: %s", drive_flag(drive) + 2, d && other < 0 ? "out of memory" : derr);
      disk_close(d);
      return -1;
    }
  }
  int rc = drive == PC_CDROM ? ide_change_media(m->ide[1], 0, d) : fdc_attach(m->fdc, drive - PC_FDA, d);
  if (rc < 0) {
    snprintf(err, errlen, "%s: the drive refused the medium", drive_flag(drive) + 2);
    disk_close(d);
    free(copy);
    return -1;
  }
  disk_close(m->disk[drive]);
  m->disk[drive] = d;
  free(m->media_path[drive]);
  m->media_path[drive] = copy;
  m->cfg.images[drive] = copy;
  return 0;
}

int machine_screenshot(Machine *m, const char *path, char *err, size_t errlen) {
#ifdef X86VM_HAVE_VGA
  size_t n = strlen(path);
  if (n > 4 && strcmp(path + n - 4, ".txt") == 0) {
    char why[160];
    FILE *f = hostfile_create(path, "w", why, sizeof why);
    int rc = f ? vga_text_dump(m->vga, f) : -1;
    if (f && fclose(f) != 0)
      rc = -1;
    if (rc < 0)
      snprintf(err, errlen, "%s: %s", path, f ? "not a text mode (use a .png name)" : why);
    return rc;
  }
  return vga_screenshot_png(m->vga, path, err, errlen);
#else
  snprintf(err, errlen, "%s: no VGA in this build", path);
  return -1;
#endif
}

int machine_unshare_disks(Machine *m) {
  for (int i = 0; i < PC_NDRIVES; i++)
    if (disk_overlay_unshare(m->disk[i]) != 0)
      return -1;
  return 0;
}

/* ---------------- run loop ---------------- */

void machine_request_stop(Machine *m) {
  m->stop_requested = 1;
  cpu_request_stop(m->cpu);
}

bool machine_idle(const Machine *m) {
  const Cpu *cpu = m->cpu;
  /* an NMI held until the handler's IRET does not wake a HLT inside the handler */
  return cpu->halted && (cpu->eflags & F_IF) && !cpu->intr && !(cpu->nmi && !cpu->nmi_blocked);
}

void machine_poll_serial(Machine *m) {
  int room = uart_rx_space(m->uart[0]);
  uart_poll(m->uart[0]);
  if (uart_rx_space(m->uart[0]) != room)
    m->host_inputs++;
}

size_t machine_serial_input(Machine *m, const uint8_t *bytes, size_t n) {
  size_t room = uart_rx_space(m->uart[0]);
  if (n > room)
    n = room;
  if (n) {
    uart_receive(m->uart[0], bytes, n);
    m->host_inputs++;
  }
  return n;
}

MachineStop machine_run_for(Machine *m, uint64_t budget_ns) {
  Cpu *cpu = m->cpu;
  Clock *clk = m->clock;
  uint64_t start = clock_now(clk);
  uint64_t end = budget_ns == CLOCK_NEVER || start + budget_ns < start ? CLOCK_NEVER : start + budget_ns;
  for (;;) {
    if (m->exit_requested)
      return MSTOP_GUEST_EXIT;
    if (m->power_off_requested)
      return MSTOP_POWER_OFF;
    if (m->stop_requested) {
      m->stop_requested = 0;
      return MSTOP_REQUEST;
    }
    if (m->reset_requested)
      machine_reset(m);
    else if (m->init_requested)
      machine_cpu_init(m);
    if (cpu->icount >= m->ckpt_at && m->ckpt_fn)
      m->ckpt_fn(m->ckpt_opaque);
    uint64_t now = clock_now(clk);
    if (now >= end)
      return MSTOP_BUDGET;
    if (cpu->icount >= m->icount_stop)
      return MSTOP_STEP;
    uint64_t deadline = clock_next_deadline(clk);
    if (machine_idle(m)) {
      /* Idle: nothing to run until the next event. */
      if (!clk->deterministic) {
        m->idle_deadline = deadline;
        m->idle_strict_deadline = clock_next_strict_deadline(clk);
        return MSTOP_IDLE;
      }
      if (deadline == CLOCK_NEVER && end == CLOCK_NEVER)
        return MSTOP_IDLE_FOREVER;
      clock_advance_to(clk, deadline < end ? deadline : end);
      continue;
    }
    if (end < deadline)
      deadline = end;
    uint64_t budget = SLICE_MAX_INSNS;
    if (deadline != CLOCK_NEVER) {
      uint64_t n = clock_ns_to_insns(clk, deadline > now ? deadline - now : 0);
      if (n < budget)
        budget = n;
    }
    if (m->icount_stop - cpu->icount < budget) /* a debugger's step: no further */
      budget = m->icount_stop - cpu->icount;
    if (m->ckpt_at > cpu->icount && m->ckpt_at - cpu->icount < budget) /* a checkpoint there */
      budget = m->ckpt_at - cpu->icount;
    clk->slice_end = now + clock_insns_to_ns(clk, budget);
    CpuStop stop = cpu_run(cpu, budget);
    clk->slice_end = CLOCK_NEVER;
    clock_sync_insns(clk);
    if (!clk->deterministic)
      clock_sync_host(clk);
    switch (stop) {
    case CPU_STOP_HLT:
      return m->exit_requested ? MSTOP_GUEST_EXIT : MSTOP_HALT;
    case CPU_STOP_TRIPLE: return MSTOP_TRIPLE;
    case CPU_STOP_SHUTDOWN: return MSTOP_SHUTDOWN;
    default: break;
    }
  }
}

/* ---------------- snapshots ---------------- */

typedef struct MachineState {
  uint64_t now;          /* virtual time */
  uint32_t ram_size;     /* must match */
  uint8_t a20;           /* A20 enabled */
  uint8_t mode_det;      /* saved in deterministic mode */
} MachineState;
const SaveTable *machine_state_table(void) {
  /* now: the clock computes host offsets in int64_t (146 years of ns is plenty). */
  static const SaveField f[] = {SAVE_FIELD_RANGE(MachineState, now, 0, 1ull << 62)
                                SAVE_FIELD(MachineState, ram_size)
                                SAVE_FIELD_RANGE(MachineState, a20, 0, 1)
                                SAVE_FIELD_RANGE(MachineState, mode_det, 0, 1)};
  static const SaveTable t = {"MachineState", 1, f, sizeof(f) / sizeof(f[0]), sizeof(MachineState),
                              NULL};
  return &t;
}

#define RAM_CHUNK_VERSION 1

/* "drives" chunk: u8 flags (bit 0: --snapshot), then per drive (fda, fdb,
 * hda, hdb, cdrom) u16 length + the image's absolute path (0: no drive),
 * and (version 2) after each path its DiskIdentity: u64 size, u64 hash.
 * Version 1 snapshots have no identities. */
#define DRIVES_CHUNK_VERSION 2

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int put_drives(Machine *m, SaveWriter *w, char *err, size_t errlen) {
  size_t cap = 1, len = 0;
  char *abs[PC_NDRIVES] = {0};
  DiskIdentity id[PC_NDRIVES] = {{0}};
  for (int i = 0; i < PC_NDRIVES; i++)
    if (m->cfg.images[i]) {
      if (disk_identity(m->disk[i], &id[i]) != 0) {
        snprintf(err, errlen, "%s %s: cannot read the image to record its identity", drive_flag(i),
                 m->cfg.images[i]);
        for (int k = 0; k < i; k++)
          free(abs[k]);
        return -1;
      }
      abs[i] = realpath(m->cfg.images[i], NULL);
      cap += 2 + 16 + strlen(abs[i] ? abs[i] : m->cfg.images[i]);
    } else {
      cap += 2;
    }
  uint8_t *buf = malloc(cap);
  int rc = -1;
  if (buf) {
    buf[len++] = m->cfg.snapshot ? 1 : 0;
    for (int i = 0; i < PC_NDRIVES; i++) {
      const char *p = abs[i] ? abs[i] : m->cfg.images[i];
      size_t n = p ? strlen(p) : 0;
      buf[len++] = (uint8_t)n;
      buf[len++] = (uint8_t)(n >> 8);
      if (n) {
        memcpy(buf + len, p, n);
        len += n;
        put_u64(buf + len, id[i].size);
        put_u64(buf + len + 8, id[i].hash);
        len += 16;
      }
    }
    rc = save_put_chunk(w, "drives", DRIVES_CHUNK_VERSION, 0, buf, len);
  }
  if (rc)
    snprintf(err, errlen, "out of memory recording the drives");
  for (int i = 0; i < PC_NDRIVES; i++)
    free(abs[i]);
  free(buf);
  return rc;
}

/* Decode the drives chunk into info (paths malloc'd). 0, or -1 if malformed. */
static int get_drives(SaveReader *r, SnapshotInfo *info) {
  const void *data;
  size_t len;
  if (!save_has_chunk(r, "drives"))
    return 0;
  uint32_t version = DRIVES_CHUNK_VERSION;
  if (save_get_chunk(r, "drives", version, &data, &len) < 0 &&
      save_get_chunk(r, "drives", version = 1, &data, &len) < 0)
    return -1;
  const uint8_t *p = data, *end = p + len;
  if (p >= end)
    return -1;
  info->snapshot_mode = *p++ & 1;
  info->have_ident = version >= 2;
  for (int i = 0; i < PC_NDRIVES; i++) {
    if (end - p < 2)
      return -1;
    size_t n = (size_t)p[0] | (size_t)p[1] << 8;
    p += 2;
    if ((size_t)(end - p) < n + (n && info->have_ident ? 16 : 0))
      return -1;
    if (n) {
      if (memchr(p, 0, n))
        return -1; /* a path with a NUL inside is no path */
      info->images[i] = malloc(n + 1);
      if (!info->images[i])
        return -1;
      memcpy(info->images[i], p, n);
      info->images[i][n] = 0;
      p += n;
      if (info->have_ident) {
        info->ident[i].size = get_u64(p);
        info->ident[i].hash = get_u64(p + 8);
        p += 16;
      }
    }
  }
  if (p != end)
    return -1;
  info->have_drives = true;
  return 0;
}

/* Each open image must be the one the snapshot recorded in its slot: the
 * guest's RAM holds caches and file-system state of that disk, and
 * running it over another one corrupts it.  --force-identity overrides. */
static int check_identities(Machine *m, const SnapshotInfo *info, const char *path, char *err,
                            size_t errlen) {
  for (int i = 0; i < PC_NDRIVES; i++) {
    if (!info->images[i] || !m->disk[i])
      continue;
    const char *img = m->cfg.images[i] ? m->cfg.images[i] : m->disk[i]->path;
    char why[160];
    DiskIdentity id;
    if (!info->have_ident) {
      snprintf(why, sizeof why, "the snapshot records no identity for it (saved by an older x86vm)");
    } else if (disk_identity(m->disk[i], &id) != 0) {
      snprintf(err, errlen, "--restore %s: %s %s: cannot read the image to check its identity", path,
               drive_flag(i), img);
      return -1;
    } else if (id.size != info->ident[i].size) {
      snprintf(why, sizeof why, "%llu bytes, the snapshot's image had %llu",
               (unsigned long long)id.size, (unsigned long long)info->ident[i].size);
    } else if (id.hash != info->ident[i].hash) {
      snprintf(why, sizeof why, "the content of its first or last MiB differs");
    } else {
      continue;
    }
    if (m->cfg.force_identity) {
      x86_log(LOG_NOTE, "--restore %s: %s %s is not the image the snapshot was saved with (%s); "
              "restoring anyway (--force-identity)", path, drive_flag(i), img, why);
      continue;
    }
    snprintf(err, errlen, "--restore %s: %s %s is not the image the snapshot was saved with (%s); "
             "--force-identity to restore anyway", path, drive_flag(i), img, why);
    return -1;
  }
  return 0;
}

/* "cpumodel" chunk: u8 CpuModel.  Snapshots from before CPU models have none:
 * they are i686 ones.  A snapshot restores only into a machine of its model
 * (main.c takes the model from it unless --cpu is given). */
#define CPUMODEL_CHUNK_VERSION 1

static int put_cpu_model(Machine *m, SaveWriter *w) {
  uint8_t v = (uint8_t)m->cpu->model;
  return save_put_chunk(w, "cpumodel", CPUMODEL_CHUNK_VERSION, 0, &v, 1);
}

/* The snapshot's CPU model into *model. 0, or -1 if the chunk is malformed. */
static int get_cpu_model(SaveReader *r, CpuModel *model) {
  const void *data;
  size_t len;
  *model = CPU_MODEL_I686;
  if (!save_has_chunk(r, "cpumodel"))
    return 0;
  if (save_get_chunk(r, "cpumodel", CPUMODEL_CHUNK_VERSION, &data, &len) < 0 || len != 1 ||
      *(const uint8_t *)data >= CPU_MODEL_COUNT)
    return -1;
  *model = (CpuModel) * (const uint8_t *)data;
  return 0;
}

void snapshot_info_free(SnapshotInfo *info) {
  for (int i = 0; i < PC_NDRIVES; i++) {
    free(info->images[i]);
    info->images[i] = NULL;
  }
}

int machine_snapshot_info(const char *path, SnapshotInfo *info, char *err, size_t errlen) {
  memset(info, 0, sizeof(*info));
  char rerr[400];
  SaveReader *r = save_reader_open(path, rerr, sizeof rerr);
  if (!r) {
    snprintf(err, errlen, "--restore %s", rerr);
    return -1;
  }
  MachineState ms;
  if (save_get_table(r, "machine", machine_state_table(), &ms) < 0 || get_drives(r, info) < 0 ||
      get_cpu_model(r, &info->cpu_model) < 0) {
    snprintf(err, errlen, "--restore %s: %s", path,
             save_error(r)[0] ? save_error(r) : "corrupt drives or CPU model record");
    snapshot_info_free(info);
    save_reader_free(r);
    return -1;
  }
  info->mem_mib = ms.ram_size >> 20;
  save_reader_free(r);
  return 0;
}

int machine_save(Machine *m, const char *path, char *err, size_t errlen) {
  SaveWriter *w = save_writer_new();
  if (!w) {
    snprintf(err, errlen, "--save %s: out of memory", path);
    return -1;
  }
  MachineState ms = {clock_now(m->clock), m->mem->ram_size, m->mem->a20_mask == 0xffffffffu,
                     m->clock->deterministic};
  int rc = save_put_table(w, "machine", machine_state_table(), &ms);
  cpu_get_flags(m->cpu); /* materialise lazy flags */
  rc |= save_put_table(w, "cpu", cpu_save_table(), m->cpu);
  /* RAM, zlib-compressed: u32 size, then the deflate stream. */
  uLongf clen = compressBound(m->mem->ram_size);
  uint8_t *cbuf = malloc(clen + 4);
  if (!cbuf || compress2(cbuf + 4, &clen, m->mem->ram, m->mem->ram_size, 1) != Z_OK) {
    free(cbuf);
    save_writer_free(w);
    snprintf(err, errlen, "--save %s: cannot compress RAM", path);
    return -1;
  }
  for (int i = 0; i < 4; i++)
    cbuf[i] = (uint8_t)(m->mem->ram_size >> (8 * i));
  rc |= save_put_chunk(w, "ram", RAM_CHUNK_VERSION, 0, cbuf, clen + 4);
  free(cbuf);
  if (put_drives(m, w, err, errlen) != 0) {
    char why[256];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "--save %s: %s", path, why);
    save_writer_free(w);
    return -1;
  }
  rc |= put_cpu_model(m, w);
  for (int i = 0; i < m->ndevs; i++)
    rc |= device_save(&m->devs[i], w);
  if (rc) {
    save_writer_free(w);
    snprintf(err, errlen, "--save %s: a device failed to save its state", path);
    return -1;
  }
  rc = save_writer_commit(w, path, err, errlen);
  save_writer_free(w);
  return rc;
}

/* Restore from an open reader (freed here); path names it in messages. */
static int restore_from(Machine *m, SaveReader *r, const char *path, char *err, size_t errlen) {
  /* Phase 1: check everything; nothing changes. */
  MachineState ms;
  const void *ram = NULL;
  size_t ram_len = 0;
  bool light = save_reader_light(r);
  int rc = save_get_table(r, "machine", machine_state_table(), &ms);
  if (rc == 0)
    save_reader_set_time(r, ms.now); /* the devices' deadlines are checked against it */
  if (rc == 0 && ms.ram_size != m->mem->ram_size) {
    snprintf(err, errlen, "--restore %s: snapshot has %u MiB of RAM, this machine %u MiB (use --mem %u)",
             path, ms.ram_size >> 20, m->mem->ram_size >> 20, ms.ram_size >> 20);
    save_reader_free(r);
    return -1;
  }
  CpuModel model;
  if (rc == 0 && get_cpu_model(r, &model) < 0) {
    snprintf(err, errlen, "--restore %s: corrupt CPU model record", path);
    save_reader_free(r);
    return -1;
  }
  if (rc == 0 && save_has_chunk(r, "lapic") != (m->lapic != NULL)) {
    snprintf(err, errlen, "--restore %s: the snapshot was saved with --machine %s, this machine is --machine %s",
             path, m->lapic ? "isa" : "pc", m->lapic ? "pc" : "isa");
    save_reader_free(r);
    return -1;
  }
  if (rc == 0 && model != (CpuModel)m->cpu->model) {
    snprintf(err, errlen, "--restore %s: the snapshot was saved with --cpu %s, this machine has --cpu %s",
             path, cpu_model_name(model), cpu_model_name((CpuModel)m->cpu->model));
    save_reader_free(r);
    return -1;
  }
  if (rc == 0) {
    /* The same drives as when saved (if the snapshot says which). */
    SnapshotInfo info = {0};
    if (get_drives(r, &info) < 0) {
      snapshot_info_free(&info);
      snprintf(err, errlen, "--restore %s: corrupt drives record", path);
      save_reader_free(r);
      return -1;
    }
    for (int i = 0; info.have_drives && i < PC_NDRIVES; i++)
      if ((info.images[i] != NULL) != (m->cfg.images[i] != NULL)) {
        snprintf(err, errlen, "--restore %s: the snapshot was saved %s %s%s%s (give the same drives)",
                 path, info.images[i] ? "with" : "without", drive_flag(i), info.images[i] ? " " : "",
                 info.images[i] ? info.images[i] : "");
        snapshot_info_free(&info);
        save_reader_free(r);
        return -1;
      }
    if (check_identities(m, &info, path, err, errlen) != 0) {
      snapshot_info_free(&info);
      save_reader_free(r);
      return -1;
    }
    snapshot_info_free(&info);
    rc = save_check_table(r, "cpu", cpu_save_table(), m->cpu);
  }
  if (rc == 0 && !light)
    rc = save_get_chunk(r, "ram", RAM_CHUNK_VERSION, &ram, &ram_len);
  for (int i = 0; rc == 0 && i < m->ndevs; i++)
    rc = device_check(&m->devs[i], r);
  if (rc) {
    snprintf(err, errlen, "--restore %s: %s", path, save_error(r));
    save_reader_free(r);
    return -1;
  }
  uint8_t *newram = light ? NULL : malloc(m->mem->ram_size);
  uLongf out = m->mem->ram_size;
  if (!light && (!newram || ram_len < 4 ||
      uncompress(newram, &out, (const uint8_t *)ram + 4, (uLong)(ram_len - 4)) != Z_OK ||
      out != m->mem->ram_size)) {
    free(newram);
    snprintf(err, errlen, "--restore %s: corrupt RAM image", path);
    save_reader_free(r);
    return -1;
  }
  /* Phase 2: apply (with A20 on, so the upper megabytes are not folded). */
  mem_set_a20(m->mem, true);
  if (newram)
    mem_write_bytes(m->mem, 0, newram, m->mem->ram_size);
  free(newram);
  save_get_table(r, "cpu", cpu_save_table(), m->cpu);
  clock_set_now(m->clock, ms.now); /* after the CPU: it re-bases on the restored icount */
  for (int i = 0; i < m->ndevs; i++)
    if (device_apply(&m->devs[i], r) < 0) {
      /* Cannot happen after a successful check; treat as an emulator bug. */
      snprintf(err, errlen, "--restore %s: device %s failed after validation: %s", path,
               m->devs[i].name, save_error(r));
      save_reader_free(r);
      return -1;
    }
  mem_set_a20(m->mem, ms.a20);
  cpu_update_mode(m->cpu);
  cpu_dr_update(m->cpu); /* which breakpoints DR7 arms */
  m->cpu->rep_pending = false; /* a REP cut at a chunk boundary is fetched again */
  tlb_flush(m->cpu);
  update_intr(m);
  save_reader_free(r);
  if (m->on_restore)
    m->on_restore(m->on_restore_opaque);
  return 0;
}

int machine_restore(Machine *m, const char *path, char *err, size_t errlen) {
  SaveReader *r = save_reader_open(path, err, errlen);
  if (!r)
    return -1;
  return restore_from(m, r, path, err, errlen);
}

int machine_restore_buffer(Machine *m, const void *data, size_t len, char *err, size_t errlen) {
  SaveReader *r = save_reader_from_buffer(data, len, err, errlen);
  if (!r)
    return -1;
  return restore_from(m, r, "(buffer)", err, errlen);
}

/* ---------------- light snapshots (reverse execution) ---------------- */

int machine_save_light(Machine *m, uint8_t **buf, size_t *len, char *err, size_t errlen) {
  SaveWriter *w = save_writer_new();
  if (!w) {
    snprintf(err, errlen, "checkpoint: out of memory");
    return -1;
  }
  save_writer_set_light(w);
  MachineState ms = {clock_now(m->clock), m->mem->ram_size, m->mem->a20_mask == 0xffffffffu,
                     m->clock->deterministic};
  int rc = save_put_table(w, "machine", machine_state_table(), &ms);
  cpu_get_flags(m->cpu); /* materialise lazy flags */
  rc |= save_put_table(w, "cpu", cpu_save_table(), m->cpu);
  rc |= put_cpu_model(m, w);
  for (int i = 0; i < m->ndevs; i++)
    rc |= device_save(&m->devs[i], w);
  size_t n;
  const uint8_t *img = rc ? NULL : save_writer_buffer(w, &n);
  *buf = img ? malloc(n) : NULL;
  if (!*buf) {
    save_writer_free(w);
    snprintf(err, errlen, "checkpoint: %s", rc ? "a device failed to save its state" : "out of memory");
    return -1;
  }
  memcpy(*buf, img, n);
  *len = n;
  save_writer_free(w);
  return 0;
}

int machine_restore_light(Machine *m, const void *buf, size_t len, char *err, size_t errlen) {
  SaveReader *r = save_reader_from_buffer(buf, len, err, errlen);
  if (!r)
    return -1;
  save_reader_set_light(r);
  return restore_from(m, r, "(checkpoint)", err, errlen);
}
