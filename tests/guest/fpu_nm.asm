; fpu_nm.asm — CR0.EM/MP/TS and #NM (vector 7), lazy FPU context switching.
;
; Part 1, the rules: TS=1 -> any FPU instruction (and MMX) raises #NM as a
; fault, before changing anything; WAIT raises #NM only with MP=1 and TS=1;
; EM=1 -> FPU instructions raise #NM, MMX instructions #UD, WAIT nothing
; (MP=0).
; Part 2, what an OS does: two "tasks" share the FPU; a switch only sets TS;
; the #NM handler does CLTS, FNSAVE of the previous owner's state and FRSTOR
; of the new task's, then returns to re-execute the instruction.  Each task
; must find its own registers and control word.  Written for x86vm.
%include "pm.inc"

CR0_MP equ 0x02
CR0_EM equ 0x04
CR0_TS equ 0x08
CR0_NE equ 0x20

%macro SETCR0 2                         ; bits to set, bits to clear
        mov eax, cr0
        or eax, %1
        and eax, ~(%2)
        mov cr0, eax
%endmacro

[bits 32]
test_main:
        SETCR0 CR0_NE | CR0_MP, CR0_EM | CR0_TS
        fninit
        fld1                            ; something on the stack to watch

        ; ---- TS=1: FLD faults with #NM, nothing changes ----
        SETCR0 CR0_TS, 0
        TRY .f1
.i1:    fld dword [f_three]
        mov eax, __LINE__
        jmp fail
.f1:    EXPECT_FAULT 7, NO_ERR
        CHECK dword [last_eip], .i1, e
        mov eax, cr0
        test eax, CR0_TS                ; the fault does not clear TS
        jnz .ts_ok
        mov eax, __LINE__
        jmp fail
.ts_ok:
        ; a no-wait control instruction faults too
        TRY .f2
.i2:    fnstsw ax
        mov eax, __LINE__
        jmp fail
.f2:    EXPECT_FAULT 7, NO_ERR
        CHECK dword [last_eip], .i2, e
        ; MMX with TS=1 (EM=0): #NM
        TRY .f3
.i3:    emms
        mov eax, __LINE__
        jmp fail
.f3:    EXPECT_FAULT 7, NO_ERR
        ; WAIT with MP=1, TS=1: #NM
        TRY .f4
.i4:    fwait
        mov eax, __LINE__
        jmp fail
.f4:    EXPECT_FAULT 7, NO_ERR
        CHECK dword [last_eip], .i4, e
        ; WAIT with MP=0, TS=1: executes
        SETCR0 0, CR0_MP
        TRY fail_fault
        fwait
        CHECK dword [fault_count], 4, e
        ; CLTS: the FPU works again and the stack is as it was (TOP 7, 1.0)
        clts
        SETCR0 CR0_MP, 0
        fnstsw ax
        and ax, 0x3800
        CHECK ax, 0x3800, e
        fld1
        fcompp
        fnstsw ax
        and ax, 0x4700
        CHECK ax, 0x4000, e

        ; ---- EM=1 (MP=0): FPU -> #NM, MMX -> #UD, WAIT runs ----
        SETCR0 CR0_EM, CR0_MP | CR0_TS
        TRY .f5
.i5:    fninit
        mov eax, __LINE__
        jmp fail
.f5:    EXPECT_FAULT 7, NO_ERR
        CHECK dword [last_eip], .i5, e
        TRY .f6
.i6:    movq mm0, mm1
        mov eax, __LINE__
        jmp fail
.f6:    EXPECT_FAULT 6, NO_ERR
        CHECK dword [last_eip], .i6, e
        TRY .f7
        emms
        mov eax, __LINE__
        jmp fail
.f7:    EXPECT_FAULT 6, NO_ERR
        ; EM=1 and TS=1: MMX still #UD (EM wins)
        SETCR0 CR0_TS, 0
        TRY .f8
        paddd mm0, mm1
        mov eax, __LINE__
        jmp fail
.f8:    EXPECT_FAULT 6, NO_ERR
        SETCR0 0, CR0_TS
        TRY fail_fault
        fwait                           ; EM does not affect WAIT
        CHECK dword [fault_count], 8, e
        SETCR0 CR0_MP, CR0_EM

        ; ---- lazy switching between two FPU contexts ----
        SETIDT 7, nm_handler, 0x8e00
        TRY fail_fault
        fninit
        fnsave [ctx + 108]              ; task B starts from a clean FNINIT state
        ; task A (owns the FPU now): round toward zero, 3 and 4 on the stack
        mov dword [owner], 0
        mov dword [cur], 0
        fldcw [cw_a]
        fld dword [f_three]
        fld dword [f_four]
        ; switch A -> B: only set TS
        mov dword [cur], 1
        SETCR0 CR0_TS, 0
        ; task B: the first FPU instruction faults, the handler swaps contexts
.b1:    fld1
        CHECK dword [nm_count], 1, e
        CHECK dword [nm_eip], .b1, e
        fadd st0, st0                   ; B: st0 = 2
        fnstcw [tmp16]
        CHECK word [tmp16], 0x037f, e   ; B's own control word
        fnstsw ax
        and ax, 0x3800
        CHECK ax, 0x3800, e             ; B sees one value (TOP 7), not A's two
        ; switch B -> A
        mov dword [cur], 0
        SETCR0 CR0_TS, 0
        mov ecx, 100                    ; integer work: no #NM
.spin:  add ebx, ecx
        loop .spin
        CHECK dword [nm_count], 1, e
        ; A resumes: 4 * 3 = 12, with A's control word
.a1:    fmulp st1, st0
        CHECK dword [nm_count], 2, e
        CHECK dword [nm_eip], .a1, e
        fnstcw [tmp16]
        CHECK word [tmp16], 0x0f7f, e
        fistp dword [res_a]
        CHECK dword [res_a], 12, e
        ; switch A -> B: B still has its 2.0
        mov dword [cur], 1
        SETCR0 CR0_TS, 0
        fistp dword [res_b]
        CHECK dword [nm_count], 3, e
        CHECK dword [res_b], 2, e
        ; switch B -> A -> B without A touching the FPU: a single #NM
        ; (the handler just clears TS when the owner did not change)
        mov dword [cur], 0
        SETCR0 CR0_TS, 0
        mov dword [cur], 1
        SETCR0 CR0_TS, 0
        fld1
        fstp st0
        CHECK dword [nm_count], 4, e
        CHECK dword [saves], 3, e       ; the 4th #NM needed no save/restore
        mov eax, cr0
        test eax, CR0_TS
        jz .ts_clear
        mov eax, __LINE__
        jmp fail
.ts_clear:
        ; A's saved image holds its stack: 3 -> 12 was popped; its FCW 0F7F
        CHECK word [ctx + 0], 0x0f7f, e
        CHECK dword [fault_count], 8, e
        LOG "fpu_nm: ok"
        jmp pass

; #NM handler: give the FPU to task [cur], saving the previous owner's state.
nm_handler:
        push eax
        inc dword [nm_count]
        mov eax, [esp + 4]
        mov [nm_eip], eax
        clts
        mov eax, [owner]
        cmp eax, [cur]
        je .done
        inc dword [saves]
        imul eax, eax, 108
        fnsave [ctx + eax]
        mov eax, [cur]
        mov [owner], eax
        imul eax, eax, 108
        frstor [ctx + eax]
.done:  pop eax
        iret

fail_fault:
        mov eax, 0xfe000000
        or eax, [last_vec]
        jmp fail

align 4
f_three:   dd 3.0
f_four:    dd 4.0
res_a:     dd 0
res_b:     dd 0
nm_count:  dd 0
nm_eip:    dd 0
saves:     dd 0
owner:     dd 0
cur:       dd 0
tmp16:     dw 0
cw_a:      dw 0x0f7f
align 4
ctx:       times 2 * 108 db 0
