/*
 * mem.h — the guest physical address space: RAM, ROM and MMIO regions.
 *
 * RAM is one host allocation; ROM, MMIO and device-RAM regions are overlaid
 * on the address map by the machine.  Device RAM (a video card's linear
 * framebuffer) is host memory owned by the device: the TLBs get direct
 * pointers to it, and handing out a write pointer (or a slow-path write)
 * marks the page in the device's dirty map; the device clears the map and
 * calls mem_rearm_dirty() so later writes mark pages again.  No code runs
 * from device RAM through the block caches (mem_page_code_ptr).  Devices plug in by registering an MMIO
 * region with read/write callbacks, without touching the CPU.  Every guest
 * physical access is bounds-checked: an access outside RAM and every region
 * reads as all-ones and writes are dropped, never touching host memory.
 *
 * Pages that hold decoded (or translated) code are tracked here: a write to
 * such a page bumps its generation so the engines drop stale decodes.
 */
#ifndef X86VM_MEM_H
#define X86VM_MEM_H

#include <stdbool.h>
#include <stdint.h>

/* The debugger's hooks on the hot paths (Mem.watch_hook and ram_dirty here,
 * Cpu.brk_lin/brk_phys and dbg_event in the CPU, interpreter and JIT):
 * 0 in a build without the debugger (cmake -DX86VM_DEBUGGER=OFF), where
 * each test of them compiles away. */
#ifdef X86VM_NO_DEBUGGER
#define DBG_HOOKS 0
#else
#define DBG_HOOKS 1
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096u
#define PAGE_MASK  0xfffu
#define MEM_HOLE_LO 0xa0000u   /* VGA memory, option and BIOS ROMs */
#define MEM_HOLE_HI 0x100000u

typedef uint32_t (*MmioRead)(void *opaque, uint32_t offset, int size);
typedef void (*MmioWrite)(void *opaque, uint32_t offset, int size, uint32_t value);

typedef enum MemKind { MEM_ROM = 1, MEM_MMIO = 2, MEM_RAM = 3 } MemKind;

typedef struct MemRegion {
  uint32_t base;      /* physical base */
  uint32_t size;      /* bytes */
  MemKind kind;
  uint8_t *host;      /* ROM contents (MEM_ROM), device memory (MEM_RAM) */
  uint8_t *dirty;     /* MEM_RAM: per page, set when written (or a write pointer handed out) */
  MmioRead read;      /* MEM_MMIO callbacks */
  MmioWrite write;
  void *opaque;
  const char *name;
  /* Movable regions (mem_map_window, mem_region_move): size is 0 while the
   * region is switched off, so lookups skip it; map_size is its real size.
   * A window (kind MEM_ROM, borrowed host) reads from host and sends
   * writes to wr_host when set (RAM behind a ROM), else drops them. */
  uint32_t map_size;
  uint8_t *wr_host;
  bool borrowed;      /* host is not ours to free */
} MemRegion;

#define MEM_MAX_REGIONS 32

typedef struct Mem {
  uint8_t *ram;            /* guest RAM */
  uint32_t ram_size;       /* bytes, multiple of 4 KiB */
  uint32_t a20_mask;       /* 0xffffffff, or ~0x100000 when A20 is masked */
  MemRegion regions[MEM_MAX_REGIONS];
  int nregions;
  uint8_t *page_code;      /* per RAM page: MEM_PAGE_* bits; nonzero: writes take the slow path */
  uint32_t *page_gen;      /* per RAM page: generation, bumped on writes to code lines */
  uint32_t rom_gen;        /* the generation of every page outside RAM: bumped when a region
                            * there is mapped, moved or switched (its code may be gone) */
  uint64_t *code_lines;    /* per RAM page: bit i set = 64-byte line i holds decoded code */
  /* Called after a write hits a code page, or a mapping over it changed (the
   * JIT invalidates its blocks); ppage >= ram_size / 4 KiB: pages outside RAM. */
  void (*code_write_hook)(void *opaque, uint32_t ppage);
  void *code_write_opaque;
  /* Debugger watchpoints (src/debug/): called after a write to a RAM page
   * marked MEM_PAGE_WATCHED, with the address of the write (its first byte,
   * and its last if it crosses a 64-byte line).  Marked pages hand out no
   * write pointers, so nothing else pays for this. */
  void (*watch_hook)(void *opaque, uint32_t pa);
  void *watch_opaque;
  /* Debugger read and access watchpoints (src/debug/), NULL when none is
   * set: called by the CPU's slow path (mmu.c) before each data access of
   * len bytes at physical pa to a page with no host pointer for it.  While
   * it is set, pages marked MEM_PAGE_RWATCHED get no host pointer in the
   * TLB, so every read and write there comes to it; nothing else pays. */
  void (*access_hook)(void *opaque, uint32_t pa, uint32_t len, bool write);
  void *access_opaque;
  /* Called when the TLBs must be flushed (A20 toggled, map changed); cpu_create
   * points it at the CPU's (cpu.c: cpu_map_changed). */
  void (*map_changed_hook)(void *opaque);
  void *map_changed_opaque;
  /* Called when write pointers into device RAM must be dropped (the machine
   * flushes the CPU's TLB), so the next write marks its page dirty again. */
  void (*rearm_hook)(void *opaque);
  void *rearm_opaque;
  /* Lockstep checking (src/jit/lockstep.c): when set, every RAM write is
   * logged with its old value, no host write pointers are handed out, and
   * any MMIO access is flagged (device side effects cannot be replayed). */
  struct MemWriteLog *wlog;
  /* Reverse execution (src/debug/reverse.c), NULL when off: per RAM page,
   * set when written or when a write pointer to it is handed out; its owner
   * clears it and calls mem_rearm_dirty() so later writes mark it again. */
  uint8_t *ram_dirty;
  uint32_t hull_lo;        /* every ROM/MMIO region lies in [hull_lo, hull_hi) */
  uint64_t hull_hi;
  /* No ROM/MMIO region lies in RAM outside the legacy hole [MEM_HOLE_LO, MEM_HOLE_HI):
   * the JIT may read that RAM straight from `ram` while paging is off (RAM window). */
  bool ram_window;
} Mem;

/* Mem.page_code bits. */
#define MEM_PAGE_CODE    0x01u /* decoded code lives there */
#define MEM_PAGE_WATCHED 0x02u /* a debugger watchpoint covers part of it (watch_hook) */
#define MEM_PAGE_RWATCHED 0x04u /* a debugger read/access watchpoint covers part of it (access_hook) */

typedef struct MemWriteLog {
  uint32_t n, cap;
  struct { uint32_t pa; uint8_t old, val; } *e;
  bool mmio;               /* an MMIO region was read or written */
} MemWriteLog;

/* ram_size in bytes (rounded up to 4 KiB). Returns NULL on allocation failure. */
Mem *mem_create(uint32_t ram_size);
void mem_destroy(Mem *mem);
/* Map a ROM image (copied) or an MMIO region. Returns 0, or -1 if the map is full. */
int mem_map_rom(Mem *mem, uint32_t base, const uint8_t *data, uint32_t size, const char *name);
int mem_map_mmio(Mem *mem, uint32_t base, uint32_t size, MmioRead rd, MmioWrite wr, void *opaque,
                 const char *name);
/* Map device RAM: size bytes (multiple of 4 KiB) at host, owned by the caller,
 * with dirty[size / 4 KiB] page flags. Returns 0, or -1 if the map is full. */
int mem_map_ram(Mem *mem, uint32_t base, uint8_t *host, uint8_t *dirty, uint32_t size,
                const char *name);
/* A window over [base, base+size) (e.g. a chipset's shadow-RAM control
 * for C0000h-FFFFFh), off at first: plain RAM shows through.  Returns the
 * region's id for mem_window_set, or -1 if the map is full.  The whole
 * span counts as covered by regions (no fast path assumes plain RAM there). */
int mem_map_window(Mem *mem, uint32_t base, uint32_t size, const char *name);
/* Switch window id: reads from rd (size bytes, not owned; NULL switches the
 * window off so plain RAM shows through), writes to wr (NULL: dropped).
 * Decoded code of the pages is dropped and the TLBs are flushed, so the
 * fast paths never see a stale mapping and pay nothing per access. */
void mem_window_set(Mem *mem, int id, const uint8_t *rd, uint8_t *wr);
/* Move region id (from mem_region_id) to base, or switch it off (on false):
 * a PCI BAR moving a device's memory.  Like every change of the map (map,
 * window, A20), it calls map_changed_hook (the CPU flushes its TLB, so no
 * host pointer or MMIO decision outlives the move, and the JIT's jump
 * cache with it, and translated code returns to the dispatch loop), and the
 * code of the pages it leaves and covers is dropped (page generations, the
 * JIT's blocks through code_write_hook): nothing cached sees the old map. */
void mem_region_move(Mem *mem, int id, uint32_t base, bool on);
/* The id of the region mapped last (after a successful mem_map_*). */
static inline int mem_region_id_last(const Mem *mem) { return mem->nregions - 1; }
/* After clearing a device-RAM dirty map: drop handed-out write pointers. */
void mem_rearm_dirty(Mem *mem);
void mem_set_a20(Mem *mem, bool enabled);

/* Host pointer to the start of physical page ppage for reads, or NULL (MMIO/unmapped). */
uint8_t *mem_page_read_ptr(Mem *mem, uint32_t ppage);
/* Host pointer for writes, or NULL when writes must take the slow path (ROM, MMIO, code pages).
 * A device-RAM page is marked dirty when its pointer is handed out. */
uint8_t *mem_page_write_ptr(Mem *mem, uint32_t ppage);
/* Host pointer to a page that decoded code may be cached from (RAM, ROM), or NULL. */
uint8_t *mem_page_code_ptr(Mem *mem, uint32_t ppage);

/* Slow-path physical accesses (any alignment, any region). */
uint8_t mem_read8(Mem *mem, uint32_t pa);
uint16_t mem_read16(Mem *mem, uint32_t pa);
uint32_t mem_read32(Mem *mem, uint32_t pa);
void mem_write8(Mem *mem, uint32_t pa, uint8_t v);
void mem_write16(Mem *mem, uint32_t pa, uint16_t v);
void mem_write32(Mem *mem, uint32_t pa, uint32_t v);
/* Bulk copies for loaders and DMA (DMA writes invalidate code like CPU writes). */
void mem_write_bytes(Mem *mem, uint32_t pa, const void *src, uint32_t len);
void mem_read_bytes(Mem *mem, uint32_t pa, void *dst, uint32_t len);

/* Mark or unmark a RAM page as watched (MEM_PAGE_WATCHED); the caller flushes the TLBs. */
void mem_set_watched(Mem *mem, uint32_t ppage, bool on);
/* The same for read/access watchpoints (MEM_PAGE_RWATCHED). */
void mem_set_rwatched(Mem *mem, uint32_t ppage, bool on);
/* Is physical page ppage (before the A20 mask) marked MEM_PAGE_RWATCHED? */
static inline bool mem_page_rwatched(const Mem *mem, uint32_t ppage) {
  uint32_t pg = ((ppage << PAGE_SHIFT) & mem->a20_mask) >> PAGE_SHIFT;
  return pg < (mem->ram_size >> PAGE_SHIFT) && (mem->page_code[pg] & MEM_PAGE_RWATCHED);
}
/* Mark a RAM page as holding code. Returns true if it was not marked before. */
bool mem_mark_code(Mem *mem, uint32_t ppage);
/* Mark the bytes [pa, pa+len) (one page) as decoded code: writes there bump the
 * page generation; writes elsewhere in the page do not. */
void mem_mark_code_bytes(Mem *mem, uint32_t pa, uint32_t len);
/* The generation word of physical page ppage: a RAM page's own, else rom_gen. */
static inline const uint32_t *mem_page_genp(const Mem *mem, uint32_t ppage) {
  return ppage < (mem->ram_size >> PAGE_SHIFT) ? &mem->page_gen[ppage] : &mem->rom_gen;
}
static inline uint32_t mem_page_gen(const Mem *mem, uint32_t ppage) { return *mem_page_genp(mem, ppage); }

#endif
