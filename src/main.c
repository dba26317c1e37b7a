/*
 * main.c — the x86vm command line: parse options, build the PC machine,
 * run it headless, and report in one line why the run ended.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "linuxboot.h"
#include "multiboot.h"
#include "pc.h"
#ifdef X86VM_HAVE_JIT
#include "jit.h"
static FILE *dump_file; /* --jit-dump */
static FILE *perf_map_file; /* --jit-perf-map */
#endif
#ifdef X86VM_HAVE_VGA
#include "vga.h"
#endif

#ifndef X86VM_VERSION
#define X86VM_VERSION "0.0.0"
#endif
#ifndef X86VM_ROM_DIR
#define X86VM_ROM_DIR "roms"
#endif

/* Exit statuses. A guest's debug-exit status (v << 1) | 1 is always odd,
 * so the emulator's own statuses are even. */
enum {
  EXIT_OK = 0,          /* halted with interrupts off, or the console script completed */
  EXIT_USAGE = 2,       /* bad option, file or image */
  EXIT_CRASH = 4,       /* triple fault or shutdown */
  EXIT_HOST = 6,        /* host error while running */
  EXIT_IDLE = 8,        /* halted forever (deterministic mode, nothing armed) */
  EXIT_TIMEOUT = 124,   /* --timeout reached */
  EXIT_SIGNAL = 130     /* interrupted */
};

static Machine *g_machine; /* for the signal handler only */

static void on_signal(int sig) {
  if (g_machine) {
    g_machine->signalled = sig;
    cpu_request_stop(g_machine->cpu);
  }
}

/* Every 100 ms: lets the loop check the host timeout and the no-progress
 * watchdog even when the guest never leaves a CPU slice. */
static void on_alarm(int sig) {
  if (g_machine) {
    g_machine->alarm_ticks++;
    cpu_request_stop(g_machine->cpu);
  }
}

#ifdef X86VM_HAVE_JIT
static void on_monitor_restore(void *cpu) { jit_flush(cpu); }
#endif

static void usage(FILE *f) {
  fprintf(f,
    "Usage: x86vm [options]\n"
    "A full-system x86 PC emulator (i686, PIC/PIT/RTC/8042/16550/VGA/IDE/floppy).\n"
    "With no disk image it boots the built-in default guest from a floppy.\n"
    "\n"
    "Machine:\n"
    "  --cpu MODEL           i686 (default) or 286: an 80286 (16-bit instruction set, the 286's\n"
    "                        real-mode behaviour; interpreter only; needs a 286 BIOS: ours is 386+)\n"
    "  --headless            no window; COM1 on stdio (the only mode so far)\n"
    "  --engine ENGINE       interp (default), jit (x86-64 hosts), or lockstep (run every\n"
    "                        block with both and stop at the first difference)\n"
    "  --jit-cache MIB       bound of the JIT's translation cache (default 64)\n"
    "  --jit-stats           print translation-cache statistics at exit\n"
    "  --jit-dump FILE       write every translation (guest and host code) to FILE\n"
    "  --jit-perf-map        write /tmp/perf-PID.map so that perf(1) names translated code\n"
    "                        by guest address (x86vm:CSBASE+EIP)\n"
    "  --mem MIB             RAM size in MiB (default 128, 1..3584)\n"
    "  --bios FILE           BIOS ROM, any size up to 256 KiB (default: our BIOS)\n"
    "  --vga-bios FILE       video BIOS option ROM (e.g. SeaBIOS's vgabios-isavga.bin): at C0000h\n"
    "                        for our BIOS, and as fw_cfg file vgaroms/NAME for SeaBIOS\n"
    "  --fda FILE, --fdb FILE    floppy images (1.44 MB etc.)\n"
    "  --hda FILE, --hdb FILE    hard disk images (raw)\n"
    "  --cdrom FILE          ISO image on the secondary IDE master\n"
    "  --boot a|c|d          first boot device (floppy, hard disk, CD); or an order like cad\n"
    "  --snapshot            disk writes go to a throw-away overlay; images untouched\n"
    "  --kernel FILE, --initrd FILE, --append CMDLINE\n"
    "                        boot a kernel directly (the BIOS does not run): a Linux bzImage\n"
    "                        (32-bit boot protocol) or a Multiboot kernel (ELF, or a.out\n"
    "                        kludge); the initrd becomes Multiboot module 0\n"
    "\n"
    "Console and time:\n"
    "  --serial BACKEND      COM1: stdio (default), file:PATH, pty, tcp:PORT (127.0.0.1), null\n"
    "  --deterministic       virtual time from executed instructions only: identical runs\n"
    "                        give identical output (RTC starts at 2024-01-01 00:00:00 UTC)\n"
    "  --ns-per-insn N       virtual nanoseconds per instruction (default 4 deterministic;\n"
    "                        otherwise measured from the engine's speed)\n"
    "  --timeout SECONDS     stop after SECONDS (virtual seconds with --deterministic)\n"
    "  --expect STRING       wait until COM1 prints STRING; if it is the last step, stop (exit 0)\n"
    "  --send STRING         then type STRING on COM1 (escapes: \\n \\r \\t \\e \\\\ \\xHH)\n"
    "                        --expect/--send may repeat and run in command-line order\n"
    "  --screenshot FILE     at exit save the screen: PNG, or a text dump if FILE ends in .txt\n"
    "  --save FILE           at exit save the whole machine state to FILE\n"
    "  --restore FILE        start from a state saved with --save; the CPU model, RAM size\n"
    "                        and disk images recorded in FILE are used unless given here\n"    "  --monitor BACKEND     a monitor on stdio, pty or tcp:PORT (127.0.0.1): help, info\n"
    "                        registers, info status, stop, cont, savevm FILE, loadvm FILE, quit\n"
    "  --help, --version\n"
    "\n"
    "Guest debug ports: E9h prints to stderr; writing v to F4h exits with status (v<<1)|1.\n"
    "\n"
    "Every run ends with one line on stderr: why it stopped, instructions, last POST code.\n"
    "Exit status: the guest's debug-exit status (odd), or\n"
    "  0 halted with interrupts off / console script complete / monitor quit\n"
    "  2 bad option or image\n"
    "  4 triple fault or shutdown   6 host error (also: the CPU made no progress for 2 s)\n"
    "  8 halted forever (deterministic)\n"
    "  124 timeout   130 interrupted\n");
}

static int bad(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "x86vm: ");
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return EXIT_USAGE;
}

/* Does the file carry a Multiboot header in its first 8 KiB? */
static bool is_multiboot(const char *path) {
  uint8_t buf[8192];
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  return multiboot_find_header(buf, n) >= 0;
}

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

enum {
  OPT_HEADLESS = 256, OPT_CPU, OPT_ENGINE, OPT_JIT_CACHE, OPT_JIT_STATS, OPT_JIT_DUMP, OPT_JIT_PERF_MAP, OPT_MEM, OPT_BIOS, OPT_FDA, OPT_FDB, OPT_HDA, OPT_HDB, OPT_CDROM,
  OPT_BOOT, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_SERIAL, OPT_SNAPSHOT, OPT_SAVE, OPT_RESTORE,
  OPT_DET, OPT_NSPI, OPT_MONITOR, OPT_VGABIOS, OPT_TIMEOUT, OPT_SCREENSHOT, OPT_EXPECT, OPT_SEND, OPT_HELP, OPT_VERSION
};

static const struct option long_opts[] = {
  {"headless", no_argument, 0, OPT_HEADLESS},
  {"cpu", required_argument, 0, OPT_CPU},
  {"engine", required_argument, 0, OPT_ENGINE},
  {"jit-cache", required_argument, 0, OPT_JIT_CACHE},
  {"jit-stats", no_argument, 0, OPT_JIT_STATS},
  {"jit-dump", required_argument, 0, OPT_JIT_DUMP},
  {"jit-perf-map", no_argument, 0, OPT_JIT_PERF_MAP},
  {"mem", required_argument, 0, OPT_MEM},
  {"bios", required_argument, 0, OPT_BIOS},
  {"vga-bios", required_argument, 0, OPT_VGABIOS},
  {"fda", required_argument, 0, OPT_FDA},
  {"fdb", required_argument, 0, OPT_FDB},
  {"hda", required_argument, 0, OPT_HDA},
  {"hdb", required_argument, 0, OPT_HDB},
  {"cdrom", required_argument, 0, OPT_CDROM},
  {"boot", required_argument, 0, OPT_BOOT},
  {"kernel", required_argument, 0, OPT_KERNEL},
  {"initrd", required_argument, 0, OPT_INITRD},
  {"append", required_argument, 0, OPT_APPEND},
  {"serial", required_argument, 0, OPT_SERIAL},
  {"snapshot", no_argument, 0, OPT_SNAPSHOT},
  {"save", required_argument, 0, OPT_SAVE},
  {"restore", required_argument, 0, OPT_RESTORE},
  {"deterministic", no_argument, 0, OPT_DET},
  {"monitor", required_argument, 0, OPT_MONITOR},
  {"ns-per-insn", required_argument, 0, OPT_NSPI},
  {"timeout", required_argument, 0, OPT_TIMEOUT},
  {"screenshot", required_argument, 0, OPT_SCREENSHOT},
  {"expect", required_argument, 0, OPT_EXPECT},
  {"send", required_argument, 0, OPT_SEND},
  {"help", no_argument, 0, OPT_HELP},
  {"version", no_argument, 0, OPT_VERSION},
  {0, 0, 0, 0},
};

typedef struct ScriptArg {
  bool is_send;     /* --send (else --expect) */
  const char *text; /* as given */
} ScriptArg;

int main(int argc, char **argv) {
  MachineConfig cfg = {0};
  cfg.mem_mib = 128;
  cfg.serial = "stdio";
  const char *bios = X86VM_ROM_DIR "/bios.bin";
  const char *kernel = NULL, *initrd = NULL, *append = NULL;
  const char *save = NULL, *restore = NULL, *screenshot = NULL, *monitor = NULL;
  int engine = 0; /* 0 interp, 1 jit, 2 lockstep */
  unsigned jit_cache_mib = 0;
  bool jit_stats = false;
  const char *jit_dump = NULL;
  bool jit_perf_map = false;
  double timeout = 0;
  static ScriptArg script[PC_SCRIPT_MAX];
  int nscript = 0;
  char boot[4] = {0};
  char *end;
  bool mem_given = false, cpu_given = false;

  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
    switch (c) {
    case OPT_HEADLESS: break;
    case OPT_CPU: {
      int model = cpu_model_parse(optarg);
      if (model < 0)
        return bad("--cpu %s: unknown CPU model (want i686 or 286)%s", optarg, "");
      cfg.cpu_model = (CpuModel)model;
      cpu_given = true;
      break;
    }
    case OPT_ENGINE:
      if (strcmp(optarg, "interp") == 0) {
        engine = 0;
        break;
      }
      if (strcmp(optarg, "jit") == 0 || strcmp(optarg, "lockstep") == 0) {
#ifdef X86VM_HAVE_JIT
        if (jit_supported()) {
          engine = optarg[0] == 'j' ? 1 : 2;
          break;
        }
#endif
        return bad("--engine %s: this build has no JIT for this host (use --engine interp)%s", optarg, "");
      }
      return bad("--engine %s: unknown engine (want interp, jit or lockstep)%s", optarg, "");
    case OPT_JIT_CACHE: {
      errno = 0;
      unsigned long v = strtoul(optarg, &end, 10);
      if (errno || *end || end == optarg || v < 1 || v > 4096)
        return bad("--jit-cache %s: want a size in MiB from 1 to 4096%s", optarg, "");
      jit_cache_mib = (unsigned)v;
      break;
    }
    case OPT_JIT_STATS: jit_stats = true; break;
    case OPT_JIT_DUMP: jit_dump = optarg; break;
    case OPT_JIT_PERF_MAP: jit_perf_map = true; break;
    case OPT_MEM: {
      errno = 0;
      unsigned long v = strtoul(optarg, &end, 10);
      if (errno || *end || end == optarg || v < 1 || v > 3584)
        return bad("--mem %s: want a size in MiB from 1 to 3584%s", optarg, "");
      cfg.mem_mib = (uint32_t)v;
      mem_given = true;
      break;
    }
    case OPT_BIOS: bios = optarg; break;
    case OPT_VGABIOS: cfg.vga_bios_path = optarg; break;
    case OPT_FDA: cfg.images[PC_FDA] = optarg; break;
    case OPT_FDB: cfg.images[PC_FDB] = optarg; break;
    case OPT_HDA: cfg.images[PC_HDA] = optarg; break;
    case OPT_HDB: cfg.images[PC_HDB] = optarg; break;
    case OPT_CDROM: cfg.images[PC_CDROM] = optarg; break;
    case OPT_BOOT: {
      size_t n = strlen(optarg);
      if (n < 1 || n > 3 || strspn(optarg, "acd") != n)
        return bad("--boot %s: want a, c or d (or an order such as cad)%s", optarg, "");
      memcpy(boot, optarg, n);
      break;
    }
    case OPT_KERNEL: kernel = optarg; break;
    case OPT_INITRD: initrd = optarg; break;
    case OPT_APPEND: append = optarg; break;
    case OPT_SERIAL: cfg.serial = optarg; break;
    case OPT_SNAPSHOT: cfg.snapshot = true; break;
    case OPT_SAVE: save = optarg; break;
    case OPT_RESTORE: restore = optarg; break;
    case OPT_DET: cfg.deterministic = true; break;
    case OPT_MONITOR: monitor = optarg; break;
    case OPT_NSPI: {
      errno = 0;
      unsigned long v = strtoul(optarg, &end, 10);
      if (errno || *end || end == optarg || v < 1 || v > 1000000)
        return bad("--ns-per-insn %s: want an integer from 1 to 1000000%s", optarg, "");
      cfg.ns_per_insn = v;
      break;
    }
    case OPT_TIMEOUT:
      errno = 0;
      timeout = strtod(optarg, &end);
      if (errno || *end || end == optarg || !(timeout > 0) || timeout > 1e7)
        return bad("--timeout %s: want a positive number of seconds%s", optarg, "");
      break;
    case OPT_SCREENSHOT: screenshot = optarg; break;
    case OPT_EXPECT:
    case OPT_SEND:
      if (nscript >= PC_SCRIPT_MAX)
        return bad("too many --expect/--send steps (at most %s)%s", "64", "");
      script[nscript].is_send = c == OPT_SEND;
      script[nscript++].text = optarg;
      break;
    case OPT_HELP: usage(stdout); return 0;
    case OPT_VERSION: printf("x86vm %s\n", X86VM_VERSION); return 0;
    case ':': return bad("option %s needs an argument%s", argv[optind - 1], "");
    default:
      return bad("unknown option '%s' (see --help)%s", optind > 0 ? argv[optind - 1] : "?", "");
    }
  }
  if (optind < argc)
    return bad("unexpected argument '%s' (see --help)%s", argv[optind], "");
  if ((initrd || append) && !kernel)
    return bad("--initrd/--append need --kernel%s%s", "", "");
  if (kernel && restore)
    return bad("--kernel and --restore cannot be combined%s%s", "", "");
  if (monitor && strcmp(monitor, "stdio") == 0 && strcmp(cfg.serial, "stdio") == 0)
    return bad("--monitor stdio: COM1 is on stdio too (give --serial null, file:PATH, pty or tcp:PORT)%s%s",
               "", "");

  bool any_image = false;
  for (int i = 0; i < PC_NDRIVES; i++)
    any_image |= cfg.images[i] != NULL;
  /* --restore: the snapshot's RAM size and drives, unless given here. */
  static SnapshotInfo snap;
  if (restore) {
    char serr[512];
    if (machine_snapshot_info(restore, &snap, serr, sizeof(serr)) < 0) {
      fprintf(stderr, "x86vm: %s\n", serr);
      return EXIT_USAGE;
    }
    if (!mem_given)
      cfg.mem_mib = snap.mem_mib;
    if (!cpu_given)
      cfg.cpu_model = snap.cpu_model;
    if (!any_image && snap.have_drives) {
      for (int i = 0; i < PC_NDRIVES; i++) {
        cfg.images[i] = snap.images[i];
        any_image |= cfg.images[i] != NULL;
      }
      cfg.snapshot |= snap.snapshot_mode;
      if (!any_image)
        any_image = true; /* a diskless machine (e.g. a --kernel boot): no default guest */
    }
  }
  if (cfg.cpu_model == CPU_MODEL_286 && engine)
    return bad("--engine %s: the JIT translates i686 code only (run --cpu 286 with --engine interp)%s",
               engine == 1 ? "jit" : "lockstep", "");
  if (cfg.cpu_model == CPU_MODEL_286 && kernel)
    return bad("--kernel: Linux and Multiboot kernels need a 32-bit CPU (--cpu i686)%s%s", "", "");
  if (!any_image && !kernel) {
    cfg.images[PC_FDA] = X86VM_ROM_DIR "/default-guest.img";
    if (!file_exists(cfg.images[PC_FDA]))
      return bad("no disk image given and the default guest %s is missing (build it, or use --fda/--hda/--cdrom)%s",
                 cfg.images[PC_FDA], "");
    if (!boot[0])
      boot[0] = 'a';
  }
  if (!boot[0]) {
    /* Default: the first device present, in QEMU's order c, a, d. */
    boot[0] = cfg.images[PC_HDA] ? 'c' : (cfg.images[PC_FDA] ? 'a' : (cfg.images[PC_CDROM] ? 'd' : 'c'));
  }
  /* Complete the order with the remaining devices. */
  for (const char *p = "cad"; *p && strlen(boot) < 3; p++)
    if (!strchr(boot, *p))
      boot[strlen(boot)] = *p;
  cfg.boot = boot;
  cfg.bios_path = bios;

  char err[512];
  Machine *m = machine_new(&cfg, err, sizeof(err));
  if (!m) {
    fprintf(stderr, "x86vm: %s\n", err);
    return EXIT_USAGE;
  }
  for (int i = 0; i < nscript; i++)
    if (machine_script_add(m, script[i].is_send, script[i].text) < 0) {
      fprintf(stderr, "x86vm: out of memory\n");
      machine_free(m);
      return EXIT_HOST;
    }
  if (kernel && (is_multiboot(kernel) ? multiboot_load(m, kernel, initrd, append, err, sizeof(err))
                                      : linux_boot_load(m, kernel, initrd, append, err, sizeof(err))) < 0) {
    fprintf(stderr, "x86vm: %s\n", err);
    machine_free(m);
    return EXIT_USAGE;
  }
  if (restore && machine_restore(m, restore, err, sizeof(err)) < 0) {
    fprintf(stderr, "x86vm: %s\n", err);
    machine_free(m);
    return EXIT_USAGE;
  }

#ifdef X86VM_HAVE_JIT
  if (engine) {
    JitOptions jo = {.cache_bytes = (size_t)jit_cache_mib << 20, .lockstep = engine == 2};
    if (jit_dump && !(jo.dump = dump_file = fopen(jit_dump, "w"))) {
      fprintf(stderr, "x86vm: --jit-dump %s: %s\n", jit_dump, strerror(errno));
      machine_free(m);
      return EXIT_USAGE;
    }
    if (jit_perf_map) {
      char path[64];
      snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
      if (!(jo.perf_map = perf_map_file = fopen(path, "w"))) {
        fprintf(stderr, "x86vm: --jit-perf-map %s: %s\n", path, strerror(errno));
        machine_free(m);
        return EXIT_USAGE;
      }
    }
    if (!jit_attach(m->cpu, &jo, err, sizeof(err))) {
      fprintf(stderr, "x86vm: %s\n", err);
      machine_free(m);
      return EXIT_HOST;
    }
    m->on_restore = on_monitor_restore; /* loadvm: drop every translation */
    m->on_restore_opaque = m->cpu;
  }
#endif
  if (monitor && machine_monitor_open(m, monitor, err, sizeof(err)) < 0) {
    fprintf(stderr, "x86vm: %s\n", err);
    machine_free(m);
    return EXIT_USAGE;
  }
  (void)jit_cache_mib;

  g_machine = m;
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN); /* a closed console pipe must not kill the run silently */
  struct sigaction al = {0};
  al.sa_handler = on_alarm;
  al.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &al, NULL);
  struct itimerval it = {{0, 100000}, {0, 100000}};
  setitimer(ITIMER_REAL, &it, NULL);

  MachineStop why = machine_run(m, timeout);
  g_machine = NULL;
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  fflush(stdout);

  int status = EXIT_OK;
  char reason[600];
  switch (why) {
  case MSTOP_GUEST_EXIT:
    status = m->exit_status;
    snprintf(reason, sizeof(reason), "guest exit code %d (port F4h value %#x)", m->exit_status,
             (unsigned)(m->exit_status >> 1));
    break;
  case MSTOP_HALT: snprintf(reason, sizeof(reason), "halted with interrupts off"); break;
  case MSTOP_TRIPLE: status = EXIT_CRASH; snprintf(reason, sizeof(reason), "triple fault"); break;
  case MSTOP_SHUTDOWN: status = EXIT_CRASH; snprintf(reason, sizeof(reason), "shutdown"); break;
  case MSTOP_TIMEOUT:
    status = EXIT_TIMEOUT;
    snprintf(reason, sizeof(reason), "timeout after %g %ss", timeout,
             cfg.deterministic ? "virtual " : "");
    break;
  case MSTOP_SCRIPT_DONE: snprintf(reason, sizeof(reason), "console script complete"); break;
  case MSTOP_IDLE_FOREVER:
    status = EXIT_IDLE;
    snprintf(reason, sizeof(reason), "halted with interrupts on and nothing left to wake it");
    break;
  case MSTOP_QUIT: snprintf(reason, sizeof(reason), "quit from the monitor"); break;
  case MSTOP_SIGNAL:
    status = EXIT_SIGNAL;
    snprintf(reason, sizeof(reason), "interrupted by signal %d", m->signalled);
    break;
  default:
    status = EXIT_HOST;
    snprintf(reason, sizeof(reason), "host error: %s", m->error);
    break;
  }

  /* End-of-run artefacts; a failure makes it a host error. */
  if (screenshot) {
#ifdef X86VM_HAVE_VGA
    size_t n = strlen(screenshot);
    int rc;
    if (n > 4 && strcmp(screenshot + n - 4, ".txt") == 0) {
      FILE *f = fopen(screenshot, "w");
      rc = f ? vga_text_dump(m->vga, f) : -1;
      if (f && fclose(f) != 0)
        rc = -1;
      snprintf(err, sizeof(err), "--screenshot %s: %s", screenshot,
               f ? "not a text mode (use a .png name)" : strerror(errno));
    } else {
      rc = vga_screenshot_png(m->vga, screenshot, err, sizeof(err));
    }
#else
    int rc = -1;
    snprintf(err, sizeof(err), "--screenshot: no VGA in this build");
#endif
    if (rc < 0) {
      snprintf(reason, sizeof(reason), "host error: %s", err);
      status = EXIT_HOST;
    }
  }
  if (save && machine_save(m, save, err, sizeof(err)) < 0) {
    snprintf(reason, sizeof(reason), "host error: %s", err);
    status = EXIT_HOST;
  }

  int post = machine_post_code(m);
  char postbuf[16];
  if (post >= 0)
    snprintf(postbuf, sizeof(postbuf), "0x%02x", post);
  else
    snprintf(postbuf, sizeof(postbuf), "none");
  uint64_t insns = m->cpu->icount;
#ifdef X86VM_HAVE_JIT
  if (m->cpu->jit) {
    if (jit_stats)
      jit_print_stats(m->cpu, stderr);
    if (jit_lockstep_failed(m->cpu)) {
      snprintf(reason, sizeof(reason), "lockstep: the JIT and the interpreter differ (report above)");
      status = EXIT_CRASH;
    }
    jit_detach(m->cpu);
  }
  if (dump_file)
    fclose(dump_file);
  if (perf_map_file)
    fclose(perf_map_file);
#endif
  (void)jit_stats;
  (void)jit_dump;
  (void)jit_perf_map;
  machine_free(m); /* restores the terminal, flushes disks */
  snapshot_info_free(&snap);
  fprintf(stderr, "x86vm: %s; %" PRIu64 " instructions; last POST code %s\n", reason, insns, postbuf);
  return status;
}
