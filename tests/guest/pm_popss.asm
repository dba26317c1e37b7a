; pm_popss.asm — POP SS between stacks of different sizes.
;
; A pop reads at SS:(E)SP and increments the stack pointer with the size of
; the stack it was made from (SDM vol. 2, POP: "the stack address size is
; determined by the B flag of the current SS"; the increment belongs to that
; same access): when the popped selector's descriptor has another B bit, the
; increment still wraps as the old stack's did.  From a 16-bit stack
; (B = 0) only SP changes and ESP[31:16] stays; from a 32-bit stack all of
; ESP changes.  The new SS's size applies from the next instruction.
%include "pm.inc"

SEL_S16 equ 0x40        ; stack, 16-bit (B = 0), base 1 MiB, 4 GiB limit
SEL_S32 equ 0x48        ; stack, 32-bit (B = 1), base 1 MiB, 4 GiB limit
SBASE   equ 0x100000

test_main:
        SETDESC SEL_S16, SBASE, 0xfffff, 0x92, 0x8
        SETDESC SEL_S32, SBASE, 0xfffff, 0x92, 0xc

        ; 1. o32 POP SS on a 16-bit stack, loading a 32-bit SS: SP FFFC+4
        ;    wraps to 0, ESP[31:16] stays: ESP = 0x00020000.
        mov dword [SBASE + 0xfffc], SEL_S32
        mov ax, SEL_S16
        mov ss, ax
        mov esp, 0x0002fffc
        o32 pop ss
        mov ebx, esp
        mov cx, ss
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK cx, SEL_S32, e
        CHECK ebx, 0x00020000, e

        ; 2. o16 POP SS, the same way: SP FFFE+2 wraps.
        mov word [SBASE + 0xfffe], SEL_S32
        mov ax, SEL_S16
        mov ss, ax
        mov esp, 0x0002fffe
        o16 pop ss
        mov ebx, esp
        mov cx, ss
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK cx, SEL_S32, e
        CHECK ebx, 0x00020000, e

        ; 3. o32 POP SS on a 32-bit stack, loading a 16-bit SS: ESP
        ;    0x0002fffc + 4 = 0x00030000 (the carry reaches bit 16).
        mov dword [SBASE + 0x2fffc], SEL_S16
        mov ax, SEL_S32
        mov ss, ax
        mov esp, 0x0002fffc
        o32 pop ss
        mov ebx, esp
        mov cx, ss
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK cx, SEL_S16, e
        CHECK ebx, 0x00030000, e

        ; 4. o16 POP SS from a 32-bit stack to a 16-bit one.
        mov word [SBASE + 0x2fffe], SEL_S16
        mov ax, SEL_S32
        mov ss, ax
        mov esp, 0x0002fffe
        o16 pop ss
        mov ebx, esp
        mov cx, ss
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK cx, SEL_S16, e
        CHECK ebx, 0x00030000, e

        ; 5. Same sizes still wrap their own way: 16 -> 16 and 32 -> 32.
        mov dword [SBASE + 0xfffc], SEL_S16
        mov ax, SEL_S16
        mov ss, ax
        mov esp, 0x0002fffc
        o32 pop ss
        mov ebx, esp
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK ebx, 0x00020000, e
        mov dword [SBASE + 0x2fffc], SEL_S32
        mov ax, SEL_S32
        mov ss, ax
        mov esp, 0x0002fffc
        o32 pop ss
        mov ebx, esp
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK ebx, 0x00030000, e

        ; 6. After the load the new size is used: a push on the 32-bit
        ;    stack popped from the 16-bit one decrements all of ESP.
        mov dword [SBASE + 0xfffc], SEL_S32
        mov ax, SEL_S16
        mov ss, ax
        mov esp, 0x0002fffc
        o32 pop ss                      ; ESP = 0x00020000, now 32-bit
        push dword 0x12345678           ; ESP = 0x0001fffc
        mov ebx, esp
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        CHECK ebx, 0x0001fffc, e
        CHECK dword [SBASE + 0x1fffc], 0x12345678, e

        ; 7. A faulting POP SS changes nothing: a null selector gives
        ;    #GP(0) with ESP as it was.  (ESP[31:16] = 0 here: the fault
        ;    handler addresses its frame through ESP.)
        mov dword [SBASE + 0xfffc], 0
        mov ax, SEL_S16
        mov ss, ax
        mov esp, 0x0000fffc
        TRY .t7
        o32 pop ss
.t7:    mov ebx, esp
        mov cx, ss
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
        EXPECT_FAULT 13, 0
        CHECK cx, SEL_S16, e
        CHECK ebx, 0x0000fffc, e
        jmp pass
