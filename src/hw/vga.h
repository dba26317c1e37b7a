/*
 * vga.h — IBM VGA: sequencer, CRT controller, graphics controller,
 * attribute controller, DAC, and 256 KiB of planar memory (4 planes of
 * 64 KiB) seen by the CPU at A0000h-BFFFFh through the graphics
 * controller's memory map, odd/even and chain-4 addressing and write modes
 * 0-3 / read modes 0-1.
 *
 * Ports: 3B4/3B5/3BA (mono, active when misc output bit 0 is clear),
 * 3C0-3CF, 3D4/3D5/3DA (colour).  Input status 1 derives retrace from the
 * virtual clock (70 Hz frames) when a Clock is given.
 *
 * Power-on state: the registers of text mode 03h and the built-in 8x16
 * font in plane 2, as if a video BIOS had run, so firmware without a video
 * ROM (and a kernel writing B8000h directly) shows text.  A guest that
 * loads its own font into plane 2 gets that font in screenshots; when the
 * selected font area of plane 2 is all zeros the built-in font is used, so a
 * BIOS that returns to text mode after a graphics mode (which overwrites
 * plane 2) should either load a font there or clear those 8 KiB.
 *
 * Bochs VBE ("DISPI") extension: index port 1CEh, data 1CFh (and 1D0h),
 * registers ID (B0C0h-B0C5h), XRES, YRES, BPP (4/8/15/16/24/32; 4 is
 * planar: four planes, each a quarter of video memory, reached through the
 * bank window with the sequencer map mask, the graphics controller's write
 * and read modes and latches, shown through the attribute palette), ENABLE
 * (bit 0 on, 1 GETCAPS, 5 8-bit DAC, 6 LFB, 7 keep memory; else the
 * frame is cleared), BANK,
 * VIRT_WIDTH, VIRT_HEIGHT (read-only, from the memory size), X/Y_OFFSET,
 * VIDEO_MEMORY_64K.  Video memory (--vga-mem, default 16 MiB) is a linear
 * framebuffer at VGA_LFB_ADDR (E0000000h, the ISA Bochs/QEMU address) and,
 * while VBE is on, a 64 KiB bank at A0000h.  The LFB is device RAM in the
 * memory map (mem.h): the TLB gets direct pointers, and pages written are
 * flagged in a dirty map for the renderer.
 *
 * For the machine: vga_text_dump() writes the current text screen as
 * UTF-8 (CP437 mapped); vga_render() draws the current mode to 0x00RRGGBB
 * pixels: text (8/9-dot cells with the line-graphics rule, both character
 * maps of a plane 2 font, blink and cursor phases from the virtual clock,
 * cursor shape), CGA 4- and 2-colour, planar 16-colour, 256-colour chained
 * or unchained (mode X), sizes from the CRTC, split screen (line compare)
 * and pixel panning in graphics modes, the 6- or 8-bit DAC, and the VBE
 * modes with virtual width and display start (no text-mode panning, no
 * underline); vga_render_dirty() updates the caller's last frame and reports what
 * changed; vga_screenshot_png() saves a frame as a PNG file.
 * Reference: IBM VGA Technical Reference; FreeVGA register descriptions;
 * Bochs vbe.txt (DISPI interface).
 */
#ifndef X86VM_VGA_H
#define X86VM_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "mem.h"
#include "savestate.h"

#define VGA_PLANE_SIZE 65536u
#define VGA_VRAM_SIZE (4 * VGA_PLANE_SIZE)
#define VGA_MAX_WIDTH 2560  /* vga_render never produces more (VBE maximum) */
#define VGA_MAX_HEIGHT 1600
#define VGA_LFB_ADDR 0xe0000000u  /* physical address of the linear framebuffer */
#define VGA_MEM_DEFAULT_MIB 16    /* video memory (LFB) size */
#define VGA_MEM_MAX_MIB 256

/* DISPI register indices (port 1CEh) and values. */
enum {
  VBE_DISPI_ID, VBE_DISPI_XRES, VBE_DISPI_YRES, VBE_DISPI_BPP, VBE_DISPI_ENABLE,
  VBE_DISPI_BANK, VBE_DISPI_VIRT_WIDTH, VBE_DISPI_VIRT_HEIGHT, VBE_DISPI_X_OFFSET,
  VBE_DISPI_Y_OFFSET, VBE_DISPI_NREGS, VBE_DISPI_VIDEO_MEMORY_64K = VBE_DISPI_NREGS
};
#define VBE_DISPI_ID5 0xb0c5
#define VBE_DISPI_ENABLED 0x01
#define VBE_DISPI_GETCAPS 0x02
#define VBE_DISPI_8BIT_DAC 0x20
#define VBE_DISPI_LFB_ENABLED 0x40
#define VBE_DISPI_NOCLEARMEM 0x80
#define VBE_DISPI_MAX_XRES 2560
#define VBE_DISPI_MAX_YRES 1600
#define VBE_DISPI_MAX_BPP 32

#define VGA_FIELDS(F, A, S, FR, AR)                                           \
  F(uint8_t, misc)          /* miscellaneous output register */               \
  F(uint8_t, feature)       /* feature control */                             \
  F(uint8_t, enable)        /* video subsystem enable (3C3) */                \
  FR(uint8_t, seq_index, 0, 7) /* sequencer index */                          \
  A(uint8_t, seq, 8)        /* sequencer registers 0-4 (5-7 spare) */         \
  FR(uint8_t, crtc_index, 0, 0x1f) /* CRT controller index */                 \
  A(uint8_t, crtc, 32)      /* CRTC registers 00h-18h */                      \
  FR(uint8_t, gc_index, 0, 0x0f) /* graphics controller index */              \
  A(uint8_t, gc, 16)        /* graphics controller registers 0-8 */           \
  FR(uint8_t, attr_index, 0, 0x3f) /* attribute index (bit 5: palette address source) */ \
  F(bool, attr_flipflop)    /* false: next 3C0 write is an index */           \
  A(uint8_t, attr, 32)      /* attribute registers 00h-14h */                 \
  F(uint8_t, pel_mask)      /* DAC pixel mask (3C6) */                        \
  FR(uint8_t, dac_read_index, 0, 255) /* next entry read through 3C9 (any: 256 entries) */ \
  FR(uint8_t, dac_write_index, 0, 255) /* next entry written through 3C9 (any) */ \
  FR(uint8_t, dac_sub, 0, 2) /* component (0-2) of the current 3C9 access */  \
  FR(uint8_t, dac_state, 0, 3) /* 0: write mode, 3: read mode (3C7 read) */   \
  A(uint8_t, dac_latch, 3)  /* components written so far */                   \
  A(uint8_t, dac, 768)      /* 256 x (R, G, B), 6 bits each */                \
  A(uint8_t, latch, 4)      /* graphics controller latches */                 \
  FR(uint32_t, reads_3da, 0, UINT32_MAX) /* input status reads (retrace without clock) */ \
  A(uint8_t, vram, VGA_VRAM_SIZE) /* plane p at p * 64 KiB */                 \
  FR(uint16_t, vbe_index, 0, UINT16_MAX) /* DISPI index (1CEh; reads check it) */ \
  A(uint16_t, vbe, VBE_DISPI_NREGS) /* DISPI registers ID..Y_OFFSET */

/* A rectangle of the rendered frame. */
typedef struct VgaRect { int x, y, w, h; } VgaRect;

typedef struct Vga {
  SAVE_DECLARE(VGA_FIELDS)
  Mem *mem;                 /* guest memory (MMIO region owner) */
  Clock *clock;             /* virtual time for retrace and blink, may be NULL */
  uint8_t *lfb;             /* video memory for VBE modes (lfb_size bytes) */
  uint32_t lfb_size;        /* bytes, multiple of 64 KiB */
  uint8_t *lfb_dirty;       /* per 4 KiB page: written since the last vga_render_dirty */
  uint8_t *restore_lfb;     /* LFB decoded by vga_check, applied by vga_load */
  bool lfb_pristine;        /* lfb was zero at creation and lfb_dirty lists every page
                               written since: reset clears only those */
  /* vga_render_dirty's state. */
  uint32_t *scratch;        /* one line being compared */
  int frame_w, frame_h, frame_kind;
  bool frame_valid;         /* the caller's pixels hold the last frame (frame_w x frame_h) */
  bool vram_written;        /* planar memory written since the last frame */
  uint32_t gen, frame_gen;  /* bumped by register and palette writes */
  int frame_phase;          /* blink/cursor phase of the last frame */
  int lfb_region;           /* the LFB's region in mem (mem_region_move), -1 without mem */
  Device dev;               /* "vga", and the raw chunk "vga-lfb" */
} Vga;
#define VGA_VERSION 2  /* 2: DISPI registers, 8-bit DAC */

const SaveTable *vga_table(void);

/* Create the VGA, register its ports and map A0000h-BFFFFh and the LFB
 * (bus, mem and clock may each be NULL for tests), with VGA_MEM_DEFAULT_MIB
 * or mem_mib (1..VGA_MEM_MAX_MIB) MiB of video memory. NULL on failure. */
Vga *vga_new(IoBus *bus, Mem *mem, Clock *clock);
Vga *vga_new_mem(IoBus *bus, Mem *mem, Clock *clock, uint32_t mem_mib);
/* Move the linear framebuffer to base, or unmap it (on false): a PCI BAR
 * (vga_pci.h) decides where it is.  Its contents stay. */
void vga_set_lfb_base(Vga *v, uint32_t base, bool on);
void vga_free(Vga *vga);

/* Port and memory access (what the bus and MMIO callbacks call). */
uint8_t vga_ioport_read(Vga *vga, uint16_t port);
void vga_ioport_write(Vga *vga, uint16_t port, uint8_t value);
uint8_t vga_mem_read(Vga *vga, uint32_t offset);   /* offset from A0000h */
void vga_mem_write(Vga *vga, uint32_t offset, uint8_t value);

/* True when a VBE mode is on (DISPI ENABLE bit 0). */
bool vga_vbe_enabled(const Vga *vga);
/* True when the attribute controller is in a text (alphanumeric) mode and VBE is off. */
bool vga_is_text_mode(const Vga *vga);
/* Text geometry of the current mode. */
void vga_text_size(const Vga *vga, int *cols, int *rows);
/* Write the text screen, one line per row, trailing spaces trimmed, CP437
 * mapped to UTF-8. Returns 0, or -1 (writing nothing) in a graphics mode. */
int vga_text_dump(Vga *vga, FILE *out);
/* Same into a malloc'd NUL-terminated string (caller frees), NULL if graphics. */
char *vga_text_dump_string(Vga *vga);
/* Size in pixels of the current screen (at most VGA_MAX_WIDTH x VGA_MAX_HEIGHT). */
void vga_render_size(const Vga *vga, int *w, int *h);
/* Draw the current screen into rgb (room for vga_render_size's w * h, or
 * VGA_MAX_WIDTH * VGA_MAX_HEIGHT pixels, 0x00RRGGBB, rows packed) and set
 * *w / *h. Changes no state. */
void vga_render(Vga *vga, uint32_t *rgb, int *w, int *h);
/* For a front end that redraws only what changed: bring pixels (row stride
 * in pixels, room for the current size; the same buffer as the last call)
 * up to date and set *w / *h.  Returns true with *dirty the bounding
 * rectangle of the pixels that changed since the last call (the whole frame
 * on the first call, after vga_render_invalidate() and when the size or mode
 * kind changes), false when nothing changed.  VBE modes render only the
 * lines under written LFB pages unless a register or the palette changed;
 * VGA modes are redrawn and compared once anything that can show (planar
 * memory, registers, palette, blink/cursor phase) changed.  Call it on the
 * machine's thread between CPU slices: it re-arms the LFB dirty tracking,
 * which drops the CPU's write pointers (mem_rearm_dirty). */
/* Whether the guest wrote video memory, a register or the palette since
 * the last vga_render_dirty (cheap: no rendering). */
bool vga_touched(const Vga *vga);
/* Virtual time at which the text cursor or blinking characters next change
 * phase (a picture change without any guest write), or CLOCK_NEVER. */
uint64_t vga_next_blink_ns(const Vga *vga);
bool vga_render_dirty(Vga *vga, uint32_t *pixels, int stride, int *w, int *h, VgaRect *dirty);
/* The same with up to max (>= 1) rectangles: bands of adjacent changed
 * lines, each as wide as its changes (past max, lines join the last band).
 * Returns how many, 0 when nothing changed, -1 if max < 1. */
int vga_render_dirty_rects(Vga *vga, uint32_t *pixels, int stride, int *w, int *h, VgaRect *rects,
                           int max);
/* The next vga_render_dirty redraws and reports the whole frame. */
void vga_render_invalidate(Vga *vga);
/* Render and save as PNG. Returns 0, or -1 with a message (naming the file)
 * in err. */
int vga_screenshot_png(Vga *vga, const char *path, char *err, size_t errlen);

/* UTF-8 encoding of a CP437 code (control-range codes use the IBM glyphs). */
const char *vga_cp437_utf8(uint8_t c);
/* The built-in 8x16 font (256 glyphs x 16 rows, bit 7 = leftmost pixel):
 * code page 437, generated by scripts/gen_font.py (vga_font.h). */
const uint8_t *vga_builtin_font(void);

/* Power-on state (opaque = Vga *).  Vga.dev declares the chunks: "vga" (the
 * table: every register index and DISPI value checked) and the raw
 * "vga-lfb" (u32 size, then the video memory zlib-compressed), which the
 * check decodes and the load applies. */
void vga_reset(void *opaque);

#endif
