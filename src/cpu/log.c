/*
 * log.c — category-masked diagnostics (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

unsigned x86_log_mask = LOG_DEFAULT;

static const struct {
  const char *name;
  unsigned bit;
} categories[] = {
    {"io", LOG_IO}, {"msr", LOG_MSR}, {"unimpl", LOG_UNIMPL}, {"bios", LOG_BIOS}, {"dev", LOG_DEV}, {"note", LOG_NOTE},
};

void x86_log(unsigned cat, const char *fmt, ...) {
  if (!log_enabled(cat))
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("x86vm: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

const char *log_category_names(void) { return "io msr unimpl bios dev note"; }

int log_parse(const char *list, char *err, unsigned long errlen) {
  unsigned mask = 0;
  const char *p = list;
  while (*p) {
    size_t n = strcspn(p, ",");
    bool found = false;
    if (n == 3 && strncmp(p, "all", 3) == 0) {
      mask |= LOG_ALL;
      found = true;
    } else if (n == 4 && strncmp(p, "none", 4) == 0) {
      found = true;
    }
    for (size_t i = 0; !found && i < sizeof categories / sizeof categories[0]; i++)
      if (strlen(categories[i].name) == n && strncmp(p, categories[i].name, n) == 0) {
        mask |= categories[i].bit;
        found = true;
      }
    if (!found) {
      snprintf(err, errlen, "--log %s: unknown category '%.*s' (want a list of: all none %s)", list,
               (int)n, p, log_category_names());
      return -1;
    }
    p += n;
    if (*p == ',')
      p++;
  }
  return (int)mask;
}
