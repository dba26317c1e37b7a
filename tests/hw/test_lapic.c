/*
 * test_lapic.c — local APIC register-level tests on a bare Cpu: reset
 * state, ID/version, global and software enable, priorities (IRR -> ISR,
 * TPR/PPR, nesting, EOI order), ExtINT through LINT0 and the PIC path with
 * the APIC globally disabled, NMI via LINT1, self-IPIs and the ESR, the
 * timer one-shot and periodic on the virtual clock (count read-back and
 * interrupt times), EOI broadcast for level-triggered vectors, MMIO
 * through the memory map, CPUID/MSR, save/restore with the timer rebuilt.
 */
#include "hwtest.h"
#include "lapic.h"
#include "ops.h"

static Mem *mem;
static Cpu *cpu;
static Clock *clk;
static Lapic *l;
static int pic_vector;   /* what the fake 8259's INTA returns */
static int pic_acks;
static int eoi_vector;   /* last EOI broadcast */
static int inits;

static int fake_pic_ack(void *opaque) {
  (void)opaque;
  pic_acks++;
  return pic_vector;
}
static void fake_eoi(void *opaque, int v) {
  (void)opaque;
  eoi_vector = v;
}
static void fake_init(void *opaque) {
  (void)opaque;
  inits++;
}

static void setup(void) {
  mem = mem_create(1 << 20);
  cpu = cpu_create(mem);
  clk = clock_new(true, 1);
  l = lapic_new(cpu, mem, clk, 0);
  ck_assert_ptr_nonnull(l);
  l->ext_ack = fake_pic_ack;
  l->eoi_broadcast = fake_eoi;
  l->init = fake_init;
  cpu_reset(cpu);
  lapic_reset(l);
  pic_vector = 0x08;
  pic_acks = 0;
  eoi_vector = -1;
  inits = 0;
}
static void teardown(void) {
  lapic_free(l);
  clock_free(clk);
  cpu_destroy(cpu);
  mem_destroy(mem);
}

static uint32_t rd(uint32_t off) { return lapic_read(l, off); }
static void wr(uint32_t off, uint32_t v) { lapic_write(l, off, v); }
static void sw_enable(void) { wr(0xf0, 0x1ff); }
/* Fixed self-IPI of vector v. */
static void self_ipi(int v) { wr(0x300, 0x40000u | (uint32_t)v); }
static bool isr_bit(int v) { return (rd(0x100 + (v >> 5) * 0x10) >> (v & 31)) & 1; }
static bool irr_bit(int v) { return (rd(0x200 + (v >> 5) * 0x10) >> (v & 31)) & 1; }
static bool tmr_bit(int v) { return (rd(0x180 + (v >> 5) * 0x10) >> (v & 31)) & 1; }

START_TEST(test_reset_state) {
  ck_assert_uint_eq(cpu->apic_base, 0xfee00900u);
  ck_assert_uint_eq(rd(0x20), 0);
  ck_assert_uint_eq(rd(0x30), 0x00050014u);
  ck_assert_uint_eq(rd(0xf0), 0xff);         /* software disabled, vector FFh */
  ck_assert_uint_eq(rd(0xe0), 0xffffffffu);  /* flat model */
  for (int i = 0; i < LVT_COUNT; i++)
    ck_assert_uint_eq(rd(0x320 + 0x10 * i), 0x10000u);
  /* software disabled: LVT writes keep the mask */
  wr(0x350, 0x700);
  ck_assert_uint_eq(rd(0x350), 0x10700u);
  sw_enable();
  wr(0x350, 0x700);
  ck_assert_uint_eq(rd(0x350), 0x700u);
  /* disabling again masks every entry */
  wr(0xf0, 0xff);
  ck_assert_uint_eq(rd(0x350), 0x10700u);
  /* the ID is writable in bits 31:24 */
  wr(0x20, 0x05123456);
  ck_assert_uint_eq(rd(0x20), 0x05000000u);
}
END_TEST

START_TEST(test_priority_and_eoi) {
  sw_enable();
  self_ipi(0x41);
  ck_assert(cpu->intr);
  ck_assert(irr_bit(0x41));
  self_ipi(0x52);
  self_ipi(0x55);
  /* highest first: 55h */
  ck_assert_int_eq(lapic_int_ack(l), 0x55);
  ck_assert(isr_bit(0x55) && !irr_bit(0x55));
  ck_assert_uint_eq(rd(0xa0), 0x50); /* PPR: the class in service */
  /* 52h is in the same class as 55h: blocked */
  ck_assert(!cpu->intr);
  self_ipi(0x61);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x61); /* nests above */
  ck_assert_uint_eq(rd(0xa0), 0x60);
  wr(0xb0, 0); /* EOI ends 61h */
  ck_assert(!isr_bit(0x61) && isr_bit(0x55));
  ck_assert(!cpu->intr);
  wr(0xb0, 0); /* ends 55h */
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x52);
  wr(0xb0, 0);
  /* TPR blocks classes at or below it */
  wr(0x80, 0x40);
  ck_assert_uint_eq(rd(0xa0), 0x40);
  ck_assert(!cpu->intr); /* 41h waits */
  wr(0x80, 0x30);
  ck_assert(cpu->intr);
  /* a request that went away between INTR and INTA gives the spurious vector */
  wr(0x80, 0xf0);
  ck_assert_int_eq(lapic_int_ack(l), 0xff);
  ck_assert(irr_bit(0x41));
  ck_assert_int_eq(eoi_vector, -1); /* edge vectors broadcast no EOI */
}
END_TEST

START_TEST(test_extint_and_disabled) {
  /* Globally disabled: LINT0 is the INTR pin, INTA goes to the 8259. */
  cpu->apic_base = 0xfee00100u;
  cpu->regs[R_ECX] = 0x1b;
  cpu->regs[R_EAX] = 0xfee00100u;
  cpu->regs[R_EDX] = 0;
  op_wrmsr(cpu, NULL);
  ck_assert(!lapic_enabled(l));
  ck_assert_uint_eq(rd(0x30), 0xffffffffu); /* no registers while disabled */
  lapic_set_lint(l, 0, 1);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x08);
  lapic_set_lint(l, 0, 0);
  ck_assert(!cpu->intr);
  lapic_set_lint(l, 1, 1); /* LINT1 is NMI */
  ck_assert(cpu->nmi);
  cpu->nmi = false;
  lapic_set_lint(l, 1, 0);
  /* CPUID drops the APIC flag while it is disabled */
  cpu->regs[R_EAX] = 1;
  op_cpuid(cpu, NULL);
  ck_assert_uint_eq(cpu->regs[R_EDX] & 0x200, 0);
  /* Enabled again: registers as after reset; LINT0 masked stops the PIC. */
  cpu->regs[R_ECX] = 0x1b;
  cpu->regs[R_EAX] = 0xfee00900u;
  cpu->regs[R_EDX] = 0;
  op_wrmsr(cpu, NULL);
  ck_assert(lapic_enabled(l));
  cpu->regs[R_EAX] = 1;
  op_cpuid(cpu, NULL);
  ck_assert_uint_eq(cpu->regs[R_EDX] & 0x200, 0x200);
  lapic_set_lint(l, 0, 1);
  ck_assert(!cpu->intr);
  /* virtual wire: LINT0 ExtINT passes it, regardless of TPR */
  sw_enable();
  wr(0x80, 0xff);
  wr(0x350, 0x700);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x08);
  ck_assert_int_eq(pic_acks, 2);
  ck_assert(!isr_bit(0x08));
  wr(0x350, 0x10700); /* masked */
  ck_assert(!cpu->intr);
  /* LINT1 in NMI mode */
  wr(0x360, 0x400);
  lapic_set_lint(l, 1, 1);
  ck_assert(cpu->nmi);
}
END_TEST

START_TEST(test_icr_and_esr) {
  sw_enable();
  wr(0x370, 0xfe); /* error interrupt on vector FEh */
  wr(0x300, 0x40005u); /* self-IPI of an illegal vector */
  ck_assert(!irr_bit(5));
  ck_assert_uint_eq(rd(0x280), 0); /* latched only by an ESR write */
  wr(0x280, 0);
  ck_assert_uint_eq(rd(0x280), 0x60); /* send and receive illegal vector */
  ck_assert(irr_bit(0xfe));
  wr(0x280, 0);
  ck_assert_uint_eq(rd(0x280), 0);
  /* physical destination: our ID or broadcast; others go nowhere */
  wr(0x310, 0x00000000);
  wr(0x300, 0x00000090);
  ck_assert(irr_bit(0x90));
  wr(0x310, 0x03000000);
  wr(0x300, 0x00000091);
  ck_assert(!irr_bit(0x91));
  wr(0x310, 0xff000000);
  wr(0x300, 0x00000092);
  ck_assert(irr_bit(0x92));
  /* "all excluding self" reaches nobody */
  wr(0x300, 0x000c0093);
  ck_assert(!irr_bit(0x93));
  /* logical flat: LDR bit */
  wr(0xd0, 0x02000000);
  wr(0x310, 0x02000000);
  wr(0x300, 0x00000894);
  ck_assert(irr_bit(0x94));
  wr(0x310, 0x01000000);
  wr(0x300, 0x00000895);
  ck_assert(!irr_bit(0x95));
  /* NMI and INIT to self */
  wr(0x300, 0x00040400);
  ck_assert(cpu->nmi);
  wr(0x300, 0x00044500);
  ck_assert_int_eq(inits, 1);
  wr(0x300, 0x00048500); /* INIT level de-assert: nothing */
  ck_assert_int_eq(inits, 1);
  /* delivery status reads idle */
  ck_assert_uint_eq(rd(0x300) & 0x1000, 0);
}
END_TEST

START_TEST(test_timer_oneshot) {
  sw_enable();
  wr(0x3e0, 0x3);        /* divide by 16: 6.25 MHz, 160 ns per tick */
  wr(0x320, 0x40);       /* one-shot, vector 40h */
  wr(0x380, 1000);       /* 160 us */
  ck_assert_uint_eq(rd(0x390), 1000);
  clock_advance_to(clk, 16000); /* 100 ticks */
  ck_assert_uint_eq(rd(0x390), 900);
  ck_assert(!cpu->intr);
  ck_assert_uint_eq(clock_next_deadline(clk), 160000);
  clock_advance_to(clk, 159999);
  ck_assert(!cpu->intr);
  clock_advance_to(clk, 160000);
  ck_assert(cpu->intr);
  ck_assert_uint_eq(rd(0x390), 0);
  ck_assert_int_eq(lapic_int_ack(l), 0x40);
  wr(0xb0, 0);
  clock_advance_to(clk, 1000000);
  ck_assert(!cpu->intr); /* once only */
  ck_assert_uint_eq(clock_next_deadline(clk), CLOCK_NEVER);
  /* divide by 1 (111b) */
  wr(0x3e0, 0xb);
  wr(0x380, 50);
  ck_assert_uint_eq(clock_next_deadline(clk), 1000000 + 500);
  /* masked: counts but no interrupt */
  wr(0x320, 0x10040);
  clock_advance_to(clk, 1000500);
  ck_assert(!cpu->intr);
  ck_assert_uint_eq(rd(0x390), 0);
  /* writing 0 stops it */
  wr(0x320, 0x40);
  wr(0x380, 100);
  wr(0x380, 0);
  ck_assert_uint_eq(clock_next_deadline(clk), CLOCK_NEVER);
}
END_TEST

START_TEST(test_timer_periodic) {
  sw_enable();
  wr(0x3e0, 0x0);        /* divide by 2: 50 MHz, 20 ns per tick */
  wr(0x320, 0x20050);    /* periodic, vector 50h */
  wr(0x380, 500);        /* 10 us */
  int n = 0;
  for (uint64_t t = 1000; t <= 100000; t += 1000) {
    clock_advance_to(clk, t);
    if (t % 10000 == 5000)
      ck_assert_uint_eq(rd(0x390), 250); /* half way through a period */
    if (cpu->intr) {
      ck_assert_uint_eq(t % 10000, 0); /* exactly at each period's end */
      ck_assert_int_eq(lapic_int_ack(l), 0x50);
      wr(0xb0, 0);
      n++;
    }
  }
  ck_assert_int_eq(n, 10);
  ck_assert_uint_eq(rd(0x390), 500);
  ck_assert_uint_eq(clock_next_deadline(clk), 110000);
  /* to one-shot: the current period ends and nothing follows */
  wr(0x320, 0x00050);
  clock_advance_to(clk, 200000);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x50);
  wr(0xb0, 0);
  ck_assert_uint_eq(clock_next_deadline(clk), CLOCK_NEVER);
}
END_TEST

START_TEST(test_level_eoi_broadcast) {
  sw_enable();
  ck_assert(lapic_deliver(l, 0, false, APIC_DM_FIXED, 0x70, true));
  ck_assert(tmr_bit(0x70));
  ck_assert(!lapic_deliver(l, 3, false, APIC_DM_FIXED, 0x71, false)); /* not ours */
  ck_assert_int_eq(lapic_int_ack(l), 0x70);
  wr(0xb0, 0);
  ck_assert_int_eq(eoi_vector, 0x70);
  eoi_vector = -1;
  ck_assert(lapic_deliver(l, 0xff, false, APIC_DM_FIXED, 0x71, false));
  ck_assert(!tmr_bit(0x71));
  ck_assert_int_eq(lapic_int_ack(l), 0x71);
  wr(0xb0, 0);
  ck_assert_int_eq(eoi_vector, -1);
  /* ExtINT message from the I/O APIC: the 8259 gives the vector */
  ck_assert(lapic_deliver(l, 0, false, APIC_DM_EXTINT, 0, false));
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x08);
  ck_assert(!cpu->intr);
}
END_TEST

START_TEST(test_mmio) {
  /* Through the memory map: 32-bit accesses at FEE00000h. */
  ck_assert_uint_eq(mem_read32(mem, 0xfee00030u), 0x00050014u);
  mem_write32(mem, 0xfee000f0u, 0x1ff);
  ck_assert_uint_eq(mem_read32(mem, 0xfee000f0u), 0x1ff);
  ck_assert_uint_eq(mem_read8(mem, 0xfee000f1u), 0x01);
  mem_write32(mem, 0xfee00300u, 0x40066);
  ck_assert(cpu->intr);
  ck_assert_int_eq(lapic_int_ack(l), 0x66);
}
END_TEST

START_TEST(test_save_restore) {
  sw_enable();
  wr(0x3e0, 0xb);
  wr(0x320, 0x20060);
  wr(0x380, 1000); /* 10 us periods at 100 MHz */
  self_ipi(0x44);
  clock_advance_to(clk, 3000);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&l->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[200];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  lapic_reset(l);
  ck_assert_uint_eq(clock_next_deadline(clk), CLOCK_NEVER);
  ck_assert(!cpu->intr);
  ck_assert_int_eq(device_check(&l->dev, r), 0);
  ck_assert_int_eq(device_load(&l->dev, r), 0);
  ck_assert(cpu->intr);
  ck_assert_uint_eq(rd(0x390), 700);
  ck_assert_uint_eq(clock_next_deadline(clk), 10000); /* the timer is rebuilt */
  ck_assert_int_eq(lapic_int_ack(l), 0x44);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_lapic");
  TCase *tc = tcase_create("lapic");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_reset_state);
  tcase_add_test(tc, test_priority_and_eoi);
  tcase_add_test(tc, test_extint_and_disabled);
  tcase_add_test(tc, test_icr_and_esr);
  tcase_add_test(tc, test_timer_oneshot);
  tcase_add_test(tc, test_timer_periodic);
  tcase_add_test(tc, test_level_eoi_broadcast);
  tcase_add_test(tc, test_mmio);
  tcase_add_test(tc, test_save_restore);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
