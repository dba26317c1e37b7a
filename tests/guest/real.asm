; real.asm — real mode: INT n through the IVT and IRET (flags, IF/TF
; cleared), far CALL/RETF/RETF imm with 16- and 32-bit operand size, far JMP
; through memory, IRET restoring IOPL/NT (a 386 does in real mode), CPUID,
; RDTSC, port I/O, SMSW/LMSW, exceptions through the IVT (#UD for LAR, #GP
; for a word access at offset 0xFFFF), and "unreal" mode: a 4 GiB data
; segment limit kept after leaving protected mode.
[bits 16]
        org 0x8000

%macro CHECK 3
        cmp %1, %2
        j%3 %%ok
        mov eax, $
        jmp fail
%%ok:
%endmacro
%macro TRY 1
        mov word [last_vec], 0xffff
        mov word [resume], %1
%endmacro
%macro SETVEC 2
        mov word [(%1) * 4], %2
        mov word [(%1) * 4 + 2], 0
%endmacro

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7000
        SETVEC 6, exc6
        SETVEC 13, exc13
        SETVEC 0x40, int40

        ; INT n: pushes FLAGS, CS, IP; clears IF and TF
        sti
        mov ax, 0x1234
        int 0x40
        CHECK ax, 0x1235, e
        CHECK sp, 0x7000, e
        pushf
        pop ax
        test ax, 0x200                  ; IRET restored IF
        jz fail_here

        ; far CALL / RETF into another segment
        call 0x0700:farfunc - 0x7000
        CHECK bx, 0x0700, e
        CHECK sp, 0x7000, e
        ; RETF 4 drops the arguments
        push word 1
        push word 2
        call 0:farfunc_args
        CHECK sp, 0x7000, e
        CHECK ax, 3, e
        ; 32-bit operand size: EIP and CS as dwords
        call dword 0:farfunc32
farfunc32_ret:
        CHECK sp, 0x7000, e
        CHECK ecx, 0x3232, e
        ; far JMP through a memory pointer
        jmp far [jmp_ptr]
        mov eax, $
        jmp fail
jmp_target:
        mov ax, cs
        CHECK ax, 0x0100, e
        jmp 0:back_from_jmp
back_from_jmp:

        ; IRET in real mode loads IOPL and NT
        pushf
        push cs
        push word .iret_done
        mov bp, sp
        or word [bp + 4], 0x7000       ; IOPL 3, NT
        iret
.iret_done:
        pushf
        pop ax
        and ax, 0x7000
        CHECK ax, 0x7000, e
        pushf
        and word [esp], ~0x7000
        popf

        ; CPUID
        xor eax, eax
        cpuid
        CHECK ebx, 'Genu', e
        CHECK edx, 'ineI', e
        CHECK ecx, 'ntel', e
        mov eax, 1
        cpuid
        mov ax, 0
        test edx, 0x10                  ; TSC
        jz fail_here
        test edx, 0x800                 ; SEP
        jz fail_here
        ; RDTSC counts up
        rdtsc
        mov ebx, eax
        nop
        nop
        rdtsc
        sub eax, ebx
        CHECK eax, 0, a
        ; port I/O (the harness returns 0xE9 for port 0xE9, all ones elsewhere)
        in al, 0xe9
        CHECK al, 0xe9, e
        mov dx, 0x1234
        in ax, dx
        CHECK ax, 0xffff, e

        ; exceptions through the IVT
        TRY .u1
        lar ax, bx                      ; not recognised in real mode
.u1:    CHECK word [last_vec], 6, e
        TRY .g1
        mov ax, [0xffff]                ; a word at offset 0xFFFF crosses the limit
.g1:    CHECK word [last_vec], 13, e

        ; SMSW / LMSW / unreal mode
        smsw ax
        test ax, 1
        jnz fail_here
        o32 lgdt [gdt_ptr]
        smsw ax
        or ax, 1
        lmsw ax                         ; enter protected mode
        mov bx, 0x08
        mov fs, bx                      ; flat 4 GiB data
        mov eax, cr0
        and eax, ~1                     ; (LMSW can't clear PE)
        mov cr0, eax
        xor bx, bx
        mov fs, bx                      ; real-mode load keeps the 4 GiB limit
        mov esi, 0x200000               ; (32-bit addressing: 67 prefix)
        mov dword [fs:esi], 0x55aa55aa
        CHECK dword [fs:esi], 0x55aa55aa, e
        mov edi, 0x20000                ; cross-check through ES = 0x2000 (64 KiB limit, base 0x20000)
        mov ax, 0x2000
        mov es, ax
        TRY .g3
        mov eax, [es:edi]               ; offset beyond ES's 64 KiB limit
.g3:    CHECK word [last_vec], 13, e
        smsw ax
        test ax, 1
        jnz fail_here
        ; and DS still has its 64 KiB limit
        TRY .g2
        mov eax, [0xfffe]
.g2:    CHECK word [last_vec], 13, e

        xor eax, eax
        out 0xf4, eax
        jmp $

fail_here:
        mov eax, $
fail:
        out 0xf4, eax
        jmp $

int40:
        pushf
        pop bx
        test bx, 0x300                  ; IF and TF cleared
        jnz fail_here
        mov bp, sp
        CHECK word [bp + 2], 0, e       ; pushed CS
        inc ax
        iret

exc6:
        mov word [last_vec], 6
        jmp exc_resume
exc13:
        mov word [last_vec], 13
exc_resume:                             ; continue at [resume]
        push bp
        mov bp, sp
        push ax
        mov ax, [resume]
        mov [bp + 2], ax
        pop ax
        pop bp
        iret

farfunc:
        mov bx, cs
        retf

farfunc_args:
        mov bp, sp
        mov ax, [bp + 4]
        add ax, [bp + 6]
        retf 4

farfunc32:
        mov bp, sp
        CHECK dword [bp], farfunc32_ret, e
        CHECK dword [bp + 4], 0, e
        mov ecx, 0x3232
        o32 retf

align 4
jmp_ptr:   dw jmp_target - 0x1000, 0x0100
last_vec:  dw 0
resume:    dw 0
align 8
gdt:       dq 0
           dw 0xffff, 0, 0x9200, 0x00cf  ; 0x08: flat data, 4 GiB
gdt_ptr:   dw 15
           dd gdt
