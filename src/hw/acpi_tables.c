/*
 * acpi_tables.c — the ACPI tables of --machine pc (see acpi_tables.h).
 * Layouts: ACPI Specification 6.5, 5.2.5 (RSDP), 5.2.6 (header), 5.2.7
 * (RSDT), 5.2.9 (FADT), 5.2.10 (FACS), 5.2.12 (MADT).
 */
#include "acpi_tables.h"

#include <string.h>

#include "acpi_pm.h"
#include "ioapic.h"

#define LAPIC_ADDR 0xfee00000u
#define IOAPIC_ID 1 /* as the MP table says */

typedef struct Out {
  uint8_t *buf;
  size_t cap, pos;
  uint32_t base;
  int overflow;
} Out;

static size_t alloc(Out *o, size_t len, size_t align) {
  size_t at = (o->pos + align - 1) & ~(align - 1);
  if (at + len > o->cap) {
    o->overflow = 1;
    return 0;
  }
  memset(o->buf + at, 0, len);
  o->pos = at + len;
  return at;
}

static void put8(uint8_t *p, uint8_t v) { p[0] = v; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_checksum(const uint8_t *p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; i++)
    s = (uint8_t)(s + p[i]);
  return s;
}

/* The 36-byte header of a system description table. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev) {
  memcpy(t, sig, 4);
  put32(t + 4, len);
  put8(t + 8, rev);
  memcpy(t + 10, "X86VM ", 6);   /* OEM ID */
  memcpy(t + 16, "X86VM PC", 8); /* OEM table ID */
  put32(t + 24, 1);              /* OEM revision */
  memcpy(t + 28, "XVM ", 4);     /* creator ID */
  put32(t + 32, 1);              /* creator revision */
}

static void finish(uint8_t *t, uint32_t len, int sum_at) { t[sum_at] = (uint8_t)-acpi_checksum(t, len); }

/* A Generic Address Structure in system I/O space. */
static void gas_io(uint8_t *p, uint8_t bits, uint8_t access, uint64_t port) {
  put8(p, 1); /* system I/O */
  put8(p + 1, bits);
  put8(p + 2, 0);
  put8(p + 3, access);
  put64(p + 4, port);
}

#define FADT_LEN 244
#define FACS_LEN 64

static void build_fadt(uint8_t *f, uint32_t facs, uint32_t dsdt) {
  header(f, "FACP", FADT_LEN, 3);
  put32(f + 36, facs);
  put32(f + 40, dsdt);
  put8(f + 45, 0);              /* preferred PM profile: unspecified */
  put16(f + 46, ACPI_SCI_IRQ);  /* SCI_INT */
  put32(f + 48, 0);             /* SMI_CMD 0: always in ACPI mode */
  put32(f + 56, ACPI_PM1_EVT);  /* PM1a_EVT_BLK */
  put32(f + 64, ACPI_PM1_CNT);  /* PM1a_CNT_BLK */
  put32(f + 76, ACPI_PM_TMR);   /* PM_TMR_BLK */
  put32(f + 80, ACPI_GPE0);     /* GPE0_BLK */
  put8(f + 88, 4);              /* PM1_EVT_LEN */
  put8(f + 89, 2);              /* PM1_CNT_LEN */
  put8(f + 91, 4);              /* PM_TMR_LEN */
  put8(f + 92, ACPI_GPE0_LEN);  /* GPE0_BLK_LEN */
  put16(f + 96, 0x0fff);        /* P_LVL2_LAT > 100: no C2 */
  put16(f + 98, 0x0fff);        /* P_LVL3_LAT > 1000: no C3 */
  put8(f + 108, 0x32);          /* CENTURY: the RTC's CMOS byte 32h */
  put16(f + 109, 0x0003);       /* IAPC_BOOT_ARCH: LEGACY_DEVICES, 8042 */
  /* Flags: WBINVD, PROC_C1, SLP_BUTTON (none), RESET_REG_SUP; PWR_BUTTON
   * clear = a fixed-feature power button; TMR_VAL_EXT clear = 24 bits. */
  put32(f + 112, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 10));
  gas_io(f + 116, 8, 1, 0x64);  /* RESET_REG: the 8042's command port */
  put8(f + 128, 0xfe);          /* RESET_VALUE: pulse the reset line */
  /* X_FIRMWARE_CTRL stays 0: it must, while FIRMWARE_CTRL is set (ACPI 5.2.9). */
  put64(f + 140, dsdt);         /* X_DSDT */
  gas_io(f + 148, 32, 0, ACPI_PM1_EVT);
  gas_io(f + 172, 16, 0, ACPI_PM1_CNT);
  gas_io(f + 208, 32, 0, ACPI_PM_TMR);
  gas_io(f + 220, 8 * ACPI_GPE0_LEN, 0, ACPI_GPE0);
  finish(f, FADT_LEN, 9);
}

static void build_facs(uint8_t *f) {
  memcpy(f, "FACS", 4);
  put32(f + 4, FACS_LEN);
  put8(f + 32, 1); /* version */
}

/* MADT: the CPU's local APIC, the I/O APIC with GSI 0-23, ISA IRQ0 on GSI 2
 * and the SCI (IRQ 9) level-triggered, active high; LINT1 is the NMI. */
static size_t madt_len(void) { return 44 + 8 + 12 + 10 + 10 + 6; }
static void build_madt(uint8_t *t) {
  uint32_t len = (uint32_t)madt_len();
  header(t, "APIC", len, 1);
  put32(t + 36, LAPIC_ADDR);
  put32(t + 40, 1); /* PCAT_COMPAT: 8259s present */
  uint8_t *e = t + 44;
  e[0] = 0, e[1] = 8, e[2] = 0, e[3] = 0; /* processor 0, APIC ID 0 */
  put32(e + 4, 1);                        /* enabled */
  e += 8;
  e[0] = 1, e[1] = 12, e[2] = IOAPIC_ID, e[3] = 0;
  put32(e + 4, IOAPIC_BASE);
  put32(e + 8, 0); /* GSI base */
  e += 12;
  e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 0; /* ISA IRQ0 -> GSI 2, conforming */
  put32(e + 4, 2);
  put16(e + 8, 0);
  e += 10;
  e[0] = 2, e[1] = 10, e[2] = 0, e[3] = ACPI_SCI_IRQ; /* SCI: GSI 9, active high, level */
  put32(e + 4, ACPI_SCI_IRQ);
  put16(e + 8, 0x000d);
  e += 10;
  e[0] = 4, e[1] = 6, e[2] = 0xff; /* NMI on LINT1 of every processor */
  put16(e + 3, 0);
  e[5] = 1;
  finish(t, len, 9);
}

size_t acpi_build_tables(uint8_t *buf, size_t cap, uint32_t base) {
  Out o = {buf, cap, 0, base, 0};
  size_t rsdp = alloc(&o, 20, 16);
  size_t rsdt = alloc(&o, 36 + 2 * 4, 16);
  size_t fadt = alloc(&o, FADT_LEN, 16);
  size_t facs = alloc(&o, FACS_LEN, 64);
  size_t madt = alloc(&o, madt_len(), 16);
  size_t dsdt = alloc(&o, acpi_dsdt_aml_len, 16);
  if (o.overflow)
    return 0;
  memcpy(buf + dsdt, acpi_dsdt_aml, acpi_dsdt_aml_len);
  build_facs(buf + facs);
  build_madt(buf + madt);
  build_fadt(buf + fadt, base + (uint32_t)facs, base + (uint32_t)dsdt);
  uint8_t *t = buf + rsdt;
  header(t, "RSDT", 36 + 2 * 4, 1);
  put32(t + 36, base + (uint32_t)fadt);
  put32(t + 40, base + (uint32_t)madt);
  finish(t, 36 + 2 * 4, 9);
  uint8_t *r = buf + rsdp;
  memcpy(r, "RSD PTR ", 8);
  memcpy(r + 9, "X86VM ", 6);
  put8(r + 15, 0); /* revision 0: ACPI 1.0 RSDP, the RSDT only */
  put32(r + 16, base + (uint32_t)rsdt);
  finish(r, 20, 8);
  return o.pos;
}
