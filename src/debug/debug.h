/*
 * debug.h — the teaching debugger's core: attach to a machine, step one
 * instruction under any engine, step over CALL/INT/REP, step out, run to an
 * address, continue; breakpoints on CS:EIP, linear and physical addresses,
 * I/O ports, interrupt vectors and mode changes, watchpoints on memory.
 *
 * No front-end code here: nothing in debug.c prints.  Every step (and every
 * stop) is reported as a StepRecord — the state before and after, the
 * instruction bytes, interrupts and exceptions delivered, port I/O, memory
 * written with old and new bytes — which a line-mode front end (cli.c), a
 * tracer, a TUI or a gdb stub can all format or serialise as they need.
 *
 * How it runs the machine:
 *  - A step runs through machine_run_for() with Machine.icount_stop one
 *    instruction ahead, so device timers fire exactly as in a normal run, and
 *    with the translator's hook (Cpu.jit_exec) put aside: the step runs in
 *    the interpreter.  The translation cache stays coherent because every
 *    write the interpreter makes to a code page goes through Mem's code-page
 *    tracking, which tells the JIT (Mem.code_write_hook), as for any write.
 *  - Memory written during a step is recorded with Mem's write log (the one
 *    lockstep uses): while it is set no write pointers are handed out, so
 *    every RAM write is logged with its old byte.
 *  - Breakpoints on interrupts/exceptions and mode changes use the CPU's one
 *    debugger hook (Cpu.dbg_event), called only on slow paths; port
 *    breakpoints wrap the machine's port callbacks; watchpoints mark their
 *    physical pages (MEM_PAGE_WATCHED) so writes there take the slow path
 *    and call Mem.watch_hook.  Read and access watchpoints mark theirs
 *    MEM_PAGE_RWATCHED and set Mem.access_hook: the TLB then gives those
 *    pages no host pointer, and the CPU's slow path offers each data access
 *    there to the hook.  With nothing set, none of this is armed.
 *  - Continue runs the machine at full speed (any engine) unless
 *    watchpoints are set.  Port, interrupt and mode breakpoints stop it at
 *    an instruction boundary through the hooks.  Execution breakpoints are
 *    armed in the CPU as pages (Cpu.brk_lin/brk_phys): the engines run
 *    those pages one instruction at a time and offer each instruction to
 *    the hook (CPU_DBG_EXEC), which stops before a breakpoint's instruction
 *    when its condition holds; other pages run in blocks and translations.
 *    Watchpoints need a stop right after the instruction that wrote (or,
 *    for read and access watchpoints, read) the bytes: then continue steps
 *    (interpreter).
 */
#ifndef X86VM_DEBUG_H
#define X86VM_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "pc.h"

#define DBG_MAX_BPS 64
#define DBG_MAX_INTS 4     /* interrupt deliveries recorded per step */
#define DBG_MAX_IO 8       /* port accesses recorded per step */
#define DBG_MAX_WRITES 64  /* memory bytes recorded per step (more are counted) */

typedef enum DbgBpKind {
  DBG_BP_CSEIP,  /* CS:EIP (selector:offset, as the guest sees it) */
  DBG_BP_LIN,    /* linear address of the next instruction */
  DBG_BP_PHYS,   /* physical address of the next instruction */
  DBG_BP_IO,     /* port access (addr = port, len = ports, io = DBG_IO_*) */
  DBG_BP_INT,    /* interrupt or exception delivered (addr = vector) */
  DBG_BP_MODE,   /* mode change (addr = CPU_MODE_PE | PG | VM86 bits watched) */
  DBG_BP_WATCH   /* memory written (addr = physical, len = bytes); with io set, read or accessed */
} DbgBpKind;

#define DBG_IO_READ 1u
#define DBG_IO_WRITE 2u

/* A simple condition: REG OP VALUE (or REG OP REG2). */
typedef enum DbgCmp { DBG_EQ, DBG_NE, DBG_LT, DBG_LE, DBG_GT, DBG_GE } DbgCmp;
typedef struct DbgCond {
  bool on;
  int reg;        /* dbg_reg_* index (dbg_reg_parse) */
  DbgCmp op;
  bool rhs_reg;   /* compare with another register */
  int reg2;
  uint32_t value;
} DbgCond;

typedef struct DbgBreakpoint {
  int id;              /* 1, 2, ... (0: free slot) */
  DbgBpKind kind;
  bool enabled;
  bool temporary;      /* deleted when hit (step over, until) */
  uint16_t sel;        /* DBG_BP_CSEIP: CS selector */
  uint32_t addr;       /* see DbgBpKind */
  uint32_t len;        /* DBG_BP_WATCH bytes, DBG_BP_IO ports */
  unsigned io;         /* DBG_BP_IO: DBG_IO_*; DBG_BP_WATCH: 0 (the bytes change),
                        * DBG_IO_READ (read), DBG_IO_READ | DBG_IO_WRITE (read or written) */
  bool io_value_on;    /* DBG_BP_IO: only accesses with this value */
  uint32_t io_value;
  uint64_t hits;       /* times it stopped the guest */
  DbgCond cond;
  uint8_t *shadow;     /* DBG_BP_WATCH: the bytes as last seen */
} DbgBreakpoint;

/* Architectural state as a debugger shows it (EFLAGS materialised). */
typedef struct DbgRegs {
  uint32_t regs[8], eip, eflags;
  SegCache seg[S_COUNT];
  uint32_t cr[5];
  uint32_t gdt_base, gdt_limit, idt_base, idt_limit;
  uint32_t cpl, mode;
  bool halted;
} DbgRegs;

typedef enum DbgStop {
  DBG_STOP_NONE = 0,
  DBG_STOP_STEP,        /* the requested steps are done */
  DBG_STOP_BREAKPOINT,  /* bp_id */
  DBG_STOP_WATCH,       /* bp_id: watched bytes changed */
  DBG_STOP_IO,          /* bp_id */
  DBG_STOP_INT,         /* bp_id */
  DBG_STOP_MODE,        /* bp_id */
  DBG_STOP_FINISH,      /* the current frame returned */
  DBG_STOP_REQUEST,     /* dbg_request_stop() (a signal, a front end) */
  DBG_STOP_MACHINE      /* the machine stopped: machine_stop says why */
} DbgStop;

typedef struct DbgIoRec {
  uint16_t port;
  uint8_t size;
  bool out;
  uint32_t value;
} DbgIoRec;

typedef struct DbgIntRec {
  uint8_t vector;
  uint8_t kind;          /* CPU_DBG_INT_* */
  uint32_t error;        /* ERR_NONE: none */
  const char *reason;    /* the failed check, when the CPU said (Cpu.fault_reason) */
  uint32_t cr2;          /* #PF: the faulting linear address */
} DbgIntRec;

typedef struct DbgWrite {
  uint32_t pa;
  uint8_t old, val;
} DbgWrite;

/* One step (or the last instruction before a stop): structured, no text. */
typedef struct StepRecord {
  uint64_t icount;        /* instructions retired before the step */
  DbgRegs before, after;
  uint8_t bytes[15];      /* the instruction at before's CS:EIP */
  int len;                /* bytes read (0: could not read) */
  Insn insn;              /* decoded (valid when decoded) */
  bool decoded;
  bool executed;          /* an instruction retired */
  uint32_t lin;           /* linear address of before's CS:EIP */
  int nints;
  DbgIntRec ints[DBG_MAX_INTS];
  int nio;
  DbgIoRec io[DBG_MAX_IO];
  int nwrites;            /* recorded in writes[], in order */
  uint32_t writes_total;  /* bytes written in all (may exceed DBG_MAX_WRITES) */
  DbgWrite writes[DBG_MAX_WRITES];
  bool mmio;              /* device memory was accessed (not recorded) */
} StepRecord;

/* Why a run ended. */
typedef struct DbgResult {
  DbgStop stop;
  int bp_id;                 /* the breakpoint, for the breakpoint stops */
  MachineStop machine_stop;  /* DBG_STOP_MACHINE */
  uint64_t steps;            /* instructions retired by this command */
  bool stepped_over;         /* dbg_next ran a CALL/INT/REP/LOOP to its end */
  bool have_prev;            /* stepped: the last instruction run was at prev_cs:prev_eip */
  uint16_t prev_cs;
  uint32_t prev_eip;
  /* DBG_STOP_WATCH: the watched range's bytes before and after (first 16);
   * for a read or access watchpoint, watch_access says how the instruction
   * touched them (DBG_IO_READ or DBG_IO_WRITE), watch_old is what they held
   * before it and watch_new after. */
  unsigned watch_access;
  uint32_t watch_len;
  uint8_t watch_old[16], watch_new[16];
  uint16_t io_port;          /* DBG_STOP_IO: the access */
  bool io_out;
  uint32_t io_value;
  uint32_t mode_old, mode_new; /* DBG_STOP_MODE */
} DbgResult;

typedef struct Debugger Debugger;

/* How the debugger ran the guest, since it attached: instructions it
 * stepped one at a time (each through the machine loop, in the
 * interpreter: commands that report every step, watchpoints, next, finish,
 * until), and instructions the machine's engine ran at full speed. */
typedef struct DbgStats {
  uint64_t stepped;
  uint64_t fast;
} DbgStats;
void dbg_get_stats(const Debugger *d, DbgStats *st);

/* Called after every step with its record (e.g. to print it): a tracer's
 * or front end's view.  Return false to stop the run (DBG_STOP_REQUEST). */
typedef bool (*DbgStepFn)(void *opaque, const StepRecord *rec);

Debugger *dbg_attach(Machine *m);
void dbg_detach(Debugger *d);
Machine *dbg_machine(Debugger *d);

/* Called after each step of the stepping commands (NULL: none). */
void dbg_set_step_callback(Debugger *d, DbgStepFn fn, void *opaque);

/* Breakpoints: the new id (> 0), or -1 with a message. */
int dbg_break_cseip(Debugger *d, uint16_t sel, uint32_t off, char *err, size_t errlen);
int dbg_break_lin(Debugger *d, uint32_t lin, char *err, size_t errlen);
int dbg_break_phys(Debugger *d, uint32_t pa, char *err, size_t errlen);
int dbg_break_io(Debugger *d, uint16_t port, uint32_t nports, unsigned dirs, bool with_value,
                 uint32_t value, char *err, size_t errlen);
int dbg_break_int(Debugger *d, uint8_t vector, char *err, size_t errlen);
int dbg_break_mode(Debugger *d, uint32_t mode_bits, char *err, size_t errlen);
/* A watchpoint on the bytes [lin, lin+len) map to now (physical, RAM only). */
int dbg_watch(Debugger *d, uint32_t lin, uint32_t len, char *err, size_t errlen);
/* A read (access DBG_IO_READ) or access (DBG_IO_READ | DBG_IO_WRITE)
 * watchpoint on the same kind of range: stops after an instruction whose
 * data access (not its fetch) reads, or reads or writes, any of the bytes,
 * whatever the value.  Accesses by devices (DMA) and by the CPU's own
 * table walks (page tables, descriptors read by the hardware) do not count. */
int dbg_watch_access(Debugger *d, uint32_t lin, uint32_t len, unsigned access, char *err, size_t errlen);
int dbg_set_condition(Debugger *d, int id, const DbgCond *c, char *err, size_t errlen);
int dbg_delete(Debugger *d, int id); /* 0, or -1: no such breakpoint */
int dbg_enable(Debugger *d, int id, bool on);
/* Breakpoints in id order: the i-th (NULL past the end). */
const DbgBreakpoint *dbg_breakpoint(const Debugger *d, int i);

/* Execution.  Each fills *res and the last step's record *last (optional). */
DbgResult dbg_step(Debugger *d, uint64_t n, StepRecord *last);     /* n instructions, each reported */
/* n instructions without reports: at full speed under the machine's engine
 * unless execution breakpoints or watchpoints need a look at each. */
DbgResult dbg_run(Debugger *d, uint64_t n, StepRecord *last);
DbgResult dbg_next(Debugger *d, StepRecord *last);                 /* over CALL/INT/REP/LOOP */
DbgResult dbg_finish(Debugger *d, StepRecord *last);               /* until this frame returns */
DbgResult dbg_continue(Debugger *d, StepRecord *last);
DbgResult dbg_until_lin(Debugger *d, uint32_t lin, StepRecord *last); /* run to a linear address */
/* Make a running command return (DBG_STOP_REQUEST): async-signal-safe. */
void dbg_request_stop(Debugger *d);
/* Called about every 10 ms of virtual time while a command runs, and while
 * the guest idles (NULL: never): a front end reads its input there and may
 * call dbg_request_stop() (the gdb stub's Ctrl+C). */
void dbg_set_poll(Debugger *d, void (*fn)(void *opaque), void *opaque);
/* Between runs of its own (a search through recorded history): run the
 * poll hook, then take a stop request made since the last run, if any. */
bool dbg_poll_stop(Debugger *d);

/* State. */
void dbg_get_regs(Debugger *d, DbgRegs *r);
/* Decode the instruction at seg base + off (linear lin) without faulting:
 * bytes read into buf (0 if unmapped), *in decoded when the result is > 0. */
int dbg_fetch_insn(Debugger *d, uint32_t lin, bool code32, uint8_t buf[15], Insn *in);
/* Linear -> physical through the current page tables, without faulting or
 * setting Accessed bits; false if not mapped. */
bool dbg_lin_to_phys(Debugger *d, uint32_t lin, uint32_t *pa);
/* Read linear memory without faulting: bytes read (stops at an unmapped page). */
uint32_t dbg_read_lin(Debugger *d, uint32_t lin, void *buf, uint32_t len);
/* Write linear memory without faulting, RAM only (not ROM or device
 * memory): bytes written (stops at a page that is unmapped or not RAM).
 * Decoded and translated code there is dropped as for any write;
 * watchpoints take the new bytes as their reference (no stop). */
uint32_t dbg_write_lin(Debugger *d, uint32_t lin, const void *buf, uint32_t len);

/* Change a register while stopped: the eight general registers, EIP and
 * EFLAGS (the arithmetic flags, TF, IF, DF; other bits must stay as they
 * are), and a segment register in real mode (selector x 16 becomes its
 * base; in protected mode only its own selector may be written back).
 * idx as dbg_reg_parse() gives (32-bit registers, eip, eflags, segment
 * registers).  0, or -1 with a message. */
int dbg_set_reg(Debugger *d, int idx, uint32_t value, char *err, size_t errlen);

/* Registers by name for conditions: index or -1.  dbg_reg_value reads it. */
int dbg_reg_parse(const char *name);
const char *dbg_reg_name(int idx);
uint32_t dbg_reg_value(const DbgRegs *r, int idx);

/* The machine's state was replaced (reverse execution restored a
 * checkpoint): watchpoints take the bytes now in memory as last seen and
 * their pages are marked again. */
void dbg_resync(Debugger *d);
/* Set a breakpoint's hit count (a replay's hits are not new ones). */
void dbg_set_hits(Debugger *d, int id, uint64_t hits);

#endif
