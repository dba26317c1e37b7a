; pm_irq_timer.asm — an interrupt raised between slices (as the machine's
; timers raise theirs) at chosen instruction counts: it is taken at the
; first instruction boundary where IF allows it, except in the shadow of STI
; and MOV SS, which holds it back for exactly one more instruction.  The
; engine may have run the instruction before the boundary inside a longer
; block (the JIT runs a block that fits the slice, the interpreter a trace):
; neither may lose the shadow or take the interrupt late.
;
; The device is run_guest's one-shot timer (port 0xF7): OUT of N raises the
; doorbell's vector (port 0xF6) once N more instructions have run.
%include "pm.inc"
%include "irq.inc"

; ARM n: the interrupt comes once n instructions after the OUT have run.
%macro ARM 1
        CLEAR
        mov dx, TIMER
        mov eax, %1
        out dx, eax
%endmacro

test_main:
        SETIDT VEC, isr_record, 0x8e00

        ; STI is the last instruction of the slice: the shadow still holds
        ; the interrupt for one instruction.
        cli
        ARM 4
        nop
        nop
        nop
        sti
        mov ecx, 0x11
.a1:    mov ecx, 0x12
        EXPECT .a1, 0x11

        ; the slice ends inside straight-line code with IF = 1
        ARM 3
        mov ecx, 0x21
        mov ecx, 0x22
        mov ecx, 0x23
.b1:    mov ecx, 0x24
        mov ecx, 0x25
        EXPECT .b1, 0x23

        ; POPF sets IF as the slice ends: no shadow
        cli
        pushfd
        or dword [esp], 0x200
        ARM 2
        mov ecx, 0x31
        popfd
.c1:    mov ecx, 0x32
        EXPECT .c1, 0x31

        ; MOV SS is the last instruction of the slice: its shadow too
        ARM 2
        mov ecx, 0x41
        mov ss, [ss_sel]
        mov ecx, 0x42
.d1:    mov ecx, 0x43
        EXPECT .d1, 0x42

        ; the slice ends right after a taken branch back in a loop (its
        ; third), with ECX = 1
        ARM 7
        mov ecx, 4
.e0:    dec ecx
        jnz .e0
        mov ecx, 0x51
        EXPECT .e0, 1

        cli
        jmp pass

align 4
ss_sel:    dd SEL_DATA0
