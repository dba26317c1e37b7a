; pm16.asm — 16-bit protected mode across privilege levels: a 16-bit TSS
; (its SP0/SS0 give the inner stack), 16-bit ring-3 code, a 16-bit
; interrupt gate with a 16-bit frame and IRET back to ring 3, a 16-bit call
; gate copying a word parameter with RETF 2 back, and a 32-bit gate taken
; from 16-bit code onto a 16-bit stack.
%include "pm.inc"

SEL_TSS16  equ 0x40
SEL_CODE3_16 equ 0x4b           ; 16-bit code, DPL 3
SEL_DATA3_16 equ 0x53           ; 16-bit data, DPL 3
SEL_CGATE16 equ 0x58            ; 16-bit call gate, DPL 3, one word parameter
SP0_16     equ 0x6800
SP3_16     equ 0x5800

; ring-3 16-bit check: record the failing address and fault (HLT) to report it
%macro CHECK16 3
        cmp %1, %2
        j%3 %%ok
        mov eax, $
        mov [fail_line], eax
        hlt
%%ok:
%endmacro

test_main:
        mov dword [gdt + SEL_TSS16], DLO(ABS(tss16), 0x2b)
        mov dword [gdt + SEL_TSS16 + 4], DHI(ABS(tss16), 0x2b, 0x81, 0)
        SETDESC SEL_CODE3_16, 0, 0xffff, 0xfa, 0
        SETDESC SEL_DATA3_16, 0, 0xffff, 0xf2, 0
        SETGATE SEL_CGATE16, SEL_CODE16, gate16_target, 0xe4, 1
        ; IDT 0x70: 16-bit interrupt gate, DPL 3, into 16-bit ring-0 code
        pushad
        mov ecx, 0x70
        mov dx, SEL_CODE16
        mov eax, int70_16
        mov bx, 0xe600
        call set_idt_sel
        popad
        SETIDT 0x71, finish32, 0xee00
        mov ax, SEL_TSS16
        ltr ax
        mov ax, SEL_DATA3_16
        mov ds, ax
        mov es, ax
        push dword SEL_DATA3_16
        push dword SP3_16
        push dword 2
        push dword SEL_CODE3_16
        push dword ring3_16
        iret

[bits 16]
ring3_16:
        mov ax, cs
        CHECK16 ax, SEL_CODE3_16, e
        CHECK16 sp, SP3_16, e
        ; 16-bit interrupt gate
        mov ax, 0x1111
        int 0x70
        CHECK16 ax, 0x2222, e
        CHECK16 sp, SP3_16, e
        mov bx, ss
        CHECK16 bx, SEL_DATA3_16, e
        ; 16-bit call gate with one word parameter
        push word 0x4444
        call SEL_CGATE16:0
        CHECK16 ax, 0x4445, e
        CHECK16 sp, SP3_16, e
        ; 32-bit gate from 16-bit code
        int 0x71
        mov eax, $
        mov [fail_line], eax
        hlt

int70_16:                               ; ring 0, 16-bit code, 16-bit stack
        mov bp, sp
        mov bx, ss
        CHECK16 bx, SEL_DATA16, e
        CHECK16 sp, SP0_16 - 10, e
        CHECK16 word [bp + 2], SEL_CODE3_16, e
        CHECK16 word [bp + 6], SP3_16, e
        CHECK16 word [bp + 8], SEL_DATA3_16, e
        mov ax, cs
        CHECK16 ax, SEL_CODE16, e
        mov ax, 0x2222
        iret

gate16_target:                          ; ring 0 through the call gate
        mov bp, sp
        CHECK16 sp, SP0_16 - 10, e
        CHECK16 word [bp + 2], SEL_CODE3_16, e
        CHECK16 word [bp + 4], 0x4444, e        ; the copied parameter
        CHECK16 word [bp + 6], SP3_16 - 2, e
        CHECK16 word [bp + 8], SEL_DATA3_16, e
        mov ax, [bp + 4]
        inc ax
        retf 2
[bits 32]

finish32:
        mov bx, ss
        CHECK bx, SEL_DATA16, e
        CHECK esp, SP0_16 - 20, e
        CHECK dword [esp + 4], SEL_CODE3_16, e
        CHECK dword [esp + 16], SEL_DATA3_16, e
        jmp pass

align 16
tss16:  dw 0                    ; back link
        dw SP0_16, SEL_DATA16   ; sp0, ss0
        times 4 dw 0            ; sp1..ss2
        dw 0, 2                 ; ip, flags
        times 8 dw 0            ; registers
        times 4 dw 0            ; es cs ss ds
        dw 0                    ; ldt
