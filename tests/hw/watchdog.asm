; watchdog.asm — a 64 KiB BIOS ROM for test_watchdog.sh.  Built twice:
;  -DIDLE: the CPU halts with interrupts enabled and every IRQ masked, for
;   ever: an idle machine, which the no-progress watchdog must leave alone;
;  -DLOOP: #UD whose handler is a UD2: an exception loop that retires no
;   instruction, which the watchdog must end.
[bits 16]
        org 0                           ; F000:0000 = physical F0000h
start:
        cli
        xor ax, ax
        mov ds, ax
        mov ax, 0x1000                  ; the stack wraps within 10000h-1FFFFh,
        mov ss, ax                      ; clear of the IVT
        xor sp, sp
        mov al, 0xff                    ; every IRQ masked (the PIC as reset)
        out 0x21, al
        out 0xa1, al
%ifdef IDLE
        sti
.halt:  hlt
        jmp .halt
%else
        mov word [6 * 4], bad           ; #UD -> bad
        mov word [6 * 4 + 2], cs
bad:    ud2
%endif
        times 0xfff0 - ($ - $$) db 0xff
        jmp 0xf000:start                ; reset vector
        times 0x10000 - ($ - $$) db 0xff
