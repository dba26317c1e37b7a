; pm_enter.asm — ENTER and LEAVE with every operand size x stack size,
; nesting levels 0, 1, >1 and masked to 5 bits, from the SDM's pseudo-code
; (vol. 2, ENTER / LEAVE):
;   ENTER: push (E)BP (operand size); FrameTemp <- ESP (stack size 32) or
;   SP (16): the stack pointer after that push; for level-1 times:
;   (E)BP -= n with the stack size, push [SS:(E)BP] (n = operand size);
;   push FrameTemp (level > 0); EBP <- FrameTemp (operand size 32: on a
;   16-bit stack ESP[31:16] are kept by the push, so EBP[31:16] = ESP[31:16],
;   as a 386 does) or BP <- FrameTemp[15:0] (EBP[31:16] kept); (E)SP -=
;   size with the stack size.
;   LEAVE: SP <- BP (16-bit stack, ESP[31:16] kept) or ESP <- EBP; then pop
;   (E)BP in the operand size.
; A copy reads its slot after the earlier pushes of the same ENTER.  A
; faulting ENTER leaves registers and memory unchanged.
%include "pm.inc"

SEL_S16  equ 0x40       ; stack, 16-bit (B = 0), base SBASE, 4 GiB limit
SEL_S32  equ 0x48       ; stack, 32-bit (B = 1), base SBASE, 4 GiB limit
SEL_SLIM equ 0x50       ; stack, 32-bit, base SBASE, limit 0xffff (bytes)
SBASE    equ 0x100000
MARK     equ 0x5a5a5a5a

; STK sel, esp, ebp: switch to that stack
%macro STK 3
        mov ax, %1
        mov ss, ax
        mov esp, %2
        mov ebp, %3
%endmacro
; BACK: record ESP/EBP in out_esp/out_ebp, back to the flat stack
%macro BACK 0
        mov [out_esp], esp
        mov [out_ebp], ebp
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP
%endmacro
; M32 off, value / M16: check the dword / word at SBASE + off
%macro M32 2
        CHECK dword [SBASE + (%1)], %2, e
%endmacro
%macro M16 2
        CHECK word [SBASE + (%1)], %2, e
%endmacro
%macro OUT 2
        CHECK dword [out_esp], %1, e
        CHECK dword [out_ebp], %2, e
%endmacro

test_main:
        SETDESC SEL_S16, SBASE, 0xfffff, 0x92, 0x8
        SETDESC SEL_S32, SBASE, 0xfffff, 0x92, 0xc
        SETDESC SEL_SLIM, SBASE, 0xffff, 0x92, 0x4

        ; ---- operand size 32, 16-bit stack ----
        ; level 0: EBP = ESP after the push, with ESP[31:16]
        STK SEL_S16, 0x00010000, 0x12345678
        o32 enter 8, 0
        BACK
        OUT 0x0001fff4, 0x0001fffc
        M32 0xfffc, 0x12345678

        ; level 36 = 4 (masked to 5 bits): three copies read at BP-4, BP-8,
        ; BP-12 (16-bit offsets: BP 0x0010 of EBP 0x00050010), then FrameTemp
        mov dword [SBASE + 0x0c], 0xa0a0a00c
        mov dword [SBASE + 0x08], 0xa0a0a008
        mov dword [SBASE + 0x04], 0xa0a0a004
        STK SEL_S16, 0x00010000, 0x00050010
        o32 enter 8, 36
        BACK
        OUT 0x0001ffe4, 0x0001fffc
        M32 0xfffc, 0x00050010
        M32 0xfff8, 0xa0a0a00c
        M32 0xfff4, 0xa0a0a008
        M32 0xfff0, 0xa0a0a004
        M32 0xffec, 0x0001fffc

        ; level 3, the copies' BP wraps at 16 bits: BP 0x0006 -> 0x0002, 0xfffe
        mov dword [SBASE + 0x02], 0xb0b0b002
        mov dword [SBASE + 0xfffe], 0xb0b0bffe
        STK SEL_S16, 0x00038000, 0x77770006
        o32 enter 0x100, 3
        BACK
        OUT 0x00037ef0, 0x00037ffc
        M32 0x7ffc, 0x77770006
        M32 0x7ff8, 0xb0b0b002
        M32 0x7ff4, 0xb0b0bffe
        M32 0x7ff0, 0x00037ffc

        ; ---- operand size 16, 32-bit stack ----
        ; level 3: copies from EBP-2, EBP-4 (32-bit offsets); BP <- FrameTemp[15:0],
        ; EBP[31:16] kept
        mov word [SBASE + 0x2000e], 0xc00e
        mov word [SBASE + 0x2000c], 0xc00c
        STK SEL_S32, 0x00020000, 0x00020010
        o16 enter 4, 3
        BACK
        OUT 0x0001fff4, 0x0002fffe
        M16 0x1fffe, 0x0010
        M16 0x1fffc, 0xc00e
        M16 0x1fffa, 0xc00c
        M16 0x1fff8, 0xfffe
        ; level 1: only FrameTemp is pushed
        STK SEL_S32, 0x00020000, 0xdead1234
        o16 enter 0x10, 1
        BACK
        OUT 0x0001ffec, 0xdeadfffe
        M16 0x1fffe, 0x1234
        M16 0x1fffc, 0xfffe

        ; ---- operand size 16, 16-bit stack ----
        ; level 2, SP wraps: push BP at 0x0000, copy [BP-2], FrameTemp 0x0000
        mov word [SBASE + 0x0004], 0xd004
        STK SEL_S16, 0x00030002, 0xabcd0006
        o16 enter 2, 2
        BACK
        OUT 0x0003fffa, 0xabcd0000
        M16 0x0000, 0x0006
        M16 0xfffe, 0xd004
        M16 0xfffc, 0x0000
        ; level 0, size 0
        STK SEL_S16, 0x12340100, 0x5678abcd
        o16 enter 0, 0
        BACK
        OUT 0x123400fe, 0x567800fe
        M16 0x00fe, 0xabcd

        ; ---- operand size 32, 32-bit stack ----
        ; level 1
        STK SEL_S32, 0x00020000, 0x11111111
        o32 enter 0x10, 1
        BACK
        OUT 0x0001ffe8, 0x0001fffc
        M32 0x1fffc, 0x11111111
        M32 0x1fff8, 0x0001fffc
        ; level 32 = 0 (masked): nothing but the push of EBP
        mov dword [SBASE + 0x1fff8], MARK
        STK SEL_S32, 0x00020000, 0x22222222
        o32 enter 4, 32
        BACK
        OUT 0x0001fff8, 0x0001fffc
        M32 0x1fffc, 0x22222222
        M32 0x1fff8, MARK
        ; level 3 with EBP just above ESP: the second copy reads [EBP-8],
        ; the slot where this ENTER pushed EBP
        mov dword [SBASE + 0x20000], 0xe0020000
        mov dword [SBASE + 0x1fffc], MARK
        STK SEL_S32, 0x00020000, 0x00020004
        o32 enter 0, 3
        BACK
        OUT 0x0001fff0, 0x0001fffc
        M32 0x1fffc, 0x00020004
        M32 0x1fff8, 0xe0020000
        M32 0x1fff4, 0x00020004
        M32 0x1fff0, 0x0001fffc

        ; ---- a faulting ENTER changes nothing ----
        ; ESP 0x100 - 4*10 - 0x200 wraps beyond the 0xffff limit: #SS(0).
        ; ESP-4..ESP-28 are the fault's own frame and the handler's pushes;
        ; the slots at ESP-32..ESP-40 must still hold their marks.
        mov dword [SBASE + 0x100 - 32], MARK
        mov dword [SBASE + 0x100 - 36], MARK
        mov dword [SBASE + 0x100 - 40], MARK
        STK SEL_SLIM, 0x100, 0x00000080
        TRY .f1
        o32 enter 0x200, 9
.f1:    BACK
        EXPECT_FAULT 12, 0
        OUT 0x100, 0x80
        M32 0x100 - 32, MARK
        M32 0x100 - 36, MARK
        M32 0x100 - 40, MARK
        ; a copy read beyond the limit (EBP 0x10008 - 4): #SS(0)
        STK SEL_SLIM, 0x100, 0x10008
        TRY .f2
        o32 enter 0, 10
.f2:    BACK
        EXPECT_FAULT 12, 0
        OUT 0x100, 0x10008
        M32 0x100 - 32, MARK

        ; ---- LEAVE ----
        ; operand size 32, 16-bit stack: SP <- BP (ESP[31:16] kept), pop EBP
        mov dword [SBASE + 0xfff0], 0x87654321
        STK SEL_S16, 0x00070000, 0x0003fff0
        o32 leave
        BACK
        OUT 0x0007fff4, 0x87654321
        ; operand size 16, 32-bit stack: ESP <- EBP, pop BP (EBP[31:16] kept)
        mov word [SBASE + 0x2fff0], 0x4321
        STK SEL_S32, 0x00070000, 0x0002fff0
        o16 leave
        BACK
        OUT 0x0002fff2, 0x00024321
        ; operand size 16, 16-bit stack, SP wraps: BP 0xfffe
        mov word [SBASE + 0xfffe], 0x2468
        STK SEL_S16, 0x00070000, 0x1234fffe
        o16 leave
        BACK
        OUT 0x00070000, 0x12342468
        ; operand size 32, 32-bit stack
        mov dword [SBASE + 0x2fff0], 0x13572468
        STK SEL_S32, 0x00070000, 0x0002fff0
        o32 leave
        BACK
        OUT 0x0002fff4, 0x13572468
        ; ENTER then LEAVE returns to where it started (32 on 16)
        STK SEL_S16, 0x00050020, 0x99990040
        o32 enter 0x30, 2
        o32 leave
        BACK
        OUT 0x00050020, 0x99990040
        jmp pass

align 4
out_esp: dd 0
out_ebp: dd 0
