; fpu_mf.asm — x87 exceptions reported as #MF (vector 16) with CR0.NE = 1.
;
; An unmasked exception does not trap on the instruction that causes it: it
; sets the flag, ES and B, and the NEXT waiting FPU instruction (FWAIT or any
; arithmetic one) raises #MF before doing anything, with EIP pointing at that
; instruction.  The no-wait control instructions (FNSTSW, FNSTCW, FNSTENV,
; FNCLEX, FNINIT) run without trapping.  The handler's view (FNSTENV) holds
; FIP/FCS, FOP and FDP/FDS of the instruction that caused the exception.
; Masked exceptions never trap.  Written for x86vm.
%include "pm.inc"

[bits 32]
test_main:
        mov eax, cr0
        or eax, 0x22                    ; NE | MP
        and eax, ~0x0c                  ; EM = TS = 0
        mov cr0, eax

        ; ---- 1. masked divide by zero: +inf, ZE set, no trap ----
        fninit
        TRY fail_fault
        fld1
        fdiv dword [f_zero]
        fwait
        fnstsw ax
        mov bx, ax
        and bx, 0x00bf
        CHECK bx, 0x0004, e             ; ZE only, no ES
        fstp dword [tmp32]
        CHECK dword [tmp32], 0x7f800000, e
        CHECK dword [fault_count], 0, e

        ; ---- 2. unmasked ZE: the FDIV does not trap, FWAIT does ----
        fninit
        fldcw [cw_zm_clear]
        fld1
.div_insn:
        fdiv dword [f_zero]             ; D8 /6, modrm 35h: FOP = 035h
        nop                             ; integer instructions: no trap
        fnstsw ax                       ; no-wait: no trap
        fnstcw [tmp16]                  ; no-wait: no trap
        CHECK dword [fault_count], 0, e
        mov bx, ax
        and bx, 0x80bf
        CHECK bx, 0x8084, e             ; B, ES, ZE
        mov bx, ax
        and bx, 0x3800
        CHECK bx, 0x3800, e             ; TOP = 7 (one value pushed)
        CHECK word [tmp16], 0x037b, e
        TRY .mf1
.wait_insn:
        fwait
        mov eax, __LINE__
        jmp fail
.mf1:   EXPECT_FAULT 16, NO_ERR
        CHECK dword [last_eip], .wait_insn, e
        CHECK dword [fault_count], 1, e

        ; the handler's view: FNSTENV (32-bit protected-mode layout)
        fnstenv [env]
        movzx eax, word [env + 4]
        and eax, 0x80bf
        CHECK eax, 0x8084, e
        CHECK dword [env + 12], .div_insn, e     ; FIP
        CHECK word [env + 16], SEL_CODE0, e     ; FCS
        movzx eax, word [env + 18]
        and eax, 0x7ff
        CHECK eax, 0x035, e                     ; FOP
        CHECK dword [env + 20], f_zero, e       ; FDP
        CHECK word [env + 24], SEL_DATA0, e     ; FDS
        movzx eax, word [env + 8]
        CHECK eax, 0x3fff, e                    ; tag: only R7 valid
        ; the destination was left unchanged (1.0), TOP too
        fnclex
        fldcw [cw_default]
        fld1
        fcompp
        fnstsw ax
        and ax, 0x4700
        CHECK ax, 0x4000, e                     ; equal (C3), TOP back to 0

        ; ---- 3. FNCLEX clears a pending exception without trapping ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        TRY fail_fault
        fnclex
        fwait
        fld1
        fnstsw ax
        CHECK dword [fault_count], 1, e
        test ax, 0x80bf
        jz .c3
        mov eax, __LINE__
        jmp fail
.c3:
        ; ---- 4. FNINIT with an exception pending does not trap ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        fninit
        fwait
        CHECK dword [fault_count], 1, e

        ; ---- 5. an arithmetic instruction traps too, before executing ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        TRY .mf5
.ld_insn:
        fld dword [f_two]
        mov eax, __LINE__
        jmp fail
.mf5:   EXPECT_FAULT 16, NO_ERR
        CHECK dword [last_eip], .ld_insn, e
        fnstsw ax
        and ax, 0x3800
        CHECK ax, 0x3800, e                     ; the FLD did not push
        ; FOP/FIP still describe the FDIV, not the trapped FLD
        fnstenv [env]
        movzx eax, word [env + 18]
        and eax, 0x7ff
        CHECK eax, 0x035, e

        ; ---- 6. FLDCW masking the flag clears ES: nothing pending ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        fldcw [cw_default]
        TRY fail_fault
        fwait
        fnstsw ax
        and ax, 0x80bf
        CHECK ax, 0x0004, e
        CHECK dword [fault_count], 2, e

        ; ---- 7. unmasked invalid operation: FSQRT(-1), FST keeps the stack ----
        fninit
        fldcw [cw_im_clear]
        fld dword [f_minus1]
.sqrt_insn:
        fsqrt
        TRY .mf7
        fwait
        mov eax, __LINE__
        jmp fail
.mf7:   EXPECT_FAULT 16, NO_ERR
        fnstenv [env]
        movzx eax, word [env + 4]
        and eax, 0x80ff
        CHECK eax, 0x8081, e                    ; B, ES, IE (no SF)
        CHECK dword [env + 12], .sqrt_insn, e
        movzx eax, word [env + 18]
        and eax, 0x7ff
        CHECK eax, 0x1fa, e                     ; D9 FA
        fnclex
        fldcw [cw_default]
        fstp dword [tmp32]
        CHECK dword [tmp32], 0xbf800000, e      ; -1.0 left in place

        ; ---- 8. unmasked stack underflow: IE + SF, C1 = 0 ----
        fninit
        fldcw [cw_im_clear]
        fadd st0, st1                           ; both empty
        TRY .mf8
        fwait
        mov eax, __LINE__
        jmp fail
.mf8:   EXPECT_FAULT 16, NO_ERR
        fnstsw ax
        and ax, 0x82ff
        CHECK ax, 0x80c1, e
        fninit

        ; ---- 9. unmasked overflow: the result is delivered scaled, OE + PE ----
        fninit
        fldcw [cw_oe_clear]
        fld dword [f_big]
        fmul st0, st0                           ; 1e38^2 fits extended: no OE
        fwait
        fst dword [tmp32]                       ; overflows single
        TRY .mf9
        fwait
        mov eax, __LINE__
        jmp fail
.mf9:   EXPECT_FAULT 16, NO_ERR
        fnstsw ax
        and ax, 0x80c9
        CHECK ax, 0x8088, e                     ; B ES OE, no IE/SF
        fninit
        CHECK dword [fault_count], 5, e

        ; ---- 10. an MMX instruction also reports the pending exception ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        TRY .mf10
.mmx_insn:
        emms
        mov eax, __LINE__
        jmp fail
.mf10:  EXPECT_FAULT 16, NO_ERR
        CHECK dword [last_eip], .mmx_insn, e
        fnstsw ax
        and ax, 0x3800
        CHECK ax, 0x3800, e                     ; EMMS did not run (TOP kept)
        fnclex
        emms                                    ; now it runs: TOP = 0
        fnstsw ax
        and ax, 0x3800
        CHECK ax, 0, e
        CHECK dword [fault_count], 6, e

        ; ---- 11. FLDCW unmasking an already-set flag makes it pending ----
        fninit
        fld1
        fdiv dword [f_zero]                     ; masked: ZE only
        fldcw [cw_zm_clear]
        fnstsw ax
        and ax, 0x80bf
        CHECK ax, 0x8084, e
        TRY .mf11
        fwait
        mov eax, __LINE__
        jmp fail
.mf11:  EXPECT_FAULT 16, NO_ERR

        ; ---- 12. FNSAVE/FRSTOR carry a pending exception across a switch ----
        fninit
        fldcw [cw_zm_clear]
        fld1
        fdiv dword [f_zero]
        TRY fail_fault
        fnsave [save]                           ; no wait; reinitialises
        fwait                                   ; nothing pending now
        fnstsw ax
        CHECK ax, 0, e
        frstor [save]
        fnstsw ax
        and ax, 0x80bf
        CHECK ax, 0x8084, e
        TRY .mf12
        fwait
        mov eax, __LINE__
        jmp fail
.mf12:  EXPECT_FAULT 16, NO_ERR
        fninit
        CHECK dword [fault_count], 8, e

        LOG "fpu_mf: ok"
        jmp pass

fail_fault:
        mov eax, 0xfe000000
        or eax, [last_vec]
        jmp fail

align 4
f_zero:    dd 0.0
f_two:     dd 2.0
f_minus1:  dd -1.0
f_big:     dd 1.0e38
tmp32:     dd 0
tmp16:     dw 0
cw_default:  dw 0x037f
cw_zm_clear: dw 0x037b
cw_im_clear: dw 0x037e
cw_oe_clear: dw 0x0377
align 4
env:       times 28 db 0
save:      times 108 db 0
