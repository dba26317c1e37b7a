/*
 * linuxboot.c — direct Linux boot through the 32-bit boot protocol (see
 * linuxboot.h).  Offsets below are those of the setup header and of
 * struct boot_params in Documentation/x86/boot.rst and zero-page.rst.
 */
#include "hostfile.h"
#include "linuxboot.h"

#include "bootimg.h"
#include "fwcfg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Setup header fields (offsets in the bzImage file and the zero page). */
#define HDR_CL_MAGIC       0x020 /* old protocol: A33Fh, then the command line offset */
#define HDR_CL_OFFSET      0x022
#define HDR_SETUP_SECTS    0x1f1
#define HDR_SYSSIZE        0x1f4 /* protected-mode code in 16-byte units (32 bits from 2.04) */
#define HDR_BOOT_FLAG      0x1fe
#define HDR_JUMP           0x200
#define HDR_MAGIC          0x202
#define HDR_VERSION        0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS      0x211
#define HDR_CODE32_START   0x214
#define HDR_RAMDISK_IMAGE  0x218
#define HDR_RAMDISK_SIZE   0x21c
#define HDR_HEAP_END_PTR   0x224
#define HDR_CMD_LINE_PTR   0x228
#define HDR_INITRD_MAX     0x22c
#define HDR_CMDLINE_SIZE   0x238
#define HDR_INIT_SIZE      0x260
/* Zero page fields. */
#define ZP_ALT_MEM_K       0x1e0
#define ZP_E820_ENTRIES    0x1e8
#define ZP_E820_TABLE      0x2d0
#define LOADED_HIGH  0x01
#define CAN_USE_HEAP 0x80

uint8_t *boot_read_file(Machine *m, const char *path, size_t *len, const char *flag, char *err,
                        size_t errlen) {
  char why[160];
  uint8_t *buf = hostfile_read(path, m->mem->ram_size, len, why, sizeof why);
  if (!buf)
    snprintf(err, errlen, "%s %s: %s%s", flag, path, why,
             strncmp(why, "too large", 9) == 0 ? " (the RAM size; --mem)" : "");
  return buf;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)(p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24)); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void e820_add(uint8_t *zp, uint64_t addr, uint64_t size, uint32_t type) {
  uint8_t n = zp[ZP_E820_ENTRIES];
  uint8_t *e = zp + ZP_E820_TABLE + 20 * n;
  for (int i = 0; i < 8; i++) {
    e[i] = (uint8_t)(addr >> (8 * i));
    e[8 + i] = (uint8_t)(size >> (8 * i));
  }
  wr32(e + 16, type);
  zp[ZP_E820_ENTRIES] = (uint8_t)(n + 1);
}

static void set_seg(Cpu *cpu, int seg, uint16_t sel, uint16_t flags) {
  cpu->seg[seg] = (SegCache){sel, flags, 0, 0xffffffffu};
}

/* Kernels whose real-mode setup must run (boot protocol before 2.03, a
 * zImage, or a 32-bit entry below 1 MiB such as iPXE's .lkrn, whose setup
 * needs BIOS services): placed the way boot.rst describes for a real-mode
 * loader, and started by our BIOS after POST (fw_cfg item
 * LINUXBOOT_FWCFG_SETUP holds the setup's physical address; int 19h jumps
 * to its segment + 20h:0 with SS:SP at the end of its heap).  The CPU is
 * left at the reset vector.  Also every kernel on --machine pc (see below). */
static int load_realmode(Machine *m, const char *kernel, uint8_t *k, size_t klen, size_t setup_len,
                         const char *initrd, const char *cmdline, char *err, size_t errlen) {
  uint16_t version = rd16(k + HDR_VERSION);
  bool high = version >= 0x0200 && (k[HDR_LOADFLAGS] & LOADED_HIGH);
  uint32_t real = version >= 0x0202 && high ? 0x10000u : 0x90000u;
  uint32_t prot = high ? 0x100000u : 0x10000u;
  size_t pm_len = klen - setup_len;
  uint32_t ram = m->mem->ram_size;
  if (setup_len > LINUXBOOT_RM_CMDLINE) {
    snprintf(err, errlen, "--kernel %s: real-mode setup of %zu bytes does not fit below its heap",
             kernel, setup_len);
    return -1;
  }
  if (high ? (uint64_t)prot + pm_len > ram : prot + pm_len > real) {
    snprintf(err, errlen, "--kernel %s: %s kernel of %zu bytes does not fit %s", kernel,
             high ? "bzImage" : "zImage", pm_len, high ? "in RAM (use --mem)" : "below 90000h");
    return -1;
  }
  if (!m->fwcfg) {
    snprintf(err, errlen, "--kernel %s: its real-mode setup needs the BIOS hand-over (fw_cfg)", kernel);
    return -1;
  }
  uint8_t *setup = malloc(setup_len);
  if (!setup) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(setup, k, setup_len);
  const char *cl = cmdline ? cmdline : "";
  uint32_t cl_max = version >= 0x0206 ? rd32(k + HDR_CMDLINE_SIZE) : 255;
  uint32_t room = (real == 0x90000u ? 0x9fc00u - 0x90000u : 0x10000u) - LINUXBOOT_RM_CMDLINE - 1;
  if (cl_max > room)
    cl_max = room;
  if (strlen(cl) > cl_max) {
    snprintf(err, errlen, "--append: command line is %zu bytes, this kernel takes at most %u",
             strlen(cl), cl_max);
    free(setup);
    return -1;
  }
  if (version >= 0x0200) {
    setup[HDR_TYPE_OF_LOADER] = 0xff;
    if (version >= 0x0201) {
      wr16(setup + HDR_HEAP_END_PTR, LINUXBOOT_RM_HEAP_END - 0x200);
      setup[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    }
  }
  /* Where the protected-mode part went (boot.rst: a loader that places it
   * elsewhere than the default says so here; iPXE's header leaves it 0). */
  if (version >= 0x0200)
    wr32(setup + HDR_CODE32_START, prot);
  if (version >= 0x0202) {
    wr32(setup + HDR_CMD_LINE_PTR, real + LINUXBOOT_RM_CMDLINE);
  } else {
    wr16(setup + HDR_CL_MAGIC, 0xa33f);
    wr16(setup + HDR_CL_OFFSET, LINUXBOOT_RM_CMDLINE);
  }
  uint8_t *ird = NULL;
  if (initrd) {
    size_t ilen = 0;
    if (version < 0x0200) {
      snprintf(err, errlen, "--initrd: boot protocol %u.%02u has no initrd", version >> 8, version & 0xff);
      free(setup);
      return -1;
    }
    ird = boot_read_file(m, initrd, &ilen, "--initrd", err, errlen);
    if (!ird) {
      free(setup);
      return -1;
    }
    uint64_t top = (version >= 0x0203 ? (uint64_t)rd32(k + HDR_INITRD_MAX) : 0x37ffffffull) + 1;
    if (top > ram)
      top = ram;
    uint64_t kend = high ? prot + pm_len : 0x100000u;
    if (ilen > top || ((top - ilen) & ~0xfffull) < kend) {
      snprintf(err, errlen, "--initrd %s: %zu bytes do not fit below %llu MiB with the kernel (use --mem)",
               initrd, ilen, (unsigned long long)(top >> 20));
      free(setup);
      free(ird);
      return -1;
    }
    uint32_t at = (uint32_t)((top - ilen) & ~0xfffull);
    if (boot_put(m, at, ird, (uint32_t)ilen) < 0) {
      snprintf(err, errlen, "out of memory");
      free(setup);
      free(ird);
      return -1;
    }
    wr32(setup + HDR_RAMDISK_IMAGE, at);
    wr32(setup + HDR_RAMDISK_SIZE, (uint32_t)ilen);
    free(ird);
  }
  int put = boot_put(m, real, setup, (uint32_t)setup_len) |
            boot_put(m, real + LINUXBOOT_RM_CMDLINE, cl, (uint32_t)strlen(cl) + 1) |
            boot_put(m, prot, k + setup_len, (uint32_t)pm_len);
  free(setup);
  if (put < 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  uint8_t addr[4];
  wr32(addr, real);
  if (fwcfg_add_item(m->fwcfg, LINUXBOOT_FWCFG_SETUP, addr, sizeof(addr)) < 0) {
    snprintf(err, errlen, "--kernel %s: cannot hand the setup address to the BIOS", kernel);
    return -1;
  }
  return 0;
}

int linux_boot_load(Machine *m, const char *kernel, const char *initrd, const char *cmdline,
                    char *err, size_t errlen) {
  size_t klen = 0, ilen = 0;
  boot_forget(m); /* this kernel, not an earlier one, comes back at reset */
  uint8_t *k = boot_read_file(m, kernel, &klen, "--kernel", err, errlen);
  if (!k)
    return -1;
  uint8_t *ird = NULL;
  int rc = -1;
  if (klen < 0x300 || rd16(k + HDR_BOOT_FLAG) != 0xaa55 || rd32(k + HDR_MAGIC) != 0x53726448) {
    snprintf(err, errlen, "--kernel %s: not a Linux bzImage (no boot sector signature / HdrS header)",
             kernel);
    goto out;
  }
  uint16_t version = rd16(k + HDR_VERSION);
  unsigned setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
  size_t setup_len = (setup_sects + 1) * 512u;
  /* What the header says the file holds: the boot sector and setup, then
   * syssize paragraphs of protected-mode code, the last one possibly
   * partial (syssize is rounded up; iPXE's files are not padded).  syssize
   * is 32 bits from protocol 2.04; before, only its low 16 bits mean it,
   * and only for a zImage (a bzImage's size did not fit them). */
  bool high = version >= 0x0200 && (k[HDR_LOADFLAGS] & LOADED_HIGH);
  uint64_t syssize = version >= 0x0204 ? rd32(k + HDR_SYSSIZE) : !high ? rd16(k + HDR_SYSSIZE) : 0;
  uint64_t want = setup_len + (syssize ? syssize * 16 - 15 : 1);
  if (want > klen) {
    snprintf(err, errlen, "--kernel %s: bzImage truncated: header says at least %llu bytes, file has %zu",
             kernel, (unsigned long long)want, klen);
    goto out;
  }
  uint32_t ram = m->mem->ram_size;
  uint32_t code32 = rd32(k + HDR_CODE32_START);
  /* --machine pc: the BIOS's POST publishes the MP table (and programs the
   * local APIC's virtual wire mode), so the kernel starts after it. */
  if (m->lapic || version < 0x0203 || !(k[HDR_LOADFLAGS] & LOADED_HIGH) || code32 < 0x100000) {
    rc = load_realmode(m, kernel, k, klen, setup_len, initrd, cmdline, err, errlen);
    goto out;
  }
  size_t pm_len = klen - setup_len;
  uint32_t init_size = version >= 0x020a ? rd32(k + HDR_INIT_SIZE) : 0;
  uint32_t kernel_end = code32 + (uint32_t)(init_size > pm_len ? init_size : pm_len);
  if (code32 < 0x100000 || kernel_end > ram) {
    snprintf(err, errlen, "--kernel %s: needs RAM up to %u MiB (have %u MiB; use --mem)", kernel,
             (kernel_end >> 20) + 1, ram >> 20);
    goto out;
  }

  /* Zero page: the setup header as in the file, then what a loader fills in. */
  uint8_t zp[4096];
  memset(zp, 0, sizeof(zp));
  size_t hdr_end = HDR_JUMP + 2 + k[HDR_JUMP + 1];
  if (hdr_end > sizeof(zp) || hdr_end > setup_len)
    hdr_end = 0x290;
  memcpy(zp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
  zp[HDR_TYPE_OF_LOADER] = 0xff; /* undefined loader */
  zp[HDR_LOADFLAGS] = (uint8_t)(k[HDR_LOADFLAGS] | CAN_USE_HEAP);
  wr16(zp + HDR_HEAP_END_PTR, 0xfe00);
  /* Screen: 80x25 colour text on a VGA, cursor at the top left. */
  zp[0x06] = 3;   /* orig_video_mode */
  zp[0x07] = 80;  /* orig_video_cols */
  zp[0x0e] = 25;  /* orig_video_lines */
  zp[0x0f] = 1;   /* orig_video_isVGA */
  wr16(zp + 0x10, 16); /* orig_video_points */

  /* Command line. */
  const char *cl = cmdline ? cmdline : "";
  uint32_t cl_max = version >= 0x0206 ? rd32(k + HDR_CMDLINE_SIZE) : 255;
  if (cl_max > 4095)
    cl_max = 4095;
  if (strlen(cl) > cl_max) {
    snprintf(err, errlen, "--append: command line is %zu bytes, this kernel takes at most %u",
             strlen(cl), cl_max);
    goto out;
  }
  if (boot_put(m, LINUXBOOT_CMDLINE, cl, (uint32_t)strlen(cl) + 1) < 0)
    goto oom;
  wr32(zp + HDR_CMD_LINE_PTR, LINUXBOOT_CMDLINE);

  /* Initrd: as high as the kernel allows, page aligned, above the kernel. */
  if (initrd) {
    ird = boot_read_file(m, initrd, &ilen, "--initrd", err, errlen);
    if (!ird)
      goto out;
    uint64_t top = (uint64_t)rd32(k + HDR_INITRD_MAX) + 1;
    if (top > ram)
      top = ram;
    if (ilen > top || ((top - ilen) & ~0xfffull) < kernel_end) {
      snprintf(err, errlen, "--initrd %s: %zu bytes do not fit below %llu MiB with the kernel (use --mem)",
               initrd, ilen, (unsigned long long)(top >> 20));
      goto out;
    }
    uint32_t at = (uint32_t)((top - ilen) & ~0xfffull);
    if (boot_put(m, at, ird, (uint32_t)ilen) < 0)
      goto oom;
    wr32(zp + HDR_RAMDISK_IMAGE, at);
    wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)ilen);
  }

  /* Memory: the same map our BIOS reports through int 15h E820. */
  e820_add(zp, 0, 0x9fc00, 1);
  e820_add(zp, 0x9fc00, 0x400, 2);
  e820_add(zp, 0xf0000, 0x10000, 2);
  e820_add(zp, 0x100000, ram - 0x100000u, 1);
  e820_add(zp, 0x100000000ull - m->bios_size, m->bios_size, 2);
  wr32(zp + ZP_ALT_MEM_K, (ram >> 10) - 1024);
  /* The protected-mode kernel at code32_start. */
  if (boot_put(m, LINUXBOOT_ZERO_PAGE, zp, sizeof(zp)) < 0 || boot_put(m, code32, k + setup_len, (uint32_t)pm_len) < 0)
    goto oom;

  /* Flat GDT: 10h = 4 GiB code (execute/read), 18h = 4 GiB data (read/write). */
  static const uint8_t gdt[32] = {
    0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,
    0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,
  };
  if (boot_put(m, LINUXBOOT_GDT, gdt, sizeof(gdt)) < 0)
    goto oom;

  /* CPU: 32-bit protected mode, paging off, interrupts off. */
  Cpu *cpu = m->cpu;
  cpu->gdt_base = LINUXBOOT_GDT;
  cpu->gdt_limit = sizeof(gdt) - 1;
  cpu->idt_base = 0;
  cpu->idt_limit = 0;
  cpu->cr[0] = CR0_PE | CR0_ET;
  const uint16_t code = SF_ACCESSED | SF_RW | SF_CODE | SF_S | SF_P | SF_DB | SF_G;
  const uint16_t data = SF_ACCESSED | SF_RW | SF_S | SF_P | SF_DB | SF_G;
  set_seg(cpu, S_CS, 0x10, code);
  set_seg(cpu, S_DS, 0x18, data);
  set_seg(cpu, S_ES, 0x18, data);
  set_seg(cpu, S_SS, 0x18, data);
  set_seg(cpu, S_FS, 0x18, data);
  set_seg(cpu, S_GS, 0x18, data);
  cpu->cpl = 0;
  cpu_set_flags(cpu, 0x00000002u, 0xffffffffu);
  memset(cpu->regs, 0, sizeof(cpu->regs));
  cpu->regs[R_ESI] = LINUXBOOT_ZERO_PAGE;
  cpu->regs[R_ESP] = LINUXBOOT_STACK;
  cpu->eip = code32;
  cpu->halted = false;
  cpu_update_mode(cpu);
  tlb_flush(cpu);
  if (boot_enter(m) < 0)
    goto oom;
  rc = 0;
  goto out;
oom:
  snprintf(err, errlen, "out of memory");
out:
  if (rc < 0)
    boot_forget(m);
  free(k);
  free(ird);
  return rc;
}
