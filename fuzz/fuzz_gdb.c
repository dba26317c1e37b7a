/*
 * fuzz_gdb.c — the gdb stub's packet parser and commands, fed the bytes a
 * client would send (gdbstub_new_buffer: the input is the socket's whole
 * stream, then the client hangs up).
 *
 * The machine runs a small real-mode loop at 0000:7C00 that reads and
 * writes two words (so watchpoints of every kind have something to stop
 * on) CX times, then halts with interrupts off; reverse execution is on
 * (8 MiB of checkpoints), so bs and bc replay.  Virtual time runs at
 * 2 us per instruction: the stub polls its client every 10 ms of it, so a
 * `c` that nothing stops ends within a few thousand instructions once the
 * input is used up.
 *
 * Checks beyond the sanitizers: everything the stub sends is an ack (+ or
 * -) or a well-formed packet ($, payload without $ or #, #, the right
 * checksum); after the session no debugger hook is left on the machine.
 * FUZZ_GDB_ECHO=1 writes what the stub sent to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "gdbstub.h"

/* The client's side of the stream: a small parser of what the stub sends. */
typedef struct Reader {
  int st;        /* 0: between packets, 1: payload, 2, 3: checksum digits */
  uint8_t sum;
  int ck;
} Reader;

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1; /* the stub sends lower case */
}

static void bad(const char *what, int c) {
  fprintf(stderr, "fuzz_gdb: the stub sent a bad stream: %s (byte %#x)\n", what, c);
  abort();
}

static int echo = -1; /* FUZZ_GDB_ECHO=1: what the stub sends, on stderr (to read a reproducer) */

static void sink(void *opaque, const char *buf, size_t len) {
  Reader *r = opaque;
  if (echo < 0)
    echo = getenv("FUZZ_GDB_ECHO") && atoi(getenv("FUZZ_GDB_ECHO"));
  if (echo)
    fwrite(buf, 1, len, stderr);
  for (size_t i = 0; i < len; i++) {
    int c = (uint8_t)buf[i];
    switch (r->st) {
    case 0:
      if (c == '$') {
        r->st = 1;
        r->sum = 0;
      } else if (c != '+' && c != '-') {
        bad("between packets, neither an ack nor '$'", c);
      }
      break;
    case 1:
      if (c == '#')
        r->st = 2;
      else if (c == '$')
        bad("'$' inside a packet", c);
      else
        r->sum = (uint8_t)(r->sum + c);
      break;
    case 2:
      if (hexval(c) < 0)
        bad("checksum digit", c);
      r->ck = hexval(c) << 4;
      r->st = 3;
      break;
    default:
      if (hexval(c) < 0)
        bad("checksum digit", c);
      if ((r->ck | hexval(c)) != r->sum)
        bad("wrong checksum", c);
      r->st = 0;
      break;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192)
    return 0;
  Machine *m = fuzz_machine_get(false);
  m->clock->ns_per_insn = 2000;
  clock_fix_rate(m->clock);
  static const uint8_t prog[] = {
      0xa1, 0x00, 0x06,       /* 7C00: mov ax, [600h] */
      0xff, 0x06, 0x04, 0x06, /* 7C03: inc word [604h] */
      0x89, 0x0e, 0x08, 0x06, /* 7C07: mov [608h], cx */
      0xe2, 0xf3,             /* 7C0B: loop 7C00 */
      0xfa, 0xf4,             /* 7C0D: cli; hlt */
  };
  mem_write_bytes(m->mem, 0x7c00, prog, sizeof prog);
  fuzz_real_mode_at(m, 0, 0x7c00, false);
  m->cpu->regs[R_ECX] = 64;
  Reader rd = {0};
  GdbStub *g = gdbstub_new_buffer(data, size, sink, &rd);
  if (!g)
    abort();
  bool detached;
  gdbstub_run(g, m, 8, &detached);
  gdbstub_close(g);
  if (rd.st != 0)
    bad("the last packet is cut short", 0);
  if (m->mem->access_hook || m->mem->watch_hook || m->cpu->dbg_event || m->ckpt_fn || m->mem->ram_dirty) {
    fprintf(stderr, "fuzz_gdb: a debugger hook is left on the machine\n");
    abort();
  }
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  return 0;
}
