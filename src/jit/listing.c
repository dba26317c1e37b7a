/*
 * listing.c — what the JIT made of a block, in text: each guest
 * instruction (capstone, 16- or 32-bit) followed by the host code emitted
 * for it (capstone, x86-64), then the block's out-of-line stubs.  Used by
 * the lockstep report and by `--jit-dump FILE` (every translation as it
 * is made), and by the teaching debugger's `jit` command, which shows the
 * same listing in two columns: guest instructions beside their host code.
 */
#define _POSIX_C_SOURCE 200809L
#include "jit_internal.h"

#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

/* Disassemble up to max instructions of code (len bytes at addr) to f, one per line. */
void jit_disasm(FILE *f, bool x64, bool code32, const uint8_t *code, size_t len, uint64_t addr, size_t max,
                const char *indent) {
  csh h;
  if (cs_open(CS_ARCH_X86, x64 ? CS_MODE_64 : code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK)
    return;
  cs_insn *insn;
  size_t n = cs_disasm(h, code, len, addr, max, &insn);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%08llx  %s %s\n", indent, (unsigned long long)insn[i].address, insn[i].mnemonic, insn[i].op_str);
  if (n)
    cs_free(insn, n);
  cs_close(&h);
}

/*
 * Guest text g (one line or none) beside host text h (lines): rows of
 * a guest column `width` wide and the host column, the guest line on the
 * first row.
 */
static void print_columns(FILE *f, const char *g, const char *h, int width) {
  size_t gl = strcspn(g, "\n");
  bool first = true;
  while (*h || first) {
    size_t hl = strcspn(h, "\n");
    fprintf(f, "%-*.*s | %.*s\n", width, first ? (int)gl : 0, g, (int)hl, h);
    first = false;
    h += hl;
    if (*h == '\n')
      h++;
  }
}

/* The listing; with columns, each guest instruction beside its host code
 * (one disassembly path: jit_disasm into memory, then laid out). */
static void list_block(FILE *f, Cpu *c, const JitBlock *b, bool columns) {
  const uint8_t *guest = mem_page_read_ptr(c->mem, b->pa >> PAGE_SHIFT);
  bool code32 = (b->mode & CPU_MODE_CS32) != 0;
  fprintf(f, "block %04x:%08x phys %08x mode %02x: %u guest instructions, %u host bytes\n", b->csbase >> 4,
          b->eip, b->pa, b->mode, b->n, b->code_size);
  uint32_t off = b->pa & PAGE_MASK, start = 0;
  if (!b->code_size) {
    /* the translation (and its records) is gone: the guest code alone */
    if (guest)
      jit_disasm(f, false, code32, guest + off, PAGE_SIZE - off, b->eip, b->n, "  ");
    return;
  }
  const int width = 40;
  if (columns)
    fprintf(f, "%-*s | %s\n", width, code32 ? "guest (32-bit)" : "guest (16-bit)", "host (x86-64)");
  for (unsigned k = 0; k < b->n; k++) {
    char *gtext = NULL, *htext = NULL;
    size_t gsize = 0, hsize = 0;
    FILE *gf = f, *hf = f;
    if (columns && (!(gf = open_memstream(&gtext, &gsize)) || !(hf = open_memstream(&htext, &hsize)))) {
      if (gf)
        fclose(gf);
      free(gtext);
      fprintf(f, "(out of memory)\n");
      return;
    }
    off = (b->csbase + b->ieip[k]) & PAGE_MASK; /* a merged JMP continues elsewhere on the page */
    if (guest)
      jit_disasm(gf, false, code32, guest + off, PAGE_SIZE - off, b->ieip[k], 1, columns ? "" : "  ");
    /* the last instruction's code is followed by the block's stubs */
    uint32_t end = k + 1 < b->n ? b->hoff[k + 1] : b->code_size;
    jit_disasm(hf, true, false, b->code + start, end - start, (uint64_t)(uintptr_t)(b->code + start), SIZE_MAX,
               columns ? "" : "      ");
    start = end;
    if (columns) {
      fclose(gf);
      fclose(hf);
      print_columns(f, gtext, htext, width);
      free(gtext);
      free(htext);
    }
  }
}

void jit_list_block(FILE *f, Cpu *c, const JitBlock *b) { list_block(f, c, b, false); }

bool jit_show_current(Cpu *c, FILE *f) {
  if (!c->jit) {
    fprintf(f, "no translation: the machine runs in the interpreter (start it with --engine jit)\n");
    return false;
  }
  /* The block the dispatch loop would run here, translated now if it was
   * not yet (the debugger steps in the interpreter). */
  JitBlock *b = jit_block_at(c, UINT64_MAX);
  if (!b) {
    fprintf(f, "no translation at %04X:%08X: the code is not in the TLB or cannot be translated"
               " (step once and try again)\n", c->seg[S_CS].sel, c->eip);
    return false;
  }
  list_block(f, c, b, true);
  return true;
}
