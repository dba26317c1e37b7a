/*
 * views.c — text views of the machine for the debugger (see views.h).
 */
#include "views.h"

#include <Zydis/Zydis.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i8254.h"
#include "i8259.h"

/* ---------------- symbols (libelf) ---------------- */

typedef struct Sym {
  uint32_t value, size;
  char *name;
} Sym;

struct DbgSymbols {
  Sym *s;
  size_t n;
};

static int sym_cmp(const void *a, const void *b) {
  const Sym *x = a, *y = b;
  return x->value < y->value ? -1 : x->value > y->value;
}

DbgSymbols *symbols_load(const char *path, char *err, size_t errlen) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
    return NULL;
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    snprintf(err, errlen, "--debug-symbols %s: cannot open", path);
    return NULL;
  }
  Elf *e = elf_begin(fd, ELF_C_READ, NULL);
  DbgSymbols *s = calloc(1, sizeof *s);
  size_t cap = 0;
  if (!e || elf_kind(e) != ELF_K_ELF || !s) {
    snprintf(err, errlen, "--debug-symbols %s: not an ELF file", path);
    goto fail;
  }
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
      continue;
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data)
      continue;
    size_t count = sh.sh_size / sh.sh_entsize;
    for (size_t i = 0; i < count; i++) {
      GElf_Sym sym;
      if (!gelf_getsym(data, (int)i, &sym))
        break;
      int type = GELF_ST_TYPE(sym.st_info);
      if (sym.st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
        continue;
      const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
      if (!name || !*name)
        continue;
      if (s->n == cap) {
        cap = cap ? cap * 2 : 256;
        Sym *ns = realloc(s->s, cap * sizeof *ns);
        if (!ns)
          goto oom;
        s->s = ns;
      }
      char *copy = strdup(name);
      if (!copy)
        goto oom;
      s->s[s->n++] = (Sym){(uint32_t)sym.st_value, (uint32_t)sym.st_size, copy};
    }
  }
  if (s->n == 0) {
    snprintf(err, errlen, "--debug-symbols %s: no symbol table", path);
    goto fail;
  }
  qsort(s->s, s->n, sizeof *s->s, sym_cmp);
  elf_end(e);
  close(fd);
  return s;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  if (e)
    elf_end(e);
  close(fd);
  symbols_free(s);
  return NULL;
}

void symbols_free(DbgSymbols *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->n; i++)
    free(s->s[i].name);
  free(s->s);
  free(s);
}

const char *symbols_lookup(const DbgSymbols *s, uint32_t addr, uint32_t *off) {
  if (!s || !s->n || addr < s->s[0].value)
    return NULL;
  size_t lo = 0, hi = s->n; /* last value <= addr */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (s->s[mid].value <= addr)
      lo = mid;
    else
      hi = mid;
  }
  const Sym *y = &s->s[lo];
  uint32_t d = addr - y->value;
  if (y->size ? d >= y->size : d >= 0x10000)
    return NULL;
  *off = d;
  return y->name;
}

bool symbols_find(const DbgSymbols *s, const char *name, uint32_t *value) {
  for (size_t i = 0; s && i < s->n; i++)
    if (strcmp(s->s[i].name, name) == 0) {
      *value = s->s[i].value;
      return true;
    }
  return false;
}

/* ---------------- disassembly (Zydis) ---------------- */

int disasm_text(const uint8_t *bytes, int len, bool code32, bool att, uint32_t ip, char *out, size_t cap) {
  static ZydisDecoder dec16, dec32;
  static ZydisFormatter intel, atnt;
  static bool init;
  if (!init) {
    ZydisDecoderInit(&dec16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    ZydisDecoderInit(&dec32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisFormatterInit(&intel, ZYDIS_FORMATTER_STYLE_INTEL);
    ZydisFormatterInit(&atnt, ZYDIS_FORMATTER_STYLE_ATT);
    init = true;
  }
  ZydisDecodedInstruction in;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (len <= 0 || ZYAN_FAILED(ZydisDecoderDecodeFull(code32 ? &dec32 : &dec16, bytes, (ZyanUSize)len, &in, ops))) {
    snprintf(out, cap, "(bad)");
    return -1;
  }
  uint64_t rt = code32 ? ip : (ip & 0xffffu);
  if (ZYAN_FAILED(ZydisFormatterFormatInstruction(att ? &atnt : &intel, &in, ops, in.operand_count_visible, out,
                                                  cap, rt, NULL)))
    snprintf(out, cap, "(bad)");
  /* (In 16-bit code a relative target past FFFFh is shown unwrapped: the CPU wraps it.) */
  return in.length;
}

/* ---------------- registers ---------------- */

static void flags_text(uint32_t f, char *out, size_t cap) {
  static const struct {
    uint32_t bit;
    const char *name;
  } fl[] = {{F_ID, "ID"}, {F_VIP, "VIP"}, {F_VIF, "VIF"}, {F_AC, "AC"}, {F_VM, "VM"}, {F_RF, "RF"},
            {F_NT, "NT"}, {F_OF, "OF"},   {F_DF, "DF"},   {F_IF, "IF"}, {F_TF, "TF"}, {F_SF, "SF"},
            {F_ZF, "ZF"}, {F_AF, "AF"},   {F_PF, "PF"},   {F_CF, "CF"}};
  size_t n = 0;
  out[0] = 0;
  for (size_t i = 0; i < sizeof fl / sizeof fl[0] && n < cap; i++)
    if (f & fl[i].bit)
      n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", fl[i].name);
  if (n < cap)
    snprintf(out + n, cap - n, "%sIOPL=%u", n ? " " : "", (f >> 12) & 3);
}

void view_regs(Debugger *d, FILE *f) {
  DbgRegs r;
  dbg_get_regs(d, &r);
  char fl[128];
  flags_text(r.eflags, fl, sizeof fl);
  fprintf(f, "EAX=%08X EBX=%08X ECX=%08X EDX=%08X\n", r.regs[R_EAX], r.regs[R_EBX], r.regs[R_ECX], r.regs[R_EDX]);
  fprintf(f, "ESI=%08X EDI=%08X EBP=%08X ESP=%08X\n", r.regs[R_ESI], r.regs[R_EDI], r.regs[R_EBP], r.regs[R_ESP]);
  fprintf(f, "EIP=%08X EFLAGS=%08X [%s]\n", r.eip, r.eflags, fl);
  fprintf(f, "CS=%04X DS=%04X ES=%04X SS=%04X FS=%04X GS=%04X CPL=%u%s\n", r.seg[S_CS].sel, r.seg[S_DS].sel,
          r.seg[S_ES].sel, r.seg[S_SS].sel, r.seg[S_FS].sel, r.seg[S_GS].sel, r.cpl, r.halted ? " (halted)" : "");
}

static void seg_text(const SegCache *s, char *out, size_t cap) {
  unsigned fl = s->flags;
  const char *type;
  if (!(fl & SF_S)) {
    static const char *const sys[16] = {"reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)",
                                        "16-bit call gate", "task gate", "16-bit interrupt gate",
                                        "16-bit trap gate", "reserved", "32-bit TSS (available)", "reserved",
                                        "32-bit TSS (busy)", "32-bit call gate", "reserved",
                                        "32-bit interrupt gate", "32-bit trap gate"};
    type = sys[fl & 15];
  } else if (fl & SF_CODE) {
    type = (fl & SF_DC) ? ((fl & SF_RW) ? "code, conforming, readable" : "code, conforming")
                        : ((fl & SF_RW) ? "code, readable" : "code, execute-only");
  } else {
    type = (fl & SF_DC) ? ((fl & SF_RW) ? "data, expand-down, writable" : "data, expand-down, read-only")
                        : ((fl & SF_RW) ? "data, writable" : "data, read-only");
  }
  snprintf(out, cap, "%s, DPL %u, %s%s%s%s", type, SF_DPL(fl), (fl & SF_P) ? "present" : "NOT present",
           (fl & SF_S) ? ((fl & SF_DB) ? ", 32-bit" : ", 16-bit") : "", (fl & SF_G) ? ", 4K granular" : "",
           (fl & SF_ACCESSED) && (fl & SF_S) ? ", accessed" : "");
}

void view_segments(Debugger *d, FILE *f) {
  static const char *const names[] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"};
  DbgRegs r;
  dbg_get_regs(d, &r);
  bool real = !(r.mode & CPU_MODE_PE), v86 = (r.mode & CPU_MODE_VM86) != 0;
  for (int s = 0; s < S_COUNT; s++) {
    char t[160];
    seg_text(&r.seg[s], t, sizeof t);
    if ((real || v86) && s < S_LDTR) {
      /* The selector is a paragraph number: base = selector * 16 (the cache keeps the rest). */
      fprintf(f, "%-4s %04X (%s: base = %04X * 16)  base %08X limit %08X  %s\n", names[s], r.seg[s].sel,
              real ? "real mode" : "v86", r.seg[s].sel, r.seg[s].base, r.seg[s].limit,
              r.seg[s].base == (uint32_t)r.seg[s].sel << 4 ? "" : "(cache differs: loaded in another mode)");
      continue;
    }
    fprintf(f, "%-4s %04X (index %u, %s, RPL %u)  base %08X limit %08X  %s\n", names[s], r.seg[s].sel,
            r.seg[s].sel >> 3, (r.seg[s].sel & 4) ? "LDT" : "GDT", r.seg[s].sel & 3, r.seg[s].base, r.seg[s].limit,
            t);
  }
  fprintf(f, "GDTR base %08X limit %04X   IDTR base %08X limit %04X\n", r.gdt_base, r.gdt_limit, r.idt_base,
          r.idt_limit);
}

void view_cr(Debugger *d, FILE *f) {
  DbgRegs r;
  dbg_get_regs(d, &r);
  static const struct {
    uint32_t bit;
    const char *name, *what;
  } cr0[] = {{CR0_PE, "PE", "protected mode"},  {CR0_MP, "MP", "monitor coprocessor"},
             {CR0_EM, "EM", "FPU emulation"},   {CR0_TS, "TS", "task switched"},
             {CR0_ET, "ET", "387 present"},     {CR0_NE, "NE", "native FPU errors"},
             {CR0_WP, "WP", "write protect"},   {CR0_AM, "AM", "alignment mask"},
             {CR0_NW, "NW", "not write-through"}, {CR0_CD, "CD", "cache disable"},
             {CR0_PG, "PG", "paging"}},
    cr4[] = {{CR4_VME, "VME", "v86 extensions"}, {CR4_PVI, "PVI", "protected virtual interrupts"},
             {CR4_TSD, "TSD", "RDTSC privileged"}, {CR4_DE, "DE", "debug extensions"},
             {CR4_PSE, "PSE", "4 MiB pages"},     {CR4_PGE, "PGE", "global pages"},
             {CR4_PCE, "PCE", "RDPMC allowed"},   {CR4_OSFXSR, "OSFXSR", "FXSAVE/SSE"}};
  fprintf(f, "CR0=%08X", r.cr[0]);
  for (size_t i = 0; i < sizeof cr0 / sizeof cr0[0]; i++)
    if (r.cr[0] & cr0[i].bit)
      fprintf(f, " %s(%s)", cr0[i].name, cr0[i].what);
  fprintf(f, "\nCR2=%08X (last page-fault address)\n", r.cr[2]);
  fprintf(f, "CR3=%08X (page directory at %08X%s%s)\n", r.cr[3], r.cr[3] & ~PAGE_MASK, (r.cr[3] & 8) ? ", PWT" : "",
          (r.cr[3] & 16) ? ", PCD" : "");
  fprintf(f, "CR4=%08X", r.cr[4]);
  for (size_t i = 0; i < sizeof cr4 / sizeof cr4[0]; i++)
    if (r.cr[4] & cr4[i].bit)
      fprintf(f, " %s(%s)", cr4[i].name, cr4[i].what);
  fprintf(f, "\n");
}

static void pte_bits(uint32_t e, FILE *f) {
  fprintf(f, "%s %s %s%s%s%s%s", (e & 1) ? "P" : "not-present", (e & 2) ? "RW" : "RO", (e & 4) ? "US" : "S",
          (e & 8) ? " PWT" : "", (e & 16) ? " PCD" : "", (e & 32) ? " A" : "", (e & 64) ? " D" : "");
}

void view_page(Debugger *d, uint32_t lin, FILE *f) {
  DbgRegs r;
  dbg_get_regs(d, &r);
  Mem *m = dbg_machine(d)->mem;
  if (!(r.cr[0] & CR0_PG)) {
    fprintf(f, "paging is off: linear %08X is physical %08X\n", lin, lin & m->a20_mask);
    return;
  }
  uint32_t pde_addr = (r.cr[3] & ~PAGE_MASK) + ((lin >> 22) << 2);
  uint32_t pde = mem_read32(m, pde_addr);
  fprintf(f, "linear %08X: directory index %u, table index %u, offset %03X\n", lin, lin >> 22, (lin >> 12) & 0x3ff,
          lin & PAGE_MASK);
  fprintf(f, "PDE at %08X = %08X: ", pde_addr, pde);
  pte_bits(pde, f);
  if ((pde & 0x80) && (r.cr[4] & CR4_PSE)) {
    fprintf(f, " PS (4 MiB page at %08X)\n", pde & 0xffc00000u);
    if (pde & 1)
      fprintf(f, "physical %08X\n", (pde & 0xffc00000u) | (lin & 0x3fffff));
    return;
  }
  fprintf(f, " (page table at %08X)\n", pde & ~PAGE_MASK);
  if (!(pde & 1)) {
    fprintf(f, "not mapped: an access raises #PF (not present)\n");
    return;
  }
  uint32_t pte_addr = (pde & ~PAGE_MASK) + (((lin >> 12) & 0x3ff) << 2);
  uint32_t pte = mem_read32(m, pte_addr);
  fprintf(f, "PTE at %08X = %08X: ", pte_addr, pte);
  pte_bits(pte, f);
  fprintf(f, "%s\n", (pte & 0x100) ? " G" : "");
  if (pte & 1)
    fprintf(f, "physical %08X (user %s, writes %s)\n", (pte & ~PAGE_MASK) | (lin & PAGE_MASK),
            (pde & pte & 4) ? "allowed" : "denied", (pde & pte & 2) ? "allowed" : "only by the supervisor (WP=0)");
  else
    fprintf(f, "not mapped: an access raises #PF (not present)\n");
}

static void desc_line(Debugger *d, uint32_t index, uint32_t lo, uint32_t hi, bool idt, FILE *f) {
  bool s = (hi >> 12) & 1;
  unsigned type = (hi >> 8) & 15;
  if (!((hi >> 15) & 1) && !(lo | hi)) {
    fprintf(f, "%3u  (null)\n", index);
    return;
  }
  if (idt || (!s && (type == 4 || type == 5 || type == 6 || type == 7 || type == 12 || type == 14 || type == 15))) {
    static const char *const gates[16] = {[4] = "16-bit call gate", [5] = "task gate", [6] = "16-bit interrupt gate",
                                          [7] = "16-bit trap gate", [12] = "32-bit call gate",
                                          [14] = "32-bit interrupt gate", [15] = "32-bit trap gate"};
    uint32_t off = (lo & 0xffff) | (hi & 0xffff0000u);
    fprintf(f, "%3u  %s -> %04X:%08X DPL %u%s\n", index, gates[type] ? gates[type] : "invalid gate", lo >> 16,
            type == 5 ? 0 : off, (hi >> 13) & 3, (hi >> 15) & 1 ? "" : " NOT present");
    return;
  }
  SegCache sc;
  sc.sel = (uint16_t)(index << 3);
  sc.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
  uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
  if (hi & 0x00800000u)
    limit = (limit << 12) | 0xfff;
  sc.limit = limit;
  sc.flags = (uint16_t)(((hi >> 8) & 0xff) | ((hi >> 20) & 0xf) << 12);
  char t[160];
  seg_text(&sc, t, sizeof t);
  (void)d;
  fprintf(f, "%3u  sel %04X base %08X limit %08X  %s\n", index, index << 3, sc.base, sc.limit, t);
}

/* The non-empty entries of a descriptor table (at most the first 256). */
static void table(Debugger *d, uint32_t base, uint32_t limit, bool idt, FILE *f) {
  uint32_t n = (limit + 1) / 8, empty = 0;
  if (n > 256)
    n = 256;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t b[8];
    if (dbg_read_lin(d, base + i * 8, b, 8) != 8) {
      fprintf(f, "%3u  (not readable)\n", i);
      break;
    }
    uint32_t lo = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
    uint32_t hi = b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24;
    if (i && !lo && !hi) {
      empty++;
      continue;
    }
    desc_line(d, i, lo, hi, idt, f);
  }
  if (empty)
    fprintf(f, "(%u empty entr%s not shown)\n", empty, empty == 1 ? "y" : "ies");
}

void view_gdt(Debugger *d, FILE *f) {
  DbgRegs r;
  dbg_get_regs(d, &r);
  fprintf(f, "GDT at %08X, limit %04X (%u entries)\n", r.gdt_base, r.gdt_limit, (r.gdt_limit + 1) / 8);
  if (!(r.mode & CPU_MODE_PE))
    fprintf(f, "(real mode: segments do not use the GDT until CR0.PE is set)\n");
  table(d, r.gdt_base, r.gdt_limit, false, f);
}

void view_idt(Debugger *d, FILE *f) {
  DbgRegs r;
  dbg_get_regs(d, &r);
  if (!(r.mode & CPU_MODE_PE)) {
    fprintf(f, "real mode: interrupt vector table at %08X, limit %04X\n", r.idt_base, r.idt_limit);
    uint32_t n = (r.idt_limit + 1) / 4;
    if (n > 256)
      n = 256;
    for (uint32_t i = 0; i < n; i++) {
      uint8_t b[4];
      if (dbg_read_lin(d, r.idt_base + i * 4, b, 4) != 4)
        break;
      fprintf(f, "%02X -> %04X:%04X%s", i, b[2] | b[3] << 8, b[0] | b[1] << 8, (i % 4 == 3) ? "\n" : "   ");
    }
    if (n % 4)
      fprintf(f, "\n");
    return;
  }
  fprintf(f, "IDT at %08X, limit %04X (%u gates)\n", r.idt_base, r.idt_limit, (r.idt_limit + 1) / 8);
  table(d, r.idt_base, r.idt_limit, true, f);
}

void view_pic(Debugger *d, FILE *f) {
  Pic *p = dbg_machine(d)->pic;
  for (int i = 0; i < 2; i++) {
    const PicChip *c = &p->chip[i];
    fprintf(f, "%s PIC: IRR=%02X ISR=%02X IMR=%02X vector base %02X%s%s\n", i ? "slave " : "master", c->irr, c->isr,
            c->imr, c->vector_base, c->auto_eoi ? " auto-EOI" : "", c->init_step ? " (initialising)" : "");
  }
  fprintf(f, "INT output to the CPU: %d\n", p->out);
}

void view_pit(Debugger *d, FILE *f) {
  Pit *p = dbg_machine(d)->pit;
  for (int i = 0; i < 3; i++) {
    const PitChannel *c = &p->ch[i];
    if (!c->count) {
      fprintf(f, "counter %d: not programmed, gate %d, out %d\n", i, c->gate, pit_out(p, i));
      continue;
    }
    fprintf(f, "counter %d: mode %u, reload %u (%.3f Hz), now %u, gate %d, out %d%s\n", i, c->mode, c->count,
            (double)PIT_HZ / c->count, pit_counter(p, i), c->gate, pit_out(p, i), c->bcd ? ", BCD" : "");
  }
}

void view_dump(Debugger *d, uint32_t lin, uint32_t count, int unit, FILE *f) {
  if (unit != 1 && unit != 2 && unit != 4)
    unit = 1;
  uint32_t per_line = 16 / (uint32_t)unit;
  for (uint32_t i = 0; i < count; i += per_line) {
    uint32_t a = lin + i * (uint32_t)unit;
    fprintf(f, "%08X:", a);
    for (uint32_t k = i; k < count && k < i + per_line; k++) {
      uint8_t b[4];
      uint32_t at = lin + k * (uint32_t)unit;
      if (dbg_read_lin(d, at, b, (uint32_t)unit) != (uint32_t)unit) {
        fprintf(f, " %.*s", unit * 2, "????????");
        continue;
      }
      uint32_t v = 0;
      for (int j = unit - 1; j >= 0; j--)
        v = v << 8 | b[j];
      fprintf(f, " %0*X", unit * 2, v);
    }
    fprintf(f, "\n");
  }
}

static void line_prefix(const DbgSymbols *syms, uint32_t lin, FILE *f) {
  uint32_t off;
  const char *name = symbols_lookup(syms, lin, &off);
  if (name) {
    if (off)
      fprintf(f, "<%s+%u> ", name, off);
    else
      fprintf(f, "<%s> ", name);
  }
}

static void insn_line(Debugger *d, const DbgSymbols *syms, uint16_t sel, uint32_t base, uint32_t off, bool code32,
                      bool att, bool current, FILE *f, int *len_out) {
  uint8_t b[15];
  uint32_t lin = base + off;
  int n = (int)dbg_read_lin(d, lin, b, 15);
  char text[160];
  int len = disasm_text(b, n, code32, att, off, text, sizeof text);
  if (len <= 0)
    len = 1;
  fprintf(f, "%s%04X:%0*X  ", current ? "=> " : "   ", sel, code32 ? 8 : 4, off);
  char hex[40] = "";
  size_t hl = 0;
  for (int i = 0; i < len && i < n && i < 8; i++)
    hl += (size_t)snprintf(hex + hl, sizeof hex - hl, "%02X", b[i]);
  if (len > 8)
    snprintf(hex + hl, sizeof hex - hl, "..");
  fprintf(f, "%-18s ", hex);
  line_prefix(syms, lin, f);
  fprintf(f, "%s\n", n ? text : "(not mapped)");
  *len_out = len;
}

void view_disas(Debugger *d, const DbgSymbols *syms, uint16_t sel, uint32_t base, uint32_t off, int n, bool code32,
                bool att, FILE *f) {
  DbgRegs r;
  dbg_get_regs(d, &r);
  for (int i = 0; i < n; i++) {
    int len;
    bool cur = r.seg[S_CS].base == base && r.eip == off;
    insn_line(d, syms, sel, base, off, code32, att, cur, f, &len);
    off += (uint32_t)len;
    if (!code32)
      off &= 0xffff;
  }
}

void view_step_line(Debugger *d, const DbgSymbols *syms, const StepRecord *rec, bool att, FILE *f) {
  int len;
  (void)d;
  const DbgRegs *b = &rec->before;
  bool code32 = (b->mode & CPU_MODE_CS32) != 0;
  char text[160];
  int l = disasm_text(rec->bytes, rec->len ? rec->len : 15, code32, att, b->eip, text, sizeof text);
  len = l > 0 ? l : 1;
  char hex[40] = "";
  size_t hl = 0;
  for (int i = 0; i < len && i < 8; i++)
    hl += (size_t)snprintf(hex + hl, sizeof hex - hl, "%02X", rec->bytes[i]);
  if (len > 8)
    snprintf(hex + hl, sizeof hex - hl, "..");
  fprintf(f, "%04X:%0*X  %-18s ", b->seg[S_CS].sel, code32 ? 8 : 4, b->eip, hex);
  line_prefix(syms, rec->lin, f);
  fprintf(f, "%s\n", rec->len ? text : "(not mapped)");
}
