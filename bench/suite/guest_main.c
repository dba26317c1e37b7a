/* guest_main.c - the bare-metal side of the benchmark suite: called by
 * boot.asm in flat 32-bit protected mode (interrupts off), it optionally
 * builds page tables and turns paging on, runs one workload, prints
 * "SUITE wl=W iter=XXXXXXXX csum=XXXXXXXX" on port E9h and exits through
 * port F4h (x86vm and QEMU's isa-debug-exit: status (10h << 1) | 1 = 33).
 * Written from scratch for x86vm. */
#include "suite.h"

/* The parameter block in the boot sector (boot.asm), patched into each
 * image by run_suite.py. */
struct SuiteParams {
  char magic[8];  /* "SUITEPRM" */
  u32 workload;   /* WL_* */
  u32 iters;      /* loop iterations; 0 = set-up only */
  u32 flags;      /* SUITE_PAGING */
};
extern struct SuiteParams suite_params;

#define SUITE_PAGING 1u

#define RAM_SIZE (128u << 20)    /* both emulators are started with 128 MiB */
#define PGDIR 0x00100000u        /* page directory, then page tables */
#define ARENA_PHYS 0x01000000u   /* 16 MiB .. 80 MiB */
#define ARENA_VIRT 0x40000000u   /* where paging maps the arena, scrambled */

static inline void outb(u16 port, u8 v) {
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void put_str(const char *s) {
  while (*s)
    outb(0xe9, (u8)*s++);
}

static void put_hex(u32 v) {
  for (int sh = 28; sh >= 0; sh -= 4)
    outb(0xe9, (u8)"0123456789abcdef"[(v >> sh) & 15]);
}

/* 4-KiB pages only (no PSE): identity-map all RAM, and map ARENA_VIRT onto
 * the arena's physical pages in a scrambled order, so neighbouring virtual
 * pages are far apart physically. */
static void paging_on(void) {
  u32 *pd = (u32 *)PGDIR;
  u32 *pt = pd + 1024;
  u32 n_ram = RAM_SIZE >> 12, n_arena = SUITE_ARENA_SIZE >> 12;
  for (u32 i = 0; i < 1024; i++)
    pd[i] = 0;
  for (u32 p = 0; p < n_ram; p++)
    pt[p] = (p << 12) | 3;
  for (u32 t = 0; t < n_ram / 1024; t++)
    pd[t] = (u32)(pt + t * 1024) | 3;
  u32 *apt = pt + n_ram;
  for (u32 p = 0; p < n_arena; p++)
    apt[p] = (ARENA_PHYS + (((p * 40503u) & (n_arena - 1)) << 12)) | 3;
  for (u32 t = 0; t < n_arena / 1024; t++)
    pd[(ARENA_VIRT >> 22) + t] = (u32)(apt + t * 1024) | 3;
  __asm__ volatile("movl %0, %%cr3\n\t"
                   "movl %%cr0, %%eax\n\t"
                   "orl $0x80000000, %%eax\n\t"
                   "movl %%eax, %%cr0\n\t"
                   "jmp 1f\n1:"
                   : : "r"(PGDIR) : "eax", "memory");
}

void guest_main(void) {
  void *arena = (void *)ARENA_PHYS;
  if (suite_params.flags & SUITE_PAGING) {
    paging_on();
    arena = (void *)ARENA_VIRT;
  }
  u32 csum = suite_run(suite_params.workload, suite_params.iters, arena, SUITE_ARENA_SIZE);
  put_str("SUITE wl=");
  outb(0xe9, (u8)('0' + suite_params.workload));
  put_str(" iter=");
  put_hex(suite_params.iters);
  put_str(" csum=");
  put_hex(csum);
  put_str("\n");
  outb(0xf4, 0x10);
  for (;;)
    __asm__ volatile("cli; hlt");
}
