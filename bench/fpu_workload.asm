; fpu_workload.asm — x87-heavy benchmark guest: a bootable 1.44 MB floppy.
;
; The boot sector loads the rest of track 0 with int 13h, disables
; interrupts and runs ITER iterations of five floating-point phases, in real
; mode with 32-bit operands (the x87 does not care about the CPU mode):
;   A. exp(x) by a 12-term Horner series for x = i/N, i = 1..N
;      (FILD, FIDIV, FMUL, FADD: summed)
;   B. Leibniz series for pi over N terms (FDIV, FCHS, FADD)
;   C. sum of sqrt(i) (FSQRT)
;   D. sum of sin(x)*cos(x) + sin(x) + cos(x) for x = i/1000 (FSINCOS, FSIN, FCOS)
;   E. integer <-> float: FILD, FMUL, FRNDINT, FISTP (dword and word) summed
;      as integers
; Each phase folds its result into a 32-bit checksum as an integer: the sum
; is scaled to about 30 significant bits and stored with FISTP, so the
; checksum does not depend on the last bits of the transcendentals (QEMU
; computes FSIN/FCOS in host double precision).  The guest prints
; "FPUBENCH iter=XXXXXXXX csum=XXXXXXXX" on port E9h, then writes 10h to port
; F4h (x86vm and QEMU's isa-debug-exit: status 33), then CLI/HLT.
;
; With interrupts off the workload executes the same instructions on every
; emulator, so x86vm's instruction count (this image minus the ITER=0 one,
; run with --deterministic) is the workload's on every emulator.
; Build: nasm -f bin -DITER=n -o fpu.img fpu_workload.asm   (ITER=0: boot only)
; Written from scratch for x86vm.

        cpu 686
        org 0x7c00

%ifndef ITER
%define ITER 20
%endif

N               equ 1000        ; points per phase per iteration
HORNER_TERMS    equ 12
PAYLOAD_SECTORS equ 4

; ---------------------------------------------------------------- boot sector
[bits 16]
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        sti                             ; the BIOS floppy read needs IRQ6
        mov si, 3                       ; retries
.read:  mov ax, 0x0200 + PAYLOAD_SECTORS
        mov cx, 0x0002                  ; cylinder 0, sector 2
        xor dh, dh                      ; head 0 (DL: the boot drive)
        mov bx, payload
        int 0x13
        jnc .ok
        xor ah, ah
        int 0x13
        dec si
        jnz .read
        mov al, 0xee
        out 0xf4, al
        cli
        hlt
.ok:    cli
        jmp main

        times 510 - ($ - $$) db 0
        dw 0xaa55

; ---------------------------------------------------------------- payload
payload:
main:
        fninit
        xor ebp, ebp                    ; checksum
        mov esi, ITER
        test esi, esi
        jz report

iteration:
        ; ---- A: exp series, summed ----
        fldz                            ; acc
        mov ecx, 1
.a:     mov [ival], ecx
        fild dword [ival]
        fidiv dword [n_const]           ; x, acc
        fld1                            ; p, x, acc
        mov edx, HORNER_TERMS
.h:     mov [kval], edx
        fmul st0, st1                   ; p*x
        fidiv dword [kval]              ; p*x/k
        fld1
        faddp st1, st0                  ; p = 1 + p*x/k
        dec edx
        jnz .h
        faddp st2, st0                  ; acc += p
        fstp st0                        ; drop x
        inc ecx
        cmp ecx, N
        jbe .a
        fmul qword [scale16]
        call fold

        ; ---- B: Leibniz series ----
        fldz
        fld1                            ; sign, acc
        mov ecx, 0
.b:     lea eax, [ecx * 2 + 1]
        mov [ival], eax
        fld st0                         ; sign, sign, acc
        fidiv dword [ival]
        faddp st2, st0
        fchs
        inc ecx
        cmp ecx, N
        jb .b
        fstp st0
        fmul qword [scale28]
        call fold

        ; ---- C: sum of square roots ----
        fldz
        mov ecx, 1
.c:     mov [ival], ecx
        fild dword [ival]
        fsqrt
        faddp st1, st0
        inc ecx
        cmp ecx, N
        jbe .c
        fmul qword [scale14]
        call fold

        ; ---- D: sin/cos ----
        fldz
        mov ecx, 1
.d:     mov [ival], ecx
        fild dword [ival]
        fdiv qword [thousand]           ; x, acc
        fld st0
        fsincos                         ; cos, sin, x, acc
        fmulp st1, st0                  ; sin*cos, x, acc
        faddp st2, st0                  ; x, acc
        fld st0
        fsin
        faddp st2, st0
        fcos
        faddp st1, st0
        inc ecx
        cmp ecx, N
        jbe .d
        fmul qword [scale16]
        call fold

        ; ---- E: integer <-> float conversions ----
        mov ecx, 1
.e:     mov [ival], ecx
        fild dword [ival]
        fmul qword [e_const]
        fld st0
        frndint
        fistp dword [tmp32]
        add ebp, [tmp32]
        fmul qword [tenth]
        fistp word [tmp16]
        movzx eax, word [tmp16]
        xor ebp, eax
        fild word [tmp16]
        fidiv dword [ival]
        fmul qword [scale16]
        fistp dword [tmp32]
        add ebp, [tmp32]
        rol ebp, 1
        inc ecx
        cmp ecx, N
        jbe .e

        dec esi
        jnz iteration

report:
        mov si, msg_iter
        call puts
        mov eax, ITER
        call puthex
        mov si, msg_csum
        call puts
        mov eax, ebp
        call puthex
        mov al, 10
        out 0xe9, al
        mov al, 0x10
        out 0xf4, al
        cli
        hlt
        jmp $

; st0 = a scaled sum: pop it as a 64-bit integer into the checksum.
fold:
        fistp qword [tmp64]
        rol ebp, 5
        xor ebp, [tmp64]
        add ebp, [tmp64 + 4]
        ret

puts:   lodsb
        test al, al
        jz .e
        out 0xe9, al
        jmp puts
.e:     ret

puthex: mov cx, 8
.l:     rol eax, 4
        push eax
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .d
        add al, 'a' - '0' - 10
.d:     out 0xe9, al
        pop eax
        loop .l
        ret

align 8
scale14:  dq 16384.0
scale16:  dq 65536.0
scale28:  dq 268435456.0
thousand: dq 1000.0
e_const:  dq 2.718281828459045
tenth:    dq 0.1
tmp64:    dq 0
n_const:  dd N
ival:     dd 0
kval:     dd 0
tmp32:    dd 0
tmp16:    dw 0
msg_iter: db "FPUBENCH iter=", 0
msg_csum: db " csum=", 0

%if ($ - payload) > PAYLOAD_SECTORS * 512
%error payload larger than PAYLOAD_SECTORS
%endif
        times 1474560 - ($ - $$) db 0
