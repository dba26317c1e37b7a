; idle_slack.asm — a 64 KiB BIOS ROM for test_idle_slack.sh: a guest that
; idles between timer ticks.  The PIT (channel 0, mode 2) interrupts at
; 1000 Hz; each IRQ0 counts; the CPU halts between them.  After 2000 ticks
; (2 s of virtual time, which in real time cannot run ahead of the host)
; it exits with 0x11 on port F4h (status 35).
%include "pic_irq0.inc"
[bits 16]
        org 0                           ; F000:0000 = physical F0000h
TICKS   equ 2000
start:
        cli
        xor ax, ax
        mov ds, ax
        mov ax, 0x1000
        mov ss, ax
        xor sp, sp
        PIC_IRQ0 irq0
        mov al, 0xff                    ; and every IRQ of the slave
        out 0xa1, al
        mov word [0x500], 0
        mov al, 0x34                    ; channel 0, mode 2, LSB then MSB
        out 0x43, al
        mov ax, 1193                    ; 1193182 Hz / 1193: 1000 Hz
        out 0x40, al
        mov al, ah
        out 0x40, al
        sti
.wait:  hlt
        cmp word [0x500], TICKS
        jb .wait
        mov al, 0x11
        out 0xf4, al
        cli
        hlt
irq0:   inc word [0x500]
        push ax
        mov al, 0x20
        out 0x20, al
        pop ax
        iret
        times 0xfff0 - ($ - $$) db 0xff
        jmp 0xf000:start                ; reset vector
        times 0x10000 - ($ - $$) db 0xff
