; irq13.asm — boot floppy for the whole machine: an unmasked x87 exception
; with CR0.NE = 0 reaches the CPU as IRQ13 (FERR# -> slave PIC input 5).
;
; Booted by our BIOS (real mode, PICs at 08h/70h).  The sector installs its
; own INT 75h handler, unmasks IRQ2 (cascade) and IRQ13, clears ZM and
; divides by zero.  The FDIV only flags the exception; the next waiting FPU
; instruction asserts FERR# and freezes: the interrupt is taken before it
; (its address is the return address) and it runs after the handler.
; The handler records the status word, writes port F0h (clear the FPU busy
; latch, as DOS-era handlers do), FNCLEX (drops FERR#), EOIs both PICs.
; Later rounds check that the interrupt comes again (before a waiting FLD1,
; which then runs once), that a masked exception raises nothing, and that with
; IRQ13 masked at the PIC the waiting instruction simply runs.
; Exit: port F4h gets 0 (pass: x86vm exits with status 1) or the failed
; check's number.  Progress is logged on port E9h.  Written for x86vm.
        cpu 686
        org 0x7c00
[bits 16]
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        mov word [0x75 * 4], irq13
        mov word [0x75 * 4 + 2], 0
        in al, 0x21
        and al, ~0x04                   ; IRQ2 cascade
        out 0x21, al
        in al, 0xa1
        and al, ~0x20                   ; IRQ13
        out 0xa1, al
        mov eax, cr0
        and eax, ~0x2c                  ; NE = EM = TS = 0
        or eax, 0x02                    ; MP
        mov cr0, eax
        sti

        ; ---- round 1 ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]             ; flags ZE, ES: no interrupt yet
        nop
        nop
        mov al, 1
        cmp word [count], 0
        jne fail
        fnstsw ax
        and ax, 0x80bf
        mov bl, 2
        cmp ax, 0x8084
        jne fail_bl
wait1:  fwait                           ; FERR#: IRQ13 is taken before it runs
        mov al, 3
        cmp word [count], 1
        jne fail
        mov al, 10
        cmp word [handler_ip], wait1    ; the frozen FWAIT is the return address
        jne fail
        mov al, 4
        cmp word [handler_sw], 0
        je fail
        mov ax, [handler_sw]
        and ax, 0x80bf
        mov bl, 5
        cmp ax, 0x8084
        jne fail_bl
        fwait                           ; cleared by the handler: nothing more
        nop
        mov al, 6
        cmp word [count], 1
        jne fail
        mov si, msg1
        call puts

        ; ---- round 2: the line is re-armed ----
        fld1
        fdiv dword [f_zero]
ld2:    fld1                            ; a waiting arithmetic instruction
        mov al, 7
        cmp word [count], 2
        jne fail
        mov al, 11
        cmp word [handler_ip], ld2
        jne fail
        fnstsw ax                       ; the FLD1 ran once, after the handler
        and ax, 0x38bf
        mov bl, 12
        cmp ax, 0x2800                  ; TOP = 5 (round 1 left one), no flags
        jne fail_bl
        fninit

        ; ---- round 3: masked exception, no interrupt ----
        fld1
        fdiv dword [f_zero]
        fwait
        fld1
        nop
        mov al, 8
        cmp word [count], 2
        jne fail
        fnstsw ax
        test al, 0x04                   ; ZE flagged, masked
        mov al, 9
        jz fail
        ; ---- round 4: IRQ13 masked at the PIC: no interrupt, no freeze ----
        fninit
        in al, 0xa1
        or al, 0x20
        out 0xa1, al
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        fwait                           ; FERR# goes nowhere: the FPU goes on
        fld1
        fnstsw ax
        and ax, 0x38bf
        mov bl, 13
        cmp ax, 0x3084                  ; the FLD1 ran (TOP 6), ZE still set
        jne fail_bl
        mov al, 14
        cmp word [count], 2
        jne fail
        fnclex
        mov si, msg2
        call puts
        xor al, al
        out 0xf4, al
        cli
        hlt

fail_bl:
        mov al, bl
fail:
        out 0xf4, al
        cli
        hlt

puts:   lodsb
        test al, al
        jz .e
        out 0xe9, al
        jmp puts
.e:     ret

irq13:
        push bp
        mov bp, sp
        push ax
        mov ax, [bp + 2]
        mov [cs:handler_ip], ax
        inc word [cs:count]
        fnstsw [cs:handler_sw]
        xor al, al
        out 0xf0, al
        fnclex
        mov al, 0x20
        out 0xa0, al
        out 0x20, al
        pop ax
        pop bp
        iret

align 4
f_zero:      dd 0.0
count:       dw 0
handler_sw:  dw 0
handler_ip:  dw 0
cw_zm_clear: dw 0x037b
msg1:        db "irq13: FERR# interrupt delivered", 10, 0
msg2:        db "irq13: ok", 10, 0
        times 510 - ($ - $$) db 0
        dw 0xaa55
        times 1474560 - ($ - $$) db 0
