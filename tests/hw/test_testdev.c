/*
 * test_testdev.c — QEMU's pc-testdev as kvm-unit-tests use it: the E0h-E7h
 * echo register at every width and offset, the IRQ lines at 2000h+n, and
 * the IORAM at FF000000h.
 */
#include "hwtest.h"
#include "mem.h"
#include "testdev.h"

static IoBus *bus;
static Mem *mem;
static TestDev *t;
static IrqRec rec[TESTDEV_NIRQ];

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  mem = mem_create(1 << 20);
  IrqLine lines[TESTDEV_NIRQ];
  memset(rec, 0, sizeof(rec));
  for (int n = 0; n < TESTDEV_NIRQ; n++)
    lines[n] = irqrec_line(&rec[n]);
  t = testdev_new(bus, mem, lines);
  ck_assert_ptr_nonnull(t);
}
static void teardown(void) {
  testdev_free(t);
  mem_destroy(mem);
  iobus_free(bus);
}

START_TEST(test_echo) {
  iobus_write(bus, 0xe0, 4, 0x12345678);
  ck_assert_uint_eq(iobus_read(bus, 0xe0, 4), 0x12345678);
  ck_assert_uint_eq(iobus_read(bus, 0xe0, 2), 0x5678);
  ck_assert_uint_eq(iobus_read(bus, 0xe2, 2), 0x1234);
  ck_assert_uint_eq(inb(bus, 0xe3), 0x12);
  outb(bus, 0xe1, 0xab); /* one byte replaces just that byte */
  ck_assert_uint_eq(iobus_read(bus, 0xe0, 4), 0x1234ab78);
  iobus_write(bus, 0xe2, 2, 0xcdef);
  ck_assert_uint_eq(iobus_read(bus, 0xe0, 4), 0xcdefab78);
  /* E4h-E7h: the same register, byte by byte. */
  ck_assert_uint_eq(iobus_read(bus, 0xe4, 4), 0xcdefab78);
  iobus_write(bus, 0xe4, 4, 0x0badf00d);
  ck_assert_uint_eq(iobus_read(bus, 0xe0, 4), 0x0badf00d);
  ck_assert_uint_eq(inb(bus, 0xe6), 0xad);
  outb(bus, 0xe8, 0x55); /* flush page: accepted */
  ck_assert_uint_eq(iobus_read(bus, 0xe0, 4), 0x0badf00d);
}
END_TEST

START_TEST(test_irq) {
  outb(bus, 0x200b, 1);
  ck_assert_int_eq(rec[11].level, 1);
  ck_assert_int_eq(rec[11].nrise, 1);
  outb(bus, 0x200b, 0);
  ck_assert_int_eq(rec[11].level, 0);
  /* A 32-bit write sets four consecutive lines from its bytes (realmode's
   * "sti inhibit" raises IRQ 11 and lowers 12-14 this way). */
  iobus_write(bus, 0x2003, 4, 0x00010001);
  ck_assert_int_eq(rec[3].level, 1);
  ck_assert_int_eq(rec[4].level, 0);
  ck_assert_int_eq(rec[5].level, 1);
  ck_assert_int_eq(rec[6].level, 0);
  ck_assert_uint_eq(t->irq_levels, (1u << 3) | (1u << 5));
  ck_assert_uint_eq(inb(bus, 0x2003), 0);
  outb(bus, 0x2010, 1); /* no 8259 input: ignored */
  for (int n = 0; n < TESTDEV_NIRQ; n++)
    ck_assert_int_eq(rec[n].level, n == 3 || n == 5);
}
END_TEST

START_TEST(test_ioram) {
  mem_write32(mem, TESTDEV_IORAM_BASE + 0x10, 0xdeadbeef);
  ck_assert_uint_eq(mem_read32(mem, TESTDEV_IORAM_BASE + 0x10), 0xdeadbeef);
  ck_assert_uint_eq(mem_read8(mem, TESTDEV_IORAM_BASE + 0x12), 0xad);
  mem_write16(mem, TESTDEV_IORAM_BASE + TESTDEV_IORAM_SIZE - 2, 0x4242);
  ck_assert_uint_eq(mem_read16(mem, TESTDEV_IORAM_BASE + TESTDEV_IORAM_SIZE - 2), 0x4242);
  ck_assert_ptr_null(mem_page_read_ptr(mem, TESTDEV_IORAM_BASE >> PAGE_SHIFT)); /* MMIO, not RAM */
  t->dev.reset(t);
  ck_assert_uint_eq(mem_read32(mem, TESTDEV_IORAM_BASE + 0x10), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_testdev");
  TCase *tc = tcase_create("testdev");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_echo);
  tcase_add_test(tc, test_irq);
  tcase_add_test(tc, test_ioram);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
