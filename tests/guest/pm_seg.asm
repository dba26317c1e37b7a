; pm_seg.asm — protected-mode segmentation: segment loads and their faults
; (#GP, #NP, #SS with selector error codes), null selectors, read-only and
; execute-only segments, limits, expand-down segments, LAR/LSL/VERR/VERW,
; ARPL, far JMP/CALL/RET in ring 0, conforming code, SGDT/SIDT, SLDT/LLDT.
%include "pm.inc"

SEL_NP     equ 0x40   ; data, not present
SEL_XO     equ 0x48   ; code, execute-only
SEL_RO     equ 0x50   ; data, read-only, limit 0xfff, base 0x20000
SEL_EDOWN  equ 0x58   ; data, expand-down, limit 0xfff, big
SEL_DPL3D  equ 0x60   ; data, DPL 3
SEL_CONF   equ 0x68   ; conforming code, DPL 0, readable
SEL_LDT    equ 0x70   ; LDT descriptor (table at ldt_table)
SEL_SSNP   equ 0x78   ; writable data, not present (for SS)
SEL_DATA1  equ 0x80   ; data, DPL 1
SEL_C16    equ SEL_CODE16

test_main:
        SETDESC SEL_NP, 0, 0xfffff, 0x72, 0xc     ; P=0, DPL 3
        SETDESC SEL_XO, 0, 0xfffff, 0x98, 0xc
        SETDESC SEL_RO, 0x20000, 0xfff, 0x90, 0x4
        SETDESC SEL_EDOWN, 0x30000, 0xfff, 0x96, 0x4
        SETDESC SEL_DPL3D, 0, 0xfffff, 0xf2, 0xc
        SETDESC SEL_CONF, 0, 0xfffff, 0x9e, 0xc
        SETDESC SEL_SSNP, 0, 0xfffff, 0x12, 0xc
        SETDESC SEL_DATA1, 0, 0xfffff, 0xb2, 0xc
        mov dword [gdt + SEL_LDT], DLO(ABS(ldt_table), 15)
        mov dword [gdt + SEL_LDT + 4], DHI(ABS(ldt_table), 15, 0x82, 0)

        ; selector beyond the GDT limit: #GP(sel)
        TRY .t1
        mov ax, 0x1f8
        mov es, ax
.t1:    EXPECT_FAULT 13, 0x1f8
        ; not present: #NP(sel), RPL bits dropped from the error code
        TRY .t2
        mov ax, SEL_NP | 1
        mov fs, ax
.t2:    EXPECT_FAULT 11, SEL_NP
        ; execute-only code into a data register: #GP(sel)
        TRY .t3
        mov ax, SEL_XO
        mov gs, ax
.t3:    EXPECT_FAULT 13, SEL_XO
        ; system descriptor (TSS) into DS: #GP(sel)
        TRY .t4
        mov ax, SEL_TSS
        mov ds, ax
.t4:    EXPECT_FAULT 13, SEL_TSS
        ; null SS: #GP(0); read-only SS: #GP(sel); not-present SS: #SS(sel)
        TRY .t5
        xor ax, ax
        mov ss, ax
.t5:    EXPECT_FAULT 13, 0
        TRY .t6
        mov ax, SEL_RO
        mov ss, ax
.t6:    EXPECT_FAULT 13, SEL_RO
        TRY .t7
        mov ax, SEL_SSNP
        mov ss, ax
.t7:    EXPECT_FAULT 12, SEL_SSNP
        ; SS with DPL 3 at CPL 0: #GP(sel)
        TRY .t8
        mov ax, SEL_DATA3
        mov ss, ax
.t8:    EXPECT_FAULT 13, SEL_DATA3 & ~3
        ; DPL 1 data with RPL 2: #GP (RPL > DPL); with RPL 1 fine
        TRY .t9
        mov ax, SEL_DATA1 | 2
        mov es, ax
.t9:    EXPECT_FAULT 13, SEL_DATA1
        mov ax, SEL_DATA1 | 1
        mov es, ax
        CHECK dword [last_vec], 13, e   ; (no new fault)
        ; conforming readable code can be loaded into a data register
        mov ax, SEL_CONF | 3
        mov es, ax
        mov eax, [es:gdt]
        mov ax, SEL_DATA0
        mov es, ax

        ; null selector in DS loads, but using it faults #GP(0)
        xor ax, ax
        mov fs, ax
        TRY .t10
        mov eax, [fs:0]
.t10:   EXPECT_FAULT 13, 0
        ; the accessed bit was set by the loads above
        test byte [gdt + SEL_RO + 5], 1
        CHECK byte [gdt + SEL_RO + 5], 0x90, e   ; SEL_RO never loaded successfully
        mov ax, SEL_RO
        mov gs, ax
        CHECK byte [gdt + SEL_RO + 5], 0x91, e
        ; read-only: reads work, writes #GP(0)
        mov dword [0x20010], 0x12345678
        CHECK dword [gs:0x10], 0x12345678, e
        TRY .t11
        mov dword [gs:0x10], 0
.t11:   EXPECT_FAULT 13, 0
        ; limit 0xfff: a dword at 0xffc is fine, at 0xffd faults
        mov eax, [gs:0xffc]
        TRY .t12
        mov eax, [gs:0xffd]
.t12:   EXPECT_FAULT 13, 0
        ; execute-only code can't be read through CS override either
        ; expand-down, limit 0xfff, big: valid offsets 0x1000..0xffffffff
        mov ax, SEL_EDOWN
        mov gs, ax
        mov dword [gs:0x1000], 0xcafe
        CHECK dword [0x31000], 0xcafe, e
        TRY .t13
        mov eax, [gs:0xffe]
.t13:   EXPECT_FAULT 13, 0
        ; stack faults: an SS limit violation is #SS(0)
        mov ax, SEL_EDOWN
        mov ss, ax
        mov esp, 0x40000
        mov dword [ss:0x1000], 7
        TRY .t14
        mov eax, [ss:0xffe]
.t14:   EXPECT_FAULT 12, 0
        TRY .t14b
        mov eax, [esp - 0x3f004]
.t14b:  EXPECT_FAULT 12, 0
        CHECK esp, 0x40000, e
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, STACK0_TOP

        ; LAR / LSL / VERR / VERW
        mov ax, SEL_RO
        lar ebx, ax
        CHECK ebx, 0x00409100, e
        lsl ecx, ax
        CHECK ecx, 0xfff, e
        mov ax, SEL_CODE0
        lsl ecx, ax
        CHECK ecx, 0xffffffff, e
        mov ax, SEL_TSS
        lar ebx, ax
        jnz .f1
        and ebx, 0x0f00
        CHECK ebx, 0x0b00, e           ; busy after LTR
        mov ebx, 0x55
        mov ax, 0x1f8                  ; beyond the limit: ZF=0, dest unchanged
        lar ebx, ax
        jz .f1
        CHECK ebx, 0x55, e
        mov ax, SEL_RO
        verr ax
        jnz .f1
        verw ax
        jz .f1
        mov ax, SEL_DATA0
        verw ax
        jnz .f1
        mov ax, SEL_XO
        verr ax
        jz .f1
        mov ax, SEL_CONF
        verr ax
        jnz .f1
        ; ARPL
        mov ax, 0x10
        mov bx, 0x1b
        arpl ax, bx
        jnz .f1
        CHECK ax, 0x13, e
        arpl ax, bx
        jz .f1
        jmp .lar_ok
.f1:    mov eax, $
        jmp fail
.lar_ok:

        ; far JMP and CALL/RETF in ring 0, to 16-bit code and back
        jmp SEL_CONF:.in_conf
.in_conf:
        mov ax, cs
        CHECK ax, SEL_CONF, e          ; RPL = CPL = 0
        jmp SEL_CODE0:.back
.back:  call SEL_C16:code16_func
        CHECK eax, 0x1616, e
        ; far jump beyond the limit of the target: #GP(0)
        TRY .t15
        jmp SEL_C16:0x12345
.t15:   EXPECT_FAULT 13, 0
        ; far jump to a data segment: #GP(sel)
        TRY .t16
        jmp SEL_DATA0:0
.t16:   EXPECT_FAULT 13, SEL_DATA0
        ; far call to a not-present segment
        SETDESC SEL_NP, 0, 0xfffff, 0x1a, 0xc
        TRY .t17
        call SEL_NP:0
.t17:   EXPECT_FAULT 11, SEL_NP
        ; RETF with a far pointer to a less privileged CS from ring 0 without SS: outer return needs SS
        ; (covered in pm_rings).

        ; SGDT / SIDT
        sgdt [scratch]
        CHECK word [scratch], gdt_end - gdt - 1, e
        CHECK dword [scratch + 2], gdt, e
        sidt [scratch]
        CHECK word [scratch], 0x7ff, e
        CHECK dword [scratch + 2], idt, e

        ; LDT: a data descriptor in the LDT, reached with TI=1
        mov ax, SEL_LDT
        lldt ax
        sldt bx
        CHECK bx, SEL_LDT, e
        mov ax, 0x0c                   ; LDT entry 1, TI
        mov es, ax
        mov dword [es:0x10], 0x4242
        CHECK dword [0x40010], 0x4242, e
        mov ax, 0x1c                   ; entry 3: beyond the LDT limit
        TRY .t18
        mov es, ax
.t18:   EXPECT_FAULT 13, 0x1c
        xor ax, ax                     ; null LDT: TI selectors now fault
        lldt ax
        mov ax, 0x0c
        TRY .t19
        mov es, ax
.t19:   EXPECT_FAULT 13, 0x0c
        ; LLDT of a non-LDT descriptor: #GP(sel)
        mov ax, SEL_DATA0
        TRY .t20
        lldt ax
.t20:   EXPECT_FAULT 13, SEL_DATA0
        ; STR
        str ax
        CHECK ax, SEL_TSS, e
        ; #UD for undefined CR, #GP for reserved CR4 bits
        TRY .t21
        mov eax, cr1
.t21:   EXPECT_FAULT 6, NO_ERR
        TRY .t22
        mov eax, 0x20              ; PAE: not supported
        mov cr4, eax
.t22:   EXPECT_FAULT 13, 0
        ; DR7.GD: the next MOV DR is a debug fault (DR6.BD set, GD cleared)
        mov eax, 0x2400
        mov dr7, eax
        TRY .t22b
        mov eax, dr0
.t22b:  EXPECT_FAULT 1, NO_ERR
        mov eax, dr7
        CHECK eax, 0x400, e
        mov eax, dr6
        test eax, 0x2000
        jnz .t22c
        mov eax, $
        jmp fail
.t22c:
        ; INT n through a DPL-0 gate from ring 0 works; vector beyond the IDT limit: #GP
        mov word [idt_ptr], 0x30 * 8 - 1
        lidt [idt_ptr]
        TRY .t23
        int 0x40
.t23:   EXPECT_FAULT 13, 0x40 * 8 + 2
        mov word [idt_ptr], 0x7ff
        lidt [idt_ptr]
        ; #UD from UD2, #BP from INT3 (trap: EIP after the instruction)
        TRY .t24
        ud2
.t24:   EXPECT_FAULT 6, NO_ERR
        TRY .t25
        int3
.i3:
.t25:   EXPECT_FAULT 3, NO_ERR
        CHECK dword [last_eip], .i3, e
        ; INTO with OF set
        mov al, 0x7f
        add al, 1
        TRY .t26
        into
.t26:   EXPECT_FAULT 4, NO_ERR
        jmp pass

[bits 16]
code16_func:
        mov eax, 0x1616
        o32 retf
[bits 32]

align 8
ldt_table:
        dq 0
        DESC 0x40000, 0xffff, 0x92, 0          ; 0x0c: data at 0x40000
scratch: times 8 db 0
