/*
 * test_vbe_guest.c — the whole machine: our BIOS boots vbe_guest.asm from a
 * floppy; the guest checks the VBE 2.0 calls' answers itself, sets mode
 * 4114h (800x600x16, LFB) and draws through the linear framebuffer (A32
 * REP STOSW and a single store in big real mode, so through the TLB's
 * direct pointers or the JIT's inline stores) and the bank window, then
 * exits through port F4h.  Here: the exit status, then the rendered pixels,
 * vga_render_dirty's first frame and a quiet second one, and the same
 * picture after machine_save / machine_restore into a new machine.  And
 * font_guest.asm: the font services (1111h, 1112h, 1130h, plane 2 checked
 * by the guest) leave a 50-row screen that teletype output scrolls.  Runs
 * under X86VM_TEST_ENGINE (interp, jit, lockstep).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "pc.h"
#include "vga.h"

/* Boot the floppy guest name.img and run it to its exit; checks it passed. */
static Machine *run_guest(const char *name) {
  static char img[512];
  snprintf(img, sizeof(img), "%s/%s.img", GUEST_DIR, name);
  MachineConfig c = {0};
  c.mem_mib = 32;
  c.bios_path = X86VM_ROMS "/bios.bin";
  c.images[PC_FDA] = img;
  c.boot = "a";
  c.serial = "null";
  c.deterministic = true;
  c.snapshot = true;
  char err[256];
  Machine *m = machine_new(&c, err, sizeof(err));
  ck_assert_msg(m, "machine_new: %s", err);
  m->bus->log_unclaimed = false;
  test_engine_setup(m->cpu);
  ck_assert_int_eq(machine_run_for(m, 30 * NS_PER_SEC), MSTOP_GUEST_EXIT);
  ck_assert_msg(m->exit_status == (0x55 << 1 | 1), "%s failed check %d", name, m->exit_status >> 1);
  ck_assert(!test_engine_failed(m->cpu));
  return m;
}

START_TEST(test_vbe_guest) {
  Machine *m = run_guest("vbe_guest");
  int w, h;
  vga_render_size(m->vga, &w, &h);
  ck_assert_int_eq(w, 800);
  ck_assert_int_eq(h, 600);
  uint32_t *fb = malloc(sizeof(uint32_t) * 800 * 600);
  vga_render(m->vga, fb, &w, &h);
  ck_assert_uint_eq(fb[100 * 800 + 100], 0xff0000);
  ck_assert_uint_eq(fb[149 * 800 + 199], 0xff0000);
  ck_assert_uint_eq(fb[149 * 800 + 200], 0);
  ck_assert_uint_eq(fb[150 * 800 + 100], 0);
  ck_assert_uint_eq(fb[99 * 800 + 150], 0);
  ck_assert_uint_eq(fb[10 * 800 + 10], 0x0000ff);
  ck_assert_uint_eq(fb[40 * 800 + 768], 0x00ff00);
  int red = 0;
  for (int i = 0; i < 800 * 600; i++)
    red += fb[i] == 0xff0000;
  ck_assert_int_eq(red, 100 * 50);
  VgaRect d;
  ck_assert(vga_render_dirty(m->vga, fb, 800, &w, &h, &d));
  ck_assert_int_eq(d.w * d.h, 800 * 600);
  ck_assert(!vga_render_dirty(m->vga, fb, 800, &w, &h, &d));
  /* A snapshot of the machine brings mode and framebuffer back in another one. */
  char snap[] = "/tmp/x86vm-vbe-XXXXXX";
  int fd = mkstemp(snap);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char err[256];
  ck_assert_msg(machine_save(m, snap, err, sizeof(err)) == 0, "%s", err);
  MachineConfig c = m->cfg;
  test_engine_teardown(m->cpu);
  machine_free(m);
  m = machine_new(&c, err, sizeof(err));
  ck_assert_msg(m, "machine_new: %s", err);
  uint32_t *fb2 = malloc(sizeof(uint32_t) * 800 * 600);
  vga_render(m->vga, fb2, &w, &h);
  ck_assert_int_eq(w, 720); /* a new machine shows text */
  ck_assert_msg(machine_restore(m, snap, err, sizeof(err)) == 0, "%s", err);
  unlink(snap);
  vga_render(m->vga, fb2, &w, &h);
  ck_assert_int_eq(w, 800);
  ck_assert_int_eq(h, 600);
  ck_assert(memcmp(fb, fb2, sizeof(uint32_t) * 800 * 600) == 0);
  free(fb2);
  free(fb);
  machine_free(m);
}
END_TEST

START_TEST(test_font_guest) {
  Machine *m = run_guest("font_guest");
  int cols, rows;
  vga_text_size(m->vga, &cols, &rows);
  ck_assert_int_eq(cols, 80);
  ck_assert_int_eq(rows, 50);
  char *s = vga_text_dump_string(m->vga);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_nonnull(strstr(s, "line 58\nline 59\nLAST\n"));
  int nl = 0;
  for (char *p = s; *p; p++)
    nl += *p == '\n';
  ck_assert_int_eq(nl, 50);
  const char *p = strstr(s, "LAST\n");
  ck_assert_str_eq(p, "LAST\n"); /* on the last row */
  free(s);
  int w, h;
  vga_render_size(m->vga, &w, &h);
  ck_assert_int_eq(w, 720);
  ck_assert_int_eq(h, 400);
  test_engine_teardown(m->cpu);
  machine_free(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vbe_guest");
  TCase *tc = tcase_create("vbe_guest");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_vbe_guest);
  tcase_add_test(tc, test_font_guest);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
