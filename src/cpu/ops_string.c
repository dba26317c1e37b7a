/*
 * ops_string.c — string instructions MOVS, CMPS, STOS, LODS, SCAS, INS,
 * OUTS with REP/REPE/REPNE.  Each iteration commits its register updates,
 * so a fault mid-way leaves the instruction restartable where it stopped;
 * a REP stops between iterations for a single-step trap or an interrupt
 * (string_yield) and every STRING_CHUNK iterations, resuming by
 * re-executing the same instruction: after an event it is fetched again
 * (as on hardware, where the handler's IRET returns to it), after a chunk
 * the dispatch loop runs the decoded copy (string_suspend).
 */
#include "exec.h"
#include <string.h>
#include "ops.h"

#define STRING_CHUNK 4096u

static inline uint32_t amask(const Insn *in) { return (in->flags & INSN_A32) ? 0xffffffffu : 0xffffu; }
static inline uint32_t areg(const Cpu *c, const Insn *in, int r) { return c->regs[r] & amask(in); }
static inline void set_areg(Cpu *c, const Insn *in, int r, uint32_t v) {
  uint32_t m = amask(in);
  c->regs[r] = (c->regs[r] & ~m) | (v & m);
}
static inline uint32_t step(const Cpu *c, uint32_t n) {
  return (c->eflags & F_DF) ? (uint32_t)-(int32_t)n : n;
}
static inline uint32_t opsize(const Insn *in, bool byte) {
  return byte ? 1 : (in->flags & INSN_O32) ? 4 : 2;
}
static inline uint32_t load(Cpu *c, int s, uint32_t off, uint32_t n) {
  return n == 1 ? vread8(c, s, off) : n == 2 ? vread16(c, s, off) : vread32(c, s, off);
}
static inline void store(Cpu *c, int s, uint32_t off, uint32_t n, uint32_t v) {
  if (n == 1) vwrite8(c, s, off, (uint8_t)v);
  else if (n == 2) vwrite16(c, s, off, (uint16_t)v);
  else vwrite32(c, s, off, v);
}

/*
 * 80286 in real mode (CPU_MODEL_286): when a string access faults (a word
 * at offset FFFFh), the 286 has already done part of the iteration's
 * register updates, and the fault leaves them done (the real-286 suite,
 * docs/CPU_MODELS.md).  s286_access() is called before each access, in the
 * 286's order: if the access at reg's offset would fault, it applies the
 * updates the 286 has made by then — SI and/or DI advanced by one element
 * (adv_si, adv_di), CX decremented cx times under REP — and raises the
 * fault.  What the 286 has done by each access:
 *   MOVS  read DS:SI: SI, CX-1      write ES:DI: SI, DI, CX-2
 *   CMPS  read ES:DI: DI            read DS:SI: SI, DI, CX-1   (ES:DI first)
 *   STOS, INS  write ES:DI: DI, CX-2
 *   LODS, OUTS read DS:SI: SI, CX-1        SCAS  read ES:DI: DI, CX-1
 */
static __attribute__((noinline)) void s286_check(Cpu *c, const Insn *in, int seg, int reg, uint32_t n,
                                                 bool write, bool adv_si, bool adv_di, uint32_t cx) {
  if ((c->mode & CPU_MODE_PE) || seg_ok(c, seg, areg(c, in, reg), n, write))
    return;
  if (adv_si)
    set_areg(c, in, R_ESI, areg(c, in, R_ESI) + step(c, n));
  if (adv_di)
    set_areg(c, in, R_EDI, areg(c, in, R_EDI) + step(c, n));
  if (in->flags & (INSN_REP | INSN_REPNE))
    set_areg(c, in, R_ECX, areg(c, in, R_ECX) - cx);
  seg_fault(c, seg);
}
static inline void s286_access(Cpu *c, const Insn *in, int seg, int reg, uint32_t n, bool write,
                               bool adv_si, bool adv_di, uint32_t cx) {
  if (unlikely(cpu_is_286(c)))
    s286_check(c, in, seg, reg, n, write, adv_si, adv_di, cx);
}

/*
 * Between two iterations of a REP the CPU recognises what it would between
 * two instructions: a single-step trap (TF: one #DB per iteration, EIP on
 * the REP instruction while iterations remain), an NMI or an enabled
 * external interrupt.  The instruction then stops there and is resumed by
 * running it again (EIP stays on it, the registers count what was done).
 * A data or I/O breakpoint matched by the iteration (dr_hit) is such a trap
 * too.  An event taken there pushes RF = 1 (SDM 17.3.1.1: any iteration but
 * the last), so that resuming does not fire an instruction breakpoint on
 * the REP again; the dispatch loop clears RF once the REP has run.
 */
static inline bool string_yield(const Cpu *c) {
  return (c->eflags & F_TF) || c->nmi || (c->intr && (c->eflags & F_IF)) || c->dr_hit;
}

/*
 * A chunk boundary is the emulator's own: nothing architectural happens
 * there, so the REP must go on as the instruction it is, even if its
 * iterations wrote over its bytes (a processor does not fetch it again
 * between iterations).  Keep the decoded copy for cpu_run() to resume from
 * (Cpu.rep_pending); the icount it resumes at is the one after this run.
 */
static void string_suspend(Cpu *c, const Insn *in) {
  c->next_eip = c->eip;
  c->rep_insn = *in;
  c->rep_eip = c->eip;
  c->rep_csbase = c->seg[S_CS].base;
  c->rep_icount = c->icount + 1;
  c->rep_pending = true;
}

/*
 * Runs body once (no REP) or up to CX times.  cond_zf: REPE/REPNE condition
 * on ZF (CMPS/SCAS).  bulk: an expression that may do several iterations at
 * once (given `iter`, those done in this chunk) and gives how many, or 0.
 */
#define STRING_LOOP_BULK(cond_zf, bulk, body)                            \
  do {                                                                   \
    bool rep = in->flags & (INSN_REP | INSN_REPNE);                      \
    if (!rep) {                                                          \
      body;                                                              \
      break;                                                             \
    }                                                                    \
    for (uint32_t iter = 0;; iter++) {                                   \
      if (areg(c, in, R_ECX) == 0)                                       \
        break;                                                           \
      if (iter == STRING_CHUNK) {                                        \
        string_suspend(c, in); /* resume later, as decoded */            \
        break;                                                           \
      }                                                                  \
      uint32_t many = (bulk);                                            \
      if (many) {                                                        \
        iter += many - 1;                                                \
      } else {                                                           \
        body;                                                            \
        set_areg(c, in, R_ECX, areg(c, in, R_ECX) - 1);                  \
        if (cond_zf) {                                                   \
          bool zf = cpu_cond(c, 4);                                      \
          if ((in->flags & INSN_REP) ? !zf : zf)                         \
            break;                                                       \
        }                                                                \
      }                                                                  \
      if (unlikely(string_yield(c)) && areg(c, in, R_ECX) != 0) {        \
        c->next_eip = c->eip; /* take it between iterations */          \
        if (!cpu_is_286(c)) /* pushed so: the REP's breakpoint stays quiet */ \
          c->eflags |= F_RF;                                             \
        break;                                                           \
      }                                                                  \
    }                                                                    \
  } while (0)
#define STRING_LOOP(cond_zf, body) STRING_LOOP_BULK(cond_zf, 0, body)

/*
 * REP MOVS / REP STOS in bulk: while the next k elements lie within one page
 * on each side, within the segments' limits and on plain RAM the TLB maps
 * (seg_host: no fault, no MMIO, no code page, no lockstep write log), they
 * are done at once on host memory, element by element forward as the CPU
 * does (so overlapping copies replicate as on hardware); whatever does not
 * qualify takes one ordinary iteration (STRING_LOOP_BULK).
 * Only 32-bit addressing, DF = 0, TF = 0 (a trap after each iteration), the
 * 386+ models.
 */
static bool bulk_ok(const Cpu *c, const Insn *in) {
  return TLB_FAST_LE && (in->flags & INSN_REP) && (in->flags & INSN_A32) && !(c->eflags & (F_DF | F_TF)) &&
         !cpu_is_286(c);
}
/* Elements of n bytes from offset off in segment s before the next page boundary. */
static uint32_t page_room(const Cpu *c, int s, uint32_t off, uint32_t n) {
  return (PAGE_SIZE - ((c->seg[s].base + off) & PAGE_MASK)) / n;
}
static uint32_t bulk_count(const Cpu *c, const Insn *in, uint32_t n, uint32_t left, bool src) {
  uint32_t k = c->regs[R_ECX] < left ? c->regs[R_ECX] : left;
  uint32_t r = page_room(c, S_ES, c->regs[R_EDI], n);
  if (r < k)
    k = r;
  if (src && (r = page_room(c, in->seg, c->regs[R_ESI], n)) < k)
    k = r;
  return k;
}
static void bulk_done(Cpu *c, uint32_t k, uint32_t n, bool src) {
  c->regs[R_EDI] += k * n;
  if (src)
    c->regs[R_ESI] += k * n;
  c->regs[R_ECX] -= k;
}
/* One bulk step; the number of elements done (0: take one ordinary iteration). */
static uint32_t movs_bulk(Cpu *c, const Insn *in, uint32_t n, uint32_t left) {
  uint32_t k = bulk_count(c, in, n, left, true);
  if (k < 2)
    return 0;
  const uint8_t *hs = seg_host(c, in->seg, c->regs[R_ESI], k * n, false);
  uint8_t *hd = seg_host(c, S_ES, c->regs[R_EDI], k * n, true);
  if (!hs || !hd)
    return 0;
  if (hd <= hs || hd >= hs + k * n) {
    memmove(hd, hs, (size_t)k * n); /* a forward element copy gives the same bytes */
  } else {
    for (uint32_t i = 0; i < k; i++) { /* destination just above the source: element by element */
      uint32_t e;
      memcpy(&e, hs + i * n, n);
      memcpy(hd + i * n, &e, n);
    }
  }
  bulk_done(c, k, n, true);
  return k;
}
static uint32_t stos_bulk(Cpu *c, const Insn *in, uint32_t n, uint32_t left, uint32_t v) {
  uint32_t k = bulk_count(c, in, n, left, false);
  if (k < 2)
    return 0;
  uint8_t *hd = seg_host(c, S_ES, c->regs[R_EDI], k * n, true);
  if (!hd)
    return 0;
  if (n == 1) {
    memset(hd, (int)(v & 0xff), k);
  } else {
    for (uint32_t i = 0; i < k; i++)
      memcpy(hd + i * n, &v, n); /* little-endian host: the low n bytes of v */
  }
  bulk_done(c, k, n, false);
  return k;
}

static void do_movs(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  bool bulk = bulk_ok(c, in);
  STRING_LOOP_BULK(false, bulk ? movs_bulk(c, in, n, STRING_CHUNK - iter) : 0, {
    s286_access(c, in, in->seg, R_ESI, n, false, true, false, 1);
    uint32_t v = load(c, in->seg, areg(c, in, R_ESI), n);
    s286_access(c, in, S_ES, R_EDI, n, true, true, true, 2);
    store(c, S_ES, areg(c, in, R_EDI), n, v);
    set_areg(c, in, R_ESI, areg(c, in, R_ESI) + step(c, n));
    set_areg(c, in, R_EDI, areg(c, in, R_EDI) + step(c, n));
  });
}
void op_movsb(Cpu *c, const Insn *in) { do_movs(c, in, true); }
void op_movsv(Cpu *c, const Insn *in) { do_movs(c, in, false); }

static void do_cmps(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  uint32_t cc = n == 1 ? CC_SUB8 : n == 2 ? CC_SUB16 : CC_SUB32;
  uint32_t m = n == 1 ? 0xff : n == 2 ? 0xffff : 0xffffffffu;
  STRING_LOOP(true, {
    s286_access(c, in, S_ES, R_EDI, n, false, false, true, 0);
    s286_access(c, in, in->seg, R_ESI, n, false, true, true, 1);
    uint32_t a = load(c, in->seg, areg(c, in, R_ESI), n);
    uint32_t b = load(c, S_ES, areg(c, in, R_EDI), n);
    set_cc(c, cc, a, b, (a - b) & m);
    set_areg(c, in, R_ESI, areg(c, in, R_ESI) + step(c, n));
    set_areg(c, in, R_EDI, areg(c, in, R_EDI) + step(c, n));
  });
}
void op_cmpsb(Cpu *c, const Insn *in) { do_cmps(c, in, true); }
void op_cmpsv(Cpu *c, const Insn *in) { do_cmps(c, in, false); }

static void do_stos(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  uint32_t v = c->regs[R_EAX];
  bool bulk = bulk_ok(c, in);
  STRING_LOOP_BULK(false, bulk ? stos_bulk(c, in, n, STRING_CHUNK - iter, v) : 0, {
    s286_access(c, in, S_ES, R_EDI, n, true, false, true, 2);
    store(c, S_ES, areg(c, in, R_EDI), n, v);
    set_areg(c, in, R_EDI, areg(c, in, R_EDI) + step(c, n));
  });
}
void op_stosb(Cpu *c, const Insn *in) { do_stos(c, in, true); }
void op_stosv(Cpu *c, const Insn *in) { do_stos(c, in, false); }

static void do_lods(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  STRING_LOOP(false, {
    s286_access(c, in, in->seg, R_ESI, n, false, true, false, 1);
    uint32_t v = load(c, in->seg, areg(c, in, R_ESI), n);
    if (n == 1) set_reg8(c, R_EAX, (uint8_t)v);
    else if (n == 2) set_reg16(c, R_EAX, (uint16_t)v);
    else c->regs[R_EAX] = v;
    set_areg(c, in, R_ESI, areg(c, in, R_ESI) + step(c, n));
  });
}
void op_lodsb(Cpu *c, const Insn *in) { do_lods(c, in, true); }
void op_lodsv(Cpu *c, const Insn *in) { do_lods(c, in, false); }

static void do_scas(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  uint32_t cc = n == 1 ? CC_SUB8 : n == 2 ? CC_SUB16 : CC_SUB32;
  uint32_t m = n == 1 ? 0xff : n == 2 ? 0xffff : 0xffffffffu;
  uint32_t a = c->regs[R_EAX] & m;
  STRING_LOOP(true, {
    s286_access(c, in, S_ES, R_EDI, n, false, false, true, 1);
    uint32_t b = load(c, S_ES, areg(c, in, R_EDI), n);
    set_cc(c, cc, a, b, (a - b) & m);
    set_areg(c, in, R_EDI, areg(c, in, R_EDI) + step(c, n));
  });
}
void op_scasb(Cpu *c, const Insn *in) { do_scas(c, in, true); }
void op_scasv(Cpu *c, const Insn *in) { do_scas(c, in, false); }

static inline uint32_t port_read(Cpu *c, uint16_t port, int n) {
  if (unlikely(c->dr_armed & DR_ARMED_IO))
    cpu_dr_check_io(c, port, (uint32_t)n);
  uint32_t v = c->port_in ? c->port_in(c->io_opaque, port, n) : 0xffffffffu;
  return n == 1 ? (v & 0xff) : n == 2 ? (v & 0xffff) : v;
}

static void do_ins(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  uint16_t port = (uint16_t)c->regs[R_EDX];
  cpu_check_io(c, port, (int)n);
  STRING_LOOP(false, {
    s286_access(c, in, S_ES, R_EDI, n, true, false, true, 2);
    uint32_t di = areg(c, in, R_EDI);
    vcheck_write(c, S_ES, di, n);
    store(c, S_ES, di, n, port_read(c, port, (int)n));
    set_areg(c, in, R_EDI, di + step(c, n));
  });
}
void op_insb(Cpu *c, const Insn *in) { do_ins(c, in, true); }
void op_insv(Cpu *c, const Insn *in) { do_ins(c, in, false); }

static void do_outs(Cpu *c, const Insn *in, bool byte) {
  uint32_t n = opsize(in, byte);
  uint16_t port = (uint16_t)c->regs[R_EDX];
  cpu_check_io(c, port, (int)n);
  STRING_LOOP(false, {
    s286_access(c, in, in->seg, R_ESI, n, false, true, false, 1);
    uint32_t v = load(c, in->seg, areg(c, in, R_ESI), n);
    if (unlikely(c->dr_armed & DR_ARMED_IO))
      cpu_dr_check_io(c, port, n);
    if (c->port_out)
      c->port_out(c->io_opaque, port, (int)n, v);
    set_areg(c, in, R_ESI, areg(c, in, R_ESI) + step(c, n));
  });
}
void op_outsb(Cpu *c, const Insn *in) { do_outs(c, in, true); }
void op_outsv(Cpu *c, const Insn *in) { do_outs(c, in, false); }
