/*
 * test_render.c — vga_render for every mode a legacy OS uses, driven
 * through the ports and A0000h-BFFFFh: text with both character maps of a
 * loaded font, the 9th column rule, 40 columns, 50 rows, cursor shape and
 * blink, character blink and bright backgrounds, mode 12h, mode 13h and
 * mode X with a moved start address, split screen (line compare) and
 * pixel panning with PPM in mode 12h, the sizes vga_render_size reports;
 * and vga_render_dirty(_rects): the first frame whole, one byte -> a small
 * rectangle holding the changed pixels, nothing changed -> none, palette
 * and blink-phase changes, bands of changed lines up to a maximum, and a
 * screen that equals vga_render's.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "iobus.h"
#include "mem.h"
#include "vga.h"

#define FRAME_NS 14285714u /* 70 Hz, as vga.c */

static IoBus *bus;
static Mem *mem;
static Clock *clk;
static Vga *vga;
static uint32_t *fb, *fb2;

static void outb(uint16_t p, uint8_t v) { iobus_write(bus, p, 1, v); }
static void outw(uint16_t p, uint16_t v) { iobus_write(bus, p, 2, v); }
static uint8_t inb(uint16_t p) { return (uint8_t)iobus_read(bus, p, 1); }

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  mem = mem_create(1 << 20);
  clk = clock_new(true, 10);
  vga = vga_new(bus, mem, clk);
  ck_assert_ptr_nonnull(vga);
  fb = malloc(sizeof(uint32_t) * VGA_MAX_WIDTH * VGA_MAX_HEIGHT);
  fb2 = malloc(sizeof(uint32_t) * VGA_MAX_WIDTH * VGA_MAX_HEIGHT);
}

static void teardown(void) {
  free(fb);
  free(fb2);
  vga_free(vga);
  clock_free(clk);
  mem_destroy(mem);
  iobus_free(bus);
}

static void put_text(int row, int col, const char *s, uint8_t attr, int cols) {
  for (int i = 0; s[i]; i++)
    mem_write16(mem, 0xb8000 + (uint32_t)(row * cols + col + i) * 2,
                (uint16_t)((uint8_t)s[i] | attr << 8));
}

static void crtc(uint8_t i, uint8_t v) { outw(0x3d4, (uint16_t)(i | v << 8)); }
static void seq(uint8_t i, uint8_t v) { outw(0x3c4, (uint16_t)(i | v << 8)); }
static void gc(uint8_t i, uint8_t v) { outw(0x3ce, (uint16_t)(i | v << 8)); }
static void attr(uint8_t i, uint8_t v) {
  inb(0x3da);
  outb(0x3c0, i);
  outb(0x3c0, v);
  outb(0x3c0, 0x20);
}

/* Write 16 rows of glyph ch in the font at plane 2 offset base, as a BIOS does. */
static void load_glyph(uint32_t base, uint8_t ch, const uint8_t rows[16]) {
  seq(2, 0x04);
  seq(4, 0x07);
  gc(5, 0x00);
  gc(6, 0x04);
  for (int y = 0; y < 16; y++)
    mem_write8(mem, 0xa0000 + base + ch * 32u + (uint32_t)y, rows[y]);
  seq(2, 0x03);
  seq(4, 0x03);
  gc(5, 0x10);
  gc(6, 0x0e);
}

static void advance_frames(unsigned n) { clock_advance_to(clk, clock_now(clk) + (uint64_t)n * FRAME_NS); }

START_TEST(test_text_two_charmaps) {
  uint8_t a[16], b[16];
  for (int y = 0; y < 16; y++) {
    a[y] = 0xf0; /* map A: left half */
    b[y] = 0x0f; /* map B: right half */
  }
  load_glyph(0x0000, 'X', a); /* map 0 */
  load_glyph(0x4000, 'X', b); /* map 1 */
  put_text(0, 0, "X", 0x07, 80); /* attribute bit 3 clear: map B */
  put_text(0, 1, "X", 0x0f, 80); /* bit 3 set: map A */
  seq(3, 0x01); /* map A = 0, map B = 1 */
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[5 * w + 0], 0);        /* map B glyph 0x0f: left blank */
  ck_assert_uint_eq(fb[5 * w + 7], 0xaaaaaa); /* right inked */
  ck_assert_uint_eq(fb[5 * w + 9 + 0], 0xffffff); /* map A glyph 0xf0 */
  ck_assert_uint_eq(fb[5 * w + 9 + 7], 0);
  /* Both maps the same (00h): attribute bit 3 is only intensity. */
  seq(3, 0x00);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[5 * w + 0], 0xaaaaaa);
  ck_assert_uint_eq(fb[5 * w + 7], 0);
}
END_TEST

START_TEST(test_text_9th_column) {
  put_text(0, 0, "\xc4\xb3\x41", 0x07, 80); /* horizontal line, vertical line, 'A' */
  crtc(0x0a, 0x20); /* no cursor over cell 0 */
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 720);
  /* Find the line's scan line: C4h has ink in column 7 there. */
  int ly = -1;
  for (int y = 0; y < 16; y++)
    if (fb[y * w + 7] == 0xaaaaaa)
      ly = y;
  ck_assert_int_ge(ly, 0);
  ck_assert_uint_eq(fb[ly * w + 8], 0xaaaaaa);  /* C0h-DFh: the 9th column repeats the 8th */
  attr(0x10, 0x08);                             /* line graphics off */
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[ly * w + 8], 0);
  attr(0x10, 0x0c);
  /* 8-dot cells: 640 wide, the second cell starts at x = 8. */
  seq(1, 0x01);
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 640);
}
END_TEST

START_TEST(test_text_40_columns) {
  crtc(0x11, 0x0e); /* unlock */
  crtc(0x01, 39);   /* 40 characters */
  crtc(0x13, 20);   /* 40 words a row */
  seq(1, 0x08);     /* 9-dot, dot clock / 2 */
  put_text(1, 0, "\xdb", 0x0e, 40); /* full block, yellow */
  int w, h;
  vga_render_size(vga, &w, &h);
  ck_assert_int_eq(w, 360);
  ck_assert_int_eq(h, 400);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[(16 + 3) * w + 4], 0xffff55); /* row 1 at 40 cells a row */
  ck_assert_uint_eq(fb[3 * w + 4], 0);
  char *s = vga_text_dump_string(vga);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_nonnull(strstr(s, "\n█\n"));
  free(s);
}
END_TEST

START_TEST(test_text_50_rows) {
  crtc(0x09, 0x47); /* 8 scan lines a row */
  crtc(0x0a, 0x06);
  crtc(0x0b, 0x07);
  put_text(49, 79, "Z", 0x07, 80);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 720);
  ck_assert_int_eq(h, 400);
  int cols, rows;
  vga_text_size(vga, &cols, &rows);
  ck_assert_int_eq(rows, 50);
  int ink = 0;
  for (int y = 392; y < 400; y++)
    for (int x = 711; x < 720; x++)
      ink += fb[y * w + x] != 0;
  ck_assert_int_gt(ink, 4);
  /* 43 rows: 350 lines (EGA) of 8. */
  crtc(0x11, 0x0e);
  crtc(0x12, 0x5d); /* 350 - 1 = 15Dh: bit 8 from the overflow register */
  crtc(0x07, 0x1f);
  vga_text_size(vga, &cols, &rows);
  ck_assert_int_eq(rows, 43);
}
END_TEST

START_TEST(test_text_cursor_shape_and_blink) {
  crtc(0x0e, 0);
  crtc(0x0f, 2 * 80 + 3);
  crtc(0x0a, 0x02); /* lines 2-5: a block in the upper part */
  crtc(0x0b, 0x05);
  int w, h;
  vga_render(vga, fb, &w, &h);
  int x = 3 * 9, y = 2 * 16;
  ck_assert_uint_eq(fb[(y + 1) * w + x], 0);
  ck_assert_uint_eq(fb[(y + 2) * w + x], 0xaaaaaa);
  ck_assert_uint_eq(fb[(y + 5) * w + x + 8], 0xaaaaaa); /* all 9 columns */
  ck_assert_uint_eq(fb[(y + 6) * w + x], 0);
  /* The cursor blinks: off for 16 frames out of 32. */
  advance_frames(16);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[(y + 2) * w + x], 0);
  advance_frames(16);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[(y + 2) * w + x], 0xaaaaaa);
  /* Start after end: no cursor; the cursor-off bit: none. */
  crtc(0x0a, 0x06);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[(y + 5) * w + x], 0);
  crtc(0x0a, 0x22);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[(y + 2) * w + x], 0);
}
END_TEST

START_TEST(test_text_blink_attribute) {
  put_text(0, 0, "\xdb", 0x9e, 80); /* blinking yellow block on blue */
  crtc(0x0a, 0x20);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[4 * w + 4], 0xffff55);
  advance_frames(32); /* characters blink every 32 frames */
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[4 * w + 4], 0x0000aa); /* hidden: background */
  /* Blink off: bit 7 is a bright background, nothing blinks. */
  attr(0x10, 0x04);
  put_text(0, 1, " ", 0x9e, 80);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[4 * w + 4], 0xffff55);
  ck_assert_uint_eq(fb[4 * w + 9 + 4], 0x5555ff); /* colour 9: bright blue */
}
END_TEST

static void load_regs(uint8_t misc, const uint8_t *s, const uint8_t *c, const uint8_t *g,
                      const uint8_t *a) {
  outb(0x3c2, misc);
  for (int i = 0; i < 5; i++)
    seq((uint8_t)i, s[i]);
  crtc(0x11, 0x00);
  for (int i = 0; i < 25; i++)
    crtc((uint8_t)i, c[i]);
  for (int i = 0; i < 9; i++)
    gc((uint8_t)i, g[i]);
  inb(0x3da);
  for (int i = 0; i < 21; i++) {
    outb(0x3c0, (uint8_t)i);
    outb(0x3c0, a[i]);
  }
  outb(0x3c0, 0x20);
  seq(2, 0x0f);
  for (uint32_t i = 0; i < 0x10000; i++)
    mem_write8(mem, 0xa0000 + i, 0);
}

static void set_mode13(void) {
  static const uint8_t s[5] = {0x03, 0x01, 0x0f, 0x00, 0x0e};
  static const uint8_t c[25] = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00,
                                0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x0e,
                                0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff};
  static const uint8_t g[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff};
  static const uint8_t a[21] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                0x41, 0x00, 0x0f, 0x00, 0x00};
  load_regs(0x63, s, c, g, a);
}

/* Mode X: 320x240, unchained (pixel x in plane x & 3 at y * 80 + x / 4). */
static void set_mode_x(void) {
  set_mode13();
  seq(4, 0x06);     /* chain 4 off */
  crtc(0x14, 0x00); /* no doubleword mode */
  crtc(0x17, 0xe3); /* byte mode */
  crtc(0x11, 0x2c); /* unlock, vertical retrace end */
  crtc(0x06, 0x0d);
  crtc(0x07, 0x3e); /* VDE bits 8 (bit 1) and 9 (bit 6 clear) */
  crtc(0x10, 0xea);
  crtc(0x11, 0xac);
  crtc(0x12, 0xdf); /* 480 lines */
  crtc(0x15, 0xe7);
  crtc(0x16, 0x06);
  outb(0x3c2, 0xe3);
  seq(2, 0x0f);
  for (uint32_t i = 0; i < 0x10000; i++)
    mem_write8(mem, 0xa0000 + i, 0);
}

static void mode_x_pixel(int x, int y, uint8_t c) {
  seq(2, (uint8_t)(1 << (x & 3)));
  mem_write8(mem, 0xa0000 + (uint32_t)(y * 80 + x / 4), c);
}

static void set_dac(uint8_t i, uint8_t r, uint8_t g, uint8_t b) {
  outb(0x3c8, i);
  outb(0x3c9, r);
  outb(0x3c9, g);
  outb(0x3c9, b);
}

START_TEST(test_mode_x_and_start_address) {
  set_mode_x();
  set_dac(5, 63, 63, 0);
  mode_x_pixel(0, 0, 5);
  mode_x_pixel(318, 239, 5);
  mode_x_pixel(1, 120, 5);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 320);
  ck_assert_int_eq(h, 240);
  ck_assert_uint_eq(fb[0], 0xffff00);
  ck_assert_uint_eq(fb[1], 0);
  ck_assert_uint_eq(fb[239 * 320 + 318], 0xffff00);
  ck_assert_uint_eq(fb[120 * 320 + 1], 0xffff00);
  /* Page flip: the second page at 80 * 240 = 19200. */
  mode_x_pixel(2, 240 + 3, 5);
  crtc(0x0c, 19200 >> 8);
  crtc(0x0d, 19200 & 0xff);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[3 * 320 + 2], 0xffff00);
  ck_assert_uint_eq(fb[0], 0);
  /* A wider virtual screen: offset 60 (480 pixels a line). */
  crtc(0x0c, 0);
  crtc(0x0d, 0);
  crtc(0x13, 60);
  mode_x_pixel(5, 0, 5);
  seq(2, 0x02);
  mem_write8(mem, 0xa0000 + 120 + 0, 5); /* line 1 starts at 120 */
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[320 + 1], 0xffff00);
}
END_TEST

START_TEST(test_mode13_sizes_and_dac8) {
  set_mode13();
  int w, h;
  vga_render_size(vga, &w, &h);
  ck_assert_int_eq(w, 320);
  ck_assert_int_eq(h, 200);
  mem_write8(mem, 0xa0000 + 320 + 1, 7);
  set_dac(7, 10, 20, 30);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[321], (uint32_t)(40 | 40 >> 6) << 16 | (uint32_t)(80 | 80 >> 6) << 8 | (120 | 120 >> 6));
}
END_TEST

static void set_mode12(void) {
  static const uint8_t s[5] = {0x03, 0x01, 0x0f, 0x00, 0x06};
  static const uint8_t c[25] = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00,
                                0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xea, 0x8c,
                                0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff};
  static const uint8_t g[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff};
  static const uint8_t a[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00};
  load_regs(0xe3, s, c, g, a);
}

START_TEST(test_mode12_size) {
  set_mode12();
  seq(2, 0x0c); /* planes 2 and 3: colour 12, light red */
  mem_write8(mem, 0xa0000 + 479 * 80 + 79, 0x01);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 640);
  ck_assert_int_eq(h, 480);
  ck_assert_uint_eq(fb[479 * 640 + 639], 0xff5555);
  ck_assert_uint_eq(fb[479 * 640 + 638], 0);
}
END_TEST

START_TEST(test_split_screen_and_panning) {
  set_mode12();
  seq(2, 0x0f);                     /* colour 15 */
  mem_write8(mem, 0xa0000 + 0, 0x80);   /* address 0: the split's first pixel */
  mem_write8(mem, 0xa0000 + 800, 0x90); /* 10 lines down: x 0 and 3 */
  crtc(0x0c, 800 >> 8);
  crtc(0x0d, 800 & 0xff);
  crtc(0x18, 299 & 0xff); /* line compare 299: bit 8 in 07h bit 4 (set), bit 9 in 09h bit 6 */
  crtc(0x09, 0x00);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(h, 480);
  ck_assert_uint_eq(fb[0], 0xffffff);          /* start address 800 on top */
  ck_assert_uint_eq(fb[3], 0xffffff);
  ck_assert_uint_eq(fb[299 * 640], 0);
  ck_assert_uint_eq(fb[300 * 640], 0xffffff);  /* address 0 after line 299 */
  ck_assert_uint_eq(fb[310 * 640], 0xffffff);  /* and address 800 ten lines further */
  /* Panning by 3 moves the upper part left; the lower part too, unless PPM. */
  attr(0x13, 3);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xffffff); /* x 3 */
  ck_assert_uint_eq(fb[3], 0);
  ck_assert_uint_eq(fb[300 * 640], 0);
  attr(0x10, 0x21); /* graphics, pixel panning mode */
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xffffff);
  ck_assert_uint_eq(fb[300 * 640], 0xffffff);
  /* Line compare 3FFh (the power-on value): no split. */
  crtc(0x09, 0x40);
  crtc(0x18, 0xff);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[300 * 640], 0);
}
END_TEST

/* The dirty renderer's screen equals a fresh full render. */
static void check_same_as_render(void) {
  int w, h, w2, h2;
  VgaRect d;
  vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d);
  vga_render(vga, fb2, &w2, &h2);
  ck_assert_int_eq(w, w2);
  ck_assert_int_eq(h, h2);
  for (int y = 0; y < h; y++)
    ck_assert_msg(memcmp(fb + (size_t)y * VGA_MAX_WIDTH, fb2 + (size_t)y * w, sizeof(uint32_t) * (size_t)w) == 0,
                  "line %d differs", y);
}

START_TEST(test_dirty_text) {
  crtc(0x0a, 0x20); /* no cursor */
  int w, h;
  VgaRect d;
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.x, 0);
  ck_assert_int_eq(d.w, 720);
  ck_assert_int_eq(d.h, 400);
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  put_text(3, 10, "W", 0x07, 80);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_ge(d.x, 90);
  ck_assert_int_le(d.x + d.w, 99);
  ck_assert_int_ge(d.y, 48);
  ck_assert_int_le(d.y + d.h, 64);
  ck_assert_int_gt(d.w * d.h, 0);
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  /* The same character written again: memory written, picture the same. */
  put_text(3, 10, "W", 0x07, 80);
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  check_same_as_render();
  /* Cursor on: its blink phase changes only its cell. */
  crtc(0x0a, 0x0e);
  crtc(0x0e, 0);
  crtc(0x0f, 5);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  advance_frames(16);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.x, 45);
  ck_assert_int_eq(d.w, 9);
  ck_assert_int_le(d.h, 2);
  check_same_as_render();
}
END_TEST

START_TEST(test_dirty_rects_bands) {
  crtc(0x0a, 0x20); /* no cursor */
  int w, h;
  VgaRect r[4];
  ck_assert_int_eq(vga_render_dirty_rects(vga, fb, VGA_MAX_WIDTH, &w, &h, r, 0), -1);
  ck_assert_int_eq(vga_render_dirty_rects(vga, fb, VGA_MAX_WIDTH, &w, &h, r, 4), 1); /* whole */
  ck_assert_int_eq(vga_render_dirty_rects(vga, fb, VGA_MAX_WIDTH, &w, &h, r, 4), 0);
  put_text(0, 2, "A", 0x07, 80);
  put_text(20, 70, "B", 0x07, 80);
  put_text(24, 0, "C", 0x07, 80);
  ck_assert_int_eq(vga_render_dirty_rects(vga, fb, VGA_MAX_WIDTH, &w, &h, r, 4), 3);
  for (int i = 0; i < 3; i++) { /* each band within its character cell */
    static const int cx[3] = {2, 70, 0}, cy[3] = {0, 20, 24};
    ck_assert_int_ge(r[i].x, cx[i] * 9);
    ck_assert_int_le(r[i].x + r[i].w, cx[i] * 9 + 9);
    ck_assert_int_ge(r[i].y, cy[i] * 16);
    ck_assert_int_le(r[i].y + r[i].h, cy[i] * 16 + 16);
  }
  /* Two rectangles at most: the last two bands become one. */
  put_text(0, 2, "a", 0x07, 80);
  put_text(20, 70, "b", 0x07, 80);
  put_text(24, 0, "c", 0x07, 80);
  ck_assert_int_eq(vga_render_dirty_rects(vga, fb, VGA_MAX_WIDTH, &w, &h, r, 2), 2);
  ck_assert_int_lt(r[0].y + r[0].h, 16 + 1);
  ck_assert_int_le(r[1].x, 9);
  ck_assert_int_ge(r[1].x + r[1].w, 70 * 9 + 1);
  ck_assert_int_le(r[1].y, 20 * 16 + 15);
  ck_assert_int_ge(r[1].y + r[1].h, 24 * 16 + 1);
  check_same_as_render();
}
END_TEST

START_TEST(test_dirty_mode13_and_palette) {
  set_mode13();
  int w, h;
  VgaRect d;
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.w, 320);
  ck_assert_int_eq(d.h, 200);
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  mem_write8(mem, 0xa0000 + 50 * 320 + 70, 9);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.x, 70);
  ck_assert_int_eq(d.y, 50);
  ck_assert_int_eq(d.w, 1);
  ck_assert_int_eq(d.h, 1);
  ck_assert_uint_eq(fb[50 * VGA_MAX_WIDTH + 70], 0x0000ff); /* DAC 9 by default */
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  /* A palette change shows where that colour is used. */
  set_dac(9, 63, 0, 0);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.x, 70);
  ck_assert_int_eq(d.w, 1);
  ck_assert_uint_eq(fb[50 * VGA_MAX_WIDTH + 70], 0xff0000);
  /* A mode change redraws everything. */
  outb(0x3c2, 0x67);
  attr(0x10, 0x0c);
  check_same_as_render();
}
END_TEST

static void dispi_set(uint16_t i, uint16_t v) {
  iobus_write(bus, 0x1ce, 2, i);
  iobus_write(bus, 0x1cf, 2, v);
}

START_TEST(test_dirty_vbe) {
  dispi_set(VBE_DISPI_XRES, 1024);
  dispi_set(VBE_DISPI_YRES, 768);
  dispi_set(VBE_DISPI_BPP, 8);
  dispi_set(VBE_DISPI_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
  int w, h;
  VgaRect d;
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(w, 1024);
  ck_assert_int_eq(d.w * d.h, 1024 * 768);
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  mem_write8(mem, VGA_LFB_ADDR + 700 * 1024 + 1000, 4);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.x, 1000);
  ck_assert_int_eq(d.y, 700);
  ck_assert_int_eq(d.w, 1);
  ck_assert_int_eq(d.h, 1);
  ck_assert_uint_eq(fb[700 * VGA_MAX_WIDTH + 1000], 0xaa0000);
  ck_assert(!vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  /* Through the bank window too. */
  dispi_set(VBE_DISPI_BANK, 1);
  mem_write8(mem, 0xa0000 + 3, 4); /* 65539 = line 64, x 3 */
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.x, 3);
  ck_assert_int_eq(d.y, 64);
  /* Panning: Y offset moves the picture. */
  dispi_set(VBE_DISPI_Y_OFFSET, 1);
  ck_assert(vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d));
  ck_assert_int_eq(d.y, 63);
  check_same_as_render();
}
END_TEST

int main(void) {
  Suite *s = suite_create("render");
  TCase *tc = tcase_create("render");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_text_two_charmaps);
  tcase_add_test(tc, test_text_9th_column);
  tcase_add_test(tc, test_text_40_columns);
  tcase_add_test(tc, test_text_50_rows);
  tcase_add_test(tc, test_text_cursor_shape_and_blink);
  tcase_add_test(tc, test_text_blink_attribute);
  tcase_add_test(tc, test_mode_x_and_start_address);
  tcase_add_test(tc, test_mode13_sizes_and_dac8);
  tcase_add_test(tc, test_mode12_size);
  tcase_add_test(tc, test_split_screen_and_panning);
  tcase_add_test(tc, test_dirty_text);
  tcase_add_test(tc, test_dirty_rects_bands);
  tcase_add_test(tc, test_dirty_mode13_and_palette);
  tcase_add_test(tc, test_dirty_vbe);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
