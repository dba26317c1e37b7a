/*
 * cpu.h — the CPU state (an i686, or an 80286: cpu->model) and the CPU
 * core's public interface.
 *
 * One struct (Cpu) holds everything architectural: general registers, EIP,
 * EFLAGS (with lazily evaluated arithmetic flags), segment registers with
 * their hidden descriptor caches, control/debug registers, descriptor table
 * registers, TSC and MSRs, plus the software TLB and the decoded-instruction
 * cache the engines use.  The layout is fixed: fields that generated code
 * reaches carry _Static_assert(offsetof(...)) checks in cpu.c.
 *
 * Guest exceptions are raised with cpu_raise(), which unwinds (longjmp) to
 * the dispatch loop with EIP still pointing at the faulting instruction, so
 * every fault is restartable.
 */
#ifndef X86VM_CPU_H
#define X86VM_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "fpu.h"
#include "mem.h"

/* General register numbers, in ModRM encoding order. */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
/* Segment register numbers, in ModRM (Sreg) encoding order, then LDTR/TR. */
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_LDTR, S_TR, S_COUNT };
#define SEG_NONE 0xff

/* EFLAGS bits. */
#define F_CF   0x00000001u
#define F_PF   0x00000004u
#define F_AF   0x00000010u
#define F_ZF   0x00000040u
#define F_SF   0x00000080u
#define F_TF   0x00000100u
#define F_IF   0x00000200u
#define F_DF   0x00000400u
#define F_OF   0x00000800u
#define F_IOPL 0x00003000u
#define F_NT   0x00004000u
#define F_RF   0x00010000u
#define F_VM   0x00020000u
#define F_AC   0x00040000u
#define F_VIF  0x00080000u
#define F_VIP  0x00100000u
#define F_ID   0x00200000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* Control register bits. */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define CR4_VME 0x001u
#define CR4_PVI 0x002u
#define CR4_TSD 0x004u
#define CR4_DE  0x008u
#define CR4_PSE 0x010u
#define CR4_PGE 0x080u
#define CR4_PCE 0x100u
#define CR4_OSFXSR 0x200u

/* Debug register bits (SDM vol. 3, 17.2). */
#define DR6_BMASK 0x0000000fu /* B0-B3: breakpoint conditions met */
#define DR6_BD    0x00002000u /* a MOV DR with DR7.GD set */
#define DR6_BS    0x00004000u /* single step */
#define DR6_BT    0x00008000u /* task switch with the TSS T bit */
#define DR7_GD    0x00002000u /* general detect */
#define DR7_LMASK 0x00000055u /* L0-L3: cleared on every task switch */
/* Cpu.dr_armed bits: which kinds of breakpoint are enabled (cpu_dr_update). */
#define DR_ARMED_EXEC 0x1u /* an instruction breakpoint (R/W = 00) */
#define DR_ARMED_DATA 0x2u /* a data breakpoint (R/W = 01 or 11) */
#define DR_ARMED_IO   0x4u /* an I/O breakpoint (R/W = 10, CR4.DE = 1) */

/* Exception vectors. */
enum {
  EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
  EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
  EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18
};
#define ERR_NONE 0xffffffffu /* no error code pushed */

/* Hidden descriptor cache of a segment register. */
typedef struct SegCache {
  uint16_t sel;    /* visible selector */
  uint16_t flags;  /* descriptor bits 40..55: access byte | (G,D/B,L,AVL) << 12 */
  uint32_t base;   /* linear base */
  uint32_t limit;  /* byte-granular limit (already scaled by G) */
} SegCache;
/* SegCache.flags bits. */
#define SF_ACCESSED 0x0001u
#define SF_RW       0x0002u /* data: writable; code: readable */
#define SF_DC       0x0004u /* data: expand-down; code: conforming */
#define SF_CODE     0x0008u
#define SF_S        0x0010u /* code/data (1) vs system (0) */
#define SF_DPL(f)   (((f) >> 5) & 3)
#define SF_P        0x0080u
#define SF_DB       0x4000u /* default operand size / big */
#define SF_G        0x8000u

/* Lazy-flags operations (cc_op). CC_EFLAGS: the arithmetic flags are in eflags. */
/* cc_op = kind << 2 | size (size 0: 8, 1: 16, 2: 32 bits), so both are a shift away. */
#define CC_KIND(op) (((op) >> 2) - 1)
#define CC_SIZE(op) ((op) & 3)
enum {
  CC_EFLAGS = 0,
  CC_ADD8 = 4, CC_ADD16, CC_ADD32,
  CC_ADC8 = 8, CC_ADC16, CC_ADC32,
  CC_SUB8 = 12, CC_SUB16, CC_SUB32,
  CC_SBB8 = 16, CC_SBB16, CC_SBB32,
  CC_LOGIC8 = 20, CC_LOGIC16, CC_LOGIC32,
  CC_INC8 = 24, CC_INC16, CC_INC32,
  CC_DEC8 = 28, CC_DEC16, CC_DEC32,
  /* SHL/SHR/SAR by a count of 1-31: dst = the operand, src = the count, res = the result */
  CC_SHL8 = 32, CC_SHL16, CC_SHL32,
  CC_SHR8 = 36, CC_SHR16, CC_SHR32,
  CC_SAR8 = 40, CC_SAR16, CC_SAR32,
  CC_COUNT
};

/* Software TLB: linear page -> host page, with permissions. */
#define TLB_BITS 14 /* 64 MiB of reach: random access over a large working set stays off the page walk */
#define TLB_SIZE (1u << TLB_BITS)
/* Fills remembered for a cheap flush: a flush kills just the entries filled
 * since the last one, unless more than this many were (then all). */
#define TLB_LOG 512
/* The TLB slot of a virtual page: its low TLB_BITS bits (the JIT's inline
 * probe computes the same). */
static inline uint32_t tlb_index(uint32_t vpage) { return vpage & (TLB_SIZE - 1); }
#define TLB_R_SUP  0x01u
#define TLB_W_SUP  0x02u
#define TLB_R_USER 0x04u
#define TLB_W_USER 0x08u
typedef struct TlbEntry {
  uint32_t vpage;  /* linear address >> 12, or 0xffffffff when empty */
  uint32_t ppage;  /* physical address >> 12 */
  uint8_t *host;   /* host pointer to the page for reads, NULL when MMIO */
  uint8_t *whost;  /* host pointer for writes, NULL when writes take the slow path */
  uint32_t perm;   /* TLB_* bits allowed */
  /* For the JIT's one-compare probe: tag[i] is vpage when the access class
   * with TLB_* bit (1 << i) is allowed and has a host pointer, else
   * 0xffffffff; then the host address of linear address lin is lin + addend. */
  uint32_t tag[4];
  uint32_t pad;
  uintptr_t addend;
  uint64_t pad2;
} TlbEntry;
#define TLB_ENTRY_SHIFT 6 /* sizeof(TlbEntry) == 64 */

/* Why cpu_run() returned. */
typedef enum CpuStop {
  CPU_STOP_NONE = 0,
  CPU_STOP_BUDGET,      /* executed the requested instruction budget */
  CPU_STOP_HLT,         /* HLT with interrupts disabled (or halt_exits set) */
  CPU_STOP_TRIPLE,      /* triple fault (machine must reset) */
  CPU_STOP_REQUEST,     /* the machine asked us to stop (exit port, timeout...) */
  CPU_STOP_SHUTDOWN     /* shutdown cycle other than triple fault */
} CpuStop;

struct Cpu;
/* Port I/O callbacks, supplied by the machine. size is 1, 2 or 4. */
typedef uint32_t (*CpuPortIn)(void *opaque, uint16_t port, int size);
typedef void (*CpuPortOut)(void *opaque, uint16_t port, int size, uint32_t value);
/* Interrupt acknowledge: returns the vector of the pending maskable interrupt. */
typedef int (*CpuIntAck)(void *opaque);

typedef struct Cpu {
  /* --- architectural state (layout fixed; the JIT reaches these) --- */
  uint32_t regs[8];     /* EAX..EDI */
  uint32_t eip;         /* EIP of the current instruction */
  uint32_t eflags;      /* EFLAGS; arithmetic bits valid only when cc_op == CC_EFLAGS */
  uint32_t cc_op;       /* lazy flags: operation that produced the flags */
  uint32_t cc_src;      /* lazy flags: second operand (or carry-in info) */
  uint32_t cc_dst;      /* lazy flags: first operand */
  uint32_t cc_res;      /* lazy flags: result */
  SegCache seg[S_COUNT];/* ES CS SS DS FS GS LDTR TR */
  uint32_t gdt_base, gdt_limit; /* GDTR */
  uint32_t idt_base, idt_limit; /* IDTR */
  uint32_t cr[5];       /* CR0, CR1 (unused), CR2, CR3, CR4 */
  uint32_t dr[8];       /* DR0-DR7 (DR4/DR5 alias DR6/DR7) */
  uint32_t cpl;         /* current privilege level */
  uint32_t mode;        /* CPU_MODE_* bits: part of every translation key */

  /* MSRs */
  uint64_t tsc_offset;       /* TSC = ticks of virtual time at CPU_TSC_HZ + this (WRMSR sets it) */
  uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
  uint64_t apic_base;
  uint64_t mtrr_def_type;

  FpuState fpu;         /* x87 / MMX state */

  /* --- execution state --- */
  uint32_t next_eip;    /* EIP of the next instruction (handlers set it for jumps) */
  uint64_t icount;      /* instructions retired */
  bool halted;          /* in HLT, waiting for an interrupt */
  bool intr;            /* maskable interrupt line (from the PIC) */
  bool nmi;             /* NMI pending */
  bool inhibit_irq;     /* interrupts inhibited for one instruction (STI, MOV SS) */
  bool halt_exits;      /* test mode: HLT stops cpu_run() even with IF=1 */
  CpuStop stop;         /* set to request a stop at the next boundary */
  int exc_depth;        /* nesting while delivering exceptions (double/triple fault) */
  int cur_exc;          /* vector being delivered, -1 if none */
  int raised_vec;       /* exception passed from cpu_raise() to the dispatch loop */
  uint32_t raised_err;  /* its error code (ERR_NONE: none) */
  jmp_buf *jmp;         /* where cpu_raise() unwinds to */

  /* --- memory --- */
  Mem *mem;             /* physical memory map */
  /* The TLB (TLB_SIZE entries, 1 MiB) lies just below the Cpu in one
   * allocation (cpu_create): tlb == (TlbEntry *)cpu - TLB_SIZE, so the JIT
   * reaches it at a fixed negative offset from its Cpu pointer, and a copy
   * of the Cpu (lockstep) does not copy it. */
  TlbEntry *tlb;
  uint32_t tlb_nlog;    /* fills since the last flush (may exceed TLB_LOG) */
  uint16_t tlb_log[TLB_LOG]; /* their slots, the first TLB_LOG of them */

  /* --- machine hooks --- */
  void *io_opaque;
  CpuPortIn port_in;
  CpuPortOut port_out;
  CpuIntAck int_ack;

  /* --- decoded-instruction cache (src/interp/interp.c) --- */
  struct ICache *icache;

  /* --- translation engine (src/jit/ attaches itself with jit_attach()) --- */
  struct Jit *jit;
  /* Run translated code from CS:EIP until the budget (icount < limit) ends or
   * an event needs the dispatch loop; false: nothing ran, the interpreter
   * takes this step.  NULL: interpreter only. */
  bool (*jit_exec)(struct Cpu *cpu, uint64_t limit);
  /* The JIT's translation key (src/jit/jit.c jit_key: mode | flat data
   * segments << 8 | JIT_MODE_CS_4G | JIT_MODE_RAMWIN), and right after it (the jump cache
   * compares the pair as one 64-bit word) the TLB epoch, bumped by every
   * TLB flush. */
  uint32_t jit_mode;
  uint32_t tlb_epoch;
  uint64_t jit_limit;   /* translated code chains to another block only while icount < jit_limit */
  /* Test hook (precise-fault tests): when nonzero, every data access walks
   * the page tables (no TLB entry is kept for it, and entries made for code
   * fetches serve no data access) and counts this down; the access that
   * brings it to zero raises #PF as a not-present page would. */
  uint64_t inject_pf;

  /* --- CPU model (new fields go at the end: the JIT reaches earlier ones by offset) --- */
  uint32_t model;       /* CPU_MODEL_*: fixed per machine (cpu_set_model before running) */

  /* Test hook (precise-fault tests): when set, called by
   * cpu_handle_exception() right after it delivered an exception, with the
   * CPU at the first instruction of the handler and the frame pushed. */
  void (*exc_delivered)(struct Cpu *cpu, int vector, uint32_t error);

  /* Test hook (precise-fault tests): when nonzero, the first access (data or
   * fetch) to linear page inject_pf_page - 1 that misses the TLB raises #PF
   * as a not-present page would, and clears this; the rest of the TLB works
   * as usual (drop the page's entry when arming). */
  uint32_t inject_pf_page;

  uint32_t jit_tmp;     /* translated code's spill slot (ADC/SBB with memory: CF across the access) */

  /* Virtual time in ns, the TSC's time base (cpu_tsc): set by the machine
   * to its clock (the value must be exact mid-slice, at the instruction
   * that asks: both engines keep icount exact at every handler call).
   * NULL (a bare Cpu in tests): one ns per retired instruction. */
  uint64_t (*time_ns)(void *opaque);
  void *time_opaque;

  /* Hardware breakpoints (src/cpu/debugreg.c).  dr_armed caches what DR7
   * (and CR4.DE) enable, so that nothing else looks at DR0-DR7 while it is
   * 0: the engines take their fast paths only then, and the TLB gives no
   * host pointer for a page a data breakpoint watches, so its accesses all
   * reach the slow path in mmu.c, which checks them. */
  uint32_t dr_armed;    /* DR_ARMED_* bits; 0: no breakpoint enabled */
  uint32_t dr_hit;      /* B0-B3 of the data/I/O breakpoints matched since the last #DB: a trap is due */

  /* The local APIC (src/hw/lapic.c), when the machine has one: it drives
   * `intr`, answers int_ack, and sets these.  CPUID leaf 1 reports the APIC
   * (EDX bit 9, while IA32_APIC_BASE enables it) and the initial APIC ID. */
  bool has_apic;        /* reset value of IA32_APIC_BASE: enabled, BSP */
  uint8_t apic_id;      /* initial APIC ID: CPUID.1 EBX[31:24] */
  void (*apic_base_changed)(void *opaque); /* after WRMSR 1Bh */
  void *apic_opaque;
  /* NMIs are held from the delivery of one until the next IRET (SDM 6.7.1);
   * `nmi` stays pending meanwhile.  Not in snapshots: a restore inside an
   * NMI handler lets the next NMI in early. */
  bool nmi_blocked;
  /* Debugger hook (src/debug/debug.c), NULL unless a debugger is attached.
   * Called on slow paths only, so it costs nothing in translated code or in
   * the interpreter's blocks: before an interrupt or exception is delivered
   * (CPU_DBG_INT from cpu_deliver_interrupt) and when the PE, PG or VM86
   * mode bits change (CPU_DBG_MODE from cpu_update_mode).  It may call
   * cpu_request_stop(): the dispatch loop then returns before the next
   * instruction (also right after an external interrupt's delivery). */
  void (*dbg_event)(struct Cpu *cpu, int event, uint32_t a, uint32_t b);
  void *dbg_opaque;
  /* Which check raised the last fault, when the raising code says (a static
   * string such as "segment limit", or NULL): the debugger's explanations. */
  const char *fault_reason;
  /* A REP string instruction stopped at a chunk boundary (STRING_CHUNK
   * iterations, ops_string.c), to be resumed from this decoded copy rather
   * than from memory: a processor fetches the instruction once, so a REP
   * that wrote over its own bytes goes on as fetched.  cpu_run() takes it
   * when the next instruction it runs is at rep_eip / rep_csbase with
   * icount == rep_icount (nothing ran in between: an interrupt or
   * exception taken there moves EIP, and the REP is fetched again after
   * it, as on hardware); anything else drops it.  Not in snapshots: a
   * restore drops it (machine_restore) and fetches the REP again. */
  bool rep_pending;
  uint32_t rep_eip, rep_csbase;
  uint64_t rep_icount;
  Insn rep_insn;
  /* Debugger execution breakpoints (src/debug/debug.c), NULL when none are
   * armed: bitmaps, one bit per 4 KiB page (1 << 20 bits each), of the
   * linear and the physical pages that hold one.  Code there never runs in
   * a block or a translation: the engines' block lookups (interp.c
   * block_get, jit.c block_for; exec.h cpu_brk_page) refuse it, so it runs
   * one instruction at a time, each offered first to dbg_event
   * (CPU_DBG_EXEC), which may stop the CPU before it.  Everything else
   * runs at full speed; nothing looks at these while they are NULL.
   * Whoever sets or changes them flushes the TLB: the new epoch empties
   * the JIT's jump cache, the one way into translated code that skips the
   * lookup (chains link blocks of one linear page only). */
  const uint8_t *brk_lin, *brk_phys;
} Cpu;

/* Cpu.dbg_event events.  CPU_DBG_INT: a = vector | kind << 8 (CPU_DBG_INT_*),
 * b = error code (ERR_NONE: none).  CPU_DBG_MODE: a = old mode, b = new mode.
 * CPU_DBG_EXEC: the instruction at CS:EIP (a = its linear address) is about
 * to run from a page marked in brk_lin/brk_phys. */
enum { CPU_DBG_INT = 1, CPU_DBG_MODE = 2, CPU_DBG_EXEC = 3 };
enum { CPU_DBG_INT_EXTERNAL = 0, CPU_DBG_INT_SOFTWARE = 1, CPU_DBG_INT_EXCEPTION = 2 };

/* The TSC counts at this fixed rate of virtual time whatever the engine or
 * the host: 1000 MHz, the nominal frequency of our i686 model.  CPUID has no
 * frequency leaf on a P6 (leaf 1 is the highest): guests calibrate it against
 * the PIT, as Linux does ("tsc: Detected 1000.000 MHz processor"). */
#define CPU_TSC_HZ 1000000000ull

/*
 * CPU models (docs/CPU_MODELS.md).  CPU_MODEL_I686 is the default P6-class
 * CPU; CPU_MODEL_286 an 80286: the 16-bit instruction set (0F xx beyond the
 * 286 system instructions, 66h/67h/64h/65h and FS/GS raise #UD), LOCK never
 * #UD, a 10-byte instruction limit, and the 286's real-mode FLAGS, fault
 * and string-instruction behaviour.
 */
typedef enum CpuModel { CPU_MODEL_I686 = 0, CPU_MODEL_286 = 1, CPU_MODEL_COUNT } CpuModel;
/* Model name ("i686", "286"), and back (-1: unknown name). */
const char *cpu_model_name(CpuModel m);
int cpu_model_parse(const char *name);
/* Select the model and reset the CPU.  Before it runs: the model is fixed per machine. */
void cpu_set_model(Cpu *cpu, CpuModel m);
static inline bool cpu_is_286(const struct Cpu *cpu) { return cpu->model == CPU_MODEL_286; }

/* Cpu.mode bits. */
#define CPU_MODE_PE    0x01u /* protected mode */
#define CPU_MODE_VM86  0x02u /* virtual-8086 mode */
#define CPU_MODE_CS32  0x04u /* 32-bit default operand/address size */
#define CPU_MODE_SS32  0x08u /* 32-bit stack (ESP) */
#define CPU_MODE_PG    0x10u /* paging on */
#define CPU_MODE_CPL3  0x20u /* CPL == 3 */

/* Lifecycle. */
Cpu *cpu_create(Mem *mem);
void cpu_destroy(Cpu *cpu);
void cpu_reset(Cpu *cpu);         /* power-on/reset state (F000:FFF0) */
void cpu_update_mode(Cpu *cpu);   /* recompute cpu->mode after CR0/CS/SS/EFLAGS changes */
uint64_t cpu_tsc(const Cpu *cpu); /* the time-stamp counter now (RDTSC, RDMSR 10h) */
void cpu_set_tsc(Cpu *cpu, uint64_t value); /* WRMSR 10h: it counts on from value */

/* Execution (implemented by the interpreter, src/interp/). */
CpuStop cpu_run(Cpu *cpu, uint64_t max_insns);
CpuStop cpu_step(Cpu *cpu);       /* exactly one instruction (or one interrupt delivery) */

/* Exceptions. cpu_raise() never returns. */
_Noreturn void cpu_raise(Cpu *cpu, int vector, uint32_t error_code);
/* Dispatch loop: deliver the exception cpu_raise() unwound with; false on triple fault. */
bool cpu_handle_exception(Cpu *cpu);
void cpu_deliver_interrupt(Cpu *cpu, int vector, bool software, uint32_t error_code, uint32_t return_eip);

/* Flags. */
uint32_t cpu_get_flags(Cpu *cpu);               /* materialise EFLAGS */
uint32_t cpu_get_cf(const Cpu *cpu);            /* just CF (0 or 1), cheaper */
void cpu_set_flags(Cpu *cpu, uint32_t value, uint32_t mask); /* write bits in mask */

/*
 * Events from outside the instruction stream.  Both also make translated
 * code return to C at its next block exit (jit_limit = 0: its budget
 * check fails), where the dispatch loop looks at the event; translated code
 * checks nothing else for them.
 */
static inline void cpu_request_stop(Cpu *cpu) {
  cpu->stop = CPU_STOP_REQUEST;
  cpu->jit_limit = 0;
}
static inline void cpu_set_intr(Cpu *cpu, bool level) {
  cpu->intr = level;
  if (level)
    cpu->jit_limit = 0;
}

/*
 * The machine's hooks (port I/O, interrupt acknowledge) as one value, for
 * the layers that wrap them (the debugger, the JIT's lockstep check): they
 * keep the hooks they found, install their own and forward to the kept
 * ones with cpu_io_in/out/ack, which answer as a machine without the hook
 * would (reads all ones, writes dropped, no vector).
 */
typedef struct CpuIoHooks {
  CpuPortIn in;
  CpuPortOut out;
  CpuIntAck ack;
  void *opaque;         /* passed to all three */
} CpuIoHooks;
static inline CpuIoHooks cpu_io_hooks(const Cpu *cpu) {
  return (CpuIoHooks){cpu->port_in, cpu->port_out, cpu->int_ack, cpu->io_opaque};
}
static inline void cpu_set_io_hooks(Cpu *cpu, CpuIoHooks h) {
  cpu->port_in = h.in;
  cpu->port_out = h.out;
  cpu->int_ack = h.ack;
  cpu->io_opaque = h.opaque;
}
static inline uint32_t cpu_io_in(const CpuIoHooks *h, uint16_t port, int size) {
  return h->in ? h->in(h->opaque, port, size) : 0xffffffffu;
}
static inline void cpu_io_out(const CpuIoHooks *h, uint16_t port, int size, uint32_t v) {
  if (h->out)
    h->out(h->opaque, port, size, v);
}
static inline int cpu_io_ack(const CpuIoHooks *h) { return h->ack ? h->ack(h->opaque) : -1; }

/*
 * Hardware breakpoints DR0-DR3 (src/cpu/debugreg.c; docs/DEBUG_REGISTERS.md).
 * cpu_dr_update() recomputes dr_armed after DR0-DR3, DR7 or CR4 changed (MOV
 * DR, MOV CR4, task switch, reset, snapshot restore) and flushes the TLB
 * when data breakpoints are or were enabled.  The checks return the B0-B3
 * bits of the enabled breakpoints that match; cpu_dr_check_data() and
 * cpu_dr_check_io() also add them to dr_hit, which the dispatch loop turns
 * into a #DB trap after the instruction (a REP string instruction stops
 * after the iteration, string_yield).  A debugger's own watchpoints can sit
 * beside these: they need the same slow-path hook (mmu.c) and dr_armed set.
 */
void cpu_dr_update(Cpu *cpu);
uint32_t cpu_dr_check_exec(const Cpu *cpu, uint32_t lin);
uint32_t cpu_dr_match_data(const Cpu *cpu, uint32_t lin, uint32_t len, bool write);
void cpu_dr_check_data(Cpu *cpu, uint32_t lin, uint32_t len, bool write);
void cpu_dr_check_io(Cpu *cpu, uint16_t port, uint32_t len);
/* Does a data breakpoint watch an address in linear page vpage? (no host pointer for it) */
bool cpu_dr_page_watched(const Cpu *cpu, uint32_t vpage);
/* Deliver the #DB trap due after an instruction: DR6's B0-B3 become dr_hit
 * (when a breakpoint matched), BS is set for a single step. */
void cpu_dr_trap(Cpu *cpu, bool single_step);

/* Segment loading. */
void cpu_load_seg_real(Cpu *cpu, int seg, uint16_t sel);
void cpu_load_seg(Cpu *cpu, int seg, uint16_t sel); /* mode-aware, may fault */

/* Linear memory access (paging, TLB). May raise #PF. */
uint8_t  lin_read8(Cpu *cpu, uint32_t lin);
uint16_t lin_read16(Cpu *cpu, uint32_t lin);
uint32_t lin_read32(Cpu *cpu, uint32_t lin);
void lin_write8(Cpu *cpu, uint32_t lin, uint8_t v);
void lin_write16(Cpu *cpu, uint32_t lin, uint16_t v);
void lin_write32(Cpu *cpu, uint32_t lin, uint32_t v);
/* Raise the fault a write to [lin, lin+len) would raise, without writing. */
void lin_check_write(Cpu *cpu, uint32_t lin, uint32_t len);
/* Supervisor-mode (system structure) access regardless of CPL. */
uint32_t lin_read32_sys(Cpu *cpu, uint32_t lin);
uint16_t lin_read16_sys(Cpu *cpu, uint32_t lin);
uint8_t  lin_read8_sys(Cpu *cpu, uint32_t lin);
void lin_write32_sys(Cpu *cpu, uint32_t lin, uint32_t v);
void lin_write16_sys(Cpu *cpu, uint32_t lin, uint16_t v);
void lin_write8_sys(Cpu *cpu, uint32_t lin, uint8_t v);
/* Translate for instruction fetch: returns physical address, may raise #PF. */
uint32_t lin_translate_fetch(Cpu *cpu, uint32_t lin);
void tlb_flush(Cpu *cpu);
void tlb_flush_page(Cpu *cpu, uint32_t lin);

/* Logging of unimplemented features: once per key. */
/* A diagnostic of category cat (log.h), once per (what, key). */
void cpu_log_once(unsigned cat, const char *what, unsigned key);

#endif
