/*
 * mmu.c — linear memory: paging (4 KiB and 4 MiB PSE pages, CR0.WP, U/S,
 * R/W, Accessed/Dirty, CR2 and the #PF error code) and the software TLB
 * from linear page to host pointer.
 *
 * The TLB is direct-mapped.  An entry grants a set of TLB_* permissions;
 * write permission is granted only once the page's Dirty bit is set, so the
 * first write to a clean page always walks the tables.  Pages that hold
 * decoded code have no write pointer: writes to them take the slow path in
 * mem.c, which invalidates the decoded instructions.  Pages a data
 * breakpoint watches (debugreg.c) have no host pointer at all: the slow
 * path checks each access to them against DR0-DR3; so do pages a debugger
 * read or access watchpoint covers (Mem.access_hook, only while one is set).
 */
#include "cpu.h"
#include "exec.h"

#include <string.h>

#define ACC_READ 0
#define ACC_WRITE 1
#define ACC_FETCH 2

_Static_assert(sizeof(TlbEntry) == 1u << TLB_ENTRY_SHIFT, "the JIT indexes the TLB by shifting");
_Static_assert(TLB_SIZE <= 65536, "tlb_log holds slots in 16 bits");

/* No data access may use e's host pointers (the JIT's tags). */
static inline void tlb_untag(TlbEntry *e) { memset(e->tag, 0xff, sizeof e->tag); }
static inline void tlb_kill(TlbEntry *e) {
  e->vpage = 0xffffffffu;
  tlb_untag(e);
}

void tlb_flush(Cpu *cpu) {
  if (cpu->tlb_nlog <= TLB_LOG) {
    for (unsigned i = 0; i < cpu->tlb_nlog; i++)
      tlb_kill(&cpu->tlb[cpu->tlb_log[i]]);
  } else {
    for (unsigned i = 0; i < TLB_SIZE; i++)
      tlb_kill(&cpu->tlb[i]);
  }
  cpu->tlb_nlog = 0;
  cpu->tlb_epoch++;
}

void tlb_flush_page(Cpu *cpu, uint32_t lin) {
  TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
  if (e->vpage == lin >> PAGE_SHIFT)
    tlb_kill(e);
  cpu->tlb_epoch++;
}

_Noreturn static void page_fault(Cpu *cpu, uint32_t lin, bool present, int acc, bool user) {
  cpu->cr[2] = lin;
  cpu->fault_reason = present ? "page protection (U/S or R/W bit)" : "page not present"; /* for the debugger */
  uint32_t err = (present ? 1u : 0u) | (acc == ACC_WRITE ? 2u : 0u) | (user ? 4u : 0u);
  cpu_raise(cpu, EXC_PF, err);
}

/*
 * Walk the page tables for lin; fill and return the TLB entry.  Faults if
 * the access (acc, user) is not allowed.  Sets Accessed, and Dirty on writes.
 */
static TlbEntry *tlb_fill(Cpu *cpu, uint32_t lin, int acc, bool user) {
  uint32_t slot = tlb_index(lin >> PAGE_SHIFT);
  TlbEntry *e = &cpu->tlb[slot];
  uint32_t ppage, perm;
  if (!(cpu->cr[0] & CR0_PG)) {
    ppage = lin >> PAGE_SHIFT;
    perm = TLB_R_SUP | TLB_W_SUP | TLB_R_USER | TLB_W_USER;
  } else {
    Mem *m = cpu->mem;
    uint32_t pde_addr = (cpu->cr[3] & ~PAGE_MASK) + ((lin >> 22) << 2);
    uint32_t pde = mem_read32(m, pde_addr);
    if (!(pde & 1))
      page_fault(cpu, lin, false, acc, user);
    bool wp = cpu->cr[0] & CR0_WP;
    bool big = (pde & 0x80) && (cpu->cr[4] & CR4_PSE);
    uint32_t rw, us, dirty;
    if (big) {
      rw = pde & 2;
      us = pde & 4;
      if ((user && !us) || (acc == ACC_WRITE && !rw && (user || wp)))
        page_fault(cpu, lin, true, acc, user);
      uint32_t npde = pde | 0x20 | (acc == ACC_WRITE ? 0x40 : 0);
      if (npde != pde)
        mem_write32(m, pde_addr, npde);
      dirty = npde & 0x40;
      ppage = ((pde & 0xffc00000u) | (lin & 0x003ff000u)) >> PAGE_SHIFT;
    } else {
      uint32_t pte_addr = (pde & ~PAGE_MASK) + (((lin >> 12) & 0x3ff) << 2);
      uint32_t pte = mem_read32(m, pte_addr);
      if (!(pte & 1))
        page_fault(cpu, lin, false, acc, user);
      rw = pde & pte & 2;
      us = pde & pte & 4;
      if ((user && !us) || (acc == ACC_WRITE && !rw && (user || wp)))
        page_fault(cpu, lin, true, acc, user);
      if (!(pde & 0x20))
        mem_write32(m, pde_addr, pde | 0x20);
      uint32_t npte = pte | 0x20 | (acc == ACC_WRITE ? 0x40 : 0);
      if (npte != pte)
        mem_write32(m, pte_addr, npte);
      dirty = npte & 0x40;
      ppage = pte >> PAGE_SHIFT;
    }
    perm = TLB_R_SUP;
    if (us)
      perm |= TLB_R_USER;
    if (dirty) {
      if (rw || !wp)
        perm |= TLB_W_SUP;
      if (rw && us)
        perm |= TLB_W_USER;
    }
  }
  if (cpu->tlb_nlog < TLB_LOG)
    cpu->tlb_log[cpu->tlb_nlog] = (uint16_t)slot;
  if (cpu->tlb_nlog <= TLB_LOG)
    cpu->tlb_nlog++;
  e->vpage = lin >> PAGE_SHIFT;
  e->ppage = ppage;
  e->perm = perm;
  e->host = mem_page_read_ptr(cpu->mem, ppage);
  e->whost = mem_page_write_ptr(cpu->mem, ppage);
  if (unlikely(cpu->dr_armed & DR_ARMED_DATA) && cpu_dr_page_watched(cpu, e->vpage))
    e->host = e->whost = NULL; /* every access to the page comes to the slow path, which checks it */
  if (unlikely(cpu->mem->access_hook != NULL) && mem_page_rwatched(cpu->mem, ppage))
    e->host = e->whost = NULL; /* the same for the debugger's read and access watchpoints */
  /* whost, when set, is host (plain RAM): one addend serves both */
  e->addend = (uintptr_t)e->host - ((uintptr_t)e->vpage << PAGE_SHIFT);
  for (unsigned i = 0; i < 4; i++)
    e->tag[i] = (perm & (1u << i)) && ((i & 1) ? e->whost : e->host) ? e->vpage : 0xffffffffu;
  return e;
}

static inline bool is_user(const Cpu *cpu) { return cpu->cpl == 3; }

/* translate() while a precise-fault test hook is armed (cpu.h: inject_pf, inject_pf_page). */
static __attribute__((noinline)) uint32_t translate_inject(Cpu *cpu, uint32_t lin, int acc, bool user) {
  TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = acc == ACC_WRITE ? (user ? TLB_W_USER : TLB_W_SUP) : (user ? TLB_R_USER : TLB_R_SUP);
  if (cpu->inject_pf_page && lin >> PAGE_SHIFT == cpu->inject_pf_page - 1) {
    cpu->inject_pf_page = 0;
    page_fault(cpu, lin, false, acc, user);
  }
  if (cpu->inject_pf && acc != ACC_FETCH && --cpu->inject_pf == 0)
    page_fault(cpu, lin, false, acc, user);
  if (e->vpage != lin >> PAGE_SHIFT || !(e->perm & need))
    e = tlb_fill(cpu, lin, acc, user);
  uint32_t pa = (e->ppage << PAGE_SHIFT) | (lin & PAGE_MASK);
  if (cpu->inject_pf) {
    if (acc == ACC_FETCH) {
      e->host = e->whost = NULL; /* a code page's entry serves no data access: they all come here */
      tlb_untag(e);
    } else {
      tlb_kill(e); /* the next access comes here again */
    }
  }
  return pa;
}

/* Physical address of lin for an access; faults as the access would. */
static uint32_t translate(Cpu *cpu, uint32_t lin, int acc, bool user) {
  TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = acc == ACC_WRITE ? (user ? TLB_W_USER : TLB_W_SUP) : (user ? TLB_R_USER : TLB_R_SUP);
  if (unlikely(cpu->inject_pf | cpu->inject_pf_page))
    return translate_inject(cpu, lin, acc, user);
  if (e->vpage != lin >> PAGE_SHIFT || !(e->perm & need))
    e = tlb_fill(cpu, lin, acc, user);
  return (e->ppage << PAGE_SHIFT) | (lin & PAGE_MASK);
}

uint32_t lin_translate_fetch(Cpu *cpu, uint32_t lin) {
  return translate(cpu, lin, ACC_FETCH, is_user(cpu));
}

/* ---- generic slow path ---- */

/* Mem.access_hook for an access that crosses a page: each part on its own. */
static void access_split(Cpu *cpu, uint32_t lin, uint32_t pa0, uint32_t pa1, uint32_t size, bool write) {
  uint32_t first = PAGE_SIZE - (lin & PAGE_MASK);
  cpu->mem->access_hook(cpu->mem->access_opaque, pa0, first, write);
  cpu->mem->access_hook(cpu->mem->access_opaque, pa1 & ~PAGE_MASK, size - first, write);
}

static uint32_t read_slow(Cpu *cpu, uint32_t lin, int size, bool user) {
  uint32_t v = 0;
  if (unlikely(cpu->dr_armed & DR_ARMED_DATA))
    cpu_dr_check_data(cpu, lin, (uint32_t)size, false);
  if (((lin & PAGE_MASK) + (uint32_t)size) <= PAGE_SIZE) {
    uint32_t pa = translate(cpu, lin, ACC_READ, user);
    TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
    if (e->host) {
      for (int i = 0; i < size; i++)
        v |= (uint32_t)e->host[(lin & PAGE_MASK) + i] << (8 * i);
      return v;
    }
    if (unlikely(cpu->mem->access_hook != NULL))
      cpu->mem->access_hook(cpu->mem->access_opaque, pa, (uint32_t)size, false);
    return size == 1 ? mem_read8(cpu->mem, pa) : size == 2 ? mem_read16(cpu->mem, pa) : mem_read32(cpu->mem, pa);
  }
  /* Crossing a page: translate both pages before reading. */
  uint32_t pa0 = translate(cpu, lin, ACC_READ, user);
  uint32_t pa1 = translate(cpu, (lin | PAGE_MASK) + 1, ACC_READ, user);
  if (unlikely(cpu->mem->access_hook != NULL))
    access_split(cpu, lin, pa0, pa1, (uint32_t)size, false);
  for (int i = 0; i < size; i++) {
    uint32_t l = lin + (uint32_t)i;
    uint32_t pa = ((l ^ lin) & ~PAGE_MASK) ? pa1 + (l & PAGE_MASK) : pa0 + (uint32_t)i;
    v |= (uint32_t)mem_read8(cpu->mem, pa) << (8 * i);
  }
  return v;
}

static void write_slow(Cpu *cpu, uint32_t lin, int size, uint32_t v, bool user) {
  if (unlikely(cpu->dr_armed & DR_ARMED_DATA))
    cpu_dr_check_data(cpu, lin, (uint32_t)size, true);
  if (((lin & PAGE_MASK) + (uint32_t)size) <= PAGE_SIZE) {
    uint32_t pa = translate(cpu, lin, ACC_WRITE, user);
    TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
    if (e->whost) { /* plain RAM: the entry just made (or found) gives the host page */
      for (int i = 0; i < size; i++)
        e->whost[(lin & PAGE_MASK) + i] = (uint8_t)(v >> (8 * i));
      return;
    }
    if (unlikely(cpu->mem->access_hook != NULL))
      cpu->mem->access_hook(cpu->mem->access_opaque, pa, (uint32_t)size, true);
    if (size == 1)
      mem_write8(cpu->mem, pa, (uint8_t)v);
    else if (size == 2)
      mem_write16(cpu->mem, pa, (uint16_t)v);
    else
      mem_write32(cpu->mem, pa, v);
    return;
  }
  uint32_t pa0 = translate(cpu, lin, ACC_WRITE, user);
  uint32_t pa1 = translate(cpu, (lin | PAGE_MASK) + 1, ACC_WRITE, user);
  if (unlikely(cpu->mem->access_hook != NULL))
    access_split(cpu, lin, pa0, pa1, (uint32_t)size, true);
  for (int i = 0; i < size; i++) {
    uint32_t l = lin + (uint32_t)i;
    uint32_t pa = ((l ^ lin) & ~PAGE_MASK) ? pa1 + (l & PAGE_MASK) : pa0 + (uint32_t)i;
    mem_write8(cpu->mem, pa, (uint8_t)(v >> (8 * i)));
  }
}

void lin_check_write(Cpu *cpu, uint32_t lin, uint32_t len) {
  bool user = is_user(cpu);
  translate(cpu, lin, ACC_WRITE, user);
  if (((lin & PAGE_MASK) + len) > PAGE_SIZE)
    translate(cpu, (lin | PAGE_MASK) + 1, ACC_WRITE, user);
}

/* ---- fast paths ---- */

static inline uint32_t ld_le(const uint8_t *p, int size) {
  if (size == 1)
    return p[0];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (size == 2) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
#else
  uint32_t v = 0;
  for (int i = 0; i < size; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
#endif
}

static inline void st_le(uint8_t *p, int size, uint32_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, &v, (size_t)size);
#else
  for (int i = 0; i < size; i++)
    p[i] = (uint8_t)(v >> (8 * i));
#endif
}

static inline uint32_t lin_read(Cpu *cpu, uint32_t lin, int size, bool user) {
  TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = user ? TLB_R_USER : TLB_R_SUP;
  if (likely(e->vpage == lin >> PAGE_SHIFT && (e->perm & need) && e->host &&
             (lin & PAGE_MASK) <= PAGE_SIZE - (uint32_t)size))
    return ld_le(e->host + (lin & PAGE_MASK), size);
  return read_slow(cpu, lin, size, user);
}

static inline void lin_write(Cpu *cpu, uint32_t lin, int size, uint32_t v, bool user) {
  TlbEntry *e = &cpu->tlb[tlb_index(lin >> PAGE_SHIFT)];
  uint32_t need = user ? TLB_W_USER : TLB_W_SUP;
  if (likely(e->vpage == lin >> PAGE_SHIFT && (e->perm & need) && e->whost &&
             (lin & PAGE_MASK) <= PAGE_SIZE - (uint32_t)size)) {
    st_le(e->whost + (lin & PAGE_MASK), size, v);
    return;
  }
  write_slow(cpu, lin, size, v, user);
}

uint8_t lin_read8(Cpu *cpu, uint32_t lin) { return (uint8_t)lin_read(cpu, lin, 1, is_user(cpu)); }
uint16_t lin_read16(Cpu *cpu, uint32_t lin) { return (uint16_t)lin_read(cpu, lin, 2, is_user(cpu)); }
uint32_t lin_read32(Cpu *cpu, uint32_t lin) { return lin_read(cpu, lin, 4, is_user(cpu)); }
void lin_write8(Cpu *cpu, uint32_t lin, uint8_t v) { lin_write(cpu, lin, 1, v, is_user(cpu)); }
void lin_write16(Cpu *cpu, uint32_t lin, uint16_t v) { lin_write(cpu, lin, 2, v, is_user(cpu)); }
void lin_write32(Cpu *cpu, uint32_t lin, uint32_t v) { lin_write(cpu, lin, 4, v, is_user(cpu)); }
uint8_t lin_read8_sys(Cpu *cpu, uint32_t lin) { return (uint8_t)lin_read(cpu, lin, 1, false); }
uint16_t lin_read16_sys(Cpu *cpu, uint32_t lin) { return (uint16_t)lin_read(cpu, lin, 2, false); }
uint32_t lin_read32_sys(Cpu *cpu, uint32_t lin) { return lin_read(cpu, lin, 4, false); }
void lin_write8_sys(Cpu *cpu, uint32_t lin, uint8_t v) { lin_write(cpu, lin, 1, v, false); }
void lin_write16_sys(Cpu *cpu, uint32_t lin, uint16_t v) { lin_write(cpu, lin, 2, v, false); }
void lin_write32_sys(Cpu *cpu, uint32_t lin, uint32_t v) { lin_write(cpu, lin, 4, v, false); }
