/*
 * listing.c — what the JIT made of a block, in text: each guest
 * instruction (capstone, 16- or 32-bit) followed by the host code emitted
 * for it (capstone, x86-64), then the block's out-of-line stubs.  Used by
 * the lockstep report and by `--jit-dump FILE` (every translation as it
 * is made); the teaching debugger's JIT view will read the same records.
 */
#include "jit_internal.h"

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

void jit_list_block(FILE *f, Cpu *c, const JitBlock *b) {
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
  for (unsigned k = 0; k < b->n; k++) {
    off = (b->csbase + b->ieip[k]) & PAGE_MASK; /* a merged JMP continues elsewhere on the page */
    if (guest)
      jit_disasm(f, false, code32, guest + off, PAGE_SIZE - off, b->ieip[k], 1, "  ");
    /* the last instruction's code is followed by the block's stubs */
    uint32_t end = k + 1 < b->n ? b->hoff[k + 1] : b->code_size;
    jit_disasm(f, true, false, b->code + start, end - start, (uint64_t)(uintptr_t)(b->code + start), SIZE_MAX,
               "      ");
    start = end;
  }
}
