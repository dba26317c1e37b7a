/*
 * options.c — the x86vm command line and machine files (see options.h).
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostfile.h"
#include "log.h"

#ifndef X86VM_VERSION
#define X86VM_VERSION "0.0.0"
#endif
#ifndef X86VM_ROM_DIR
#define X86VM_ROM_DIR "roms"
#endif

enum {
  O_HEADLESS = 1, O_DISPLAY, O_FULLSCREEN, O_SCALE, O_NO_AUDIO, O_CPU, O_ENGINE, O_JIT_CACHE,
  O_JIT_STATS, O_JIT_DUMP, O_JIT_PERF_MAP, O_MEM, O_VGAMEM, O_BIOS, O_VGABIOS, O_FDA, O_FDB, O_HDA, O_HDB,
  O_CDROM, O_BOOT, O_KERNEL, O_INITRD, O_APPEND, O_SERIAL, O_SNAPSHOT, O_FORCE_SHARE, O_SAVE, O_RESTORE,
  O_RESTORE_DISKS, O_FORCE_IDENTITY,
  O_STATE_FILE, O_STATE_DIR, O_DET, O_NSPI, O_IDLE_SLACK, O_MONITOR, O_TIMEOUT, O_SCREENSHOT, O_EXPECT, O_SEND, O_SEND_KEYS, O_WAIT, O_SCREENDUMP,
  O_DEVICE, O_MACHINE, O_DEBUGCON, O_DEBUG_SCRIPT, O_DEBUG_SYMBOLS, O_LOG, O_VERBOSE, O_QUIET, O_CONFIG, O_HELP, O_VERSION,
  O_DEBUG_TUI, O_TRACE, O_TRACE_LIMIT,
  O_GDB, O_REVERSE_MEM
};

typedef struct OptDef {
  const char *name;   /* long name, without dashes */
  int id;
  bool arg;           /* takes a value */
  bool path;          /* the value is a file name (relative to a machine file's folder) */
  bool in_config;     /* allowed in a machine file */
} OptDef;

static const OptDef opts[] = {
    {"headless", O_HEADLESS, false, false, true},
    {"display", O_DISPLAY, true, false, true},
    {"fullscreen", O_FULLSCREEN, false, false, true},
    {"scale", O_SCALE, true, false, true},
    {"no-audio", O_NO_AUDIO, false, false, true},
    {"cpu", O_CPU, true, false, true},
    {"engine", O_ENGINE, true, false, true},
    {"jit-cache", O_JIT_CACHE, true, false, true},
    {"jit-stats", O_JIT_STATS, false, false, true},
    {"jit-dump", O_JIT_DUMP, true, true, true},
    {"jit-perf-map", O_JIT_PERF_MAP, false, false, true},
    {"mem", O_MEM, true, false, true},
    {"vga-mem", O_VGAMEM, true, false, true},
    {"bios", O_BIOS, true, true, true},
    {"vga-bios", O_VGABIOS, true, true, true},
    {"fda", O_FDA, true, true, true},
    {"fdb", O_FDB, true, true, true},
    {"hda", O_HDA, true, true, true},
    {"hdb", O_HDB, true, true, true},
    {"cdrom", O_CDROM, true, true, true},
    {"boot", O_BOOT, true, false, true},
    {"kernel", O_KERNEL, true, true, true},
    {"initrd", O_INITRD, true, true, true},
    {"append", O_APPEND, true, false, true},
    {"serial", O_SERIAL, true, false, true},
    {"snapshot", O_SNAPSHOT, false, false, true},
    {"force-share", O_FORCE_SHARE, false, false, true},
    {"save", O_SAVE, true, true, true},
    {"restore", O_RESTORE, true, true, true},
    {"restore-disks", O_RESTORE_DISKS, false, false, true},
    {"force-identity", O_FORCE_IDENTITY, false, false, true},
    {"state-file", O_STATE_FILE, true, true, true},
    {"state-dir", O_STATE_DIR, true, true, true},
    {"deterministic", O_DET, false, false, true},
    {"ns-per-insn", O_NSPI, true, false, true},
    {"idle-slack", O_IDLE_SLACK, true, false, true},
    {"monitor", O_MONITOR, true, false, true},
    {"timeout", O_TIMEOUT, true, false, true},
    {"screenshot", O_SCREENSHOT, true, true, true},
    {"expect", O_EXPECT, true, false, true},
    {"send", O_SEND, true, false, true},
    {"send-keys", O_SEND_KEYS, true, false, true},
    {"wait", O_WAIT, true, false, true},
    {"screendump", O_SCREENDUMP, true, false, true},
    {"device", O_DEVICE, true, false, true},
    {"machine", O_MACHINE, true, false, true},
    {"debugcon", O_DEBUGCON, true, false, true},
    {"debug-script", O_DEBUG_SCRIPT, true, false, false},
    {"debug-symbols", O_DEBUG_SYMBOLS, true, true, true},
    {"log", O_LOG, true, false, true},
    {"verbose", O_VERBOSE, false, false, true},
    {"quiet", O_QUIET, false, false, true},
    {"config", O_CONFIG, true, true, true},
    {"help", O_HELP, false, false, false},
    {"version", O_VERSION, false, false, false},
    {"debug-tui", O_DEBUG_TUI, false, false, false},
    {"debug", O_DEBUG_TUI, false, false, false},
    {"trace", O_TRACE, true, true, false},
    {"trace-limit", O_TRACE_LIMIT, true, false, true},
    {"gdb", O_GDB, true, false, false},
    {"record-mem", O_REVERSE_MEM, true, false, true},
};

/* QEMU's spellings: single dash, sometimes another name. */
static const struct {
  const char *qemu;
  const char *ours;
} aliases[] = {
    {"m", "mem"},         {"hda", "hda"},       {"hdb", "hdb"},       {"cdrom", "cdrom"},
    {"fda", "fda"},       {"fdb", "fdb"},       {"boot", "boot"},     {"kernel", "kernel"},
    {"initrd", "initrd"}, {"append", "append"}, {"bios", "bios"},     {"serial", "serial"},
    {"snapshot", "snapshot"}, {"nographic", "headless"}, {"monitor", "monitor"},
    {"display", "display"}, {"device", "device"}, {"full-screen", "fullscreen"}, {"v", "verbose"}, {"h", "help"},
};

void options_usage(FILE *f) {
  fprintf(f,
    "Usage: x86vm [options] [IMAGE... | MACHINE.x86vm]\n"
    "A full-system x86 PC emulator (i686, PIC/PIT/RTC/8042/16550/VGA/IDE/floppy).\n"
    "An IMAGE is booted as what its content says: an ISO 9660 image is a CD, a file of a\n"
    "standard floppy size a floppy, anything else a hard disk.  With no image it boots the\n"
    "built-in default guest from a floppy (as --snapshot: never written, shared by every run).\n"
    "With a display (X11/Wayland) the machine opens in a window; --headless (or -nographic)\n"
    "runs it with COM1 on stdio.\n"
    "\n"
    "Display:\n"
    "  --headless            no window; COM1 on stdio\n"
    "  --display sdl|none    a window (SDL2), or none (as --headless)\n"
    "  --fullscreen          start full screen\n"
    "  --scale N             start with the guest screen scaled N times (default: fit)\n"
    "  --no-audio            no PC speaker sound\n"
    "\n"
    "Machine:\n"
    "  --cpu MODEL           i686 (default) or 286: an 80286 (16-bit instruction set, the 286's\n"
    "                        real-mode behaviour; interpreter only; needs a 286 BIOS: ours is 386+)\n"
    "  --engine ENGINE       interp (the default headless), jit (x86-64 hosts; the window's\n"
    "                        default there), or lockstep (run every block with both and\n"
    "                        stop at the first difference)\n"
    "  --jit-cache MIB       bound of the JIT's translation cache (default 64)\n"
    "  --jit-stats           print translation-cache statistics at exit\n"
    "  --jit-dump FILE       write every translation (guest and host code) to FILE\n"
    "  --jit-perf-map        write /tmp/perf-PID.map so that perf(1) names translated code\n"
    "                        by guest address (x86vm:CSBASE+EIP)\n"
    "  --mem MIB             RAM size in MiB (default 128, 1..3584; -m also takes 512M, 1G)\n"
    "  --bios FILE           BIOS ROM, any size up to 256 KiB (default: our BIOS)\n"
    "  --vga-mem MIB         video memory (VBE linear framebuffer at E0000000h) in MiB\n"
    "                        (default 16, 1..256)\n"
    "  --vga-bios FILE       video BIOS option ROM (e.g. SeaBIOS's vgabios-isavga.bin): at C0000h\n"
    "                        for our BIOS, and as fw_cfg file vgaroms/NAME for SeaBIOS (--machine\n"
    "                        pc: the VGA's PCI expansion ROM; use vgabios-stdvga.bin there)\n"
    "  --machine pc|isa      isa (default): the PC/AT board, 8259 PICs only; pc: also a local APIC\n"
    "                        (FEE00000h) and an I/O APIC (FEC00000h) with an MP table, a PCI bus\n"
    "                        (i440FX, PIIX3 with bus-master IDE, the PIIX4's ACPI PM function,\n"
    "                        the VGA) and ACPI (tables, PM timer, SCI on IRQ 9, S5 power-off,\n"
    "                        reset; SeaBIOS builds its own tables there) (i686 only)\n"
    "  --device testdev      QEMU's pc-testdev (ports E0h-E8h, 2000h-2017h, IORAM at FF000000h)\n"
    "  --fda FILE, --fdb FILE    floppy images (1.44 MB etc.)\n"
    "  --hda FILE, --hdb FILE    hard disk images (raw)\n"
    "  --cdrom FILE          ISO image on the secondary IDE master\n"
    "  --boot a|c|d          first boot device (floppy, hard disk, CD); or an order like cad\n"
    "                        (-boot order=dc is accepted too)\n"
    "  --snapshot            disk writes go to a throw-away overlay (an unlinked temporary\n"
    "                        file in $TMPDIR, else /var/tmp); images untouched\n"
    "  --force-share         take no lock on the disk images (each image is locked: for\n"
    "                        writing when opened read-write, else shared for reading, so\n"
    "                        a second emulator on an image in use is refused)\n"
    "  --kernel FILE, --initrd FILE, --append CMDLINE\n"
    "                        boot a kernel directly (the BIOS does not run): a Linux bzImage\n"
    "                        (32-bit boot protocol) or a Multiboot kernel (ELF, or a.out\n"
    "                        kludge); the initrd becomes Multiboot module 0.  A kernel whose\n"
    "                        real-mode setup must run (zImage, protocol < 2.03, iPXE .lkrn)\n"
    "                        is started by our BIOS after POST instead.  A reset (the guest's\n"
    "                        reboot) boots the same kernel again\n"
    "  --config FILE         read options from a machine file: one 'name = value' per line\n"
    "                        (a file named NAME.x86vm can be given alone: x86vm NAME.x86vm)\n"
    "                        (names as here without the dashes; 'name' alone for a switch;\n"
    "                        # comments; relative file names are relative to the file)\n"
    "\n"
    "Console and time:\n"
    "  --serial BACKEND      COM1: stdio (default), file:PATH, pty, tcp:PORT (127.0.0.1),\n"
    "                        unix:PATH (a socket, mode 0600), null\n"
    "  --deterministic       virtual time from executed instructions only: identical runs\n"
    "                        give identical output (RTC starts at 2024-01-01 00:00:00 UTC)\n"
    "  --ns-per-insn N       virtual nanoseconds per instruction (default 4 deterministic;\n"
    "                        otherwise measured from the engine's speed)\n"
    "  --idle-slack MS       while the guest halts and its screen and speaker are quiet, wake\n"
    "                        the host up to MS late for its timers and run the ticks due\n"
    "                        together (default 10; 0: a wake-up per tick; input and screen\n"
    "                        changes are never delayed)\n"
    "  --timeout SECONDS     stop after SECONDS (virtual seconds with --deterministic)\n"
    "  --expect STRING       wait until COM1 prints STRING (output since the previous match\n"
    "                        counts); if it is the last step, stop (exit 0)\n"
    "  --send STRING         then type STRING on COM1 (escapes: \\n \\r \\t \\e \\\\ \\xHH)\n"
    "  --send-keys KEYS      then type KEYS on the PS/2 keyboard: characters as on a US\n"
    "                        keyboard, <name> or <ctrl-alt-delete> for keys and combinations\n"
    "                        (QEMU's sendkey names: ret, esc, f1, up, kp_enter...), << for <\n"
    "  --wait SECONDS        then let SECONDS pass (virtual seconds with --deterministic);\n"
    "  --screendump FILE     then save the screen now (PNG, or a text dump if FILE ends in .txt)\n"
    "                        a script whose last step is not a send ends the run\n"
    "                        --expect/--send/--send-keys/--wait may repeat and run in order\n"
    "  --screenshot FILE     at exit save the screen: PNG, or a text dump if FILE ends in .txt\n"
    "  --save FILE           at exit save the whole machine state to FILE\n"
    "  --restore FILE        start from a state saved with --save; the CPU model and RAM size\n"
    "                        recorded in FILE are used unless given here.  The disks are\n"
    "                        those given here (--fda/--hda/--cdrom... in the drives the\n"
    "                        snapshot used); each must be the image the snapshot was saved\n"
    "                        with (same size and first and last MiB), or it is refused\n"
    "  --restore-disks       with --restore: open the image paths recorded in FILE for the\n"
    "                        drives not given here\n"
    "  --force-identity      restore (--restore, loadvm, Ctrl+Alt+L) even over disk images\n"
    "                        that differ from those the snapshot was saved with\n"
    "  --state-file FILE     where the window's save/load-state keys keep the state\n"
    "                        (default: IMAGE.x86state next to the first image)\n"
    "  --monitor BACKEND     a monitor: help, info registers, info status, stop, cont,\n"
    "                        system_reset, sendkey KEYS, change DRIVE FILE, eject DRIVE,\n"
    "                        screendump [-f] FILE, savevm [-f] FILE, loadvm FILE, quit.  BACKEND:\n"
    "                        stdio; pty; unix:PATH (a socket only you can open, mode 0600);\n"
    "                        tcp:PORT,token=FILE (127.0.0.1; a client's first line must be\n"
    "                        FILE's contents; FILE mode 600); tcp:PORT,insecure (any local\n"
    "                        user may connect).  Plain tcp:PORT is refused\n"
    "  --state-dir DIR       a monitor not on stdio reads and writes files only beneath DIR\n"
    "                        (default: the current directory): relative names, no '..', no\n"
    "                        symbolic links; savevm/screendump replace only their own kind\n"
    "                        of file unless given -f\n"
    "  --debugcon stderr|file:PATH   where the guest's port E9h output goes (default: nowhere)\n"
    "\n"
#ifdef X86VM_NO_DEBUGGER
    "Debugger (docs/DEBUGGER.md; this x86vm was built without it: these options are refused):\n"
#else
    "Debugger (docs/DEBUGGER.md):\n"
#endif
    "  --debug-script FILE   run the machine under the debugger, reading gdb-like commands from\n"
    "                        FILE (- for stdin): b ADDR, b *LINEAR, bp PHYS, bio PORT, bint VEC,\n"
    "                        bmode, watch|rwatch|awatch ADDR LEN (writes, reads, both),\n"
    "                        delete N, info breakpoints|registers|segments|\n"
    "                        cr|gdt|idt|pic|pit|debugger, x/Nxb ADDR, step [N], next, finish,\n"
    "                        continue, until ADDR, disas [ADDR] [N], explain, page ADDR, jit, help,\n"
    "                        quit; the transcript goes to stdout and COM1 to null unless --serial\n"
    "                        says; engine interp or jit (not lockstep)\n"
    "  --debug-symbols FILE  an ELF file whose symbols name addresses in the disassembly\n"
    "  --debug, --debug-tui  the debugger full-screen (ncurses): registers, disassembly with\n"
    "                        breakpoints, memory, explanations, and a command line taking the\n"
    "                        same commands; F7/s step, F8/n next, F5/c continue, F9 breakpoint\n"
    "                        at the cursor, Tab next pane, Ctrl+C stops a continue, q quits;\n"
    "                        with a display the window shows the guest screen beside it (keys\n"
    "                        typed there reach the guest while it runs; closing it ends the run)\n"
    "  --trace FILE          run instruction by instruction, writing one line per instruction\n"
    "                        to FILE (- for stdout): count, CS:EIP, bytes, disassembly, the\n"
    "                        registers, flags and memory it changed (interpreter speed, about\n"
    "                        0.7 M instructions/s; the same under every engine)\n"
    "  --trace-limit N       stop the trace after N instructions (default: until the machine stops)\n"
    "  --gdb BACKEND         wait for gdb (target remote) before the first instruction: unix:PATH\n"
    "                        (a socket only you can open, mode 0600) or tcp:PORT,insecure\n"
    "                        (127.0.0.1; any local user may connect and read and write guest\n"
    "                        memory).  Plain tcp:PORT is refused.  Engine interp or jit.\n"
    "                        With --record-mem gdb's reverse-stepi and reverse-continue work\n"
    "  --record-mem MIB      memory for the debugger's checkpoints (default 256, 0: off); given,\n"
    "                        it implies --deterministic.  With --deterministic the debugger can go\n"
    "                        back: reverse-step [N] (rs), reverse-next (rn), reverse-continue (rc),\n"
    "                        reverse-finish (rfinish),\n"
    "                        goto ICOUNT, info checkpoints, set checkpoint-interval N\n"
    "\n"
    "Diagnostics:\n"
    "  --log LIST            diagnostics to show: all, none, or a list of io msr unimpl bios\n"
    "                        dev note (default: unimpl,note); -v / --verbose: all\n"
    "  --quiet               no diagnostics or notes (errors and the final line stay)\n"
    "  --help, --version\n"
    "\n"
    "Window keys (Ctrl+Alt held): G release the mouse, F fullscreen, I integer/smooth scaling,\n"
    "  P pause, R reset, Q power off, S save state, L load state (--state-file), N screenshot\n"
    "  PNG, D Ctrl+Alt+Del to the guest, E eject the floppy, M the monitor console (change,\n"
    "  eject, sendkey... typed in the window), H this help on screen.  A click in the window\n"
    "  grabs the mouse; an image file dropped on the window is inserted as CD or floppy.\n"
    "\n"
    "Guest debug ports: E9h (see --debugcon); writing v to F4h exits with status (v<<1)|1.\n"
    "\n"
    "Every run ends with one line on stderr: why it stopped, instructions, last POST code.\n"
    "Exit status: the guest's debug-exit status (odd), or\n"
    "  0 halted with interrupts off / console script complete / monitor quit / powered off\n"
    "  2 bad option or image\n"
    "  4 triple fault or shutdown   6 host error (also: the CPU made no progress for 2 s\n"
    "    while not halted)\n"
    "  8 halted forever (deterministic)\n"
    "  124 timeout   130 interrupted\n");
}

static int bad(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("x86vm: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}

static const char *own(Options *o, char *s) {
  if (!s)
    return NULL;
  if (o->nowned >= OPTIONS_OWNED_MAX) {
    free(s);
    return NULL;
  }
  o->owned[o->nowned++] = s;
  return s;
}

void options_free(Options *o) {
  for (int i = 0; i < o->nowned; i++)
    free(o->owned[i]);
  o->nowned = 0;
}

static const OptDef *find_opt(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    if (strlen(opts[i].name) == n && strncmp(opts[i].name, name, n) == 0)
      return &opts[i];
  return NULL;
}

static bool parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi || s[0] == '-')
    return false;
  *out = v;
  return true;
}

/* -m 512, 512M, 1G (QEMU); --mem MIB. */
static bool parse_mem(const char *s, bool qemu, unsigned long *mib) {
  char buf[32];
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof buf)
    return false;
  memcpy(buf, s, n + 1);
  unsigned long mul = 1;
  if (qemu && (buf[n - 1] == 'M' || buf[n - 1] == 'm')) {
    buf[--n] = 0;
  } else if (qemu && (buf[n - 1] == 'G' || buf[n - 1] == 'g')) {
    buf[--n] = 0;
    mul = 1024;
  }
  unsigned long v;
  if (!parse_ulong(buf, 1, 3584, &v) || v * mul > 3584)
    return false;
  *mib = v * mul;
  return true;
}

static int read_config(Options *o, const char *path);

static int add_image(Options *o, const char *path) {
  char err[512];
  size_t len = strlen(path);
  if (len > 6 && strcmp(path + len - 6, ".x86vm") == 0)
    return read_config(o, path); /* a machine file started by its name */
  int kind = machine_classify_image(path, err, sizeof err);
  if (kind < 0)
    return bad("%s", err);
  int slot = kind;
  if (kind == PC_HDA && o->cfg.images[PC_HDA])
    slot = PC_HDB;
  if (kind == PC_FDA && o->cfg.images[PC_FDA])
    slot = PC_FDB;
  if (o->cfg.images[slot])
    return bad("%s: no free drive for another %s image", path,
               kind == PC_CDROM ? "CD" : kind == PC_FDA ? "floppy" : "hard disk");
  o->cfg.images[slot] = path;
  if (!o->boot[0])
    o->boot[0] = kind == PC_CDROM ? 'd' : kind == PC_FDA ? 'a' : 'c';
  return -1;
}

/* Apply one option. spelled: how the user wrote it (for messages). -1: go on. */
static int apply(Options *o, const OptDef *d, const char *spelled, const char *v, bool qemu) {
  unsigned long u;
  switch (d->id) {
  case O_HEADLESS: o->display = DISPLAY_NONE; break;
  case O_DISPLAY:
    if (strcmp(v, "sdl") == 0 || strncmp(v, "sdl,", 4) == 0 || strcmp(v, "gtk") == 0)
      o->display = DISPLAY_SDL;
    else if (strcmp(v, "none") == 0)
      o->display = DISPLAY_NONE;
    else
      return bad("%s %s: unknown display (want sdl or none)", spelled, v);
    break;
  case O_FULLSCREEN: o->fullscreen = true; break;
  case O_SCALE:
    if (!parse_ulong(v, 1, 8, &u))
      return bad("%s %s: want a scale from 1 to 8", spelled, v);
    o->scale = (unsigned)u;
    break;
  case O_NO_AUDIO: o->no_audio = true; break;
  case O_CPU: {
    int model = cpu_model_parse(v);
    if (model < 0)
      return bad("%s %s: unknown CPU model (want i686 or 286)", spelled, v);
    o->cfg.cpu_model = (CpuModel)model;
    o->cpu_given = true;
    break;
  }
  case O_ENGINE:
    o->engine_given = true;
    if (strcmp(v, "interp") == 0)
      o->engine = ENGINE_INTERP;
    else if (strcmp(v, "jit") == 0)
      o->engine = ENGINE_JIT;
    else if (strcmp(v, "lockstep") == 0)
      o->engine = ENGINE_LOCKSTEP;
    else
      return bad("%s %s: unknown engine (want interp, jit or lockstep)", spelled, v);
    break;
  case O_JIT_CACHE:
    if (!parse_ulong(v, 1, 4096, &u))
      return bad("%s %s: want a size in MiB from 1 to 4096", spelled, v);
    o->jit_cache_mib = (unsigned)u;
    break;
  case O_JIT_STATS: o->jit_stats = true; break;
  case O_JIT_DUMP: o->jit_dump = v; break;
  case O_DEBUG_SCRIPT: o->debug_script = v; break;
  case O_GDB: o->gdb = v; break;
  case O_DEBUG_SYMBOLS: o->debug_symbols = v; break;
  case O_JIT_PERF_MAP: o->jit_perf_map = true; break;
  case O_MEM:
    if (!parse_mem(v, qemu, &u))
      return bad("%s %s: want a size in MiB from 1 to 3584", spelled, v);
    o->cfg.mem_mib = (uint32_t)u;
    o->mem_given = true;
    break;
  case O_VGAMEM:
    if (!parse_ulong(v, 1, 256, &u))
      return bad("%s %s: want a size in MiB from 1 to 256", spelled, v);
    o->cfg.vga_mem_mib = (uint32_t)u;
    break;
  case O_BIOS: o->cfg.bios_path = v; break;
  case O_VGABIOS: o->cfg.vga_bios_path = v; break;
  case O_FDA: o->cfg.images[PC_FDA] = v; break;
  case O_FDB: o->cfg.images[PC_FDB] = v; break;
  case O_HDA: o->cfg.images[PC_HDA] = v; break;
  case O_HDB: o->cfg.images[PC_HDB] = v; break;
  case O_CDROM: o->cfg.images[PC_CDROM] = v; break;
  case O_BOOT: {
    const char *b = v;
    if (strncmp(b, "order=", 6) == 0)
      b += 6;
    else if (strncmp(b, "once=", 5) == 0)
      b += 5;
    size_t n = strlen(b);
    if (n < 1 || n > 3 || strspn(b, "acd") != n)
      return bad("%s %s: want a, c or d (or an order such as cad)", spelled, v);
    memset(o->boot, 0, sizeof o->boot);
    memcpy(o->boot, b, n);
    break;
  }
  case O_KERNEL: o->kernel = v; break;
  case O_INITRD: o->initrd = v; break;
  case O_APPEND: o->append = v; break;
  case O_SERIAL:
    o->cfg.serial = strcmp(v, "mon:stdio") == 0 ? "stdio" : v;
    o->serial_given = true;
    break;
  case O_SNAPSHOT: o->cfg.snapshot = true; break;
  case O_FORCE_SHARE: o->cfg.force_share = true; break;
  case O_SAVE: o->save = v; break;
  case O_RESTORE: o->restore = v; break;
  case O_RESTORE_DISKS: o->restore_disks = true; break;
  case O_FORCE_IDENTITY: o->cfg.force_identity = true; break;
  case O_STATE_FILE: o->state_file = v; break;
  case O_STATE_DIR: o->state_dir = v; break;
  case O_DET: o->cfg.deterministic = true; break;
  case O_IDLE_SLACK:
    if (!parse_ulong(v, 0, 100, &u))
      return bad("%s %s: want milliseconds from 0 to 100", spelled, v);
    o->idle_slack_ms = (unsigned)u;
    break;
  case O_NSPI:
    if (!parse_ulong(v, 1, 1000000, &u))
      return bad("%s %s: want an integer from 1 to 1000000", spelled, v);
    o->cfg.ns_per_insn = u;
    break;
  case O_MONITOR: o->monitor = v; break;
  case O_TIMEOUT: {
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (errno || *end || end == v || !(t > 0) || t > 1e7)
      return bad("%s %s: want a positive number of seconds", spelled, v);
    o->timeout = t;
    break;
  }
  case O_SCREENSHOT: o->screenshot = v; break;
  case O_EXPECT:
  case O_SEND:
  case O_SEND_KEYS:
  case O_WAIT:
  case O_SCREENDUMP:
    if (o->nscript >= RUNNER_SCRIPT_MAX)
      return bad("too many --expect/--send/--send-keys/--wait/--screendump steps (at most %d)", RUNNER_SCRIPT_MAX);
    o->script[o->nscript].kind = d->id == O_EXPECT ? SCRIPT_EXPECT
                                 : d->id == O_SEND ? SCRIPT_SEND
                                 : d->id == O_WAIT ? SCRIPT_WAIT
                                 : d->id == O_SCREENDUMP ? SCRIPT_SCREENDUMP
                                                   : SCRIPT_SEND_KEYS;
    o->script[o->nscript++].text = v;
    break;
  case O_MACHINE:
    if (strcmp(v, "pc") != 0 && strcmp(v, "isa") != 0)
      return bad("%s %s: unknown machine (want pc or isa)", spelled, v);
    o->cfg.apic = strcmp(v, "pc") == 0;
    break;
  case O_DEVICE:
    if (strcmp(v, "testdev") != 0 && strcmp(v, "pc-testdev") != 0)
      return bad("%s %s: unknown device (known: testdev)", spelled, v);
    o->cfg.testdev = true;
    break;
  case O_DEBUGCON:
    if (strcmp(v, "stderr") != 0 && strcmp(v, "none") != 0 && (strncmp(v, "file:", 5) != 0 || !v[5]))
      return bad("%s %s: want stderr, file:PATH or none", spelled, v);
    o->debugcon = strcmp(v, "none") == 0 ? NULL : v;
    break;
  case O_LOG: {
    char err[256];
    int mask = log_parse(v, err, sizeof err);
    if (mask < 0)
      return bad("%s", err);
    x86_log_mask = (unsigned)mask | (o->quiet ? 0 : LOG_NOTE);
    break;
  }
  case O_VERBOSE: x86_log_mask = LOG_ALL; break;
  case O_QUIET:
    o->quiet = true;
    x86_log_mask = 0;
    break;
  case O_CONFIG: return read_config(o, v);
  case O_HELP: options_usage(stdout); return 0;
  case O_VERSION: printf("x86vm %s\n", X86VM_VERSION); return 0;
  case O_DEBUG_TUI: o->debug_tui = true; break;
  case O_REVERSE_MEM:
    if (!parse_ulong(v, 0, 65536, &u))
      return bad("%s %s: want a size in MiB from 0 (off) to 65536", spelled, v);
    o->reverse_mib = (uint32_t)u;
    if (u)
      o->cfg.deterministic = true; /* replay is exact only then */
    break;
  case O_TRACE: o->trace = v; break;
  case O_TRACE_LIMIT: {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || end == v || v[0] == '-' || n == 0)
      return bad("%s %s: want a number of instructions (1 or more)", spelled, v);
    o->trace_limit = n;
    break;
  }
  }
  return -1;
}

/* A machine file: "name = value" or "name" per line, # comments. */
static int read_config(Options *o, const char *path) {
  if (o->config_depth >= 4)
    return bad("--config %s: machine files nest too deep (at most 4)", path);
  char why[160];
  uint64_t size;
  FILE *f = hostfile_open(path, 65536, &size, why, sizeof why);
  if (!f)
    return bad("--config %s: %s (a machine file is a text file of at most 64 KiB)", path, why);
  /* The folder, for relative file names. */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[1] = 0;
  else
    dir[0] = 0;
  char line[4096];
  int lineno = 0, rc = -1;
  o->config_depth++;
  while (rc < 0 && fgets(line, sizeof line, f)) {
    lineno++;
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n') {
      rc = bad("%s:%d: line too long", path, lineno);
      break;
    }
    char *s = line;
    while (isspace((unsigned char)*s))
      s++;
    if (!*s || *s == '#')
      continue;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
      *--e = 0;
    char *eq = strchr(s, '=');
    char *name = s, *val = NULL;
    if (eq) {
      val = eq + 1;
      char *ne = eq;
      while (ne > name && isspace((unsigned char)ne[-1]))
        ne--;
      *ne = 0;
      while (isspace((unsigned char)*val))
        val++;
      size_t vl = strlen(val);
      if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
        val[vl - 1] = 0;
        val++;
      }
    }
    const OptDef *d = find_opt(name, strlen(name));
    if (!d || !d->in_config) {
      rc = bad("%s:%d: unknown option '%s'", path, lineno, name);
      break;
    }
    if (d->arg && !val) {
      rc = bad("%s:%d: '%s' needs a value (%s = VALUE)", path, lineno, name, name);
      break;
    }
    if (!d->arg && val && strcmp(val, "true") != 0 && strcmp(val, "yes") != 0 && strcmp(val, "1") != 0) {
      if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 || strcmp(val, "0") == 0)
        continue;
      rc = bad("%s:%d: '%s' is a switch (write '%s' or '%s = yes')", path, lineno, name, name, name);
      break;
    }
    const char *v = NULL;
    if (val) {
      char *copy;
      if (d->path && val[0] != '/' && dir[0]) {
        size_t len = strlen(dir) + strlen(val) + 1;
        copy = malloc(len);
        if (copy)
          snprintf(copy, len, "%s%s", dir, val);
      } else {
        copy = strdup(val);
      }
      v = own(o, copy);
      if (!v) {
        rc = bad("%s:%d: out of memory", path, lineno);
        break;
      }
    }
    char spelled[300];
    snprintf(spelled, sizeof spelled, "%.200s:%d: %.60s", path, lineno, name);
    rc = apply(o, d, spelled, v, false);
  }
  o->config_depth--;
  fclose(f);
  return rc;
}

int options_parse(Options *o, int argc, char **argv) {
  memset(o, 0, sizeof *o);
  o->cfg.mem_mib = 128;
  o->cfg.serial = "stdio";
  o->reverse_mib = 256;
  o->idle_slack_ms = 10;
  o->cfg.bios_path = X86VM_ROM_DIR "/bios.bin";
  x86_log_mask = LOG_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == 0) {
      int rc = add_image(o, a);
      if (rc >= 0)
        return rc;
      continue;
    }
    const OptDef *d = NULL;
    const char *val = NULL;
    bool qemu = false;
    if (a[1] == '-') {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      d = find_opt(name, eq ? (size_t)(eq - name) : strlen(name));
      if (eq)
        val = eq + 1;
      if (!d)
        return bad("unknown option '%s' (see --help)", a);
      if (!d->arg && val)
        return bad("option '%.*s' takes no value", (int)(eq - a), a);
    } else {
      for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strcmp(a + 1, aliases[k].qemu) == 0)
          d = find_opt(aliases[k].ours, strlen(aliases[k].ours));
      if (!d)
        return bad("unknown option '%s' (see --help; long options take two dashes)", a);
      qemu = true;
    }
    if (d->arg && !val) {
      if (i + 1 >= argc)
        return bad("option '%s' needs an argument", a);
      val = argv[++i];
    }
    char spelled[256];
    snprintf(spelled, sizeof spelled, "%.*s", (int)(strchr(a, '=') ? strchr(a, '=') - a : (long)strlen(a)), a);
    int rc = apply(o, d, spelled, val, qemu);
    if (rc >= 0)
      return rc;
  }
  if ((o->initrd || o->append) && !o->kernel)
    return bad("--initrd/--append need --kernel");
  if (o->kernel && o->restore)
    return bad("--kernel and --restore cannot be combined");
  if (o->restore_disks && !o->restore)
    return bad("--restore-disks needs --restore");
  if (o->monitor && strcmp(o->monitor, "stdio") == 0 && strcmp(o->cfg.serial, "stdio") == 0 &&
      o->display != DISPLAY_SDL)
    return bad("--monitor stdio: COM1 is on stdio too (give --serial null, file:PATH, pty or tcp:PORT)");
  return -1;
}
