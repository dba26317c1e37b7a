/*
 * run_guest.c — bare-metal harness for the self-checking nasm guests.
 *
 * Creates a machine with nothing but RAM and a CPU, loads a flat binary at
 * physical 0x8000 and starts it in real mode at 0000:8000.  The guest talks
 * through two debug ports:
 *   0xE9  one character of log output per byte written;
 *   0xF4  exit: 0 means the guest's own checks passed, anything else is a
 *         failure code (usually the source line of the failed check, or
 *         0xFFvvxxxx for an unexpected exception vv);
 *   0xF6  an interrupt doorbell, as a device that raises its IRQ when read:
 *         a write sets the vector, and the next read raises INTR during
 *         that IN (the acknowledge lowers it and answers the vector);
 *   0xF7  a one-shot timer: a write of N raises the doorbell's vector once
 *         exactly N instructions after the OUT have run, between slices as
 *         the machine's timers do (the engine stops there, whatever block
 *         it is in).
 * Everything else (a halt, a triple fault, running out of the instruction
 * budget) is a failure.
 *
 * Usage: run_guest <guest.bin> [max-instructions]
 */
#include "cpu.h"
#include "engine.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>

/* The interpreter frees its decoded-instruction cache here (src/interp/interp.c). */
void interp_free(Cpu *c);

#define GUEST_LOAD 0x8000u
#define GUEST_RAM (16u << 20)
#define PORT_LOG 0xe9
#define PORT_EXIT 0xf4
#define PORT_DOORBELL 0xf6
#define PORT_TIMER 0xf7

typedef struct Harness {
  Cpu *cpu;
  bool exited;      /* the guest wrote to the exit port */
  uint32_t code;    /* the value it wrote */
  unsigned col;     /* log column, for a final newline */
  int irq_vec;      /* doorbell: vector raised by the next read (-1: none) */
  uint64_t timer_at; /* timer: icount at which to raise irq_vec (0: none) */
} Harness;

static void harness_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Harness *h = opaque;
  if (port == PORT_LOG) {
    putchar((int)(value & 0xff));
    h->col = (value & 0xff) == '\n' ? 0 : h->col + 1;
  } else if (port == PORT_EXIT) {
    h->exited = true;
    h->code = size == 1 ? (value & 0xff) : size == 2 ? (value & 0xffff) : value;
    h->cpu->stop = CPU_STOP_REQUEST;
  } else if (port == PORT_DOORBELL) {
    h->irq_vec = (int)(value & 0xff);
  } else if (port == PORT_TIMER) {
    /* icount does not count the OUT yet; the slice ends after it. */
    h->timer_at = h->cpu->icount + 1 + value;
    h->cpu->stop = CPU_STOP_REQUEST;
  }
}

static uint32_t harness_in(void *opaque, uint16_t port, int size) {
  Harness *h = opaque;
  (void)size;
  if (port == PORT_DOORBELL) {
    if (h->irq_vec >= 0)
      cpu_set_intr(h->cpu, true);
    return 0;
  }
  /* Port 0xE9 reads back 0xE9 (Bochs convention) so a guest can probe it. */
  return port == PORT_LOG ? 0xe9u : 0xffffffffu;
}

static int harness_int_ack(void *opaque) {
  Harness *h = opaque;
  int v = h->irq_vec;
  h->irq_vec = -1;
  cpu_set_intr(h->cpu, false);
  return v;
}

static const char *stop_name(CpuStop s) {
  switch (s) {
  case CPU_STOP_BUDGET: return "instruction budget exhausted";
  case CPU_STOP_HLT: return "halted";
  case CPU_STOP_TRIPLE: return "triple fault";
  case CPU_STOP_REQUEST: return "stop request";
  case CPU_STOP_SHUTDOWN: return "shutdown";
  default: return "?";
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s guest.bin [max-instructions]\n", argv[0]);
    return 2;
  }
  uint64_t budget = argc > 2 ? strtoull(argv[2], NULL, 0) : 50000000ull;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static uint8_t image[GUEST_RAM];
  size_t n = fread(image, 1, sizeof(image) - GUEST_LOAD, f);
  fclose(f);
  if (n == 0) {
    fprintf(stderr, "%s: empty image\n", argv[1]);
    return 2;
  }

  Mem *mem = mem_create(GUEST_RAM);
  Cpu *cpu = mem ? cpu_create(mem) : NULL;
  if (!cpu) {
    fprintf(stderr, "out of memory\n");
    return 2;
  }
  mem_write_bytes(mem, GUEST_LOAD, image, (uint32_t)n);
  test_engine_setup(cpu);
  Harness h = {.cpu = cpu, .irq_vec = -1};
  cpu->io_opaque = &h;
  cpu->port_out = harness_out;
  cpu->port_in = harness_in;
  cpu->int_ack = harness_int_ack;
  cpu->halt_exits = true;
  cpu_load_seg_real(cpu, S_CS, 0);
  cpu->eip = cpu->next_eip = GUEST_LOAD;

  CpuStop why = CPU_STOP_NONE;
  uint64_t done = 0;
  while (!h.exited && done < budget) {
    uint64_t before = cpu->icount, slice = budget - done;
    if (h.timer_at > cpu->icount && h.timer_at - cpu->icount < slice)
      slice = h.timer_at - cpu->icount;
    why = cpu_run(cpu, slice);
    done += cpu->icount - before;
    if (h.timer_at && cpu->icount >= h.timer_at) {
      h.timer_at = 0;
      if (h.irq_vec >= 0)
        cpu_set_intr(cpu, true);
    }
    if (why != CPU_STOP_REQUEST && why != CPU_STOP_BUDGET)
      break;
    if (why == CPU_STOP_BUDGET && cpu->icount == before)
      break; /* waiting in HLT with interrupts enabled: nothing will wake it */
  }
  if (h.col)
    putchar('\n');
  int rc;
  if (h.exited && h.code == 0) {
    printf("%s: PASS (%llu instructions)\n", argv[1], (unsigned long long)cpu->icount);
    rc = 0;
  } else if (h.exited) {
    if ((h.code >> 24) == 0xff)
      printf("%s: FAIL: unexpected exception %u, error code %#x\n", argv[1],
             (h.code >> 16) & 0xff, h.code & 0xffff);
    else
      printf("%s: FAIL: check at guest address %#x (listing offset %#x)\n", argv[1], h.code,
             h.code - GUEST_LOAD);
    rc = 1;
  } else {
    printf("%s: FAIL: %s at %04x:%08x (CPL %u, %llu instructions)\n", argv[1], stop_name(why),
           cpu->seg[S_CS].sel, cpu->eip, cpu->cpl, (unsigned long long)cpu->icount);
    rc = 1;
  }
  if (test_engine_failed(cpu)) {
    printf("%s: FAIL: lockstep found a difference between the engines\n", argv[1]);
    rc = 1;
  }
  test_engine_teardown(cpu);
  interp_free(cpu);
  cpu_destroy(cpu);
  mem_destroy(mem);
  return rc;
}
