/*
 * test_iobus.c — I/O bus dispatch: absolute port numbers and sizes reach the
 * owner, 8-bit ranges and range-crossing accesses are split into bytes,
 * unclaimed ports read all-ones, overlapping claims are refused.
 */
#include "hwtest.h"

typedef struct Probe {
  uint16_t last_port;  /* last port seen */
  int last_size;       /* last size seen */
  uint32_t last_value; /* last value written */
  int nwrites;         /* writes seen */
} Probe;

static uint32_t probe_read(void *opaque, uint16_t port, int size) {
  Probe *p = opaque;
  p->last_port = port;
  p->last_size = size;
  return 0x11223344u + port;
}
static void probe_write(void *opaque, uint16_t port, int size, uint32_t v) {
  Probe *p = opaque;
  p->last_port = port;
  p->last_size = size;
  p->last_value = v;
  p->nwrites++;
}

START_TEST(test_dispatch) {
  IoBus *bus = iobus_new();
  bus->log_unclaimed = false;
  Probe a = {0}, b = {0};
  ck_assert_int_eq(iobus_register(bus, 0x1f0, 8, probe_read, probe_write, &a, "wide"), 0);
  ck_assert_int_eq(iobus_register_ex(bus, 0x60, 2, probe_read, probe_write, &b, "narrow", IOBUS_8BIT), 0);
  ck_assert_uint_eq(iobus_read(bus, 0x1f0, 2), (0x11223344u + 0x1f0) & 0xffff);
  ck_assert_int_eq(a.last_size, 2);
  iobus_write(bus, 0x1f4, 4, 0xdeadbeef);
  ck_assert_int_eq(a.last_port, 0x1f4);
  ck_assert_int_eq(a.last_size, 4);
  ck_assert_uint_eq(a.last_value, 0xdeadbeef);
  /* 8-bit range: a word write becomes two byte writes. */
  iobus_write(bus, 0x60, 2, 0xbbaa);
  ck_assert_int_eq(b.nwrites, 2);
  ck_assert_int_eq(b.last_port, 0x61);
  ck_assert_uint_eq(b.last_value, 0xbb);
  ck_assert_int_eq(b.last_size, 1);
  /* Crossing the end of a range: bytes, the unclaimed ones are all-ones. */
  ck_assert_uint_eq(iobus_read(bus, 0x1f7, 2), 0xff00u | ((0x11223344u + 0x1f7) & 0xff));
  ck_assert_uint_eq(iobus_read(bus, 0x300, 4), 0xffffffffu);
  ck_assert_uint_eq(iobus_read(bus, 0x300, 1), 0xffu);
  /* Overlaps are refused. */
  ck_assert_int_eq(iobus_register(bus, 0x1f7, 2, probe_read, probe_write, &b, "clash"), -1);
  ck_assert_str_eq(iobus_owner(bus, 0x1f3), "wide");
  ck_assert_ptr_null(iobus_owner(bus, 0x1f8));
  iobus_free(bus);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_iobus");
  TCase *tc = tcase_create("iobus");
  tcase_add_test(tc, test_dispatch);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
