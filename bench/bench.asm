; bench.asm - x86vm interpreter benchmark guest: a bootable 1.44 MB floppy.
;
; The boot sector loads the rest of track 0 with int 13h, switches to 32-bit
; protected mode (flat 4 GiB segments, no paging, interrupts off, no IDT) and
; runs a deterministic integer workload ITER times:
;   A. arithmetic/logic loop with CALL/RET, PUSH/POP, IMUL, DIV, ROL, LEA
;   B. fill a buffer from an LCG, then CRC-32 over it with a lookup table
;   C. sieve of Eratosthenes over a byte array
;   D. bubble sort of a dword array filled from an LCG
; Each phase folds its result into a checksum, printed on port E9h as
; "BENCH iter=XXXXXXXX csum=XXXXXXXX".  Then the guest exits: value 10h to
; port F4h (x86vm and QEMU isa-debug-exit: status 33), then "Shutdown" to
; port 8900h (Bochs powers off), then CLI/HLT as a last resort.
;
; Because interrupts stay off from the mode switch on, the number of
; instructions after the boot sector is identical on every emulator.
; Build: nasm -f bin -DITER=n -o bench.img bench.asm   (ITER=0: boot only)
; Written from scratch for x86vm.

        cpu 686
        org 0x7C00

%ifndef ITER
%define ITER 400
%endif

ARITH_N     equ 20000           ; phase A loop count per iteration
BUF_LEN     equ 8192            ; phase B buffer bytes (multiple of 4)
SIEVE_N     equ 16384           ; phase C sieve size
SORT_N      equ 160             ; phase D elements

CRCTAB      equ 0x10000         ; 256 dwords
BUF         equ 0x20000
SIEVE       equ 0x30000
SORTA       equ 0x40000
STACK_TOP   equ 0x90000

PAYLOAD_SECTORS equ 17          ; rest of cylinder 0 head 0 (18 spt)

; ---------------------------------------------------------------- 16-bit
        bits 16
boot:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov [boot_drive], dl
        mov si, 4               ; tries
.read:
        mov ax, 0x0200 | PAYLOAD_SECTORS
        mov bx, 0x7E00
        mov cx, 0x0002          ; cylinder 0, sector 2
        xor dh, dh              ; head 0
        mov dl, [boot_drive]
        int 0x13
        jnc .loaded
        xor ah, ah              ; reset the drive and retry
        mov dl, [boot_drive]
        int 0x13
        dec si
        jnz .read
        mov si, msg_bootfail
.msg:   lodsb
        test al, al
        jz .fail_exit
        out 0xE9, al
        jmp .msg
.fail_exit:
        mov al, 0x7F
        out 0xF4, al
        cli
.halt:  hlt
        jmp .halt

.loaded:
        cli
        lgdt [gdt_desc]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm_entry

boot_drive:     db 0
msg_bootfail:   db "BENCH boot read failed", 10, 0

        align 8
gdt:    dq 0
        dq 0x00CF9A000000FFFF   ; 08h: code, base 0, limit 4 GiB, 32-bit
        dq 0x00CF92000000FFFF   ; 10h: data, base 0, limit 4 GiB
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt

        times 510 - ($ - $$) db 0
        dw 0xAA55

; ---------------------------------------------------------------- 32-bit
        bits 32
pm_entry:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, STACK_TOP
        mov dword [csum], 0x12345678

        call crc_table
        xor ebp, ebp                    ; iteration counter
.iter:
        cmp ebp, strict dword ITER
        jae .done
        mov eax, ebp
        imul eax, eax, 0x01000193
        xor eax, 0x811C9DC5
        mov [seed], eax

        call phase_arith
        call fold
        call phase_crc
        call fold
        call phase_sieve
        call fold
        call phase_sort
        call fold

        inc ebp
        jmp .iter
.done:
        mov esi, msg_iter
        call print_str
        mov eax, ebp
        call print_hex32
        mov esi, msg_csum
        call print_str
        mov eax, [csum]
        call print_hex32
        mov al, 10
        out 0xE9, al

        mov al, 0x10                    ; x86vm / QEMU: exit status 33
        out 0xF4, al
        mov dx, 0x8900                  ; Bochs: power off
        mov esi, msg_shutdown
.sd:    lodsb
        test al, al
        jz .sd_done
        out dx, al
        jmp .sd
.sd_done:
        cli
.hlt:   hlt
        jmp .hlt

; fold: csum = rol(csum, 5) ^ eax, + iteration
fold:
        mov edx, [csum]
        rol edx, 5
        xor edx, eax
        add edx, ebp
        mov [csum], edx
        ret

; CRC-32 (reflected, polynomial EDB88320h) table
crc_table:
        xor ecx, ecx
.t:     mov eax, ecx
        mov edx, 8
.bit:   shr eax, 1
        jnc .nx
        xor eax, 0xEDB88320
.nx:    dec edx
        jnz .bit
        mov [CRCTAB + ecx*4], eax
        inc ecx
        cmp ecx, 256
        jb .t
        ret

; A: arithmetic and logic; returns eax
phase_arith:
        push ebp
        mov ecx, ARITH_N
        mov eax, [seed]
        mov ebx, 0x9E3779B9
.a:     imul eax, eax, 1103515245
        add eax, 12345
        push eax
        call mix
        pop eax
        dec ecx
        jnz .a
        mov eax, ebx
        pop ebp
        ret

; mix eax into ebx (clobbers edx)
mix:
        mov edx, eax
        shr edx, 11
        xor ebx, edx
        rol ebx, 7
        lea ebx, [ebx + eax*2 + 1]
        push ecx
        mov ecx, eax
        or ecx, 1
        xor edx, edx
        mov eax, ebx
        div ecx
        add ebx, edx
        sub ebx, eax
        pop ecx
        ret

; B: fill BUF from an LCG, CRC-32 it; returns eax
phase_crc:
        mov edi, BUF
        mov ecx, BUF_LEN / 4
        mov eax, [seed]
.f:     imul eax, eax, 1664525
        add eax, 1013904223
        mov [edi], eax
        add edi, 4
        dec ecx
        jnz .f
        mov esi, BUF
        mov ecx, BUF_LEN
        mov eax, 0xFFFFFFFF
.c:     movzx edx, byte [esi]
        xor dl, al
        shr eax, 8
        xor eax, [CRCTAB + edx*4]
        inc esi
        dec ecx
        jnz .c
        not eax
        ret

; C: sieve of Eratosthenes below SIEVE_N; returns prime count ^ seed
phase_sieve:
        push ebp
        mov edi, SIEVE
        mov ecx, SIEVE_N / 4
        mov eax, 0x01010101
.s0:    mov [edi], eax
        add edi, 4
        dec ecx
        jnz .s0
        mov ebx, 2
        xor ebp, ebp
.s1:    cmp byte [SIEVE + ebx], 0
        je .s3
        inc ebp
        mov eax, ebx
        imul eax, ebx
        cmp eax, SIEVE_N
        jae .s3
.s2:    mov byte [SIEVE + eax], 0
        add eax, ebx
        cmp eax, SIEVE_N
        jb .s2
.s3:    inc ebx
        cmp ebx, SIEVE_N
        jb .s1
        mov eax, ebp
        xor eax, [seed]
        pop ebp
        ret

; D: bubble sort SORT_N dwords; returns an order-dependent hash
phase_sort:
        push ebp
        mov edi, SORTA
        mov ecx, SORT_N
        mov eax, [seed]
        xor eax, 0x5A5A5A5A
.f:     imul eax, eax, 22695477
        inc eax
        mov [edi], eax
        add edi, 4
        dec ecx
        jnz .f
        mov edx, SORT_N - 1
.b0:    mov esi, SORTA
        mov ecx, edx
.b1:    mov eax, [esi]
        mov ebx, [esi + 4]
        cmp eax, ebx
        jbe .b2
        mov [esi], ebx
        mov [esi + 4], eax
.b2:    add esi, 4
        dec ecx
        jnz .b1
        dec edx
        jnz .b0
        xor eax, eax
        mov esi, SORTA
        mov ecx, SORT_N
.h:     rol eax, 3
        xor eax, [esi]
        add esi, 4
        dec ecx
        jnz .h
        pop ebp
        ret

; print the NUL-terminated string at esi on port E9h
print_str:
        lodsb
        test al, al
        jz .e
        out 0xE9, al
        jmp print_str
.e:     ret

; print eax as 8 hex digits on port E9h
print_hex32:
        mov ecx, 8
        mov edx, eax
.h:     rol edx, 4
        mov eax, edx
        and eax, 15
        mov al, [hexdigits + eax]
        out 0xE9, al
        dec ecx
        jnz .h
        ret

hexdigits:      db "0123456789abcdef"
msg_iter:       db "BENCH iter=", 0
msg_csum:       db " csum=", 0
msg_shutdown:   db "Shutdown", 0

        align 4
seed:   dd 0
csum:   dd 0

%if ($ - $$) > 512 * (1 + PAYLOAD_SECTORS)
%error "payload does not fit in track 0"
%endif
        times 1474560 - ($ - $$) db 0
