/*
 * fuzz_loader.c — the direct-boot loaders on arbitrary kernel files:
 * linux_boot_load() (bzImage: protected-mode and real-mode-setup paths)
 * and multiboot_load() (ELF through libelf, or the a.out address fields).
 *
 * Input: byte 0 picks the loader (bit 0: Multiboot), bit 1 adds an
 * initrd, bit 2 a long command line; the rest is the kernel file, written
 * to a file in the harness's temporary directory (the loaders take paths).
 * An accepted kernel then runs 2000 instructions on the 2 MiB machine.
 *
 * Seeds: fuzz_loader --make-seeds=DIR writes small valid kernels of each
 * kind: bzImage 2.15 (32-bit entry), bzImage 2.01 (real-mode setup),
 * Multiboot a.out kludge, Multiboot ELF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "linuxboot.h"
#include "multiboot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > (256u << 10))
    return 0;
  uint8_t sel = data[0];
  const char *kernel = fuzz_write_file("kernel", data + 1, size - 1);
  static const char ird[] = "initrd contents: 32 bytes long!";
  const char *initrd = (sel & 2) ? fuzz_write_file("initrd", ird, sizeof ird) : NULL;
  static char longcl[3000];
  if (!longcl[0])
    memset(longcl, 'x', sizeof longcl - 1);
  const char *cmdline = (sel & 4) ? longcl : "console=ttyS0";
  Machine *m = fuzz_machine_get(false);
  char err[1024];
  int rc = (sel & 1) ? multiboot_load(m, kernel, initrd, cmdline, err, sizeof err)
                     : linux_boot_load(m, kernel, initrd, cmdline, err, sizeof err);
  if (rc == 0)
    for (int i = 0; i < 4 && !m->exit_requested; i++)
      if (machine_run_for(m, 500u * 4) != MSTOP_BUDGET)
        break;
  return 0;
}

/* ---- seeds ---- */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }

static void seed(const char *dir, const char *name, uint8_t sel, const uint8_t *img, size_t len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(&sel, 1, 1, f) != 1 || fwrite(img, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
  printf("%s\n", path);
}

/* 32-bit code: write 'K' to port E9h, then cli; hlt. */
static const uint8_t code32[] = {0xb0, 'K', 0xe6, 0xe9, 0xfa, 0xf4};

static void bzimage(const char *dir, const char *name, uint16_t version, uint8_t sel) {
  static uint8_t k[5 * 512 + 512];
  memset(k, 0, sizeof k);
  k[0x1f1] = 4;                    /* setup sectors */
  put16(k + 0x1fe, 0xaa55);
  put32(k + 0x202, 0x53726448);    /* "HdrS" */
  put16(k + 0x206, version);
  k[0x211] = 1;                    /* LOADED_HIGH */
  put32(k + 0x214, 0x100000);      /* code32_start */
  put32(k + 0x22c, 0x37ffffff);    /* initrd_addr_max */
  put32(k + 0x238, 2048);          /* cmdline_size */
  put32(k + 0x230, 0x1000);        /* kernel_alignment */
  put32(k + 0x260, 0x10000);       /* init_size */
  /* The real-mode setup entry (offset 200h: a short jump past the header)
   * for the old protocol: cli; hlt. */
  k[0x200] = 0xeb, k[0x201] = 0x66;
  k[0x268] = 0xfa, k[0x269] = 0xf4;
  memcpy(k + 5 * 512, code32, sizeof code32);
  seed(dir, name, sel, k, sizeof k);
}

static void make_seeds(const char *dir) {
  bzimage(dir, "bzimage-2.15", 0x020f, 2);
  bzimage(dir, "bzimage-2.01-realmode", 0x0201, 0);
  /* Multiboot a.out kludge: header at 0, loaded at 1 MiB, entry after it. */
  {
    uint8_t k[64] = {0};
    uint32_t flags = 0x00010003; /* page-align modules, memory info, address fields */
    put32(k, 0x1badb002);
    put32(k + 4, flags);
    put32(k + 8, (uint32_t)-(0x1badb002u + flags));
    put32(k + 12, 0x100000);            /* header_addr */
    put32(k + 16, 0x100000);            /* load_addr */
    put32(k + 20, 0x100000 + sizeof k); /* load_end_addr */
    put32(k + 24, 0x101000);            /* bss_end_addr */
    put32(k + 28, 0x100020);            /* entry_addr */
    memcpy(k + 32, code32, sizeof code32);
    seed(dir, "multiboot-aout", 3, k, sizeof k);
  }
  /* Multiboot ELF: ELF header, one PT_LOAD program header, the Multiboot
   * header and the code, all in one segment loaded at 1 MiB. */
  {
    uint8_t k[0x100] = {0};
    memcpy(k, "\x7f" "ELF", 4);
    k[4] = 1, k[5] = 1, k[6] = 1;         /* 32-bit, little-endian, version 1 */
    put16(k + 16, 2);                     /* ET_EXEC */
    put16(k + 18, 3);                     /* EM_386 */
    put32(k + 20, 1);
    put32(k + 24, 0x100000 + 0x80);       /* entry */
    put32(k + 28, 52);                    /* phoff */
    put16(k + 40, 52);                    /* ehsize */
    put16(k + 42, 32);                    /* phentsize */
    put16(k + 44, 1);                     /* phnum */
    put16(k + 46, 40);                    /* shentsize */
    uint8_t *ph = k + 52;
    put32(ph, 1);                         /* PT_LOAD */
    put32(ph + 4, 0);                     /* offset */
    put32(ph + 8, 0x100000);              /* vaddr */
    put32(ph + 12, 0x100000);             /* paddr */
    put32(ph + 16, sizeof k);             /* filesz */
    put32(ph + 20, 0x2000);               /* memsz */
    put32(ph + 24, 7);                    /* flags */
    put32(ph + 28, 0x1000);               /* align */
    uint32_t flags = 0x00000003;
    put32(k + 0x60, 0x1badb002);
    put32(k + 0x64, flags);
    put32(k + 0x68, (uint32_t)-(0x1badb002u + flags));
    memcpy(k + 0x80, code32, sizeof code32);
    seed(dir, "multiboot-elf", 7, k, sizeof k);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *dir = fuzz_arg(*argc, *argv, "make-seeds");
  if (dir) {
    make_seeds(dir);
    exit(0);
  }
  return 0;
}
