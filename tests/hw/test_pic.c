/*
 * test_pic.c — 8259A pair register-level tests: init sequence, priority,
 * EOI and ISR, masking, cascade, ELCR level mode, auto-EOI, special mask,
 * spurious IRQ7/15, poll mode, save/restore.
 */
#include "hwtest.h"
#include "i8259.h"

static IoBus *bus;
static Pic *pic;
static int intr_level;

static void intr_cb(void *opaque, int level) { intr_level = level; }

/* The usual PC programming: vectors 08h/70h, cascade on IR2, 8086 mode. */
static void init_pc(uint8_t icw4) {
  outb(bus, 0x20, 0x11);
  outb(bus, 0x21, 0x08);
  outb(bus, 0x21, 0x04);
  outb(bus, 0x21, icw4);
  outb(bus, 0xa0, 0x11);
  outb(bus, 0xa1, 0x70);
  outb(bus, 0xa1, 0x02);
  outb(bus, 0xa1, icw4);
  outb(bus, 0x21, 0x00);
  outb(bus, 0xa1, 0x00);
}

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  pic = pic_new(bus, intr_cb, NULL);
  intr_level = 0;
  init_pc(0x01);
}
static void teardown(void) {
  pic_free(pic);
  iobus_free(bus);
}

START_TEST(test_basic_vector_and_eoi) {
  ck_assert_int_eq(intr_level, 0);
  pic_set_irq(pic, 1, 1);
  ck_assert_int_eq(intr_level, 1);
  outb(bus, 0x20, 0x0a); /* OCW3: read IRR */
  ck_assert_int_eq(inb(bus, 0x20), 0x02);
  ck_assert_int_eq(pic_int_ack(pic), 0x09);
  ck_assert_int_eq(intr_level, 0);
  outb(bus, 0x20, 0x0b); /* read ISR */
  ck_assert_int_eq(inb(bus, 0x20), 0x02);
  outb(bus, 0x20, 0x20); /* non-specific EOI */
  ck_assert_int_eq(inb(bus, 0x20), 0x00);
}
END_TEST

START_TEST(test_priority_and_nesting) {
  pic_set_irq(pic, 5, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0d);
  /* A lower-priority request waits while IR5 is in service. */
  pic_set_irq(pic, 6, 1);
  ck_assert_int_eq(intr_level, 0);
  /* A higher-priority one nests. */
  pic_set_irq(pic, 3, 1);
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0b);
  outb(bus, 0x20, 0x0b);
  ck_assert_int_eq(inb(bus, 0x20), 0x28);
  outb(bus, 0x20, 0x20); /* EOI clears the highest in service: IR3 */
  ck_assert_int_eq(inb(bus, 0x20), 0x20);
  ck_assert_int_eq(intr_level, 0);
  outb(bus, 0x20, 0x65); /* specific EOI IR5 */
  ck_assert_int_eq(inb(bus, 0x20), 0x00);
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0e);
}
END_TEST

START_TEST(test_mask) {
  outb(bus, 0x21, 0x01);
  ck_assert_int_eq(inb(bus, 0x21), 0x01);
  pic_set_irq(pic, 0, 1);
  ck_assert_int_eq(intr_level, 0);
  outb(bus, 0x21, 0x00);
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x08);
}
END_TEST

START_TEST(test_edge_needs_new_edge) {
  pic_set_irq(pic, 4, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0c);
  outb(bus, 0x20, 0x20);
  /* Line still high: no new request in edge mode. */
  ck_assert_int_eq(intr_level, 0);
  pic_set_irq(pic, 4, 0);
  pic_set_irq(pic, 4, 1);
  ck_assert_int_eq(intr_level, 1);
}
END_TEST

START_TEST(test_cascade) {
  pic_set_irq(pic, 12, 1);
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x74);
  outb(bus, 0x20, 0x0b);
  ck_assert_int_eq(inb(bus, 0x20), 0x04);
  outb(bus, 0xa0, 0x0b);
  ck_assert_int_eq(inb(bus, 0xa0), 0x10);
  /* Masking on the slave. */
  outb(bus, 0xa0, 0x20);
  outb(bus, 0x20, 0x20);
  outb(bus, 0xa1, 0x01);
  pic_set_irq(pic, 8, 1);
  ck_assert_int_eq(intr_level, 0);
  outb(bus, 0xa1, 0x00);
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x70);
}
END_TEST

START_TEST(test_elcr_level) {
  outb(bus, 0x4d1, 0xff);
  ck_assert_int_eq(inb(bus, 0x4d1), 0xde);
  outb(bus, 0x4d0, 0xff);
  ck_assert_int_eq(inb(bus, 0x4d0), 0xf8);
  pic_set_irq(pic, 11, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x73);
  outb(bus, 0xa0, 0x20);
  outb(bus, 0x20, 0x20);
  /* Level still high: requested again. */
  ck_assert_int_eq(intr_level, 1);
  pic_set_irq(pic, 11, 0);
  ck_assert_int_eq(intr_level, 0);
}
END_TEST

START_TEST(test_auto_eoi) {
  init_pc(0x03);
  pic_set_irq(pic, 1, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x09);
  outb(bus, 0x20, 0x0b);
  ck_assert_int_eq(inb(bus, 0x20), 0x00);
  pic_set_irq(pic, 6, 1);
  ck_assert_int_eq(intr_level, 1);
}
END_TEST

START_TEST(test_spurious) {
  /* The request goes away before INTA: IRQ7 vector, ISR untouched. */
  outb(bus, 0x4d0, 0x20);
  pic_set_irq(pic, 5, 1);
  pic_set_irq(pic, 5, 0);
  ck_assert_int_eq(pic_int_ack(pic), 0x0f);
  outb(bus, 0x20, 0x0b);
  ck_assert_int_eq(inb(bus, 0x20), 0x00);
  /* Same on the slave: IRQ15 vector, master IR2 in service. */
  outb(bus, 0x4d1, 0x02);
  pic_set_irq(pic, 9, 1);
  ck_assert_int_eq(intr_level, 1);
  outb(bus, 0xa1, 0x02); /* masked between INT and INTA */
  ck_assert_int_eq(pic_int_ack(pic), 0x0f);
}
END_TEST

START_TEST(test_special_mask) {
  pic_set_irq(pic, 3, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0b);
  pic_set_irq(pic, 6, 1);
  ck_assert_int_eq(intr_level, 0);
  outb(bus, 0x21, 0x08);     /* mask IR3 */
  outb(bus, 0x20, 0x68);     /* OCW3: set special mask */
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0e);
  outb(bus, 0x20, 0x48);     /* reset special mask */
}
END_TEST

START_TEST(test_poll) {
  pic_set_irq(pic, 6, 1);
  outb(bus, 0x20, 0x0c); /* OCW3 poll */
  ck_assert_int_eq(inb(bus, 0x20), 0x86);
  outb(bus, 0x20, 0x0b);
  ck_assert_int_eq(inb(bus, 0x20), 0x40); /* acknowledged by the poll */
  outb(bus, 0x20, 0x20);
  outb(bus, 0x20, 0x0c);
  ck_assert_int_eq(inb(bus, 0x20), 0x00);
}
END_TEST

START_TEST(test_rotation) {
  pic_set_irq(pic, 1, 1);
  pic_set_irq(pic, 4, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x09);
  outb(bus, 0x20, 0xa0); /* rotate on non-specific EOI: IR1 becomes lowest */
  ck_assert_int_eq(pic_int_ack(pic), 0x0c);
  outb(bus, 0x20, 0x20);
  pic_set_irq(pic, 1, 0);
  pic_set_irq(pic, 1, 1);
  pic_set_irq(pic, 3, 0);
  pic_set_irq(pic, 3, 1);
  /* After IR4 had highest rotation (base 2), IR3 beats IR1. */
  ck_assert_int_eq(pic_int_ack(pic), 0x0b);
}
END_TEST

START_TEST(test_save_restore) {
  pic_set_irq(pic, 5, 1);
  outb(bus, 0x21, 0x40);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&pic->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  pic_reset(pic);
  ck_assert_int_eq(inb(bus, 0x21), 0x00);
  ck_assert_int_eq(device_check(&pic->dev, r), 0);
  ck_assert_int_eq(device_load(&pic->dev, r), 0);
  ck_assert_int_eq(inb(bus, 0x21), 0x40);
  ck_assert_int_eq(intr_level, 1);
  ck_assert_int_eq(pic_int_ack(pic), 0x0d);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_pic");
  TCase *tc = tcase_create("pic");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_basic_vector_and_eoi);
  tcase_add_test(tc, test_priority_and_nesting);
  tcase_add_test(tc, test_mask);
  tcase_add_test(tc, test_edge_needs_new_edge);
  tcase_add_test(tc, test_cascade);
  tcase_add_test(tc, test_elcr_level);
  tcase_add_test(tc, test_auto_eoi);
  tcase_add_test(tc, test_spurious);
  tcase_add_test(tc, test_special_mask);
  tcase_add_test(tc, test_poll);
  tcase_add_test(tc, test_rotation);
  tcase_add_test(tc, test_save_restore);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
