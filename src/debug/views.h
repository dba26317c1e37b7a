/*
 * views.h — the debugger's views of the machine, as plain text: registers,
 * segment registers with their descriptor caches decoded, control
 * registers, a page walk, GDT/IDT listings, memory dumps, the interrupt
 * controller and timer, and disassembly (Zydis, Intel or AT&T syntax) with
 * symbols from an ELF file (libelf).
 */
#ifndef X86VM_VIEWS_H
#define X86VM_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "debug.h"

typedef struct DbgSymbols DbgSymbols;
/* Load the symbol table of an ELF file: NULL with a message on failure. */
DbgSymbols *symbols_load(const char *path, char *err, size_t errlen);
void symbols_free(DbgSymbols *s);
/* The symbol at or below addr (within its size, or 64 KiB when it has none):
 * its name and *off = addr - its value, or NULL. */
const char *symbols_lookup(const DbgSymbols *s, uint32_t addr, uint32_t *off);
/* The value of a symbol by name (false: none). */
bool symbols_find(const DbgSymbols *s, const char *name, uint32_t *value);

/* One instruction as text (Intel syntax, or AT&T): its length, or -1 (bytes
 * not an instruction: "(bad)" is written).  ip is the offset shown for
 * relative targets. */
int disasm_text(const uint8_t *bytes, int len, bool code32, bool att, uint32_t ip, char *out, size_t cap);

void view_regs(Debugger *d, FILE *f);
void view_segments(Debugger *d, FILE *f);
void view_cr(Debugger *d, FILE *f);
/* Page walk of a linear address (PDE, PTE and their bits). */
void view_page(Debugger *d, uint32_t lin, FILE *f);
void view_gdt(Debugger *d, FILE *f);
void view_idt(Debugger *d, FILE *f);
void view_pic(Debugger *d, FILE *f);
void view_pit(Debugger *d, FILE *f);
/* count units of unit bytes (1, 2, 4) from linear lin (unmapped units show as ??). */
void view_dump(Debugger *d, uint32_t lin, uint32_t count, int unit, FILE *f);
/* n instructions from CS-relative offset off (linear base + off), marking the current EIP. */
void view_disas(Debugger *d, const DbgSymbols *syms, uint16_t sel, uint32_t base, uint32_t off, int n,
                bool code32, bool att, FILE *f);
/* The one-line form of a step's instruction: "0000:7C00  FA        cli". */
void view_step_line(Debugger *d, const DbgSymbols *syms, const StepRecord *rec, bool att, FILE *f);

#endif
