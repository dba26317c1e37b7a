; pm_rings.asm — privilege levels: IRET to ring 3 (data segments the new CPL
; may not use become null), privileged and IOPL-sensitive instructions at
; CPL 3, the I/O permission bitmap, INT through DPL-3 interrupt and trap
; gates with the stack switch from the TSS, INT through a DPL-0 gate (#GP),
; a 32-bit call gate with parameter copying and RETF imm back to ring 3,
; SYSENTER/SYSEXIT.
%include "pm.inc"

SEL_CGATE equ 0x40              ; call gate, DPL 3 -> SEL_CODE0:cg_target, 2 dwords
SEL_CGATE0 equ 0x48             ; call gate, DPL 0 (not reachable from ring 3)
SEL_CONF0 equ 0x50             ; conforming code, DPL 0
SYSENTER_STACK equ 0x5000

test_main:
        SETGATE SEL_CGATE, SEL_CODE0, cg_target, 0xec, 2
        SETGATE SEL_CGATE0, SEL_CODE0, cg_target, 0x8c, 2
        SETDESC SEL_CONF0, 0, 0xfffff, 0x9e, 0xc
        SETIDT 0x80, int80_handler, 0xee00
        SETIDT 0x81, finish_handler, 0xef00
        SETIDT 0x84, trap84_handler, 0xef00
        ; I/O bitmap: deny port 0x81 (and everything >= 0x400 through the limit)
        or byte [tss0_iomap + 0x10], 0x02
        ; SYSENTER MSRs
        xor edx, edx
        mov ecx, 0x174
        mov eax, SEL_CODE0
        wrmsr
        mov ecx, 0x175
        mov eax, SYSENTER_STACK
        wrmsr
        mov ecx, 0x176
        mov eax, sysenter_target
        wrmsr
        mov ecx, 0x174
        rdmsr
        CHECK eax, SEL_CODE0, e

        mov ax, SEL_DATA0               ; ES: DPL 0, must be nulled by the IRET
        mov es, ax
        mov ax, SEL_DATA3
        mov fs, ax
        mov ds, ax
        push dword SEL_DATA3
        push dword STACK3_TOP
        push dword 0x202
        push dword SEL_CODE3
        push dword ring3
        iret

ring3:
        mov ax, cs
        CHECK ax, SEL_CODE3, e
        mov ax, ss
        CHECK ax, SEL_DATA3, e
        CHECK esp, STACK3_TOP, e
        mov ax, es
        CHECK ax, 0, e
        mov ax, fs
        CHECK ax, SEL_DATA3, e
        TRY .r1
        mov eax, [es:0]
.r1:    EXPECT_FAULT 13, 0
        ; DPL-0 data can't be loaded at CPL 3
        TRY .r1b
        mov ax, SEL_DATA0
        mov es, ax
.r1b:   EXPECT_FAULT 13, SEL_DATA0
        ; privileged instructions
        TRY .r2
        cli
.r2:    EXPECT_FAULT 13, 0
        TRY .r3
        hlt
.r3:    EXPECT_FAULT 13, 0
        TRY .r4
        mov eax, cr0
.r4:    EXPECT_FAULT 13, 0
        TRY .r5
        lgdt [gdt_ptr]
.r5:    EXPECT_FAULT 13, 0
        TRY .r6
        wrmsr
.r6:    EXPECT_FAULT 13, 0
        ; POPF at CPL 3 > IOPL: IF and IOPL silently unchanged
        pushfd
        and dword [esp], ~0x200
        or dword [esp], 0x3000
        popfd
        pushfd
        pop eax
        and eax, 0x3200
        CHECK eax, 0x200, e
        ; I/O bitmap
        in al, 0x80
        CHECK al, 0xff, e
        TRY .r7
        in al, 0x81
.r7:    EXPECT_FAULT 13, 0
        TRY .r8
        in ax, 0x80                     ; the word spans port 0x81
.r8:    EXPECT_FAULT 13, 0
        TRY .r9
        mov dx, 0x400
        out dx, al
.r9:    EXPECT_FAULT 13, 0
        mov dx, 0x7f
        in al, dx
        ; INT through a DPL-3 interrupt gate
        mov eax, 0x1234
        int 0x80
        CHECK eax, 0x4321, e
        CHECK esp, STACK3_TOP, e
        mov ax, ss
        CHECK ax, SEL_DATA3, e
        ; a trap gate leaves IF set
        int 0x84
        CHECK eax, 0x8484, e
        ; INT to a DPL-0 gate: #GP(vector * 8 + 2)
        TRY .r10
        int 0x82
.r10:   EXPECT_FAULT 13, 0x82 * 8 + 2
        ; far call through a DPL-0 call gate: #GP(gate)
        TRY .r11
        call SEL_CGATE0:0
.r11:   EXPECT_FAULT 13, SEL_CGATE0
        ; call gate to ring 0 with two parameters, RETF 8 back
        push dword 5
        push dword 7
        call SEL_CGATE:0
        CHECK eax, 12, e
        CHECK esp, STACK3_TOP, e
        mov ax, cs
        CHECK ax, SEL_CODE3, e
        ; conforming code runs at the caller's CPL
        call SEL_CONF0:conf_func
        CHECK ax, SEL_CONF0 | 3, e
        CHECK esp, STACK3_TOP, e
        ; a non-conforming DPL-0 segment can't be called directly
        TRY .r11b
        call SEL_CODE0:conf_func
.r11b:  EXPECT_FAULT 13, SEL_CODE0
        ; SYSENTER / SYSEXIT
        mov ecx, esp
        mov edx, .after_sysexit
        sysenter
.after_sysexit:
        CHECK eax, 0x5e5e, e
        mov ax, cs
        CHECK ax, SEL_CODE3, e
        mov ax, ss
        CHECK ax, SEL_DATA3, e
        CHECK esp, STACK3_TOP, e
        ; SYSEXIT at CPL 3: #GP(0)
        TRY .r12
        sysexit
.r12:   EXPECT_FAULT 13, 0
        ; done: back to ring 0 through a trap gate
        int 0x81
        mov eax, $
        jmp fail

int80_handler:
        mov bx, cs
        CHECK bx, SEL_CODE0, e
        CHECK esp, STACK0_TOP - 20, e
        CHECK dword [esp + 4], SEL_CODE3, e
        CHECK dword [esp + 12], STACK3_TOP, e
        CHECK dword [esp + 16], SEL_DATA3, e
        test dword [esp + 8], 0x200     ; the pushed EFLAGS had IF
        jz .bad
        pushfd                          ; an interrupt gate cleared IF
        pop ebx
        test ebx, 0x200
        jnz .bad
        CHECK eax, 0x1234, e
        mov eax, 0x4321
        iret
.bad:   mov eax, $
        jmp fail

cg_target:
        mov bx, cs
        CHECK bx, SEL_CODE0, e
        mov bx, ss
        CHECK bx, SEL_DATA0, e
        CHECK esp, STACK0_TOP - 24, e
        CHECK dword [esp + 4], SEL_CODE3, e
        CHECK dword [esp + 8], 7, e
        CHECK dword [esp + 12], 5, e
        CHECK dword [esp + 16], STACK3_TOP - 8, e
        CHECK dword [esp + 20], SEL_DATA3, e
        mov eax, [esp + 8]
        add eax, [esp + 12]
        retf 8

conf_func:
        mov ax, cs
        retf

sysenter_target:
        mov bx, cs
        CHECK bx, SEL_CODE0, e
        mov bx, ss
        CHECK bx, SEL_DATA0, e
        CHECK esp, SYSENTER_STACK, e
        pushfd
        pop ebx
        test ebx, 0x200
        jz .ok
        mov eax, $
        jmp fail
.ok:    mov eax, 0x5e5e
        sysexit

trap84_handler:
        pushfd
        pop ebx
        test ebx, 0x200
        jnz .ok
        mov eax, $
        jmp fail
.ok:    mov eax, 0x8484
        iret

finish_handler:                         ; (SYSENTER cleared IF; SYSEXIT left it clear)
        mov bx, cs
        CHECK bx, SEL_CODE0, e
        CHECK dword [esp + 4], SEL_CODE3, e
        jmp pass
