/*
 * test_ioapic.c — I/O APIC register-level tests: IOREGSEL/IOWIN, ID and
 * version, redirection entries (writable bits, reset mask), edge and
 * level pins, masking, remote IRR set by acceptance and cleared by the
 * EOI broadcast (with redelivery while the line stays asserted), the
 * message fields handed to the local APIC, MMIO, save/restore; and the
 * whole path with a local APIC: pin -> IRR -> INTA -> EOI -> remote IRR.
 */
#include "hwtest.h"
#include "ioapic.h"
#include "lapic.h"

static IoApic *io;
typedef struct Msg { uint8_t dest; bool logical; int mode, vector; bool level; } Msg;
static Msg msgs[64];
static int nmsg;
static bool accept_msgs;

static bool rec_deliver(void *opaque, uint8_t dest, bool logical, int mode, int vector, bool level) {
  (void)opaque;
  if (nmsg < 64)
    msgs[nmsg++] = (Msg){dest, logical, mode, vector, level};
  return accept_msgs;
}

static void setup(void) {
  io = ioapic_new(NULL, 1);
  io->deliver = rec_deliver;
  nmsg = 0;
  accept_msgs = true;
}
static void teardown(void) { ioapic_free(io); }

static uint32_t reg(uint8_t r) {
  ioapic_write(io, 0x00, r);
  return ioapic_read(io, 0x10);
}
static void set_reg(uint8_t r, uint32_t v) {
  ioapic_write(io, 0x00, r);
  ioapic_write(io, 0x10, v);
}
static void set_pin(int pin, uint32_t lo, uint32_t hi) {
  set_reg((uint8_t)(0x11 + 2 * pin), hi);
  set_reg((uint8_t)(0x10 + 2 * pin), lo);
}

START_TEST(test_registers) {
  ck_assert_uint_eq(reg(0x00), 0x01000000u);
  ck_assert_uint_eq(reg(0x01), 0x00170011u);
  ck_assert_uint_eq(ioapic_read(io, 0x00), 0x01); /* IOREGSEL reads back */
  set_reg(0x00, 0x0f000000u);
  ck_assert_uint_eq(reg(0x00), 0x0f000000u);
  set_reg(0x01, 0);
  ck_assert_uint_eq(reg(0x01), 0x00170011u); /* read-only */
  for (int p = 0; p < IOAPIC_PINS; p++)
    ck_assert_uint_eq(reg((uint8_t)(0x10 + 2 * p)), 0x10000u); /* masked at reset */
  ck_assert_uint_eq(reg(0x10 + 2 * 24), 0xffffffffu); /* past the table */
  set_reg(0x10, 0xffffffffu);
  ck_assert_uint_eq(reg(0x10), 0x1afffu); /* delivery status, remote IRR read-only */
  set_reg(0x11, 0xffffffffu);
  ck_assert_uint_eq(reg(0x11), 0xff000000u);
  ioapic_reset(io);
  ck_assert_uint_eq(reg(0x00), 0x01000000u); /* the board's ID again */
  ck_assert_uint_eq(reg(0x10), 0x10000u);
}
END_TEST

START_TEST(test_edge) {
  ioapic_set_irq(io, 2, 1);
  ioapic_set_irq(io, 2, 0);
  ck_assert_int_eq(nmsg, 0); /* masked: lost */
  set_pin(2, 0x0930, 0x03000000); /* lowest priority, logical, vector 30h, dest 03h */
  ioapic_set_irq(io, 2, 1);
  ck_assert_int_eq(nmsg, 1);
  ck_assert_int_eq(msgs[0].vector, 0x30);
  ck_assert_int_eq(msgs[0].mode, APIC_DM_LOWEST);
  ck_assert(msgs[0].logical);
  ck_assert_uint_eq(msgs[0].dest, 0x03);
  ck_assert(!msgs[0].level);
  ioapic_set_irq(io, 2, 1); /* no new edge */
  ck_assert_int_eq(nmsg, 1);
  ioapic_set_irq(io, 2, 0);
  ioapic_set_irq(io, 2, 1);
  ck_assert_int_eq(nmsg, 2);
  ck_assert_uint_eq(reg(0x14) & 0x4000, 0); /* no remote IRR for edges */
  ioapic_set_irq(io, 24, 1); /* out of range: ignored */
  ck_assert_int_eq(nmsg, 2);
}
END_TEST

START_TEST(test_level_remote_irr) {
  set_pin(9, 0x18039, 0); /* level, masked, vector 39h */
  ioapic_set_irq(io, 9, 1);
  ck_assert_int_eq(nmsg, 0);
  set_pin(9, 0x8039, 0);  /* unmasking with the line high sends it */
  ck_assert_int_eq(nmsg, 1);
  ck_assert(msgs[0].level);
  ck_assert_uint_eq(reg(0x10 + 18) & 0x4000, 0x4000); /* remote IRR */
  ioapic_set_irq(io, 9, 1);
  ck_assert_int_eq(nmsg, 1); /* in service: nothing more */
  ioapic_eoi(io, 0x38);      /* another vector: nothing */
  ck_assert_uint_eq(reg(0x10 + 18) & 0x4000, 0x4000);
  ioapic_eoi(io, 0x39);      /* still asserted: sent again */
  ck_assert_int_eq(nmsg, 2);
  ck_assert_uint_eq(reg(0x10 + 18) & 0x4000, 0x4000);
  ioapic_set_irq(io, 9, 0);
  ioapic_eoi(io, 0x39);
  ck_assert_int_eq(nmsg, 2);
  ck_assert_uint_eq(reg(0x10 + 18) & 0x4000, 0);
  /* a message nobody accepts leaves remote IRR clear */
  accept_msgs = false;
  ioapic_set_irq(io, 9, 1);
  ck_assert_int_eq(nmsg, 3);
  ck_assert_uint_eq(reg(0x10 + 18) & 0x4000, 0);
}
END_TEST

START_TEST(test_save_restore) {
  set_pin(4, 0x8044, 0);
  ioapic_set_irq(io, 4, 1);
  ck_assert_int_eq(nmsg, 1);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&io->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[200];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  ioapic_reset(io);
  ioapic_set_irq(io, 4, 0);
  ck_assert_int_eq(device_check(&io->dev, r), 0);
  ck_assert_int_eq(device_load(&io->dev, r), 0);
  ck_assert_uint_eq(reg(0x18), 0xc044u); /* remote IRR kept */
  ioapic_eoi(io, 0x44);
  ck_assert_int_eq(nmsg, 2); /* the line was saved high */
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

static bool to_lapic(void *opaque, uint8_t dest, bool logical, int mode, int vector, bool level) {
  return lapic_deliver(opaque, dest, logical, mode, vector, level);
}

START_TEST(test_with_lapic) {
  Mem *mem = mem_create(1 << 20);
  Cpu *cpu = cpu_create(mem);
  Clock *clk = clock_new(true, 1);
  Lapic *l = lapic_new(cpu, mem, clk, 0);
  IoApic *io2 = ioapic_new(mem, 1);
  io2->deliver = to_lapic;
  io2->deliver_opaque = l;
  l->eoi_broadcast = ioapic_eoi;
  l->eoi_opaque = io2;
  lapic_write(l, 0xf0, 0x1ff);
  /* through MMIO: pin 10 level, vector 3Ah to APIC 0 */
  mem_write32(mem, 0xfec00000u, 0x24); /* pin 10, low half */
  mem_write32(mem, 0xfec00010u, 0x803a);
  ck_assert_uint_eq(mem_read32(mem, 0xfec00010u), 0x803au);
  ioapic_set_irq(io2, 10, 1);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x3a);
  ioapic_set_irq(io2, 10, 0); /* the device was serviced */
  lapic_write(l, 0xb0, 0);    /* EOI broadcast clears remote IRR */
  ck_assert_uint_eq(mem_read32(mem, 0xfec00010u) & 0x4000, 0);
  ck_assert(!cpu->intr);
  /* asserted across the EOI: delivered again */
  ioapic_set_irq(io2, 10, 1);
  ck_assert_int_eq(lapic_int_ack(l), 0x3a);
  lapic_write(l, 0xb0, 0);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x3a);
  /* destination APIC 2 does not exist: dropped, remote IRR stays clear */
  ioapic_set_irq(io2, 10, 0);
  lapic_write(l, 0xb0, 0);
  mem_write32(mem, 0xfec00000u, 0x25);
  mem_write32(mem, 0xfec00010u, 0x02000000u);
  ioapic_set_irq(io2, 10, 1);
  ck_assert(!cpu->intr);
  ioapic_free(io2);
  lapic_free(l);
  clock_free(clk);
  cpu_destroy(cpu);
  mem_destroy(mem);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_ioapic");
  TCase *tc = tcase_create("ioapic");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_registers);
  tcase_add_test(tc, test_edge);
  tcase_add_test(tc, test_level_remote_irr);
  tcase_add_test(tc, test_save_restore);
  tcase_add_test(tc, test_with_lapic);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
