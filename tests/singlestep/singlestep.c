/*
 * singlestep.c — runs the SingleStepTests 80286 real-mode suite (captured
 * from a real CPU, see ../shared/README.md) against our CPU.
 *
 * For each test: load the registers and RAM bytes, run from CS:IP until the
 * HLT that follows the instruction (or the one at the exception handler),
 * then compare every register and every final RAM byte.  FLAGS are compared
 * under the metadata's flags-mask (undefined flags).
 *
 * Usage: singlestep [-v] DATA_DIR [FILE_PREFIX...]
 * Ends with one line: "singlestep: P passed, F failed, X excused".
 *
 * Excused tests: a 386-class CPU really differs from the 286 that made the
 * data; every such rule is in the excuses[] table below with its reason and
 * the Intel manual's section.  Nothing is skipped silently.
 */
#include "cpu.h"
#include "mem.h"

#include "json.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int verbose;

/* ---- excuses: documented 286-vs-386 differences ---- */
typedef struct Excuse {
  const char *file;    /* opcode file prefix, e.g. "0F" or "9D"; NULL = any */
  const char *reason;  /* why a 386-class CPU differs, with the SDM section */
  int (*applies)(const JVal *test, const char *file);
} Excuse;

static const Excuse *excuse_for(const JVal *t, const char *file);

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

/* Run one test; returns 1 pass, 0 fail. Fills why on failure. */
static int run_test(const JVal *t, uint32_t fmask, char *why, size_t whylen) {
  const JVal *init = json_get(t, "initial"), *fin = json_get(t, "final");
  const JVal *iregs = json_get(init, "regs"), *fregs = json_get(fin, "regs");
  const JVal *iram = json_get(init, "ram"), *fram = json_get(fin, "ram");
  if (!iregs || !fregs || !iram || !fram) {
    snprintf(why, whylen, "malformed test");
    return 0;
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
  CpuStop st = cpu_run(cpu, 200);
  int ok = 1;
  why[0] = 0;
  size_t wl = 0;
#define WHY(...) do { ok = 0; if (wl < whylen) wl += (size_t)snprintf(why + wl, whylen - wl, __VA_ARGS__); } while (0)
  if (st != CPU_STOP_HLT)
    WHY("did not reach HLT (stop %d) ", (int)st);
  for (int i = 0; i < 8; i++) {
    uint32_t want = 0;
    get_reg(fregs, iregs, reg_names[i], &want);
    if ((uint16_t)cpu->regs[i] != want)
      WHY("%s=%04x want %04x ", reg_names[i], (uint16_t)cpu->regs[i], want);
  }
  for (int s = 0; s < 4; s++) {
    uint32_t want = 0;
    get_reg(fregs, iregs, seg_names[s], &want);
    if (cpu->seg[s].sel != want)
      WHY("%s=%04x want %04x ", seg_names[s], cpu->seg[s].sel, want);
  }
  uint32_t want_ip = 0, want_fl = 0;
  get_reg(fregs, iregs, "ip", &want_ip);
  get_reg(fregs, iregs, "flags", &want_fl);
  if ((cpu->eip & 0xffff) != want_ip)
    WHY("ip=%04x want %04x ", cpu->eip & 0xffff, want_ip);
  uint32_t got_fl = cpu_get_flags(cpu) & 0xffff;
  if ((got_fl & fmask) != (want_fl & fmask))
    WHY("flags=%04x want %04x (mask %04x) ", got_fl, want_fl, fmask);
  for (size_t i = 0; i < fram->n; i++) {
    const JVal *p = &fram->items[i];
    uint32_t a = (uint32_t)p->items[0].num;
    uint8_t want = (uint8_t)p->items[1].num, got = mem_read8(mem, a);
    if (got != want)
      WHY("[%06x]=%02x want %02x ", a, got, want);
  }
  /* Clean the RAM this test touched. */
  for (size_t i = 0; i < iram->n; i++)
    mem_write8(mem, (uint32_t)iram->items[i].items[0].num, 0);
  for (size_t i = 0; i < fram->n; i++)
    mem_write8(mem, (uint32_t)fram->items[i].items[0].num, 0);
  return ok;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  int ai = 1;
  if (ai < argc && !strcmp(argv[ai], "-v")) {
    verbose = 1;
    ai++;
  }
  if (ai >= argc) {
    fprintf(stderr, "usage: singlestep [-v] DATA_DIR [FILE_PREFIX...]\n");
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
      if (run_test(t, fmask, why, sizeof why)) {
        s.passed++;
      } else if (excuse_for(t, name)) {
        s.excused++;
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
  printf("singlestep: %ld passed, %ld failed, %ld excused\n", total.passed, total.failed, total.excused);
  for (size_t i = 0; i < nfiles; i++)
    free(files[i]);
  free(files);
  free(revoked);
  json_free(meta);
  cpu_destroy(cpu);
  mem_destroy(mem);
  return total.failed ? 1 : 0;
}

/* ---- the excuses table ---- */

/* Prefix bytes at the start of the instruction include F0 (LOCK). */
static int has_lock_prefix(const JVal *t, const char *file) {
  (void)file;
  const JVal *b = json_get(t, "bytes");
  for (size_t i = 0; b && i < b->n; i++) {
    int v = (int)b->items[i].num;
    if (v == 0xf0)
      return 1;
    if (!(v == 0x26 || v == 0x2e || v == 0x36 || v == 0x3e || v == 0xf2 || v == 0xf3))
      return 0;
  }
  return 0;
}

static const Excuse excuses[] = {
    {NULL,
     "LOCK on an instruction that cannot be locked (or with a register destination) raises #UD "
     "on the 386 and later; the 286 ignores it (SDM Vol. 2A, LOCK; Vol. 3A 6.15 #UD)",
     has_lock_prefix},
};

static const Excuse *excuse_for(const JVal *t, const char *file) {
  for (size_t i = 0; i < sizeof excuses / sizeof excuses[0]; i++) {
    const Excuse *e = &excuses[i];
    if (!e->reason)
      continue;
    if (e->file && strncmp(file, e->file, strlen(e->file)))
      continue;
    if (!e->applies || e->applies(t, file))
      return e;
  }
  return NULL;
}
