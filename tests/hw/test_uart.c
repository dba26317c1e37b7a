/*
 * test_uart.c — 16550A register-level tests: scratch, DLAB divisor, loopback
 * data and modem lines, IIR priorities, THRE interrupt rules, FIFO trigger
 * levels, character timeout on the virtual clock, overrun, OUT2 gating,
 * output to a file backend, save/restore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "hwtest.h"
#include "uart16550.h"

#define B 0x3f8
static IoBus *bus;
static Clock *clk;
static Uart *u;
static IrqRec rec;

static void setup(void) {
  bus = iobus_new();
  bus->log_unclaimed = false;
  clk = clock_new(true, 1);
  memset(&rec, 0, sizeof(rec));
  rec.clock = clk;
  u = uart_new(bus, clk, B, irqrec_line(&rec), NULL, 0);
}
static void teardown(void) {
  uart_free(u);
  clock_free(clk);
  iobus_free(bus);
}

START_TEST(test_scratch_and_divisor) {
  outb(bus, B + 7, 0xa5);
  ck_assert_uint_eq(inb(bus, B + 7), 0xa5);
  outb(bus, B + 3, 0x83); /* DLAB, 8N1 */
  outb(bus, B + 0, 0x01);
  outb(bus, B + 1, 0x00);
  ck_assert_uint_eq(inb(bus, B + 0), 0x01);
  ck_assert_uint_eq(u->divisor, 1);
  outb(bus, B + 3, 0x03);
  ck_assert_uint_eq(inb(bus, B + 3), 0x03);
  ck_assert_uint_eq(inb(bus, B + 2), 0x01); /* no interrupt, no FIFO */
  ck_assert_uint_eq(inb(bus, B + 5), 0x60); /* THRE | TEMT */
}
END_TEST

START_TEST(test_loopback) {
  outb(bus, B + 4, 0x10 | 0x03); /* loop, RTS, DTR */
  uint8_t msr = inb(bus, B + 6);
  ck_assert_uint_eq(msr & 0xf0, 0x30); /* CTS, DSR */
  outb(bus, B + 4, 0x10 | 0x0c);       /* OUT1, OUT2 */
  msr = inb(bus, B + 6);
  ck_assert_uint_eq(msr & 0xf0, 0xc0); /* RI, DCD */
  ck_assert_uint_eq(msr & 0x0f, 0x0b); /* DCTS, DDSR, DDCD */
  outb(bus, B + 0, 'x');
  ck_assert_uint_eq(inb(bus, B + 5) & 0x01, 0x01);
  ck_assert_uint_eq(inb(bus, B + 0), 'x');
  ck_assert_uint_eq(inb(bus, B + 5) & 0x01, 0x00);
  /* Without a FIFO a second byte overruns. */
  outb(bus, B + 0, '1');
  outb(bus, B + 0, '2');
  ck_assert_uint_eq(inb(bus, B + 5) & 0x03, 0x03);
  ck_assert_uint_eq(inb(bus, B + 5) & 0x02, 0x00); /* read clears OE */
  ck_assert_uint_eq(inb(bus, B + 0), '1');
}
END_TEST

START_TEST(test_iir_priorities) {
  outb(bus, B + 4, 0x18); /* loop + OUT2 */
  outb(bus, B + 1, 0x0f); /* all sources */
  /* THRE pending right after enabling it; modem deltas too. */
  ck_assert_uint_eq(inb(bus, B + 2), 0x02);
  ck_assert_int_eq(rec.level, 1);
  /* Reading IIR cleared THRE; modem status is next. */
  ck_assert_uint_eq(inb(bus, B + 2), 0x00);
  inb(bus, B + 6);
  ck_assert_uint_eq(inb(bus, B + 2), 0x01);
  ck_assert_int_eq(rec.level, 0);
  /* Data: received data beats THRE. */
  outb(bus, B + 0, 'a');
  ck_assert_uint_eq(inb(bus, B + 2), 0x04);
  /* Overrun: line status beats received data. */
  outb(bus, B + 0, 'b');
  ck_assert_uint_eq(inb(bus, B + 2), 0x06);
  inb(bus, B + 5);
  ck_assert_uint_eq(inb(bus, B + 2), 0x04);
  inb(bus, B + 0);
  ck_assert_uint_eq(inb(bus, B + 2), 0x02);
  ck_assert_uint_eq(inb(bus, B + 2), 0x01);
}
END_TEST

START_TEST(test_out2_gates_irq) {
  outb(bus, B + 4, 0x10); /* loop, OUT2 off */
  outb(bus, B + 1, 0x02);
  ck_assert_uint_eq(inb(bus, B + 2) & 0x0f, 0x02);
  ck_assert_int_eq(rec.level, 0);
  outb(bus, B + 1, 0x00);
  outb(bus, B + 4, 0x08);
  outb(bus, B + 1, 0x02);
  ck_assert_int_eq(rec.level, 1);
}
END_TEST

START_TEST(test_fifo_trigger_and_timeout) {
  outb(bus, B + 3, 0x80);
  outb(bus, B + 0, 12); /* 9600 baud: ~1.04 ms per 8N1 char */
  outb(bus, B + 1, 0);
  outb(bus, B + 3, 0x03);
  outb(bus, B + 2, 0x87); /* FIFO on, clear, trigger 8 */
  ck_assert_uint_eq(inb(bus, B + 2), 0xc1);
  outb(bus, B + 4, 0x08);
  outb(bus, B + 1, 0x01);
  uint8_t data[8] = {'0', '1', '2', '3', '4', '5', '6', '7'};
  uart_receive(u, data, 4);
  ck_assert_int_eq(rec.level, 0); /* below the trigger level */
  uint64_t t0 = clock_now(clk);
  uint64_t four_chars = 4 * 10 * 16 * 12 * NS_PER_SEC / UART_CLOCK_HZ;
  clock_advance_to(clk, t0 + four_chars - 1);
  ck_assert_int_eq(rec.level, 0);
  clock_advance_to(clk, t0 + four_chars);
  ck_assert_int_eq(rec.level, 1);
  ck_assert_uint_eq(inb(bus, B + 2), 0xcc); /* character timeout */
  ck_assert_uint_eq(inb(bus, B + 0), '0');
  ck_assert_int_eq(rec.level, 0); /* reading data clears the timeout */
  uart_receive(u, data + 4, 4);   /* 7 bytes: still below 8 */
  ck_assert_int_eq(rec.level, 0);
  uart_receive(u, data, 1);
  ck_assert_int_eq(rec.level, 1);
  ck_assert_uint_eq(inb(bus, B + 2), 0xc4);
  ck_assert_int_eq(uart_rx_space(u), 8);
  for (int i = 1; i < 8; i++)
    ck_assert_uint_eq(inb(bus, B + 0), data[i]);
  ck_assert_uint_eq(inb(bus, B + 0), '0');
  ck_assert_uint_eq(inb(bus, B + 5) & 1, 0);
  /* FCR bit 1 clears the receive FIFO. */
  uart_receive(u, data, 3);
  outb(bus, B + 2, 0x83);
  ck_assert_uint_eq(inb(bus, B + 5) & 1, 0);
}
END_TEST

START_TEST(test_file_backend) {
  char path[] = "/tmp/x86vm-uart-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char spec[64], err[128];
  snprintf(spec, sizeof(spec), "file:%s", path);
  CharDev *c = chardev_open(spec, err, sizeof(err));
  ck_assert_ptr_nonnull(c);
  u->chr = c;
  const char *msg = "hello";
  for (const char *p = msg; *p; p++)
    outb(bus, B, (uint8_t)*p);
  chardev_close(c);
  u->chr = NULL;
  FILE *f = fopen(path, "r");
  char buf[16] = {0};
  ck_assert_uint_eq(fread(buf, 1, sizeof(buf) - 1, f), 5);
  fclose(f);
  unlink(path);
  ck_assert_str_eq(buf, "hello");
  ck_assert_ptr_null(chardev_open("tcp:99999", err, sizeof(err)));
  ck_assert_ptr_null(chardev_open("bogus", err, sizeof(err)));
  ck_assert_ptr_null(chardev_open("file:/nonexistent/dir/x", err, sizeof(err)));
}
END_TEST

/* TCP backend on 127.0.0.1: a client connects, both directions carry bytes. */
START_TEST(test_tcp_backend) {
  char spec[32], err[128];
  int port = 20000 + (int)(getpid() % 20000);
  snprintf(spec, sizeof(spec), "tcp:%d", port);
  CharDev *c = chardev_open(spec, err, sizeof(err));
  ck_assert_msg(c != NULL, "%s", err);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(write(s, "hi", 2), 2);
  uint8_t buf[8];
  size_t got = 0;
  for (int i = 0; i < 1000 && got < 2; i++) {
    got += chardev_read(c, buf + got, sizeof(buf) - got);
    usleep(1000);
  }
  ck_assert_uint_eq(got, 2);
  ck_assert_int_eq(memcmp(buf, "hi", 2), 0);
  u->chr = c;
  outb(bus, B, 'o');
  outb(bus, B, 'k');
  u->chr = NULL;
  char rb[4] = {0};
  ck_assert_int_eq(read(s, rb, 2), 2);
  ck_assert_str_eq(rb, "ok");
  close(s);
  chardev_close(c);
}
END_TEST

/* pty backend: the slave side sees what the UART sends and vice versa. */
START_TEST(test_pty_backend) {
  char err[128];
  CharDev *c = chardev_open("pty", err, sizeof(err));
  ck_assert_msg(c != NULL, "%s", err);
  int fd = open(c->path, O_RDWR | O_NOCTTY);
  ck_assert_int_ge(fd, 0);
  struct termios t;
  tcgetattr(fd, &t);
  cfmakeraw(&t);
  tcsetattr(fd, TCSANOW, &t);
  u->chr = c;
  outb(bus, B, 'Z');
  char ch = 0;
  ck_assert_int_eq(read(fd, &ch, 1), 1);
  ck_assert_int_eq(ch, 'Z');
  ck_assert_int_eq(write(fd, "q", 1), 1);
  int got = 0;
  for (int i = 0; i < 1000 && !got; i++) {
    uart_poll(u);
    got = inb(bus, B + 5) & 1;
    usleep(1000);
  }
  ck_assert_int_eq(got, 1);
  ck_assert_uint_eq(inb(bus, B), 'q');
  u->chr = NULL;
  close(fd);
  chardev_close(c);
}
END_TEST

START_TEST(test_save_restore) {
  outb(bus, B + 2, 0x01);
  uint8_t data[3] = {1, 2, 3};
  uart_receive(u, data, 3);
  outb(bus, B + 7, 0x42);
  SaveWriter *w = save_writer_new();
  ck_assert_int_eq(device_save(&u->dev, w), 0);
  size_t len;
  const uint8_t *buf = save_writer_buffer(w, &len);
  char err[256];
  SaveReader *r = save_reader_from_buffer(buf, len, err, sizeof(err));
  ck_assert_ptr_nonnull(r);
  uart_reset(u);
  ck_assert_uint_eq(inb(bus, B + 5) & 1, 0);
  ck_assert_int_eq(device_load(&u->dev, r), 0);
  ck_assert(timer_pending(u->timeout_timer));
  ck_assert_uint_eq(inb(bus, B + 7), 0x42);
  ck_assert_uint_eq(inb(bus, B + 0), 1);
  ck_assert_uint_eq(inb(bus, B + 0), 2);
  save_reader_free(r);
  save_writer_free(w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hw_uart");
  TCase *tc = tcase_create("uart");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_scratch_and_divisor);
  tcase_add_test(tc, test_loopback);
  tcase_add_test(tc, test_iir_priorities);
  tcase_add_test(tc, test_out2_gates_irq);
  tcase_add_test(tc, test_fifo_trigger_and_timeout);
  tcase_add_test(tc, test_file_backend);
  tcase_add_test(tc, test_tcp_backend);
  tcase_add_test(tc, test_pty_backend);
  tcase_add_test(tc, test_save_restore);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
