/*
 * vga.c — IBM VGA registers, planar memory and screen rendering (see vga.h).
 */
#include "vga.h"

#include <stdlib.h>
#include <string.h>

#include "png.h"

SAVE_TABLE_DEFINE(vga_table, Vga, VGA_FIELDS, VGA_VERSION)

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

static void load_latches(Vga *v, uint32_t poff) {
  for (int p = 0; p < 4; p++)
    v->latch[p] = v->vram[p * VGA_PLANE_SIZE + poff];
}

uint8_t vga_mem_read(Vga *v, uint32_t off) {
  uint32_t addr;
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
  load_latches(v, poff);
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

static uint8_t alu(int func, uint8_t d, uint8_t latch) {
  switch (func) {
  case 1: return d & latch;
  case 2: return d | latch;
  case 3: return d ^ latch;
  default: return d;
  }
}

void vga_mem_write(Vga *v, uint32_t off, uint8_t val) {
  uint32_t addr;
  if (!map_window(v, off, &addr))
    return;
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
    case 1: v->vram[p * VGA_PLANE_SIZE + poff] = latch; continue;
    case 2: d = (val >> p & 1) ? 0xff : 0x00; break;
    default: d = sr; break;
    }
    d = alu(func, d, latch);
    d = (uint8_t)((d & mask) | (latch & ~mask));
    v->vram[p * VGA_PLANE_SIZE + poff] = d;
  }
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
    v->dac_latch[v->dac_sub] = val & 0x3f;
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

bool vga_is_text_mode(const Vga *v) { return !(v->attr[AC_MODE] & 0x01); }

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

static uint32_t dac_rgb(const Vga *v, uint8_t index) {
  index &= v->pel_mask;
  const uint8_t *e = v->dac + index * 3;
  uint32_t r = (uint32_t)(e[0] << 2 | e[0] >> 4);
  uint32_t g = (uint32_t)(e[1] << 2 | e[1] >> 4);
  uint32_t b = (uint32_t)(e[2] << 2 | e[2] >> 4);
  return r << 16 | g << 8 | b;
}

/* 4-bit colour through the attribute palette and colour select to the DAC. */
static uint32_t attr_rgb(const Vga *v, uint8_t c) {
  uint8_t p = v->attr[c & 0x0f] & 0x3f;
  if (v->attr[AC_MODE] & 0x80)
    p = (uint8_t)((p & 0x0f) | ((v->attr[AC_COLSEL] & 0x03) << 4));
  p = (uint8_t)(p | ((v->attr[AC_COLSEL] & 0x0c) << 4));
  return dac_rgb(v, p);
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

static void render_text(const Vga *v, uint32_t *rgb, int *pw, int *ph) {
  int cols, rows;
  vga_text_size(v, &cols, &rows);
  int cw = (v->seq[SEQ_CLOCK] & 1) ? 8 : 9;
  int chh = char_height(v);
  if (cols * cw > VGA_MAX_WIDTH)
    cols = VGA_MAX_WIDTH / cw;
  if (rows * chh > VGA_MAX_HEIGHT)
    rows = VGA_MAX_HEIGHT / chh;
  int w = cols * cw, h = rows * chh;
  uint8_t cs = v->seq[SEQ_CHARMAP];
  uint32_t base_a = charmap_base((uint8_t)(((cs >> 5) & 1) << 2 | ((cs >> 2) & 3)));
  uint32_t base_b = charmap_base((uint8_t)(((cs >> 4) & 1) << 2 | (cs & 3)));
  bool empty_a = font_empty(v, base_a);
  bool empty_b = base_b == base_a ? empty_a : font_empty(v, base_b);
  const uint8_t *builtin = vga_builtin_font();
  bool blink = v->attr[AC_MODE] & 0x08;
  bool lge = v->attr[AC_MODE] & 0x04;
  uint32_t cursor = (uint32_t)v->crtc[CR_CUR_HI] << 8 | v->crtc[CR_CUR_LO];
  bool cursor_on = !(v->crtc[CR_CUR_START] & 0x20);
  int cur_s = v->crtc[CR_CUR_START] & 0x1f, cur_e = v->crtc[CR_CUR_END] & 0x1f;
  uint32_t stride = (uint32_t)v->crtc[CR_OFFSET] * 2;
  for (int r = 0; r < rows; r++) {
    for (int c = 0; c < cols; c++) {
      uint8_t at;
      uint8_t ch = text_cell(v, c, r, &at);
      uint8_t fg = at & 0x0f, bg = at >> 4;
      if (blink)
        bg &= 7;
      uint32_t fgc = attr_rgb(v, fg), bgc = attr_rgb(v, bg);
      bool use_b = !(at & 0x08) && base_a != base_b; /* attribute bit 3 picks map A */
      uint32_t fbase = use_b ? base_b : base_a;
      bool empty = use_b ? empty_b : empty_a;
      uint32_t ctr = start_address(v) + (uint32_t)r * stride + (uint32_t)c;
      bool is_cursor = cursor_on && ctr == cursor;
      for (int y = 0; y < chh; y++) {
        uint8_t bits;
        if (empty)
          bits = y < 16 ? builtin[ch * 16 + y] : 0;
        else
          bits = v->vram[2 * VGA_PLANE_SIZE + ((fbase + ch * 32u + (uint32_t)y) & 0xffff)];
        if (is_cursor && y >= cur_s && y <= cur_e)
          bits = 0xff;
        uint32_t *row = rgb + (size_t)(r * chh + y) * (size_t)w + (size_t)(c * cw);
        for (int x = 0; x < 8; x++)
          row[x] = (bits >> (7 - x) & 1) ? fgc : bgc;
        if (cw == 9)
          row[8] = (lge && ch >= 0xc0 && ch <= 0xdf && (bits & 1)) || (is_cursor && bits == 0xff &&
                   y >= cur_s && y <= cur_e) ? fgc : bgc;
      }
    }
  }
  *pw = w;
  *ph = h;
}

/* Graphics modes: 256-colour (attribute mode bit 6), CGA 4-colour (GC mode
 * bit 5, shift register interleave) and 16-colour planar (including the
 * 2-colour CGA mode).  With CRTC mode bit 0 clear (CGA addressing), the
 * row scan counter's bit 0 selects the odd 8 KiB bank, so each scan line of
 * a character row is its own pixel line. */
static void render_graphics(const Vga *v, uint32_t *rgb, int *pw, int *ph) {
  bool c256 = v->attr[AC_MODE] & 0x40;
  bool cga4 = !c256 && (v->gc[GC_MODE] & 0x20);
  bool cga_banks = !(v->crtc[CR_MODE] & 0x01);
  int lines = vertical_display_end(v);
  if (v->crtc[CR_MAXSCAN] & 0x80)
    lines /= 2;
  int scans = (v->crtc[CR_MAXSCAN] & 0x1f) + 1; /* scan lines per character row */
  int h = cga_banks ? lines : lines / scans;
  int w = (v->crtc[CR_HDE] + 1) * 8;
  if (c256)
    w /= 2;
  if (w > VGA_MAX_WIDTH)
    w = VGA_MAX_WIDTH;
  if (h > VGA_MAX_HEIGHT)
    h = VGA_MAX_HEIGHT;
  if (h < 1)
    h = 1;
  int shift = addr_shift(v);
  uint32_t stride = (uint32_t)v->crtc[CR_OFFSET] * 2;
  uint8_t plane_en = v->attr[AC_PLANE_EN] & 0x0f;
  for (int y = 0; y < h; y++) {
    int crow = cga_banks ? y / scans : y;
    uint32_t bank = cga_banks ? (uint32_t)(y % scans & 1) << 13 : 0;
    uint32_t line = start_address(v) + (uint32_t)crow * stride;
    uint32_t *row = rgb + (size_t)y * (size_t)w;
    for (int x = 0; x < w; x++) {
      uint32_t unit = c256 ? (uint32_t)x / 4 : (uint32_t)x / 8;
      uint32_t off = (((line + unit) << shift) | bank) & (VGA_PLANE_SIZE - 1);
      if (c256) {
        row[x] = dac_rgb(v, v->vram[(x & 3) * VGA_PLANE_SIZE + off]);
      } else if (cga4) { /* 2 bits per pixel: 4 pixels from plane 0, then 4 from plane 1 */
        uint8_t b = v->vram[((x >> 2) & 1) * VGA_PLANE_SIZE + off];
        row[x] = attr_rgb(v, (uint8_t)((b >> (6 - 2 * (x & 3))) & 3));
      } else {
        int bit = 7 - (x & 7);
        uint8_t c = 0;
        for (int p = 0; p < 4; p++)
          c |= (uint8_t)(((v->vram[p * VGA_PLANE_SIZE + off] >> bit) & 1) << p);
        row[x] = attr_rgb(v, c & plane_en);
      }
    }
  }
  *pw = w;
  *ph = h;
}

void vga_render(Vga *v, uint32_t *rgb, int *w, int *h) {
  if (vga_is_text_mode(v))
    render_text(v, rgb, w, h);
  else
    render_graphics(v, rgb, w, h);
}

int vga_screenshot_png(Vga *v, const char *path, char *err, size_t errlen) {
  uint32_t *rgb = malloc(sizeof(uint32_t) * VGA_MAX_WIDTH * VGA_MAX_HEIGHT);
  if (!rgb) {
    if (err)
      snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  int w, h;
  vga_render(v, rgb, &w, &h);
  int r = png_write_rgb(path, rgb, w, h, err, errlen);
  free(rgb);
  return r;
}

/* ---- construction and save state ---- */

Vga *vga_new(IoBus *bus, Mem *mem, Clock *clock) {
  Vga *v = calloc(1, sizeof(*v));
  if (!v)
    return NULL;
  v->mem = mem;
  v->clock = clock;
  vga_reset(v);
  if (bus) {
    if (iobus_register_ex(bus, 0x3b4, 2, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3ba, 1, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3c0, 16, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3d4, 2, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT) ||
        iobus_register_ex(bus, 0x3da, 1, vga_io_read, vga_io_write, v, "vga", IOBUS_8BIT)) {
      free(v);
      return NULL;
    }
  }
  if (mem && mem_map_mmio(mem, 0xa0000, 0x20000, vga_mmio_read, vga_mmio_write, v, "vga") != 0) {
    free(v);
    return NULL;
  }
  return v;
}

void vga_free(Vga *v) { free(v); }

int vga_save(void *opaque, SaveWriter *w) { return save_put_table(w, "vga", vga_table(), opaque); }
int vga_check(void *opaque, SaveReader *r) { return save_check_table(r, "vga", vga_table()); }
int vga_load(void *opaque, SaveReader *r) { return save_get_table(r, "vga", vga_table(), opaque); }

/* ---- built-in font ----
 * ASCII 20h-7Eh drawn for this project on a 5x8 grid ('#' = ink; the last
 * row is for descenders), scaled to 8x16 (columns 1-5, each row doubled).
 * Box-drawing codes B3h-DAh are drawn from a segment table, blocks and
 * shades from rules; every other code is an outlined box. */
static const char font_art[95][41] = {
    "........................................", /*   */
    "..#....#....#....#....#.........#.......", /* ! */
    ".#.#..#.#...............................", /* " */
    ".#.#..#.#.#####.#.#.#####.#.#..#.#......", /* # */
    "..#...#####.#...###...#.#####...#.......", /* $ */
    "##..###..#...#...#...#...#..###..##.....", /* % */
    ".##..#..#.#.#...#...#.#.##..#..##.#.....", /* & */
    "..#....#...#............................", /* ' */
    "...#...#...#....#....#.....#.....#......", /* ( */
    ".#.....#.....#....#....#...#...#........", /* ) */
    ".......#..#.#.#.###.#.#.#..#............", /* * */
    ".......#....#..#####..#....#............", /* + */
    "...........................#....#...#...", /* , */
    "...............#####....................", /* - */
    "..........................##...##.......", /* . */
    "....#....#...#...#...#...#....#.........", /* / */
    ".###.#...##..###.#.###..##...#.###......", /* 0 */
    "..#...##....#....#....#....#...###......", /* 1 */
    ".###.#...#....#...#...#...#...#####.....", /* 2 */
    "#####...#...#.....#.....##...#.###......", /* 3 */
    "...#...##..#.#.#..#.#####...#....#......", /* 4 */
    "######....####.....#....##...#.###......", /* 5 */
    "..##..#...#....####.#...##...#.###......", /* 6 */
    "#####....#...#...#...#....#....#........", /* 7 */
    ".###.#...##...#.###.#...##...#.###......", /* 8 */
    ".###.#...##...#.####....#...#..##.......", /* 9 */
    "......##...##........##...##............", /* : */
    "......##...##........##...##....#...#...", /* ; */
    "...#...#...#...#.....#.....#.....#......", /* < */
    "..........#####.....#####...............", /* = */
    ".#.....#.....#.....#...#...#...#........", /* > */
    ".###.#...#....#...#...#.........#.......", /* ? */
    ".###.#...#....#.##.##.#.##.#.#.###......", /* @ */
    ".###.#...##...#######...##...##...#.....", /* A */
    "####.#...##...#####.#...##...#####......", /* B */
    ".###.#...##....#....#....#...#.###......", /* C */
    "###..#..#.#...##...##...##..#.###.......", /* D */
    "######....#....####.#....#....#####.....", /* E */
    "######....#....####.#....#....#.........", /* F */
    ".###.#...##....#.####...##...#.####.....", /* G */
    "#...##...##...#######...##...##...#.....", /* H */
    ".###...#....#....#....#....#...###......", /* I */
    "..###...#....#....#....#.#..#..##.......", /* J */
    "#...##..#.#.#..##...#.#..#..#.#...#.....", /* K */
    "#....#....#....#....#....#....#####.....", /* L */
    "#...###.###.#.##.#.##...##...##...#.....", /* M */
    "#...##...###..##.#.##..###...##...#.....", /* N */
    ".###.#...##...##...##...##...#.###......", /* O */
    "####.#...##...#####.#....#....#.........", /* P */
    ".###.#...##...##...##.#.##..#..##.#.....", /* Q */
    "####.#...##...#####.#.#..#..#.#...#.....", /* R */
    ".#####....#.....###.....#....#####......", /* S */
    "#####..#....#....#....#....#....#.......", /* T */
    "#...##...##...##...##...##...#.###......", /* U */
    "#...##...##...##...##...#.#.#...#.......", /* V */
    "#...##...##...##.#.##.#.##.#.#.#.#......", /* W */
    "#...##...#.#.#...#...#.#.#...##...#.....", /* X */
    "#...##...#.#.#...#....#....#....#.......", /* Y */
    "#####....#...#...#...#...#....#####.....", /* Z */
    ".###..#....#....#....#....#....###......", /* [ */
    "#....#.....#.....#.....#.....#....#.....", /* backslash */
    ".###....#....#....#....#....#..###......", /* ] */
    "..#...#.#.#...#.........................", /* ^ */
    "...................................#####", /* _ */
    ".#.....#.....#..........................", /* ` */
    "...........###.....#.#####...#.####.....", /* a */
    "#....#....#.##.##..##...##...#####......", /* b */
    "...........###.#....#....#...#.###......", /* c */
    "....#....#.##.##..###...##...#.####.....", /* d */
    "...........###.#...#######.....###......", /* e */
    "..##..#..#.#...###...#....#....#........", /* f */
    "...........#####...##...#.####....#.###.", /* g */
    "#....#....#.##.##..##...##...##...#.....", /* h */
    "..#........##....#....#....#...###......", /* i */
    "...#........##....#....#....#.#..#..##..", /* j */
    "#....#....#..#.#.#..##...#.#..#..#......", /* k */
    ".##....#....#....#....#....#...###......", /* l */
    "..........##.#.#.#.##.#.##...##...#.....", /* m */
    "..........#.##.##..##...##...##...#.....", /* n */
    "...........###.#...##...##...#.###......", /* o */
    "..........####.#...##...#####.#....#....", /* p */
    "...........#####...##...#.####....#....#", /* q */
    "..........#.##.##..##....#....#.........", /* r */
    "...........#####.....###.....#####......", /* s */
    ".#....#...###...#....#....#..#..##......", /* t */
    "..........#...##...##...##..##.##.#.....", /* u */
    "..........#...##...##...#.#.#...#.......", /* v */
    "..........#...##...##.#.##.#.#.#.#......", /* w */
    "..........#...#.#.#...#...#.#.#...#.....", /* x */
    "..........#...##...##...#.####....#.###.", /* y */
    "..........#####...#...#...#...#####.....", /* z */
    "...#...#....#...#.....#....#.....#......", /* { */
    "..#....#....#....#....#....#....#.......", /* | */
    ".#.....#....#.....#...#....#...#........", /* } */
    "...........#...#.#.#...#................", /* ~ */
};

/* Box drawing B3h-DAh: up, down, left, right (0 none, 1 single, 2 double). */
static const uint8_t box_segments[40][4] = {
    {1, 1, 0, 0}, {1, 1, 1, 0}, {1, 1, 2, 0}, {2, 2, 1, 0}, {0, 2, 1, 0}, {0, 1, 2, 0},
    {2, 2, 2, 0}, {2, 2, 0, 0}, {0, 2, 2, 0}, {2, 0, 2, 0}, {2, 0, 1, 0}, {1, 0, 2, 0},
    {0, 1, 1, 0}, {1, 0, 0, 1}, {1, 0, 1, 1}, {0, 1, 1, 1}, {1, 1, 0, 1}, {0, 0, 1, 1},
    {1, 1, 1, 1}, {1, 1, 0, 2}, {2, 2, 0, 1}, {2, 0, 0, 2}, {0, 2, 0, 2}, {2, 0, 2, 2},
    {0, 2, 2, 2}, {2, 2, 0, 2}, {0, 0, 2, 2}, {2, 2, 2, 2}, {1, 0, 2, 2}, {2, 0, 1, 1},
    {0, 1, 2, 2}, {0, 2, 1, 1}, {2, 0, 0, 1}, {1, 0, 0, 2}, {0, 1, 0, 2}, {0, 2, 0, 1},
    {2, 2, 1, 1}, {1, 1, 2, 2}, {1, 0, 1, 0}, {0, 1, 0, 1},
};

static uint8_t builtin_font[256 * 16];
static bool builtin_font_ready;

static void draw_box_glyph(uint8_t *g, const uint8_t seg[4]) {
  /* Vertical strokes at column 3 (single) or 2 and 4 (double); horizontal
   * at row 7 (single) or rows 6 and 8 (double). */
  for (int y = 0; y < 16; y++) {
    int s = y <= 7 ? seg[0] : 0;
    int s2 = y >= 7 ? seg[1] : 0;
    int k = s > s2 ? s : s2;
    if (k == 1)
      g[y] |= 0x10;
    else if (k == 2)
      g[y] |= 0x28;
  }
  for (int side = 0; side < 2; side++) {
    int k = seg[2 + side];
    uint8_t bits = side == 0 ? 0xf0 : 0x1f; /* columns 0-3 or 3-7 */
    if (k == 1)
      g[7] |= bits;
    else if (k == 2) {
      g[6] |= bits;
      g[8] |= bits;
    }
  }
}

const uint8_t *vga_builtin_font(void) {
  if (builtin_font_ready)
    return builtin_font;
  for (int c = 0; c < 256; c++) {
    uint8_t *g = builtin_font + c * 16;
    memset(g, 0, 16);
    if (c >= 0x20 && c <= 0x7e) {
      const char *art = font_art[c - 0x20];
      for (int r = 0; r < 8; r++) {
        uint8_t bits = 0;
        for (int x = 0; x < 5; x++)
          if (art[r * 5 + x] == '#')
            bits |= (uint8_t)(0x40 >> x);
        g[2 * r] = g[2 * r + 1] = bits;
      }
    } else if (c >= 0xb3 && c <= 0xda) {
      draw_box_glyph(g, box_segments[c - 0xb3]);
    } else if (c >= 0xb0 && c <= 0xb2) { /* shades */
      for (int y = 0; y < 16; y++)
        g[y] = c == 0xb0 ? (y & 1 ? 0x22 : 0x88) : c == 0xb1 ? (y & 1 ? 0x55 : 0xaa)
                                                            : (y & 1 ? 0xdd : 0x77);
    } else if (c == 0xdb) {
      memset(g, 0xff, 16);
    } else if (c == 0xdc) {
      memset(g + 8, 0xff, 8);
    } else if (c == 0xdf) {
      memset(g, 0xff, 8);
    } else if (c == 0xdd || c == 0xde) {
      memset(g, c == 0xdd ? 0xf0 : 0x0f, 16);
    } else if (c != 0 && c != 0xff) { /* outlined box for everything else */
      g[2] = g[13] = 0x7e;
      for (int y = 3; y < 13; y++)
        g[y] = 0x42;
    }
  }
  builtin_font_ready = true;
  return builtin_font;
}
