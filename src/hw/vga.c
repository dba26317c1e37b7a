/*
 * vga.c — IBM VGA registers, planar memory and screen rendering (see vga.h).
 */
#include "vga.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "png.h"


#define FRAME_NS 14285714u   /* 70 Hz */
#define VRETRACE_NS 500000u  /* vertical retrace at the end of each frame */

/* Register indices used below. */
enum {
  SEQ_CLOCK = 1, SEQ_MAP_MASK = 2, SEQ_CHARMAP = 3, SEQ_MEMMODE = 4,
  GC_SR = 0, GC_ESR = 1, GC_CCMP = 2, GC_ROTATE = 3, GC_READMAP = 4, GC_MODE = 5,
  GC_MISC = 6, GC_DONTCARE = 7, GC_BITMASK = 8,
  AC_MODE = 0x10, AC_OVERSCAN = 0x11, AC_PLANE_EN = 0x12, AC_PAN = 0x13, AC_COLSEL = 0x14,
  CR_HDE = 0x01, CR_OVERFLOW = 0x07, CR_MAXSCAN = 0x09, CR_CUR_START = 0x0a, CR_CUR_END = 0x0b,
  CR_START_HI = 0x0c, CR_START_LO = 0x0d, CR_CUR_HI = 0x0e, CR_CUR_LO = 0x0f, CR_VRS = 0x10,
  CR_VRE = 0x11, CR_VDE = 0x12, CR_OFFSET = 0x13, CR_UNDERLINE = 0x14, CR_MODE = 0x17,
  CR_LINE_COMPARE = 0x18,
};

/* Text mode 03h register values (IBM VGA BIOS tables, as documented). */
static const uint8_t mode3_seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
static const uint8_t mode3_crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
                                       0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                                       0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
static const uint8_t mode3_gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff};
static const uint8_t mode3_attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
                                       0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
                                       0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};

/* ---- default DAC ---- */

static void default_dac(Vga *v) {
  for (int i = 0; i < 64; i++) { /* EGA-compatible: bits rgbRGB */
    v->dac[i * 3 + 0] = (uint8_t)(((i >> 2) & 1) * 42 + ((i >> 5) & 1) * 21);
    v->dac[i * 3 + 1] = (uint8_t)(((i >> 1) & 1) * 42 + ((i >> 4) & 1) * 21);
    v->dac[i * 3 + 2] = (uint8_t)(((i >> 0) & 1) * 42 + ((i >> 3) & 1) * 21);
  }
  for (int i = 64; i < 256; i++) { /* a grey ramp then a 6x6x5 colour cube */
    if (i < 80) {
      uint8_t g = (uint8_t)((i - 64) * 63 / 15);
      v->dac[i * 3] = v->dac[i * 3 + 1] = v->dac[i * 3 + 2] = g;
    } else {
      int k = i - 80; /* 0..175 */
      v->dac[i * 3 + 0] = (uint8_t)((k / 30) % 6 * 63 / 5);
      v->dac[i * 3 + 1] = (uint8_t)((k / 5) % 6 * 63 / 5);
      v->dac[i * 3 + 2] = (uint8_t)(k % 5 * 63 / 4);
    }
  }
}

void vga_reset(void *opaque) {
  Vga *v = opaque;
  v->misc = 0x67;
  v->feature = 0;
  v->enable = 1;
  v->seq_index = v->crtc_index = v->gc_index = 0;
  memset(v->seq, 0, sizeof(v->seq));
  memset(v->crtc, 0, sizeof(v->crtc));
  memset(v->gc, 0, sizeof(v->gc));
  memset(v->attr, 0, sizeof(v->attr));
  memcpy(v->seq, mode3_seq, sizeof(mode3_seq));
  memcpy(v->crtc, mode3_crtc, sizeof(mode3_crtc));
  memcpy(v->gc, mode3_gc, sizeof(mode3_gc));
  memcpy(v->attr, mode3_attr, sizeof(mode3_attr));
  v->attr_index = 0x20;
  v->attr_flipflop = false;
  v->pel_mask = 0xff;
  v->dac_read_index = v->dac_write_index = 0;
  v->dac_sub = 0;
  v->dac_state = 0;
  memset(v->dac_latch, 0, sizeof(v->dac_latch));
  default_dac(v);
  memset(v->latch, 0, sizeof(v->latch));
  v->reads_3da = 0;
  memset(v->vram, 0, sizeof(v->vram));
  /* Blank text screen (space, light grey on black) and the font in plane 2. */
  for (uint32_t i = 0; i < VGA_PLANE_SIZE; i += 2) {
    v->vram[i] = ' ';
    v->vram[VGA_PLANE_SIZE + i] = 0x07;
  }
  const uint8_t *font = vga_builtin_font();
  for (int c = 0; c < 256; c++)
    memcpy(v->vram + 2 * VGA_PLANE_SIZE + c * 32, font + c * 16, 16);
  /* DISPI: off, 640x480x8 programmed (Bochs's power-on values). */
  v->vbe_index = 0;
  memset(v->vbe, 0, sizeof(v->vbe));
  v->vbe[VBE_DISPI_ID] = VBE_DISPI_ID5;
  v->vbe[VBE_DISPI_XRES] = 640;
  v->vbe[VBE_DISPI_YRES] = 480;
  v->vbe[VBE_DISPI_BPP] = 8;
  if (v->lfb && v->lfb_pristine) { /* only the pages written since creation: the rest stays untouched */
    for (uint32_t p = 0; p < v->lfb_size >> 12; p++)
      if (v->lfb_dirty[p])
        memset(v->lfb + (p << 12), 0, 4096);
  } else if (v->lfb) {
    memset(v->lfb, 0, v->lfb_size);
    memset(v->lfb_dirty, 1, v->lfb_size >> 12);
  }
  v->vram_written = true;
  v->gen++;
  v->frame_valid = false;
}

/* ---- memory ---- */

/* Translate an offset from A0000h through the memory map select; false if
 * the offset is outside the window. */
static bool map_window(const Vga *v, uint32_t off, uint32_t *addr) {
  switch ((v->gc[GC_MISC] >> 2) & 3) {
  case 0: *addr = off; return off < 0x20000;
  case 1: *addr = off; return off < 0x10000;
  case 2: *addr = off - 0x10000; return off >= 0x10000 && off < 0x18000;
  default: *addr = off - 0x18000; return off >= 0x18000 && off < 0x20000;
  }
}

bool vga_vbe_enabled(const Vga *v) { return v->vbe[VBE_DISPI_ENABLE] & VBE_DISPI_ENABLED; }

/* VBE bank window: A0000h-AFFFFh shows 64 KiB of video memory at BANK * 64 KiB. */
static bool bank_window(const Vga *v, uint32_t off, uint32_t *addr) {
  if (off >= 0x10000)
    return false;
  *addr = (uint32_t)v->vbe[VBE_DISPI_BANK] * 0x10000u + off;
  return *addr < v->lfb_size;
}

/* Where the planes live: the 4 x 64 KiB VGA memory, or, in a 4-bpp VBE
 * mode, four quarters of video memory (planes too large for 64 KiB). */
typedef struct Planes { uint8_t *base; uint32_t stride, size; } Planes;

static bool vbe_planar(const Vga *v) { return vga_vbe_enabled(v) && v->vbe[VBE_DISPI_BPP] == 4; }

static Planes vga_planes(Vga *v) {
  if (vbe_planar(v))
    return (Planes){v->lfb, v->lfb_size / 4, v->lfb_size / 4};
  return (Planes){v->vram, VGA_PLANE_SIZE, VGA_PLANE_SIZE};
}

static void load_latches(Vga *v, const Planes *pl, uint32_t poff) {
  for (int p = 0; p < 4; p++)
    v->latch[p] = pl->base[p * pl->stride + poff];
}

/* Read mode 0 (plane) or 1 (colour compare) at plane offset poff. */
static uint8_t planar_read(Vga *v, const Planes *pl, int plane, uint32_t poff) {
  load_latches(v, pl, poff);
  if (v->gc[GC_MODE] & 0x08) { /* read mode 1: colour compare */
    uint8_t res = 0xff;
    for (int p = 0; p < 4; p++) {
      if (!(v->gc[GC_DONTCARE] >> p & 1))
        continue;
      uint8_t want = (v->gc[GC_CCMP] >> p & 1) ? 0xff : 0x00;
      res &= (uint8_t)~(v->latch[p] ^ want);
    }
    return res;
  }
  return v->latch[plane];
}

uint8_t vga_mem_read(Vga *v, uint32_t off) {
  uint32_t addr;
  if (vbe_planar(v)) { /* 4-bpp VBE: the bank window over the planes */
    Planes pl = vga_planes(v);
    if (off >= 0x10000 || (addr = (uint32_t)v->vbe[VBE_DISPI_BANK] * 0x10000u + off) >= pl.size)
      return 0xff;
    return planar_read(v, &pl, v->gc[GC_READMAP] & 3, addr);
  }
  if (vga_vbe_enabled(v))
    return bank_window(v, off, &addr) ? v->lfb[addr] : 0xff;
  if (!map_window(v, off, &addr))
    return 0xff;
  int plane;
  uint32_t poff;
  if (v->seq[SEQ_MEMMODE] & 0x08) { /* chain 4 */
    plane = addr & 3;
    poff = addr & ~3u;
  } else if (v->gc[GC_MODE] & 0x10) { /* odd/even reads */
    plane = (v->gc[GC_READMAP] & 2) | (addr & 1);
    poff = addr & ~1u;
  } else {
    plane = v->gc[GC_READMAP] & 3;
    poff = addr;
  }
  poff &= VGA_PLANE_SIZE - 1;
  Planes pl = vga_planes(v);
  return planar_read(v, &pl, plane, poff);
}

static uint8_t alu(int func, uint8_t d, uint8_t latch) {
  switch (func) {
  case 1: return d & latch;
  case 2: return d | latch;
  case 3: return d ^ latch;
  default: return d;
  }
}

/* Write modes 0-3 with the ALU and bit mask into the planes set in planes. */
static void planar_write(Vga *v, const Planes *pl, uint8_t planes, uint32_t poff, uint8_t val) {
  int mode = v->gc[GC_MODE] & 3;
  int rot = v->gc[GC_ROTATE] & 7;
  int func = (v->gc[GC_ROTATE] >> 3) & 3;
  uint8_t mask = v->gc[GC_BITMASK];
  uint8_t rv = (uint8_t)((val >> rot) | (val << ((8 - rot) & 7)));
  if (mode == 3) {
    mask &= rv;
  }
  for (int p = 0; p < 4; p++) {
    if (!(planes >> p & 1))
      continue;
    uint8_t latch = v->latch[p];
    uint8_t sr = (v->gc[GC_SR] >> p & 1) ? 0xff : 0x00;
    uint8_t d;
    switch (mode) {
    case 0: d = (v->gc[GC_ESR] >> p & 1) ? sr : rv; break;
    case 1: pl->base[p * pl->stride + poff] = latch; continue;
    case 2: d = (val >> p & 1) ? 0xff : 0x00; break;
    default: d = sr; break;
    }
    d = alu(func, d, latch);
    d = (uint8_t)((d & mask) | (latch & ~mask));
    pl->base[p * pl->stride + poff] = d;
  }
}

void vga_mem_write(Vga *v, uint32_t off, uint8_t val) {
  uint32_t addr;
  if (vbe_planar(v)) { /* 4-bpp VBE: the bank window over the planes */
    Planes pl = vga_planes(v);
    if (off >= 0x10000 || (addr = (uint32_t)v->vbe[VBE_DISPI_BANK] * 0x10000u + off) >= pl.size)
      return;
    planar_write(v, &pl, v->seq[SEQ_MAP_MASK] & 0x0f, addr, val);
    for (int p = 0; p < 4; p++)
      v->lfb_dirty[(p * pl.stride + addr) >> 12] = 1;
    return;
  }
  if (vga_vbe_enabled(v)) {
    if (bank_window(v, off, &addr)) {
      v->lfb[addr] = val;
      v->lfb_dirty[addr >> 12] = 1;
    }
    return;
  }
  if (!map_window(v, off, &addr))
    return;
  v->vram_written = true;
  uint8_t planes = v->seq[SEQ_MAP_MASK] & 0x0f;
  uint32_t poff;
  if (v->seq[SEQ_MEMMODE] & 0x08) {
    planes &= (uint8_t)(1u << (addr & 3));
    poff = addr & ~3u;
  } else if (!(v->seq[SEQ_MEMMODE] & 0x04)) { /* odd/even writes */
    planes &= (addr & 1) ? 0x0a : 0x05;
    poff = addr & ~1u;
  } else {
    poff = addr;
  }
  poff &= VGA_PLANE_SIZE - 1;
  Planes pl = vga_planes(v);
  planar_write(v, &pl, planes, poff, val);
}

static uint32_t vga_mmio_read(void *opaque, uint32_t offset, int size) {
  uint32_t r = 0;
  for (int i = 0; i < size; i++)
    r |= (uint32_t)vga_mem_read(opaque, offset + (uint32_t)i) << (8 * i);
  return r;
}

static void vga_mmio_write(void *opaque, uint32_t offset, int size, uint32_t value) {
  for (int i = 0; i < size; i++)
    vga_mem_write(opaque, offset + (uint32_t)i, (uint8_t)(value >> (8 * i)));
}

/* ---- Bochs VBE (DISPI) ---- */

static uint32_t vbe_bytes_pp(uint16_t bpp) { return (bpp + 7u) / 8u; }

/* Bits of video memory a pixel takes: 4 bpp is planar (a bit in each of
 * four planes, each plane a quarter of video memory), 15 bpp takes 16. */
static uint32_t vbe_bits_pp(uint16_t bpp) { return bpp == 15 ? 16u : bpp; }

static bool vbe_bpp_valid(uint16_t bpp) {
  return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

/* Bytes of video memory per scan line of the current virtual width (at 4
 * bpp, the four planes' bytes together). */
static uint32_t vbe_line_bytes(const Vga *v) {
  return (uint32_t)v->vbe[VBE_DISPI_VIRT_WIDTH] * vbe_bits_pp(v->vbe[VBE_DISPI_BPP]) / 8u;
}

/* The visible frame at (xoff, yoff) with this virtual width lies in video memory. */
static bool vbe_frame_fits(const Vga *v, uint32_t vwidth, uint32_t xoff, uint32_t yoff) {
  uint64_t bits = vbe_bits_pp(v->vbe[VBE_DISPI_BPP]);
  uint64_t end = ((yoff + (uint64_t)v->vbe[VBE_DISPI_YRES] - 1) * vwidth + xoff +
                  v->vbe[VBE_DISPI_XRES]) * bits;
  return vwidth >= v->vbe[VBE_DISPI_XRES] && xoff < vwidth && (end + 7) / 8 <= v->lfb_size;
}

static void vbe_set_virt_height(Vga *v) {
  uint32_t h = v->lfb_size / vbe_line_bytes(v);
  v->vbe[VBE_DISPI_VIRT_HEIGHT] = (uint16_t)(h > 0xffff ? 0xffff : h);
}

/* Switch the DAC between 6- and 8-bit entries, keeping the colours. */
static void dac_set_width(Vga *v, bool eight) {
  bool was = v->vbe[VBE_DISPI_ENABLE] & VBE_DISPI_8BIT_DAC;
  if (was == eight)
    return;
  for (int i = 0; i < 768; i++)
    v->dac[i] = eight ? (uint8_t)(v->dac[i] << 2 | v->dac[i] >> 4) : (uint8_t)(v->dac[i] >> 2);
}

static void vbe_write_enable(Vga *v, uint16_t val) {
  val &= VBE_DISPI_ENABLED | VBE_DISPI_GETCAPS | VBE_DISPI_8BIT_DAC | VBE_DISPI_LFB_ENABLED |
         VBE_DISPI_NOCLEARMEM;
  if ((val & VBE_DISPI_ENABLED) && !vga_vbe_enabled(v)) {
    uint64_t bits = vbe_bits_pp(v->vbe[VBE_DISPI_BPP]);
    if ((uint64_t)v->vbe[VBE_DISPI_XRES] * v->vbe[VBE_DISPI_YRES] * bits / 8 > v->lfb_size)
      val &= (uint16_t)~VBE_DISPI_ENABLED; /* does not fit: stays off */
    else {
      v->vbe[VBE_DISPI_VIRT_WIDTH] = v->vbe[VBE_DISPI_XRES];
      v->vbe[VBE_DISPI_X_OFFSET] = v->vbe[VBE_DISPI_Y_OFFSET] = 0;
      v->vbe[VBE_DISPI_BANK] = 0;
      vbe_set_virt_height(v);
      if (!(val & VBE_DISPI_NOCLEARMEM)) { /* the frame, as QEMU does */
        uint32_t n = vbe_line_bytes(v) * v->vbe[VBE_DISPI_YRES];
        if (v->vbe[VBE_DISPI_BPP] == 4) { /* a quarter of it at the start of each plane */
          for (uint32_t p = 0; p < 4; p++) {
            memset(v->lfb + p * (v->lfb_size / 4), 0, n / 4);
            memset(v->lfb_dirty + ((p * (v->lfb_size / 4)) >> 12), 1, (n / 4 + 4095) >> 12);
          }
        } else {
          memset(v->lfb, 0, n);
          memset(v->lfb_dirty, 1, (n + 4095) >> 12);
        }
      }
    }
  }
  dac_set_width(v, val & VBE_DISPI_8BIT_DAC);
  v->vbe[VBE_DISPI_ENABLE] = val;
}

static void vbe_write(Vga *v, uint16_t val) {
  bool on = vga_vbe_enabled(v);
  switch (v->vbe_index) {
  case VBE_DISPI_ID:
    if (val >= 0xb0c0 && val <= VBE_DISPI_ID5)
      v->vbe[VBE_DISPI_ID] = val;
    break;
  case VBE_DISPI_XRES: /* the geometry is fixed while a mode is on */
    if (!on && val >= 8 && val <= VBE_DISPI_MAX_XRES && val % 8 == 0)
      v->vbe[VBE_DISPI_XRES] = val;
    break;
  case VBE_DISPI_YRES:
    if (!on && val >= 1 && val <= VBE_DISPI_MAX_YRES)
      v->vbe[VBE_DISPI_YRES] = val;
    break;
  case VBE_DISPI_BPP:
    if (!on && vbe_bpp_valid(val))
      v->vbe[VBE_DISPI_BPP] = val;
    break;
  case VBE_DISPI_ENABLE:
    vbe_write_enable(v, val);
    break;
  case VBE_DISPI_BANK:
    if ((uint32_t)val < v->lfb_size >> 16)
      v->vbe[VBE_DISPI_BANK] = val;
    break;
  case VBE_DISPI_VIRT_WIDTH:
    if (on && vbe_frame_fits(v, val, 0, 0)) {
      v->vbe[VBE_DISPI_VIRT_WIDTH] = val;
      v->vbe[VBE_DISPI_X_OFFSET] = v->vbe[VBE_DISPI_Y_OFFSET] = 0;
      vbe_set_virt_height(v);
    }
    break;
  case VBE_DISPI_X_OFFSET:
    if (on && vbe_frame_fits(v, v->vbe[VBE_DISPI_VIRT_WIDTH], val, v->vbe[VBE_DISPI_Y_OFFSET]))
      v->vbe[VBE_DISPI_X_OFFSET] = val;
    break;
  case VBE_DISPI_Y_OFFSET:
    if (on && vbe_frame_fits(v, v->vbe[VBE_DISPI_VIRT_WIDTH], v->vbe[VBE_DISPI_X_OFFSET], val))
      v->vbe[VBE_DISPI_Y_OFFSET] = val;
    break;
  default: /* VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only */
    break;
  }
  v->gen++;
}

static uint16_t vbe_read(const Vga *v) {
  bool caps = v->vbe[VBE_DISPI_ENABLE] & VBE_DISPI_GETCAPS;
  switch (v->vbe_index) {
  case VBE_DISPI_XRES: return caps ? VBE_DISPI_MAX_XRES : v->vbe[VBE_DISPI_XRES];
  case VBE_DISPI_YRES: return caps ? VBE_DISPI_MAX_YRES : v->vbe[VBE_DISPI_YRES];
  case VBE_DISPI_BPP: return caps ? VBE_DISPI_MAX_BPP : v->vbe[VBE_DISPI_BPP];
  case VBE_DISPI_VIDEO_MEMORY_64K: return (uint16_t)(v->lfb_size >> 16);
  default: return v->vbe_index < VBE_DISPI_NREGS ? v->vbe[v->vbe_index] : 0;
  }
}

/* 1CEh index, 1CFh data, 1D0h data (Bochs's alias; 1D1h its high byte); 16-bit registers, a
 * byte access reads or writes the low byte (zero-extended). */
static uint32_t vbe_io_read(void *opaque, uint16_t port, int size) {
  Vga *v = opaque;
  uint16_t r = port == 0x1ce ? v->vbe_index : vbe_read(v);
  return size == 1 ? (r & 0xffu) : r;
}

static void vbe_io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  Vga *v = opaque;
  uint16_t val = (uint16_t)(size == 1 ? (value & 0xff) : value);
  if (port == 0x1ce)
    v->vbe_index = val;
  else
    vbe_write(v, val);
}

/* ---- ports ---- */

static uint8_t input_status1(Vga *v) {
  v->attr_flipflop = false;
  v->reads_3da++;
  bool vr, de;
  if (v->clock) {
    uint64_t t = clock_now(v->clock) % FRAME_NS;
    vr = t >= FRAME_NS - VRETRACE_NS;
    /* Horizontal timing: 31.5 kHz lines, display enable off 20% of each. */
    uint64_t line = t % 31746;
    de = vr || line >= 25400;
  } else {
    vr = (v->reads_3da % 16) >= 12;
    de = vr || (v->reads_3da & 1);
  }
  return (uint8_t)((vr ? 0x08 : 0) | (de ? 0x01 : 0));
}

static bool mono_port_active(const Vga *v) { return !(v->misc & 1); }

uint8_t vga_ioport_read(Vga *v, uint16_t port) {
  if ((port >= 0x3b0 && port <= 0x3bf && !mono_port_active(v)) ||
      (port >= 0x3d0 && port <= 0x3df && mono_port_active(v)))
    return 0xff;
  switch (port) {
  case 0x3c0:
    return v->attr_index;
  case 0x3c1:
    return (v->attr_index & 0x1f) <= 0x14 ? v->attr[v->attr_index & 0x1f] : 0;
  case 0x3c2:
    return 0x10; /* input status 0: switch sense (colour monitor) */
  case 0x3c3:
    return v->enable;
  case 0x3c4:
    return v->seq_index;
  case 0x3c5:
    return v->seq_index < 8 ? v->seq[v->seq_index] : 0xff;
  case 0x3c6:
    return v->pel_mask;
  case 0x3c7:
    return v->dac_state;
  case 0x3c8:
    return v->dac_write_index;
  case 0x3c9: {
    uint8_t r = v->dac[v->dac_read_index * 3 + v->dac_sub];
    if (++v->dac_sub == 3) {
      v->dac_sub = 0;
      v->dac_read_index++;
    }
    return r;
  }
  case 0x3ca:
    return v->feature;
  case 0x3cc:
    return v->misc;
  case 0x3ce:
    return v->gc_index;
  case 0x3cf:
    return v->gc_index < 9 ? v->gc[v->gc_index] : 0xff;
  case 0x3b4:
  case 0x3d4:
    return v->crtc_index;
  case 0x3b5:
  case 0x3d5:
    return v->crtc_index < 0x19 ? v->crtc[v->crtc_index] : 0xff;
  case 0x3ba:
  case 0x3da:
    return input_status1(v);
  }
  return 0xff;
}

void vga_ioport_write(Vga *v, uint16_t port, uint8_t val) {
  if ((port >= 0x3b0 && port <= 0x3bf && !mono_port_active(v)) ||
      (port >= 0x3d0 && port <= 0x3df && mono_port_active(v)))
    return;
  v->gen++; /* the picture may change: vga_render_dirty looks again */
  switch (port) {
  case 0x3c0:
    if (!v->attr_flipflop) {
      v->attr_index = val & 0x3f;
    } else {
      int i = v->attr_index & 0x1f;
      if (i <= 0x14)
        v->attr[i] = val;
    }
    v->attr_flipflop = !v->attr_flipflop;
    return;
  case 0x3c2:
    v->misc = val;
    return;
  case 0x3c3:
    v->enable = val & 1;
    return;
  case 0x3c4:
    v->seq_index = val & 7;
    return;
  case 0x3c5:
    v->seq[v->seq_index & 7] = val;
    return;
  case 0x3c6:
    v->pel_mask = val;
    return;
  case 0x3c7:
    v->dac_read_index = val;
    v->dac_sub = 0;
    v->dac_state = 3;
    return;
  case 0x3c8:
    v->dac_write_index = val;
    v->dac_sub = 0;
    v->dac_state = 0;
    return;
  case 0x3c9:
    v->dac_latch[v->dac_sub] = v->vbe[VBE_DISPI_ENABLE] & VBE_DISPI_8BIT_DAC ? val : val & 0x3f;
    if (++v->dac_sub == 3) {
      memcpy(v->dac + v->dac_write_index * 3, v->dac_latch, 3);
      v->dac_sub = 0;
      v->dac_write_index++;
    }
    return;
  case 0x3ce:
    v->gc_index = val & 0x0f;
    return;
  case 0x3cf:
    if (v->gc_index < 9)
      v->gc[v->gc_index] = val;
    return;
  case 0x3b4:
  case 0x3d4:
    v->crtc_index = val & 0x1f;
    return;
  case 0x3b5:
  case 0x3d5: {
    uint8_t i = v->crtc_index;
    if (i >= 0x19)
      return;
    if (i <= 7 && (v->crtc[CR_VRE] & 0x80)) { /* write-protected by CR11 bit 7 */
      if (i == 7)
        v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (val & 0x10));
      return;
    }
    v->crtc[i] = val;
    return;
  }
  case 0x3ba:
  case 0x3da:
    v->feature = val;
    return;
  }
}

static uint32_t vga_io_read(void *opaque, uint16_t port, int size) {
  return vga_ioport_read(opaque, port);
}
static void vga_io_write(void *opaque, uint16_t port, int size, uint32_t value) {
  vga_ioport_write(opaque, port, (uint8_t)value);
}

/* ---- geometry ---- */

bool vga_is_text_mode(const Vga *v) { return !(v->attr[AC_MODE] & 0x01) && !vga_vbe_enabled(v); }

static int vertical_display_end(const Vga *v) {
  int vde = v->crtc[CR_VDE] | ((v->crtc[CR_OVERFLOW] & 0x02) << 7) |
            ((v->crtc[CR_OVERFLOW] & 0x40) << 3);
  return vde + 1;
}

static int char_height(const Vga *v) { return (v->crtc[CR_MAXSCAN] & 0x1f) + 1; }

void vga_text_size(const Vga *v, int *cols, int *rows) {
  int c = v->crtc[CR_HDE] + 1;
  int r = vertical_display_end(v) / char_height(v);
  if (v->crtc[CR_MAXSCAN] & 0x80)
    r /= 2;
  if (r < 1)
    r = 1;
  if (r > 100)
    r = 100;
  *cols = c;
  *rows = r;
}

/* Address counter -> plane offset shift (byte, word or doubleword mode). */
static int addr_shift(const Vga *v) {
  if (v->crtc[CR_UNDERLINE] & 0x40)
    return 2;
  if (!(v->crtc[CR_MODE] & 0x40))
    return 1;
  return 0;
}

static uint32_t start_address(const Vga *v) {
  return (uint32_t)v->crtc[CR_START_HI] << 8 | v->crtc[CR_START_LO];
}

/* ---- text dump ---- */

static const char *const cp437_high[128] = {
    "Ç", "ü", "é", "â", "ä", "à", "å", "ç", "ê", "ë", "è", "ï", "î", "ì", "Ä", "Å",
    "É", "æ", "Æ", "ô", "ö", "ò", "û", "ù", "ÿ", "Ö", "Ü", "¢", "£", "¥", "₧", "ƒ",
    "á", "í", "ó", "ú", "ñ", "Ñ", "ª", "º", "¿", "⌐", "¬", "½", "¼", "¡", "«", "»",
    "░", "▒", "▓", "│", "┤", "╡", "╢", "╖", "╕", "╣", "║", "╗", "╝", "╜", "╛", "┐",
    "└", "┴", "┬", "├", "─", "┼", "╞", "╟", "╚", "╔", "╩", "╦", "╠", "═", "╬", "╧",
    "╨", "╤", "╥", "╙", "╘", "╒", "╓", "╫", "╪", "┘", "┌", "█", "▄", "▌", "▐", "▀",
    "α", "ß", "Γ", "π", "Σ", "σ", "µ", "τ", "Φ", "Θ", "Ω", "δ", "∞", "φ", "ε", "∩",
    "≡", "±", "≥", "≤", "⌠", "⌡", "÷", "≈", "°", "∙", "·", "√", "ⁿ", "²", "■", "\u00a0",
};
static const char *const cp437_low[32] = {
    " ", "☺", "☻", "♥", "♦", "♣", "♠", "•", "◘", "○", "◙", "♂", "♀", "♪", "♫", "☼",
    "►", "◄", "↕", "‼", "¶", "§", "▬", "↨", "↑", "↓", "→", "←", "∟", "↔", "▲", "▼",
};
static char ascii_chars[96][2];

const char *vga_cp437_utf8(uint8_t c) {
  if (c < 32)
    return cp437_low[c];
  if (c >= 128)
    return cp437_high[c - 128];
  if (c == 127)
    return "⌂";
  char *s = ascii_chars[c - 32];
  s[0] = (char)c;
  s[1] = 0;
  return s;
}

/* Character code at text cell (col,row). */
static uint8_t text_cell(const Vga *v, int col, int row, uint8_t *attr) {
  int cols, rows;
  vga_text_size(v, &cols, &rows);
  uint32_t stride = (uint32_t)v->crtc[CR_OFFSET] * 2;
  uint32_t ctr = start_address(v) + (uint32_t)row * stride + (uint32_t)col;
  uint32_t off = (ctr << addr_shift(v)) & (VGA_PLANE_SIZE - 1);
  if (attr)
    *attr = v->vram[VGA_PLANE_SIZE + off];
  return v->vram[off];
}

char *vga_text_dump_string(Vga *v) {
  if (!vga_is_text_mode(v))
    return NULL;
  int cols, rows;
  vga_text_size(v, &cols, &rows);
  size_t cap = (size_t)rows * ((size_t)cols * 4 + 1) + 1;
  char *out = malloc(cap);
  if (!out)
    return NULL;
  size_t n = 0;
  for (int r = 0; r < rows; r++) {
    size_t line_start = n, keep = n;
    for (int c = 0; c < cols; c++) {
      uint8_t ch = text_cell(v, c, r, NULL);
      const char *s = vga_cp437_utf8(ch);
      size_t l = strlen(s);
      memcpy(out + n, s, l);
      n += l;
      if (!(ch == ' ' || ch == 0 || ch == 0xff))
        keep = n;
    }
    (void)line_start;
    n = keep; /* trailing blanks trimmed */
    out[n++] = '\n';
  }
  out[n] = 0;
  return out;
}

int vga_text_dump(Vga *v, FILE *f) {
  char *s = vga_text_dump_string(v);
  if (!s)
    return -1;
  fputs(s, f);
  free(s);
  return 0;
}

/* ---- rendering ---- */

enum { RK_TEXT = 1, RK_CGA4, RK_PLANAR, RK_256, RK_VBE };

/* Everything a frame's lines need, worked out once per frame. */
typedef struct Geom {
  int kind, w, h;
  uint32_t pal[256];        /* DAC entries as 0x00RRGGBB (pixel mask applied) */
  uint32_t apal[16];        /* attribute palette through the DAC */
  uint32_t start, stride;   /* CRTC start address and offset (address counter units) */
  int shift;                /* address counter -> plane offset */
  int split_y;              /* first line after the line compare (from address 0), or h */
  int pan, split_pan;       /* pixel panning above and below the split (graphics) */
  /* text */
  int cols, rows, cw, chh;
  uint32_t font_base[2];    /* plane 2 offsets of character maps A and B */
  bool font_empty[2];       /* nothing loaded there: the built-in font */
  uint32_t cursor;          /* cursor address, or ~0 when hidden */
  int cur_s, cur_e;
  bool blink, lge;
  int phase;                /* bit 0: cursor off, bit 1: blinking characters off */
  /* graphics */
  int scans;                /* scan lines per character row */
  bool cga_banks;           /* CRTC mode bit 0 clear: row scan bit 0 picks the odd bank */
  uint8_t plane_en;
  /* VBE */
  uint32_t vbe_start, vbe_line;
  int vbe_bpp;
} Geom;

static uint32_t dac_entry(const Vga *v, uint8_t index) {
  const uint8_t *e = v->dac + index * 3;
  if (v->vbe[VBE_DISPI_ENABLE] & VBE_DISPI_8BIT_DAC)
    return (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
  uint32_t r = (uint32_t)(e[0] << 2 | e[0] >> 4) & 0xff;
  uint32_t g = (uint32_t)(e[1] << 2 | e[1] >> 4) & 0xff;
  uint32_t b = (uint32_t)(e[2] << 2 | e[2] >> 4) & 0xff;
  return r << 16 | g << 8 | b;
}

/* 4-bit colour through the attribute palette and colour select to the DAC index. */
static uint8_t attr_index(const Vga *v, uint8_t c) {
  uint8_t p = v->attr[c & 0x0f] & 0x3f;
  if (v->attr[AC_MODE] & 0x80)
    p = (uint8_t)((p & 0x0f) | ((v->attr[AC_COLSEL] & 0x03) << 4));
  return (uint8_t)(p | ((v->attr[AC_COLSEL] & 0x0c) << 4));
}

/* True if plane 2 holds no glyph data in the selected font (nothing loaded). */
static bool font_empty(const Vga *v, uint32_t base) {
  const uint8_t *p = v->vram + 2 * VGA_PLANE_SIZE + base;
  for (uint32_t i = 0; i < 256 * 32; i++)
    if (p[i])
      return false;
  return true;
}

static uint32_t charmap_base(uint8_t sel) {
  return (uint32_t)(sel & 3) * 0x4000 + (uint32_t)(sel >> 2 & 1) * 0x2000;
}

/* Cursor (bit 0) and character (bit 1) blink phases: the cursor toggles
 * every 16 frames, blinking characters every 32 (IBM VGA), on the virtual
 * clock; both visible without a clock. */
static int blink_phase(const Vga *v) {
  if (!v->clock)
    return 0;
  uint64_t frame = clock_now(v->clock) / FRAME_NS;
  return (int)((frame >> 4) & 1) | (int)((frame >> 5) & 1) << 1;
}

/* Was any page of the linear framebuffer written since the dirty map was
 * last cleared?  Eight pages a compare: the map has lfb_size >> 12 bytes, a
 * multiple of 256 (lfb_size is whole MiB), and is asked at every idle
 * wake-up. */
static bool lfb_any_dirty(const Vga *v) {
  const uint8_t *d = v->lfb_dirty;
  for (uint32_t p = 0; p < v->lfb_size >> 12; p += 8) {
    uint64_t w;
    memcpy(&w, d + p, 8);
    if (w)
      return true;
  }
  return false;
}

bool vga_touched(const Vga *v) {
  if (v->vram_written || v->gen != v->frame_gen)
    return true;
  /* The framebuffer shows only in a DISPI mode (turning one on bumps gen). */
  return vga_vbe_enabled(v) && lfb_any_dirty(v);
}

uint64_t vga_next_blink_ns(const Vga *v) {
  if (!v->clock || !vga_is_text_mode(v))
    return CLOCK_NEVER;
  uint64_t period = 16 * (uint64_t)FRAME_NS;
  return (clock_now(v->clock) / period + 1) * period;
}

static int clampi(int x, int lo, int hi) { return x < lo ? lo : x > hi ? hi : x; }

/* The frame's kind and size; with lines, also what drawing lines needs. */
/* Line compare (CRTC 18h, bit 8 in 07h bit 4, bit 9 in 09h bit 6): the
 * scan lines after it show video memory from address 0.  per = scan lines
 * an output line stands for (before double scanning). */
static void split_screen(const Vga *v, Geom *g, int per) {
  int lc = v->crtc[CR_LINE_COMPARE] | (v->crtc[CR_OVERFLOW] & 0x10) << 4 |
           (v->crtc[CR_MAXSCAN] & 0x40) << 3;
  if (v->crtc[CR_MAXSCAN] & 0x80)
    per *= 2;
  g->split_y = clampi((lc + per) / per, 0, g->h);
}

static void geometry(const Vga *v, Geom *g, bool lines) {
  memset(g, 0, sizeof(*g));
  for (int i = 0; lines && i < 256; i++)
    g->pal[i] = dac_entry(v, (uint8_t)(i & v->pel_mask));
  for (int i = 0; lines && i < 16; i++)
    g->apal[i] = g->pal[attr_index(v, (uint8_t)i)];
  g->start = (uint32_t)v->crtc[CR_START_HI] << 8 | v->crtc[CR_START_LO];
  g->stride = (uint32_t)v->crtc[CR_OFFSET] * 2;
  g->shift = addr_shift(v);
  if (vga_vbe_enabled(v)) {
    g->kind = RK_VBE;
    g->vbe_bpp = v->vbe[VBE_DISPI_BPP];
    if (g->vbe_bpp == 4) { /* planar: start and line in pixels (bits of a plane) */
      g->vbe_line = v->vbe[VBE_DISPI_VIRT_WIDTH];
      g->vbe_start = (uint32_t)v->vbe[VBE_DISPI_Y_OFFSET] * g->vbe_line + v->vbe[VBE_DISPI_X_OFFSET];
      g->plane_en = v->attr[AC_PLANE_EN] & 0x0f;
    } else {
      g->vbe_line = vbe_line_bytes(v);
      g->vbe_start = (uint32_t)v->vbe[VBE_DISPI_Y_OFFSET] * g->vbe_line +
                     (uint32_t)v->vbe[VBE_DISPI_X_OFFSET] * vbe_bytes_pp(v->vbe[VBE_DISPI_BPP]);
    }
    g->w = clampi(v->vbe[VBE_DISPI_XRES], 1, VGA_MAX_WIDTH);
    g->h = clampi(v->vbe[VBE_DISPI_YRES], 1, VGA_MAX_HEIGHT);
    return;
  }
  if (vga_is_text_mode(v)) {
    g->kind = RK_TEXT;
    vga_text_size(v, &g->cols, &g->rows);
    g->cw = (v->seq[SEQ_CLOCK] & 1) ? 8 : 9;
    g->chh = char_height(v);
    g->cols = clampi(g->cols, 1, VGA_MAX_WIDTH / g->cw);
    g->rows = clampi(g->rows, 1, VGA_MAX_HEIGHT / g->chh);
    g->w = g->cols * g->cw;
    g->h = g->rows * g->chh;
    uint8_t cs = v->seq[SEQ_CHARMAP];
    g->font_base[0] = charmap_base((uint8_t)(((cs >> 5) & 1) << 2 | ((cs >> 2) & 3)));
    g->font_base[1] = charmap_base((uint8_t)(((cs >> 4) & 1) << 2 | (cs & 3)));
    g->font_empty[0] = lines && font_empty(v, g->font_base[0]);
    g->font_empty[1] = g->font_base[1] == g->font_base[0] ? g->font_empty[0]
                                                            : lines && font_empty(v, g->font_base[1]);
    g->blink = v->attr[AC_MODE] & 0x08;
    g->lge = v->attr[AC_MODE] & 0x04;
    g->phase = blink_phase(v);
    g->cur_s = v->crtc[CR_CUR_START] & 0x1f;
    g->cur_e = v->crtc[CR_CUR_END] & 0x1f;
    if (g->cur_e >= g->chh)
      g->cur_e = g->chh - 1;
    bool on = !(v->crtc[CR_CUR_START] & 0x20) && g->cur_s <= g->cur_e && !(g->phase & 1);
    g->cursor = on ? ((uint32_t)v->crtc[CR_CUR_HI] << 8 | v->crtc[CR_CUR_LO]) : ~0u;
    split_screen(v, g, 1);
    return;
  }
  bool c256 = v->attr[AC_MODE] & 0x40;
  g->kind = c256 ? RK_256 : (v->gc[GC_MODE] & 0x20) ? RK_CGA4 : RK_PLANAR;
  g->cga_banks = !(v->crtc[CR_MODE] & 0x01);
  int scan_lines = vertical_display_end(v);
  if (v->crtc[CR_MAXSCAN] & 0x80)
    scan_lines /= 2;
  g->scans = (v->crtc[CR_MAXSCAN] & 0x1f) + 1;
  g->h = clampi(g->cga_banks ? scan_lines : scan_lines / g->scans, 1, VGA_MAX_HEIGHT);
  int w = (v->crtc[CR_HDE] + 1) * 8;
  g->w = clampi(c256 ? w / 2 : w, 1, VGA_MAX_WIDTH);
  g->plane_en = v->attr[AC_PLANE_EN] & 0x0f;
  split_screen(v, g, g->cga_banks ? 1 : g->scans);
  /* Pixel panning: 0-7 pixels, in 256-colour modes counted in half pixels. */
  int pan = v->attr[AC_PAN] & 0x0f;
  g->pan = g->kind == RK_CGA4 || pan > 7 ? 0 : c256 ? pan >> 1 : pan;
  g->split_pan = (v->attr[AC_MODE] & 0x20) ? 0 : g->pan;
}

static void render_text_line(const Vga *v, const Geom *g, int y, uint32_t *out) {
  const uint8_t *builtin = vga_builtin_font();
  uint32_t start = g->start;
  if (y >= g->split_y) { /* below the split: from address 0, row scan 0 */
    y -= g->split_y;
    start = 0;
  }
  int row = y / g->chh, sl = y % g->chh;
  const uint8_t *font = v->vram + 2 * VGA_PLANE_SIZE;
  for (int c = 0; c < g->cols; c++) {
    uint32_t ctr = start + (uint32_t)row * g->stride + (uint32_t)c;
    uint32_t off = (ctr << g->shift) & (VGA_PLANE_SIZE - 1);
    uint8_t ch = v->vram[off], at = v->vram[VGA_PLANE_SIZE + off];
    uint8_t fg = at & 0x0f, bg = at >> 4;
    if (g->blink) {
      bg &= 7;
      if ((at & 0x80) && (g->phase & 2))
        fg = bg; /* blinking character in its off phase */
    }
    uint32_t fgc = g->apal[fg], bgc = g->apal[bg];
    /* Attribute bit 3 selects map A (set) or B (clear) when they differ. */
    int map = g->font_base[0] != g->font_base[1] && !(at & 0x08) ? 1 : 0;
    uint8_t bits;
    if (g->font_empty[map])
      bits = sl < 16 ? builtin[ch * 16 + sl] : 0;
    else
      bits = font[(g->font_base[map] + ch * 32u + (uint32_t)sl) & 0xffff];
    bool cur = ctr == g->cursor && sl >= g->cur_s && sl <= g->cur_e;
    uint32_t *o = out + c * g->cw;
    if (cur) {
      for (int x = 0; x < g->cw; x++)
        o[x] = fgc;
      continue;
    }
    for (int x = 0; x < 8; x++)
      o[x] = (bits >> (7 - x) & 1) ? fgc : bgc;
    if (g->cw == 9) /* the line-graphics codes extend their 8th column */
      o[8] = g->lge && ch >= 0xc0 && ch <= 0xdf && (bits & 1) ? fgc : bgc;
  }
}

/* Graphics modes: 256-colour (attribute mode bit 6), CGA 4-colour (GC mode
 * bit 5, shift register interleave) and 16-colour planar (including the
 * 2-colour CGA mode).  With CRTC mode bit 0 clear (CGA addressing), the
 * row scan counter's bit 0 selects the odd 8 KiB bank, so each scan line of
 * a character row is its own pixel line. */
static void render_graphics_line(const Vga *v, const Geom *g, int y, uint32_t *row) {
  uint32_t start = g->start;
  int pan = g->pan;
  if (y >= g->split_y) { /* below the split: from address 0 */
    y -= g->split_y;
    start = 0;
    pan = g->split_pan;
  }
  int crow = g->cga_banks ? y / g->scans : y;
  uint32_t bank = g->cga_banks ? (uint32_t)(y % g->scans & 1) << 13 : 0;
  uint32_t line = start + (uint32_t)crow * g->stride;
  for (int px = 0; px < g->w; px++) {
    int x = px + pan;
    uint32_t unit = g->kind == RK_256 ? (uint32_t)x / 4 : (uint32_t)x / 8;
    uint32_t off = (((line + unit) << g->shift) | bank) & (VGA_PLANE_SIZE - 1);
    if (g->kind == RK_256) {
      row[px] = g->pal[v->vram[(x & 3) * VGA_PLANE_SIZE + off]];
    } else if (g->kind == RK_CGA4) { /* 2 bits per pixel: 4 pixels from plane 0, then 4 from plane 1 */
      uint8_t b = v->vram[((x >> 2) & 1) * VGA_PLANE_SIZE + off];
      row[px] = g->apal[(b >> (6 - 2 * (x & 3))) & 3];
    } else {
      int bit = 7 - (x & 7);
      uint8_t c = 0;
      for (int p = 0; p < 4; p++)
        c |= (uint8_t)(((v->vram[p * VGA_PLANE_SIZE + off] >> bit) & 1) << p);
      row[px] = g->apal[c & g->plane_en];
    }
  }
}

static uint32_t expand5(uint32_t c) { return (c << 3 | c >> 2) & 0xff; }
static uint32_t expand6(uint32_t c) { return (c << 2 | c >> 4) & 0xff; }

/* 4 bpp: pixel p of the frame is bit 7 - p % 8 of byte p / 8 in each of the
 * four planes (a quarter of video memory each), through the attribute palette. */
static void render_vbe4_line(const Vga *v, const Geom *g, int y, uint32_t *row) {
  uint32_t psize = v->lfb_size / 4;
  uint64_t at = g->vbe_start + (uint64_t)y * g->vbe_line;
  if ((at + (uint64_t)g->w + 7) / 8 > psize) { /* cannot happen with valid registers */
    memset(row, 0, sizeof(uint32_t) * (size_t)g->w);
    return;
  }
  for (int x = 0; x < g->w; x++) {
    uint32_t p = (uint32_t)at + (uint32_t)x, byte = p >> 3;
    int bit = 7 - (int)(p & 7);
    uint8_t c = 0;
    for (uint32_t pl = 0; pl < 4; pl++)
      c |= (uint8_t)(((v->lfb[pl * psize + byte] >> bit) & 1) << pl);
    row[x] = g->apal[c & g->plane_en];
  }
}

static void render_vbe_line(const Vga *v, const Geom *g, int y, uint32_t *row) {
  if (g->vbe_bpp == 4) {
    render_vbe4_line(v, g, y, row);
    return;
  }
  uint32_t bpp = vbe_bytes_pp((uint16_t)g->vbe_bpp);
  uint64_t at = g->vbe_start + (uint64_t)y * g->vbe_line;
  if (at + (uint64_t)g->w * bpp > v->lfb_size) { /* cannot happen with valid registers */
    memset(row, 0, sizeof(uint32_t) * (size_t)g->w);
    return;
  }
  const uint8_t *p = v->lfb + at;
  switch (g->vbe_bpp) {
  case 8:
    for (int x = 0; x < g->w; x++)
      row[x] = g->pal[p[x]];
    break;
  case 15:
    for (int x = 0; x < g->w; x++) {
      uint32_t c = (uint32_t)p[2 * x] | (uint32_t)p[2 * x + 1] << 8;
      row[x] = expand5(c >> 10 & 31) << 16 | expand5(c >> 5 & 31) << 8 | expand5(c & 31);
    }
    break;
  case 16:
    for (int x = 0; x < g->w; x++) {
      uint32_t c = (uint32_t)p[2 * x] | (uint32_t)p[2 * x + 1] << 8;
      row[x] = expand5(c >> 11 & 31) << 16 | expand6(c >> 5 & 63) << 8 | expand5(c & 31);
    }
    break;
  case 24:
    for (int x = 0; x < g->w; x++)
      row[x] = (uint32_t)p[3 * x + 2] << 16 | (uint32_t)p[3 * x + 1] << 8 | p[3 * x];
    break;
  default:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* XRGB in memory order B, G, R, X: one load per pixel (the compiler
     * vectorises this; a full 1024x768 frame is a copy with a mask). */
    for (int x = 0; x < g->w; x++) {
      uint32_t c;
      memcpy(&c, p + 4 * x, 4);
      row[x] = c & 0xffffff;
    }
#else
    for (int x = 0; x < g->w; x++)
      row[x] = (uint32_t)p[4 * x + 2] << 16 | (uint32_t)p[4 * x + 1] << 8 | p[4 * x];
#endif
    break;
  }
}

static void render_line(const Vga *v, const Geom *g, int y, uint32_t *row) {
  if (g->kind == RK_VBE)
    render_vbe_line(v, g, y, row);
  else if (g->kind == RK_TEXT)
    render_text_line(v, g, y, row);
  else
    render_graphics_line(v, g, y, row);
}

void vga_render_size(const Vga *v, int *w, int *h) {
  Geom g;
  geometry(v, &g, false);
  *w = g.w;
  *h = g.h;
}

void vga_render(Vga *v, uint32_t *rgb, int *w, int *h) {
  Geom g;
  geometry(v, &g, true);
  for (int y = 0; y < g.h; y++)
    render_line(v, &g, y, rgb + (size_t)y * (size_t)g.w);
  *w = g.w;
  *h = g.h;
}

void vga_render_invalidate(Vga *v) { v->frame_valid = false; }

/* Lines [*y0, *y1) of a VBE frame under the written LFB pages. */
static void vbe_dirty_lines(const Vga *v, const Geom *g, int *y0, int *y1) {
  int lo = g->h, hi = 0;
  uint64_t start = g->vbe_start, end = start + (uint64_t)(g->h - 1) * g->vbe_line +
                                        (uint64_t)g->w * vbe_bytes_pp((uint16_t)g->vbe_bpp);
  for (uint32_t p = 0; p < v->lfb_size >> 12; p++) {
    if (!v->lfb_dirty[p])
      continue;
    uint64_t a = (uint64_t)p << 12, b = a + 4096;
    if (b <= start || a >= end)
      continue;
    int l0 = a <= start ? 0 : (int)((a - start) / g->vbe_line);
    int l1 = (int)((b - 1 - start) / g->vbe_line) + 1;
    if (l0 < lo)
      lo = l0;
    if (l1 > hi)
      hi = l1;
  }
  *y0 = lo;
  *y1 = hi > g->h ? g->h : hi;
}

/* Text, only the blink phase changed: the lines of the rows that hold the
 * cursor or a blinking character (all of them below a split screen). */
static void text_phase_lines(const Vga *v, const Geom *g, int *y0, int *y1) {
  if (g->split_y < g->h)
    return;
  /* The cursor's cell in either phase (g->cursor is ~0 in its off phase). */
  uint32_t cursor = (uint32_t)v->crtc[CR_CUR_HI] << 8 | v->crtc[CR_CUR_LO];
  int lo = g->rows, hi = -1;
  for (int r = 0; r < g->rows; r++)
    for (int c = 0; c < g->cols; c++) {
      uint32_t ctr = g->start + (uint32_t)r * g->stride + (uint32_t)c;
      uint32_t off = (ctr << g->shift) & (VGA_PLANE_SIZE - 1);
      if (ctr == cursor || (g->blink && (v->vram[VGA_PLANE_SIZE + off] & 0x80))) {
        lo = r < lo ? r : lo;
        hi = r;
        break; /* this row is in; the next */
      }
    }
  if (hi < 0) {
    *y1 = 0;
    return;
  }
  *y0 = lo * g->chh;
  *y1 = (hi + 1) * g->chh < g->h ? (hi + 1) * g->chh : g->h;
}

int vga_render_dirty_rects(Vga *v, uint32_t *px, int stride, int *pw, int *ph, VgaRect *d, int max) {
  Geom g;
  geometry(v, &g, true);
  *pw = g.w;
  *ph = g.h;
  if (max < 1)
    return -1;
  bool full = !v->frame_valid || g.w != v->frame_w || g.h != v->frame_h || g.kind != v->frame_kind;
  int y0 = 0, y1 = g.h;
  if (!full) {
    if (g.kind == RK_VBE && g.vbe_bpp == 4) {
      /* Planar: any written page of any plane redraws and compares it all. */
      if (v->gen == v->frame_gen && !lfb_any_dirty(v))
        y1 = 0;
    } else if (g.kind == RK_VBE) {
      if (v->gen == v->frame_gen)
        vbe_dirty_lines(v, &g, &y0, &y1);
    } else if (!v->vram_written && v->gen == v->frame_gen) {
      if (g.phase == v->frame_phase)
        y1 = 0;
      else if (g.kind == RK_TEXT)
        text_phase_lines(v, &g, &y0, &y1);
    }
  }
  /* Re-arm the LFB tracking: later writes mark their pages again. */
  if (lfb_any_dirty(v)) {
    v->lfb_pristine = false; /* the map no longer lists every page written */
    memset(v->lfb_dirty, 0, v->lfb_size >> 12);
    if (v->mem)
      mem_rearm_dirty(v->mem);
  }
  v->vram_written = false;
  v->frame_gen = v->gen;
  v->frame_phase = g.phase;
  if (full) {
    /* px itself keeps the frame: the caller passes the same buffer each time. */
    v->frame_w = g.w;
    v->frame_h = g.h;
    v->frame_kind = g.kind;
    v->frame_valid = true;
    for (int y = 0; y < g.h; y++)
      render_line(v, &g, y, px + (size_t)y * (size_t)stride);
    *d = (VgaRect){0, 0, g.w, g.h};
    return 1;
  }
  if (!v->scratch && !(v->scratch = malloc(VGA_MAX_WIDTH * sizeof(uint32_t)))) {
    v->frame_valid = false; /* no memory for a line: redraw all of it next time */
    for (int y = 0; y < g.h; y++)
      render_line(v, &g, y, px + (size_t)y * (size_t)stride);
    *d = (VgaRect){0, 0, g.w, g.h};
    return 1;
  }
  /* Bands of adjacent changed lines, each with the span of its changes; past
   * max, a line joins the last band (covering the lines between). */
  int n = 0, last = -2;
  for (int y = y0; y < y1; y++) {
    uint32_t *fr = px + (size_t)y * (size_t)stride; /* the previous frame */
    render_line(v, &g, y, v->scratch);
    int a = 0, b = g.w - 1;
    while (a < g.w && fr[a] == v->scratch[a])
      a++;
    if (a == g.w)
      continue;
    while (fr[b] == v->scratch[b])
      b--;
    memcpy(fr + a, v->scratch + a, sizeof(uint32_t) * (size_t)(b - a + 1));
    if (n == 0 || (y != last + 1 && n < max)) {
      d[n++] = (VgaRect){a, y, b - a + 1, 1};
    } else {
      VgaRect *r = &d[n - 1];
      int x0 = a < r->x ? a : r->x, x1 = b + 1 > r->x + r->w ? b + 1 : r->x + r->w;
      *r = (VgaRect){x0, r->y, x1 - x0, y - r->y + 1};
    }
    last = y;
  }
  /* Lines inside a band that did not change already equal the frame: px
   * holds the frame there (it is the caller's previous frame). */
  return n;
}

bool vga_render_dirty(Vga *v, uint32_t *px, int stride, int *w, int *h, VgaRect *dirty) {
  return vga_render_dirty_rects(v, px, stride, w, h, dirty, 1) > 0;
}

int vga_screenshot_png(Vga *v, const char *path, char *err, size_t errlen) {
  int w, h;
  vga_render_size(v, &w, &h);
  uint32_t *rgb = malloc(sizeof(uint32_t) * (size_t)w * (size_t)h);
  if (!rgb) {
    if (err)
      snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  vga_render(v, rgb, &w, &h);
  int r = png_write_rgb(path, rgb, w, h, err, errlen);
  free(rgb);
  return r;
}

/* ---- construction and save state ---- */

static const DeviceRaw lfb_raw; /* the video memory chunk (below) */

Vga *vga_new_mem(IoBus *bus, Mem *mem, Clock *clock, uint32_t mem_mib) {
  if (mem_mib == 0)
    mem_mib = VGA_MEM_DEFAULT_MIB;
  if (mem_mib > VGA_MEM_MAX_MIB)
    return NULL;
  Vga *v = calloc(1, sizeof(*v));
  if (!v)
    return NULL;
  v->mem = mem;
  v->clock = clock;
  v->lfb_size = mem_mib << 20;
  v->lfb = calloc(1, v->lfb_size);
  v->lfb_dirty = calloc(1, v->lfb_size >> 12);
  if (!v->lfb || !v->lfb_dirty) {
    vga_free(v);
    return NULL;
  }
  v->lfb_pristine = true;
  v->dev = (Device){.name = "vga", .opaque = v, .reset = vga_reset, .raw = &lfb_raw,
                    .chunk = {{.state = v, .table = vga_table}}};
  vga_reset(v);
  if (bus) {
    if (iobus_register_ex(bus, 0x3b4, 2, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3ba, 1, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3c0, 16, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3d4, 2, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3da, 1, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register(bus, 0x1ce, 4, vbe_io_read, vbe_io_write, v, "vbe")) {
      vga_free(v);
      return NULL;
    }
  }
  v->lfb_region = -1;
  if (mem && (mem_map_mmio(mem, 0xa0000, 0x20000, vga_mmio_read, vga_mmio_write, v, "vga") != 0 ||
              mem_map_ram(mem, VGA_LFB_ADDR, v->lfb, v->lfb_dirty, v->lfb_size, "vga-lfb") != 0)) {
    vga_free(v);
    return NULL;
  }
  if (mem)
    v->lfb_region = mem_region_id_last(mem);
  return v;
}

void vga_set_lfb_base(Vga *v, uint32_t base, bool on) {
  if (v->mem && v->lfb_region >= 0)
    mem_region_move(v->mem, v->lfb_region, base, on);
}

Vga *vga_new(IoBus *bus, Mem *mem, Clock *clock) { return vga_new_mem(bus, mem, clock, 0); }

void vga_free(Vga *v) {
  if (!v)
    return;
  free(v->lfb);
  free(v->lfb_dirty);
  free(v->restore_lfb);
  free(v->scratch);
  free(v);
}

#define LFB_CHUNK_VERSION 1

static int lfb_save(void *opaque, SaveWriter *w) {
  Vga *v = opaque;
  if (save_writer_light(w))
    return 0; /* the caller keeps the video memory itself */
  /* Video memory, zlib-compressed: u32 size, then the deflate stream. */
  uLongf clen = compressBound(v->lfb_size);
  uint8_t *buf = malloc(clen + 4);
  if (!buf || compress2(buf + 4, &clen, v->lfb, v->lfb_size, 1) != Z_OK) {
    free(buf);
    return -1;
  }
  for (int i = 0; i < 4; i++)
    buf[i] = (uint8_t)(v->lfb_size >> (8 * i));
  int rc = save_put_chunk(w, "vga-lfb", LFB_CHUNK_VERSION, 0, buf, clen + 4);
  free(buf);
  return rc;
}

/* What the table's bounds cannot say: the DAC state is one of two, the
 * DISPI registers describe a mode that fits this machine's video memory
 * (live->lfb_size, not saved), and 6-bit DAC entries are 6-bit. */
static int vga_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Vga *s = saved;
  uint32_t lfb_size = ((const Vga *)live)->lfb_size;
  if (s->dac_state != 0 && s->dac_state != 3)
    return save_reject_field(r, chunk, "dac_state", s->dac_state, "is neither 0 nor 3");
  uint16_t id = s->vbe[VBE_DISPI_ID];
  if (id < 0xb0c0 || id > VBE_DISPI_ID5)
    return save_reject_field(r, chunk, "vbe[0]", id, "is not a DISPI ID");
  uint16_t xres = s->vbe[VBE_DISPI_XRES], yres = s->vbe[VBE_DISPI_YRES];
  if (xres < 8 || xres > VBE_DISPI_MAX_XRES || xres % 8)
    return save_reject_field(r, chunk, "vbe[1]", xres, "is not a DISPI width");
  if (yres < 1 || yres > VBE_DISPI_MAX_YRES)
    return save_reject_field(r, chunk, "vbe[2]", yres, "is not a DISPI height");
  if (!vbe_bpp_valid(s->vbe[VBE_DISPI_BPP]))
    return save_reject_field(r, chunk, "vbe[3]", s->vbe[VBE_DISPI_BPP], "is not a DISPI depth");
  uint16_t en = s->vbe[VBE_DISPI_ENABLE];
  if (en & ~(VBE_DISPI_ENABLED | VBE_DISPI_GETCAPS | VBE_DISPI_8BIT_DAC | VBE_DISPI_LFB_ENABLED |
             VBE_DISPI_NOCLEARMEM))
    return save_reject_field(r, chunk, "vbe[4]", en, "has unknown DISPI enable bits");
  if ((uint32_t)s->vbe[VBE_DISPI_BANK] >= lfb_size >> 16)
    return save_reject_field(r, chunk, "vbe[5]", s->vbe[VBE_DISPI_BANK],
                             "is a bank beyond the %u MiB of video memory", lfb_size >> 20);
  if (!(en & VBE_DISPI_8BIT_DAC))
    for (int i = 0; i < 768; i++)
      if (s->dac[i] > 0x3f) {
        char f[16];
        snprintf(f, sizeof(f), "dac[%d]", i);
        return save_reject_field(r, chunk, f, s->dac[i], "exceeds a 6-bit DAC entry");
      }
  if (en & VBE_DISPI_ENABLED) {
    Vga t = {.lfb_size = lfb_size};
    memcpy(t.vbe, s->vbe, sizeof(t.vbe));
    if (!vbe_frame_fits(&t, s->vbe[VBE_DISPI_VIRT_WIDTH], s->vbe[VBE_DISPI_X_OFFSET],
                        s->vbe[VBE_DISPI_Y_OFFSET]))
      return save_reject_field(r, chunk, "vbe[6]", s->vbe[VBE_DISPI_VIRT_WIDTH],
                               "(virtual width) or the display start puts the frame outside "
                               "video memory");
    vbe_set_virt_height(&t);
    if (t.vbe[VBE_DISPI_VIRT_HEIGHT] != s->vbe[VBE_DISPI_VIRT_HEIGHT])
      return save_reject_field(r, chunk, "vbe[7]", s->vbe[VBE_DISPI_VIRT_HEIGHT],
                               "(virtual height) inconsistent, expected %#x",
                               t.vbe[VBE_DISPI_VIRT_HEIGHT]);
  }
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(vga_table, Vga, VGA_FIELDS, VGA_VERSION, vga_valid)

/* The video memory's size must be this machine's (checked before the
 * registers, which are checked against it); the image is decoded here and
 * kept until lfb_load. */
static int lfb_check(void *opaque, SaveReader *r) {
  Vga *v = opaque;
  const void *data;
  size_t len;
  if (save_reader_light(r))
    return 0; /* the video memory stays (its owner restores it) */
  if (save_get_chunk(r, "vga-lfb", LFB_CHUNK_VERSION, &data, &len) < 0)
    return -1;
  const uint8_t *d = data;
  uint32_t size = len >= 4 ? (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                                 (uint32_t)d[3] << 24 : 0;
  if (size != v->lfb_size)
    return save_reject(r, "snapshot 'vga-lfb': video memory is %u MiB in the snapshot, %u MiB here "
                       "(--vga-mem)", size >> 20, v->lfb_size >> 20);
  free(v->restore_lfb);
  v->restore_lfb = malloc(v->lfb_size);
  uLongf out = v->lfb_size;
  if (!v->restore_lfb || uncompress(v->restore_lfb, &out, d + 4, (uLong)(len - 4)) != Z_OK ||
      out != v->lfb_size) {
    free(v->restore_lfb);
    v->restore_lfb = NULL;
    return save_reject(r, "snapshot 'vga-lfb': corrupt video memory image");
  }
  return 0;
}

static void lfb_load(void *opaque, SaveReader *r) {
  Vga *v = opaque;
  (void)r;
  if (v->restore_lfb) { /* else light: the video memory stays */
    memcpy(v->lfb, v->restore_lfb, v->lfb_size);
    v->lfb_pristine = false;
    free(v->restore_lfb);
    v->restore_lfb = NULL;
    memset(v->lfb_dirty, 1, v->lfb_size >> 12);
  }
  v->vram_written = true;
  v->gen++;
  v->frame_valid = false;
}

static const DeviceRaw lfb_raw = {lfb_save, lfb_check, lfb_load};

/* ---- built-in font ---- */

#include "vga_font.h"

const uint8_t *vga_builtin_font(void) { return vga_font_8x16; }
