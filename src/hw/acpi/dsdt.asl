/*
 * dsdt.asl - the Differentiated System Description Table of x86vm
 * --machine pc, compiled by iasl at build time into the C array that
 * acpi_tables.c places after the other tables.
 *
 * It declares the sleep states the PM device implements (\_S0 and \_S5,
 * with the PIIX4's SUS_TYP values: 5 working, 0 soft off; see
 * src/hw/acpi_pm.h), the processor, and the ISA devices of the board with
 * the ports and interrupts they decode, so that an ACPI OS enumerates them
 * (Linux's PnP ACPI layer) rather than probing.  There is no PCI root
 * bridge yet: the devices sit on the system bus (\_SB).  The power button
 * is the FADT's fixed-feature button and needs no device here.
 */
DefinitionBlock ("", "DSDT", 1, "X86VM", "X86VM PC", 1)
{
    Name (\_S0, Package (0x04) { 0x05, 0x05, Zero, Zero })
    Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    Scope (\_SB)
    {
        Device (CPU0)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, Zero)
        }

        Device (PIC)
        {
            Name (_HID, EisaId ("PNP0000"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                IO (Decode16, 0x04D0, 0x04D0, 0x01, 0x02)
                IRQNoFlags () {2}
            })
        }

        Device (TMR)
        {
            Name (_HID, EisaId ("PNP0100"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                IRQNoFlags () {0}
            })
        }

        Device (RTC)
        {
            Name (_HID, EisaId ("PNP0B00"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                IRQNoFlags () {8}
            })
        }

        Device (SPKR)
        {
            Name (_HID, EisaId ("PNP0800"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0061, 0x0061, 0x01, 0x01)
            })
        }

        Device (KBD)
        {
            Name (_HID, EisaId ("PNP0303"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
                IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
                IRQNoFlags () {1}
            })
        }

        Device (MOU)
        {
            Name (_HID, EisaId ("PNP0F13"))
            Name (_CRS, ResourceTemplate ()
            {
                IRQNoFlags () {12}
            })
        }

        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
                IRQNoFlags () {4}
            })
        }

        Device (COM2)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, 0x02)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x02F8, 0x02F8, 0x01, 0x08)
                IRQNoFlags () {3}
            })
        }
    }
}
