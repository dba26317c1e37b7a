; pm_irq_in.asm — an interrupt that a port read raises is taken right after
; that IN, whatever comes next: straight-line code, a Jcc that falls
; through, a JMP, a CALL, a loop.  Every engine must stop there (the JIT's
; blocks and the interpreter's follow different paths past the IN, so a
; block that runs on to its end takes the interrupt late, with other
; registers and another return address).
;
; The device is run_guest's doorbell (port 0xF6): a write sets the vector,
; the next read raises INTR during the IN.  The handler records the return
; EIP and ECX, which the code after each IN overwrites at once.
%include "pm.inc"
%include "irq.inc"

; ARM: the next read of the doorbell raises VEC.
%macro ARM 0
        CLEAR
%endmacro

test_main:
        SETIDT VEC, isr_record, 0x8e00
        sti

        ; straight-line code, then a Jcc that falls through, more code
        ARM
        mov ecx, 0x11
        in al, dx
.a1:    mov ecx, 0x12
        add ecx, 1
        test ecx, ecx
        jz .a2
        mov ecx, 0x13
        cmp ecx, 0
        je .a2
        mov ecx, 0x14
.a2:    EXPECT .a1, 0x11

        ; immediate port, then a JMP onwards
        ARM
        mov ecx, 0x21
        in al, DOORBELL
.b1:    mov ecx, 0x22
        jmp .b2
        ud2
.b2:    mov ecx, 0x23
        EXPECT .b1, 0x21

        ; 16/32-bit forms, then a CALL
        ARM
        mov ecx, 0x31
        in ax, dx
.c1:    call .sub
        EXPECT .c1, 0x31
        ARM
        mov ecx, 0x32
        in eax, dx
.c2:    call .sub
        EXPECT .c2, 0x32

        ; a loop: the first IN raises it, in the first iteration
        ARM
        mov ecx, 5
.d0:    in al, dx
.d1:    dec ecx
        jnz .d0
        EXPECT .d1, 5

        ; a backward loop around the IN, the interpreter's loop block
        ARM
        mov ecx, 3
        xor ebx, ebx
.e0:    add ebx, ecx
        in al, dx
.e1:    add ebx, 1
        dec ecx
        jnz .e0
        EXPECT .e1, 3
        CHECK ebx, 3 + 1 + 2 + 1 + 1 + 1, e

        cli
        jmp pass

.sub:   mov ecx, 0x41
        add ecx, ecx
        ret
