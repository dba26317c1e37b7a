/*
 * fuzz_decode.c — the instruction decoder (decode.h) on arbitrary bytes.
 *
 * Input: byte 0 picks the mode (16-bit, 32-bit, 80286), the rest (at most
 * 16 bytes) is the instruction.  Checked, and a violation aborts:
 *  - a successful decode has length 1-15 (the 286: 1-10), within the bytes
 *    given, and the record is self-consistent (ModRM fields, scale);
 *  - decoding exactly that many bytes gives the same record (the decoder
 *    looks at no byte past the instruction);
 *  - one byte fewer gives DEC_TRUNCATED (the last byte was needed);
 *  - decoding is deterministic;
 *  - in 16/32-bit i686 mode, where Zydis (the oracle of
 *    tests/decode/zydis_diff.c) also decodes the bytes, the lengths agree.
 *    Validity differences are left to zydis_diff, which explains the P6's.
 */
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz_common.h"

static ZydisDecoder zd[2];

static void fail(const char *what, const uint8_t *b, size_t n, int mode, int r1, int r2) {
  fprintf(stderr, "fuzz_decode: %s (mode %d, results %d / %d):", what, mode, r1, r2);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %02x", b[i]);
  fprintf(stderr, "\n");
  abort();
}

static bool same(const Insn *a, const Insn *b) {
  return a->fn == b->fn && a->op == b->op && a->flags == b->flags && a->len == b->len && a->modrm == b->modrm &&
         a->reg == b->reg && a->rm == b->rm && a->seg == b->seg && a->base == b->base && a->index == b->index &&
         a->scale == b->scale && a->disp == b->disp && a->imm == b->imm && a->imm2 == b->imm2 && a->id == b->id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  static const int modes[3] = {0, DEC_MODE_32, DEC_MODE_286};
  int mode = modes[data[0] % 3];
  const uint8_t *b = data + 1;
  size_t n = size - 1 > 16 ? 16 : size - 1;
  /* A copy on the heap of exactly n bytes: ASan sees any read past it. */
  uint8_t *buf = malloc(n);
  memcpy(buf, b, n);
  Insn in, again;
  memset(&in, 0, sizeof in);
  memset(&again, 0, sizeof again);
  int r = x86_decode(buf, n, mode, &in);
  int r2 = x86_decode(buf, n, mode, &again);
  if (r != r2 || (r > 0 && !same(&in, &again)))
    fail("not deterministic", buf, n, mode, r, r2);
  int maxlen = mode == DEC_MODE_286 ? 10 : 15;
  if (r > 0) {
    if (r > maxlen || (size_t)r > n || in.len != r)
      fail("bad length", buf, n, mode, r, in.len);
    if ((in.flags & INSN_MODRM) && (in.reg != ((in.modrm >> 3) & 7) || in.scale > 3))
      fail("inconsistent ModRM fields", buf, n, mode, r, in.modrm);
    if (!(in.flags & INSN_MODRM) && (in.flags & INSN_MEM) && in.base != REG_NONE && in.base > 7)
      fail("bad base register", buf, n, mode, r, in.base);
    memset(&again, 0, sizeof again);
    r2 = x86_decode(buf, (size_t)r, mode, &again);
    if (r2 != r || !same(&in, &again))
      fail("exact-length decode differs", buf, n, mode, r, r2);
    r2 = x86_decode(buf, (size_t)r - 1, mode, &again);
    if (r2 != DEC_TRUNCATED)
      fail("one byte short is not DEC_TRUNCATED", buf, n, mode, r, r2);
    if (mode != DEC_MODE_286) {
      ZydisDecodedInstruction z;
      if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zd[mode], NULL, buf, n, &z)) && z.length != r)
        fail("length differs from Zydis", buf, n, mode, r, z.length);
    }
  } else if (r != DEC_INVALID && r != DEC_TOO_LONG && r != DEC_TRUNCATED) {
    fail("unknown result", buf, n, mode, r, 0);
  } else if (r == DEC_TRUNCATED && n >= (size_t)maxlen) {
    fail("truncated with every byte there", buf, n, mode, r, 0);
  }
  free(buf);
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  /* As zydis_diff does: legacy modes, pre-extension meanings. */
  ZydisDecoderInit(&zd[0], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
  ZydisDecoderInit(&zd[1], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
  static const ZydisDecoderMode off[] = {ZYDIS_DECODER_MODE_MPX, ZYDIS_DECODER_MODE_CET,
                                         ZYDIS_DECODER_MODE_LZCNT, ZYDIS_DECODER_MODE_TZCNT,
                                         ZYDIS_DECODER_MODE_WBNOINVD, ZYDIS_DECODER_MODE_CLDEMOTE};
  for (int i = 0; i < 2; i++)
    for (size_t k = 0; k < sizeof off / sizeof off[0]; k++)
      ZydisDecoderEnableMode(&zd[i], off[k], ZYAN_FALSE);
  return 0;
}
