; watchdog.asm — a 64 KiB BIOS ROM for test_watchdog.sh.  Built twice:
;  -DIDLE: the CPU halts with interrupts enabled and every IRQ masked, for
;   ever: an idle machine, which the no-progress watchdog must leave alone;
;  -DLOOP: #UD whose handler is a UD2: an exception loop that retires no
;   instruction, which the watchdog must end;
;  -DAHEAD: 10^8 instructions of loop, then HLT until a PIT one-shot (55 ms)
;   and exit 0x11 on port F4h.  Run in real time with a large
;   --ns-per-insn, virtual time runs seconds ahead of the host (as with an
;   engine faster than its ns per instruction), and the CPU then waits,
;   halted, for the host to catch up: idle, not stuck.
%include "pic_irq0.inc"
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
%elifdef AHEAD
        PIC_IRQ0 irq0
        mov ecx, 50000000
.spin:  dec ecx
        jnz .spin
        mov al, 0x30                    ; channel 0, mode 0, count 65535
        out 0x43, al
        mov al, 0xff
        out 0x40, al
        out 0x40, al
        mov byte [0x500], 0
        sti
.wait:  hlt
        cmp byte [0x500], 0
        je .wait
        mov al, 0x11
        out 0xf4, al
        cli
        hlt
irq0:   mov byte [0x500], 1
        push ax
        mov al, 0x20
        out 0x20, al
        pop ax
        iret
%else
        mov word [6 * 4], bad           ; #UD -> bad
        mov word [6 * 4 + 2], cs
bad:    ud2
%endif
        times 0xfff0 - ($ - $$) db 0xff
        jmp 0xf000:start                ; reset vector
        times 0x10000 - ($ - $$) db 0xff
