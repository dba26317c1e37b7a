/*
 * multiboot.c — Multiboot v1 loader (see multiboot.h).
 */
#include "multiboot.h"
#include "linuxboot.h"

#include "bootimg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef X86VM_HAVE_LIBELF
#include <gelf.h>
#include <libelf.h>
#endif

/* multiboot_info layout (offsets). */
#define MBI_FLAGS      0
#define MBI_MEM_LOWER  4
#define MBI_MEM_UPPER  8
#define MBI_CMDLINE    16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR  24
#define MBI_MMAP_LEN   44
#define MBI_MMAP_ADDR  48
#define MBI_LOADER     64
#define MBI_SIZE       88
/* Where the pieces go inside the info area. */
#define MB_MODS_OFF    0x100 /* one module entry (16 bytes) */
#define MB_MMAP_OFF    0x200 /* memory map (24 bytes per entry) */
#define MB_NAME_OFF    0x400 /* loader name */
#define MB_CMD_OFF     0x800 /* command line, up to 4 KiB */
#define MB_LOW_RAM_END 0x9fc00u /* conventional memory ends at the EBDA */

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)(p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24));
}
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

long multiboot_find_header(const uint8_t *img, size_t len) {
  for (size_t off = 0; off + 12 <= len && off < 8192; off += 4) {
    uint32_t magic = rd32(img + off), flags = rd32(img + off + 4), sum = rd32(img + off + 8);
    if (magic == MULTIBOOT_HEADER_MAGIC && (uint32_t)(magic + flags + sum) == 0)
      return (long)off;
  }
  return -1;
}

/* What the kernel's segments occupy, so the loader's own pieces (information
 * area, initrd) can be placed where they overlap none of them. */
#define MB_MAX_SEGS 32
typedef struct {
  uint32_t lo[MB_MAX_SEGS], hi[MB_MAX_SEGS]; /* [lo, hi) of each loaded segment */
  int n;
} MbLayout;

static bool layout_overlaps(const MbLayout *lay, uint64_t lo, uint64_t hi) {
  for (int i = 0; i < lay->n; i++)
    if (lo < lay->hi[i] && lay->lo[i] < hi)
      return true;
  return false;
}

/* Is [pa, pa+size) RAM: conventional memory below the EBDA, or above 1 MiB? */
static bool in_ram(const Machine *m, uint64_t pa, uint64_t size) {
  if (pa + size <= MB_LOW_RAM_END)
    return true;
  return pa >= 0x100000u && pa + size <= m->mem->ram_size;
}

/* Copy [src, src+len) to physical pa, zero-filling up to memsz; the segment
 * must lie in RAM (below the EBDA or above 1 MiB) and not overlap another. */
static int place(Machine *m, MbLayout *lay, uint32_t pa, const uint8_t *src, uint64_t len,
                 uint64_t memsz) {
  if (memsz < len || !in_ram(m, pa, memsz) || layout_overlaps(lay, pa, (uint64_t)pa + memsz) ||
      lay->n == MB_MAX_SEGS)
    return -1;
  lay->lo[lay->n] = pa;
  lay->hi[lay->n++] = (uint32_t)(pa + memsz);
  if (boot_put(m, pa, src, (uint32_t)len) < 0 ||
      (memsz > len && boot_put(m, pa + (uint32_t)len, NULL, (uint32_t)(memsz - len)) < 0))
    return -1;
  return 0;
}

/* A 4 KiB page for the information area that no segment touches: the usual
 * MULTIBOOT_INFO_ADDR, else the first free page in conventional memory
 * above 4 KiB (0-FFFh holds the real-mode IVT and BIOS data), else the first
 * free page above 1 MiB.  0 when there is none. */
static uint32_t pick_info_page(const Machine *m, const MbLayout *lay) {
  if (!layout_overlaps(lay, MULTIBOOT_INFO_ADDR, MULTIBOOT_INFO_ADDR + 0x1000u))
    return MULTIBOOT_INFO_ADDR;
  for (uint64_t a = 0x1000; a + 0x1000 <= m->mem->ram_size; a += 0x1000) {
    if (a + 0x1000 > MB_LOW_RAM_END && a < 0x100000u)
      a = 0x100000u;
    if (!layout_overlaps(lay, a, a + 0x1000))
      return (uint32_t)a;
  }
  return 0;
}

/* The a.out kludge: the header's address fields say what to load.  -1
 * with the reason in why. */
static int load_aout_kludge(Machine *m, MbLayout *lay, const uint8_t *img, size_t len, long hoff,
                            uint32_t *entry, char *why, size_t whylen) {
  /* The address fields end 32 bytes into the header: in the file too? */
  if ((size_t)hoff + 32 > len) {
    snprintf(why, whylen, "Multiboot kernel truncated: header says %zu bytes, file has %zu",
             (size_t)hoff + 32, len);
    return -1;
  }
  const uint8_t *h = img + hoff;
  if ((size_t)hoff + 32 > len)
    return -1; /* the address fields (header bytes 12-31) are cut off */
  uint32_t header_addr = rd32(h + 12), load_addr = rd32(h + 16), load_end = rd32(h + 20);
  uint32_t bss_end = rd32(h + 24);
  *entry = rd32(h + 28);
  if (load_addr > header_addr || header_addr - load_addr > (uint32_t)hoff ||
      (load_end && load_end < load_addr)) {
    snprintf(why, whylen, "Multiboot load addresses do not fit the header's place in the file");
    return -1;
  }
  size_t file_off = (size_t)hoff - (header_addr - load_addr);
  uint64_t size = load_end ? (uint64_t)load_end - load_addr : len - file_off;
  if (file_off + size > len) {
    snprintf(why, whylen, "Multiboot kernel truncated: header says %llu bytes, file has %zu",
             (unsigned long long)(file_off + size), len);
    return -1;
  }
  uint64_t memsz = bss_end > load_addr ? (uint64_t)bss_end - load_addr : size;
  if (place(m, lay, load_addr, img + file_off, size, memsz < size ? size : memsz) < 0) {
    snprintf(why, whylen, "Multiboot load addresses do not fit RAM (below 9FC00h or from 1 MiB up; --mem)");
    return -1;
  }
  return 0;
}

#ifdef X86VM_HAVE_LIBELF
static int load_elf(Machine *m, MbLayout *lay, uint8_t *img, size_t len, uint32_t *entry, char *why,
                    size_t whylen) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    snprintf(why, whylen, "libelf initialisation failed");
    return -1;
  }
  Elf *e = elf_memory((char *)img, len);
  GElf_Ehdr eh;
  size_t nph = 0;
  int rc = -1;
  if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || gelf_getclass(e) != ELFCLASS32 ||
      eh.e_machine != EM_386 || elf_getphdrnum(e, &nph) != 0) {
    snprintf(why, whylen, "not a 32-bit x86 ELF and no a.out address fields in the Multiboot header");
    goto out;
  }
  /* The program headers and every segment's bytes must be in the file. */
  uint64_t ph_end = eh.e_phoff + (uint64_t)nph * eh.e_phentsize;
  if (ph_end > len) {
    snprintf(why, whylen, "ELF truncated: header says %llu bytes (program headers), file has %zu",
             (unsigned long long)ph_end, len);
    goto out;
  }
  for (size_t i = 0; i < nph; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(e, (int)i, &ph)) {
      snprintf(why, whylen, "unreadable program header %zu", i);
      goto out;
    }
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
      continue;
    if (ph.p_offset + ph.p_filesz > len) {
      snprintf(why, whylen, "ELF truncated: header says %llu bytes (segment %zu), file has %zu",
               (unsigned long long)(ph.p_offset + ph.p_filesz), i, len);
      goto out;
    }
    if (ph.p_paddr > 0xffffffffu ||
        place(m, lay, (uint32_t)ph.p_paddr, img + ph.p_offset, ph.p_filesz, ph.p_memsz) < 0) {
      snprintf(why, whylen, "a segment lies outside RAM (below 9FC00h or from 1 MiB up; --mem) or over another");
      goto out;
    }
  }
  *entry = (uint32_t)eh.e_entry;
  rc = 0;
out:
  if (e)
    elf_end(e);
  return rc;
}
#endif

int multiboot_load(Machine *m, const char *kernel, const char *initrd, const char *cmdline,
                   char *err, size_t errlen) {
  size_t len = 0, ilen = 0;
  boot_forget(m); /* this kernel, not an earlier one, comes back at reset */
  uint8_t *img = boot_read_file(m, kernel, &len, "--kernel", err, errlen);
  if (!img)
    return -1;
  uint8_t *ird = NULL;
  int rc = -1;
  long hoff = multiboot_find_header(img, len);
  if (hoff < 0) {
    snprintf(err, errlen, "--kernel %s: no Multiboot header", kernel);
    goto out;
  }
  uint32_t flags = rd32(img + hoff + 4);
  uint32_t entry = 0;
  MbLayout lay = {.n = 0};
  char why[200] = "";
  if (flags & (1u << 16)) {
    if (load_aout_kludge(m, &lay, img, len, hoff, &entry, why, sizeof why) < 0) {
      snprintf(err, errlen, "--kernel %s: %s", kernel, why);
      goto out;
    }
  } else {
#ifdef X86VM_HAVE_LIBELF
    if (load_elf(m, &lay, img, len, &entry, why, sizeof why) < 0) {
      snprintf(err, errlen, "--kernel %s: %s", kernel, why);
      goto out;
    }
#else
    snprintf(err, errlen, "--kernel %s: ELF Multiboot kernels need libelf (not in this build)", kernel);
    goto out;
#endif
  }

  /* Multiboot information. */
  uint8_t info[0x1000];
  memset(info, 0, sizeof(info));
  uint32_t base = pick_info_page(m, &lay), mbflags = 0x1 | 0x40 | 0x200; /* mem, mmap, loader name */
  if (!base) {
    snprintf(err, errlen, "--kernel %s: no free page left for the Multiboot information (use --mem)", kernel);
    goto out;
  }
  wr32(info + MBI_MEM_LOWER, 639);
  wr32(info + MBI_MEM_UPPER, (m->mem->ram_size >> 10) - 1024);
  const char *cl = cmdline ? cmdline : kernel;
  if (strlen(cl) >= sizeof(info) - MB_CMD_OFF) {
    snprintf(err, errlen, "--append: command line too long for Multiboot (%zu bytes)", strlen(cl));
    goto out;
  }
  memcpy(info + MB_CMD_OFF, cl, strlen(cl) + 1);
  wr32(info + MBI_CMDLINE, base + MB_CMD_OFF);
  mbflags |= 0x4;
  memcpy(info + MB_NAME_OFF, "x86vm", 6);
  wr32(info + MBI_LOADER, base + MB_NAME_OFF);
  static const struct { uint64_t a, l; uint32_t t; } map[] = {
    {0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0xf0000, 0x10000, 2},
  };
  uint8_t *mm = info + MB_MMAP_OFF;
  int nmap = 0;
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]) + 2; i++) {
    uint64_t a, l;
    uint32_t t;
    if (i < 3) {
      a = map[i].a; l = map[i].l; t = map[i].t;
    } else if (i == 3) {
      a = 0x100000; l = m->mem->ram_size - 0x100000u; t = 1;
    } else {
      a = 0x100000000ull - m->bios_size; l = m->bios_size; t = 2;
    }
    uint8_t *e = mm + 24 * nmap++;
    wr32(e, 20);
    wr32(e + 4, (uint32_t)a);
    wr32(e + 8, (uint32_t)(a >> 32));
    wr32(e + 12, (uint32_t)l);
    wr32(e + 16, (uint32_t)(l >> 32));
    wr32(e + 20, t);
  }
  wr32(info + MBI_MMAP_LEN, (uint32_t)(24 * nmap));
  wr32(info + MBI_MMAP_ADDR, base + MB_MMAP_OFF);
  if (initrd) {
    ird = boot_read_file(m, initrd, &ilen, "--initrd", err, errlen);
    if (!ird)
      goto out;
    uint32_t at = (uint32_t)((m->mem->ram_size - ilen) & ~0xfffu);
    if (ilen > m->mem->ram_size / 2 || layout_overlaps(&lay, at, (uint64_t)at + ilen) ||
        (at < base + 0x1000u && base < at + ilen)) {
      snprintf(err, errlen, "--initrd %s: %zu bytes do not fit above the kernel (use --mem)", initrd, ilen);
      goto out;
    }
    if (boot_put(m, at, ird, (uint32_t)ilen) < 0) {
      snprintf(err, errlen, "out of memory");
      goto out;
    }
    uint8_t *mod = info + MB_MODS_OFF;
    wr32(mod, at);
    wr32(mod + 4, at + (uint32_t)ilen);
    wr32(mod + 8, 0);
    wr32(info + MBI_MODS_COUNT, 1);
    wr32(info + MBI_MODS_ADDR, base + MB_MODS_OFF);
    mbflags |= 0x8;
  }
  wr32(info + MBI_FLAGS, mbflags);
  if (boot_put(m, base, info, sizeof(info)) < 0) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }

  /* The 8259s as a PC BIOS leaves them (vectors 08h and 70h, slave on IRQ2),
   * with every line unmasked: no BIOS runs before a Multiboot kernel here,
   * and kernels written for PCs (kvm-unit-tests' realmode) take device
   * interrupts at those vectors.  EFLAGS.IF stays clear as the spec says. */
  static const uint8_t pic_init[][2] = {
    {0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0x00},
    {0xa0, 0x11}, {0xa1, 0x70}, {0xa1, 0x02}, {0xa1, 0x01}, {0xa1, 0x00},
  };
  for (size_t i = 0; i < sizeof(pic_init) / sizeof(pic_init[0]); i++)
    if (boot_out(m, pic_init[i][0], pic_init[i][1]) < 0) {
      snprintf(err, errlen, "out of memory");
      goto out;
    }

  /* CPU: flat 32-bit protected mode, EAX = magic, EBX = info. */
  static const uint8_t gdt[24] = {
    0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,
    0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,
  };
  if (boot_put(m, base + 0xf00, gdt, sizeof(gdt)) < 0) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  Cpu *cpu = m->cpu;
  cpu->gdt_base = base + 0xf00;
  cpu->gdt_limit = sizeof(gdt) - 1;
  cpu->idt_base = 0;
  cpu->idt_limit = 0;
  cpu->cr[0] = CR0_PE | CR0_ET;
  const uint16_t code = SF_ACCESSED | SF_RW | SF_CODE | SF_S | SF_P | SF_DB | SF_G;
  const uint16_t data = SF_ACCESSED | SF_RW | SF_S | SF_P | SF_DB | SF_G;
  cpu->seg[S_CS] = (SegCache){0x08, code, 0, 0xffffffffu};
  for (int s = 0; s < 6; s++)
    if (s != S_CS)
      cpu->seg[s] = (SegCache){0x10, data, 0, 0xffffffffu};
  cpu->cpl = 0;
  cpu_set_flags(cpu, 0x00000002u, 0xffffffffu);
  memset(cpu->regs, 0, sizeof(cpu->regs));
  cpu->regs[R_EAX] = MULTIBOOT_BOOT_MAGIC;
  cpu->regs[R_EBX] = base;
  cpu->regs[R_ESP] = 0x7000;
  cpu->eip = entry;
  cpu->halted = false;
  cpu_update_mode(cpu);
  tlb_flush(cpu);
  if (boot_enter(m) < 0) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  rc = 0;
out:
  if (rc < 0)
    boot_forget(m);
  free(img);
  free(ird);
  return rc;
}
