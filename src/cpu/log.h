/*
 * log.h — diagnostics by category, off unless asked for (-v, --log LIST).
 * Errors are not diagnostics: they are always printed by whoever meets them.
 * Categories are bits of one process-wide mask set once at start-up by the
 * command line, before any machine runs.
 */
#ifndef X86VM_LOG_H
#define X86VM_LOG_H

#include <stdbool.h>

typedef enum LogCategory {
  LOG_IO = 1u << 0,     /* unclaimed I/O ports, unknown device commands */
  LOG_MSR = 1u << 1,    /* RDMSR/WRMSR of MSRs the CPU model lacks */
  LOG_UNIMPL = 1u << 2, /* instructions raised as #UD because we lack them */
  LOG_BIOS = 1u << 3,   /* the firmware's debug port (E9h) log and POST codes */
  LOG_DEV = 1u << 4,    /* device diagnostics (unknown commands, odd programming) */
  LOG_NOTE = 1u << 5,   /* notes for the user (where a pty or socket is); --quiet drops them */
  LOG_ALL = 0x3f,
  LOG_DEFAULT = LOG_UNIMPL | LOG_NOTE
} LogCategory;

extern unsigned x86_log_mask;

static inline bool log_enabled(unsigned cat) { return (x86_log_mask & cat) != 0; }
/* printf to stderr with an "x86vm: " prefix if cat is enabled. */
void x86_log(unsigned cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse "io,msr,..." (or "all", "none", "help"). The mask, or -1 with the bad name in err. */
int log_parse(const char *list, char *err, unsigned long errlen);
/* "io msr unimpl bios dev note" */
const char *log_category_names(void);

#endif
