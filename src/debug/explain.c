/*
 * explain.c — plain-English explanations of a StepRecord (see explain.h).
 */
#include "explain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct MnemonicText {
  const char *mnemonic, *text;
} MnemonicText;

static const MnemonicText mnemonic_texts[] = {
#define M(mn, text) {#mn, text},
#include "mnemonics.def"
#undef M
};

const char *explain_mnemonic(const char *mnemonic) {
  for (size_t i = 0; i < sizeof mnemonic_texts / sizeof mnemonic_texts[0]; i++)
    if (strcmp(mnemonic_texts[i].mnemonic, mnemonic) == 0)
      return mnemonic_texts[i].text;
  return NULL;
}

const char *explain_vector_name(unsigned v) {
  static const char *const names[] = {"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
                                      "#OF overflow", "#BR bound range", "#UD invalid opcode",
                                      "#NM no FPU", "#DF double fault", NULL, "#TS invalid TSS",
                                      "#NP segment not present", "#SS stack fault",
                                      "#GP general protection", "#PF page fault", NULL,
                                      "#MF x87 error", "#AC alignment check", "#MC machine check"};
  return v < sizeof names / sizeof names[0] ? names[v] : NULL;
}

const char *explain_port(unsigned p) {
  static const struct {
    uint16_t lo, hi;
    const char *name;
  } ports[] = {
      {0x20, 0x20, "master PIC command/status"}, {0x21, 0x21, "master PIC mask"},
      {0xa0, 0xa0, "slave PIC command/status"},  {0xa1, 0xa1, "slave PIC mask"},
      {0x40, 0x42, "PIT counter"},               {0x43, 0x43, "PIT mode/command"},
      {0x60, 0x60, "keyboard controller data"},  {0x61, 0x61, "system control port B (speaker, PIT gate)"},
      {0x64, 0x64, "keyboard controller command/status"},
      {0x70, 0x70, "CMOS/RTC index (bit 7: NMI off)"}, {0x71, 0x71, "CMOS/RTC data"},
      {0x80, 0x80, "POST code"},                 {0x92, 0x92, "system control port A (fast A20, reset)"},
      {0x00, 0x0f, "DMA controller 1"},          {0x81, 0x8f, "DMA page register"},
      {0xc0, 0xdf, "DMA controller 2"},          {0x1f0, 0x1f7, "primary IDE"},
      {0x3f6, 0x3f6, "primary IDE control"},     {0x170, 0x177, "secondary IDE"},
      {0x3f0, 0x3f7, "floppy controller"},       {0x3f8, 0x3ff, "COM1 serial port"},
      {0x2f8, 0x2ff, "COM2 serial port"},        {0x3c0, 0x3cf, "VGA"},
      {0x3d4, 0x3d5, "VGA CRT controller"},      {0x3da, 0x3da, "VGA input status"},
      {0xe9, 0xe9, "debug console"},             {0xf4, 0xf4, "debug exit"},
      {0x510, 0x511, "firmware configuration"},
  };
  for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
    if (p >= ports[i].lo && p <= ports[i].hi)
      return ports[i].name;
  return NULL;
}

/* ---- output buffer ---- */

typedef struct Out {
  char *buf;
  size_t cap, len;
} Out;

__attribute__((format(printf, 2, 3))) static void put(Out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[512];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof tmp)
    n = sizeof tmp - 1;
  if (o->len + (size_t)n < o->cap) {
    memcpy(o->buf + o->len, tmp, (size_t)n);
    o->buf[o->len + (size_t)n] = 0;
  } else if (o->cap) {
    o->buf[o->cap - 1] = 0;
  }
  o->len += (size_t)n;
}

/* ---- flags ---- */

typedef enum Kind { K_OTHER, K_ADD, K_SUB, K_LOGIC, K_SHIFT, K_ROT, K_MUL, K_INCDEC, K_BT, K_FLAGOP, K_POPF } Kind;

static Kind kind_of(const char *mn) {
  static const struct {
    const char *mn;
    Kind k;
  } t[] = {{"add", K_ADD},     {"adc", K_ADD},     {"xadd", K_ADD},    {"sub", K_SUB},     {"sbb", K_SUB},
           {"cmp", K_SUB},     {"neg", K_SUB},     {"cmpsb", K_SUB},   {"cmpsw", K_SUB},   {"scasb", K_SUB},
           {"scasw", K_SUB},   {"cmpxchg", K_SUB}, {"and", K_LOGIC},   {"or", K_LOGIC},    {"xor", K_LOGIC},
           {"test", K_LOGIC},  {"shl", K_SHIFT},   {"sal", K_SHIFT},   {"shr", K_SHIFT},   {"sar", K_SHIFT},
           {"shld", K_SHIFT},  {"shrd", K_SHIFT},  {"rol", K_ROT},     {"ror", K_ROT},     {"rcl", K_ROT},
           {"rcr", K_ROT},     {"mul", K_MUL},     {"imul", K_MUL},    {"inc", K_INCDEC},  {"dec", K_INCDEC},
           {"bt", K_BT},       {"bts", K_BT},      {"btr", K_BT},      {"btc", K_BT},      {"clc", K_FLAGOP},
           {"stc", K_FLAGOP},  {"cmc", K_FLAGOP},  {"cld", K_FLAGOP},  {"std", K_FLAGOP},  {"cli", K_FLAGOP},
           {"sti", K_FLAGOP},  {"popf", K_POPF},   {"iret", K_POPF},   {"sahf", K_POPF}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp(t[i].mn, mn) == 0)
      return t[i].k;
  return K_OTHER;
}

static const char *flag_why(char flag, int v, Kind k, bool intr) {
  switch (flag) {
  case 'C':
    switch (k) {
    case K_ADD: return v ? "unsigned carry out of the top bit (the sum does not fit)" : "no unsigned carry";
    case K_SUB: return v ? "unsigned borrow (the source was larger than the destination)" : "no unsigned borrow";
    case K_LOGIC: return "a logical operation always clears it";
    case K_SHIFT: case K_ROT: return v ? "the last bit shifted out was 1" : "the last bit shifted out was 0";
    case K_MUL: return v ? "the product needs the upper half" : "the product fits the lower half";
    case K_BT: return v ? "the tested bit was 1" : "the tested bit was 0";
    case K_POPF: return "loaded from the stack or AH";
    default: return v ? "set by the instruction" : "cleared by the instruction";
    }
  case 'Z': return v ? "the result is zero" : "the result is not zero";
  case 'S': return v ? "the result's top bit is 1 (negative if signed)" : "the result's top bit is 0";
  case 'P': return v ? "the result's low byte has an even number of 1 bits" : "the result's low byte has an odd number of 1 bits";
  case 'A': return v ? "carry or borrow out of bit 3 (for BCD)" : "no carry or borrow out of bit 3";
  case 'O':
    switch (k) {
    case K_ADD: case K_INCDEC:
      return v ? "signed overflow: the signed result does not fit" : "no signed overflow";
    case K_SUB: return v ? "signed overflow: the signed difference does not fit" : "no signed overflow";
    case K_LOGIC: return "a logical operation always clears it";
    case K_MUL: return v ? "the product needs the upper half" : "the product fits the lower half";
    case K_POPF: return "loaded from the stack";
    default: return v ? "set by the instruction" : "cleared by the instruction";
    }
  case 'I':
    if (intr)
      return "cleared on entry to the interrupt handler";
    return v ? "maskable interrupts are enabled" : "maskable interrupts are disabled";
  case 'D': return v ? "string instructions go downward" : "string instructions go upward";
  case 'T': return v ? "single-step traps are on" : intr ? "cleared on entry to the interrupt handler" : "single-step traps are off";
  }
  return "";
}

/* ---- registers ---- */

static const char *const r32[] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
static const char *const sregs[] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"};

static bool mode16(const DbgRegs *r) { return !(r->mode & CPU_MODE_CS32); }

static void explain_regs(Out *o, const StepRecord *rec) {
  const DbgRegs *a = &rec->before, *b = &rec->after;
  for (int i = 0; i < 8; i++) {
    if (a->regs[i] == b->regs[i])
      continue;
    if (mode16(a) && mode16(b) && (a->regs[i] >> 16) == (b->regs[i] >> 16))
      put(o, "  %s: %04X -> %04X\n", r32[i] + 1, a->regs[i] & 0xffff, b->regs[i] & 0xffff);
    else
      put(o, "  %s: %08X -> %08X\n", r32[i], a->regs[i], b->regs[i]);
  }
  for (int s = 0; s < S_COUNT; s++) {
    const SegCache *x = &a->seg[s], *y = &b->seg[s];
    if (x->sel == y->sel && x->base == y->base && x->limit == y->limit && x->flags == y->flags)
      continue;
    if (x->base != y->base)
      put(o, "  %s: %04X -> %04X (base %08X -> %08X, limit %08X)\n", sregs[s], x->sel, y->sel, x->base, y->base,
          y->limit);
    else
      put(o, "  %s: %04X -> %04X (base %08X, limit %08X)\n", sregs[s], x->sel, y->sel, y->base, y->limit);
  }
  static const int crn[] = {0, 2, 3, 4};
  for (int i = 0; i < 4; i++)
    if (a->cr[crn[i]] != b->cr[crn[i]])
      put(o, "  CR%d: %08X -> %08X\n", crn[i], a->cr[crn[i]], b->cr[crn[i]]);
  if (a->gdt_base != b->gdt_base || a->gdt_limit != b->gdt_limit)
    put(o, "  GDTR: base %08X limit %04X -> base %08X limit %04X\n", a->gdt_base, a->gdt_limit, b->gdt_base,
        b->gdt_limit);
  if (a->idt_base != b->idt_base || a->idt_limit != b->idt_limit)
    put(o, "  IDTR: base %08X limit %04X -> base %08X limit %04X\n", a->idt_base, a->idt_limit, b->idt_base,
        b->idt_limit);
}

static void explain_flags(Out *o, const StepRecord *rec, const char *mn) {
  static const struct {
    uint32_t bit;
    char c;
  } fl[] = {{F_CF, 'C'}, {F_PF, 'P'}, {F_AF, 'A'}, {F_ZF, 'Z'}, {F_SF, 'S'},
            {F_OF, 'O'}, {F_DF, 'D'}, {F_IF, 'I'}, {F_TF, 'T'}};
  uint32_t x = rec->before.eflags, y = rec->after.eflags;
  bool intr = rec->nints > 0;
  Kind k = mn ? kind_of(mn) : K_OTHER;
  for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
    if ((x ^ y) & fl[i].bit) {
      int v = (y & fl[i].bit) != 0;
      put(o, "  %cF=%d: %s\n", fl[i].c, v, flag_why(fl[i].c, v, intr ? K_OTHER : k, intr));
    }
  if ((x ^ y) & F_VM)
    put(o, "  VM=%d: %s virtual-8086 mode\n", (y & F_VM) != 0, (y & F_VM) ? "entered" : "left");
}

/* ---- memory, stack, I/O, interrupts ---- */

static uint32_t sp_of(const DbgRegs *r) {
  return (r->mode & CPU_MODE_SS32) ? r->regs[R_ESP] : r->regs[R_ESP] & 0xffff;
}

static void explain_memory(Out *o, Debugger *d, const StepRecord *rec) {
  const DbgRegs *a = &rec->before, *b = &rec->after;
  uint32_t sp0 = sp_of(a), sp1 = sp_of(b);
  uint32_t ss_lo = b->seg[S_SS].base + sp1, ss_hi = a->seg[S_SS].base + sp0;
  bool same_ss = a->seg[S_SS].sel == b->seg[S_SS].sel && a->seg[S_SS].base == b->seg[S_SS].base;
  /* One entry per address: its first old byte and its last new one (a
   * descriptor's accessed bit, say, may be written twice). */
  DbgWrite w[DBG_MAX_WRITES];
  int nw = 0;
  for (int i = 0; i < rec->nwrites; i++) {
    int k = 0;
    while (k < nw && w[k].pa != rec->writes[i].pa)
      k++;
    if (k < nw)
      w[k].val = rec->writes[i].val;
    else
      w[nw++] = rec->writes[i];
  }
  /* Runs of consecutive addresses. */
  for (int i = 0; i < nw;) {
    int j = i + 1;
    while (j < nw && w[j].pa == w[j - 1].pa + 1 && j - i < 16)
      j++;
    uint32_t pa = w[i].pa;
    uint32_t lin_guess = pa; /* without paging the linear address is the physical one */
    bool stack = !(b->cr[0] & CR0_PG) && same_ss && sp1 < sp0 && lin_guess >= ss_lo && lin_guess < ss_hi;
    char olds[64] = "", news[64] = "";
    size_t ol = 0, nl = 0;
    for (int k = i; k < j; k++) {
      ol += (size_t)snprintf(olds + ol, sizeof olds - ol, "%s%02X", k > i ? " " : "", w[k].old);
      nl += (size_t)snprintf(news + nl, sizeof news - nl, "%s%02X", k > i ? " " : "", w[k].val);
    }
    uint32_t v = 0;
    for (int k = j - 1; k >= i && k >= j - 4; k--)
      v = v << 8 | w[k].val;
    if (stack)
      put(o, "  pushed %0*X onto the stack at SS:%s %04X:%0*X (physical %08X)\n", (j - i) * 2, v,
          (b->mode & CPU_MODE_SS32) ? "ESP" : "SP", b->seg[S_SS].sel, (b->mode & CPU_MODE_SS32) ? 8 : 4,
          sp1 + (pa - ss_lo), pa);
    else
      put(o, "  memory at physical %08X, %d byte%s: %s -> %s\n", pa, j - i, j - i > 1 ? "s" : "", olds, news);
    i = j;
  }
  if (rec->writes_total > (uint32_t)rec->nwrites)
    put(o, "  (%u bytes written in all; the first %d are shown)\n", rec->writes_total, rec->nwrites);
  if (rec->mmio)
    put(o, "  device memory (MMIO) was accessed\n");
  /* Pops: an instruction that pops moved SP up within the same stack. */
  static const char *const poppers[] = {"pop", "popa", "popf", "ret", "retf", "iret", "leave"};
  const char *mn = rec->decoded ? x86_mnemonic(&rec->insn) : "";
  bool pops = false;
  for (size_t i = 0; i < sizeof poppers / sizeof poppers[0]; i++)
    pops |= strcmp(mn, poppers[i]) == 0;
  if (pops && same_ss && sp1 > sp0 && sp1 - sp0 <= 16 && rec->nints == 0) {
    uint8_t bytes[16];
    uint32_t n = sp1 - sp0;
    uint32_t got = dbg_read_lin(d, a->seg[S_SS].base + sp0, bytes, n);
    if (got == n) {
      char hex[64];
      size_t hl = 0;
      for (uint32_t k = 0; k < n; k++)
        hl += (size_t)snprintf(hex + hl, sizeof hex - hl, "%s%02X", k ? " " : "", bytes[k]);
      put(o, "  popped %u byte%s off the stack (SS:%s %04X:%0*X): %s\n", n, n > 1 ? "s" : "",
          (a->mode & CPU_MODE_SS32) ? "ESP" : "SP", a->seg[S_SS].sel, (a->mode & CPU_MODE_SS32) ? 8 : 4, sp0, hex);
    }
  }
}

static void explain_io(Out *o, const StepRecord *rec) {
  for (int i = 0; i < rec->nio; i++) {
    const DbgIoRec *io = &rec->io[i];
    const char *what = explain_port(io->port);
    int w = io->size * 2;
    if (io->out)
      put(o, "  port OUT %04Xh <- %0*X%s%s%s\n", io->port, w, io->value, what ? " (" : "", what ? what : "",
          what ? ")" : "");
    else
      put(o, "  port IN %04Xh -> %0*X%s%s%s\n", io->port, w, io->value, what ? " (" : "", what ? what : "",
          what ? ")" : "");
  }
}

static void explain_ints(Out *o, const StepRecord *rec) {
  for (int i = 0; i < rec->nints; i++) {
    const DbgIntRec *ir = &rec->ints[i];
    const char *name = explain_vector_name(ir->vector);
    if (ir->kind == CPU_DBG_INT_EXTERNAL) {
      if (ir->vector == EXC_DB)
        put(o, "  single-step trap: #DB (vector 01h)\n");
      else
        put(o, "  hardware interrupt: vector %02Xh arrived (IF=1) before the next instruction\n", ir->vector);
    } else if (ir->kind == CPU_DBG_INT_SOFTWARE) {
      /* INT n names no exception (INT 10h is the video BIOS, not #MF), except INT3/INTO. */
      bool exc = rec->decoded && (rec->insn.op == 0xcc || rec->insn.op == 0xce);
      put(o, "  software interrupt: vector %02Xh%s%s%s, handler address from the %s\n", ir->vector,
          exc ? " (" : "", exc && name ? name : "", exc ? ")" : "",
          (rec->before.mode & CPU_MODE_PE) && !(rec->before.mode & CPU_MODE_VM86) ? "IDT" : "interrupt vector table");
    } else {
      bool nested = i > 0 && rec->ints[i - 1].kind == CPU_DBG_INT_EXCEPTION;
      put(o, "  %sfault: %s (vector %02Xh)", nested ? "delivering it raised another " : "", name ? name : "exception",
          ir->vector);
      if (ir->error != ERR_NONE) {
        put(o, ", error code %04X", ir->error);
        if (ir->vector == EXC_PF)
          put(o, " (%s, %s, %s mode) at linear %08X", (ir->error & 1) ? "protection" : "not present",
              (ir->error & 2) ? "write" : "read", (ir->error & 4) ? "user" : "supervisor", ir->cr2);
        else if (ir->error & ~3u)
          put(o, " (selector index %u in the %s%s)", (ir->error >> 3) & 0x1fff,
              (ir->error & 2) ? "IDT" : (ir->error & 4) ? "LDT" : "GDT", (ir->error & 1) ? ", external event" : "");
      }
      put(o, "\n");
      if (ir->reason)
        put(o, "  check that failed: %s\n", ir->reason);
    }
  }
  if (rec->nints) {
    const DbgRegs *b = &rec->after;
    put(o, "  the CPU saved FLAGS, CS and %s on the stack and entered the handler at %04X:%0*X\n",
        (b->mode & CPU_MODE_CS32) ? "EIP" : "IP", b->seg[S_CS].sel, (b->mode & CPU_MODE_CS32) ? 8 : 4, b->eip);
  }
}

static const char *mode_name(uint32_t m) {
  if (!(m & CPU_MODE_PE))
    return "real mode";
  if (m & CPU_MODE_VM86)
    return "virtual-8086 mode";
  if (m & CPU_MODE_PG)
    return (m & CPU_MODE_CS32) ? "32-bit protected mode with paging" : "16-bit protected mode with paging";
  return (m & CPU_MODE_CS32) ? "32-bit protected mode" : "16-bit protected mode";
}

size_t explain_step(Debugger *d, const StepRecord *rec, char *buf, size_t cap) {
  Out o = {buf, cap, 0};
  if (cap)
    buf[0] = 0;
  const char *mn = rec->decoded ? x86_mnemonic(&rec->insn) : NULL;
  bool faulted = !rec->executed && rec->nints && rec->ints[0].kind == CPU_DBG_INT_EXCEPTION;
  if ((rec->executed || faulted) && mn) {
    const char *t = explain_mnemonic(mn);
    put(&o, "  %s: %s%s\n", mn, t ? t : "(no explanation)", faulted ? " (it faulted and did not complete)" : "");
  } else if (!rec->executed && rec->nints == 0) {
    put(&o, "  nothing ran (the CPU is halted, waiting for an interrupt)\n");
  } else if (!rec->executed && rec->nints && rec->ints[0].kind == CPU_DBG_INT_EXTERNAL) {
    put(&o, "  the instruction at %04X:%0*X did not run yet: an interrupt came first\n", rec->before.seg[S_CS].sel,
        mode16(&rec->before) ? 4 : 8, rec->before.eip);
  }
  explain_ints(&o, rec);
  if (rec->executed && rec->nints == 0) {
    uint32_t fall = rec->before.eip + (uint32_t)rec->len;
    if (mode16(&rec->before))
      fall &= 0xffff;
    if (rec->after.seg[S_CS].sel != rec->before.seg[S_CS].sel || rec->after.eip != fall)
      put(&o, "  control goes to %04X:%0*X instead of the next instruction\n", rec->after.seg[S_CS].sel,
          mode16(&rec->after) ? 4 : 8, rec->after.eip);
  }
  explain_regs(&o, rec);
  explain_flags(&o, rec, mn);
  explain_memory(&o, d, rec);
  explain_io(&o, rec);
  if ((rec->before.mode ^ rec->after.mode) & (CPU_MODE_PE | CPU_MODE_PG | CPU_MODE_VM86 | CPU_MODE_CS32))
    put(&o, "  mode: %s -> %s\n", mode_name(rec->before.mode), mode_name(rec->after.mode));
  return o.len;
}
