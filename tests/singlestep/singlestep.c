/*
 * singlestep.c — runs the SingleStepTests 80286 real-mode suite (captured
 * from a real CPU, see ../shared/README.md) against our CPU.
 *
 * For each test: load the registers and RAM bytes, run from CS:IP until the
 * HLT that follows the instruction (or the one at the exception handler),
 * then compare every register and every final RAM byte.  FLAGS are compared
 * under the metadata's flags-mask (undefined flags).
 *
 * Usage: singlestep [-v] [--cpu 286|i686] DATA_DIR [FILE_PREFIX...]
 * The CPU model defaults to 286, the CPU the data comes from; i686 runs our
 * P6 model against it.  Ends with one line:
 * "singlestep: P passed, F failed, X excused".
 *
 * Excused tests: under --cpu i686, where a 386-class CPU really differs from
 * the 286 that made the data; under --cpu 286, what our 286 model does not
 * reproduce.  Every such rule is in the excuses[] table below, for the
 * models it applies to, with its reason and the Intel manual's section.  A rule is judged on what our CPU actually
 * did (an Outcome: which items differ, our values) and, where the P6 rule
 * can be checked by running the test again in a variant (LOCK made a no-op,
 * the #SS vector pointed where the test's #GP one goes, a probe HLT on the
 * #DE vector), by that rerun; so an excuse cannot hide a second, real
 * difference.  The run prints how many tests each rule excused.  Nothing is
 * skipped silently.
 */
#include "cpu.h"
#include "exec.h"
#include "mem.h"

#include "json.h"
#include "engine.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int verbose;
static CpuModel model = CPU_MODEL_286; /* --cpu */

/* ---- excuses: documented 286-vs-386 differences ---- */
/* What our CPU did on one test: which compared items differ, and our values. */
enum {
  MIS_SEG = 1u << 8,    /* bits 8..11: ES CS SS DS (bits 0..7: AX..DI) */
  MIS_IP = 1u << 12,
  MIS_FLAGS = 1u << 13,
  MIS_RAM = 1u << 14,
  MIS_HLT = 1u << 15    /* did not reach the HLT */
};
#define MIS_REG(r) (1u << (r))
#define MAX_RAM_MIS 16
typedef struct Outcome {
  unsigned mism;            /* MIS_* bits of the items that differ */
  uint32_t fmask;           /* flags-mask the test was compared under */
  uint16_t regs[8];         /* our final AX..DI */
  uint16_t sregs[4];        /* our final ES CS SS DS */
  uint16_t ip, flags;       /* our final IP and FLAGS */
  int nram;                 /* differing final RAM bytes (first MAX_RAM_MIS kept) */
  uint32_t ram_addr[MAX_RAM_MIS]; /* their addresses */
  uint8_t ram_got[MAX_RAM_MIS];   /* and our bytes there */
} Outcome;

typedef struct Excuse {
  unsigned models;     /* CPU models it applies to: bits 1 << CPU_MODEL_* */
  const char *file;    /* opcode file prefix, e.g. "0F" or "9D"; NULL = any */
  const char *reason;  /* why a 386-class CPU differs, with the SDM section */
  int (*applies)(const JVal *test, const char *file, const Outcome *o);
} Excuse;

static const Excuse *excuse_for(const JVal *t, const char *file, const Outcome *o);
static void print_excuse_counts(void);
static int excuse_index(const Excuse *e);
static long excuse_counts[32]; /* tests excused by each excuses[] row */

/* ---- loading ---- */

static char *read_gz(const char *path) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "gzip -dc '%s'", path);
  FILE *f = popen(cmd, "r");
  if (!f)
    return NULL;
  size_t cap = 1 << 20, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (cap - len < 4096) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
  }
  int rc = pclose(f);
  if (rc != 0 || len == 0) {
    free(buf);
    return NULL;
  }
  buf[len] = 0;
  return buf;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)sz + 1);
  if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
    fclose(f);
    free(buf);
    return NULL;
  }
  buf[sz] = 0;
  fclose(f);
  return buf;
}

static const char *reg_names[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *seg_names[] = {"es", "cs", "ss", "ds"};

static int get_reg(const JVal *regs, const JVal *fallback, const char *name, uint32_t *out) {
  *out = 0;
  const JVal *v = json_get(regs, name);
  if (!v)
    v = json_get(fallback, name);
  if (!v || v->type != J_NUM)
    return -1;
  *out = (uint32_t)v->num;
  return 0;
}

/* flags-mask for the file (opcode, or opcode.reg) from metadata.json. */
static uint32_t flags_mask_for(const JVal *meta, const char *file) {
  char op[8] = {0}, reg[4] = {0};
  const char *dot = strchr(file, '.');
  size_t oplen = dot ? (size_t)(dot - file) : strlen(file);
  if (oplen >= sizeof op)
    return 0xffff;
  memcpy(op, file, oplen);
  const JVal *ops = json_get(meta, "opcodes");
  const JVal *e = json_get(ops, op);
  if (!e)
    return 0xffff;
  if (dot && dot[1] && !dot[2]) {
    reg[0] = dot[1];
    const JVal *r = json_get(json_get(e, "reg"), reg);
    if (r)
      e = r;
  }
  const JVal *m = json_get(e, "flags-mask");
  return m && m->type == J_NUM ? (uint32_t)m->num : 0xffff;
}

typedef struct Stats {
  long passed, failed, excused;
} Stats;

static Mem *mem;
static Cpu *cpu;

#define PROBE_CS 0xf000u /* VAR_DE_PROBE: where the #DE vector leads */
#define PROBE_IP 0xff00u
/* Zero the RAM a test touches (initial and final bytes, and the IVT entry a
 * variant run may have written). */
static void clean_ram(const JVal *t) {
  const JVal *iram = json_get(json_get(t, "initial"), "ram");
  const JVal *fram = json_get(json_get(t, "final"), "ram");
  for (size_t i = 0; iram && i < iram->n; i++)
    mem_write8(mem, (uint32_t)iram->items[i].items[0].num, 0);
  for (size_t i = 0; fram && i < fram->n; i++)
    mem_write8(mem, (uint32_t)fram->items[i].items[0].num, 0);
  for (uint32_t a = 4 * EXC_SS; a < 4 * EXC_SS + 4; a++)
    mem_write8(mem, a, 0);
  for (uint32_t a = 4 * EXC_DE; a < 4 * EXC_DE + 4; a++)
    mem_write8(mem, a, 0);
  mem_write8(mem, PROBE_CS * 16 + PROBE_IP, 0);
}

/* Load a test's initial registers and RAM into the CPU. 0 on success. */
static int load_initial(const JVal *t, char *why, size_t whylen) {
  const JVal *init = json_get(t, "initial");
  const JVal *iregs = json_get(init, "regs"), *iram = json_get(init, "ram");
  if (!iregs || !iram) {
    snprintf(why, whylen, "malformed test");
    return -1;
  }
  cpu_reset(cpu);
  cpu->halt_exits = true;
  cpu->idt_base = 0;
  cpu->idt_limit = 0x3ff;
  for (int i = 0; i < 8; i++) {
    uint32_t v = 0;
    if (get_reg(iregs, NULL, reg_names[i], &v) < 0) {
      snprintf(why, whylen, "missing register %s", reg_names[i]);
      return 0;
    }
    cpu->regs[i] = v;
  }
  for (int s = 0; s < 4; s++) {
    uint32_t v = 0;
    get_reg(iregs, NULL, seg_names[s], &v);
    cpu_load_seg_real(cpu, s, (uint16_t)v);
  }
  uint32_t ip = 0, fl = 0;
  get_reg(iregs, NULL, "ip", &ip);
  get_reg(iregs, NULL, "flags", &fl);
  cpu->eip = ip;
  cpu->eflags = (fl & 0x0fffu) | 2u;
  cpu->cc_op = CC_EFLAGS;
  cpu_update_mode(cpu);
  for (size_t i = 0; i < iram->n; i++) {
    const JVal *p = &iram->items[i];
    mem_write8(mem, (uint32_t)p->items[0].num, (uint8_t)p->items[1].num);
  }
  return 0;
}

/*
 * Run one test; returns 1 pass, 0 fail. Fills why and *o on failure.
 * ss_as_gp: variant run for the #SS excuse — the #SS (vector 12) IVT entry
 * is made a copy of the #GP (vector 13) one the test provides.
 */
enum { /* bits */
  VAR_NONE = 0,      /* the test as given */
  VAR_SS_AS_GP = 1,  /* IVT[#SS] := the test's IVT[#GP] */
  VAR_DE_PROBE = 2,  /* IVT[#DE] := F000:FF00, where a HLT waits */
  VAR_NO_LOCK = 4    /* each LOCK prefix byte replaced by the operand's own segment prefix */
};
static int base_variant; /* variant bits every run adds (set while judging a LOCK test) */
static long lock_combined; /* LOCK tests that also needed another excuse */
static int test_decode(const JVal *t, Insn *in);
static size_t lock_to_seg_prefix(const JVal *t, uint8_t *buf, size_t cap);
static int run_test(const JVal *t, uint32_t fmask, char *why, size_t whylen, Outcome *o,
                    int variant) {
  const JVal *init = json_get(t, "initial"), *fin = json_get(t, "final");
  const JVal *iregs = json_get(init, "regs"), *fregs = json_get(fin, "regs");
  const JVal *fram = json_get(fin, "ram");
  memset(o, 0, sizeof *o);
  o->fmask = fmask;
  variant |= base_variant;
  if (!fregs || !fram || load_initial(t, why, whylen) < 0) {
    snprintf(why, whylen, "malformed test");
    o->mism = ~0u;
    return 0;
  }
  if (variant & VAR_SS_AS_GP)
    for (uint32_t k = 0; k < 4; k++)
      mem_write8(mem, 4 * EXC_SS + k, mem_read8(mem, 4 * EXC_GP + k));
  if (variant & VAR_NO_LOCK) {
    uint8_t buf[32];
    size_t n = lock_to_seg_prefix(t, buf, sizeof buf);
    uint32_t cs = cpu->seg[S_CS].sel, ip = cpu->eip;
    for (uint32_t i = 0; i < n; i++)
      mem_write8(mem, cs * 16 + ((ip + i) & 0xffff), buf[i]);
  }
  if (variant & VAR_DE_PROBE) {
    const uint8_t vec[4] = {PROBE_IP & 0xff, PROBE_IP >> 8, PROBE_CS & 0xff, PROBE_CS >> 8};
    for (uint32_t k = 0; k < 4; k++)
      mem_write8(mem, 4 * EXC_DE + k, vec[k]);
    mem_write8(mem, PROBE_CS * 16 + PROBE_IP, 0xf4);
  }
  CpuStop st = cpu_run(cpu, 200);
  int ok = 1;
  why[0] = 0;
  size_t wl = 0;
#define WHY(bit, ...) do { ok = 0; o->mism |= (bit); if (wl < whylen) wl += (size_t)snprintf(why + wl, whylen - wl, __VA_ARGS__); } while (0)
  if (st != CPU_STOP_HLT)
    WHY(MIS_HLT, "did not reach HLT (stop %d) ", (int)st);
  for (int i = 0; i < 8; i++) {
    uint32_t want = 0;
    get_reg(fregs, iregs, reg_names[i], &want);
    o->regs[i] = (uint16_t)cpu->regs[i];
    if ((uint16_t)cpu->regs[i] != want)
      WHY(MIS_REG(i), "%s=%04x want %04x ", reg_names[i], (uint16_t)cpu->regs[i], want);
  }
  for (int s = 0; s < 4; s++) {
    uint32_t want = 0;
    get_reg(fregs, iregs, seg_names[s], &want);
    o->sregs[s] = cpu->seg[s].sel;
    if (cpu->seg[s].sel != want)
      WHY(MIS_SEG << s, "%s=%04x want %04x ", seg_names[s], cpu->seg[s].sel, want);
  }
  uint32_t want_ip = 0, want_fl = 0;
  get_reg(fregs, iregs, "ip", &want_ip);
  get_reg(fregs, iregs, "flags", &want_fl);
  o->ip = (uint16_t)cpu->eip;
  if ((cpu->eip & 0xffff) != want_ip)
    WHY(MIS_IP, "ip=%04x want %04x ", cpu->eip & 0xffff, want_ip);
  uint32_t got_fl = cpu_get_flags(cpu) & 0xffff;
  o->flags = (uint16_t)got_fl;
  if ((got_fl & fmask) != (want_fl & fmask))
    WHY(MIS_FLAGS, "flags=%04x want %04x (mask %04x) ", got_fl, want_fl, fmask);
  for (size_t i = 0; i < fram->n; i++) {
    const JVal *p = &fram->items[i];
    uint32_t a = (uint32_t)p->items[0].num;
    uint8_t want = (uint8_t)p->items[1].num, got = mem_read8(mem, a);
    if (got != want) {
      if (o->nram < MAX_RAM_MIS) {
        o->ram_addr[o->nram] = a;
        o->ram_got[o->nram] = got;
      }
      o->nram++;
      WHY(MIS_RAM, "[%06x]=%02x want %02x ", a, got, want);
    }
  }
#undef WHY
  clean_ram(t);
  return ok;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  int ai = 1;
  for (; ai < argc && argv[ai][0] == '-'; ai++) {
    if (!strcmp(argv[ai], "-v")) {
      verbose = 1;
    } else if (!strcmp(argv[ai], "--cpu") && ai + 1 < argc) {
      int m = cpu_model_parse(argv[++ai]);
      if (m < 0) {
        fprintf(stderr, "singlestep: --cpu %s: unknown CPU model (want 286 or i686)\n", argv[ai]);
        return 2;
      }
      model = (CpuModel)m;
    } else {
      break;
    }
  }
  if (ai >= argc) {
    fprintf(stderr, "usage: singlestep [-v] [--cpu 286|i686] DATA_DIR [FILE_PREFIX...]\n");
    return 2;
  }
  const char *dir = argv[ai++];
  char path[4096];
  snprintf(path, sizeof path, "%s/metadata.json", dir);
  char *mtext = read_text(path);
  if (!mtext) {
    fprintf(stderr, "singlestep: cannot read %s\n", path);
    return 2;
  }
  const char *err = NULL;
  JVal *meta = json_parse(mtext, &err);
  free(mtext);
  if (!meta) {
    fprintf(stderr, "singlestep: %s: %s\n", path, err);
    return 2;
  }
  /* Revocation list: hashes of known-bad tests. */
  snprintf(path, sizeof path, "%s/revocation_list.txt", dir);
  char *revoked = read_text(path);

  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "singlestep: cannot open %s\n", dir);
    return 2;
  }
  char **files = NULL;
  size_t nfiles = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l > 8 && !strcmp(de->d_name + l - 8, ".json.gz")) {
      int want = ai >= argc;
      for (int k = ai; k < argc; k++)
        if (!strncmp(de->d_name, argv[k], strlen(argv[k])) && de->d_name[strlen(argv[k])] == '.')
          want = 1;
      if (want) {
        files = realloc(files, (nfiles + 1) * sizeof(char *));
        files[nfiles++] = strdup(de->d_name);
      }
    }
  }
  closedir(d);
  qsort(files, nfiles, sizeof(char *), cmp_str);

  mem = mem_create(16u << 20);
  cpu = cpu_create(mem);
  if (!mem || !cpu) {
    fprintf(stderr, "singlestep: out of memory\n");
    return 2;
  }
  cpu_set_model(cpu, model);
  test_engine_setup(cpu);
  Stats total = {0, 0, 0};
  long revoked_count = 0;
  for (size_t fi = 0; fi < nfiles; fi++) {
    char name[64];
    snprintf(name, sizeof name, "%s", files[fi]);
    name[strlen(name) - 8] = 0; /* strip .json.gz */
    snprintf(path, sizeof path, "%s/%s", dir, files[fi]);
    char *text = read_gz(path);
    if (!text) {
      fprintf(stderr, "singlestep: cannot read %s\n", path);
      return 2;
    }
    JVal *arr = json_parse(text, &err);
    free(text);
    if (!arr || arr->type != J_ARR) {
      fprintf(stderr, "singlestep: %s: %s\n", path, err ? err : "not an array");
      return 2;
    }
    uint32_t fmask = flags_mask_for(meta, name);
    Stats s = {0, 0, 0};
    int shown = 0;
    for (size_t i = 0; i < arr->n; i++) {
      const JVal *t = &arr->items[i];
      const JVal *h = json_get(t, "hash");
      if (revoked && h && h->type == J_STR && strstr(revoked, h->str)) {
        revoked_count++;
        continue;
      }
      char why[512];
      Outcome o;
      const Excuse *ex;
      if (run_test(t, fmask, why, sizeof why, &o, VAR_NONE)) {
        s.passed++;
      } else if ((ex = excuse_for(t, name, &o))) {
        s.excused++;
        excuse_counts[excuse_index(ex)]++;
      } else {
        s.failed++;
        if (verbose || shown < 3) {
          const JVal *nm = json_get(t, "name");
          const JVal *idx = json_get(t, "idx");
          fprintf(stderr, "FAIL %s #%d %s: %s\n", name, idx ? (int)idx->num : -1,
                  nm && nm->type == J_STR ? nm->str : "?", why);
          shown++;
        }
      }
    }
    if (s.failed || verbose)
      fprintf(stderr, "%-8s %4ld passed %4ld failed %4ld excused\n", name, s.passed, s.failed, s.excused);
    total.passed += s.passed;
    total.failed += s.failed;
    total.excused += s.excused;
    json_free(arr);
  }
  if (revoked_count)
    printf("singlestep: %ld revoked tests not run (revocation_list.txt)\n", revoked_count);
  printf("singlestep: CPU model %s\n", cpu_model_name(model));
  print_excuse_counts();
  printf("singlestep: %ld passed, %ld failed, %ld excused\n", total.passed, total.failed, total.excused);
  for (size_t i = 0; i < nfiles; i++)
    free(files[i]);
  free(files);
  free(revoked);
  json_free(meta);
  if (test_engine_failed(cpu)) {
    printf("singlestep: lockstep found a difference between the engines\n");
    total.failed++;
  }
  test_engine_teardown(cpu);
  cpu_destroy(cpu);
  mem_destroy(mem);
  return total.failed ? 1 : 0;
}

/* ---- the excuses table ---- */

#define M_I686 (1u << CPU_MODEL_I686)
#define M_286 (1u << CPU_MODEL_286)

/* Helpers reading a test. */
static int test_exception(const JVal *t) { /* vector the 286 raised, -1 if none */
  const JVal *e = json_get(json_get(t, "exception"), "number");
  return e && e->type == J_NUM ? (int)e->num : -1;
}
static uint32_t init_reg(const JVal *t, const char *name) {
  uint32_t v = 0;
  get_reg(json_get(json_get(t, "initial"), "regs"), NULL, name, &v);
  return v;
}
static uint32_t final_reg(const JVal *t, const char *name) {
  uint32_t v = 0;
  get_reg(json_get(json_get(t, "final"), "regs"), json_get(json_get(t, "initial"), "regs"), name, &v);
  return v;
}
static int ram_byte(const JVal *ram, uint32_t addr) { /* -1 if not listed */
  for (size_t i = 0; ram && i < ram->n; i++)
    if ((uint32_t)ram->items[i].items[0].num == addr)
      return (int)ram->items[i].items[1].num;
  return -1;
}
/* Word at SS:SP+off in the test's initial RAM (-1 if not listed). */
static int init_stack_word(const JVal *t, uint32_t off) {
  const JVal *ram = json_get(json_get(t, "initial"), "ram");
  uint32_t ss = init_reg(t, "ss"), sp = init_reg(t, "sp");
  int lo = ram_byte(ram, ss * 16 + ((sp + off) & 0xffff));
  int hi = ram_byte(ram, ss * 16 + ((sp + off + 1) & 0xffff));
  return lo < 0 || hi < 0 ? -1 : lo | hi << 8;
}
/* The test's bytes into buf (at most cap); returns the count. */
static size_t test_bytes(const JVal *t, uint8_t *buf, size_t cap) {
  const JVal *b = json_get(t, "bytes");
  size_t n = 0;
  for (; b && n < b->n && n < cap; n++)
    buf[n] = (uint8_t)b->items[n].num;
  return n;
}
static bool is_prefix(uint8_t v) {
  return v == 0x26 || v == 0x2e || v == 0x36 || v == 0x3e || v == 0xf0 || v == 0xf2 || v == 0xf3;
}
/*
 * The test's bytes with each LOCK prefix byte replaced by the prefix of the
 * segment the memory operand uses anyway (a no-op): same length, no LOCK.
 * Returns the count, or 0 when it cannot be done.
 */
static size_t lock_to_seg_prefix(const JVal *t, uint8_t *buf, size_t cap) {
  static const uint8_t seg_prefix[4] = {0x26, 0x2e, 0x36, 0x3e};
  uint8_t tmp[32];
  size_t n = test_bytes(t, buf, cap), k = 0, np = 0;
  while (np < n && is_prefix(buf[np]))
    np++;
  for (size_t i = 0; i < n; i++)
    if (i >= np || buf[i] != 0xf0)
      tmp[k++] = buf[i];
  Insn in;
  if (x86_decode(tmp, k, 0, &in) <= 0 || in.seg > S_DS)
    return 0;
  for (size_t i = 0; i < np; i++)
    if (buf[i] == 0xf0)
      buf[i] = seg_prefix[in.seg];
  return n;
}
/* Decode the test's instruction with our decoder (16-bit code); while a
 * LOCK test is judged (VAR_NO_LOCK), as the no-LOCK variant runs it. */
static int test_decode(const JVal *t, Insn *in) {
  uint8_t buf[32];
  size_t n = (base_variant & VAR_NO_LOCK) ? lock_to_seg_prefix(t, buf, sizeof buf)
                                          : test_bytes(t, buf, sizeof buf);
  return x86_decode(buf, n, model == CPU_MODEL_286 ? DEC_MODE_286 : 0, in);
}

/* Prefix bytes at the start of the instruction include F0 (LOCK). */
static int has_lock_prefix(const JVal *t, const char *file, const Outcome *o) {
  (void)file;
  uint8_t buf[32];
  size_t n = test_bytes(t, buf, sizeof buf), np = 0;
  bool lock = false;
  for (; np < n && is_prefix(buf[np]); np++)
    lock |= buf[np] == 0xf0;
  /* Only where our decoder refuses the LOCK (and accepts the rest)... */
  Insn in;
  if (!lock || test_exception(t) == EXC_UD || x86_decode(buf, n, 0, &in) != DEC_INVALID ||
      (n = lock_to_seg_prefix(t, buf, sizeof buf)) == 0 || x86_decode(buf, n, 0, &in) <= 0)
    return 0;
  /* ...and the test passes with the LOCK byte made a no-op prefix, or
   * then differs only for another listed reason. */
  char why[512];
  Outcome o2;
  if (run_test(t, o->fmask, why, sizeof why, &o2, VAR_NO_LOCK))
    return 1;
  base_variant = VAR_NO_LOCK;
  const Excuse *other = excuse_for(t, file, &o2);
  base_variant = 0;
  if (other)
    lock_combined++;
  return other != NULL;
}

/* The 286 raised #GP for an instruction longer than its 10-byte limit. */
static int longer_than_10(const JVal *t, const char *file, const Outcome *o) {
  (void)file;
  (void)o;
  Insn in;
  int len = test_decode(t, &in);
  return test_exception(t) == EXC_GP && len > 10 && len <= 15;
}

/*
 * The 286 raised #GP (13) where we raise #SS (12): a stack-segment access
 * beyond the limit (word at SS:FFFF).  Predicate: the run passes exactly
 * when the #SS vector leads where the test's #GP vector does.
 */
static int string_commit(const JVal *t, const char *file, const Outcome *o);
static int ss_fault_as_gp(const JVal *t, const char *file, const Outcome *o) {
  char why[512];
  Outcome o2;
  if (test_exception(t) != EXC_GP)
    return 0;
  /* a 286 string op also commits the faulting iteration: see string_commit */
  return run_test(t, o->fmask, why, sizeof why, &o2, VAR_SS_AS_GP) || string_commit(t, file, &o2);
}

/*
 * POPF / IRET in real mode: the 286 keeps FLAGS bits 12-15 clear; a P6 at
 * CPL 0 loads IOPL (12-13) and NT (14) from the popped image.  Predicate:
 * only FLAGS differ, and ours equal the 286's with bits 12-14 popped.
 */
static int popf_iopl_nt(const JVal *t, const char *file, const Outcome *o) {
  int img = init_stack_word(t, file[0] == 'C' ? 4 : 0); /* CF: IP, CS, FLAGS */
  if (img < 0 || o->mism != MIS_FLAGS || test_exception(t) >= 0)
    return 0;
  uint32_t pred = (final_reg(t, "flags") & ~0x7000u) | ((uint32_t)img & 0x7000u);
  return (o->flags & o->fmask) == (pred & o->fmask);
}

/*
 * DIV/IDIV/AAM raising #DE: the 286 has already changed the arithmetic
 * flags when it takes the fault and pushes those; we (like the P6, where
 * they are undefined) leave them.  Predicate: only FLAGS and the pushed
 * FLAGS word differ, only in arithmetic bits, and our pushed image is the
 * initial FLAGS.
 */
static int de_flags(const JVal *t, const char *file, const Outcome *o) {
  (void)file;
  if (test_exception(t) != EXC_DE || (o->mism & ~(MIS_FLAGS | MIS_RAM)))
    return 0;
  uint32_t ss = init_reg(t, "ss"), sp = init_reg(t, "sp");
  uint32_t a0 = ss * 16 + ((sp - 2) & 0xffff), a1 = ss * 16 + ((sp - 1) & 0xffff);
  for (int i = 0; i < o->nram; i++)
    if (i >= MAX_RAM_MIS || (o->ram_addr[i] != a0 && o->ram_addr[i] != a1))
      return 0;
  uint32_t init_fl = (init_reg(t, "flags") & 0x0fffu) | 2u;
  for (int i = 0; i < o->nram && i < MAX_RAM_MIS; i++) /* our pushed image: initial FLAGS */
    if (o->ram_got[i] != (uint8_t)(o->ram_addr[i] == a0 ? init_fl : init_fl >> 8))
      return 0;
  const JVal *fram = json_get(json_get(t, "final"), "ram");
  int lo = ram_byte(fram, a0), hi = ram_byte(fram, a1);
  if (lo < 0 || hi < 0)
    return 0;
  uint32_t want_pushed = (uint32_t)(lo | hi << 8);
  if (((want_pushed ^ init_fl) & 0xffff & ~F_ARITH) != 0)
    return 0;
  return ((o->flags ^ final_reg(t, "flags")) & o->fmask & ~F_ARITH) == 0;
}

/*
 * Word string operation faulting on the word at offset FFFFh: the 286 has
 * already advanced SI/DI (and decremented CX under REP) for the faulting
 * iteration; the P6 faults with them unchanged (SDM Vol. 3A 6.5: faults
 * are restartable).  Predicate: only SI/DI/CX differ, each by exactly one
 * iteration's update, and one of our SI/DI is FFFFh.
 */
static int string_commit(const JVal *t, const char *file, const Outcome *o) {
  (void)file;
  Insn in;
  int x = test_exception(t);
  unsigned allowed = MIS_REG(R_ESI) | MIS_REG(R_EDI) | MIS_REG(R_ECX);
  if ((x != EXC_GP && x != EXC_SS) || !o->mism || (o->mism & ~allowed) || test_decode(t, &in) <= 0)
    return 0;
  uint16_t step = (init_reg(t, "flags") & F_DF) ? 0xfffe : 2;
  if (o->regs[R_ESI] != 0xffff && o->regs[R_EDI] != 0xffff)
    return 0;
  for (int r = R_ESI; r <= R_EDI; r++)
    if ((o->mism & MIS_REG(r)) && (uint16_t)(o->regs[r] + step) != final_reg(t, reg_names[r]))
      return 0;
  /* Under REP the 286 has decremented CX once, or twice when the fault is
   * on the ES:DI write of MOVS/STOS/INS (not on MOVS's DS:SI read). */
  bool writes_di = in.op == 0xa5 || in.op == 0xab || in.op == 0x6d;
  bool src_fault = (in.op == 0xa5 || in.op == 0xa7 || in.op == 0xad || in.op == 0x6f) &&
                   o->regs[R_ESI] == 0xffff;
  uint16_t cx_want = writes_di && !src_fault ? 2 : 1;
  if ((o->mism & MIS_REG(R_ECX)) && (!(in.flags & (INSN_REP | INSN_REPNE)) ||
                                     (uint16_t)(o->regs[R_ECX] - final_reg(t, "cx")) != cx_want))
    return 0;
  return 1;
}

/* The dividend and divisor of an IDIV test (F6.7/F7.7), signed; 0 if not decodable. */
static int idiv_operands(const JVal *t, const char *file, int64_t *dvd, int32_t *dvs) {
  char why[512];
  Insn in;
  bool word = file[1] == '7';
  if (test_decode(t, &in) <= 0 || load_initial(t, why, sizeof why))
    return 0;
  if (in.flags & INSN_MEM) {
    uint32_t off = ea_offset(cpu, &in), base = cpu->seg[in.seg].base;
    uint32_t v = mem_read8(mem, base + off);
    if (word)
      v |= (uint32_t)mem_read8(mem, base + ((off + 1) & 0xffff)) << 8;
    *dvs = word ? (int16_t)v : (int8_t)v;
  } else {
    *dvs = word ? (int16_t)cpu->regs[in.rm] : (int8_t)(in.rm < 4 ? cpu->regs[in.rm] : cpu->regs[in.rm - 4] >> 8);
  }
  clean_ram(t);
  uint32_t ax = init_reg(t, "ax"), dx = init_reg(t, "dx");
  *dvd = word ? (int32_t)(dx << 16 | ax) : (int16_t)ax;
  return 1;
}

/*
 * IDIV whose quotient is out of range: the P6 raises #DE (SDM Vol. 2A IDIV);
 * the 286's microcode returns a (wrong) result for some of these.
 * Predicate: the test raised nothing, the P6 rule (recomputed here) says
 * #DE, and a rerun with the #DE vector on a probe HLT reaches it with the
 * 3-word frame pushed and the registers unchanged.
 */
static int idiv_286_no_de(const JVal *t, const char *file, const Outcome *o) {
  char why[512];
  Outcome o2;
  bool word = file[1] == '7';
  int64_t dvd;
  int32_t dvs;
  if (test_exception(t) >= 0 || !idiv_operands(t, file, &dvd, &dvs))
    return 0;
  if (dvs != 0) {
    int64_t q = dvd / dvs;
    if (word ? (q >= -32768 && q <= 32767) : (q >= -128 && q <= 127))
      return 0; /* in range: the P6 divides too */
  }
  run_test(t, o->fmask, why, sizeof why, &o2, VAR_DE_PROBE);
  if (o2.sregs[S_CS] != PROBE_CS || o2.ip != PROBE_IP + 1 || (o2.mism & MIS_HLT) ||
      o2.regs[R_ESP] != (uint16_t)(init_reg(t, "sp") - 6))
    return 0;
  for (int i = 0; i < 8; i++)
    if (i != R_ESP && o2.regs[i] != init_reg(t, reg_names[i]))
      return 0;
  return 1;
}

/*
 * 286 model: IDIV raising #DE with a quotient of 2^8 (2^16) or more in
 * magnitude.  Our 286 model reproduces the flags the 286 pushes for every
 * other #DE (ops_alu.c, docs/CPU_MODELS.md), not for these: it leaves them.
 * Predicate: de_flags (only the FLAGS and the pushed FLAGS word differ, in
 * arithmetic bits, and ours are the initial ones) and the quotient is that
 * large.
 */
static int idiv_big_de_flags(const JVal *t, const char *file, const Outcome *o) {
  int64_t dvd;
  int32_t dvs;
  if (!de_flags(t, file, o) || !idiv_operands(t, file, &dvd, &dvs) || dvs == 0)
    return 0;
  int64_t q = dvd / dvs;
  return (q < 0 ? -q : q) > (file[1] == '7' ? 0xffff : 0xff);
}

/* MOV to/from FS or GS (Sreg 4/5): #UD on the 286, which has no FS/GS. */
static int mov_fs_gs(const JVal *t, const char *file, const Outcome *o) {
  (void)file;
  (void)o;
  Insn in;
  return test_exception(t) == EXC_UD && test_decode(t, &in) > 0 && (in.reg == S_FS || in.reg == S_GS);
}

static const Excuse excuses[] = {
    {M_I686, NULL,
     "LOCK on an instruction that cannot be locked (or with a register destination) raises #UD "
     "on the 386 and later; the 286 ignores it (SDM Vol. 2A, LOCK; Vol. 3A 6.15 #UD)",
     has_lock_prefix},
    {M_I686, NULL,
     "the 286 limits an instruction to 10 bytes (#GP beyond); the P6 limit is 15 "
     "(SDM Vol. 3A 6.15 Interrupt 13; Vol. 2A 2.3.11)",
     longer_than_10},
    {M_I686, "A", "a word string op faulting at offset FFFFh: the 286 has already advanced SI/DI (and CX "
     "under REP), the P6 faults before changing them (SDM Vol. 3A 6.5 restartable faults)", string_commit},
    {M_I686, "6", "a word INS/OUTS faulting at offset FFFFh: the 286 has already advanced SI/DI (and CX "
     "under REP), the P6 faults before changing them (SDM Vol. 3A 6.5)", string_commit},
    {M_I686, NULL,
     "stack-segment limit violation in real mode (e.g. word at SS:FFFFh) raises #SS on the "
     "386+, #GP on the 286 (SDM Vol. 3A 6.15 Interrupt 12; 20.1.3 real-mode exceptions)",
     ss_fault_as_gp},
    {M_I686, "9D",
     "real-mode POPF loads IOPL and NT on the 386+ (CPL 0); the 286 keeps bits 12-15 clear "
     "(SDM Vol. 2B POPF; Vol. 3A 22.2 FLAGS differences)",
     popf_iopl_nt},
    {M_I686, "CF",
     "real-mode IRET loads IOPL and NT on the 386+ (CPL 0); the 286 keeps bits 12-15 clear "
     "(SDM Vol. 2A IRET; Vol. 3A 22.2)",
     popf_iopl_nt},
    {M_I686, "F6.6", "the 286 changes the arithmetic flags before raising #DE and pushes them; "
     "undefined on the P6, which leaves them (SDM Vol. 2A DIV)", de_flags},
    {M_I686, "F6.7", "the 286 changes the arithmetic flags before raising #DE and pushes them; "
     "undefined on the P6, which leaves them (SDM Vol. 2A IDIV)", de_flags},
    {M_I686, "F7.6", "the 286 changes the arithmetic flags before raising #DE and pushes them; "
     "undefined on the P6, which leaves them (SDM Vol. 2A DIV)", de_flags},
    {M_I686, "F7.7", "the 286 changes the arithmetic flags before raising #DE and pushes them; "
     "undefined on the P6, which leaves them (SDM Vol. 2A IDIV)", de_flags},
    {M_I686, "D4", "the 286 changes the arithmetic flags before AAM 0 raises #DE and pushes them "
     "(SDM Vol. 2A AAM)", de_flags},
    {M_I686, "F6.7", "IDIV with an out-of-range quotient: #DE on the P6; the 286 returns a result for "
     "some (SDM Vol. 2A IDIV)", idiv_286_no_de},
    {M_I686, "F7.7", "IDIV with an out-of-range quotient: #DE on the P6; the 286 returns a result for "
     "some (SDM Vol. 2A IDIV)", idiv_286_no_de},
    {M_I686, "8C", "MOV from FS/GS: the 286 has no FS/GS and raises #UD (SDM Vol. 2B MOV)", mov_fs_gs},
    {M_I686, "8E", "MOV to FS/GS: the 286 has no FS/GS and raises #UD (SDM Vol. 2B MOV)", mov_fs_gs},
    {M_286, "F6.7", "IDIV raising #DE with a quotient of 2^8 or more in magnitude: the 286 pushes "
     "flags from its microcode that our 286 model does not reproduce (it models the other #DE flags)",
     idiv_big_de_flags},
    {M_286, "F7.7", "IDIV raising #DE with a quotient of 2^16 or more in magnitude: the 286 pushes "
     "flags from its microcode that our 286 model does not reproduce (it models the other #DE flags)",
     idiv_big_de_flags},
    {M_286, "F6.7", "IDIV with an out-of-range quotient that the 286 does not fault on: its microcode "
     "returns a wrong result, our 286 model raises #DE as the SDM says (SDM Vol. 2A IDIV)", idiv_286_no_de},
    {M_286, "F7.7", "IDIV with an out-of-range quotient that the 286 does not fault on: its microcode "
     "returns a wrong result, our 286 model raises #DE as the SDM says (SDM Vol. 2A IDIV)", idiv_286_no_de},
};

static const Excuse *excuse_for(const JVal *t, const char *file, const Outcome *o) {
  for (size_t i = 0; i < sizeof excuses / sizeof excuses[0]; i++) {
    const Excuse *e = &excuses[i];
    if (!e->reason || !(e->models & (1u << model)))
      continue;
    if (e->file && strncmp(file, e->file, strlen(e->file)))
      continue;
    if (base_variant && e->applies == has_lock_prefix)
      continue;
    if (!e->applies || e->applies(t, file, o))
      return e;
  }
  return NULL;
}

static int excuse_index(const Excuse *e) { return (int)(e - excuses); }

static void print_excuse_counts(void) {
  _Static_assert(sizeof excuses / sizeof excuses[0] <= sizeof excuse_counts / sizeof excuse_counts[0],
                 "excuse_counts too small");
  for (size_t i = 0; i < sizeof excuses / sizeof excuses[0]; i++)
    if (excuse_counts[i])
      printf("excused %6ld: %s\n", excuse_counts[i], excuses[i].reason);
  if (lock_combined)
    printf("  (%ld of the LOCK ones also differ for one of the other reasons listed)\n", lock_combined);
}
