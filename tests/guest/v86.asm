; v86.asm — virtual-8086 mode: entry through IRET with VM set, segment
; arithmetic, INT n through a DPL-3 gate to the ring-0 monitor (the frame
; with GS/FS/DS/ES, null data segments in the handler) and IRET back, the
; I/O bitmap (which applies whatever IOPL is), and with IOPL < 3 the
; IOPL-sensitive instructions CLI/STI/PUSHF/POPF/INT n/IRET raising #GP(0),
; while INT3 goes through the IDT (DPL-0 gate: #GP(vector*8+2)).
%include "pm.inc"

V86_CS  equ 0x0800              ; v86 code runs at 0800:(label - 0x8000)
V86_SS  equ 0x0500
V86_SP  equ 0x1000              ; linear 0x6000

%macro V86CHECK 3
        cmp %1, %2
        j%3 %%ok
        mov eax, $
        mov dx, 0xf4
        out dx, eax
%%ok:
%endmacro
%macro V86TRY 1
        mov dword [last_vec], -1
        mov dword [resume], (%1) - 0x8000
%endmacro
%macro V86EXPECT 2
        V86CHECK dword [last_vec], %1, e
        V86CHECK dword [last_err], %2, e
%endmacro

test_main:
        SETIDT 0x30, int30_handler, 0xee00
        SETIDT 13, gp_monitor, 0x8e00
        or byte [tss0_iomap + 0x10], 0x02        ; deny port 0x81
        push dword 0                            ; GS
        push dword 0                            ; FS
        push dword 0                            ; DS
        push dword 0x1000                       ; ES
        push dword V86_SS
        push dword V86_SP
        push dword 0x23202                      ; VM, IOPL 3, IF
        push dword V86_CS
        push dword v86_code - 0x8000
        iret

; INT 0x30 from v86: SI = 1 -> return 0x3030 in EAX; SI = 2 -> set IOPL 0
int30_handler:
        mov bx, ds
        mov cx, SEL_DATA0
        mov ds, cx
        CHECK bx, 0, e                          ; DS was nulled
        mov bx, es
        CHECK bx, 0, e
        mov bx, gs
        CHECK bx, 0, e
        CHECK esp, STACK0_TOP - 36, e
        CHECK dword [esp + 4], V86_CS, e
        test dword [esp + 8], 0x20000           ; pushed EFLAGS has VM
        jz v86_bad
        CHECK dword [esp + 12], V86_SP - 2, e   ; (the v86 code pushed a word)
        CHECK dword [esp + 16], V86_SS, e
        CHECK dword [esp + 20], 0x1000, e       ; ES
        CHECK dword [esp + 24], 0, e            ; DS
        pushfd
        pop ebx
        test ebx, 0x20000                       ; VM is clear in the handler
        jnz v86_bad
        cmp si, 2
        je .iopl0
        mov eax, 0x3030
        iret
.iopl0: and dword [esp + 8], ~0x3000
        iret

; #GP: the exit path of the v86 code, else the common fault recorder
gp_monitor:
        push ds
        push eax
        mov ax, SEL_DATA0
        mov ds, ax
        cmp dword [v86_exit], 0
        pop eax
        pop ds
        jne v86_done
        jmp isr_13

v86_done:
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov esp, STACK0_TOP
        CHECK dword [0x10010], 0xbeef, e        ; written through ES = 0x1000
        CHECK dword [v86_steps], 4, e
        pushfd
        pop eax
        test eax, 0x20000
        jnz v86_bad
        mov ax, cs
        CHECK ax, SEL_CODE0, e
        jmp pass

v86_bad:
        mov eax, $
        jmp fail

[bits 16]
v86_code:
        mov ax, cs
        V86CHECK ax, V86_CS, e
        mov ax, ss
        V86CHECK ax, V86_SS, e
        V86CHECK esp, V86_SP, e
        mov dword [es:0x10], 0xbeef
        inc dword [v86_steps]
        ; IOPL 3: the sensitive instructions just work
        cli
        pushf
        pop ax
        test ax, 0x200
        jz .ok1
        mov eax, $
        out 0xf4, eax
.ok1:   sti
        push word 0x1234
        mov si, 1
        int 0x30
        pop bx
        V86CHECK bx, 0x1234, e
        V86CHECK eax, 0x3030, e
        V86CHECK sp, V86_SP, e
        mov ax, ds
        V86CHECK ax, 0, e
        mov ax, es
        V86CHECK ax, 0x1000, e
        inc dword [v86_steps]
        ; the I/O bitmap applies in v86 mode whatever IOPL is
        in al, 0x80
        V86TRY .io1
        in al, 0x81
.io1:   V86EXPECT 13, 0
        inc dword [v86_steps]
        ; IOPL 0 from now on
        push word 0x1234
        mov si, 2
        int 0x30
        pop bx
        V86TRY .s1
        cli
.s1:    V86EXPECT 13, 0
        V86TRY .s2
        sti
.s2:    V86EXPECT 13, 0
        V86TRY .s3
        pushf
.s3:    V86EXPECT 13, 0
        V86TRY .s4
        popf
.s4:    V86EXPECT 13, 0
        V86TRY .s5
        int 0x30
.s5:    V86EXPECT 13, 0
        V86TRY .s6
        iret
.s6:    V86EXPECT 13, 0
        V86TRY .s7
        int3                                    ; not IOPL-sensitive: DPL-0 gate
.s7:    V86EXPECT 13, 3 * 8 + 2
        V86TRY .s8
        mov eax, cr0                            ; privileged
.s8:    V86EXPECT 13, 0
        in al, 0x80                             ; the bitmap still allows this
        inc dword [v86_steps]
        mov dword [v86_exit], 1
        hlt                                     ; #GP -> monitor -> v86_done
        mov eax, $
        out 0xf4, eax
[bits 32]

align 4
v86_steps: dd 0
v86_exit:  dd 0
