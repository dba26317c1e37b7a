; biostest-iso.asm - the BIOS self-test as a small ISO 9660 CD image with an
; El Torito "no emulation" boot entry (load segment 07E0h, image at sector
; 21): a 512-byte stub that jumps to 0000:8000, then biostest.bin (from the
; include path), which lands at 8000h. Tests int 13h on drive E0h.

SECTOR          equ 2048
CATALOG_LBA     equ 19
ROOT_LBA        equ 20
IMAGE_LBA       equ 21

%macro BOTH16 1                 ; both-endian word
        dw %1
        db (%1 >> 8) & 0xFF, %1 & 0xFF
%endmacro
%macro BOTH32 1                 ; both-endian dword
        dd %1
        db (%1 >> 24) & 0xFF, (%1 >> 16) & 0xFF, (%1 >> 8) & 0xFF, %1 & 0xFF
%endmacro
%macro DIRREC 2                 ; directory record for the root: extent, name byte
        db 34, 0
        BOTH32 ROOT_LBA
        BOTH32 SECTOR
        db 126, 11, 23, 12, 0, 0, 0     ; 2026-11-23 12:00:00 UTC
        db 0x02, 0, 0                   ; directory
        BOTH16 1
        db 1, %2
%endmacro

        times 16*SECTOR db 0
; ---- 16: primary volume descriptor
pvd:    db 1, "CD001", 1, 0
        times 32 db ' '                 ; system id
        db "X86VM_BIOS_TEST"            ; volume id (32)
        times 17 db ' '
        times 8 db 0
        BOTH32 total_sectors
        times 32 db 0
        BOTH16 1                        ; volume set size
        BOTH16 1                        ; sequence number
        BOTH16 SECTOR                   ; logical block size
        BOTH32 10                       ; path table size
        dd 0, 0                         ; L path tables (none used)
        dd 0, 0                         ; M path tables
        DIRREC ROOT_LBA, 0              ; root directory record
        times 128*4 db ' '              ; set, publisher, preparer, application
        times 37*3 db ' '               ; file ids
        times 4 * 17 db '0'             ; dates
        db 1                            ; file structure version
        times 16*SECTOR + SECTOR - ($ - $$) db 0
; ---- 17: El Torito boot record
        db 0, "CD001", 1
        db "EL TORITO SPECIFICATION"
        times 32 - 23 db 0
        times 32 db 0
        dd CATALOG_LBA
        times 18*SECTOR - ($ - $$) db 0
; ---- 18: terminator
        db 255, "CD001", 1
        times 19*SECTOR - ($ - $$) db 0
; ---- 19: boot catalog
        db 1, 0                         ; validation entry, platform 80x86
        dw 0
        times 24 db 0                   ; id string
        dw 0x55AA                       ; checksum: words sum to 0
        db 0x55, 0xAA
        db 0x88, 0                      ; bootable, no emulation
        dw 0x07E0                       ; load segment
        db 0, 0
        dw (image_end - image) / 512    ; 512-byte sectors to load
        dd IMAGE_LBA
        times 20*SECTOR - ($ - $$) db 0
; ---- 20: root directory
        DIRREC ROOT_LBA, 0
        DIRREC ROOT_LBA, 1
        times 21*SECTOR - ($ - $$) db 0
; ---- 21: boot image
image:  jmp 0x0000:0x8000               ; runs at 07E0:0000
        times 510 - ($ - image) db 0
        dw 0xAA55
        incbin "biostest.bin"
        align 512, db 0
image_end:
        align SECTOR, db 0
total_sectors equ ($ - $$) / SECTOR
