; pm_rep_smc.asm — REP string instructions that write over code: their own
; instruction bytes, and the instructions after them.
;
; A processor fetches and decodes an instruction once: a REP MOVS that
; overwrites its own bytes goes on as the instruction it fetched until ECX
; runs out (nothing between its iterations fetches it again, unless an
; interrupt or exception is taken there), and the code after it is fetched
; from memory as the REP left it.  The emulator runs a long REP in chunks
; (STRING_CHUNK iterations, src/cpu/ops_string.c), resuming it by running
; it again: every REP here is longer than a chunk, so the resumption must go
; on with the instruction as decoded, not decode the new bytes.
;
; The bytes written are 40h (INC EAX): whatever of them runs is counted in
; EAX, and the area ends in the checks, so a REP that restarted from the new
; bytes would count the wrong number of INCs and run into the INT3s (CCh)
; the copy had not reached yet (vector 3: the test fails).
%include "pm.inc"

SRC     equ 0x200000
A_LEN   equ 20000               ; A: 5000 dwords, from the REP's own first byte
B_LEN   equ 6000                ; B: 6000 bytes, the code after the REP
C_GAP   equ 16448               ; C: the REP is overwritten in its second chunk
C_LEN   equ C_GAP + 20000       ; 9112 dwords: three chunks

test_main:
        cld
        ; the source: INC EAX bytes
        mov edi, SRC
        mov ecx, C_LEN
        mov al, 0x40
        rep stosb

        ; ---- A: REP MOVSD whose first iteration overwrites it ----
        xor eax, eax
        mov esi, SRC
        mov edi, a_rep
        mov ecx, A_LEN / 4
a_rep:  rep movsd
        times A_LEN - 2 db 0xcc         ; becomes INC EAX x (A_LEN - 2)
a_end:  CHECK eax, A_LEN - 2, e
        CHECK ecx, 0, e
        CHECK esi, SRC + A_LEN, e
        CHECK edi, a_end, e
        mov edi, a_rep
        mov ecx, A_LEN
        mov al, 0x40
        repe scasb
        CHECK ecx, 0, e
        CHECK byte [a_end - 1], 0x40, e

        ; ---- B: REP STOSB over the instructions after it ----
        mov eax, 0x40
        mov edi, b_after
        mov ecx, B_LEN
b_rep:  rep stosb
b_after:
        times B_LEN db 0xcc             ; becomes INC EAX x B_LEN
b_end:  CHECK eax, 0x40 + B_LEN, e
        CHECK ecx, 0, e
        CHECK edi, b_end, e
        CHECK dword [b_rep], 0x4040aaf3, e ; REP STOSB itself intact, then the INCs

        ; ---- C: REP MOVSD from below, reaching itself in its second chunk ----
        xor eax, eax
        mov esi, SRC
        mov edi, c_dst
        mov ecx, C_LEN / 4
        jmp c_rep
c_dst:  times C_GAP db 0xcc             ; never run
c_rep:  rep movsd
        times C_LEN - C_GAP - 2 db 0xcc ; becomes INC EAX x (C_LEN - C_GAP - 2)
c_end:  CHECK eax, C_LEN - C_GAP - 2, e
        CHECK ecx, 0, e
        CHECK esi, SRC + C_LEN, e
        CHECK edi, c_end, e
        mov edi, c_dst
        mov ecx, C_LEN
        mov al, 0x40
        repe scasb
        CHECK ecx, 0, e
        CHECK byte [c_end - 1], 0x40, e
        jmp pass
