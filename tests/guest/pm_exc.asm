; pm_exc.asm — exception delivery details: error codes that name IDT
; entries (EXT bit for hardware events, IDT bit), not-present and malformed
; gates, a gate whose target is not code, double fault (#GP while delivering
; #GP), #TS for a TSS that is too small, LTR checks, 16-bit interrupt gates
; and 16-bit call gates with 16-bit frames.
%include "pm.inc"

SEL_SMALLTSS equ 0x40
SEL_CGATE16  equ 0x48

%macro SETIDTSEL 4   ; vector, selector, offset, attributes
        pushad
        mov ecx, %1
        mov dx, %2
        mov eax, %3
        mov ebx, %4
        call set_idt_sel
        popad
%endmacro

test_main:
        ; hardware exception through a not-present gate: #NP(vector*8 + 2 + EXT)
        SETIDT 6, isr_6, 0x0e00
        TRY .t1
        ud2
.t1:    EXPECT_FAULT 11, 6 * 8 + 3
        SETIDT 6, isr_6, 0x8e00
        ; software INT to a not-present gate: EXT clear
        SETIDT 0x50, isr_other, 0x0e00
        TRY .t2
        int 0x50
.t2:    EXPECT_FAULT 11, 0x50 * 8 + 2
        ; a call-gate type in the IDT: #GP(vector*8 + 2)
        SETIDT 0x51, isr_other, 0x8c00
        TRY .t3
        int 0x51
.t3:    EXPECT_FAULT 13, 0x51 * 8 + 2
        ; a gate whose selector names data: #GP(selector)
        SETIDTSEL 0x52, SEL_DATA0, isr_other, 0x8e00
        TRY .t4
        int 0x52
.t4:    EXPECT_FAULT 13, SEL_DATA0
        ; a gate whose selector is null: #GP(0)
        SETIDTSEL 0x53, 0, isr_other, 0x8e00
        TRY .t5
        int 0x53
.t5:    EXPECT_FAULT 13, 0
        ; double fault: the #GP gate is not present -> #NP while delivering #GP -> #DF(0)
        SETIDT 13, isr_13, 0x0e00
        TRY .t6
        mov ax, 0x1f8
        mov es, ax
.t6:    EXPECT_FAULT 8, 0
        SETIDT 13, isr_13, 0x8e00
        mov ax, es
        CHECK ax, SEL_DATA0, e

        ; a TSS below the minimum limit: #TS(sel)
        mov dword [gdt + SEL_SMALLTSS], DLO(0x20000, 0x20)
        mov dword [gdt + SEL_SMALLTSS + 4], DHI(0x20000, 0x20, 0x89, 0)
        TRY .t7
        jmp SEL_SMALLTSS:0
.t7:    EXPECT_FAULT 10, SEL_SMALLTSS
        ; LTR: busy TSS, null, data
        TRY .t8
        mov ax, SEL_TSS
        ltr ax
.t8:    EXPECT_FAULT 13, SEL_TSS
        TRY .t9
        xor ax, ax
        ltr ax
.t9:    EXPECT_FAULT 13, 0
        TRY .t10
        mov ax, SEL_DATA0
        ltr ax
.t10:   EXPECT_FAULT 13, SEL_DATA0

        ; 16-bit interrupt gate into 16-bit code: IP, CS, FLAGS as words
        SETIDTSEL 0x60, SEL_CODE16, handler16, 0x8600
        mov ebx, esp
        int 0x60
after_int60:
        CHECK esp, ebx, e
        CHECK word [h16_cs], SEL_CODE0, e
        CHECK word [h16_ip], after_int60, e
        CHECK dword [h16_sp], STACK0_TOP - 6, e
        ; 16-bit call gate: CS and IP pushed as words
        SETGATE SEL_CGATE16, SEL_CODE16, func16, 0x84, 0
        call SEL_CGATE16:0
        CHECK esp, ebx, e
        CHECK dword [h16_sp], STACK0_TOP - 4, e
        CHECK word [h16_cs], SEL_CODE0, e
        jmp pass

[bits 16]
handler16:
        mov bp, sp
        mov [h16_sp], esp
        mov ax, [bp]
        mov [h16_ip], ax
        mov ax, [bp + 2]
        mov [h16_cs], ax
        iret
func16:
        mov bp, sp
        mov [h16_sp], esp
        mov ax, [bp + 2]
        mov [h16_cs], ax
        retf
[bits 32]

align 4
h16_sp: dd 0
h16_ip: dw 0
h16_cs: dw 0
