/*
 * fuzz_common.c — shared harness helpers (see fuzz_common.h).
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[256];

void fuzz_clear_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      fuzz_clear_dir(p);
      rmdir(p);
    } else {
      unlink(p);
    }
  }
  closedir(d);
}

int fuzz_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d)
    return -1;
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

static void cleanup(void) {
  if (tmpdir[0]) {
    fuzz_clear_dir(tmpdir);
    rmdir(tmpdir);
  }
}

const char *fuzz_tmpdir(void) {
  if (!tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/x86vm-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
      perror("fuzz: mkdtemp");
      abort();
    }
    atexit(cleanup);
  }
  return tmpdir;
}

const char *fuzz_write_file(const char *name, const void *data, size_t len) {
  static char paths[8][512];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, 512, "%s/%s", fuzz_tmpdir(), name);
  FILE *f = fopen(p, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
    perror(p);
    abort();
  }
  return p;
}

/* A sparse file of the given size. */
static const char *image(const char *name, off_t size) {
  static char paths[4][512];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 512, "%s/%s", fuzz_tmpdir(), name);
  int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, size) < 0) {
    perror(p);
    abort();
  }
  close(fd);
  return p;
}

Machine *fuzz_machine_new(bool drives) {
  static const char *bios, *fda, *hda, *cd;
  if (!bios) {
    /* 64 KiB of HLT; the reset vector (F000:FFF0) is one as well. */
    static uint8_t rom[65536];
    memset(rom, 0xf4, sizeof rom);
    bios = strdup(fuzz_write_file("bios.bin", rom, sizeof rom));
    fda = strdup(image("fd.img", 1474560));
    hda = strdup(image("hd.img", 4 << 20));
    /* An ISO 9660 signature at 8001h so the image is a CD by content. */
    cd = strdup(image("cd.iso", 1 << 20));
    FILE *f = fopen(cd, "r+b");
    if (f) {
      fseek(f, 0x8001, SEEK_SET);
      fwrite("CD001", 1, 5, f);
      fclose(f);
    }
  }
  MachineConfig cfg = {0};
  cfg.mem_mib = FUZZ_MEM_MIB;
  cfg.vga_mem_mib = 1;
  cfg.bios_path = bios;
  cfg.serial = "null";
  cfg.deterministic = true;
  cfg.snapshot = true;
  if (drives) {
    cfg.images[PC_FDA] = fda;
    cfg.images[PC_HDA] = hda;
    cfg.images[PC_CDROM] = cd;
  }
  char err[512];
  Machine *m = machine_new(&cfg, err, sizeof err);
  if (!m) {
    fprintf(stderr, "fuzz: machine_new: %s\n", err);
    abort();
  }
  m->dbg->e9_out = NULL; /* port E9h output would flood the fuzzer's log */
  return m; /* machine_new reset it */
}

Machine *fuzz_machine_get(bool drives) {
  static Machine *kept[2];
  static int fresh = -1;
  if (fresh < 0)
    fresh = getenv("FUZZ_FRESH") && atoi(getenv("FUZZ_FRESH"));
  Machine **m = &kept[drives];
  if (*m && fresh) {
    machine_free(*m);
    *m = NULL;
  }
  if (!*m)
    return *m = fuzz_machine_new(drives);
  memset((*m)->mem->ram, 0, (*m)->mem->ram_size);
  machine_reset(*m);
  (*m)->reset_requested = (*m)->exit_requested = false;
  (*m)->exit_status = 0;
  (*m)->stop_requested = 0;
  return *m;
}

void fuzz_real_mode_at(Machine *m, uint16_t seg, uint16_t off, bool intr_on) {
  /* IRET at 0000:0400 (the BDA start is free here: no BIOS ran). */
  mem_write8(m->mem, 0x400, 0xcf);
  for (uint32_t v = 0; v < 256; v++)
    mem_write32(m->mem, v * 4, 0x00000400u);
  Cpu *c = m->cpu;
  cpu_load_seg_real(c, S_CS, seg);
  cpu_load_seg_real(c, S_DS, 0);
  cpu_load_seg_real(c, S_ES, 0);
  cpu_load_seg_real(c, S_SS, 0);
  c->regs[R_ESP] = 0x7000;
  c->eip = off;
  cpu_set_flags(c, intr_on ? F_IF : 0, F_IF);
  c->halted = false;
  cpu_update_mode(c);
  tlb_flush(c);
}

void fuzz_fix_snapshot_crcs(uint8_t *img, size_t len) {
  size_t off = 16;
  while (off + 40 <= len) {
    uint64_t clen = 0;
    for (int i = 0; i < 8; i++)
      clen |= (uint64_t)img[off + 24 + i] << (8 * i);
    if (clen > len - off - 40)
      return;
    uint32_t crc = (uint32_t)crc32(0, img + off + 40, (uInt)clen);
    for (int i = 0; i < 4; i++)
      img[off + 32 + i] = (uint8_t)(crc >> (8 * i));
    off += 40 + (size_t)clen;
  }
}

const char *fuzz_arg(int argc, char **argv, const char *name) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++)
    if (!strncmp(argv[i], "--", 2) && !strncmp(argv[i] + 2, name, n) && argv[i][2 + n] == '=')
      return argv[i] + 3 + n;
  return NULL;
}

const uint16_t fuzz_ports[] = {
    /* DMA 1 and its page registers, DMA 2 */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x81, 0x82, 0x83, 0x87, 0x89, 0x8a, 0x8b, 0x8f, 0xc0, 0xc4, 0xc8, 0xcc, 0xd0, 0xd2, 0xd4, 0xd6,
    0xd8, 0xda, 0xdc, 0xde,
    /* PIC, ELCR */
    0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,
    /* PIT, speaker, 8042, port 92h, RTC */
    0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x92, 0x70, 0x71,
    /* FDC */
    0x3f0, 0x3f1, 0x3f2, 0x3f3, 0x3f4, 0x3f5, 0x3f7,
    /* IDE primary and secondary */
    0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6, 0x170, 0x171, 0x172, 0x173, 0x174,
    0x175, 0x176, 0x177, 0x376,
    /* COM1-4 */
    0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x2f8, 0x2f9, 0x2fa, 0x2fb, 0x2fc, 0x2fd,
    0x3e8, 0x3e9, 0x3eb, 0x3ec, 0x2e8, 0x2ec,
    /* VGA, Bochs VBE */
    0x3b4, 0x3b5, 0x3ba, 0x3c0, 0x3c1, 0x3c2, 0x3c3, 0x3c4, 0x3c5, 0x3c6, 0x3c7, 0x3c8, 0x3c9, 0x3ca,
    0x3cc, 0x3ce, 0x3cf, 0x3d4, 0x3d5, 0x3da, 0x1ce, 0x1cf, 0x1d0,
    /* debug console, POST code, fw_cfg */
    0xe9, 0x80, 0x510, 0x511,
};
const size_t fuzz_nports = sizeof fuzz_ports / sizeof fuzz_ports[0];

void fuzz_load_exerciser(Machine *m) {
  static uint8_t code[8192];
  size_t n = 0;
  /* inc bp (the round counter) */
  code[n++] = 0x45;
  for (size_t i = 0; i < fuzz_nports; i++) {
    uint16_t port = fuzz_ports[i];
    if (port == 0x92 || port == 0x64)
      continue; /* a reset pulse would end the program at once */
    /* mov dx, port */
    code[n++] = 0xba, code[n++] = (uint8_t)port, code[n++] = (uint8_t)(port >> 8);
    /* in al, dx; out dx, al; in ax, dx; in eax, dx */
    code[n++] = 0xec, code[n++] = 0xee, code[n++] = 0xed, code[n++] = 0x66, code[n++] = 0xed;
    /* mov ax, bp; imul ax, ax, odd; xor ax, port; out dx, al; out dx, ax */
    code[n++] = 0x89, code[n++] = 0xe8;
    code[n++] = 0x69, code[n++] = 0xc0, code[n++] = (uint8_t)(i * 2 + 0x35), code[n++] = 0x9e;
    code[n++] = 0x35, code[n++] = (uint8_t)port, code[n++] = (uint8_t)(port >> 8);
    code[n++] = 0xee, code[n++] = 0xef;
  }
  /* sti; nop; jmp start */
  code[n++] = 0xfb, code[n++] = 0x90;
  int rel = -(int)(n + 3);
  code[n++] = 0xe9, code[n++] = (uint8_t)rel, code[n++] = (uint8_t)(rel >> 8);
  mem_write_bytes(m->mem, FUZZ_EXERCISER_ADDR, code, (uint32_t)n);
  fuzz_real_mode_at(m, 0, FUZZ_EXERCISER_ADDR, true);
}
