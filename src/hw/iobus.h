/*
 * iobus.h — the x86 I/O port bus (64 Ki byte-addressed ports).
 *
 * Devices claim a range of ports with iobus_register(); the CPU's IN/OUT
 * reach them through iobus_read()/iobus_write().  Callbacks receive the
 * ABSOLUTE port number and the access size (1, 2 or 4).  An access that
 * does not fit entirely inside one registered range, or that targets a
 * range registered with IOBUS_8BIT, is split into byte accesses at
 * consecutive ports (little-endian), so 8-bit chips only ever see size 1.
 * Unclaimed ports read as all-ones and ignore writes; each unclaimed port
 * is logged once (to stderr) unless logging is switched off.
 */
#ifndef X86VM_IOBUS_H
#define X86VM_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t (*IoRead)(void *opaque, uint16_t port, int size);
typedef void (*IoWrite)(void *opaque, uint16_t port, int size, uint32_t value);

/* iobus_register_ex() flags. */
#define IOBUS_8BIT 0x1u /* split 16/32-bit accesses into byte accesses */

typedef struct IoRange {
  uint16_t base;     /* first port */
  uint32_t count;    /* number of ports */
  IoRead read;       /* NULL: reads as all-ones */
  IoWrite write;     /* NULL: writes ignored */
  void *opaque;      /* passed to the callbacks */
  const char *name;  /* for logs and `iobus_dump` */
  unsigned flags;    /* IOBUS_* */
} IoRange;

#define IOBUS_MAX_RANGES 128

typedef struct IoBus {
  uint8_t map[65536];                 /* port -> range index + 1 (0: unclaimed) */
  IoRange ranges[IOBUS_MAX_RANGES];   /* registered ranges */
  int nranges;                        /* used entries in ranges[] */
  uint8_t logged[65536 / 8];          /* unclaimed ports already logged */
  bool log_unclaimed;                 /* log unclaimed accesses (default true) */
} IoBus;

IoBus *iobus_new(void);
void iobus_free(IoBus *bus);
/* Claim [base, base+count). Returns 0, or -1 if a port is already claimed or
 * the table is full (an emulator bug: the message names both devices). */
int iobus_register(IoBus *bus, uint16_t base, uint16_t count, IoRead rd, IoWrite wr, void *opaque,
                   const char *name);
int iobus_register_ex(IoBus *bus, uint16_t base, uint16_t count, IoRead rd, IoWrite wr,
                      void *opaque, const char *name, unsigned flags);
/* Release the range registered at base for opaque (a PCI BAR moving or
 * switched off); its slot is reused.  Returns 0, or -1 if there is none. */
int iobus_unregister(IoBus *bus, uint16_t base, void *opaque);
/* Are all of [base, base+count) unclaimed? */
bool iobus_free_range(const IoBus *bus, uint16_t base, uint32_t count);
/* Name of the device owning port, or NULL. */
const char *iobus_owner(const IoBus *bus, uint16_t port);

/* Accesses (size 1, 2 or 4). */
uint32_t iobus_read(IoBus *bus, uint16_t port, int size);
void iobus_write(IoBus *bus, uint16_t port, int size, uint32_t value);

/* Adapters with the Cpu's port_in/port_out signatures (opaque = IoBus *). */
uint32_t iobus_cpu_in(void *opaque, uint16_t port, int size);
void iobus_cpu_out(void *opaque, uint16_t port, int size, uint32_t value);

#endif
