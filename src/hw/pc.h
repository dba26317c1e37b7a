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
 * COM1-4 3F8h/2F8h/3E8h/2E8h, VGA 3C0h-3DFh, debug E9h/80h/F4h, fw_cfg 510h;
 * --machine pc adds the ACPI PM registers at 600h-60Bh and AFE0h-AFE3h
 * (acpi_pm.h) and the ACPI tables in our BIOS's reserved area (acpi_tables.h).
 */
#ifndef X86VM_PC_H
#define X86VM_PC_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <time.h>

#include "chardev.h"
#include "clock.h"
#include "cpu.h"
#include "debugport.h"
#include "disk.h"
#include "device.h"
#include "fwcfg.h"
#include "i8042.h"
#include "i8254.h"
#include "i8259.h"
#include "iobus.h"
#include "mc146818.h"
#include "pcspk.h"
#include "mem.h"
#include "uart16550.h"

struct Dma8237;
struct Fdc;
struct IdeChannel;
struct Vga;

#define PC_MAX_DEVICES 32
#define PC_BIOS_MAX (256u * 1024u)

/* Drives, in MachineConfig.images order. */
enum { PC_FDA, PC_FDB, PC_HDA, PC_HDB, PC_CDROM, PC_NDRIVES };

/* Empty option-ROM space (reads FFh, ignores writes): from C8000h (or the
 * end of the video BIOS) to the BIOS shadow, at most up to F0000h. */
#define PC_ROM_HOLE_LO 0xc8000u
#define PC_ROM_HOLE_HI 0xf0000u

typedef struct MachineConfig {
  CpuModel cpu_model;         /* CPU_MODEL_I686 (default, 0) or CPU_MODEL_286 */
  uint32_t mem_mib;           /* RAM size in MiB */
  const char *bios_path;      /* ROM image */
  const char *vga_bios_path;  /* optional video BIOS (option ROM) for C0000h, NULL: none */
  uint32_t vga_mem_mib;       /* video memory (VBE linear framebuffer) in MiB, 0: default 16 */
  const char *images[PC_NDRIVES]; /* disk images (NULL: none) */
  const char *boot;           /* boot order letters (a, c, d), e.g. "cad"; NULL: default */
  bool snapshot;              /* writes go to an overlay, images untouched */
  bool force_share;           /* --force-share: take no lock on the images */
  bool force_identity;        /* --force-identity: restore over images whose identity differs */
  const char *serial;         /* COM1 backend spec (stdio, file:, pty, tcp:, null) */
  bool deterministic;         /* virtual time from instructions only */
  uint64_t ns_per_insn;       /* virtual ns per instruction (0: default) */
  bool have_rtc_start;        /* rtc_start is valid */
  time_t rtc_start;           /* RTC time at power-on (default: host, or fixed if deterministic) */
  bool testdev;               /* --device testdev: QEMU's pc-testdev (testdev.h) */
  bool apic;                  /* --machine pc: a local APIC and an I/O APIC (lapic.h, ioapic.h),
                               * ACPI (acpi_pm.h, acpi_tables.h) */
} MachineConfig;

/* Why machine_run_for() returned (the board's stops), or why a front end's
 * run ended (the runner's stops, src/ui/runner.h). */
typedef enum MachineStop {
  MSTOP_NONE = 0,
  MSTOP_BUDGET,       /* the virtual-time budget is used up: call again */
  MSTOP_IDLE,         /* real time: halted with interrupts on until idle_deadline
                       * (or input); the front end waits on the host, then calls again */
  MSTOP_REQUEST,      /* machine_request_stop() was called (front-end event, signal) */
  MSTOP_GUEST_EXIT,   /* debug-exit port: exit_status */
  MSTOP_HALT,         /* HLT with interrupts off */
  MSTOP_TRIPLE,       /* triple fault */
  MSTOP_SHUTDOWN,     /* other shutdown cycle */
  MSTOP_IDLE_FOREVER, /* deterministic: halted with nothing that could ever wake it */
  MSTOP_POWER_OFF,    /* the guest or the user switched the machine off */
  MSTOP_STEP,         /* the CPU reached Machine.icount_stop (the debugger's steps) */
  /* stops only a front end's runner gives */
  MSTOP_TIMEOUT,      /* --timeout reached */
  MSTOP_SCRIPT_DONE,  /* the last --expect matched */
  MSTOP_SIGNAL,       /* interrupted by the user (SIGINT/SIGTERM) */
  MSTOP_QUIT,         /* the monitor's or the window's quit */
  MSTOP_HOST_ERROR    /* host-side failure: see the runner's error */
} MachineStop;

/* Called with every byte COM1 transmits (a console script's matcher). */
typedef void (*SerialObserver)(void *opaque, uint8_t byte);

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
  struct Lapic *lapic;          /* --machine pc: the CPU's local APIC, else NULL */
  struct IoApic *ioapic;        /* --machine pc: the I/O APIC at FEC00000h, else NULL */
  struct AcpiPm *acpi;          /* --machine pc: ACPI PM registers at 600h (acpi_pm.h), else NULL */
  struct PciBus *pci;           /* --machine pc: PCI bus 0 (docs/PCI.md), else NULL */
  struct I440fx *i440fx;        /* --machine pc: host bridge 00.0 with the PAM registers */
  struct Piix3 *piix3;          /* --machine pc: ISA bridge 01.0 (PCI interrupt steering) */
  uint8_t *legacy_rom;          /* --machine pc: C0000h-FFFFFh as PCI shows it (PAM 00b) */
  Pit *pit;
  PcSpk *spk;                   /* PC speaker sound (counter 2, port 61h) */
  Rtc *rtc;
  Kbc *kbc;
  Uart *uart[4];                /* COM1-COM4 */
  IrqShare com_irq[2];          /* IRQ4 (COM1/3) and IRQ3 (COM2/4) sharing */
  DebugPort *dbg;
  FwCfg *fwcfg;                 /* QEMU's firmware configuration ports (SeaBIOS's VGA ROM) */
  struct Dma8237 *dma;          /* storage/display devices (see pc.c marked section) */
  struct Fdc *fdc;
  struct IdeChannel *ide[2];
  struct PiixIde *piix_ide;     /* --machine pc: PCI 01.1, the IDE channels' bus master */
  struct Vga *vga;
  struct VgaPci *vga_pci;       /* --machine pc: the VGA as PCI 02.0 (BAR0 = the LFB) */
  struct TestDev *testdev;      /* --device testdev, or NULL */
  struct Disk *disk[PC_NDRIVES];
  char *media_path[PC_NDRIVES]; /* image paths of media changed at run time (owned) */
  CharDev *serial;              /* COM1 backend */
  Device devs[PC_MAX_DEVICES];  /* reset/save/load records, in save order */
  int ndevs;
  uint8_t *bios;                /* ROM image */
  uint32_t bios_size;
  uint8_t *vga_bios;            /* video option ROM image, or NULL */
  uint32_t vga_bios_size;
  /* run state */
  bool reset_requested;         /* 8042/port 92h reset pulse */
  bool init_requested;          /* INIT delivered by the local APIC */
  bool exit_requested;          /* debug-exit written */
  bool power_off_requested;     /* the guest entered ACPI S5 (cleared by a reset) */
  int exit_status;              /* (v << 1) | 1 */
  volatile sig_atomic_t stop_requested; /* machine_request_stop() (async-signal-safe) */
  uint64_t idle_deadline;       /* MSTOP_IDLE: virtual time of the next timer (CLOCK_NEVER: none) */
  SerialObserver com1_observer; /* every byte COM1 sends, or NULL */
  void *com1_observer_opaque;
  uint64_t icount_stop;         /* debugger: machine_run_for() returns MSTOP_STEP once
                                 * cpu->icount reaches it (UINT64_MAX: never) */
  void (*on_restore)(void *opaque); /* after machine_restore (e.g. drop JIT translations) */
  void *on_restore_opaque;
  /* reverse execution (src/debug/reverse.h): machine_run_for() calls
   * ckpt_fn at the first instruction boundary where cpu->icount reaches
   * ckpt_at; ckpt_fn moves ckpt_at on (UINT64_MAX: never) */
  uint64_t ckpt_at;
  void (*ckpt_fn)(void *opaque);
  void *ckpt_opaque;
  uint64_t host_inputs;         /* host input taken (serial bytes, media changes): replay cannot repeat it */
  struct BootImage *boot;       /* --kernel's images, put back at every reset (bootimg.h) */
} Machine;

/* Build the machine. NULL with a one-line message (naming the file or flag) on failure. */
Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen);
void machine_free(Machine *m);
/* Power-on/reset: CPU and every device (RAM kept). */
void machine_reset(Machine *m);
/* Run the CPU in slices on the virtual clock until budget_ns of virtual
 * time has passed (CLOCK_NEVER: no budget) or something stops it; see
 * MachineStop.  Deterministic mode jumps over idle periods itself; in real
 * time an idle CPU returns MSTOP_IDLE at once so the caller can wait on the
 * host (and sync the clock with clock_sync_host()).  Emulation thread only. */
MachineStop machine_run_for(Machine *m, uint64_t budget_ns);
/* Make machine_run_for() return MSTOP_REQUEST soon: async-signal-safe, and the
 * one call another thread may make on a running machine. */
void machine_request_stop(Machine *m);
/* Host input for COM1's receive FIFO: how many of the n bytes it took. */
size_t machine_serial_input(Machine *m, const uint8_t *bytes, size_t n);
/* What a bare image is by its content: PC_CDROM (ISO 9660), PC_FDA (a
 * standard floppy size) or PC_HDA; -1 with a message if it cannot be read. */
int machine_classify_image(const char *path, char *err, size_t errlen);
/* Insert (path) or eject (NULL) the medium of a floppy drive or the CD-ROM
 * drive while the machine runs. 0, or -1 with a message. */
int machine_change_media(Machine *m, int drive, const char *path, char *err, size_t errlen);
/* Save the screen: a text dump (UTF-8) if path ends in .txt, else PNG.
 * 0, or -1 with a message naming the file. */
int machine_screenshot(Machine *m, const char *path, char *err, size_t errlen);
/* Pull what the host typed on COM1's backend into its receive FIFO. */
void machine_poll_serial(Machine *m);
/* Is the CPU halted with interrupts on (waiting for a timer or input)? */
bool machine_idle(const Machine *m);
/* Whole-machine snapshots. 0, or -1 with a message. Restore validates
 * everything before changing anything, including that each open image is
 * the one the snapshot recorded (DiskIdentity: size and a hash of the first
 * and last MiB) unless cfg.force_identity.  A snapshot names its images
 * but never opens them: the caller opens the machine's drives. */
int machine_save(Machine *m, const char *path, char *err, size_t errlen);
int machine_restore(Machine *m, const char *path, char *err, size_t errlen);
/* The same from a snapshot image in memory (no file: e.g. a fuzzer's input);
 * messages name it "(buffer)".  A refused snapshot leaves the machine as it was. */
int machine_restore_buffer(Machine *m, const void *data, size_t len, char *err, size_t errlen);
/* A light snapshot in memory for reverse execution: everything but RAM,
 * the video memory and the drives' identities (the caller keeps memory
 * page by page).  *buf is malloc'd.  Restoring one leaves RAM and video
 * memory as they are.  0, or -1 with a message. */
int machine_save_light(Machine *m, uint8_t **buf, size_t *len, char *err, size_t errlen);
int machine_restore_light(Machine *m, const void *buf, size_t len, char *err, size_t errlen);
/* The table of the snapshot's "machine" chunk (virtual time, RAM size, A20). */
const SaveTable *machine_state_table(void);
/* What a snapshot needs from the command line: its CPU model, RAM size and
 * the disk images it was saved with (absolute paths and identities; the
 * "drives" chunk). */
typedef struct SnapshotInfo {
  CpuModel cpu_model;               /* "cpumodel" chunk; i686 in snapshots without one */
  uint32_t mem_mib;                 /* RAM size */
  bool have_drives;                 /* the snapshot records its drives */
  char *images[PC_NDRIVES];         /* image paths (NULL: no drive); free with snapshot_info_free */
  bool snapshot_mode;               /* the drives ran with --snapshot */
  bool have_ident;                  /* identities recorded (drives chunk version 2) */
  DiskIdentity ident[PC_NDRIVES];   /* each image's identity when saved */
} SnapshotInfo;
/* The drive option of a slot ("--fda", "--hda", "--cdrom"...). */
const char *machine_drive_flag(int drive);
int machine_snapshot_info(const char *path, SnapshotInfo *info, char *err, size_t errlen);
void snapshot_info_free(SnapshotInfo *info);
/* In a process forked from the one that built m, before it runs on: its
 * own copy of each --snapshot overlay (the temporary file is shared across
 * fork, unlike the rest of the machine).  0, or -1. */
int machine_unshare_disks(Machine *m);
/* Last POST code (port 80h), or -1 if none was written. */
int machine_post_code(const Machine *m);
/* Register a device record (for devices created outside pc.c). */
int machine_add_device(Machine *m, Device dev);

#endif
