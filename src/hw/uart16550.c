/*
 * uart16550.c — PC16550D UART (see uart16550.h).
 * Datasheet: NS PC16550D; interrupt priorities per its IIR table:
 * line status > received data / character timeout > THR empty > modem status.
 */
#include "uart16550.h"

#include <stdio.h>
#include <stdlib.h>


static bool fifo_on(const Uart *u) { return u->fcr & 0x01; }
static int rx_capacity(const Uart *u) { return fifo_on(u) ? UART_FIFO : 1; }

/* What the receive path relies on: a full FIFO is rx_capacity() bytes
 * (the free space must not go negative), and FCR holds only the bits a
 * write keeps. */
static int uart_valid(SaveReader *r, const char *chunk, const void *saved, const void *live) {
  const Uart *s = saved;
  (void)live;
  if (s->fcr & ~0xc9)
    return save_reject_field(r, chunk, "fcr", s->fcr, "has bits outside 0xc9");
  if (s->rx_count > rx_capacity(s))
    return save_reject_field(r, chunk, "rx_count", s->rx_count, "more than the %d-byte %s",
                             rx_capacity(s), fifo_on(s) ? "FIFO" : "holding register");
  return 0;
}

SAVE_TABLE_DEFINE_CHECKED(uart_table, Uart, UART_FIELDS, UART_VERSION, uart_valid)
static int trigger_level(const Uart *u) {
  static const int levels[4] = {1, 4, 8, 14};
  return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* Time for n characters at the programmed rate (start + data + parity + stop). */
static uint64_t chars_ns(const Uart *u, int n) {
  uint32_t div = u->divisor ? u->divisor : 65536;
  int bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 0x08) ? 1 : 0) + ((u->lcr & 0x04) ? 2 : 1);
  return (uint64_t)n * bits * 16 * div * NS_PER_SEC / UART_CLOCK_HZ;
}

/* IIR value for the highest-priority pending source (without FIFO bits). */
static uint8_t pending_iir(const Uart *u) {
  if ((u->ier & UART_IER_RLSI) && (u->lsr_err & (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)))
    return 0x06;
  if ((u->ier & UART_IER_RDI) && u->rx_count >= trigger_level(u))
    return 0x04;
  if ((u->ier & UART_IER_RDI) && u->timeout_ipending)
    return 0x0c;
  if ((u->ier & UART_IER_THRI) && u->thr_ipending)
    return 0x02;
  if ((u->ier & UART_IER_MSI) && (u->msr & 0x0f))
    return 0x00;
  return 0x01;
}

static void update_irq(Uart *u) {
  bool level = pending_iir(u) != 0x01 && (u->mcr & UART_MCR_OUT2);
  if (level != u->irq_level) {
    u->irq_level = level;
    irq_set(&u->irq, level);
  }
}

static void arm_timeout(Uart *u) {
  if (fifo_on(u) && u->rx_count) {
    u->timeout_at = clock_now(u->clock) + chars_ns(u, 4);
    timer_mod(u->timeout_timer, u->timeout_at);
  } else {
    u->timeout_at = 0;
    timer_del(u->timeout_timer);
  }
}

static void timeout_cb(void *opaque) {
  Uart *u = opaque;
  u->timeout_at = 0;
  if (u->rx_count) {
    u->timeout_ipending = true;
    update_irq(u);
  }
}

static void rx_push(Uart *u, uint8_t b) {
  if (u->rx_count >= rx_capacity(u)) {
    u->lsr_err |= UART_LSR_OE; /* the byte in the shift register is lost */
    return;
  }
  u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = b;
  u->rx_count++;
}

int uart_rx_space(const Uart *u) {
  if (u->mcr & UART_MCR_LOOP)
    return 0; /* the line input is disconnected in loopback */
  return rx_capacity(u) - u->rx_count;
}

void uart_receive(Uart *u, const uint8_t *buf, int len) {
  for (int i = 0; i < len; i++)
    rx_push(u, buf[i]);
  if (len) {
    u->timeout_ipending = false;
    arm_timeout(u);
    update_irq(u);
  }
}

void uart_poll(Uart *u) {
  int space = uart_rx_space(u);
  if (!u->chr || space <= 0)
    return;
  uint8_t buf[UART_FIFO];
  size_t n = chardev_read(u->chr, buf, (size_t)space);
  if (n)
    uart_receive(u, buf, (int)n);
}

/* Modem status inputs: loopback wiring, or a connected terminal. */
static void update_msr(Uart *u) {
  uint8_t in;
  if (u->mcr & UART_MCR_LOOP) {
    in = (uint8_t)(((u->mcr & UART_MCR_RTS) ? 0x10 : 0) | ((u->mcr & UART_MCR_DTR) ? 0x20 : 0) |
                   ((u->mcr & UART_MCR_OUT1) ? 0x40 : 0) | ((u->mcr & UART_MCR_OUT2) ? 0x80 : 0));
  } else {
    in = 0xb0; /* CTS, DSR, DCD */
  }
  uint8_t old = u->msr & 0xf0, delta = 0;
  uint8_t ch = old ^ in;
  if (ch & 0x10)
    delta |= 0x01;
  if (ch & 0x20)
    delta |= 0x02;
  if ((old & 0x40) && !(in & 0x40))
    delta |= 0x04; /* trailing edge of RI */
  if (ch & 0x80)
    delta |= 0x08;
  u->msr = (uint8_t)(in | (u->msr & 0x0f) | delta);
}

static void transmit(Uart *u, uint8_t b) {
  if (u->mcr & UART_MCR_LOOP) {
    rx_push(u, b);
    u->timeout_ipending = false;
    arm_timeout(u);
  } else {
    if (u->chr)
      chardev_write(u->chr, &b, 1);
    if (u->tx_hook)
      u->tx_hook(u->tx_hook_opaque, b);
  }
  u->thr_ipending = true; /* the transmitter is empty again at once */
}

static uint32_t uart_io_read(void *opaque, uint16_t port, int size) {
  Uart *u = opaque;
  uint8_t v = 0xff;
  switch (port - u->base) {
  case 0:
    if (u->lcr & UART_LCR_DLAB) {
      v = (uint8_t)u->divisor;
      break;
    }
    v = 0;
    if (u->rx_count) {
      v = u->rx[u->rx_head];
      u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO);
      u->rx_count--;
    }
    u->timeout_ipending = false;
    arm_timeout(u);
    break;
  case 1: v = (u->lcr & UART_LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier; break;
  case 2:
    v = pending_iir(u);
    if (v == 0x02)
      u->thr_ipending = false; /* reading IIR clears a THRE interrupt it reports */
    if (fifo_on(u))
      v |= 0xc0;
    break;
  case 3: v = u->lcr; break;
  case 4: v = u->mcr; break;
  case 5:
    v = (uint8_t)(u->lsr_err | UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0));
    u->lsr_err = 0;
    break;
  case 6:
    update_msr(u);
    v = u->msr;
    u->msr &= 0xf0;
    break;
  case 7: v = u->scr; break;
  }
  update_irq(u);
  return v;
}

static void uart_io_write(void *opaque, uint16_t port, int size, uint32_t val) {
  Uart *u = opaque;
  uint8_t v = (uint8_t)val;
  switch (port - u->base) {
  case 0:
    if (u->lcr & UART_LCR_DLAB)
      u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
    else
      transmit(u, v);
    break;
  case 1:
    if (u->lcr & UART_LCR_DLAB) {
      u->divisor = (uint16_t)((u->divisor & 0x00ff) | (v << 8));
    } else {
      /* Enabling the THRE interrupt with the transmitter empty raises it. */
      if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
        u->thr_ipending = true;
      u->ier = v & 0x0f;
    }
    break;
  case 2: {
    bool was_on = fifo_on(u);
    if ((v & 0x01) != was_on || (v & 0x02)) { /* toggling the enable clears the FIFOs */
      u->rx_count = 0;
      u->rx_head = 0;
      u->timeout_ipending = false;
    }
    u->fcr = v & 0xc9;
    if (!(v & 0x01))
      u->fcr = 0;
    arm_timeout(u);
    break;
  }
  case 3: u->lcr = v; break;
  case 4:
    u->mcr = v & 0x1f;
    update_msr(u);
    break;
  case 5: break; /* LSR: writes are for factory test */
  case 6: break;
  case 7: u->scr = v; break;
  }
  update_irq(u);
}

void uart_reset(Uart *u) {
  u->rx_head = u->rx_count = 0;
  u->ier = 0;
  u->lcr = 0;
  u->mcr = 0;
  u->lsr_err = 0;
  u->msr = 0;
  u->fcr = 0;
  u->divisor = 12; /* 9600 baud */
  u->thr_ipending = false;
  u->timeout_ipending = false;
  u->timeout_at = 0;
  timer_del(u->timeout_timer);
  update_msr(u);
  u->msr &= 0xf0; /* no deltas at power-on */
  u->irq_level = false;
  irq_set(&u->irq, 0);
}

static void dev_reset(void *opaque) { uart_reset(opaque); }
static void post_load(void *opaque) {
  Uart *u = opaque;
  if (u->timeout_at)
    timer_mod(u->timeout_timer, u->timeout_at);
  else
    timer_del(u->timeout_timer);
  irq_set(&u->irq, u->irq_level);
}

Uart *uart_new(IoBus *bus, Clock *clock, uint16_t base, IrqLine irq, CharDev *chr, int index) {
  Uart *u = calloc(1, sizeof(*u));
  if (!u)
    return NULL;
  u->base = base;
  u->clock = clock;
  u->irq = irq;
  u->chr = chr;
  snprintf(u->name, sizeof(u->name), "uart%d", index & 7);
  u->timeout_timer = clock_timer_new(clock, timeout_cb, u);
  u->dev = (Device){.name = u->name, .opaque = u, .reset = dev_reset, .post_load = post_load,
                    .chunk = {{.state = u, .table = uart_table}}};
  if (!u->timeout_timer) {
    free(u);
    return NULL;
  }
  uart_reset(u);
  if (bus && iobus_register_ex(bus, base, 8, uart_io_read, uart_io_write, u, u->name, IOBUS_8BIT) < 0) {
    free(u);
    return NULL;
  }
  return u;
}

void uart_free(Uart *u) {
  if (u)
    timer_del(u->timeout_timer);
  free(u);
}
