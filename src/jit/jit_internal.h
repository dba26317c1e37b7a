/*
 * jit_internal.h — what the JIT's files share: the translator's records,
 * the cache structure and the exit protocol of translated code.
 */
#ifndef X86VM_JIT_INTERNAL_H
#define X86VM_JIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "decode.h"
#include "emit.h"
#include "exec.h"
#include "jit.h"

#define JIT_MAX_INSNS 32               /* guest instructions per block */
#define JIT_MAX_MERGED_JMPS 2          /* JMP rel a block may go on through (translate.c merge_jmp) */
#define JIT_MAX_SIDE_EXITS 2           /* Jcc a block may go on past, taken = side exit (translate.c jcc_goes_on) */
#define JIT_MAX_BLOCK_CODE (64u << 10) /* host bytes one block may need at most */
#define JIT_HASH_BITS 16
#define JIT_HASH_SIZE (1u << JIT_HASH_BITS)
#define JC_BITS 12
#define JC_SIZE (1u << JC_BITS)
#define JIT_DEFAULT_CACHE ((size_t)64 << 20)
#define JIT_ARENA_CHUNK ((size_t)1 << 20)

/*
 * The guest registers live in host registers across block boundaries: from
 * the entry trampoline through chained exits and jump-cache hops,
 * translated code keeps all eight in these host registers, and struct Cpu
 * may be older.  Code going back to C stores them (the *_sync trampolines)
 * unless it has written them back itself; code coming from a state where
 * struct Cpu is exact (after a handler) loads them before it jumps to a
 * block.  Host register of guest register g (EAX..EDI).
 */
static const int8_t jit_global_host[8] = {RBP, R13, R14, R8, R12, R11, R9, R10};

/* Exit values of translated code: 0 = back to the dispatch loop; a larger
 * value is a JitChain pointer asking to link that direct exit. */
#define JIT_EXIT_MAX 16

#define OFF(field) ((int32_t)offsetof(Cpu, field))
/* The TLB below the Cpu (cpu.h): its first entry relative to the Cpu pointer. */
#define TLB_OFF (-(int32_t)(TLB_SIZE * sizeof(TlbEntry)))
/* JitBlock.mode / Cpu.jit_mode: Cpu.mode plus a bit per flat data segment (jit.c jit_key). */
#define JIT_MODE_FLAT(s) (1u << (8 + (s)))
/* ... and a bit for a 4 GiB CS limit: branch targets need no limit check. */
#define JIT_MODE_CS_4G (1u << 15)
/* ... and one for the RAM window: paging off, A20 on, no region in RAM outside
 * the legacy hole (mem.h ram_window), no fault-injection hook armed: loads from
 * RAM skip the TLB (translate.c emit_mem). */
#define JIT_MODE_RAMWIN (1u << 16)

typedef struct JitBlock {
  struct JitBlock *hnext;  /* hash chain */
  uint32_t pa, eip, csbase, mode; /* key */
  uint32_t gen;            /* page generation at translation */
  const uint32_t *genp;    /* the page's generation word */
  uint16_t n;              /* guest instructions */
  uint16_t trunc;          /* 0, or the budget this shortened block was made for */
  uint8_t *code;           /* entry (executable view) */
  uint32_t code_size;
  Insn *insn;              /* the decoded instructions (handler arguments) */
  uint32_t *ieip;          /* EIP of each instruction */
  uint32_t *hoff;          /* host code offset of each instruction (for listings) */
  struct JitBlock *pnext;  /* the next live block on the same RAM page (Jit.page_blocks) */
  uint32_t stale_off;      /* RAM blocks: offset of the exit their entry jumps to once stale */
} JitBlock;

typedef struct JitChain {
  uint8_t *site_rw;   /* rel32 of the patchable jump (writable view) */
  JitBlock *from;
  uint32_t target;    /* guest EIP the exit goes to */
  uint32_t flush_epoch;
} JitChain;

typedef struct JitJc {
  uint32_t eip, csbase, mode, epoch;
  uint8_t *code;
  uint64_t pad;
} JitJc;

typedef struct ArenaChunk {
  struct ArenaChunk *next;
  size_t cap;
  _Alignas(16) uint8_t data[];
} ArenaChunk;

typedef uintptr_t (*JitEnterFn)(Cpu *cpu, const void *code);
struct Lockstep;

typedef struct Jit {
  uint8_t *rw, *rx;      /* the two views of the code buffer */
  ptrdiff_t delta;       /* rw - rx */
  size_t size, used, fixed_end;
  size_t limit;          /* the configured bound (code + records) */
  uint8_t *enter_rw, *epilogue_rw, *exit0_rw, *indirect_rw, *indirect_eax_rw, *to_c_rw;
  uint8_t *epilogue_sync_rw, *exit0_sync_rw; /* the same, storing the global registers first */
  uint8_t *store_globals_rw, *load_globals_rw; /* thunks (CALL): all global registers to / from struct Cpu */
  JitEnterFn enter;
  JitBlock **hash;
  JitBlock **page_blocks; /* per RAM page: its translations not yet made stale */
  uint32_t npages;
  JitJc *jc;
  ArenaChunk *arena, *spare;
  size_t arena_used, arena_cap, arena_total, arena_chunk;
  uint32_t flush_epoch;
  bool no_inline, lockstep;
  FILE *dump;            /* --jit-dump: listing of every translation */
  FILE *perf_map;        /* --jit-perf-map: perf(1) map of every translation */
  struct Lockstep *ls;
  JitStats stats;
} Jit;

/* translate.c */
JitBlock *jit_translate(Cpu *c, uint32_t pa, unsigned maxn);
/* jit.c */
uint8_t *jit_code_alloc_begin(Jit *j, size_t *avail);
void jit_code_alloc_end(Jit *j, size_t used);
bool jit_over_budget(const Jit *j);
void jit_full_flush(Jit *j);
void *jit_arena_alloc(Jit *j, size_t n);
JitBlock *jit_block_at(Cpu *c, uint64_t room);
/* listing.c */
void jit_disasm(FILE *f, bool x64, bool code32, const uint8_t *code, size_t len, uint64_t addr, size_t max,
                const char *indent);
void jit_list_block(FILE *f, Cpu *c, const JitBlock *b);
/* lockstep.c */
bool jit_lockstep_exec(Cpu *c, uint64_t limit);
void jit_lockstep_free(Jit *j);

#endif
