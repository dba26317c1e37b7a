/*
 * mmio_remap.c — moving a memory region (a PCI BAR) is seen at once by the
 * engine named by X86VM_TEST_ENGINE (tests/engine.h), whatever it cached.
 *
 * Real mode, 512 KiB of RAM.  A guest load `mov eax, [bx]` runs again and
 * again (so the TLB holds its page and the JIT has translated it, with the
 * RAM-window key while no region lies in RAM) while the harness moves an
 * MMIO region onto the page, elsewhere and off: each run must read what the
 * map says now.  Then code runs from a ROM region outside RAM (blocks and
 * translations cached with it) and another ROM takes its place: the next
 * run must execute the new bytes.
 * Exit status 0 when every read and run saw the current map.
 */
#include "cpu.h"
#include "engine.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

#define MMIO_TAG 0xa5a50000u

static int failed;
static unsigned mmio_reads;

static uint32_t mmio_read(void *opaque, uint32_t offset, int size) {
  (void)opaque;
  (void)size;
  mmio_reads++;
  return MMIO_TAG | offset;
}
static void mmio_write(void *opaque, uint32_t offset, int size, uint32_t value) {
  (void)opaque, (void)offset, (void)size, (void)value;
}

/* Run from seg:0 to the HLT and return EAX. */
static uint32_t run(Cpu *cpu, uint16_t cs, uint16_t ds) {
  cpu_load_seg_real(cpu, S_CS, cs);
  cpu_load_seg_real(cpu, S_DS, ds);
  cpu->eip = 0;
  cpu->halted = false;
  cpu->regs[R_EAX] = 0xdeadbeefu;
  cpu->regs[R_EBX] = 0x10;
  CpuStop r = cpu_run(cpu, 1000);
  if (r != CPU_STOP_HLT) {
    fprintf(stderr, "mmio_remap: the run stopped with %d, not at HLT\n", (int)r);
    failed++;
  }
  return cpu->regs[R_EAX];
}

static void expect(const char *what, uint32_t got, uint32_t want) {
  if (got != want) {
    fprintf(stderr, "mmio_remap: %s: EAX = %08x, want %08x\n", what, got, want);
    failed++;
  }
}

int main(void) {
  Mem *mem = mem_create(512u << 10);
  Cpu *cpu = mem ? cpu_create(mem) : NULL;
  if (!cpu) {
    fprintf(stderr, "mmio_remap: out of memory\n");
    return 2;
  }
  test_engine_setup(cpu);
  cpu->halt_exits = true;
  static const uint8_t load[] = {0x66, 0x8b, 0x07, 0xf4}; /* mov eax, [bx]; hlt */
  mem_write_bytes(mem, 0x10000, load, sizeof load);
  const uint32_t ram60 = 0x11223344u, ram70 = 0x55667788u;
  mem_write_bytes(mem, 0x60010, &ram60, 4);
  mem_write_bytes(mem, 0x70010, &ram70, 4);

  /* The device's registers start in the legacy hole: RAM is plain. */
  if (mem_map_mmio(mem, 0xb0000, 0x1000, mmio_read, mmio_write, NULL, "dev") < 0)
    return 2;
  int dev = mem_region_id_last(mem);
  for (int i = 0; i < 3; i++)
    expect("RAM at 60010h before the move", run(cpu, 0x1000, 0x6000), ram60);
  mem_region_move(mem, dev, 0x60000, true);
  for (int i = 0; i < 3; i++)
    expect("registers moved onto 60000h", run(cpu, 0x1000, 0x6000), MMIO_TAG | 0x10);
  expect("RAM at 70010h", run(cpu, 0x1000, 0x7000), ram70);
  mem_region_move(mem, dev, 0x70000, true);
  expect("60000h after the registers left", run(cpu, 0x1000, 0x6000), ram60);
  expect("registers moved onto 70000h", run(cpu, 0x1000, 0x7000), MMIO_TAG | 0x10);
  mem_region_move(mem, dev, 0x70000, false);
  expect("70000h with the registers off", run(cpu, 0x1000, 0x7000), ram70);
  unsigned reads = mmio_reads;
  if (reads != 4) {
    fprintf(stderr, "mmio_remap: %u register reads, want 4\n", reads);
    failed++;
  }

  /* Code in a ROM outside RAM (90000h), then another ROM in its place. */
  static const uint8_t rom_a[] = {0x66, 0xb8, 1, 0, 0, 0, 0xf4}; /* mov eax, 1; hlt */
  static const uint8_t rom_b[] = {0x66, 0xb8, 2, 0, 0, 0, 0xf4}; /* mov eax, 2; hlt */
  if (mem_map_rom(mem, 0x90000, rom_a, sizeof rom_a, "rom-a") < 0)
    return 2;
  int a = mem_region_id_last(mem);
  if (mem_map_rom(mem, 0x98000, rom_b, sizeof rom_b, "rom-b") < 0)
    return 2;
  int b = mem_region_id_last(mem);
  mem_region_move(mem, b, 0, false);
  for (int i = 0; i < 3; i++)
    expect("ROM A's code", run(cpu, 0x9000, 0), 1);
  mem_region_move(mem, a, 0, false);
  mem_region_move(mem, b, 0x90000, true);
  for (int i = 0; i < 2; i++)
    expect("ROM B's code where A was", run(cpu, 0x9000, 0), 2);
  mem_region_move(mem, b, 0, false);
  mem_region_move(mem, a, 0x90000, true);
  expect("ROM A's code again", run(cpu, 0x9000, 0), 1);

  if (test_engine_failed(cpu))
    failed++;
  test_engine_teardown(cpu);
  cpu_destroy(cpu);
  mem_destroy(mem);
  if (failed)
    return 1;
  printf("mmio_remap: every run saw the current map\n");
  return 0;
}
