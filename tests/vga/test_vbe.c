/*
 * test_vbe.c — the Bochs VBE (DISPI) interface and video memory: ID and
 * GETCAPS through 1CEh/1CFh (and the 1D0h alias), mode set and the checks
 * on it, the linear framebuffer at E0000000h and the 64 KiB banks at
 * A0000h, virtual width and display start, the 8-bit DAC, NOCLEARMEM,
 * rendering at 8/16/32 bpp, save/restore with refused bad values, and the
 * LFB dirty tracking through the CPU's TLB (write pointer handed out ->
 * page dirty; vga_render_dirty re-arms it).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpu.h"
#include "iobus.h"
#include "mem.h"
#include "savestate.h"
#include "vga.h"

static IoBus *bus;
static Mem *mem;
static Clock *clk;
static Vga *vga;
static uint32_t *fb;

static uint8_t inb(uint16_t p) { return (uint8_t)iobus_read(bus, p, 1); }
static void outb(uint16_t p, uint8_t v) { iobus_write(bus, p, 1, v); }
static uint16_t dispi_get(uint16_t i) {
  iobus_write(bus, 0x1ce, 2, i);
  return (uint16_t)iobus_read(bus, 0x1cf, 2);
}
static void dispi_set(uint16_t i, uint16_t v) {
  iobus_write(bus, 0x1ce, 2, i);
  iobus_write(bus, 0x1cf, 2, v);
}

static void set_mode(uint16_t xres, uint16_t yres, uint16_t bpp, uint16_t flags) {
  dispi_set(VBE_DISPI_ENABLE, 0);
  dispi_set(VBE_DISPI_XRES, xres);
  dispi_set(VBE_DISPI_YRES, yres);
  dispi_set(VBE_DISPI_BPP, bpp);
  dispi_set(VBE_DISPI_ENABLE, VBE_DISPI_ENABLED | flags);
}

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

START_TEST(test_dispi_id_and_caps) {
  ck_assert_uint_eq(dispi_get(VBE_DISPI_ID), 0xb0c5);
  dispi_set(VBE_DISPI_ID, 0xb0c0);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_ID), 0xb0c0);
  dispi_set(VBE_DISPI_ID, 0x1234); /* not an ID: ignored */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_ID), 0xb0c0);
  dispi_set(VBE_DISPI_ID, 0xb0c5);
  iobus_write(bus, 0x1ce, 2, VBE_DISPI_ID);
  ck_assert_uint_eq(iobus_read(bus, 0x1d0, 2), 0xb0c5); /* the 1D0h alias */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIDEO_MEMORY_64K), 256); /* 16 MiB */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), 640);
  dispi_set(VBE_DISPI_ENABLE, VBE_DISPI_GETCAPS);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), VBE_DISPI_MAX_XRES);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_YRES), VBE_DISPI_MAX_YRES);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_BPP), 32);
  dispi_set(VBE_DISPI_ENABLE, 0);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), 640);
  ck_assert(vga_is_text_mode(vga));
}
END_TEST

START_TEST(test_dispi_mode_set_and_lfb) {
  dispi_set(VBE_DISPI_BPP, 12); /* not a depth we have: ignored */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_BPP), 8);
  dispi_set(VBE_DISPI_XRES, 801); /* not a multiple of 8 */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), 640);
  set_mode(800, 600, 32, VBE_DISPI_LFB_ENABLED);
  ck_assert(vga_vbe_enabled(vga));
  ck_assert(!vga_is_text_mode(vga));
  ck_assert_ptr_null(vga_text_dump_string(vga));
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_WIDTH), 800);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_HEIGHT), (16u << 20) / 3200);
  dispi_set(VBE_DISPI_XRES, 1024); /* fixed while on */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), 800);
  mem_write32(mem, VGA_LFB_ADDR + (10 * 800 + 20) * 4, 0x00112233);
  mem_write8(mem, VGA_LFB_ADDR + (599 * 800 + 799) * 4 + 2, 0xee);
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + (10 * 800 + 20) * 4), 0x00112233);
  int w, h;
  vga_render_size(vga, &w, &h);
  ck_assert_int_eq(w, 800);
  ck_assert_int_eq(h, 600);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[10 * 800 + 20], 0x112233);
  ck_assert_uint_eq(fb[10 * 800 + 21], 0);
  ck_assert_uint_eq(fb[599 * 800 + 799], 0xee0000);
  /* Enabling again clears memory unless NOCLEARMEM is set. */
  dispi_set(VBE_DISPI_ENABLE, 0);
  dispi_set(VBE_DISPI_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_NOCLEARMEM);
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + (10 * 800 + 20) * 4), 0x00112233);
  dispi_set(VBE_DISPI_ENABLE, 0);
  dispi_set(VBE_DISPI_ENABLE, VBE_DISPI_ENABLED);
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + (10 * 800 + 20) * 4), 0);
  /* A mode larger than video memory does not switch on. */
  Vga *small = vga_new_mem(NULL, NULL, NULL, 4);
  ck_assert_ptr_nonnull(small);
  ck_assert_ptr_null(vga_new_mem(NULL, NULL, NULL, VGA_MEM_MAX_MIB + 1));
  vga_free(small);
  set_mode(1920, 1200, 32, 0);
  ck_assert(vga_vbe_enabled(vga)); /* 9 MB fits in 16 MiB */
  vga_render_size(vga, &w, &h);
  ck_assert_int_eq(w, 1920);
  ck_assert_int_eq(h, 1200);
}
END_TEST

START_TEST(test_dispi_too_big_for_memory) {
  IoBus *b2 = iobus_new();
  b2->log_unclaimed = false;
  Vga *v = vga_new_mem(b2, NULL, NULL, 4);
  ck_assert_ptr_nonnull(v);
  iobus_write(b2, 0x1ce, 2, VBE_DISPI_VIDEO_MEMORY_64K);
  ck_assert_uint_eq(iobus_read(b2, 0x1cf, 2), 64);
  static const uint16_t regs[][2] = {{VBE_DISPI_XRES, 1920}, {VBE_DISPI_YRES, 1200},
                                     {VBE_DISPI_BPP, 32}, {VBE_DISPI_ENABLE, 1}};
  for (int i = 0; i < 4; i++) {
    iobus_write(b2, 0x1ce, 2, regs[i][0]);
    iobus_write(b2, 0x1cf, 2, regs[i][1]);
  }
  ck_assert(!vga_vbe_enabled(v));
  vga_free(v);
  iobus_free(b2);
}
END_TEST

START_TEST(test_dispi_banks) {
  set_mode(640, 480, 8, 0);
  dispi_set(VBE_DISPI_BANK, 2);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_BANK), 2);
  mem_write8(mem, 0xa0000 + 5, 0x77);
  ck_assert_uint_eq(mem_read8(mem, VGA_LFB_ADDR + 0x20005), 0x77);
  ck_assert_uint_eq(mem_read8(mem, 0xa0000 + 5), 0x77);
  mem_write8(mem, VGA_LFB_ADDR + 0x2ffff, 0x99);
  ck_assert_uint_eq(mem_read8(mem, 0xaffff), 0x99);
  ck_assert_uint_eq(mem_read8(mem, 0xb0000), 0xff); /* only 64 KiB at A0000h */
  dispi_set(VBE_DISPI_BANK, 256); /* past 16 MiB: ignored */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_BANK), 2);
  /* Pixel 0x20005 of a 640-wide frame is (645 % 640, 0x20005 / 640). */
  outb(0x3c8, 0x77);
  outb(0x3c9, 63);
  outb(0x3c9, 0);
  outb(0x3c9, 0);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0x20005], 0xff0000);
  /* Text mode again: A0000h is the VGA's again. */
  dispi_set(VBE_DISPI_ENABLE, 0);
  ck_assert_uint_eq(mem_read8(mem, 0xb8000), ' ');
}
END_TEST

START_TEST(test_dispi_4bpp_planar) {
  /* 4 bpp: the bank window reaches four planes (a quarter of video memory
   * each) through the sequencer map mask and the graphics controller. */
  set_mode(1024, 768, 4, 0);
  ck_assert(vga_vbe_enabled(vga));
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_HEIGHT), 16 * 1024 * 1024 / 4 * 8 / 1024);
  outb(0x3c4, 2);
  outb(0x3c5, 0x0f); /* all planes */
  outb(0x3ce, 5);
  outb(0x3cf, 0x02); /* write mode 2 */
  dispi_set(VBE_DISPI_BANK, 1);
  mem_read8(mem, 0xa0100); /* latches */
  mem_write8(mem, 0xa0100, 0x0c);
  uint32_t plane = 16 * 1024 * 1024 / 4;
  ck_assert_uint_eq(mem_read8(mem, VGA_LFB_ADDR + 2 * plane + 0x10100), 0xff);
  ck_assert_uint_eq(mem_read8(mem, VGA_LFB_ADDR + 3 * plane + 0x10100), 0xff);
  ck_assert_uint_eq(mem_read8(mem, VGA_LFB_ADDR + 0 * plane + 0x10100), 0x00);
  outb(0x3ce, 4);
  outb(0x3cf, 3); /* read plane 3 through the window */
  ck_assert_uint_eq(mem_read8(mem, 0xa0100), 0xff);
  int w, h;
  VgaRect d;
  ck_assert(vga_render_dirty(vga, fb, 1024, &w, &h, &d));
  ck_assert_int_eq(w, 1024);
  ck_assert_int_eq(h, 768);
  /* Byte 10100h of a plane is pixels 80800h-80807h: line 514, x 0-7; colour
   * 0Ch through the attribute palette (3Ch) and the EGA DAC. */
  ck_assert_uint_eq(fb[514 * 1024 + 0], 0xff5555);
  ck_assert_uint_eq(fb[514 * 1024 + 7], 0xff5555);
  ck_assert_uint_eq(fb[514 * 1024 + 8], 0);
  ck_assert_uint_eq(fb[513 * 1024 + 0], 0);
  ck_assert(!vga_render_dirty(vga, fb, 1024, &w, &h, &d));
  mem_write8(mem, 0xa0101, 0x01);
  ck_assert(vga_render_dirty(vga, fb, 1024, &w, &h, &d));
  ck_assert_uint_eq(fb[514 * 1024 + 8], 0x0000aa);
  /* The display start moves in pixels: line 514 shows at the top. */
  dispi_set(VBE_DISPI_Y_OFFSET, 514);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xff5555);
  ck_assert_uint_eq(fb[8], 0x0000aa);
}
END_TEST

START_TEST(test_dispi_virtual_width_and_offsets) {
  set_mode(640, 480, 16, VBE_DISPI_LFB_ENABLED);
  dispi_set(VBE_DISPI_VIRT_WIDTH, 1024);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_WIDTH), 1024);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_HEIGHT), 8192);
  dispi_set(VBE_DISPI_VIRT_WIDTH, 320); /* narrower than the screen: ignored */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_WIDTH), 1024);
  dispi_set(VBE_DISPI_Y_OFFSET, 100);
  dispi_set(VBE_DISPI_X_OFFSET, 8);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_Y_OFFSET), 100);
  dispi_set(VBE_DISPI_Y_OFFSET, 8000); /* the frame would end past memory */
  ck_assert_uint_eq(dispi_get(VBE_DISPI_Y_OFFSET), 100);
  /* 5:6:5: pure red, green, blue at (0,0), (1,0), (2,0) of the visible frame. */
  uint32_t a = VGA_LFB_ADDR + (100 * 1024 + 8) * 2;
  mem_write16(mem, a, 0xf800);
  mem_write16(mem, a + 2, 0x07e0);
  mem_write16(mem, a + 4, 0x001f);
  mem_write16(mem, a + 6, 0x8410); /* half grey: 10000 100000 10000 */
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 640);
  ck_assert_uint_eq(fb[0], 0xff0000);
  ck_assert_uint_eq(fb[1], 0x00ff00);
  ck_assert_uint_eq(fb[2], 0x0000ff);
  ck_assert_uint_eq(fb[3], 0x848284);
  /* 15 bpp: 1:5:5:5. */
  set_mode(640, 480, 15, VBE_DISPI_LFB_ENABLED);
  mem_write16(mem, VGA_LFB_ADDR, 0x7c00);
  mem_write16(mem, VGA_LFB_ADDR + 2, 0x03e0);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xff0000);
  ck_assert_uint_eq(fb[1], 0x00ff00);
  /* 24 bpp: B, G, R bytes. */
  set_mode(640, 480, 24, VBE_DISPI_LFB_ENABLED);
  mem_write8(mem, VGA_LFB_ADDR + 3, 0x30);
  mem_write8(mem, VGA_LFB_ADDR + 4, 0x20);
  mem_write8(mem, VGA_LFB_ADDR + 5, 0x10);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[1], 0x102030);
}
END_TEST

START_TEST(test_dispi_8bit_dac) {
  outb(0x3c8, 9);
  outb(0x3c9, 63);
  outb(0x3c9, 32);
  outb(0x3c9, 0);
  set_mode(640, 480, 8, VBE_DISPI_LFB_ENABLED | VBE_DISPI_8BIT_DAC);
  /* The 6-bit entry was widened. */
  outb(0x3c7, 9);
  ck_assert_uint_eq(inb(0x3c9), 0xff);
  ck_assert_uint_eq(inb(0x3c9), 0x82);
  outb(0x3c8, 10);
  outb(0x3c9, 0xfe);
  outb(0x3c9, 0x81);
  outb(0x3c9, 0x01);
  mem_write8(mem, VGA_LFB_ADDR, 10);
  mem_write8(mem, VGA_LFB_ADDR + 1, 9);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xfe8101);
  ck_assert_uint_eq(fb[1], 0xff8200);
  /* Back to 6 bits: entries narrowed, writes masked. */
  set_mode(640, 480, 8, VBE_DISPI_LFB_ENABLED | VBE_DISPI_NOCLEARMEM);
  outb(0x3c7, 10);
  ck_assert_uint_eq(inb(0x3c9), 0x3f);
  vga_render(vga, fb, &w, &h);
  ck_assert_uint_eq(fb[0], 0xff8200); /* 81h>>2 = 20h, shown as 82h */
}
END_TEST

static SaveReader *snapshot(Vga *v, SaveWriter **sw) {
  *sw = save_writer_new();
  ck_assert_int_eq(device_save(&v->dev, *sw), 0);
  size_t len;
  const uint8_t *img = save_writer_buffer(*sw, &len);
  char err[256];
  SaveReader *sr = save_reader_from_buffer(img, len, err, sizeof(err));
  ck_assert_msg(sr, "%s", err);
  return sr;
}

START_TEST(test_vbe_save_restore) {
  set_mode(1024, 768, 32, VBE_DISPI_LFB_ENABLED | VBE_DISPI_8BIT_DAC);
  dispi_set(VBE_DISPI_VIRT_WIDTH, 1280);
  dispi_set(VBE_DISPI_Y_OFFSET, 3);
  mem_write32(mem, VGA_LFB_ADDR + (3 * 1280 + 5) * 4, 0x00abcdef);
  mem_write32(mem, VGA_LFB_ADDR + (15u << 20), 0x5a5a5a5a);
  SaveWriter *sw;
  SaveReader *sr = snapshot(vga, &sw);
  set_mode(640, 480, 8, 0);
  mem_write32(mem, VGA_LFB_ADDR + (15u << 20), 0);
  ck_assert_int_eq(device_check(&vga->dev, sr), 0);
  ck_assert_int_eq(device_load(&vga->dev, sr), 0);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), 1024);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_VIRT_WIDTH), 1280);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_ENABLE),
                    VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED | VBE_DISPI_8BIT_DAC);
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + (15u << 20)), 0x5a5a5a5a);
  int w, h;
  vga_render(vga, fb, &w, &h);
  ck_assert_int_eq(w, 1024);
  ck_assert_uint_eq(fb[5], 0xabcdef);
  save_reader_free(sr);
  save_writer_free(sw);

  /* A snapshot of a different video memory size is refused, naming it. */
  Vga *other = vga_new_mem(NULL, NULL, NULL, 8);
  sr = snapshot(vga, &sw);
  ck_assert_int_eq(device_check(&other->dev, sr), -1);
  ck_assert_msg(strstr(save_error(sr), "16 MiB in the snapshot, 8 MiB here"), "%s", save_error(sr));
  save_reader_free(sr);
  save_writer_free(sw);
  vga_free(other);

  /* Out-of-range values are refused, and nothing changes. */
  static const struct { int reg; uint16_t val; const char *why; } bad[] = {
      {VBE_DISPI_BANK, 256, "field 'vbe[5]' = 0x100 is a bank beyond"},
      {VBE_DISPI_BPP, 12, "field 'vbe[3]' = 0xc is not a DISPI depth"},
      {VBE_DISPI_XRES, 4000, "field 'vbe[1]' = 0xfa0 is not a DISPI width"},
      {VBE_DISPI_Y_OFFSET, 9000, "display start"},
      {VBE_DISPI_ENABLE, 0x101, "enable bits"},
      {VBE_DISPI_ID, 0x1234, "field 'vbe[0]' = 0x1234 is not a DISPI ID"},
  };
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    Vga *t = vga_new(NULL, NULL, NULL);
    memcpy(t->vbe, vga->vbe, sizeof(t->vbe));
    t->vbe[bad[i].reg] = bad[i].val;
    sr = snapshot(t, &sw);
    ck_assert_int_eq(device_check(&vga->dev, sr), -1);
    ck_assert_msg(strstr(save_error(sr), bad[i].why), "%s: %s", bad[i].why, save_error(sr));
    save_reader_free(sr);
    save_writer_free(sw);
    vga_free(t);
  }
  Vga *t = vga_new(NULL, NULL, NULL);
  t->dac_sub = 3; /* would index past the DAC latch */
  sr = snapshot(t, &sw);
  ck_assert_int_eq(device_check(&vga->dev, sr), -1);
  ck_assert_ptr_nonnull(strstr(save_error(sr), "snapshot 'vga' field 'dac_sub' = 0x3 out of range 0..0x2"));
  save_reader_free(sr);
  save_writer_free(sw);
  vga_free(t);
  ck_assert_uint_eq(dispi_get(VBE_DISPI_XRES), 1024);
}
END_TEST

/* The CPU writes the LFB through its TLB (a host write pointer, no device
 * call): the page is marked when the pointer is handed out, and the render
 * re-arms the tracking by flushing the TLB. */
START_TEST(test_lfb_dirty_through_tlb) {
  Cpu *cpu = cpu_create(mem);
  ck_assert_ptr_nonnull(cpu);
  mem->rearm_hook = (void (*)(void *))tlb_flush;
  mem->rearm_opaque = cpu;
  set_mode(640, 480, 32, VBE_DISPI_LFB_ENABLED);
  int w, h;
  VgaRect d;
  ck_assert(vga_render_dirty(vga, fb, 640, &w, &h, &d)); /* first frame: all */
  ck_assert_int_eq(d.w * d.h, 640 * 480);
  ck_assert(!vga_render_dirty(vga, fb, 640, &w, &h, &d));
  lin_write32(cpu, VGA_LFB_ADDR + (5 * 640 + 7) * 4, 0xffffff);
  ck_assert(vga_render_dirty(vga, fb, 640, &w, &h, &d));
  ck_assert_int_eq(d.x, 7);
  ck_assert_int_eq(d.y, 5);
  ck_assert_int_eq(d.w, 1);
  ck_assert_int_eq(d.h, 1);
  ck_assert_uint_eq(fb[5 * 640 + 7], 0xffffff);
  ck_assert(!vga_render_dirty(vga, fb, 640, &w, &h, &d));
  /* The same page again: the TLB entry was dropped, so it is seen. */
  lin_write32(cpu, VGA_LFB_ADDR + (5 * 640 + 9) * 4, 0x123456);
  ck_assert(vga_render_dirty(vga, fb, 640, &w, &h, &d));
  ck_assert_int_eq(d.x, 9);
  ck_assert_uint_eq(fb[5 * 640 + 9], 0x123456);
  /* A register change redraws and compares: the offset moves everything. */
  dispi_set(VBE_DISPI_VIRT_WIDTH, 640);
  ck_assert(!vga_render_dirty(vga, fb, 640, &w, &h, &d)); /* same picture */
  mem->rearm_hook = NULL;
  cpu_destroy(cpu);
}
END_TEST

/* Reset clears video memory: the pages written since creation while the
 * dirty map still lists them all, everything once a render consumed it. */
START_TEST(test_reset_clears_lfb) {
  mem_write32(mem, VGA_LFB_ADDR + 0x123000, 0xdeadbeef);
  vga_reset(vga);
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + 0x123000), 0);
  set_mode(640, 480, 32, VBE_DISPI_LFB_ENABLED);
  mem_write32(mem, VGA_LFB_ADDR + 0x456000, 0xcafef00d);
  int w, h;
  VgaRect d;
  vga_render_dirty(vga, fb, 640, &w, &h, &d);
  mem_write32(mem, VGA_LFB_ADDR + 0xfff000, 0x12345678);
  vga_reset(vga);
  ck_assert(!vga_vbe_enabled(vga));
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + 0x456000), 0);
  ck_assert_uint_eq(mem_read32(mem, VGA_LFB_ADDR + 0xfff000), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vbe");
  TCase *tc = tcase_create("vbe");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_dispi_id_and_caps);
  tcase_add_test(tc, test_dispi_mode_set_and_lfb);
  tcase_add_test(tc, test_dispi_too_big_for_memory);
  tcase_add_test(tc, test_dispi_banks);
  tcase_add_test(tc, test_dispi_virtual_width_and_offsets);
  tcase_add_test(tc, test_dispi_8bit_dac);
  tcase_add_test(tc, test_vbe_save_restore);
  tcase_add_test(tc, test_lfb_dirty_through_tlb);
  tcase_add_test(tc, test_reset_clears_lfb);
  tcase_add_test(tc, test_dispi_4bpp_planar);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
