/*
 * decode.c — table-driven x86 decoder for 16- and 32-bit code (see decode.h).
 *
 * Prefix rules follow the hardware: any number of prefixes up to the 15-byte
 * limit; 66/67 toggle the size once however often they repeat; the last
 * segment override wins; the last of F2/F3 decides the repeat kind.
 *
 * DEC_MODE_286 decodes for an 80286 (Intel 80286 PRM): a 10-byte limit,
 * 64h-67h and every row flagged FL_386 undefined (#UD), no FS/GS in Sreg
 * fields, and a LOCK prefix accepted on any instruction.
 *
 * Two kinds of undefined encodings are told apart:
 *  - an opcode (or group member) with no row in opcodes.def: DEC_INVALID at
 *    once, out->len = bytes read so far (the length is unknowable);
 *  - a defined row used in a form it forbids (register operand of a
 *    memory-only form, memory operand of an MMX register-only form, LOCK on a
 *    non-lockable instruction or a register destination, Sreg 6/7, MOV to CS,
 *    CR1/CR5-7): the whole instruction is measured first (so DEC_TRUNCATED and
 *    DEC_TOO_LONG win, as instruction fetch faults win over #UD on hardware),
 *    then DEC_INVALID with out->len = the full length.
 *
 * The decoder is pure: no CPU state, no allocation.  Its lookup tables are
 * derived from opcodes.def once, by a constructor, before main() runs.
 */
#include "decode.h"

#include "cpu.h"
#include "ops.h"

#include <stdbool.h>
#include <string.h>

const OpRow x86_op_rows[] = {
#define X(opc, rg, mn, o1, o2, o3, f, fl) \
  {.opcode = (opc), .reg = (rg), .flags = (fl), .opnd = {OPND_##o1, OPND_##o2, OPND_##o3}, \
   .mnemonic = #mn, .fn = f},
#include "opcodes.def"
#undef X
};
const unsigned x86_op_row_count = sizeof(x86_op_rows) / sizeof(x86_op_rows[0]);

/* Number of rows as a constant expression, for the static tables below. */
enum {
  ROW_COUNT = 0
#define X(opc, rg, mn, o1, o2, o3, f, fl) +1
#include "opcodes.def"
#undef X
};

/* How a row uses the ModRM r/m field. */
enum {
  RM_NONE,      /* no ModRM byte */
  RM_ANY,       /* register or memory */
  RM_MEM,       /* memory only: mod = 3 is undefined */
  RM_REG,       /* register only: mod != 3 is undefined (MMX Nq) */
  RM_FORCE_REG, /* register whatever mod says (MOV CR/DR) */
};

/* Immediate/offset kinds; a row has at most one (ENTER's pair counts as one). */
enum {
  IMM_NONE,
  IMM_IB,    /* 8 bits, zero-extended */
  IMM_IBS,   /* 8 bits, sign-extended to the operand size */
  IMM_IW,    /* 16 bits */
  IMM_IZ,    /* 16 or 32 bits by operand size */
  IMM_JB,    /* rel8, sign-extended */
  IMM_JZ,    /* rel16/rel32 by operand size, sign-extended */
  IMM_MOFFS, /* 16 or 32 bits by address size */
  IMM_AP,    /* offset (by operand size) then 16-bit selector in imm2 */
  IMM_IWIB,  /* ENTER: Iw in imm, Ib in imm2 */
};

/* Extra checks on the ModRM.reg field. */
enum {
  REGCHK_NONE,
  REGCHK_SREG,    /* reg names a segment register: 6 and 7 are undefined */
  REGCHK_SREG_WR, /* ...and it is written: CS (1) is undefined too */
  REGCHK_CR,      /* reg names a control register: CR1, CR5-CR7 undefined */
};

typedef struct RowInfo {
  uint8_t rm;     /* RM_* */
  uint8_t imm;    /* IMM_* */
  uint8_t regchk; /* REGCHK_* */
  uint8_t lock;   /* LOCK allowed (with a memory destination) */
  uint8_t i386;   /* not on the 80286 (FL_386) */
} RowInfo;

static RowInfo row_info[ROW_COUNT];
/* row_of[opcode][ModRM.reg] = row index + 1 (0: undefined). */
static uint16_t row_of[512][8];
/* Does the opcode read a ModRM byte (before its row is known)? */
static bool op_modrm[512];

static uint8_t form_rm(uint8_t f) {
  switch (f) {
  case OPND_Eb: case OPND_Ev: case OPND_Ew: case OPND_Ed: case OPND_Ex: case OPND_Qq:
  case OPND_Qd:
    return RM_ANY;
  case OPND_M: case OPND_Mp: case OPND_Ma: case OPND_Ms: case OPND_Mq:
    return RM_MEM;
  case OPND_Nq:
    return RM_REG;
  case OPND_Rd:
    return RM_FORCE_REG;
  default:
    return RM_NONE;
  }
}

static bool form_uses_reg_field(uint8_t f) {
  switch (f) {
  case OPND_Gb: case OPND_Gv: case OPND_Gw: case OPND_Sw: case OPND_Cd: case OPND_Dd:
  case OPND_Pq:
    return true;
  default:
    return false;
  }
}

static uint8_t form_imm(const OpRow *r, int k) {
  switch (r->opnd[k]) {
  case OPND_Ib: return (k == 1 && r->opnd[0] == OPND_Iw) ? IMM_IWIB : IMM_IB;
  case OPND_Ibs: return IMM_IBS;
  case OPND_Iw: return (k == 0 && r->opnd[1] == OPND_Ib) ? IMM_IWIB : IMM_IW;
  case OPND_Iz: case OPND_Iv: return IMM_IZ;
  case OPND_Jb: return IMM_JB;
  case OPND_Jz: return IMM_JZ;
  case OPND_Ob: case OPND_Ov: return IMM_MOFFS;
  case OPND_Ap: return IMM_AP;
  default: return IMM_NONE;
  }
}

__attribute__((constructor)) static void decode_build_tables(void) {
  for (unsigned i = 0; i < ROW_COUNT; i++) {
    const OpRow *r = &x86_op_rows[i];
    RowInfo *ri = &row_info[i];
    bool modrm = r->reg >= 0;
    for (int k = 0; k < 3; k++) {
      uint8_t f = r->opnd[k];
      uint8_t rm = form_rm(f);
      if (rm > ri->rm)
        ri->rm = rm;
      if (form_uses_reg_field(f))
        modrm = true;
      uint8_t imm = form_imm(r, k);
      if (imm != IMM_NONE)
        ri->imm = imm;
      if (f == OPND_Sw)
        ri->regchk = k == 0 ? REGCHK_SREG_WR : REGCHK_SREG;
      if (f == OPND_Cd)
        ri->regchk = REGCHK_CR;
    }
    if (modrm && ri->rm == RM_NONE)
      ri->rm = RM_ANY; /* a group member without an r/m operand (none today) */
    ri->lock = (r->flags & FL_LOCK) != 0;
    ri->i386 = (r->flags & FL_386) != 0;
    if (ri->rm != RM_NONE)
      op_modrm[r->opcode] = true;
    if (r->reg < 0) {
      for (int g = 0; g < 8; g++)
        row_of[r->opcode][g] = (uint16_t)(i + 1);
    } else {
      row_of[r->opcode][r->reg] = (uint16_t)(i + 1);
    }
  }
}

const char *x86_mnemonic(const Insn *in) {
  if (in->id == 0 || in->id > x86_op_row_count)
    return "(bad)";
  return x86_op_rows[in->id - 1].mnemonic;
}

static inline uint32_t rd_le(const uint8_t *p, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
}

int x86_decode(const uint8_t *buf, size_t avail, int mode, Insn *out) {
  memset(out, 0, sizeof(*out));
  out->fn = op_invalid;
  out->seg = SEG_NONE;
  out->base = out->index = REG_NONE;
  const bool m286 = (mode & DEC_MODE_286) != 0;
  const int code32 = mode & DEC_MODE_32;
  const size_t maxlen = m286 ? 10 : 15; /* the 286 allows 10 bytes, prefixes included */
  const size_t lim = avail < maxlen ? avail : maxlen;
  size_t p = 0;
  bool o32 = code32 != 0, a32 = code32 != 0;
  uint16_t flags = 0;
  uint8_t seg = SEG_NONE;
  bool bad = false; /* defined row used in a form it forbids */

/* Make sure n more bytes are there; an instruction that cannot fit in 15
 * (the 286: 10) bytes is DEC_TOO_LONG even when fewer bytes were supplied. */
#define NEED(n)                                                       \
  do {                                                                \
    if (p + (size_t)(n) > lim) {                                      \
      out->len = (uint8_t)p;                                          \
      return p + (size_t)(n) > maxlen ? DEC_TOO_LONG : DEC_TRUNCATED; \
    }                                                                 \
  } while (0)

  /* Prefixes. */
  for (;;) {
    NEED(1);
    if (m286 && buf[p] >= 0x64 && buf[p] <= 0x67) {
      out->len = (uint8_t)(p + 1); /* FS, GS, operand and address size: 386 prefixes */
      return DEC_INVALID;
    }
    switch (buf[p]) {
    case 0x26: seg = S_ES; break;
    case 0x2e: seg = S_CS; break;
    case 0x36: seg = S_SS; break;
    case 0x3e: seg = S_DS; break;
    case 0x64: seg = S_FS; break;
    case 0x65: seg = S_GS; break;
    case 0x66: o32 = !code32; flags |= INSN_OPSZ; break;
    case 0x67: a32 = !code32; break;
    case 0xf0: flags |= INSN_LOCK; break;
    case 0xf2: flags = (uint16_t)((flags & ~INSN_REP) | INSN_REPNE); break;
    case 0xf3: flags = (uint16_t)((flags & ~INSN_REPNE) | INSN_REP); break;
    default: goto opcode;
    }
    p++;
  }
opcode:;
  unsigned op = buf[p++];
  if (op == 0x0f) {
    NEED(1);
    op = 0x100u | buf[p++];
  }
  out->op = (uint16_t)op;
  if (o32)
    flags |= INSN_O32;
  if (a32)
    flags |= INSN_A32;
  out->flags = flags;

  uint8_t modrm = 0;
  unsigned rowi;
  if (op_modrm[op]) {
    NEED(1);
    modrm = buf[p++];
    rowi = row_of[op][(modrm >> 3) & 7];
  } else {
    rowi = row_of[op][0];
  }
  if (!rowi || (m286 && row_info[rowi - 1].i386)) {
    out->len = (uint8_t)p;
    return DEC_INVALID;
  }
  const OpRow *row = &x86_op_rows[rowi - 1];
  const RowInfo *ri = &row_info[rowi - 1];
  out->id = (uint16_t)rowi;
  bool mem = false;

  if (ri->rm != RM_NONE) {
    const unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    flags |= INSN_MODRM;
    out->modrm = modrm;
    out->reg = (uint8_t)reg;
    out->rm = (uint8_t)rm;
    const unsigned last_sreg = m286 ? S_DS : S_GS; /* the 286 has no FS/GS */
    switch (ri->regchk) {
    case REGCHK_SREG: bad |= reg > last_sreg; break;
    case REGCHK_SREG_WR: bad |= reg > last_sreg || reg == S_CS; break;
    case REGCHK_CR: bad |= reg == 1 || reg > 4; break;
    default: break;
    }
    if (mod == 3) {
      bad |= ri->rm == RM_MEM;
    } else if (ri->rm != RM_FORCE_REG) {
      bad |= ri->rm == RM_REG;
      mem = true;
      int dsize;
      uint8_t defseg = S_DS;
      if (!a32) {
        /* 16-bit forms: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (disp16), BX. */
        static const uint8_t base16[8] = {R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX};
        static const uint8_t index16[8] = {R_ESI, R_EDI, R_ESI, R_EDI,
                                           REG_NONE, REG_NONE, REG_NONE, REG_NONE};
        out->base = base16[rm];
        out->index = index16[rm];
        if (mod == 0 && rm == 6) {
          out->base = REG_NONE;
          dsize = 2;
        } else {
          dsize = mod == 1 ? 1 : mod == 2 ? 2 : 0;
        }
        if (out->base == R_EBP)
          defseg = S_SS;
        NEED(dsize);
        out->disp = dsize == 1 ? (int8_t)buf[p] : dsize == 2 ? (int16_t)rd_le(buf + p, 2) : 0;
      } else {
        unsigned base = rm;
        dsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        if (rm == 4) {
          NEED(1);
          const uint8_t sib = buf[p++];
          const unsigned idx = (sib >> 3) & 7;
          base = sib & 7;
          out->scale = (uint8_t)(sib >> 6);
          out->index = idx == 4 ? REG_NONE : (uint8_t)idx;
          if (base == 5 && mod == 0) {
            base = REG_NONE;
            dsize = 4;
          }
        } else if (rm == 5 && mod == 0) {
          base = REG_NONE;
          dsize = 4;
        }
        out->base = (uint8_t)base;
        if (base == R_ESP || base == R_EBP)
          defseg = S_SS;
        NEED(dsize);
        out->disp = dsize == 1 ? (int8_t)buf[p] : dsize == 4 ? (int32_t)rd_le(buf + p, 4) : 0;
      }
      p += (size_t)dsize;
      out->seg = defseg;
    }
  }
  if (seg != SEG_NONE) {
    flags |= INSN_SEGOV;
    out->seg = seg; /* memory operands, string sources and moffs all use it */
  } else if (out->seg == SEG_NONE) {
    out->seg = S_DS;
  }

  /* Immediates. */
  switch (ri->imm) {
  case IMM_NONE:
    break;
  case IMM_IB:
    NEED(1);
    out->imm = buf[p];
    p += 1;
    break;
  case IMM_IBS:
  case IMM_JB:
    NEED(1);
    out->imm = (uint32_t)(int32_t)(int8_t)buf[p];
    p += 1;
    break;
  case IMM_IW:
    NEED(2);
    out->imm = rd_le(buf + p, 2);
    p += 2;
    break;
  case IMM_IZ:
    NEED(o32 ? 4 : 2);
    out->imm = rd_le(buf + p, o32 ? 4 : 2);
    p += o32 ? 4 : 2;
    break;
  case IMM_JZ:
    NEED(o32 ? 4 : 2);
    out->imm = o32 ? rd_le(buf + p, 4) : (uint32_t)(int32_t)(int16_t)rd_le(buf + p, 2);
    p += o32 ? 4 : 2;
    break;
  case IMM_MOFFS:
    NEED(a32 ? 4 : 2);
    out->imm = rd_le(buf + p, a32 ? 4 : 2);
    p += a32 ? 4 : 2;
    break;
  case IMM_AP: {
    const int w = o32 ? 4 : 2;
    NEED(w + 2);
    out->imm = rd_le(buf + p, w);
    out->imm2 = rd_le(buf + p + w, 2);
    p += (size_t)w + 2;
    break;
  }
  case IMM_IWIB:
    NEED(3);
    out->imm = rd_le(buf + p, 2);
    out->imm2 = buf[p + 2];
    p += 3;
    break;
  }
#undef NEED

  /* LOCK: only on lockable instructions, and only with a memory destination
   * (the 286 ignores a LOCK it cannot apply). */
  if ((flags & INSN_LOCK) && (!ri->lock || !mem) && !m286)
    bad = true;
  if (mem)
    flags |= INSN_MEM;
  out->flags = flags;
  out->len = (uint8_t)p;
  if (bad)
    return DEC_INVALID;
  out->fn = row->fn ? row->fn : op_unimplemented;
  if (row->fn) {
    InsnFn f = ops_ctrl_form(out);
    if (!f)
      f = ops_alu_form(out);
    if (!f)
      f = ops_data_form(out);
    if (f)
      out->fn = f;
  }
  return (int)p;
}
