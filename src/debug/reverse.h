/*
 * reverse.h — reverse execution for the debugger: a ring of in-memory
 * checkpoints of the whole machine taken every N instructions while the
 * debugger runs it, and deterministic replay from the newest checkpoint at
 * or before an instruction count to that count exactly.
 *
 * Replay gives back the state the machine had when it first passed that
 * count only if the run is deterministic: virtual time from executed
 * instructions (--deterministic) and no host input that replay cannot
 * repeat.  Under the debugger no host input reaches the guest (COM1's
 * backend is polled by the runner, which the debugger does not run), and
 * Machine.host_inputs counts any that does: history then starts again after
 * it.  Disk writes are not undone unless the drives run with --snapshot
 * (the overlay is part of each checkpoint).
 *
 * Memory: RAM and the VGA's video memory are kept as 4 KiB pages shared
 * between checkpoints (a page is stored again only when it changed since
 * the previous checkpoint), the rest of the machine as a light snapshot
 * (machine_save_light), shared page-wise the same way.  When the ring
 * needs more than its budget the oldest checkpoints go.
 */
#ifndef X86VM_DEBUG_REVERSE_H
#define X86VM_DEBUG_REVERSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "debug.h"

#define REV_DEFAULT_MIB 256
#define REV_DEFAULT_INTERVAL 1000000u /* instructions between checkpoints */

typedef struct Rev Rev;

/* Start recording the debugger's machine: a first checkpoint now, then one
 * every interval instructions (machine_run_for's checkpoint hook).  NULL
 * with a message if the machine does not run --deterministic or a single
 * checkpoint does not fit in mib MiB. */
Rev *rev_new(Debugger *d, uint32_t mib, char *err, size_t errlen);
void rev_free(Rev *r);
void rev_set_interval(Rev *r, uint64_t interval);

/* Go to instruction count icount (back or forward): the state the machine
 * had when it first reached it.  0, or -1 with a message. */
int rev_goto(Rev *r, uint64_t icount, char *err, size_t errlen);
/* The instruction count the history begins at (the oldest checkpoint);
 * false if there is none (recording stopped, or host input since). */
bool rev_history_begin(Rev *r, uint64_t *icount);
/* Back n instructions. */
int rev_step(Rev *r, uint64_t n, char *err, size_t errlen);
/* Back one instruction, over a call: if the last instruction returned
 * into this frame, back to the call that made it. */
int rev_next(Rev *r, char *err, size_t errlen);
/* Back to the CALL that entered the current function: the latest CALL
 * whose frame has not returned since (its stack pointer before the call
 * lies above every one since).  -1 with a message if it is older than the
 * history (then where it was). */
int rev_finish(Rev *r, char *err, size_t errlen);
/* Back to the most recent stop of a breakpoint or watchpoint before now
 * (replayed from the checkpoints): 1 with *res the stop as it happened,
 * 0 if none in the history (then at the oldest checkpoint), 2 if a stop
 * request (dbg_request_stop, the front end's poll hook) ended the search
 * (then at the earliest instruction searched back to, *res a
 * DBG_STOP_REQUEST), -1 on error. */
int rev_continue(Rev *r, DbgResult *res, char *err, size_t errlen);

/* `info checkpoints` */
void rev_info(Rev *r, FILE *out);
/* A fingerprint of the whole machine state: CPU and devices (the light
 * snapshot, with the arithmetic flags materialised: the lazy-flags record
 * is not state), RAM and video memory, each as an FNV-1a hash. */
void rev_state_hash(Machine *m, uint64_t *state, uint64_t *ram);
/* `info state parts`: the same, one hash per part of the light snapshot
 * (CPU, each device), RAM and video memory: which part differs. */
void rev_state_parts(Machine *m, FILE *out);

#endif
