/*
 * main.c — x86vm: options (src/ui/options.c) into one machine
 * configuration, the machine (src/hw/pc.c), the chosen front end
 * (src/ui/headless.c or the SDL2 window, src/ui/sdl.c), and one line at the
 * end saying why the run ended.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend.h"
#include "hostfile.h"
#include "linuxboot.h"
#include "log.h"
#include "multiboot.h"
#include "options.h"
#include "pc.h"
#include "runner.h"
#ifdef X86VM_HAVE_JIT
#include "jit.h"
static FILE *dump_file;     /* --jit-dump */
static FILE *perf_map_file; /* --jit-perf-map */
#endif
#ifdef X86VM_HAVE_VGA
#include "vga.h"
#endif
#ifdef X86VM_HAVE_DEBUG
#include "cli.h"
#include "trace.h"
#ifdef X86VM_HAVE_TUI
#include "tui.h"
#endif
#include "gdbstub.h"
#endif

#ifndef X86VM_ROM_DIR
#define X86VM_ROM_DIR "roms"
#endif

/* Exit statuses. A guest's debug-exit status (v << 1) | 1 is always odd,
 * so the emulator's own statuses are even. */
enum {
  EXIT_OK = 0,          /* halted with interrupts off, console script complete, powered off */
  EXIT_USAGE = 2,       /* bad option, file or image */
  EXIT_CRASH = 4,       /* triple fault or shutdown */
  EXIT_HOST = 6,        /* host error while running */
  EXIT_IDLE = 8,        /* halted forever (deterministic mode, nothing armed) */
  EXIT_TIMEOUT = 124,   /* --timeout reached */
  EXIT_SIGNAL = 130     /* interrupted */
};

#ifdef X86VM_HAVE_JIT
static void on_restore_flush(void *cpu) { jit_flush(cpu); }
#endif

/* Does the file carry a Multiboot header in its first 8 KiB?  (A kernel is
 * at most the RAM size; the loaders say why a file cannot be used.) */
static bool is_multiboot(const char *path, uint32_t mem_mib) {
  uint8_t buf[8192];
  char why[128];
  uint64_t size;
  FILE *f = hostfile_open(path, (uint64_t)mem_mib << 20, &size, why, sizeof why);
  if (!f)
    return false; /* the loader says why */
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  return multiboot_find_header(buf, n) >= 0;
}

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int usage_error(Options *o, SnapshotInfo *snap, const char *fmt, const char *a) {
  fprintf(stderr, "x86vm: ");
  fprintf(stderr, fmt, a);
  fputc('\n', stderr);
  snapshot_info_free(snap);
  options_free(o);
  return EXIT_USAGE;
}

int main(int argc, char **argv) {
  static Options opt;
  Options *o = &opt;
  int prc = options_parse(o, argc, argv);
  if (prc >= 0) {
    options_free(o);
    return prc;
  }
  MachineConfig cfg = o->cfg;
  bool any_image = false;
  for (int i = 0; i < PC_NDRIVES; i++)
    any_image |= cfg.images[i] != NULL;
  /* --restore: the snapshot's RAM size and drives, unless given here. */
  static SnapshotInfo snap;
  if (o->restore) {
    char serr[512];
    if (machine_snapshot_info(o->restore, &snap, serr, sizeof(serr)) < 0)
      return usage_error(o, &snap, "%s", serr);
    if (!o->mem_given)
      cfg.mem_mib = snap.mem_mib;
    if (!o->cpu_given)
      cfg.cpu_model = snap.cpu_model;
    /* A snapshot names its disks but never opens them by itself: the
     * drives it used come from the command line, or with --restore-disks
     * from the paths it recorded (machine_restore then checks that each
     * image is the one it was saved with). */
    if (snap.have_drives) {
      char need[1024] = "";
      size_t nl = 0;
      for (int i = 0; i < PC_NDRIVES; i++) {
        if (!snap.images[i] || cfg.images[i])
          continue;
        if (o->restore_disks)
          cfg.images[i] = snap.images[i];
        else if (nl < sizeof need)
          nl += (size_t)snprintf(need + nl, sizeof need - nl, " %s %s", machine_drive_flag(i), snap.images[i]);
      }
      if (nl) {
        char msg[1400];
        snprintf(msg, sizeof msg, "--restore %s: the snapshot needs its disks:%s (give them, or "
                 "--restore-disks to open the recorded paths)", o->restore, need);
        return usage_error(o, &snap, "%s", msg);
      }
      if (o->restore_disks)
        cfg.snapshot |= snap.snapshot_mode;
      any_image = true; /* also a diskless one (e.g. a --kernel boot): no default guest */
    }
  }
  if (o->engine != ENGINE_INTERP) {
#ifdef X86VM_HAVE_JIT
    if (!jit_supported())
#endif
      return usage_error(o, &snap, "--engine %s: this build has no JIT for this host (use --engine interp)",
                         o->engine == ENGINE_JIT ? "jit" : "lockstep");
  }
  if (cfg.cpu_model == CPU_MODEL_286 && o->engine != ENGINE_INTERP)
    return usage_error(o, &snap, "--engine %s: the JIT translates i686 code only (run --cpu 286 with --engine interp)",
                       o->engine == ENGINE_JIT ? "jit" : "lockstep");
  if (cfg.cpu_model == CPU_MODEL_286 && o->kernel)
    return usage_error(o, &snap, "--kernel: Linux and Multiboot kernels need a 32-bit CPU (--cpu i686)%s", "");
  char boot[4];
  memcpy(boot, o->boot, sizeof boot);
  if (!any_image && !o->kernel) {
    cfg.images[PC_FDA] = X86VM_ROM_DIR "/default-guest.img";
    if (!file_exists(cfg.images[PC_FDA]))
      return usage_error(o, &snap, "no disk image given and the default guest %s is missing (build it, or use --fda/--hda/--cdrom)",
                         cfg.images[PC_FDA]);
    if (!boot[0])
      boot[0] = 'a';
    /* The built-in guest is shared by every run without an image: it is
     * never written (its writes go to a throw-away overlay), so it takes
     * a shared lock and any number of runs can use it at once. */
    cfg.snapshot = true;
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

  /* The front end: a window when asked, or when there is a display and nobody said --headless. */
  /* Under the debugger the transcript owns stdout: no window, COM1 elsewhere unless asked;
   * the TUI keeps the terminal and the window shows the guest screen beside it. */
  int debuggers = !!o->debug_script + !!o->trace + o->debug_tui + !!o->gdb;
  const char *dbg_opt = o->debug_script ? "--debug-script" : o->trace ? "--trace" : o->debug_tui ? "--debug-tui" :
                        o->gdb ? "--gdb" : NULL;
  if (debuggers > 1)
    return usage_error(o, &snap, "%s", "--debug-script, --debug-tui, --trace and --gdb: one at a time");
#ifndef X86VM_HAVE_DEBUG
  if (dbg_opt)
    return usage_error(o, &snap, "%s: x86vm was built without the debugger (cmake -DX86VM_DEBUGGER=ON)", dbg_opt);
#endif
#ifndef X86VM_HAVE_TUI
  if (o->debug_tui)
    return usage_error(o, &snap, "%s", "--debug-tui: this build has no TUI (it needs ncurses: scripts/deps.sh)");
#endif
  bool window = (!dbg_opt || o->debug_tui) && (o->display == DISPLAY_SDL || (o->display == DISPLAY_AUTO && sdl_available()));
  /* Lockstep runs each block twice and rolls one run back: the debugger's
   * hooks would see events of the run that is undone. */
  if (dbg_opt && o->engine == ENGINE_LOCKSTEP)
    return usage_error(o, &snap, "%s: the debugger runs with --engine interp or jit, not lockstep", dbg_opt);
  if (o->trace_limit && !o->trace)
    return usage_error(o, &snap, "%s", "--trace-limit: give --trace FILE too");
  if (dbg_opt && !o->gdb && !o->serial_given) /* gdb talks on its socket: COM1 stays as it was */
    cfg.serial = "null";
  if (window && !sdl_available())
    return usage_error(o, &snap, "--display sdl: %s", "no window possible here (no SDL2 in this build, or no DISPLAY)");
  if (window && !o->serial_given)
    cfg.serial = "null"; /* the window is the console; COM1 on stdio only when asked */
#ifdef X86VM_HAVE_JIT
  /* A desktop user wants the fast engine; headless runs keep the portable
   * interpreter unless asked, so CI results do not depend on the host. */
  if (window && !dbg_opt && !o->engine_given && cfg.cpu_model != CPU_MODEL_286 && jit_supported())
    o->engine = ENGINE_JIT;
#endif

  FILE *debugcon = NULL;
  char fwhy[160];
  if (o->debugcon && strncmp(o->debugcon, "file:", 5) == 0 &&
      !(debugcon = hostfile_create(o->debugcon + 5, "w", fwhy, sizeof fwhy))) {
    char msg[600];
    snprintf(msg, sizeof msg, "--debugcon %s: %s", o->debugcon, fwhy);
    return usage_error(o, &snap, "%s", msg);
  }

  char err[512];
  Machine *m = machine_new(&cfg, err, sizeof(err));
  if (!m) {
    if (debugcon)
      fclose(debugcon);
    return usage_error(o, &snap, "%s", err);
  }
  m->dbg->e9_out = debugcon ? debugcon : o->debugcon ? stderr : NULL;
  Runner *r = runner_new(m);
  if (r)
    r->idle_slack_ns = (uint64_t)o->idle_slack_ms * 1000000u;
  int setup_status = r ? EXIT_OK : EXIT_HOST;
  if (!r)
    snprintf(err, sizeof err, "out of memory");
  for (int i = 0; r && setup_status == EXIT_OK && i < o->nscript; i++)
    if (runner_script_add(r, o->script[i].kind, o->script[i].text, err, sizeof err) < 0)
      setup_status = EXIT_USAGE;
  if (setup_status == EXIT_OK && o->kernel &&
      (is_multiboot(o->kernel, cfg.mem_mib) ? multiboot_load(m, o->kernel, o->initrd, o->append, err, sizeof(err))
                               : linux_boot_load(m, o->kernel, o->initrd, o->append, err, sizeof(err))) < 0)
    setup_status = EXIT_USAGE;
  if (setup_status == EXIT_OK && o->restore && machine_restore(m, o->restore, err, sizeof(err)) < 0)
    setup_status = EXIT_USAGE;
#ifdef X86VM_HAVE_JIT
  if (setup_status == EXIT_OK && o->engine != ENGINE_INTERP) {
    JitOptions jo = {.cache_bytes = (size_t)o->jit_cache_mib << 20, .lockstep = o->engine == ENGINE_LOCKSTEP};
    if (o->jit_dump && !(jo.dump = dump_file = hostfile_create(o->jit_dump, "w", fwhy, sizeof fwhy))) {
      snprintf(err, sizeof err, "--jit-dump %s: %s", o->jit_dump, fwhy);
      setup_status = EXIT_USAGE;
    }
    if (setup_status == EXIT_OK && o->jit_perf_map) {
      char path[64];
      snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
      if (!(jo.perf_map = perf_map_file = hostfile_create(path, "w", fwhy, sizeof fwhy))) {
        snprintf(err, sizeof err, "--jit-perf-map %s: %s", path, fwhy);
        setup_status = EXIT_USAGE;
      }
    }
    if (setup_status == EXIT_OK && !jit_attach(m->cpu, &jo, err, sizeof(err)))
      setup_status = EXIT_HOST;
    m->on_restore = on_restore_flush; /* a restore drops every translation */
    m->on_restore_opaque = m->cpu;
  }
#endif
  if (setup_status == EXIT_OK && o->monitor && runner_monitor_open(r, o->monitor, o->state_dir, err, sizeof(err)) < 0)
    setup_status = EXIT_USAGE;
#ifdef X86VM_HAVE_DEBUG
  GdbStub *gdb = NULL;
  if (setup_status == EXIT_OK && o->gdb && !(gdb = gdbstub_open(o->gdb, err, sizeof err)))
    setup_status = EXIT_USAGE;
#endif
  if (setup_status != EXIT_OK) {
    fprintf(stderr, "x86vm: %s\n", err);
#ifdef X86VM_HAVE_JIT
    if (m->cpu->jit)
      jit_detach(m->cpu);
    if (dump_file)
      fclose(dump_file);
    if (perf_map_file)
      fclose(perf_map_file);
#endif
    runner_free(r);
    machine_free(m);
    if (debugcon)
      fclose(debugcon);
    snapshot_info_free(&snap);
    options_free(o);
    return setup_status;
  }

  MachineStop why;
  int debug_status = -1;
#ifdef X86VM_HAVE_DEBUG
  if (o->debug_script) {
    DebugCliOptions dco = {.script = o->debug_script, .symbols = o->debug_symbols, .out = stdout,
                           .reverse_mib = o->reverse_mib};
    debug_status = debug_cli_run(m, &dco);
    why = MSTOP_QUIT;
  } else if (o->debug_tui) {
#ifdef X86VM_HAVE_TUI
    void *view = window ? sdl_view_open(r, o, err, sizeof err) : NULL;
    if (window && !view)
      fprintf(stderr, "x86vm: no window beside the debugger: %s\n", err);
    DbgScreen screen = {.show = sdl_view_show, .closed = sdl_view_closed, .opaque = view};
    debug_status = debug_tui_run(m, o->debug_symbols, o->reverse_mib, view ? &screen : NULL);
    sdl_view_close(view);
#endif
    why = MSTOP_QUIT;
  } else if (o->trace) {
    int rc = debug_trace_run(m, o->trace, o->trace_limit, &why);
    if (rc) {
      debug_status = rc;
      why = MSTOP_QUIT;
    } else if (why == MSTOP_QUIT) {
      debug_status = 0; /* the limit reached */
    } else if (why == MSTOP_SIGNAL) {
      r->signalled = SIGINT;
    }
  } else if (gdb) {
    bool detached = false;
    why = gdbstub_run(gdb, m, o->reverse_mib, &detached);
    gdbstub_close(gdb);
    if (detached) /* gdb let go: the machine runs on */
      why = headless_run(r, o);
  } else
#endif
    why = window ? sdl_run(r, o) : headless_run(r, o);
  fflush(stdout);
  double timeout = o->timeout;
  const char *screenshot = o->screenshot, *save = o->save;
  bool jit_stats = o->jit_stats;

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
  case MSTOP_QUIT:
    if (debug_status >= 0) {
      status = debug_status;
      if (o->debug_tui)
        snprintf(reason, sizeof(reason), "debugger %s", debug_status == 0 ? "quit" : "not run");
      else if (o->trace)
        snprintf(reason, sizeof(reason), "trace %s", debug_status == 0 ? "done" : debug_status == 2 ? "not run"
                                                                                : "write error");
      else
        snprintf(reason, sizeof(reason), "debugger script %s", debug_status == 0 ? "done" :
                 debug_status == 1 ? "done with errors" : "not run");
    } else {
      snprintf(reason, sizeof(reason), "quit from the %s", window ? "window" : o->gdb ? "gdb" : "monitor");
    }
    break;
  case MSTOP_POWER_OFF: snprintf(reason, sizeof(reason), "powered off"); break;
  case MSTOP_SIGNAL:
    status = EXIT_SIGNAL;
    snprintf(reason, sizeof(reason), "interrupted by signal %d", (int)r->signalled);
    break;
  default:
    status = EXIT_HOST;
    snprintf(reason, sizeof(reason), "host error: %s", r->error);
    break;
  }

  /* End-of-run artefacts; a failure makes it a host error. */
  if (screenshot && machine_screenshot(m, screenshot, err, sizeof(err)) < 0) {
    snprintf(reason, sizeof(reason), "host error: --screenshot %s", err);
    status = EXIT_HOST;
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
  runner_free(r);
  machine_free(m); /* restores the terminal, flushes disks */
  if (debugcon)
    fclose(debugcon);
  snapshot_info_free(&snap);
  options_free(o);
  fprintf(stderr, "x86vm: %s; %" PRIu64 " instructions; last POST code %s\n", reason, insns, postbuf);
  return status;
}
