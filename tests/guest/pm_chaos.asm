; pm_chaos.asm — robustness: ring-3 code made of pseudo-random bytes, run
; round after round under paging (it can reach only its own user pages),
; with every IDT vector a DPL-3 gate into a ring-0 handler that records the
; vector and starts the next round.  TF is set so #DB bounds each round to
; 64 instructions (POPF may clear it; the seed is fixed, so the run is
; deterministic).  Passes when 4000 rounds ended in exceptions without a
; triple fault, a hang or a host crash, and at least 8 different vectors
; were seen.
%include "pm.inc"

PD      equ 0x100000
PT0     equ 0x101000
CODE3   equ 0x40000          ; two user pages of random code
STACK3  equ 0x43000          ; user stack page 0x42000
ROUNDS  equ 4000

test_main:
        ; preflight: the rounds are bounded by single-step traps, so TF must work
        TRY .tf_ok
        pushfd
        or dword [esp], 0x100
        popfd
        nop                             ; #DB (trap) after the POPF... or after this
        nop
        LOG "pm_chaos: no single-step trap (TF) - cannot bound the rounds"
        mov eax, $
        jmp fail
.tf_ok: EXPECT_FAULT 1, NO_ERR
        pushfd
        and dword [esp], ~0x100
        popfd
        ; all ports denied to ring 3
        mov edi, tss0_iomap
        mov ecx, 128
        mov al, 0xff
        cld
        rep stosb
        ; IDT: every vector -> its stub, DPL 3 interrupt gate
        xor ecx, ecx
.idt:   mov eax, [chaos_table + ecx * 4]
        mov bx, 0xee00
        call set_idt
        inc ecx
        cmp ecx, 256
        jb .idt
        ; paging: identity, supervisor only, except the user pages
        mov edi, PD
        xor eax, eax
        mov ecx, 2048
        rep stosd
        mov edi, PT0
        mov eax, 3
        mov ecx, 1024
.pt:    stosd
        add eax, 0x1000
        loop .pt
        or dword [PT0 + (CODE3 >> 12) * 4], 4
        or dword [PT0 + (CODE3 >> 12) * 4 + 4], 4
        or dword [PT0 + (CODE3 >> 12) * 4 + 8], 4
        mov dword [PD], PT0 | 7
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ; initial random code
        mov edi, CODE3
        mov ecx, 8192
.fill:  call rand
        stosb
        loop .fill
        jmp next_round

; xorshift32 in eax
rand:   mov eax, [seed]
        mov edx, eax
        shl edx, 13
        xor eax, edx
        mov edx, eax
        shr edx, 17
        xor eax, edx
        mov edx, eax
        shl edx, 5
        xor eax, edx
        mov [seed], eax
        ret

%assign v 0
%rep 256
chaos_ %+ v:
        push dword v
        jmp chaos
%assign v v + 1
%endrep

chaos:
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        pop eax                         ; vector
        cmp eax, 1
        jne .end
        inc dword [steps]
        cmp dword [steps], 64
        jae .end
        iret                            ; keep single-stepping this round
.end:   bts dword [seen], eax
        jc .known
        inc dword [nseen]
.known: inc dword [rounds]
        cmp dword [rounds], ROUNDS
        jae done
next_round:
        mov esp, STACK0_TOP
        mov dword [steps], 0
        ; new bytes at a random place, then start there
        call rand
        and eax, 0x1fe0
        lea edi, [CODE3 + eax]
        mov ebx, edi
        mov ecx, 32
.b:     call rand
        shr eax, 24
        stosb
        loop .b
        call rand
        mov ecx, eax
        call rand
        mov edx, eax
        mov ax, SEL_DATA3
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        push dword SEL_DATA3
        push dword STACK3
        push dword 0x302                ; IF, TF
        push dword SEL_CODE3
        push ebx
        mov eax, ecx
        mov esi, edx
        xor ebp, ebp
        iret

done:
        CHECK dword [nseen], 8, ae
        jmp pass

chaos_table:
%assign v 0
%rep 256
        dd chaos_ %+ v
%assign v v + 1
%endrep

align 4
seed:   dd 0x2545f491
steps:  dd 0
rounds: dd 0
nseen:  dd 0
seen:   times 8 dd 0
