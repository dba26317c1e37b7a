/*
 * trace.c — `--trace FILE`: the machine run instruction by instruction
 * under the debugger, one line per step written from its StepRecord (see
 * trace.h for the format).  Steps run in the interpreter with the write
 * log on, whatever the engine, so a trace is the same under --engine
 * interp and jit, and deterministic with --deterministic.
 */
#define _POSIX_C_SOURCE 200809L
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "debug.h"
#include "hostfile.h"
#include "views.h"

typedef struct Tracer {
  FILE *f;
  uint64_t lines;
} Tracer;

static void change32(FILE *f, const char *name, uint32_t a, uint32_t b) {
  if (a != b)
    fprintf(f, " %s=%08X->%08X", name, a, b);
}

static bool trace_step(void *opaque, const StepRecord *rec) {
  Tracer *t = opaque;
  FILE *f = t->f;
  const DbgRegs *a = &rec->before, *b = &rec->after;
  bool code32 = (a->mode & CPU_MODE_CS32) != 0;
  fprintf(f, "%" PRIu64 " %04X:%0*X ", rec->icount, a->seg[S_CS].sel, code32 ? 8 : 4, a->eip);
  if (rec->executed) {
    char text[160];
    int l = disasm_text(rec->bytes, rec->len ? rec->len : 15, code32, false, a->eip, text, sizeof text);
    int len = l > 0 ? l : rec->len ? 1 : 0;
    for (int i = 0; i < len; i++)
      fprintf(f, "%02X", rec->bytes[i]);
    fprintf(f, " %s |", rec->len ? text : "(not mapped)");
  } else {
    fprintf(f, "- (no instruction retired) |");
  }
  static const char *const gpr[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  for (int i = 0; i < 8; i++)
    change32(f, gpr[i], a->regs[i], b->regs[i]);
  /* EIP only when it did not just move past the instruction (jumps, faults) */
  if (!rec->executed || b->eip != a->eip + (uint32_t)rec->len || b->seg[S_CS].sel != a->seg[S_CS].sel)
    change32(f, "EIP", a->eip, b->eip);
  static const char *const fl[] = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF",
                                   "", "", "NT", "", "RF", "VM", "AC", "VIF", "VIP", "ID"};
  uint32_t fd = a->eflags ^ b->eflags;
  for (unsigned i = 0; i < sizeof fl / sizeof fl[0]; i++)
    if ((fd >> i & 1) && fl[i][0])
      fprintf(f, " %s=%u->%u", fl[i], a->eflags >> i & 1, b->eflags >> i & 1);
  if (fd & 0x3000)
    fprintf(f, " IOPL=%u->%u", a->eflags >> 12 & 3, b->eflags >> 12 & 3);
  static const char *const sn[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (int s = 0; s < 6; s++)
    if (a->seg[s].sel != b->seg[s].sel || a->seg[s].base != b->seg[s].base)
      fprintf(f, " %s=%04X->%04X", sn[s], a->seg[s].sel, b->seg[s].sel);
  static const char *const crn[] = {"CR0", "", "CR2", "CR3", "CR4"};
  for (int i = 0; i < 5; i++)
    if (crn[i][0])
      change32(f, crn[i], a->cr[i], b->cr[i]);
  /* memory: runs of consecutive physical bytes, old -> new */
  for (int i = 0; i < rec->nwrites;) {
    int j = i + 1;
    while (j < rec->nwrites && j - i < 16 && rec->writes[j].pa == rec->writes[j - 1].pa + 1)
      j++;
    fprintf(f, " [%08X]=", rec->writes[i].pa);
    for (int k = i; k < j; k++)
      fprintf(f, "%02X", rec->writes[k].old);
    fprintf(f, "->");
    for (int k = i; k < j; k++)
      fprintf(f, "%02X", rec->writes[k].val);
    i = j;
  }
  if (rec->writes_total > (uint32_t)rec->nwrites)
    fprintf(f, " (+%u bytes written)", rec->writes_total - (uint32_t)rec->nwrites);
  for (int i = 0; i < rec->nio; i++)
    fprintf(f, " %s %04X=%0*X", rec->io[i].out ? "OUT" : "IN", rec->io[i].port, rec->io[i].size * 2,
            rec->io[i].value);
  for (int i = 0; i < rec->nints; i++)
    fprintf(f, " INT %02Xh", rec->ints[i].vector);
  fputc('\n', f);
  t->lines++;
  return !ferror(f);
}

static Debugger *volatile sig_dbg;
static void on_signal(int sig) {
  (void)sig;
  if (sig_dbg)
    dbg_request_stop(sig_dbg);
}

int debug_trace_run(Machine *m, const char *path, uint64_t limit, MachineStop *why) {
  char fwhy[160];
  FILE *f = strcmp(path, "-") == 0 ? stdout : hostfile_create(path, "w", fwhy, sizeof fwhy);
  if (!f) {
    fprintf(stderr, "x86vm: --trace %s: %s\n", path, fwhy);
    return 2;
  }
  Debugger *d = dbg_attach(m);
  if (!d) {
    fprintf(stderr, "x86vm: out of memory\n");
    if (f != stdout)
      fclose(f);
    return 2;
  }
  Tracer t = {.f = f};
  dbg_set_step_callback(d, trace_step, &t);
  sig_dbg = d;
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  DbgResult r = dbg_step(d, limit ? limit : UINT64_MAX, NULL);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sig_dbg = NULL;
  dbg_detach(d);
  int rc = 0;
  if (fflush(f) != 0 || ferror(f)) {
    fprintf(stderr, "x86vm: --trace %s: write error: %s\n", path, strerror(errno));
    rc = 6;
  }
  if (f != stdout)
    fclose(f);
  *why = r.stop == DBG_STOP_MACHINE ? r.machine_stop : r.stop == DBG_STOP_REQUEST && rc == 0 ? MSTOP_SIGNAL
                                                                                          : MSTOP_QUIT;
  return rc;
}
