/*
 * uart16550.h — National Semiconductor PC16550D UART (COM1-COM4 at
 * 3F8h/2F8h/3E8h/2E8h, IRQ 4/3/4/3 on the PC).
 * Datasheet: NS PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs.
 *
 * Transmission completes instantly (bytes go straight to the backend); the
 * receiver has a real 16-byte FIFO with trigger levels and the character
 * timeout, timed on the virtual clock from the programmed baud rate.
 */
#ifndef X86VM_UART16550_H
#define X86VM_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#include "chardev.h"
#include "clock.h"
#include "device.h"
#include "iobus.h"
#include "irq.h"

#define UART_FIFO 16
#define UART_CLOCK_HZ 1843200u /* 115200 baud at divisor 1 */

/* Register bits. */
#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI  0x08
#define UART_LSR_DR   0x01
#define UART_LSR_OE   0x02
#define UART_LSR_PE   0x04
#define UART_LSR_FE   0x08
#define UART_LSR_BI   0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_FIFOE 0x80
#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LCR_DLAB 0x80

#define UART_FIELDS(F, A, S, FR, AR)                                                     \
  A(uint8_t, rx, UART_FIFO) /* receive FIFO */                                           \
  FR(uint8_t, rx_head, 0, UART_FIFO - 1) /* first byte in rx */                          \
  FR(uint8_t, rx_count, 0, UART_FIFO) /* bytes in rx (at most 1 with the FIFO off) */    \
  FR(uint8_t, ier, 0, 0x0f) /* interrupt enable */                                       \
  F(uint8_t, lcr)           /* line control */                                           \
  FR(uint8_t, mcr, 0, 0x1f) /* modem control */                                          \
  F(uint8_t, lsr_err)       /* sticky LSR error bits (OE/PE/FE/BI) */                    \
  F(uint8_t, msr)           /* modem status (with delta bits) */                         \
  F(uint8_t, scr)           /* scratch */                                                \
  FR(uint8_t, fcr, 0, 0xc9) /* FIFO control (enable + trigger bits, mask C9h) */         \
  F(uint16_t, divisor)      /* baud rate divisor (DLL/DLM) */                            \
  F(bool, thr_ipending)     /* THR-empty interrupt pending */                            \
  F(bool, timeout_ipending) /* character timeout pending */                              \
  F(uint64_t, timeout_at)   /* virtual ns of the character timeout (0: none) */          \
  F(bool, irq_level)        /* interrupt output */
typedef struct Uart {
  SAVE_DECLARE(UART_FIELDS)
  uint16_t base;        /* I/O base */
  Clock *clock;         /* virtual clock */
  Timer *timeout_timer; /* character timeout */
  IrqLine irq;          /* interrupt output (gated by OUT2) */
  CharDev *chr;         /* backend, or NULL (output discarded) */
  void (*tx_hook)(void *opaque, uint8_t byte); /* sees every transmitted byte */
  void *tx_hook_opaque;
  char name[8];         /* "uart0".."uart3": device and chunk name */
  Device dev;           /* reset/save/load record */
} Uart;
#define UART_VERSION 1
const SaveTable *uart_table(void);

/* index 0..3 only names the instance ("uart<index>"). chr may be NULL. */
Uart *uart_new(IoBus *bus, Clock *clock, uint16_t base, IrqLine irq, CharDev *chr, int index);
void uart_free(Uart *u);
void uart_reset(Uart *u);
/* Free space in the receive FIFO. */
int uart_rx_space(const Uart *u);
/* Feed received bytes (at most uart_rx_space are taken; the rest overrun). */
void uart_receive(Uart *u, const uint8_t *buf, int len);
/* Pull whatever the backend has ready into the FIFO (called by the machine loop). */
void uart_poll(Uart *u);

#endif
