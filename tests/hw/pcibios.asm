; pcibios.asm - a boot sector that checks our BIOS's PCI services on
; --machine pc (test_pcibios.sh): int 1Ah B101h installation check, B102h
; find device (found, past the last index, bad vendor), B103h find class,
; B108h-B10Ah reads (IDs, header type, the BARs POST assigned, the IDE
; function's command register), B109h with an odd register (87h),
; B10Bh-B10Dh writes read back (PIRQRC, the VGA's BAR0 moved and put
; back), an unknown function (81h); the $PIR table (signature, checksum,
; router 01.0); and PAM0 through B10Bh: F0000h is RAM, writable at 30h and
; not at 10h.  Exit (port F4h): 10h all passed (status 33); 11h no PCI BIOS
; (status 35, what --machine isa must give); check n failed: n (2n+1);
; 15: sectors 2-3 could not be read.
        org 0x7C00
        bits 16
        cpu 386
%include "bootsector.inc"

%macro PCI 1                            ; int 1Ah with AX = %1
        mov ax, %1
        int 0x1A
%endmacro

        BOOT_SECTOR

main:   mov bp, 1
        PCI 0xB101
        jc nopci
        test ah, ah
        jnz fail
        cmp edx, 0x20494350             ; "PCI "
        jne fail
        cmp bx, 0x0210
        jne fail
        test al, 1
        jz fail

        mov bp, 2                       ; 8086:7010 is 01.1
        mov cx, 0x7010
        mov dx, 0x8086
        xor si, si
        PCI 0xB102
        jc fail
        cmp bx, 0x0009
        jne fail
        mov bp, 3                       ; there is one only
        inc si
        PCI 0xB102
        jnc fail
        cmp ah, 0x86
        jne fail
        mov bp, 4
        mov dx, 0xFFFF
        PCI 0xB102
        jnc fail
        cmp ah, 0x83
        jne fail

        mov bp, 5                       ; VGA class: 02.0
        mov ecx, 0x030000
        xor si, si
        PCI 0xB103
        jc fail
        cmp bx, 0x0010
        jne fail
        mov bp, 6                       ; IDE, bus master, legacy: 01.1
        mov ecx, 0x010180
        PCI 0xB103
        jc fail
        cmp bx, 0x0009
        jne fail

        mov bp, 7
        xor bx, bx
        xor di, di
        PCI 0xB10A
        jc fail
        cmp ecx, 0x12378086
        jne fail
        mov bp, 8
        mov bl, 0x08
        mov di, 0x0E
        PCI 0xB108
        cmp cl, 0x80                    ; the PIIX3 is multi-function
        jne fail
        mov bl, 0x10
        mov di, 2
        PCI 0xB109
        cmp cx, 0x1111
        jne fail

        mov bp, 9                       ; what POST assigned
        mov di, 0x10
        PCI 0xB10A
        cmp ecx, 0xE0000008
        jne fail
        mov bl, 0x09
        mov di, 0x20
        PCI 0xB10A
        cmp ecx, 0xC001
        jne fail
        mov di, 0x04
        PCI 0xB109
        and cx, 5                       ; I/O space, bus master
        cmp cx, 5
        jne fail

        mov bp, 10
        mov di, 0x61
        PCI 0xB109
        jnc fail
        cmp ah, 0x87
        jne fail

        mov bp, 11                      ; writes
        mov bl, 0x08
        mov di, 0x63
        mov cl, 0x85
        PCI 0xB10B
        jc fail
        mov di, 0x60
        PCI 0xB10A
        cmp ecx, 0x850B0A0A
        jne fail
        mov di, 0x62
        mov cx, 0x0B0B
        PCI 0xB10C
        mov di, 0x60
        PCI 0xB10A
        cmp ecx, 0x0B0B0A0A
        jne fail
        mov bl, 0x10
        mov di, 0x10
        mov ecx, 0xE1234567
        PCI 0xB10D
        PCI 0xB10A
        cmp ecx, 0xE1000008
        jne fail
        mov ecx, 0xE0000000
        PCI 0xB10D

        mov bp, 12
        PCI 0xB1FF
        jnc fail
        cmp ah, 0x81
        jne fail

        mov bp, 13                      ; $PIR in F0000h-FFFFFh
        push word 0xF000
        pop es
        xor si, si
.scan:  cmp dword [es:si], '$PIR'
        je .pir
        add si, 16
        jnz .scan
        jmp fail
.pir:   mov cx, [es:si+6]
        xor al, al
        mov bx, si
.sum:   add al, [es:bx]
        inc bx
        loop .sum
        test al, al
        jnz fail
        cmp word [es:si+8], 0x0800      ; router: bus 0, devfn 08h
        jne fail

        mov bp, 14                      ; PAM0: the F segment is RAM
        inc byte [es:si+20]             ; a reserved byte of $PIR
        cmp byte [es:si+20], 1
        jne fail
        xor bx, bx
        mov di, 0x59
        mov cl, 0x10                    ; read-only
        PCI 0xB10B
        dec byte [es:si+20]             ; lost
        cmp byte [es:si+20], 1
        jne fail
        mov cl, 0x30
        PCI 0xB10B
        dec byte [es:si+20]
        cmp byte [es:si+20], 0
        jne fail

        BOOT_EXITS

        times 1536 - ($ - $$) db 0
