; pm_rep_tf.asm — REP string instructions stop between iterations for
; single-step traps and external interrupts (SDM vol. 3, "Single-step
; exception condition": with TF set the processor traps after each
; iteration of a REP string instruction; vol. 2, REP: an interrupt or
; exception taken between iterations leaves EIP on the instruction, with
; ECX/ESI/EDI counting the iterations done, so it resumes after the handler).
; While iterations remain the #DB's return EIP is the REP instruction's
; first byte (its first prefix); after the last one it is the next
; instruction, and DR6.BS is set each time.  A REP with ECX = 0 traps once,
; past the instruction.
;
; Data breakpoints matched mid-REP trap the same way: pm_dr.asm.
%include "pm.inc"
%include "irq.inc"

SRC     equ 0x200000
DST     equ 0x201000
PORT    equ 0x80        ; an unassigned port: IN gives 0xff, OUT is dropped
MAXLOG  equ 16

; TRACE: run the instruction(s) after it with TF set, logging one entry per
; #DB (return EIP, ECX, ESI, EDI, DR6) until the trap that returns to the
; label given (where the handler clears TF).
%macro TRACE 1
        mov dword [nlog], 0
        mov dword [stop_eip], %1
        push eax
        xor eax, eax
        mov dr6, eax
        pop eax
        pushfd
        or dword [esp], 0x100
        popfd                           ; traps begin after the next instruction
%endmacro
; LOGIS k, eip, ecx: entry k holds that return EIP and ECX, DR6.BS set
%macro LOGIS 3
        CHECK dword [log_eip + (%1) * 4], %2, e
        CHECK dword [log_ecx + (%1) * 4], %3, e
        mov eax, [log_dr6 + (%1) * 4]
        and eax, 0x4000
        CHECK eax, 0x4000, e
%endmacro

test_main:
        SETIDT 1, db_trap, 0x8e00
        cld

        ; ---- REP MOVSB, ECX = 3: a trap after each iteration ----
        mov dword [SRC], 0x44332211
        mov dword [DST], 0
        mov esi, SRC
        mov edi, DST
        mov ecx, 3
        TRACE .m_end
.m:     rep movsb
.m_end: CHECK dword [nlog], 3, e
        LOGIS 0, .m, 2
        LOGIS 1, .m, 1
        LOGIS 2, .m_end, 0
        CHECK dword [log_esi], SRC + 1, e
        CHECK dword [log_edi], DST + 1, e
        CHECK dword [log_esi + 4], SRC + 2, e
        CHECK dword [log_edi + 8], DST + 3, e
        CHECK dword [DST], 0x00332211, e

        ; ---- REPZ CMPSB, ECX = 4, all equal: four traps ----
        mov dword [DST], 0x44332211
        mov esi, SRC
        mov edi, DST
        mov ecx, 4
        TRACE .c_end
.c:     repz cmpsb
.c_end: CHECK dword [nlog], 4, e
        LOGIS 0, .c, 3
        LOGIS 1, .c, 2
        LOGIS 2, .c, 1
        LOGIS 3, .c_end, 0
        ; REPZ CMPSB stopping on a difference at the second byte: the
        ; trap after it is already past the instruction
        mov byte [DST + 1], 0x99
        mov esi, SRC
        mov edi, DST
        mov ecx, 4
        TRACE .c2_end
.c2:    repz cmpsb
.c2_end:
        CHECK dword [nlog], 2, e
        LOGIS 0, .c2, 3
        LOGIS 1, .c2_end, 2
        CHECK dword [log_esi + 4], SRC + 2, e

        ; ---- ECX = 0: one trap, past the instruction ----
        xor ecx, ecx
        mov esi, SRC
        mov edi, DST
        TRACE .z_end
.z:     rep movsb
.z_end: CHECK dword [nlog], 1, e
        LOGIS 0, .z_end, 0
        CHECK dword [log_esi], SRC, e

        ; ---- with a segment override first: EIP on the first prefix ----
        mov esi, SRC
        mov edi, DST
        mov ecx, 2
        TRACE .p_end
.p:     fs rep movsd
.p_end: CHECK dword [nlog], 2, e
        LOGIS 0, .p, 1
        LOGIS 1, .p_end, 0
        CHECK dword [log_esi], SRC + 4, e

        ; ---- REP STOSW (16-bit elements), 32-bit ECX ----
        mov eax, 0xbeef
        mov edi, DST
        mov ecx, 3
        TRACE .s_end
.s:     rep stosw
.s_end: CHECK dword [nlog], 3, e
        LOGIS 0, .s, 2
        LOGIS 1, .s, 1
        LOGIS 2, .s_end, 0
        CHECK dword [log_edi + 4], DST + 4, e
        CHECK word [DST + 4], 0xbeef, e

        ; ---- REP LODSB ----
        mov esi, SRC
        mov ecx, 2
        TRACE .l_end
.l:     rep lodsb
.l_end: CHECK al, 0x22, e
        CHECK dword [nlog], 2, e
        LOGIS 0, .l, 1
        LOGIS 1, .l_end, 0

        ; ---- REPNZ SCASB: found at the third byte ----
        mov al, 0x33
        mov edi, SRC
        mov ecx, 5
        TRACE .n_end
.n:     repnz scasb
.n_end: CHECK dword [nlog], 3, e
        LOGIS 0, .n, 4
        LOGIS 1, .n, 3
        LOGIS 2, .n_end, 2
        CHECK dword [log_edi + 8], SRC + 3, e

        ; ---- REP INSB / REP OUTSB ----
        mov dx, PORT
        mov edi, DST
        mov ecx, 2
        TRACE .i_end
.i:     rep insb
.i_end: CHECK dword [nlog], 2, e
        LOGIS 0, .i, 1
        LOGIS 1, .i_end, 0
        CHECK dword [log_edi], DST + 1, e
        mov esi, SRC
        mov ecx, 3
        TRACE .o_end
.o:     rep outsb
.o_end: CHECK dword [nlog], 3, e
        LOGIS 0, .o, 2
        LOGIS 1, .o, 1
        LOGIS 2, .o_end, 0

        ; ---- 16-bit addressing: CX, SI, DI ----
        mov esi, 0xffff0000 + (SRC & 0xffff)
        mov edi, 0xffff0000 + (DST & 0xffff)
        mov ecx, 0xffff0002
        mov ax, SEL_FREE        ; data, base SRC & ~0xffff, limit 64 KiB
        SETDESC SEL_FREE, SRC & 0xffff0000, 0xffff, 0x92, 0x4
        mov ds, ax
        mov es, ax
        mov ax, SEL_DATA0
        mov ds, ax              ; (TRACE addresses its variables through DS)
        TRACE .a_end
.a:     db 0x67, 0xf3, 0x26, 0xa4 ; a16 rep es movsb: ES:SI -> ES:DI
.a_end: CHECK dword [nlog], 2, e
        LOGIS 0, .a, 0xffff0001
        LOGIS 1, .a_end, 0xffff0000
        CHECK dword [log_esi], 0xffff0000 + (SRC & 0xffff) + 1, e
        mov ax, SEL_DATA0
        mov es, ax

        ; ---- an external interrupt between iterations ----
        ; REP INSB from the doorbell: its first read raises INTR, taken after
        ; that iteration with EIP on the REP and ECX = 3; IRET resumes it.
        SETIDT VEC, isr_record, 0x8e00
        CLEAR
        mov dx, DOORBELL
        mov edi, DST
        mov ecx, 4
        sti
        nop
.d:     rep insb
        cli
        EXPECT .d, 3
        CHECK ecx, 0, e
        CHECK edi, DST + 4, e
        jmp pass

; #DB: log the trap; stop tracing when it returns to stop_eip.
db_trap:
        push eax
        push ebx
        mov ebx, [nlog]
        cmp ebx, MAXLOG
        jae .full
        mov eax, [esp + 8]
        mov [log_eip + ebx * 4], eax
        mov [log_ecx + ebx * 4], ecx
        mov [log_esi + ebx * 4], esi
        mov [log_edi + ebx * 4], edi
        mov eax, dr6
        mov [log_dr6 + ebx * 4], eax
        xor eax, eax
        mov dr6, eax
        inc dword [nlog]
.full:  mov eax, [esp + 8]
        cmp eax, [stop_eip]
        jne .ret
        and dword [esp + 16], ~0x100
.ret:   pop ebx
        pop eax
        iret

align 4
nlog:     dd 0
stop_eip: dd 0
log_eip:  times MAXLOG dd 0
log_ecx:  times MAXLOG dd 0
log_esi:  times MAXLOG dd 0
log_edi:  times MAXLOG dd 0
log_dr6:  times MAXLOG dd 0
