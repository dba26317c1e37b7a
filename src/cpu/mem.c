/*
 * mem.c — guest physical address space (see mem.h).
 */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

/* The span [hull_lo, hull_hi) covers every region: RAM outside it is plain. */
static void hull_add(Mem *mem, uint32_t base, uint32_t size) {
  uint64_t end = (uint64_t)base + size;
  if (base < mem->hull_lo)
    mem->hull_lo = base;
  if (end > mem->hull_hi)
    mem->hull_hi = end;
  bool low = base < MEM_HOLE_LO, high = end > MEM_HOLE_HI && base < mem->ram_size;
  if (low || high)
    mem->ram_window = false;
}

/* [pa, pa+n) is plain RAM in one page (no region, no lockstep log): a direct access will do. */
static inline bool plain_ram(const Mem *mem, uint32_t pa, uint32_t n) {
  return (uint64_t)pa + n <= mem->ram_size && (pa & PAGE_MASK) <= PAGE_SIZE - n && !mem->wlog &&
         ((uint64_t)pa >= mem->hull_hi || pa + n <= mem->hull_lo);
}

Mem *mem_create(uint32_t ram_size) {
  ram_size = (ram_size + PAGE_MASK) & ~PAGE_MASK;
  Mem *mem = calloc(1, sizeof(*mem));
  if (!mem)
    return NULL;
  mem->ram = calloc(1, ram_size ? ram_size : PAGE_SIZE);
  mem->page_code = calloc(ram_size / PAGE_SIZE + 1, 1);
  mem->page_gen = calloc(ram_size / PAGE_SIZE + 1, sizeof(uint32_t));
  mem->code_lines = calloc(ram_size / PAGE_SIZE + 1, sizeof(uint64_t));
  if (!mem->ram || !mem->page_code || !mem->page_gen || !mem->code_lines) {
    mem_destroy(mem);
    return NULL;
  }
  mem->ram_size = ram_size;
  mem->a20_mask = 0xffffffffu;
  mem->hull_lo = 0xffffffffu;
  mem->hull_hi = 0;
  mem->ram_window = true;
  return mem;
}

void mem_destroy(Mem *mem) {
  if (!mem)
    return;
  for (int i = 0; i < mem->nregions; i++)
    if (mem->regions[i].kind == MEM_ROM && !mem->regions[i].borrowed)
      free(mem->regions[i].host);
  free(mem->ram);
  free(mem->page_code);
  free(mem->page_gen);
  free(mem->code_lines);
  free(mem);
}

static void map_changed(Mem *mem) {
  if (mem->map_changed_hook)
    mem->map_changed_hook(mem->map_changed_opaque);
}

/* Code decoded from [base, base+size) may have come from the other side of
 * a mapping that just changed: bump the pages' generations and tell the JIT.
 * Pages outside RAM share one generation (ROM there rarely moves). */
static void drop_code(Mem *mem, uint32_t base, uint32_t size) {
  for (uint32_t pa = base; pa - base < size && pa < mem->ram_size; pa += PAGE_SIZE) {
    uint32_t pg = pa >> PAGE_SHIFT;
    mem->page_gen[pg]++;
    if (mem->code_write_hook && (mem->page_code[pg] & MEM_PAGE_CODE))
      mem->code_write_hook(mem->code_write_opaque, pg);
  }
  if ((uint64_t)base + size > mem->ram_size) {
    mem->rom_gen++;
    if (mem->code_write_hook)
      mem->code_write_hook(mem->code_write_opaque, mem->ram_size >> PAGE_SHIFT);
  }
}

int mem_map_rom(Mem *mem, uint32_t base, const uint8_t *data, uint32_t size, const char *name) {
  if (mem->nregions >= MEM_MAX_REGIONS || size == 0)
    return -1;
  uint32_t alloc = (size + PAGE_MASK) & ~PAGE_MASK;
  uint8_t *copy = malloc(alloc);
  if (!copy)
    return -1;
  memset(copy, 0xff, alloc);
  memcpy(copy, data, size);
  MemRegion *r = &mem->regions[mem->nregions++];
  *r = (MemRegion){.base = base, .size = alloc, .kind = MEM_ROM, .host = copy, .name = name,
                   .map_size = alloc};
  hull_add(mem, base, alloc);
  drop_code(mem, base, alloc);
  map_changed(mem);
  return 0;
}

int mem_map_mmio(Mem *mem, uint32_t base, uint32_t size, MmioRead rd, MmioWrite wr, void *opaque,
                 const char *name) {
  if (mem->nregions >= MEM_MAX_REGIONS || size == 0)
    return -1;
  MemRegion *r = &mem->regions[mem->nregions++];
  *r = (MemRegion){.base = base, .size = size, .kind = MEM_MMIO, .read = rd, .write = wr,
                   .opaque = opaque, .name = name, .map_size = size};
  hull_add(mem, base, size);
  drop_code(mem, base, size);
  map_changed(mem);
  return 0;
}

int mem_map_ram(Mem *mem, uint32_t base, uint8_t *host, uint8_t *dirty, uint32_t size,
                const char *name) {
  if (mem->nregions >= MEM_MAX_REGIONS || size == 0 || (size & PAGE_MASK) || (base & PAGE_MASK))
    return -1;
  MemRegion *r = &mem->regions[mem->nregions++];
  *r = (MemRegion){.base = base, .size = size, .kind = MEM_RAM, .host = host, .dirty = dirty,
                   .name = name, .map_size = size};
  hull_add(mem, base, size);
  drop_code(mem, base, size);
  map_changed(mem);
  return 0;
}

int mem_map_window(Mem *mem, uint32_t base, uint32_t size, const char *name) {
  if (mem->nregions >= MEM_MAX_REGIONS || size == 0 || (size & PAGE_MASK) || (base & PAGE_MASK))
    return -1;
  MemRegion *r = &mem->regions[mem->nregions++];
  *r = (MemRegion){.base = base, .size = 0, .kind = MEM_ROM, .name = name, .map_size = size,
                   .borrowed = true};
  hull_add(mem, base, size);
  map_changed(mem);
  return mem->nregions - 1;
}

void mem_window_set(Mem *mem, int id, const uint8_t *rd, uint8_t *wr) {
  if (id < 0 || id >= mem->nregions)
    return;
  MemRegion *r = &mem->regions[id];
  r->host = (uint8_t *)rd;
  r->wr_host = rd ? wr : NULL;
  r->size = rd ? r->map_size : 0;
  drop_code(mem, r->base, r->map_size);
  map_changed(mem);
}

void mem_region_move(Mem *mem, int id, uint32_t base, bool on) {
  if (id < 0 || id >= mem->nregions)
    return;
  MemRegion *r = &mem->regions[id];
  if ((uint64_t)base + r->map_size > 0x100000000ull)
    on = false; /* would wrap around the address space */
  if (r->size)
    drop_code(mem, r->base, r->map_size);
  r->base = base;
  r->size = on ? r->map_size : 0;
  if (on) {
    hull_add(mem, base, r->map_size);
    drop_code(mem, base, r->map_size);
  }
  map_changed(mem);
}

void mem_rearm_dirty(Mem *mem) {
  if (mem->rearm_hook)
    mem->rearm_hook(mem->rearm_opaque);
}

void mem_set_a20(Mem *mem, bool enabled) {
  uint32_t m = enabled ? 0xffffffffu : ~0x100000u;
  if (m != mem->a20_mask) {
    mem->a20_mask = m;
    map_changed(mem);
  }
}

/* Region containing pa (latest mapping wins), or NULL. */
static MemRegion *find_region(Mem *mem, uint32_t pa) {
  for (int i = mem->nregions - 1; i >= 0; i--) {
    MemRegion *r = &mem->regions[i];
    if (pa - r->base < r->size)
      return r;
  }
  return NULL;
}

uint8_t *mem_page_read_ptr(Mem *mem, uint32_t ppage) {
  uint32_t pa = (ppage << PAGE_SHIFT) & mem->a20_mask;
  MemRegion *r = find_region(mem, pa);
  if (r)
    return r->kind == MEM_ROM || r->kind == MEM_RAM ? r->host + (pa - r->base) : NULL;
  if (pa < mem->ram_size)
    return mem->ram + pa;
  return NULL;
}

uint8_t *mem_page_code_ptr(Mem *mem, uint32_t ppage) {
  uint32_t pa = (ppage << PAGE_SHIFT) & mem->a20_mask;
  MemRegion *r = find_region(mem, pa);
  if (r && r->kind == MEM_RAM)
    return NULL; /* written behind the code trackers' backs */
  return mem_page_read_ptr(mem, ppage);
}

uint8_t *mem_page_write_ptr(Mem *mem, uint32_t ppage) {
  uint32_t pa = (ppage << PAGE_SHIFT) & mem->a20_mask;
  MemRegion *r = find_region(mem, pa);
  if (r && r->kind == MEM_RAM && !mem->wlog) {
    r->dirty[(pa - r->base) >> PAGE_SHIFT] = 1;
    return r->host + (pa - r->base);
  }
  if (r || mem->wlog)
    return NULL;
  if (pa < mem->ram_size && !mem->page_code[pa >> PAGE_SHIFT]) {
    if (DBG_HOOKS && mem->ram_dirty)
      mem->ram_dirty[pa >> PAGE_SHIFT] = 1;
    return mem->ram + pa;
  }
  return NULL;
}

bool mem_mark_code(Mem *mem, uint32_t ppage) {
  if (ppage >= (mem->ram_size >> PAGE_SHIFT) || (mem->page_code[ppage] & MEM_PAGE_CODE))
    return false;
  bool had = mem->page_code[ppage] != 0; /* watched: already without write pointers */
  mem->page_code[ppage] |= MEM_PAGE_CODE;
  return !had;
}

void mem_set_watched(Mem *mem, uint32_t ppage, bool on) {
  if (ppage >= (mem->ram_size >> PAGE_SHIFT))
    return;
  if (on)
    mem->page_code[ppage] |= MEM_PAGE_WATCHED;
  else
    mem->page_code[ppage] &= (uint8_t)~MEM_PAGE_WATCHED;
}

void mem_set_rwatched(Mem *mem, uint32_t ppage, bool on) {
  if (ppage >= (mem->ram_size >> PAGE_SHIFT))
    return;
  if (on)
    mem->page_code[ppage] |= MEM_PAGE_RWATCHED;
  else
    mem->page_code[ppage] &= (uint8_t)~MEM_PAGE_RWATCHED;
}

void mem_mark_code_bytes(Mem *mem, uint32_t pa, uint32_t len) {
  uint32_t pg = pa >> PAGE_SHIFT;
  if (pg >= (mem->ram_size >> PAGE_SHIFT) || len == 0)
    return;
  uint32_t first = (pa & PAGE_MASK) >> 6, last = ((pa & PAGE_MASK) + len - 1) >> 6;
  if (last > 63)
    last = 63;
  for (uint32_t l = first; l <= last; l++)
    mem->code_lines[pg] |= 1ull << l;
}

/* A write hit a page with MEM_PAGE_* bits set (page_code nonzero). */
static void code_written(Mem *mem, uint32_t pa) {
  uint32_t pg = pa >> PAGE_SHIFT;
  if (DBG_HOOKS && (mem->page_code[pg] & MEM_PAGE_WATCHED) && mem->watch_hook)
    mem->watch_hook(mem->watch_opaque, pa);
  if (!(mem->page_code[pg] & MEM_PAGE_CODE) || !((mem->code_lines[pg] >> ((pa & PAGE_MASK) >> 6)) & 1))
    return; /* a data line in a page that also holds code */
  mem->page_gen[pg]++;
  if (mem->code_write_hook)
    mem->code_write_hook(mem->code_write_opaque, pg);
}

/* Plain RAM at pa was just written: the debugger's dirty page (reverse
 * execution), and the decoded code on pa's line. */
static inline void ram_touch(Mem *mem, uint32_t pa) {
  if (DBG_HOOKS && mem->ram_dirty)
    mem->ram_dirty[pa >> PAGE_SHIFT] = 1;
  if (mem->page_code[pa >> PAGE_SHIFT])
    code_written(mem, pa);
}

static void wlog_add(MemWriteLog *l, uint32_t pa, uint8_t old, uint8_t val) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 256;
    void *e = realloc(l->e, cap * sizeof *l->e);
    if (!e)
      abort();
    l->e = e;
    l->cap = cap;
  }
  l->e[l->n].pa = pa;
  l->e[l->n].old = old;
  l->e[l->n].val = val;
  l->n++;
}

uint8_t mem_read8(Mem *mem, uint32_t pa) {
  pa &= mem->a20_mask;
  MemRegion *r = mem->nregions ? find_region(mem, pa) : NULL;
  if (r) {
    if (r->kind == MEM_ROM || r->kind == MEM_RAM)
      return r->host[pa - r->base];
    if (mem->wlog)
      mem->wlog->mmio = true;
    return r->read ? (uint8_t)r->read(r->opaque, pa - r->base, 1) : 0xff;
  }
  if (pa < mem->ram_size)
    return mem->ram[pa];
  return 0xff;
}

void mem_write8(Mem *mem, uint32_t pa, uint8_t v) {
  pa &= mem->a20_mask;
  if (plain_ram(mem, pa, 1)) {
    mem->ram[pa] = v;
    ram_touch(mem, pa);
    return;
  }
  MemRegion *r = mem->nregions ? find_region(mem, pa) : NULL;
  if (r) {
    if (r->kind == MEM_ROM && r->wr_host)
      r->wr_host[pa - r->base] = v; /* RAM behind a ROM window: nothing is decoded from it */
    if (r->kind == MEM_MMIO && r->write)
      r->write(r->opaque, pa - r->base, 1, v);
    if (r->kind == MEM_RAM) {
      r->host[pa - r->base] = v;
      r->dirty[(pa - r->base) >> PAGE_SHIFT] = 1;
    }
    if (mem->wlog)
      mem->wlog->mmio = true;
    return;
  }
  if (pa < mem->ram_size) {
    if (mem->wlog)
      wlog_add(mem->wlog, pa, mem->ram[pa], v);
    mem->ram[pa] = v;
    ram_touch(mem, pa);
  }
}

/* Wider accesses: MMIO regions see the full-width access when it fits in one region. */
uint16_t mem_read16(Mem *mem, uint32_t pa) {
  uint32_t p = pa & mem->a20_mask;
  if (plain_ram(mem, p, 2))
    return (uint16_t)(mem->ram[p] | mem->ram[p + 1] << 8);
  MemRegion *r = mem->nregions ? find_region(mem, pa & mem->a20_mask) : NULL;
  if (r && r->kind == MEM_MMIO && mem->wlog)
    mem->wlog->mmio = true;
  if (r && r->kind == MEM_MMIO && (pa & mem->a20_mask) - r->base + 2 <= r->size && r->read)
    return (uint16_t)r->read(r->opaque, (pa & mem->a20_mask) - r->base, 2);
  return (uint16_t)(mem_read8(mem, pa) | mem_read8(mem, pa + 1) << 8);
}

uint32_t mem_read32(Mem *mem, uint32_t pa) {
  uint32_t p = pa & mem->a20_mask;
  if (plain_ram(mem, p, 4))
    return (uint32_t)mem->ram[p] | (uint32_t)mem->ram[p + 1] << 8 | (uint32_t)mem->ram[p + 2] << 16 |
           (uint32_t)mem->ram[p + 3] << 24;
  MemRegion *r = mem->nregions ? find_region(mem, pa & mem->a20_mask) : NULL;
  if (r && r->kind == MEM_MMIO && mem->wlog)
    mem->wlog->mmio = true;
  if (r && r->kind == MEM_MMIO && (pa & mem->a20_mask) - r->base + 4 <= r->size && r->read)
    return r->read(r->opaque, (pa & mem->a20_mask) - r->base, 4);
  return (uint32_t)mem_read16(mem, pa) | (uint32_t)mem_read16(mem, pa + 2) << 16;
}

/* A direct write of n bytes to plain RAM, with the code-line check for each line touched. */
static void plain_write(Mem *mem, uint32_t p, uint32_t v, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    mem->ram[p + i] = (uint8_t)(v >> (8 * i));
  bool code = mem->page_code[p >> PAGE_SHIFT] != 0;
  ram_touch(mem, p); /* plain_ram: one page */
  if (code && ((p + n - 1) >> 6) != (p >> 6))
    code_written(mem, p + n - 1);
}

void mem_write16(Mem *mem, uint32_t pa, uint16_t v) {
  uint32_t p = pa & mem->a20_mask;
  if (plain_ram(mem, p, 2)) {
    plain_write(mem, p, v, 2);
    return;
  }
  MemRegion *r = mem->nregions ? find_region(mem, pa & mem->a20_mask) : NULL;
  if (r && r->kind == MEM_MMIO && (pa & mem->a20_mask) - r->base + 2 <= r->size) {
    if (mem->wlog)
      mem->wlog->mmio = true;
    if (r->write)
      r->write(r->opaque, (pa & mem->a20_mask) - r->base, 2, v);
    return;
  }
  mem_write8(mem, pa, (uint8_t)v);
  mem_write8(mem, pa + 1, (uint8_t)(v >> 8));
}

void mem_write32(Mem *mem, uint32_t pa, uint32_t v) {
  uint32_t p = pa & mem->a20_mask;
  if (plain_ram(mem, p, 4)) {
    plain_write(mem, p, v, 4);
    return;
  }
  MemRegion *r = mem->nregions ? find_region(mem, pa & mem->a20_mask) : NULL;
  if (r && r->kind == MEM_MMIO && (pa & mem->a20_mask) - r->base + 4 <= r->size) {
    if (mem->wlog)
      mem->wlog->mmio = true;
    if (r->write)
      r->write(r->opaque, (pa & mem->a20_mask) - r->base, 4, v);
    return;
  }
  mem_write16(mem, pa, (uint16_t)v);
  mem_write16(mem, pa + 2, (uint16_t)(v >> 16));
}

/* Page by page: plain RAM is copied at once, and a page whose written bytes
 * touch decoded code is invalidated once (as a write to one of its code
 * lines would); anything else (A20 off, ROM/MMIO, the lockstep write log)
 * goes byte by byte through mem_write8. */
void mem_write_bytes(Mem *mem, uint32_t pa, const void *src, uint32_t len) {
  const uint8_t *s = src;
  while (len) {
    uint32_t n = PAGE_SIZE - (pa & PAGE_MASK);
    if (n > len)
      n = len;
    if (mem->a20_mask == 0xffffffffu && plain_ram(mem, pa, n)) {
      memcpy(mem->ram + pa, s, n);
      if (DBG_HOOKS && mem->ram_dirty)
        mem->ram_dirty[pa >> PAGE_SHIFT] = 1;
      uint32_t pg = pa >> PAGE_SHIFT, first = (pa & PAGE_MASK) >> 6, last = ((pa & PAGE_MASK) + n - 1) >> 6;
      uint64_t lines = (last == 63 ? ~0ull : (1ull << (last + 1)) - 1) & ~((1ull << first) - 1);
      uint64_t hit = mem->page_code[pg] ? mem->code_lines[pg] & lines : 0;
      if (DBG_HOOKS && (mem->page_code[pg] & MEM_PAGE_WATCHED) && mem->watch_hook)
        mem->watch_hook(mem->watch_opaque, pa);
      if (hit)
        code_written(mem, (pg << PAGE_SHIFT) | (uint32_t)__builtin_ctzll(hit) << 6);
    } else {
      for (uint32_t i = 0; i < n; i++)
        mem_write8(mem, pa + i, s[i]);
    }
    pa += n;
    s += n;
    len -= n;
  }
}

void mem_read_bytes(Mem *mem, uint32_t pa, void *dst, uint32_t len) {
  uint8_t *d = dst;
  for (uint32_t i = 0; i < len; i++)
    d[i] = mem_read8(mem, pa + i);
}
