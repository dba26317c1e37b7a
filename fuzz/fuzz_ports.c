/*
 * fuzz_ports.c — the devices' port and MMIO interfaces, driven by a byte
 * program against a whole machine (pc.h), with floppy, hard disk and CD.
 *
 * Input: a sequence of operations, each an opcode byte (low 3 bits the
 * kind, bits 3-4 the width: 1, 2, 4 or 1 bytes) and its operands:
 *   0 OUT  port-sel value     1 IN   port-sel
 *   2 MMIO write area addr16 value    3 MMIO read area addr16
 *   4 RUN  n: the machine runs (n+1) * 20 us of virtual time, the CPU
 *          idling with interrupts on (timers fire, DMA and drives move on)
 *   5 FLOPPY DMA: DMA channel 2 set up (mode byte, buffer page, count)
 *          then an FDC command of 9 bytes from the input
 *   6 IDE: drive/head, LBA 3 bytes, count, command on channel (bit 3)
 *          then up to 256 data-port reads or writes
 *   7 SEQ n port-sel: n+1 reads of the same port (FIFO drains)
 * port-sel: a byte below the table size picks fuzz_ports[], else a raw
 * 16-bit port follows.  MMIO areas: VGA A0000h, the LFB, the ROM hole, RAM.
 * The machine is reset for every input (fuzz_machine_get); a bounded
 * virtual-time budget keeps every input short.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vga.h"

static uint16_t port_sel(FuzzIn *in) {
  uint8_t b = fin_u8(in);
  return b < fuzz_nports ? fuzz_ports[b] : (uint16_t)fin_le(in, 2);
}

static void out(Machine *m, uint16_t port, int size, uint32_t v) {
  m->cpu->port_out(m->cpu->io_opaque, port, size, v);
}
static uint32_t in(Machine *m, uint16_t port, int size) { return m->cpu->port_in(m->cpu->io_opaque, port, size); }

static uint32_t mmio_addr(FuzzIn *in) {
  uint8_t area = fin_u8(in);
  uint32_t off = fin_le(in, 2);
  switch (area & 3) {
  case 0: return 0xa0000u + (off | (uint32_t)(area & 4) << 14);  /* VGA window (128 KiB) */
  case 1: return VGA_LFB_ADDR + (off | (uint32_t)(area >> 2) << 16); /* LFB (1 MiB configured) */
  case 2: return 0xc0000u + off;                                     /* option ROM area */
  default: return (uint32_t)(area >> 2) << 16 | off;                 /* RAM (DMA buffers) */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return 0;
  Machine *m = fuzz_machine_get(true);
  /* The CPU idles: HLT with interrupts on, every vector an IRET. */
  static const uint8_t idle[] = {0xfb, 0xf4, 0xeb, 0xfc}; /* sti; hlt; jmp $-2 */
  mem_write_bytes(m->mem, 0x7c00, idle, sizeof idle);
  fuzz_real_mode_at(m, 0, 0x7c00, true);
  FuzzIn fi = {data, size};
  uint64_t budget = 50u * 1000 * 1000; /* 50 ms of virtual time per input */
  for (int ops = 0; fi.n && ops < 2000 && !m->exit_requested; ops++) {
    uint8_t op = fin_u8(&fi);
    static const int widths[4] = {1, 2, 4, 1};
    int w = widths[(op >> 3) & 3];
    switch (op & 7) {
    case 0: {
      uint16_t p = port_sel(&fi);
      out(m, p, w, fin_le(&fi, w));
      break;
    }
    case 1: in(m, port_sel(&fi), w); break;
    case 2: {
      uint32_t a = mmio_addr(&fi);
      uint32_t v = fin_le(&fi, w);
      if (w == 1)
        mem_write8(m->mem, a, (uint8_t)v);
      else if (w == 2)
        mem_write16(m->mem, a, (uint16_t)v);
      else
        mem_write32(m->mem, a, v);
      break;
    }
    case 3: {
      uint32_t a = mmio_addr(&fi);
      if (w == 1)
        mem_read8(m->mem, a);
      else if (w == 2)
        mem_read16(m->mem, a);
      else
        mem_read32(m->mem, a);
      break;
    }
    case 4: {
      uint64_t ns = (uint64_t)(fin_u8(&fi) + 1) * 20000;
      if (ns > budget)
        ns = budget;
      budget -= ns;
      if (ns)
        machine_run_for(m, ns);
      break;
    }
    case 5: {
      /* 8237 channel 2: mask, clear flip-flop, mode, address, page, count, unmask. */
      uint8_t mode = (uint8_t)((fin_u8(&fi) & 0xfc) | 2);
      uint8_t page = fin_u8(&fi) & 0x1f;
      uint16_t count = (uint16_t)fin_le(&fi, 2);
      out(m, 0x0a, 1, 0x06);
      out(m, 0x0c, 1, 0);
      out(m, 0x0b, 1, mode);
      out(m, 0x04, 1, 0);
      out(m, 0x04, 1, 0);
      out(m, 0x81, 1, page);
      out(m, 0x05, 1, count & 0xff);
      out(m, 0x05, 1, count >> 8);
      out(m, 0x0a, 1, 0x02);
      /* FDC: motor and DMA on, then the command bytes as the FIFO takes them. */
      out(m, 0x3f2, 1, 0x1c);
      for (int i = 0; i < 9; i++)
        out(m, 0x3f5, 1, fin_u8(&fi));
      break;
    }
    case 6: {
      uint16_t base = (op & 8) ? 0x170 : 0x1f0;
      out(m, base + 6, 1, fin_u8(&fi));
      out(m, base + 2, 1, fin_u8(&fi));
      out(m, base + 3, 1, fin_u8(&fi));
      out(m, base + 4, 1, fin_u8(&fi));
      out(m, base + 5, 1, fin_u8(&fi));
      out(m, base + 7, 1, fin_u8(&fi));
      uint8_t n = fin_u8(&fi);
      for (int i = 0; i <= n; i++) {
        if (op & 0x80)
          out(m, base, 2, (uint32_t)i * 0x0101u);
        else
          in(m, base, 2);
      }
      break;
    }
    default: {
      uint8_t n = fin_u8(&fi);
      uint16_t p = port_sel(&fi);
      for (int i = 0; i <= n; i++)
        in(m, p, w);
      break;
    }
    }
  }
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  return 0;
}
