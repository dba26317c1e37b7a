; vbe_guest.asm - a floppy boot sector (plus three sectors) that uses our
; BIOS's VBE 2.0 calls as a boot loader or Linux's setup code would:
; 4F00h controller info with the 'VBE2' request (signature, version, memory,
; the mode list holding 114h and 143h, OEM strings in the caller's buffer),
; 4F01h mode 114h (800x600x16 5:6:5, LFB at E0000000h), 4F01h of an unknown
; mode fails, 4F02h 4114h (LFB), 4F03h, 4F06h, 4F07h, 4F08h (8-bit DAC and
; back), 4F04h fails properly, 4F05h bank 1; then draws in big real mode
; through the linear framebuffer (A32 REP STOSW rows and a single store) and
; through the bank window, and exits through port F4h: 55h on success, else
; the number of the failed check.  test_vbe_guest.c checks the pixels.
        bits 16
        cpu 386
        org 0x7C00

start:  cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov ax, 0x0203                  ; read 3 sectors
        mov cx, 0x0002                  ; cylinder 0, sector 2
        xor dh, dh
        mov bx, 0x7E00
        int 0x13
        mov al, 1
        jc fail
        jmp main

fail:   out 0xF4, al
.h:     cli
        hlt
        jmp .h

%macro CHECK 2                          ; condition code, failure number
        mov al, %2
        j%-1 fail
%endmacro

        times 510 - ($ - $$) db 0
        dw 0xAA55

INFO    equ 0x9000                      ; 512-byte controller info
MINFO   equ 0x9400                      ; 256-byte mode info

main:   mov di, INFO
        mov dword [di], 'VBE2'
        mov ax, 0x4F00
        int 0x10
        cmp ax, 0x004F
        CHECK e, 2
        cmp dword [INFO], 'VESA'
        CHECK e, 3
        cmp word [INFO+4], 0x0200
        CHECK e, 4
        cmp word [INFO+18], 256         ; 16 MiB in 64 KiB units
        CHECK e, 5
        cmp word [INFO+6], INFO+0x100   ; OEM string in the OEM data area
        CHECK e, 6
        cmp dword [INFO+0x100], 'x86v'
        CHECK e, 7
        lfs si, [INFO+14]               ; the mode list
        xor bx, bx
.ml:    mov ax, [fs:si]
        add si, 2
        cmp ax, 0xFFFF
        je .mlend
        cmp ax, 0x114
        jne .m2
        or bl, 1
.m2:    cmp ax, 0x143
        jne .ml
        or bl, 2
        jmp .ml
.mlend: cmp bl, 3
        CHECK e, 8

        mov ax, 0x4F01
        mov cx, 0x114
        mov di, MINFO
        int 0x10
        cmp ax, 0x004F
        CHECK e, 9
        mov ax, [MINFO]
        and ax, 0x99
        cmp ax, 0x99
        CHECK e, 10
        cmp word [MINFO+18], 800
        CHECK e, 11
        cmp word [MINFO+20], 600
        CHECK e, 12
        cmp byte [MINFO+25], 16
        CHECK e, 13
        cmp byte [MINFO+27], 6          ; direct colour
        CHECK e, 14
        cmp word [MINFO+16], 1600
        CHECK e, 15
        cmp dword [MINFO+40], 0xE0000000
        CHECK e, 16
        cmp word [MINFO+31], 0x0B05     ; red: 5 bits at 11
        CHECK e, 17
        mov ax, 0x4F01
        mov cx, 0x1FF
        int 0x10
        cmp ax, 0x014F
        CHECK e, 18

        mov ax, 0x4F02
        mov bx, 0x4114
        int 0x10
        cmp ax, 0x004F
        CHECK e, 19
        mov ax, 0x4F03
        int 0x10
        cmp ax, 0x004F
        CHECK e, 20
        cmp bx, 0x4114
        CHECK e, 21
        mov ax, 0x4F06
        mov bl, 1
        int 0x10
        cmp ax, 0x004F
        CHECK e, 22
        cmp bx, 1600
        CHECK e, 23
        cmp cx, 800
        CHECK e, 24
        mov ax, 0x4F07
        mov bl, 1
        int 0x10
        or cx, dx
        CHECK z, 25
        mov ax, 0x4F08
        mov bx, 0x0800                  ; 8-bit DAC
        int 0x10
        cmp bh, 8
        CHECK e, 26
        mov ax, 0x4F08
        mov bx, 0x0600
        int 0x10
        cmp bh, 6
        CHECK e, 27
        mov ax, 0x4F04
        xor dl, dl
        mov cx, 0x000F
        int 0x10
        cmp ax, 0x014F
        CHECK e, 28
        mov ax, 0x4F05
        xor bx, bx
        mov dx, 1
        int 0x10
        cmp ax, 0x004F
        CHECK e, 29

        ; Big real mode: ES and FS with a 4 GiB limit at base 0.
        cli
        lgdt [gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp .pm
.pm:    mov bx, 8
        mov es, bx
        mov fs, bx
        and al, 0xFE
        mov cr0, eax
        jmp 0:.real
.real:  sti
        ; Red rectangle x 100-199, y 100-149, one A32 REP STOSW a row.
        cld
        mov edx, 100
.row:   imul edi, edx, 1600
        add edi, 0xE0000000 + 200
        mov ax, 0xF800
        mov ecx, 100
        a32 rep stosw
        inc edx
        cmp edx, 150
        jb .row
        mov word [fs:dword 0xE0000000 + (10 * 800 + 10) * 2], 0x001F  ; blue dot
        ; Green through bank 1 at A0000h: byte 10000h = pixel 32768 = (768, 40).
        mov ax, 0xA000
        mov gs, ax
        mov word [gs:0], 0x07E0
        cmp word [fs:dword 0xE0010000], 0x07E0
        CHECK e, 30
        mov al, 0x55
        jmp fail

gdt:    dq 0
        dq 0x00CF92000000FFFF           ; data, base 0, 4 GiB
gdtr:   dw 15
        dd gdt

        times 2048 - ($ - $$) db 0
        times 1474560 - ($ - $$) db 0
