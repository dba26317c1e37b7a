/*
 * lapic.h — the local APIC of one CPU: a Pentium 4-class xAPIC as software
 * sees it at FEE00000h (Intel SDM vol. 3A, chapter 11 "Advanced
 * Programmable Interrupt Controller").
 *
 * Version register 00050014h: xAPIC version 14h with six LVT entries
 * (timer, thermal, performance counters, LINT0, LINT1, error) — the value
 * QEMU's and the P4's APIC report; Linux and kvm-unit-tests know it.  No
 * x2APIC, no TSC-deadline timer, no directed EOI (SVR bit 12 reads 0).
 *
 * What is modelled: ID, TPR/PPR (APR reads as PPR), EOI, LDR/DFR (flat and
 * cluster logical destinations), SVR (software enable, spurious vector),
 * 256-bit ISR/TMR/IRR with priority classes, ESR (errors latched on the
 * write to ESR), ICR (fixed/lowest-priority, NMI and INIT delivery to this
 * CPU through the destination or a shorthand; other CPUs do not exist: an
 * IPI that names none of ours goes nowhere), the LVT, and the timer
 * (one-shot and periodic, divide configuration) counting on the machine's
 * virtual clock at LAPIC_BUS_HZ, so a deterministic run stays exact.
 *
 * Interrupt path: the CPU's INTR line is this APIC's output and its
 * interrupt acknowledge asks lapic_int_ack() for the vector.  LINT0 in
 * ExtINT mode passes the 8259's INTR through (the CPU then runs the 8259's
 * INTA cycle via the ext_ack hook); LINT1 in NMI mode passes NMI.  With the
 * APIC globally disabled (IA32_APIC_BASE bit 11 clear) the APIC is out of
 * the way: LINT0 is the INTR pin and LINT1 the NMI pin, exactly as a CPU
 * without an APIC.  The MMIO page stays at FEE00000h (relocating it with
 * the MSR is not modelled; the base field is kept but not used), and reads
 * all ones while the APIC is globally disabled.
 *
 * At reset (and INIT) the registers are as the SDM gives them: software
 * disabled, every LVT masked; the BIOS programs virtual wire mode (LINT0
 * ExtINT, LINT1 NMI, software enabled) in POST.
 */
#ifndef X86VM_LAPIC_H
#define X86VM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "cpu.h"
#include "device.h"
#include "mem.h"

#define LAPIC_BASE 0xfee00000u
#define LAPIC_VERSION_REG 0x00050014u /* version 14h, max LVT entry 5 */
#define LAPIC_BUS_HZ 100000000ull     /* timer input before the divider: a 100 MHz bus */

/* LVT entries, in register order (320h + 10h * index). */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Delivery modes (ICR, LVT, I/O APIC redirection entries). */
enum {
  APIC_DM_FIXED = 0,
  APIC_DM_LOWEST = 1,
  APIC_DM_SMI = 2,
  APIC_DM_NMI = 4,
  APIC_DM_INIT = 5,
  APIC_DM_STARTUP = 6,
  APIC_DM_EXTINT = 7
};

#define LAPIC_FIELDS(F, A, S, FR, AR)                                                 \
  F(uint8_t, id)            /* APIC ID (register 20h bits 31:24) */                  \
  F(uint8_t, tpr)           /* task priority */                                      \
  F(uint32_t, ldr)          /* logical destination (bits 31:24) */                   \
  F(uint32_t, dfr)          /* destination format (bits 31:28: Fh flat, 0 cluster) */ \
  F(uint32_t, svr)          /* spurious vector, bit 8 software enable */             \
  A(uint32_t, isr, 8)       /* in service, bit v of word v/32 */                     \
  A(uint32_t, tmr, 8)       /* trigger mode: 1 = accepted level-triggered */        \
  A(uint32_t, irr, 8)       /* requests */                                           \
  F(uint32_t, esr)          /* error status as last latched by an ESR write */       \
  F(uint32_t, esr_pending)  /* errors seen since that write */                       \
  F(uint32_t, icr_lo)       /* interrupt command, low half */                        \
  F(uint32_t, icr_hi)       /* destination (bits 31:24) */                           \
  A(uint32_t, lvt, LVT_COUNT) /* local vector table */                               \
  FR(uint32_t, dcr, 0, 0xb) /* timer divide configuration (bits 0, 1, 3) */         \
  FR(uint32_t, initial_count, 0, UINT32_MAX) /* timer initial count (any) */         \
  F(uint64_t, timer_start)  /* virtual ns at which the count was initial_count */    \
  F(bool, timer_running)    /* counting (a one-shot count that reached 0 is not) */  \
  F(bool, lint0)            /* LINT0 input level (the 8259's INTR) */                \
  F(bool, lint1)            /* LINT1 input level (NMI) */                            \
  F(bool, extint)           /* an ExtINT message from the I/O APIC awaits INTA */    \
  F(bool, out)              /* what the CPU's INTR line is driven to */
typedef struct Lapic {
  SAVE_DECLARE(LAPIC_FIELDS)
  Cpu *cpu;                          /* the CPU this APIC belongs to */
  Clock *clock;
  Timer *timer;                      /* the APIC timer's next zero count */
  int (*ext_ack)(void *opaque);      /* INTA cycle on the 8259 (ExtINT): its vector */
  void *ext_opaque;
  void (*eoi_broadcast)(void *opaque, int vector); /* EOI of a level-triggered vector */
  void *eoi_opaque;
  void (*init)(void *opaque);        /* INIT delivered: the machine resets the CPU core */
  void *init_opaque;
  Device dev;                        /* "lapic" */
} Lapic;
#define LAPIC_VERSION 1
const SaveTable *lapic_table(void);

/* Create the APIC of cpu, map its page (mem may be NULL in tests), and hook
 * the CPU (CPUID reports it, WRMSR 1Bh tells it).  NULL on failure. */
Lapic *lapic_new(Cpu *cpu, Mem *mem, Clock *clock, uint8_t id);
void lapic_free(Lapic *l);
void lapic_reset(Lapic *l);     /* power-on state of the APIC registers */
void lapic_init_reset(Lapic *l); /* INIT: the same, keeping the APIC ID and IA32_APIC_BASE */
/* Is the APIC globally enabled (IA32_APIC_BASE bit 11)? */
bool lapic_enabled(const Lapic *l);

/* Register access by offset in the page (aligned 32-bit; what the MMIO does). */
uint32_t lapic_read(Lapic *l, uint32_t offset);
void lapic_write(Lapic *l, uint32_t offset, uint32_t value);

/* The LINT0/LINT1 pins (0 or 1) driven to level. */
void lapic_set_lint(Lapic *l, int pin, int level);
/* A message from the I/O APIC: accepted (this APIC is a destination)? */
bool lapic_deliver(Lapic *l, uint8_t dest, bool logical, int mode, int vector, bool level);
/* The CPU's interrupt acknowledge: the vector to deliver now. */
int lapic_int_ack(Lapic *l);
/* Recompute the CPU's INTR line (after a reset or restore of the CPU). */
void lapic_update(Lapic *l);
/* Timer current count now. */
uint32_t lapic_current_count(const Lapic *l);

#endif
