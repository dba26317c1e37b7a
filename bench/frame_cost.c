/*
 * frame_cost.c — host CPU time per frame of the window's renderer
 * (vga_render_dirty, what the emulation thread does each display refresh):
 *  - VBE 1024x768x32, the whole linear framebuffer rewritten every frame
 *    (the worst case: a full-screen change; goal under 1 ms);
 *  - 80x25 text, one character changed per frame;
 *  - 80x25 text, nothing changed (the idle case);
 *  - VBE 1024x768x32, nothing changed.
 * Prints the median of 9 runs of FRAMES frames each, in microseconds per
 * frame (thread CPU time).  Usage: frame_cost [FRAMES]   (default 300)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "iobus.h"
#include "mem.h"
#include "vga.h"

static IoBus *bus;
static Mem *mem;
static Clock *clk;
static Vga *vga;
static uint32_t *fb;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: preemption on a busy host does not count */
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void dispi_set(uint16_t i, uint16_t v) {
  iobus_write(bus, 0x1ce, 2, i);
  iobus_write(bus, 0x1cf, 2, v);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef void (*Change)(int frame);

static void full_vbe(int frame) {
  /* A new picture every frame, written as the CPU writes the framebuffer:
   * through direct host pointers whose pages are marked dirty. */
  uint8_t line[1024 * 4];
  for (int x = 0; x < 1024; x++) {
    uint32_t p = (uint32_t)(x * 3 + frame * 7) * 0x010101u;
    memcpy(line + x * 4, &p, 4);
  }
  for (int y = 0; y < 768; y++) {
    memcpy(vga->lfb + (size_t)y * 4096, line, sizeof line);
    vga->lfb_dirty[y] = 1;
  }
}
static void one_char(int frame) { mem_write8(mem, 0xb8000 + (uint32_t)(frame % 2000) * 2, (uint8_t)('A' + frame % 26)); }
static void nothing(int frame) { (void)frame; }

static double run(Change change, int frames, uint64_t ns_per_frame) {
  double t[9];
  for (int r = 0; r < 9; r++) {
    int w, h;
    VgaRect d;
    double total = 0;
    for (int f = 0; f < frames; f++) {
      change(f);
      clock_advance_to(clk, clock_now(clk) + ns_per_frame);
      double t0 = now_us();
      vga_render_dirty(vga, fb, VGA_MAX_WIDTH, &w, &h, &d);
      total += now_us() - t0;
    }
    t[r] = total / frames;
  }
  qsort(t, 9, sizeof t[0], cmp);
  return t[4];
}

int main(int argc, char **argv) {
  int frames = argc > 1 ? atoi(argv[1]) : 300;
  if (frames < 1) {
    fprintf(stderr, "usage: frame_cost [FRAMES]\n");
    return 2;
  }
  bus = iobus_new();
  bus->log_unclaimed = false;
  mem = mem_create(16u << 20);
  clk = clock_new(true, 10);
  vga = vga_new(bus, mem, clk);
  fb = calloc((size_t)VGA_MAX_WIDTH * VGA_MAX_HEIGHT, 4);
  if (!bus || !mem || !clk || !vga || !fb) {
    fprintf(stderr, "frame_cost: out of memory\n");
    return 1;
  }
  const uint64_t frame_ns = 16666667;
  printf("renderer cost per frame (vga_render_dirty), median of 9 x %d frames:\n", frames);
  printf("  text 80x25, one character changed: %8.1f us\n", run(one_char, frames, frame_ns));
  printf("  text 80x25, nothing changed:       %8.1f us\n", run(nothing, frames, frame_ns));
  dispi_set(VBE_DISPI_XRES, 1024);
  dispi_set(VBE_DISPI_YRES, 768);
  dispi_set(VBE_DISPI_BPP, 32);
  dispi_set(VBE_DISPI_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
  printf("  VBE 1024x768x32, whole screen new:  %8.1f us   (goal < 1000)\n", run(full_vbe, frames, frame_ns));
  printf("  VBE 1024x768x32, nothing changed:   %8.1f us\n", run(nothing, frames, frame_ns));
  return 0;
}
