; pm_task.asm — hardware task switches: CALL through a task gate and IRET
; back (NT, back link, busy bits, CR0.TS, registers saved and restored),
; resuming a task where it left off, JMP to a TSS and back, CALL to a busy
; TSS (#GP), INT through a task gate to a 16-bit TSS, and an exception
; (#GP with its error code) delivered through a task gate.
%include "pm.inc"

SEL_TSSB  equ 0x40
SEL_GATEB equ 0x48
SEL_TSSC  equ 0x50              ; 16-bit TSS
SEL_TSSE  equ 0x58
SEL_TSSF  equ 0x60              ; T bit set

; 32-bit TSS: eip, esp, esi
%macro TSS32 3
        dd 0                    ; back link
        times 6 dd 0            ; esp0..ss2
        dd 0                    ; cr3
        dd %1                   ; eip
        dd 2                    ; eflags
        dd 0, 0, 0, 0           ; eax ecx edx ebx
        dd %2                   ; esp
        dd 0, %3, 0             ; ebp esi edi
        dd SEL_DATA0, SEL_CODE0, SEL_DATA0, SEL_DATA0, SEL_DATA0, SEL_DATA0
        dd 0                    ; ldt
        dw 0, 0x68              ; T, I/O map base (beyond the limit)
%endmacro

test_main:
        mov dword [gdt + SEL_TSSB], DLO(ABS(tssB), 0x67)
        mov dword [gdt + SEL_TSSB + 4], DHI(ABS(tssB), 0x67, 0x89, 0)
        SETGATE SEL_GATEB, SEL_TSSB, 0, 0x85, 0
        mov dword [gdt + SEL_TSSC], DLO(ABS(tssC), 0x2b)
        mov dword [gdt + SEL_TSSC + 4], DHI(ABS(tssC), 0x2b, 0x81, 0)
        mov dword [gdt + SEL_TSSE], DLO(ABS(tssE), 0x67)
        mov dword [gdt + SEL_TSSE + 4], DHI(ABS(tssE), 0x67, 0x89, 0)
        mov dword [gdt + SEL_TSSF], DLO(ABS(tssF), 0x67)
        mov dword [gdt + SEL_TSSF + 4], DHI(ABS(tssF), 0x67, 0x89, 0)
        mov word [tssF + 0x64], 1               ; T bit
        ; IDT 0x90: task gate to the 16-bit TSS
        mov word [idt + 0x90 * 8 + 2], SEL_TSSC
        mov word [idt + 0x90 * 8 + 4], 0x8500

        ; ---- CALL through a task gate, IRET back ----
        mov ebx, 0x12345
        mov edi, 0xd1d1
        call SEL_GATEB:0
        CHECK ebx, 0x12345, e           ; our registers came back from our TSS
        CHECK edi, 0xd1d1, e
        CHECK dword [b_runs], 1, e
        CHECK dword [b_esi], 0x51515151, e
        CHECK dword [b_tr], SEL_TSSB, e
        CHECK dword [b_link], SEL_TSS, e
        test dword [b_flags], 0x4000    ; NT set in the nested task
        jz task_bad
        CHECK byte [b_busy_a], 0x8b, e  ; both busy while B ran
        CHECK byte [b_busy_b], 0x8b, e
        CHECK byte [gdt + SEL_TSSB + 5], 0x89, e ; B is free again
        CHECK byte [gdt + SEL_TSS + 5], 0x8b, e
        CHECK dword [tssB + 0x20], b_after_iret, e ; B's EIP was saved at its IRET
        pushfd
        pop eax
        test eax, 0x4000                ; our NT is clear
        jnz task_bad
        mov eax, cr0
        test eax, 8                     ; CR0.TS set by the switch
        jz task_bad
        clts
        mov eax, cr0
        test eax, 8
        jnz task_bad
        ; again: B resumes after its IRET
        call SEL_GATEB:0
        CHECK dword [b_runs], 2, e

        ; ---- JMP to a TSS and back ----
        mov esi, 0x777
        jmp SEL_TSSB:0
a_after_jmp:
        CHECK esi, 0x777, e
        CHECK dword [b_runs], 3, e
        CHECK byte [b_busy_a], 0x89, e  ; JMP freed our TSS while B ran
        CHECK byte [gdt + SEL_TSSB + 5], 0x89, e
        CHECK byte [gdt + SEL_TSS + 5], 0x8b, e
        test dword [b_flags], 0x4000    ; no nesting through JMP
        jnz task_bad

        ; ---- CALL to our own (busy) TSS: #GP(sel) ----
        TRY .t1
        call SEL_TSS:0
.t1:    EXPECT_FAULT 13, SEL_TSS

        ; ---- INT through a task gate to a 16-bit TSS ----
        mov ebp, 0xbbbb
        int 0x90
        CHECK ebp, 0xbbbb, e
        CHECK word [c_ran], 1, e
        CHECK word [c_tr], SEL_TSSC, e
        test word [c_flags], 0x4000
        jz task_bad
        CHECK word [tssC], SEL_TSS, e   ; back link
        CHECK byte [gdt + SEL_TSSC + 5], 0x81, e

        ; ---- TSS T bit: #DB before the new task's first instruction ----
        SETIDT 1, db_handler, 0x8e00
        call SEL_TSSF:0
        CHECK dword [db_count], 1, e
        CHECK dword [db_eip], taskF, e
        CHECK dword [f_runs], 1, e
        test dword [db_dr6], 0x8000     ; DR6.BT
        jz task_bad

        ; ---- #GP delivered through a task gate, with its error code ----
        mov word [idt + 13 * 8 + 2], SEL_TSSE
        mov word [idt + 13 * 8 + 4], 0x8500
        mov ax, 0x1f8
        mov es, ax                      ; faults; task E makes us resume below
        mov eax, $
        jmp fail
a_after_gp:
        CHECK dword [e_err], 0x1f8, e
        CHECK dword [e_runs], 1, e
        mov ax, es
        CHECK ax, SEL_DATA0, e
        jmp pass

task_bad:
        mov eax, $
        jmp fail

; ---- task B (32-bit) ----
taskB:
        inc dword [b_runs]
        mov [b_esi], esi
        str ax
        movzx eax, ax
        mov [b_tr], eax
        mov eax, [tssB]
        mov [b_link], eax
        pushfd
        pop dword [b_flags]
        mov al, [gdt + SEL_TSS + 5]
        mov [b_busy_a], al
        mov al, [gdt + SEL_TSSB + 5]
        mov [b_busy_b], al
        cmp dword [b_runs], 3
        je b_jmp_back
        iret
b_after_iret:
        jmp taskB
b_jmp_back:
        jmp SEL_TSS:0                   ; A resumes after its JMP
        jmp taskB

; ---- task E: #GP handler task ----
taskE:
        inc dword [e_runs]
        pop eax                         ; the error code
        mov [e_err], eax
        mov dword [tss0 + 0x20], a_after_gp
        mov dword [tss0 + 0x48], SEL_DATA0   ; and a usable ES
        iret
        jmp taskE

; ---- task F: T bit ----
taskF:
        inc dword [f_runs]
        iret
        jmp taskF

db_handler:
        inc dword [db_count]
        mov eax, [esp]
        mov [db_eip], eax
        mov eax, dr6
        mov [db_dr6], eax
        iret

; ---- task C (16-bit TSS, 16-bit code) ----
[bits 16]
taskC:
        mov word [c_ran], 1
        str ax
        mov [c_tr], ax
        pushf
        pop word [c_flags]
        iret
        jmp taskC
[bits 32]

align 4
b_runs:   dd 0
b_esi:    dd 0
b_tr:     dd 0
b_link:   dd 0
b_flags:  dd 0
b_busy_a: db 0
b_busy_b: db 0
align 4
e_runs:   dd 0
f_runs:   dd 0
db_count: dd 0
db_eip:   dd 0
db_dr6:   dd 0
e_err:    dd 0
c_ran:    dw 0
c_tr:     dw 0
c_flags:  dw 0

align 16
tssB:   TSS32 taskB, 0x5000, 0x51515151
align 16
tssE:   TSS32 taskE, 0x4000, 0
align 16
tssF:   TSS32 taskF, 0x3800, 0
align 16
tssC:   dw 0                     ; back link
        times 6 dw 0             ; sp0..ss2
        dw taskC                 ; ip
        dw 2                     ; flags
        dw 0, 0, 0, 0            ; ax cx dx bx
        dw 0x4800                ; sp
        dw 0, 0, 0               ; bp si di
        dw SEL_DATA16, SEL_CODE16, SEL_DATA16, SEL_DATA16 ; es cs ss ds
        dw 0                     ; ldt
