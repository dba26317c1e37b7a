/*
 * decode.h — the x86 instruction decoder (pure: bytes + mode in, record out).
 *
 * The decoder knows every one-byte and 0F two-byte opcode of a P6-class CPU
 * in 16- and 32-bit code, and which of them an 80286 lacks (DEC_MODE_286).  Its tables come from opcodes.def, the single
 * opcode table written in the Intel manual's operand notation; the handler
 * table used by the engines is generated from the same file.
 */
#ifndef X86VM_DECODE_H
#define X86VM_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct Cpu;
struct Insn;
typedef void (*InsnFn)(struct Cpu *cpu, const struct Insn *in);

/* Insn.flags */
#define INSN_O32   0x0001u /* 32-bit operand size */
#define INSN_A32   0x0002u /* 32-bit address size */
#define INSN_MEM   0x0004u /* ModRM names a memory operand */
#define INSN_LOCK  0x0008u /* LOCK prefix */
#define INSN_REP   0x0010u /* F3 prefix (REP/REPE) */
#define INSN_REPNE 0x0020u /* F2 prefix (REPNE) */
#define INSN_SEGOV 0x0040u /* an explicit segment override was given */
#define INSN_MODRM 0x0080u /* has a ModRM byte */
#define INSN_OPSZ  0x0100u /* 66 prefix present */

#define REG_NONE 0xff

typedef struct Insn {
  InsnFn fn;          /* semantic handler (from opcodes.def) */
  uint16_t op;        /* opcode: 0x000-0x0ff one byte, 0x100-0x1ff for 0F xx */
  uint16_t flags;     /* INSN_* */
  uint8_t len;        /* total length in bytes, prefixes included */
  uint8_t modrm;      /* ModRM byte (0 if none) */
  uint8_t reg;        /* ModRM.reg */
  uint8_t rm;         /* ModRM.rm (register number when !INSN_MEM) */
  uint8_t seg;        /* segment of the memory operand (after overrides) */
  uint8_t base;       /* base register or REG_NONE */
  uint8_t index;      /* index register or REG_NONE */
  uint8_t scale;      /* index shift, 0-3 */
  int32_t disp;       /* displacement (sign-extended) */
  uint32_t imm;       /* first immediate (sign-/zero-extended per form), or moffs */
  uint32_t imm2;      /* second immediate: far pointer selector, ENTER nesting level */
  uint16_t id;        /* row in opcodes.def (for mnemonics and statistics) */
  uint16_t pad;
} Insn;

/* Decode results (negative) */
#define DEC_INVALID   (-1) /* undefined opcode: #UD */
#define DEC_TOO_LONG  (-2) /* longer than 15 bytes (the 286: 10): #GP(0) */
#define DEC_TRUNCATED (-3) /* needs more bytes than given */

/* Decode modes (x86_decode's mode argument: bits). */
#define DEC_MODE_32  0x1 /* 32-bit code (default operand and address size) */
#define DEC_MODE_286 0x2 /* the 80286's instruction set (CPU_MODEL_286): rows flagged
                          * FL_386, the 64h-67h prefixes and Sreg 4/5 are undefined,
                          * LOCK is accepted on anything, at most 10 bytes */

/*
 * Decode one instruction from buf (avail bytes) in the given mode: 0 is
 * 16-bit i686 code, DEC_MODE_32 32-bit code, DEC_MODE_286 an 80286.
 * Returns the length (1-15, or 1-10 for the 286) or a DEC_* code.  On
 * DEC_INVALID, out->len still holds the bytes consumed up to the point of
 * failure and out->fn the #UD handler.
 */
int x86_decode(const uint8_t *buf, size_t avail, int mode, Insn *out);

/* Mnemonic of a decoded instruction's table row (lower case, e.g. "add"). */
const char *x86_mnemonic(const Insn *in);

#endif
