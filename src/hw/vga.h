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
 * For the machine: vga_text_dump() writes the current text screen as
 * UTF-8 (CP437 mapped); vga_render() draws the current mode (text with the
 * plane 2 font and cursor, 16-colour planar, 256-colour chained or not,
 * CGA 4- and 2-colour) to 0x00RRGGBB pixels (no blinking, split screen or
 * pixel panning);
 * vga_screenshot_png() saves that as a PNG file.
 * Reference: IBM VGA Technical Reference; FreeVGA register descriptions.
 */
#ifndef X86VM_VGA_H
#define X86VM_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "iobus.h"
#include "mem.h"
#include "savestate.h"

#define VGA_PLANE_SIZE 65536u
#define VGA_VRAM_SIZE (4 * VGA_PLANE_SIZE)
#define VGA_MAX_WIDTH 1024  /* vga_render never produces more */
#define VGA_MAX_HEIGHT 768

#define VGA_FIELDS(F, A, S)                                                   \
  F(uint8_t, misc)          /* miscellaneous output register */               \
  F(uint8_t, feature)       /* feature control */                             \
  F(uint8_t, enable)        /* video subsystem enable (3C3) */                \
  F(uint8_t, seq_index)     /* sequencer index */                             \
  A(uint8_t, seq, 8)        /* sequencer registers 0-4 (5-7 spare) */         \
  F(uint8_t, crtc_index)    /* CRT controller index */                        \
  A(uint8_t, crtc, 32)      /* CRTC registers 00h-18h */                      \
  F(uint8_t, gc_index)      /* graphics controller index */                   \
  A(uint8_t, gc, 16)        /* graphics controller registers 0-8 */           \
  F(uint8_t, attr_index)    /* attribute index (bit 5: palette address source) */ \
  F(bool, attr_flipflop)    /* false: next 3C0 write is an index */           \
  A(uint8_t, attr, 32)      /* attribute registers 00h-14h */                 \
  F(uint8_t, pel_mask)      /* DAC pixel mask (3C6) */                        \
  F(uint8_t, dac_read_index)  /* next entry read through 3C9 */              \
  F(uint8_t, dac_write_index) /* next entry written through 3C9 */           \
  F(uint8_t, dac_sub)       /* component (0-2) of the current 3C9 access */    \
  F(uint8_t, dac_state)     /* 0: write mode, 3: read mode (3C7 read) */       \
  A(uint8_t, dac_latch, 3)  /* components written so far */                   \
  A(uint8_t, dac, 768)      /* 256 x (R, G, B), 6 bits each */                \
  A(uint8_t, latch, 4)      /* graphics controller latches */                 \
  F(uint32_t, reads_3da)    /* input status reads (retrace without clock) */  \
  A(uint8_t, vram, VGA_VRAM_SIZE) /* plane p at p * 64 KiB */

typedef struct Vga {
  SAVE_DECLARE(VGA_FIELDS)
  Mem *mem;                 /* guest memory (MMIO region owner) */
  Clock *clock;             /* virtual time for retrace, may be NULL */
} Vga;
#define VGA_VERSION 1

const SaveTable *vga_table(void);

/* Create the VGA, register its ports and map A0000h-BFFFFh (bus, mem and
 * clock may each be NULL for tests). Returns NULL on failure. */
Vga *vga_new(IoBus *bus, Mem *mem, Clock *clock);
void vga_free(Vga *vga);

/* Port and memory access (what the bus and MMIO callbacks call). */
uint8_t vga_ioport_read(Vga *vga, uint16_t port);
void vga_ioport_write(Vga *vga, uint16_t port, uint8_t value);
uint8_t vga_mem_read(Vga *vga, uint32_t offset);   /* offset from A0000h */
void vga_mem_write(Vga *vga, uint32_t offset, uint8_t value);

/* True when the attribute controller is in a text (alphanumeric) mode. */
bool vga_is_text_mode(const Vga *vga);
/* Text geometry of the current mode. */
void vga_text_size(const Vga *vga, int *cols, int *rows);
/* Write the text screen, one line per row, trailing spaces trimmed, CP437
 * mapped to UTF-8. Returns 0, or -1 (writing nothing) in a graphics mode. */
int vga_text_dump(Vga *vga, FILE *out);
/* Same into a malloc'd NUL-terminated string (caller frees), NULL if graphics. */
char *vga_text_dump_string(Vga *vga);
/* Draw the current screen into rgb (at least VGA_MAX_WIDTH * VGA_MAX_HEIGHT
 * pixels, 0x00RRGGBB) and set *w / *h. */
void vga_render(Vga *vga, uint32_t *rgb, int *w, int *h);
/* Render and save as PNG. Returns 0, or -1 with a message (naming the file)
 * in err. */
int vga_screenshot_png(Vga *vga, const char *path, char *err, size_t errlen);

/* UTF-8 encoding of a CP437 code (control-range codes use the IBM glyphs). */
const char *vga_cp437_utf8(uint8_t c);
/* The built-in 8x16 font (256 glyphs x 16 rows, bit 7 = leftmost pixel):
 * ASCII 20h-7Eh designed for this project, other codes drawn as boxes. */
const uint8_t *vga_builtin_font(void);

/* Device interface (opaque = Vga *), chunk "vga". */
void vga_reset(void *opaque);
int vga_save(void *opaque, SaveWriter *w);
int vga_check(void *opaque, SaveReader *r);
int vga_load(void *opaque, SaveReader *r);

#endif
