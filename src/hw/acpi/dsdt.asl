/*
 * dsdt.asl - the Differentiated System Description Table of x86vm
 * --machine pc, compiled by iasl at build time into the C array that
 * acpi_tables.c places after the other tables.
 *
 * It declares the sleep states the PM device implements (\_S0 and \_S5,
 * with the PIIX4's SUS_TYP values: 5 working, 0 soft off; see
 * src/hw/acpi_pm.h), the processor, and the ISA devices of the board with
 * the ports and interrupts they decode, so that an ACPI OS enumerates them
 * (Linux's PnP ACPI layer) rather than probing; they sit on the system
 * bus (\_SB).  PCI0 is the i440FX root bridge of bus 0 (docs/PCI.md): an
 * ACPI OS finds PCI through it, with the windows our BIOS assigns BARs in
 * and the interrupt routing of the PIIX3 (_PRT): in APIC mode straight to
 * I/O APIC inputs 16-19, in 8259 (PIC) mode through the PCI interrupt link
 * devices LNKA-LNKD, which read and write the PIIX3's PIRQ route control
 * registers (60h-63h of 01.0).  The OS says which mode through \_PIC.  The
 * power button is the FADT's fixed-feature button and needs no device here.
 */
DefinitionBlock ("", "DSDT", 1, "X86VM", "X86VM PC", 1)
{
    Name (\_S0, Package (0x04) { 0x05, 0x05, Zero, Zero })
    Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    /* The interrupt model the OS uses (\_PIC's argument): 0 8259, 1 APIC. */
    Name (PICM, Zero)
    Method (\_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    Scope (\_SB)
    {
        /* A link's PIRQ route register (bit 7: routing off, bits 3:0: the
         * ISA IRQ) as _STA, _CRS and the value _SRS writes. */
        Method (LSTA, 1, NotSerialized)
        {
            If (Arg0 & 0x80)
            {
                Return (0x09) /* present, off */
            }
            Return (0x0B)
        }

        Method (LCRS, 1, Serialized)
        {
            Name (BUF, ResourceTemplate ()
            {
                IRQ (Level, ActiveLow, Shared, ) {}
            })
            CreateWordField (BUF, One, MASK)
            If (!(Arg0 & 0x80))
            {
                MASK = One << (Arg0 & 0x0F)
            }
            Return (BUF)
        }

        Method (LSRS, 1, NotSerialized)
        {
            CreateWordField (Arg0, One, MASK)
            Local0 = FindSetRightBit (MASK)
            If (Local0)
            {
                Return (Local0 - One)
            }
            Return (0x80)
        }

        Device (CPU0)
        {
            Name (_HID, "ACPI0007")
            Name (_UID, Zero)
        }

        /* Bus 0.  _CRS: the bus numbers; the configuration ports CF8h-CFFh
         * (CF9h is the reset control register); the I/O ports on either
         * side of them; the VGA window A0000h-BFFFFh; and memory from
         * E0000000h, where our BIOS starts the memory BARs (the VGA's
         * framebuffer is first), up to the I/O APIC.  _PRT: a function's
         * INTA-INTD reach PIRQ (pin + device - 1) mod 4 as the PIIX3 rotates
         * them by device number, for the devices a card could sit at (1-6):
         * in APIC mode (PRTA) I/O APIC inputs 16-19, in PIC mode (PRTP) the
         * link devices LNKA-LNKD. */
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_ADR, Zero)
            Name (_BBN, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xE0000000, 0xFEBFFFFF, 0x00000000, 0x1EC00000)
            })
            Name (PRTA, Package ()
            {
                Package (0x04) { 0x0001FFFF, 0x00, Zero, 0x10 },
                Package (0x04) { 0x0001FFFF, 0x01, Zero, 0x11 },
                Package (0x04) { 0x0001FFFF, 0x02, Zero, 0x12 },
                Package (0x04) { 0x0001FFFF, 0x03, Zero, 0x13 },
                Package (0x04) { 0x0002FFFF, 0x00, Zero, 0x11 },
                Package (0x04) { 0x0002FFFF, 0x01, Zero, 0x12 },
                Package (0x04) { 0x0002FFFF, 0x02, Zero, 0x13 },
                Package (0x04) { 0x0002FFFF, 0x03, Zero, 0x10 },
                Package (0x04) { 0x0003FFFF, 0x00, Zero, 0x12 },
                Package (0x04) { 0x0003FFFF, 0x01, Zero, 0x13 },
                Package (0x04) { 0x0003FFFF, 0x02, Zero, 0x10 },
                Package (0x04) { 0x0003FFFF, 0x03, Zero, 0x11 },
                Package (0x04) { 0x0004FFFF, 0x00, Zero, 0x13 },
                Package (0x04) { 0x0004FFFF, 0x01, Zero, 0x10 },
                Package (0x04) { 0x0004FFFF, 0x02, Zero, 0x11 },
                Package (0x04) { 0x0004FFFF, 0x03, Zero, 0x12 },
                Package (0x04) { 0x0005FFFF, 0x00, Zero, 0x10 },
                Package (0x04) { 0x0005FFFF, 0x01, Zero, 0x11 },
                Package (0x04) { 0x0005FFFF, 0x02, Zero, 0x12 },
                Package (0x04) { 0x0005FFFF, 0x03, Zero, 0x13 },
                Package (0x04) { 0x0006FFFF, 0x00, Zero, 0x11 },
                Package (0x04) { 0x0006FFFF, 0x01, Zero, 0x12 },
                Package (0x04) { 0x0006FFFF, 0x02, Zero, 0x13 },
                Package (0x04) { 0x0006FFFF, 0x03, Zero, 0x10 }
            })
            Name (PRTP, Package ()
            {
                Package (0x04) { 0x0001FFFF, 0x00, \_SB.LNKA, Zero },
                Package (0x04) { 0x0001FFFF, 0x01, \_SB.LNKB, Zero },
                Package (0x04) { 0x0001FFFF, 0x02, \_SB.LNKC, Zero },
                Package (0x04) { 0x0001FFFF, 0x03, \_SB.LNKD, Zero },
                Package (0x04) { 0x0002FFFF, 0x00, \_SB.LNKB, Zero },
                Package (0x04) { 0x0002FFFF, 0x01, \_SB.LNKC, Zero },
                Package (0x04) { 0x0002FFFF, 0x02, \_SB.LNKD, Zero },
                Package (0x04) { 0x0002FFFF, 0x03, \_SB.LNKA, Zero },
                Package (0x04) { 0x0003FFFF, 0x00, \_SB.LNKC, Zero },
                Package (0x04) { 0x0003FFFF, 0x01, \_SB.LNKD, Zero },
                Package (0x04) { 0x0003FFFF, 0x02, \_SB.LNKA, Zero },
                Package (0x04) { 0x0003FFFF, 0x03, \_SB.LNKB, Zero },
                Package (0x04) { 0x0004FFFF, 0x00, \_SB.LNKD, Zero },
                Package (0x04) { 0x0004FFFF, 0x01, \_SB.LNKA, Zero },
                Package (0x04) { 0x0004FFFF, 0x02, \_SB.LNKB, Zero },
                Package (0x04) { 0x0004FFFF, 0x03, \_SB.LNKC, Zero },
                Package (0x04) { 0x0005FFFF, 0x00, \_SB.LNKA, Zero },
                Package (0x04) { 0x0005FFFF, 0x01, \_SB.LNKB, Zero },
                Package (0x04) { 0x0005FFFF, 0x02, \_SB.LNKC, Zero },
                Package (0x04) { 0x0005FFFF, 0x03, \_SB.LNKD, Zero },
                Package (0x04) { 0x0006FFFF, 0x00, \_SB.LNKB, Zero },
                Package (0x04) { 0x0006FFFF, 0x01, \_SB.LNKC, Zero },
                Package (0x04) { 0x0006FFFF, 0x02, \_SB.LNKD, Zero },
                Package (0x04) { 0x0006FFFF, 0x03, \_SB.LNKA, Zero }
            })
            Method (_PRT, 0, NotSerialized)
            {
                If (PICM)
                {
                    Return (PRTA)
                }
                Return (PRTP)
            }
            /* The PIIX3's PCI-to-ISA bridge and its PIRQ route control registers. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)
                OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)
                Field (PIRQ, ByteAcc, NoLock, Preserve)
                {
                    PRQA, 8,
                    PRQB, 8,
                    PRQC, 8,
                    PRQD, 8
                }
            }
        }

        /* PCI interrupt links: PIRQA-D of the PIIX3, ISA IRQs 5, 10, 11
         * offered (our BIOS and SeaBIOS steer them to 10, 10, 11, 11). */
        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 1)
            Name (_PRS, ResourceTemplate ()
            {
                IRQ (Level, ActiveLow, Shared, ) {5,10,11}
            })
            Method (_STA, 0, NotSerialized)
            {
                Return (LSTA (\_SB.PCI0.ISA.PRQA))
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (LCRS (\_SB.PCI0.ISA.PRQA))
            }
            Method (_SRS, 1, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQA = LSRS (Arg0)
            }
            Method (_DIS, 0, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQA |= 0x80
            }
        }

        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 2)
            Name (_PRS, ResourceTemplate ()
            {
                IRQ (Level, ActiveLow, Shared, ) {5,10,11}
            })
            Method (_STA, 0, NotSerialized)
            {
                Return (LSTA (\_SB.PCI0.ISA.PRQB))
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (LCRS (\_SB.PCI0.ISA.PRQB))
            }
            Method (_SRS, 1, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQB = LSRS (Arg0)
            }
            Method (_DIS, 0, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQB |= 0x80
            }
        }

        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 3)
            Name (_PRS, ResourceTemplate ()
            {
                IRQ (Level, ActiveLow, Shared, ) {5,10,11}
            })
            Method (_STA, 0, NotSerialized)
            {
                Return (LSTA (\_SB.PCI0.ISA.PRQC))
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (LCRS (\_SB.PCI0.ISA.PRQC))
            }
            Method (_SRS, 1, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQC = LSRS (Arg0)
            }
            Method (_DIS, 0, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQC |= 0x80
            }
        }

        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 4)
            Name (_PRS, ResourceTemplate ()
            {
                IRQ (Level, ActiveLow, Shared, ) {5,10,11}
            })
            Method (_STA, 0, NotSerialized)
            {
                Return (LSTA (\_SB.PCI0.ISA.PRQD))
            }
            Method (_CRS, 0, NotSerialized)
            {
                Return (LCRS (\_SB.PCI0.ISA.PRQD))
            }
            Method (_SRS, 1, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQD = LSRS (Arg0)
            }
            Method (_DIS, 0, NotSerialized)
            {
                \_SB.PCI0.ISA.PRQD |= 0x80
            }
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
