; dr_snapshot.asm — a data breakpoint survives a snapshot (--save, then
; --restore in a new process): the CPU's armed-breakpoint cache is rebuilt
; from DR7 on restore (docs/DEBUG_REGISTERS.md).
;
; A Multiboot kernel (a.out kludge: loaded as-is at 1 MiB).  It watches the
; dword COUNT with DR0 (write, LEN 4), then increments it N times; each
; write traps (#DB), whose handler counts HITS.  At the end it prints
; "DR OK" on port E9h when HITS = N (else "DR LOST") and exits through port
; F4h.  test_dr_snapshot.sh stops a first run half-way with a snapshot and
; finishes it from the snapshot: every increment must still trap.
[bits 32]
        org 0x100000
N       equ 400000
MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010000         ; the address fields below are valid

mb_header:
        dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
        dd mb_header            ; header_addr
        dd 0x100000             ; load_addr
        dd 0                    ; load_end_addr: the whole file
        dd 0                    ; bss_end_addr: none
        dd start                ; entry_addr

start:  cli
        lgdt [gdtr]
        jmp 0x08:.cs
.cs:    mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x90000
        ; IDT: vector 1 -> db_handler, the rest -> unexpected
        xor ecx, ecx
.idt:   mov eax, unexpected
        cmp ecx, 1
        jne .set
        mov eax, db_handler
.set:   mov [idt + ecx * 8], ax
        mov word [idt + ecx * 8 + 2], 0x08
        mov word [idt + ecx * 8 + 4], 0x8e00
        shr eax, 16
        mov [idt + ecx * 8 + 6], ax
        inc ecx
        cmp ecx, 32
        jb .idt
        lidt [idtr]
        mov eax, COUNT
        mov dr0, eax
        mov eax, 0x000d0001     ; L0, R/W0 = 01 (write), LEN0 = 11 (4 bytes)
        mov dr7, eax
        mov ecx, N
.loop:  inc dword [COUNT]       ; traps after each write
        dec ecx
        jnz .loop
        xor eax, eax
        mov dr7, eax
        mov esi, ok
        cmp dword [HITS], N
        je .print
        mov esi, lost
.print: mov dx, 0xe9
.p:     lodsb
        test al, al
        jz .exit
        out dx, al
        jmp .p
.exit:  mov dx, 0xf4
        xor eax, eax
        out dx, al              ; exit status (0 << 1) | 1
        jmp $

db_handler:
        inc dword [HITS]
        push eax
        xor eax, eax
        mov dr6, eax
        pop eax
        iret

unexpected:
        mov esi, fault
        jmp start.print

ok:     db "DR OK", 10, 0
lost:   db "DR LOST", 10, 0
fault:  db "DR FAULT", 10, 0

align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff   ; 0x08 code, flat 32-bit
        dq 0x00cf92000000ffff   ; 0x10 data, flat
gdtr:   dw 23
        dd gdt
idtr:   dw 32 * 8 - 1
        dd idt
align 4
COUNT:  dd 0
HITS:   dd 0
align 8
idt:    times 32 * 8 db 0
