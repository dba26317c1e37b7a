/*
 * ops.h — declarations of every instruction handler named in opcodes.def,
 * plus the decoder's view of the table (operand forms and row flags).
 */
#ifndef X86VM_OPS_H
#define X86VM_OPS_H

#include "decode.h"

/* Row flags (opcodes.def). */
#define FL_LOCK   0x01u
#define FL_JMP    0x02u
#define FL_FPU    0x04u
#define FL_MMX    0x08u
#define FL_PRIV   0x10u
#define FL_UNIMPL 0x20u
#define FL_386    0x40u /* not on the 80286: #UD under CPU_MODEL_286 (DEC_MODE_286) */

/* Operand forms used in opcodes.def. */
#define OPERAND_FORMS(Y) \
  Y(__) Y(Eb) Y(Ev) Y(Ew) Y(Ed) Y(Ex) Y(Gb) Y(Gv) Y(Gw) Y(M) Y(Mp) Y(Ma) Y(Ms) Y(Mq) \
  Y(Ib) Y(Ibs) Y(Iw) Y(Iz) Y(Iv) Y(Jb) Y(Jz) Y(Ap) Y(Ob) Y(Ov) Y(Sw) Y(Rd) Y(Cd) Y(Dd) \
  Y(Zb) Y(Zv) Y(Zd) Y(AL) Y(eAX) Y(CL) Y(DX) Y(One) Y(Xb) Y(Xv) Y(Yb) Y(Yv) Y(Pq) Y(Qq) \
  Y(Qd) Y(Nq) Y(ES) Y(CS) Y(SS) Y(DS) Y(FS) Y(GS)
#define Y_ENUM(n) OPND_##n,
enum { OPERAND_FORMS(Y_ENUM) OPND_COUNT };
#undef Y_ENUM

typedef struct OpRow {
  uint16_t opcode;
  int8_t reg;
  uint8_t flags;
  uint8_t opnd[3];
  const char *mnemonic;
  InsnFn fn;
} OpRow;

extern const OpRow x86_op_rows[];
extern const unsigned x86_op_row_count;

/* Every handler named in the table.  Weak: a handler not written yet is a
 * NULL pointer, replaced by op_unimplemented (logged #UD) in the decoder. */
#define X(opc, reg, mn, o1, o2, o3, fn, fl) __attribute__((weak)) void fn(struct Cpu *cpu, const Insn *in);
#include "opcodes.def"
#undef X
/*
 * Operand-form-specialised handlers: for the commonest forms (register
 * operands, 32-bit sizes, a condition known at decode time) the decoder
 * installs a handler written for that form, with the same semantics as the
 * row's handler and built from the same helpers.  Each returns the handler
 * for in's form, or NULL to keep the row's.
 */
InsnFn ops_alu_form(const Insn *in);  /* ops_alu.c */
InsnFn ops_data_form(const Insn *in); /* ops_data.c */
InsnFn ops_ctrl_form(const Insn *in); /* ops_ctrl.c */
/* Handler used for undefined encodings: raises #UD. */
void op_invalid(struct Cpu *cpu, const Insn *in);
/* Handler for rows whose handler does not exist yet: logs once, raises #UD. */
void op_unimplemented(struct Cpu *cpu, const Insn *in);

#endif
