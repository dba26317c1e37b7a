/*
 * pc.h — the PC machine: memory map, CPU, chipset devices on the I/O bus,
 * CMOS set-up, the run loop on the virtual clock, machine snapshots.
 *
 * Memory map: RAM from 0 (--mem MiB), the BIOS ROM at the top of 4 GiB and
 * its last 128 KiB (or all of it, if smaller) below 1 MiB ending at FFFFFh,
 * there as shadow RAM (copied from the image at every reset, writable, as
 * after a real board's POST); VGA memory at A0000h-BFFFFh.
 * Ports: PIC 20h/A0h/4D0h, PIT 40h-43h + 61h, 8042 60h/64h + 92h, RTC 70h,
 * DMA 00h-0Fh/80h-8Fh/C0h-DFh, FDC 3F0h, IDE 1F0h/3F6h and 170h/376h,
 * COM1-4 3F8h/2F8h/3E8h/2E8h, VGA 3C0h-3DFh, debug E9h/80h/F4h, fw_cfg 510h.
 */
#ifndef X86VM_PC_H
#define X86VM_PC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "chardev.h"
#include "clock.h"
#include "cpu.h"
#include "debugport.h"
#include "device.h"
#include "fwcfg.h"
#include "i8042.h"
#include "i8254.h"
#include "i8259.h"
#include "iobus.h"
#include "mc146818.h"
#include "mem.h"
#include "uart16550.h"

struct Dma8237;
struct Fdc;
struct IdeChannel;
struct Vga;
struct Disk;
struct Monitor;

#define PC_MAX_DEVICES 32
#define PC_BIOS_MAX (256u * 1024u)
#define PC_SCRIPT_MAX 64

/* Drives, in MachineConfig.images order. */
enum { PC_FDA, PC_FDB, PC_HDA, PC_HDB, PC_CDROM, PC_NDRIVES };

typedef struct MachineConfig {
  CpuModel cpu_model;         /* CPU_MODEL_I686 (default, 0) or CPU_MODEL_286 */
  uint32_t mem_mib;           /* RAM size in MiB */
  const char *bios_path;      /* ROM image */
  const char *vga_bios_path;  /* optional video BIOS (option ROM) for C0000h, NULL: none */
  const char *images[PC_NDRIVES]; /* disk images (NULL: none) */
  const char *boot;           /* boot order letters (a, c, d), e.g. "cad"; NULL: default */
  bool snapshot;              /* writes go to an overlay, images untouched */
  const char *serial;         /* COM1 backend spec (stdio, file:, pty, tcp:, null) */
  bool deterministic;         /* virtual time from instructions only */
  uint64_t ns_per_insn;       /* virtual ns per instruction (0: default) */
  bool have_rtc_start;        /* rtc_start is valid */
  time_t rtc_start;           /* RTC time at power-on (default: host, or fixed if deterministic) */
} MachineConfig;

/* Why machine_run returned. */
typedef enum MachineStop {
  MSTOP_NONE = 0,
  MSTOP_GUEST_EXIT,   /* debug-exit port: exit_status */
  MSTOP_HALT,         /* HLT with interrupts off */
  MSTOP_TRIPLE,       /* triple fault */
  MSTOP_SHUTDOWN,     /* other shutdown cycle */
  MSTOP_TIMEOUT,      /* --timeout reached */
  MSTOP_SCRIPT_DONE,  /* the last --expect matched */
  MSTOP_IDLE_FOREVER, /* halted with nothing that could ever wake it */
  MSTOP_SIGNAL,       /* interrupted by the user (SIGINT/SIGTERM) */
  MSTOP_QUIT,         /* the monitor's quit command */
  MSTOP_HOST_ERROR    /* host-side failure: see Machine.error */
} MachineStop;

/* One step of the scripted console: wait for text on COM1, or type text. */
typedef struct ScriptStep {
  bool is_send;      /* false: expect */
  char *text;        /* unescaped */
  size_t len;
} ScriptStep;

typedef struct IrqShare {
  IrqLine out;       /* the controller input */
  uint8_t levels;    /* bit per sharer */
} IrqShare;

typedef struct Machine {
  MachineConfig cfg;            /* copy of the configuration */
  Mem *mem;                     /* physical address space */
  Cpu *cpu;                     /* the processor */
  IoBus *bus;                   /* I/O ports */
  Clock *clock;                 /* virtual time */
  Pic *pic;
  Pit *pit;
  Rtc *rtc;
  Kbc *kbc;
  Uart *uart[4];                /* COM1-COM4 */
  IrqShare com_irq[2];          /* IRQ4 (COM1/3) and IRQ3 (COM2/4) sharing */
  DebugPort *dbg;
  FwCfg *fwcfg;                 /* QEMU's firmware configuration ports (SeaBIOS's VGA ROM) */
  struct Dma8237 *dma;          /* storage/display devices (see pc.c marked section) */
  struct Fdc *fdc;
  struct IdeChannel *ide[2];
  struct Vga *vga;
  struct Disk *disk[PC_NDRIVES];
  CharDev *serial;              /* COM1 backend */
  Device devs[PC_MAX_DEVICES];  /* reset/save/load records, in save order */
  int ndevs;
  uint8_t *bios;                /* ROM image */
  uint32_t bios_size;
  uint8_t *vga_bios;            /* video option ROM image, or NULL */
  uint32_t vga_bios_size;
  /* run state */
  bool reset_requested;         /* 8042/port 92h reset pulse */
  bool exit_requested;          /* debug-exit written */
  int exit_status;              /* (v << 1) | 1 */
  bool timed_out;               /* timeout timer fired */
  uint64_t timeout_ns;          /* --timeout (virtual ns if deterministic, host ns otherwise), 0: none */
  uint64_t host_start_ns;       /* host time when machine_run started */
  Timer *timeout_timer;         /* deterministic timeout */
  volatile int signalled;       /* set from a signal handler */
  volatile int alarm_ticks;     /* host watchdog ticks (bumped by the runner's timer) */
  int wd_seen_ticks;            /* last tick the loop looked at */
  int wd_stuck;                 /* consecutive ticks without any progress */
  uint64_t wd_icount;           /* icount at the last progress check */
  char error[256];              /* MSTOP_HOST_ERROR message */
  /* scripted console */
  ScriptStep script[PC_SCRIPT_MAX];
  int nscript;
  int script_pos;               /* current step */
  size_t match_pos;             /* bytes of the current expect matched (KMP-free: naive) */
  char *match_buf;              /* rolling window of recent output */
  size_t send_pos;              /* bytes of the current send already typed */
  Timer *script_timer;          /* paces typed input on the virtual clock */
  bool script_done;             /* the last expect matched */
  /* monitor */
  struct Monitor *monitor;      /* --monitor, or NULL */
  bool paused;                  /* the monitor's stop: the CPU and virtual time stand still */
  bool quit_requested;          /* the monitor's quit */
  void (*on_restore)(void *opaque); /* after a monitor loadvm (e.g. drop JIT translations) */
  void *on_restore_opaque;
} Machine;

/* Build the machine. NULL with a one-line message (naming the file or flag) on failure. */
Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen);
void machine_free(Machine *m);
/* Power-on/reset: CPU and every device (RAM kept). */
void machine_reset(Machine *m);
/* Attach a monitor on the chardev spec (stdio, tcp:PORT, pty). 0, or -1 with a message. */
int machine_monitor_open(Machine *m, const char *spec, char *err, size_t errlen);
/* Add a console script step (before machine_run). Returns 0 or -1. */
int machine_script_add(Machine *m, bool is_send, const char *text);
/* Run until something stops it. timeout_sec 0: none.  If the caller bumps
 * alarm_ticks (and sets cpu->stop) periodically, a CPU that makes no
 * progress at all for PC_WATCHDOG_TICKS ticks ends the run as a host error. */
#define PC_WATCHDOG_TICKS 20
MachineStop machine_run(Machine *m, double timeout_sec);
/* Whole-machine snapshots. 0, or -1 with a message. Restore validates
 * everything before changing anything. */
int machine_save(Machine *m, const char *path, char *err, size_t errlen);
int machine_restore(Machine *m, const char *path, char *err, size_t errlen);
/* What a snapshot needs from the command line: its CPU model, RAM size and
 * the disk images it was saved with (absolute paths; "drives" chunk). */
typedef struct SnapshotInfo {
  CpuModel cpu_model;               /* "cpumodel" chunk; i686 in snapshots without one */
  uint32_t mem_mib;                 /* RAM size */
  bool have_drives;                 /* the snapshot records its drives */
  char *images[PC_NDRIVES];         /* image paths (NULL: no drive); free with snapshot_info_free */
  bool snapshot_mode;               /* the drives ran with --snapshot */
} SnapshotInfo;
int machine_snapshot_info(const char *path, SnapshotInfo *info, char *err, size_t errlen);
void snapshot_info_free(SnapshotInfo *info);
/* Last POST code (port 80h), or -1 if none was written. */
int machine_post_code(const Machine *m);
/* Register a device record (for devices created outside pc.c). */
int machine_add_device(Machine *m, Device dev);

#endif
