; boot.asm - x86vm default guest, boot sector: loads the second stage
; (STAGE2_SECTORS sectors following this one) to 0000:8000 with int 13h and
; jumps to it with DL = boot drive. Written from scratch for x86vm.

        cpu 386
        bits 16
        org 0x7C00

%ifndef STAGE2_SECTORS
%error "STAGE2_SECTORS must be defined"
%endif

STAGE2_SEG      equ 0x0800

start:
        jmp short main
        nop
        db "X86VMGST"           ; OEM name (no BPB: this is not a FAT disk)

main:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov [boot_drive], dl
        mov si, msg_loading
        call print
        ; geometry from the BIOS; keep 1.44 MB defaults if it fails
        mov ah, 0x08
        mov dl, [boot_drive]
        push es
        int 0x13
        pop es
        jc .geom_done
        and cl, 0x3F
        jz .geom_done
        mov [spt], cl
        inc dh
        mov [heads], dh
.geom_done:
        mov ax, STAGE2_SEG
        mov es, ax
        mov word [lba], 1
        mov word [left], STAGE2_SECTORS
.next:  cmp word [left], 0
        je .loaded
        ; LBA -> CHS
        mov ax, [lba]
        xor dx, dx
        movzx bx, byte [spt]
        div bx                  ; AX = track, DX = sector - 1
        inc dl
        mov cl, dl
        xor dx, dx
        movzx bx, byte [heads]
        div bx                  ; AX = cylinder, DX = head
        mov ch, al
        shl ah, 6
        or cl, ah
        mov dh, dl
        mov dl, [boot_drive]
        mov byte [tries], 3
.read:  mov ax, 0x0201
        xor bx, bx
        int 0x13
        jnc .ok
        dec byte [tries]
        jz fail
        xor ah, ah
        int 0x13
        jmp .read
.ok:    mov ax, es
        add ax, 0x20
        mov es, ax
        inc word [lba]
        dec word [left]
        mov al, '.'
        call putc
        jmp .next
.loaded:
        mov si, msg_crlf
        call print
        mov dl, [boot_drive]
        jmp 0x0000:0x8000

fail:   mov si, msg_fail
        call print
.halt:  hlt
        jmp .halt

; print: DS:SI ASCIIZ via int 10h teletype
print:  lodsb
        test al, al
        jz .done
        call putc
        jmp print
.done:  ret

putc:   push bx
        mov ah, 0x0E
        mov bx, 0x0007
        int 0x10
        pop bx
        ret

msg_loading:    db "x86vm guest: loading", 0
msg_crlf:       db 13, 10, 0
msg_fail:       db 13, 10, "x86vm guest: disk read error", 13, 10, 0
boot_drive:     db 0
spt:            db 18
heads:          db 2
tries:          db 0
lba:            dw 0
left:           dw 0

        times 510 - ($ - $$) db 0
        dw 0xAA55
