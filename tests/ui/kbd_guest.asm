; kbd_guest.asm — a boot floppy that reports the raw bytes the 8042 hands
; the CPU: IRQ1 masked, port 60h polled, every keyboard byte printed in hex
; on COM1 ("KBD 1E 9E ..."), 16 to a line.  Tests type keys (--send-keys or
; the window) and compare the bytes with the published scan code set 1.
        bits 16
        org 0x7c00
COM1    equ 0x3f8

start:  cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        in al, 0x21             ; mask IRQ1: the BIOS must not take the bytes
        or al, 0x02
        out 0x21, al
        mov si, ready
        call puts
        xor bx, bx              ; bytes on this line
.poll:  in al, 0x64
        test al, 0x01
        jz .poll
        test al, 0x20           ; mouse data: not ours
        jnz .skip
        in al, 0x60
        call hex2
        mov al, ' '
        call putc
        inc bx
        cmp bx, 16
        jb .poll
        xor bx, bx
        mov si, crlf
        call puts
        jmp .poll
.skip:  in al, 0x60
        jmp .poll

hex2:   push ax
        shr al, 4
        call .d
        pop ax
        and al, 0x0f
.d:     add al, '0'
        cmp al, '9'
        jbe putc
        add al, 'A' - '0' - 10
%include "com1.inc"        ; putc, puts

ready:  db 13, 10, "KBD-READY", 13, 10, 0
crlf:   db 13, 10, 0

        times 510 - ($ - $$) db 0
        dw 0xaa55
        times 1474560 - ($ - $$) db 0
