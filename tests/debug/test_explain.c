/*
 * test_explain.c — the debugger's explanations: every mnemonic of the opcode
 * table has its sentence in src/debug/mnemonics.def, and a step record made
 * by hand is explained with its actual values (registers old -> new, each
 * changed flag with its reason, memory written, port I/O, a fault).
 */
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "explain.h"
#include "ops.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                  \
      printf(__VA_ARGS__);                                                                         \
      printf("\n");                                                                                \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static void expect_line(const char *text, const char *line) {
  CHECK(strstr(text, line) != NULL, "explanation lacks \"%s\"; got:\n%s", line, text);
}

static void record(StepRecord *r, const uint8_t *bytes, int n) {
  memset(r, 0, sizeof *r);
  memcpy(r->bytes, bytes, (size_t)n);
  int len = x86_decode(bytes, (size_t)n, 0, &r->insn);
  CHECK(len == n, "decode of a test instruction gave %d", len);
  r->len = len;
  r->decoded = len > 0;
  r->executed = true;
  r->before.eflags = r->after.eflags = 0x2;
  r->before.eip = 0x7c00;
  r->after.eip = 0x7c00 + (uint32_t)len;
  for (int s = 0; s < S_COUNT; s++)
    r->before.seg[s].limit = r->after.seg[s].limit = 0xffff;
  r->before.regs[R_ESP] = r->after.regs[R_ESP] = 0x7c00;
}

int main(void) {
  /* Every mnemonic has its sentence. */
  unsigned missing = 0;
  for (unsigned i = 0; i < x86_op_row_count; i++)
    if (!explain_mnemonic(x86_op_rows[i].mnemonic)) {
      printf("FAIL: mnemonic '%s' (opcode %03X) has no line in src/debug/mnemonics.def\n",
             x86_op_rows[i].mnemonic, x86_op_rows[i].opcode);
      missing++;
    }
  failures += (int)missing;
  CHECK(explain_mnemonic("no-such-mnemonic") == NULL, "lookup of an unknown mnemonic must fail");

  char buf[4096];
  StepRecord r;

  /* SUB AL, 2 with AL = 1: borrow, negative, not zero. */
  static const uint8_t sub[] = {0x2c, 0x02};
  record(&r, sub, 2);
  r.before.regs[R_EAX] = 0x0001;
  r.after.regs[R_EAX] = 0x00ff;
  r.before.eflags = 0x2 | F_ZF;
  r.after.eflags = 0x2 | F_CF | F_SF | F_PF | F_AF;
  explain_step(NULL, &r, buf, sizeof buf);
  expect_line(buf, "  sub: subtracts the source from the destination");
  expect_line(buf, "  AX: 0001 -> 00FF\n");
  expect_line(buf, "  CF=1: unsigned borrow");
  expect_line(buf, "  ZF=0: the result is not zero\n");
  expect_line(buf, "  SF=1: the result's top bit is 1");
  expect_line(buf, "  PF=1: the result's low byte has an even number of 1 bits\n");
  CHECK(!strstr(buf, "OF="), "OF did not change and must not be listed:\n%s", buf);
  CHECK(!strstr(buf, "control goes"), "a fall-through is no transfer:\n%s", buf);

  /* ADD AX, BX giving zero with a carry. */
  static const uint8_t add[] = {0x01, 0xd8};
  record(&r, add, 2);
  r.before.regs[R_EAX] = 0xffff;
  r.before.regs[R_EBX] = r.after.regs[R_EBX] = 1;
  r.after.regs[R_EAX] = 0;
  r.after.eflags = 0x2 | F_CF | F_ZF | F_PF | F_AF;
  explain_step(NULL, &r, buf, sizeof buf);
  expect_line(buf, "  CF=1: unsigned carry out of the top bit");
  expect_line(buf, "  ZF=1: the result is zero\n");

  /* MOV [0x7D12], DL: one byte written, old -> new. */
  static const uint8_t mov[] = {0x88, 0x16, 0x12, 0x7d};
  record(&r, mov, 4);
  r.nwrites = 1;
  r.writes_total = 1;
  r.writes[0] = (DbgWrite){0x7d12, 0x00, 0x80};
  explain_step(NULL, &r, buf, sizeof buf);
  expect_line(buf, "  memory at physical 00007D12, 1 byte: 00 -> 80\n");

  /* OUT 20h, AL: the port and what it is. */
  static const uint8_t out[] = {0xe6, 0x20};
  record(&r, out, 2);
  r.nio = 1;
  r.io[0] = (DbgIoRec){0x20, 1, true, 0x20};
  explain_step(NULL, &r, buf, sizeof buf);
  expect_line(buf, "  port OUT 0020h <- 20 (master PIC command/status)\n");

  /* A #GP with a selector error code and the failed check. */
  static const uint8_t movds[] = {0x8e, 0xd8};
  record(&r, movds, 2);
  r.executed = false;
  r.nints = 1;
  r.ints[0] = (DbgIntRec){EXC_GP, CPU_DBG_INT_EXCEPTION, 0x0010, "privilege: RPL or CPL above the segment's DPL", 0};
  r.before.mode = r.after.mode = CPU_MODE_PE;
  explain_step(NULL, &r, buf, sizeof buf);
  expect_line(buf, "  fault: #GP general protection (vector 0Dh), error code 0010 (selector index 2 in the GDT)\n");
  expect_line(buf, "  check that failed: privilege");

  if (failures) {
    printf("test_explain: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_explain: %u mnemonics explained, step explanations as expected\n", x86_op_row_count);
  return 0;
}
