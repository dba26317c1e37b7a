/*
 * acpi_tables.h — the ACPI tables of --machine pc, built on the host
 * (ACPI Specification 6.5, chapter 5.2): RSDP (revision 0), RSDT, FADT
 * (revision 3, with the reset register), FACS, MADT and the DSDT that the
 * build compiles from src/hw/acpi/dsdt.asl with iasl.
 *
 * Where they go: our BIOS reserves an area in its F0000h segment (the
 * shadow below 1 MiB, which the E820 map reserves) that starts with the
 * 16-byte marker ACPI_AREA_MARKER and a 32-bit size (src/bios/acpi.inc).
 * At every reset, after the shadow is copied from the ROM, the board
 * looks for that marker on 16-byte boundaries and writes the tables over
 * the area, the RSDP first (the marker's place), so the OS's scan of
 * E0000h-FFFFFh finds it.  A BIOS without the marker (SeaBIOS, a test
 * ROM) gets no tables.
 */
#ifndef X86VM_ACPI_TABLES_H
#define X86VM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_AREA_MARKER "X86VM ACPI AREA" /* 15 characters and a NUL: 16 bytes */

/* The DSDT's AML (generated from dsdt.asl at build time). */
extern const unsigned char acpi_dsdt_aml[];
extern const unsigned int acpi_dsdt_aml_len;

/* Build every table into buf (cap bytes) as if buf were at physical
 * address base (16-byte aligned).  Returns the bytes used, or 0 if cap is
 * too small. */
size_t acpi_build_tables(uint8_t *buf, size_t cap, uint32_t base);
/* 8-bit sum of n bytes (0 for a table with a right checksum). */
uint8_t acpi_checksum(const uint8_t *p, size_t n);

#endif
