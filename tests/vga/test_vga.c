/*
 * test_vga.c — VGA driven through its ports and through guest memory at
 * A0000h-BFFFFh (mem_write8/mem_read8 reach the MMIO region): text in
 * B8000h shows in the text dump (CP437 mapped, trailing spaces trimmed),
 * start address and cursor, mode 13h chain-4 pixels and mode 12h planar
 * write modes 0/2/3, latches and read mode 1 in vga_render, DAC
 * auto-increment round trip, attribute flip-flop reset by 3DAh, memory map
 * select, a guest-loaded font, retrace toggling, PNG screenshot (signature,
 * chunk CRCs, and a zlib decode by python3 when present), save/restore.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "iobus.h"
#include "mem.h"
#include "png.h"
#include "savestate.h"
#include "vga.h"

static IoBus *bus;
static Mem *mem;
static Clock *clk;
static Vga *vga;
static uint32_t *fb;

static uint8_t inb(uint16_t p) { return (uint8_t)iobus_read(bus, p, 1); }
static void outb(uint16_t p, uint8_t v) { iobus_write(bus, p, 1, v); }
static void outw(uint16_t p, uint16_t v) { iobus_write(bus, p, 2, v); }

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  mem = mem_create(1 << 20);
  clk = clock_new(true, 10);
  vga = vga_new(bus, mem, clk);
  ck_assert_ptr_nonnull(vga);
  fb = malloc(sizeof(uint32_t) * VGA_MAX_WIDTH * VGA_MAX_HEIGHT);
}

static void teardown(void) {
  free(fb);
  vga_free(vga);
  clock_free(clk);
  mem_destroy(mem);
  iobus_free(bus);
}

static void put_text(int row, int col, const char *s, uint8_t attr) {
  for (int i = 0; s[i]; i++) {
    uint32_t a = 0xb8000 + (uint32_t)(row * 80 + col + i) * 2;
    mem_write16(mem, a, (uint16_t)((uint8_t)s[i] | attr << 8));
  }
}

/* Line n (0-based) of the dump, into buf. */
static void dump_line(int n, char *buf, size_t len) {
  char *s = vga_text_dump_string(vga);
  ck_assert_ptr_nonnull(s);
  char *p = s;
  for (int i = 0; i < n; i++) {
    p = strchr(p, '\n');
    ck_assert_ptr_nonnull(p);
    p++;
  }
  char *e = strchr(p, '\n');
  size_t l = (size_t)(e - p);
  ck_assert_uint_lt(l, len);
  memcpy(buf, p, l);
  buf[l] = 0;
  free(s);
}

static void load_regs(uint8_t misc, const uint8_t *seq, const uint8_t *crtc, const uint8_t *gc,
                      const uint8_t *attr) {
  outb(0x3c2, misc);
  for (int i = 0; i < 5; i++)
    outw(0x3c4, (uint16_t)(i | seq[i] << 8));
  outw(0x3d4, 0x0011); /* unlock CRTC 0-7 */
  for (int i = 0; i < 25; i++)
    outw(0x3d4, (uint16_t)(i | crtc[i] << 8));
  for (int i = 0; i < 9; i++)
    outw(0x3ce, (uint16_t)(i | gc[i] << 8));
  inb(0x3da);
  for (int i = 0; i < 21; i++) {
    outb(0x3c0, (uint8_t)i);
    outb(0x3c0, attr[i]);
  }
  outb(0x3c0, 0x20);
  /* Clear video memory as a BIOS mode set does (all planes enabled). */
  for (uint32_t i = 0; i < 0x10000; i++)
    mem_write8(mem, 0xa0000 + i, 0);
}

static void set_mode13(void) {
  static const uint8_t seq[5] = {0x03, 0x01, 0x0f, 0x00, 0x0e};
  static const uint8_t crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00,
                                   0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x0e,
                                   0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff};
  static const uint8_t gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff};
  static const uint8_t attr[21] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                   0x41, 0x00, 0x0f, 0x00, 0x00};
  load_regs(0x63, seq, crtc, gc, attr);
}

static void set_mode12(void) {
  static const uint8_t seq[5] = {0x03, 0x01, 0x0f, 0x00, 0x06};
  static const uint8_t crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00,
                                   0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xea, 0x8c,
                                   0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff};
  static const uint8_t gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff};
  static const uint8_t attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                   0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00};
  load_regs(0xe3, seq, crtc, gc, attr);
}

static void set_dac(uint8_t i, uint8_t r, uint8_t g, uint8_t b) {
  outb(0x3c8, i);
  outb(0x3c9, r);
  outb(0x3c9, g);
  outb(0x3c9, b);
}

START_TEST(test_text_dump) {
  ck_assert(vga_is_text_mode(vga));
  put_text(0, 0, "Hello, x86vm!", 0x07);
  put_text(1, 5, "indented   ", 0x1f);
  put_text(24, 79, "Z", 0x07);
  char line[400];
  dump_line(0, line, sizeof(line));
  ck_assert_str_eq(line, "Hello, x86vm!");
  dump_line(1, line, sizeof(line));
  ck_assert_str_eq(line, "     indented"); /* trailing spaces trimmed */
  dump_line(2, line, sizeof(line));
  ck_assert_str_eq(line, "");
  dump_line(24, line, sizeof(line));
  ck_assert_uint_eq(strlen(line), 80);
  ck_assert_int_eq(line[79], 'Z');
  /* CP437 graphics map to UTF-8. */
  mem_write8(mem, 0xb8000 + 160 * 3, 0xc9);
  mem_write8(mem, 0xb8000 + 160 * 3 + 2, 0xcd);
  mem_write8(mem, 0xb8000 + 160 * 3 + 4, 0x01);
  dump_line(3, line, sizeof(line));
  ck_assert_str_eq(line, "╔═☺");
  /* Reading the text back through memory. */
  ck_assert_uint_eq(mem_read8(mem, 0xb8000), 'H');
  ck_assert_uint_eq(mem_read8(mem, 0xb8001), 0x07);
  ck_assert_uint_eq(mem_read16(mem, 0xb8002), 0x0765);
  /* The start address register scrolls the dump by one row (80 chars). */
  outw(0x3d4, 0x000c);
  outw(0x3d4, 0x500d);
  dump_line(0, line, sizeof(line));
  ck_assert_str_eq(line, "     indented");
  /* Every dump has exactly 25 lines. */
  outw(0x3d4, 0x000d);
  char *s = vga_text_dump_string(vga);
  int n = 0;
  for (char *p = s; *p; p++)
    n += *p == '\n';
  free(s);
  ck_assert_int_eq(n, 25);
  /* An 8-line font (CRTC max scan line 7) gives 50 rows. */
  outw(0x3d4, 0x4709);
  int cols, rows;
  vga_text_size(vga, &cols, &rows);
  ck_assert_int_eq(cols, 80);
  ck_assert_int_eq(rows, 50);
  outw(0x3d4, 0x4f09);
  FILE *f = tmpfile();
  ck_assert_int_eq(vga_text_dump(vga, f), 0);
  ck_assert_int_gt(ftell(f), 20);
  fclose(f);
}
END_TEST

START_TEST(test_text_render_and_cursor) {
  put_text(0, 0, "A ", 0x1e); /* yellow on blue */
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 720);
  ck_assert_int_eq(h, 400);
  uint32_t yellow = 0xffff55, blue = 0x0000aa;
  int ink = 0, paper = 0;
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 9; x++) {
      ink += fb[y * w + x] == yellow;
      paper += fb[y * w + x] == blue;
    }
  ck_assert_int_gt(ink, 10);
  ck_assert_int_eq(ink + paper, 16 * 9);
  for (int y = 0; y < 16; y++) /* the space has no ink */
    for (int x = 9; x < 18; x++)
      ck_assert_uint_eq(fb[y * w + x], blue);
  /* Cursor at row 2 col 3, scan lines 14-15 (mode 3 default 0D-0E -> set 0E-0F). */
  outw(0x3d4, 0x0e0a);
  outw(0x3d4, 0x0f0b);
  outw(0x3d4, 0x000e);
  outw(0x3d4, (uint16_t)((2 * 80 + 3) << 8 | 0x0f));
  vga_render(vga, fb, &w, &h);
  uint32_t grey = 0xaaaaaa;
  ck_assert_uint_eq(fb[(2 * 16 + 15) * w + 3 * 9 + 4], grey); /* attr 07 on a blank cell */
  ck_assert_uint_eq(fb[(2 * 16 + 8) * w + 3 * 9 + 4], 0);
  outw(0x3d4, 0x2e0a); /* cursor off */
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[(2 * 16 + 15) * w + 3 * 9 + 4], 0);
}
END_TEST

START_TEST(test_guest_font_in_plane2) {
  /* Load a solid glyph for 'A' the way a BIOS does: plane 2, sequential. */
  outw(0x3c4, 0x0402); /* map mask: plane 2 */
  outw(0x3c4, 0x0704); /* sequential, no odd/even */
  outw(0x3ce, 0x0005); /* write mode 0, no odd/even */
  outw(0x3ce, 0x0406); /* A0000h 64K, text */
  for (int y = 0; y < 16; y++)
    mem_write8(mem, 0xa0000 + 'A' * 32 + y, y == 0 ? 0x81 : 0xff);
  ck_assert_uint_eq(mem_read8(mem, 0xa0000 + 'A' * 32), ' '); /* read map 0: text */
  outw(0x3ce, 0x0204);                                          /* read plane 2 */
  ck_assert_uint_eq(mem_read8(mem, 0xa0000 + 'A' * 32), 0x81);
  outw(0x3ce, 0x0004);
  /* Back to text addressing. */
  outw(0x3c4, 0x0302);
  outw(0x3c4, 0x0304);
  outw(0x3ce, 0x1005);
  outw(0x3ce, 0x0e06);
  /* In this map, A0000h is outside the window. */
  ck_assert_uint_eq(mem_read8(mem, 0xa0000), 0xff);
  put_text(0, 0, "A", 0x07);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xaaaaaa);     /* bit 7 of 0x81 */
  ck_assert_uint_eq(fb[1], 0);
  ck_assert_uint_eq(fb[7], 0xaaaaaa);     /* bit 0 */
  for (int x = 0; x < 8; x++)
    ck_assert_uint_eq(fb[5 * w + x], 0xaaaaaa);
  ck_assert_uint_eq(fb[5 * w + 8], 0);    /* 9th column: background for 'A' */
}
END_TEST

START_TEST(test_mode13_chain4) {
  set_mode13();
  ck_assert(!vga_is_text_mode(vga));
  ck_assert_ptr_null(vga_text_dump_string(vga));
  set_dac(4, 63, 0, 0);
  set_dac(200, 0, 32, 63);
  mem_write8(mem, 0xa0000 + 100 * 320 + 50, 4);
  mem_write8(mem, 0xa0000 + 199 * 320 + 319, 200);
  mem_write8(mem, 0xa0000 + 51, 200);
  ck_assert_uint_eq(mem_read8(mem, 0xa0000 + 100 * 320 + 50), 4);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 320);
  ck_assert_int_eq(h, 200);
  ck_assert_uint_eq(fb[100 * 320 + 50], 0xff0000);
  ck_assert_uint_eq(fb[100 * 320 + 51], 0x000000);
  ck_assert_uint_eq(fb[199 * 320 + 319], 0x0082ff);
  ck_assert_uint_eq(fb[51], 0x0082ff);
  /* Chain 4 stores pixel x in plane x & 3. */
  ck_assert_uint_eq(vga->vram[3 * VGA_PLANE_SIZE + 48], 200);
  /* The pixel mask applies to the DAC index: 200 & 0Fh = 8. */
  set_dac(8, 0, 63, 0);
  outb(0x3c6, 0x0f);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[51], 0x00ff00);
}
END_TEST

START_TEST(test_mode12_planar_write_modes) {
  set_mode12();
  int w, h;
  /* Write mode 2: colour 9 to pixel (0..7 masked to bit 7 only) at (8, 10). */
  outw(0x3ce, 0x0205);
  outw(0x3ce, 0x8008); /* bit mask: leftmost pixel */
  uint32_t a = 0xa0000 + 10 * 80 + 1;
  mem_read8(mem, a); /* load latches */
  mem_write8(mem, a, 9);
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 640);
  ck_assert_int_eq(h, 480);
  ck_assert_uint_eq(fb[10 * 640 + 8], 0x5555ff); /* palette 9 -> DAC 0x39 light blue */
  ck_assert_uint_eq(fb[10 * 640 + 9], 0);
  /* Write mode 0 with set/reset on all planes: colour 4 over 8 pixels. */
  outw(0x3ce, 0x0005);
  outw(0x3ce, 0xff08);
  outw(0x3ce, 0x0400); /* set/reset = 4 */
  outw(0x3ce, 0x0f01); /* enable on all planes */
  mem_write8(mem, 0xa0000 + 20 * 80, 0x00);
  vga_render(vga, fb, &w, &h);
  for (int x = 0; x < 8; x++)
    ck_assert_uint_eq(fb[20 * 640 + x], 0xaa0000);
  outw(0x3ce, 0x0001);
  /* Read mode 1: colour compare against 4 finds the 8 pixels. */
  outw(0x3ce, 0x0402);
  outw(0x3ce, 0x0f07);
  outw(0x3ce, 0x0805);
  ck_assert_uint_eq(mem_read8(mem, 0xa0000 + 20 * 80), 0xff);
  ck_assert_uint_eq(mem_read8(mem, 0xa0000 + 10 * 80 + 1), 0x00);
  outw(0x3ce, 0x0005);
  /* Write mode 1 copies latches: copy the red byte to row 30. */
  mem_read8(mem, 0xa0000 + 20 * 80);
  outw(0x3ce, 0x0105);
  mem_write8(mem, 0xa0000 + 30 * 80 + 5, 0x12);
  outw(0x3ce, 0x0005);
  /* Write mode 3: data ANDed with bit mask picks pixels, set/reset colour. */
  outw(0x3ce, 0x0e00); /* colour 14 */
  outw(0x3ce, 0x0305);
  mem_read8(mem, 0xa0000 + 40 * 80);
  mem_write8(mem, 0xa0000 + 40 * 80, 0xf0);
  outw(0x3ce, 0x0005);
  /* XOR function with rotate: map mask plane 0 only, data 1 rotated... */
  outw(0x3c4, 0x0102);
  outw(0x3ce, 0x1803); /* XOR, rotate 0 */
  mem_read8(mem, 0xa0000 + 20 * 80);
  mem_write8(mem, 0xa0000 + 20 * 80, 0x0f); /* colour 4 ^ plane0 on right 4 pixels -> 5 */
  outw(0x3ce, 0x0003);
  outw(0x3c4, 0x0f02);
  vga_render(vga, fb, &w, &h);
  for (int x = 0; x < 8; x++)
    ck_assert_uint_eq(fb[30 * 640 + 40 + x], 0xaa0000);
  for (int x = 0; x < 4; x++) {
    ck_assert_uint_eq(fb[40 * 640 + x], 0xffff55);    /* 14 -> DAC 0x3e yellow */
    ck_assert_uint_eq(fb[40 * 640 + 4 + x], 0);
    ck_assert_uint_eq(fb[20 * 640 + x], 0xaa0000);
    ck_assert_uint_eq(fb[20 * 640 + 4 + x], 0xaa00aa); /* colour 5 magenta */
  }
}
END_TEST

START_TEST(test_dac_roundtrip) {
  set_dac(17, 1, 2, 3);
  outb(0x3c9, 60); /* auto-increment: entry 18 */
  outb(0x3c9, 61);
  outb(0x3c9, 0xff); /* only 6 bits kept */
  ck_assert_uint_eq(inb(0x3c8), 19);
  outb(0x3c7, 17);
  ck_assert_uint_eq(inb(0x3c7), 3); /* DAC state: read mode */
  ck_assert_uint_eq(inb(0x3c9), 1);
  ck_assert_uint_eq(inb(0x3c9), 2);
  ck_assert_uint_eq(inb(0x3c9), 3);
  ck_assert_uint_eq(inb(0x3c9), 60);
  ck_assert_uint_eq(inb(0x3c9), 61);
  ck_assert_uint_eq(inb(0x3c9), 63);
  outb(0x3c8, 0);
  ck_assert_uint_eq(inb(0x3c7), 0);
  /* Partial write then a new index restarts the triple. */
  outb(0x3c9, 5);
  outb(0x3c8, 1);
  outb(0x3c9, 7);
  outb(0x3c9, 8);
  outb(0x3c9, 9);
  outb(0x3c7, 1);
  ck_assert_uint_eq(inb(0x3c9), 7);
  ck_assert_uint_eq(inb(0x3c9), 8);
  ck_assert_uint_eq(inb(0x3c9), 9);
}
END_TEST

START_TEST(test_attribute_flipflop) {
  inb(0x3da); /* reset: next write is an index */
  outb(0x3c0, 0x21); /* index 1, PAS */
  ck_assert_uint_eq(inb(0x3c0), 0x21);
  outb(0x3c0, 0x2a); /* data */
  ck_assert_uint_eq(inb(0x3c1), 0x2a);
  outb(0x3c0, 0x22); /* index again (flip-flop toggled back) */
  outb(0x3c0, 0x15);
  outb(0x3c0, 0x21);
  ck_assert_uint_eq(inb(0x3c1), 0x2a);
  /* Leave it expecting data, then reset via 3DA: the next write is an index. */
  inb(0x3da);
  outb(0x3c0, 0x22);
  inb(0x3da);
  outb(0x3c0, 0x23);
  outb(0x3c0, 0x33);
  outb(0x3c0, 0x22);
  ck_assert_uint_eq(inb(0x3c1), 0x15);
  inb(0x3da);
  outb(0x3c0, 0x23);
  ck_assert_uint_eq(inb(0x3c1), 0x33);
  /* With misc bit 0 clear the colour ports go away and 3BAh resets instead. */
  outb(0x3c2, 0x66);
  ck_assert_uint_eq(inb(0x3da), 0xff);
  outb(0x3b4, 0x0e);
  ck_assert_uint_eq(inb(0x3b4), 0x0e);
  inb(0x3ba);
  outb(0x3c0, 0x24);
  ck_assert_uint_eq(inb(0x3c0), 0x24);
}
END_TEST

START_TEST(test_retrace_toggles) {
  int vr = 0, novr = 0, de_changes = 0;
  uint8_t last = inb(0x3da);
  for (int i = 0; i < 2000; i++) {
    clock_advance_to(clk, clock_now(clk) + 20000); /* 20 us */
    uint8_t s = inb(0x3da);
    if (s & 8)
      vr++;
    else
      novr++;
    de_changes += (s ^ last) & 1;
    last = s;
  }
  ck_assert_int_gt(vr, 0);
  ck_assert_int_gt(novr, vr);
  ck_assert_int_gt(de_changes, 0);
}
END_TEST

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_png_screenshot) {
  set_mode13();
  set_dac(7, 63, 63, 0);
  mem_write8(mem, 0xa0000 + 3 * 320 + 2, 7);
  char path[] = "/tmp/x86vm-vga-XXXXXX.png";
  int fd = mkstemps(path, 4);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char err[256];
  ck_assert_int_eq(vga_screenshot_png(vga, path, err, sizeof(err)), 0);
  FILE *f = fopen(path, "rb");
  static uint8_t buf[400000];
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ck_assert_mem_eq(buf, sig, 8);
  /* Walk the chunks and check each CRC; IHDR says 320x200 RGB. */
  size_t off = 8;
  int chunks = 0;
  while (off + 12 <= n) {
    uint32_t len = be32(buf + off);
    ck_assert_uint_le(off + 12 + len, n);
    ck_assert_uint_eq(png_crc32(0, buf + off + 4, 4 + len), be32(buf + off + 8 + len));
    if (memcmp(buf + off + 4, "IHDR", 4) == 0) {
      ck_assert_uint_eq(be32(buf + off + 8), 320);
      ck_assert_uint_eq(be32(buf + off + 12), 200);
      ck_assert_uint_eq(buf[off + 17], 2);
    }
    chunks++;
    off += 12 + len;
  }
  ck_assert_uint_eq(off, n);
  ck_assert_int_eq(chunks, 3);
  /* Known CRC-32 check value. */
  ck_assert_uint_eq(png_crc32(0, "123456789", 9), 0xcbf43926u);
  /* Decode with python's zlib when available: pixel (2,3) is yellow. */
  if (system("python3 -c 'import zlib' 2>/dev/null") == 0) {
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "python3 -c \"import zlib,struct,sys\n"
             "d=open('%s','rb').read()\n"
             "i=d.index(b'IDAT');l=struct.unpack('>I',d[i-4:i])[0]\n"
             "r=zlib.decompress(d[i+4:i+4+l])\n"
             "s=320*3+1\n"
             "assert len(r)==s*200\n"
             "p=r[3*s+1+2*3:3*s+1+3*3]\n"
             "sys.exit(0 if p==bytes([255,255,0]) else 1)\"",
             path);
    ck_assert_int_eq(system(cmd), 0);
  }
  unlink(path);
  /* An unwritable path gives a message naming it. */
  ck_assert_int_eq(vga_screenshot_png(vga, "/nonexistent/dir/s.png", err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/s.png"));
}
END_TEST

START_TEST(test_save_restore) {
  put_text(5, 5, "saved", 0x07);
  set_dac(3, 10, 20, 30);
  SaveWriter *sw = save_writer_new();
  ck_assert_int_eq(device_save(&vga->dev, sw), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(sw, &len);
  char err[256];
  SaveReader *sr = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_msg(sr, "%s", err);
  put_text(5, 5, "later", 0x07);
  set_mode13();
  ck_assert_int_eq(device_check(&vga->dev, sr), 0);
  ck_assert_int_eq(device_load(&vga->dev, sr), 0);
  char line[200];
  dump_line(5, line, sizeof(line));
  ck_assert_str_eq(line, "     saved");
  outb(0x3c7, 3);
  ck_assert_uint_eq(inb(0x3c9), 10);
  save_reader_free(sr);
  save_writer_free(sw);
}
END_TEST

START_TEST(test_builtin_font_and_cp437) {
  const uint8_t *f = vga_builtin_font();
  int ink_a = 0, ink_sp = 0;
  for (int y = 0; y < 16; y++) {
    ink_a += __builtin_popcount(f['A' * 16 + y]);
    ink_sp += __builtin_popcount(f[' ' * 16 + y]);
  }
  ck_assert_int_gt(ink_a, 20);
  ck_assert_int_eq(ink_sp, 0);
  /* Every printable ASCII glyph has ink, and no two are identical. */
  for (int c = 0x21; c <= 0x7e; c++) {
    int ink = 0;
    for (int y = 0; y < 16; y++)
      ink += f[c * 16 + y] != 0;
    ck_assert_msg(ink > 0, "glyph %c empty", c);
    for (int d = 0x21; d < c; d++)
      ck_assert_msg(memcmp(f + c * 16, f + d * 16, 16) != 0, "glyphs %c and %c equal", c, d);
  }
  ck_assert_str_eq(vga_cp437_utf8('x'), "x");
  ck_assert_str_eq(vga_cp437_utf8(0xb0), "░");
  ck_assert_str_eq(vga_cp437_utf8(0xe1), "ß");
  ck_assert_str_eq(vga_cp437_utf8(0xfe), "■");
  ck_assert_str_eq(vga_cp437_utf8(0x80), "Ç");
  ck_assert_str_eq(vga_cp437_utf8(0x9f), "ƒ");
  ck_assert_str_eq(vga_cp437_utf8(0xa8), "¿");
  ck_assert_str_eq(vga_cp437_utf8(0xdb), "█");
  ck_assert_str_eq(vga_cp437_utf8(0xf0), "≡");
  ck_assert_str_eq(vga_cp437_utf8(0x7f), "⌂");
  /* Every code maps to exactly one UTF-8 character. */
  for (int c = 0; c < 256; c++) {
    const char *u = vga_cp437_utf8((uint8_t)c);
    ck_assert_ptr_nonnull(u);
    int starts = 0;
    for (const char *p = u; *p; p++)
      starts += ((uint8_t)*p & 0xc0) != 0x80;
    ck_assert_msg(starts == 1, "code %02x maps to %d characters", c, starts);
  }
}
END_TEST

START_TEST(test_cga_modes_4_and_6) {
  static const uint8_t seq4[5] = {0x03, 0x09, 0x03, 0x00, 0x02};
  static const uint8_t crtc4[25] = {0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00,
                                    0xc1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                                    0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2, 0xff};
  static const uint8_t gc4[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x00, 0xff};
  static const uint8_t attr4[21] = {0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12,
                                    0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00};
  load_regs(0x63, seq4, crtc4, gc4, attr4);
  set_dac(0x00, 0, 0, 0);
  set_dac(0x13, 0, 0, 63);
  set_dac(0x15, 0, 63, 0);
  set_dac(0x17, 63, 0, 0);
  /* Line 11 (odd: bank at +2000h), bytes 2 and 3: pixels 8-15. */
  mem_write8(mem, 0xb8000 + 0x2000 + 5 * 80 + 2, 0xe4); /* colours 3 2 1 0 */
  mem_write8(mem, 0xb8000 + 0x2000 + 5 * 80 + 3, 0x1b); /* colours 0 1 2 3 */
  mem_write8(mem, 0xb8000 + 5 * 80 + 2, 0xff);          /* line 10: colour 3 */
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 320);
  ck_assert_int_eq(h, 200);
  static const uint32_t want[8] = {0xff0000, 0x00ff00, 0x0000ff, 0, 0, 0x0000ff, 0x00ff00, 0xff0000};
  for (int i = 0; i < 8; i++)
    ck_assert_uint_eq(fb[11 * 320 + 8 + i], want[i]);
  for (int i = 0; i < 4; i++)
    ck_assert_uint_eq(fb[10 * 320 + 8 + i], 0xff0000);
  ck_assert_uint_eq(fb[12 * 320 + 8], 0);

  static const uint8_t seq6[5] = {0x03, 0x01, 0x01, 0x00, 0x06};
  static const uint8_t crtc6[25] = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00,
                                    0xc1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                                    0x8f, 0x28, 0x00, 0x96, 0xb9, 0xc2, 0xff};
  static const uint8_t gc6[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0xff};
  static const uint8_t attr6[21] = {0x00, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,
                                    0x17, 0x17, 0x17, 0x17, 0x17, 0x01, 0x00, 0x01, 0x00, 0x00};
  load_regs(0x63, seq6, crtc6, gc6, attr6);
  set_dac(0x17, 63, 63, 63);
  mem_write8(mem, 0xb8000 + 0x2000 + 99 * 80 + 79, 0x81); /* line 199, pixels 632 and 639 */
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 640);
  ck_assert_int_eq(h, 200);
  ck_assert_uint_eq(fb[199 * 640 + 632], 0xffffff);
  ck_assert_uint_eq(fb[199 * 640 + 633], 0);
  ck_assert_uint_eq(fb[199 * 640 + 639], 0xffffff);
  ck_assert_uint_eq(fb[198 * 640 + 632], 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vga");
  TCase *tc = tcase_create("vga");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30); /* the PNG check starts python3: slow on a loaded machine */
  tcase_add_test(tc, test_text_dump);
  tcase_add_test(tc, test_text_render_and_cursor);
  tcase_add_test(tc, test_guest_font_in_plane2);
  tcase_add_test(tc, test_mode13_chain4);
  tcase_add_test(tc, test_mode12_planar_write_modes);
  tcase_add_test(tc, test_dac_roundtrip);
  tcase_add_test(tc, test_attribute_flipflop);
  tcase_add_test(tc, test_retrace_toggles);
  tcase_add_test(tc, test_png_screenshot);
  tcase_add_test(tc, test_save_restore);
  tcase_add_test(tc, test_builtin_font_and_cp437);
  tcase_add_test(tc, test_cga_modes_4_and_6);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
