; biostest.asm - x86vm BIOS self-test guest (second stage at 0000:8000, put
; behind boot.asm by biostest-image.asm). Calls the BIOS services, checks
; the answers, and reports "PASS name"/"FAIL name" lines and a closing
; "bios-test: N passed, M failed" on COM1 and port E9h, then writes the
; failure count to port F4h (QEMU isa-debug-exit: status = 2*failures+1).
; Boots from a floppy (drive 00h) or a hard disk (80h); the disk tests
; adapt to the drive. Written from scratch for x86vm.

        cpu 386
        bits 16
        org 0x8000

COM1            equ 0x3F8
BUF1_SEG        equ 0x4000          ; 64 KiB scratch buffers
BUF2_SEG        equ 0x5000
GDT_SEG         equ 0x6000
CROSS_SEG       equ 0x1000          ; 1000:FE00 = 1FE00h, crosses 20000h

entry:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7B00
        sti
        cld
        mov [drive], dl
        cmp dl, 0xE0            ; El Torito: our boot image is at 7E00
        jb .not_cd
        mov word [boot_addr], 0x7E00
.not_cd:
        call uart_init
        mov si, s_start
        call puts
        mov si, tests
.next:  lodsw
        test ax, ax
        jz .done
        mov bx, ax              ; routine
        lodsw                   ; name
        push si
        push ax
        xor ax, ax
        mov ds, ax
        mov es, ax
        cld
        mov byte [skip], 0
        call bx
        pop si                  ; name
        cmp byte [skip], 0
        jne .skipped
        jc .fail
        inc word [passed]
        push si
        mov si, s_pass
        call puts
        pop si
        jmp .name
.skipped:
        inc word [skipped]
        push si
        mov si, s_skip
        call puts
        pop si
        jmp .name
.fail:  inc word [failed]
        push si
        mov si, s_fail
        call puts
        pop si
.name:  call puts
        mov si, s_nl
        call puts
        pop si
        jmp .next
.done:  mov si, s_sum1
        call puts
        mov ax, [passed]
        call putdec
        mov si, s_sum2
        call puts
        mov ax, [failed]
        call putdec
        mov si, s_sum3
        call puts
        mov ax, [skipped]
        call putdec
        mov si, s_sum4
        call puts
        mov al, [failed]
        out 0xF4, al
.halt:  cli
        hlt
        jmp .halt

tests:
        dw t_int12, n_int12
        dw t_int11, n_int11
        dw t_vmode, n_vmode
        dw t_vrw, n_vrw
        dw t_vcursor, n_vcursor
        dw t_vtty, n_vtty
        dw t_vscroll, n_vscroll
        dw t_vstring, n_vstring
        dw t_vdown, n_vdown
        dw t_vpage, n_vpage
        dw t_v13, n_v13
        dw t_com, n_com
        dw t_kbuf, n_kbuf
        dw t_mouse, n_mouse
        dw t_ticks, n_ticks
        dw t_rtc, n_rtc
        dw t_wait, n_wait
        dw t_e820, n_e820
        dw t_e801, n_e801
        dw t_c0, n_c0
        dw t_a20, n_a20
        dw t_move, n_move
        dw t_dparm, n_dparm
        dw t_dread, n_dread
        dw t_dwrite, n_dwrite
        dw t_dcross, n_dcross
        dw t_edd, n_edd
        dw t_edd_write, n_edd_write
        dw 0

; ---- output ------------------------------------------------------------------
uart_init:
        mov dx, COM1+3
        mov al, 0x80
        out dx, al
        mov dx, COM1
        mov al, 1
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1+3
        mov al, 0x03
        out dx, al
        ret

putc:   push dx
        push cx
        push ax
        out 0xE9, al
        mov dx, COM1+5
        mov cx, 0xFFFF
.w:     in al, dx
        test al, 0x20
        jnz .r
        loop .w
.r:     pop ax
        mov dx, COM1
        out dx, al
        pop cx
        pop dx
        ret

puts:   push ax
        push si
.l:     lodsb
        test al, al
        jz .d
        call putc
        jmp .l
.d:     pop si
        pop ax
        ret

putdec: push ax
        push bx
        push cx
        push dx
        mov bx, 10
        xor cx, cx
.a:     xor dx, dx
        div bx
        push dx
        inc cx
        test ax, ax
        jnz .a
.b:     pop ax
        add al, '0'
        call putc
        loop .b
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; ---- helpers -------------------------------------------------------------------
; ok_if_e / ok_if_ne: set CF from ZF
ok_if_e:
        je .y
        stc
        ret
.y:     clc
        ret

; cmp_boot: ES:DI holds sector 0? Compares the parts of the boot sector
; that do not change in memory (first 16 bytes, signature) -> ZF
cmp_boot:
        push cx
        push si
        push di
        mov si, [boot_addr]
        mov cx, 8
        repe cmpsw
        jne .out
        cmp word [es:di+510-16], 0xAA55
.out:   pop di
        pop si
        pop cx
        ret

; cmp512: DS:SI vs ES:DI, 512 bytes -> ZF
cmp512: push cx
        push si
        push di
        mov cx, 256
        repe cmpsw
        pop di
        pop si
        pop cx
        ret

get_ticks:                      ; -> EAX
        push ds
        push 0x40
        pop ds
        mov eax, [0x6C]
        pop ds
        ret

; skip_cd: jump here from a test that has no meaning on a CD (drive E0h+)
skip_test:
        mov byte [skip], 1
        clc
        ret

; ---- tests: each returns CF=0 on pass ---------------------------------------------
t_int12:
        int 0x12
        cmp ax, 639
        jmp ok_if_e

t_int11:
        int 0x11
        and ax, 0x0030
        cmp ax, 0x0020          ; 80x25 colour
        jmp ok_if_e

t_vmode:
        mov ax, 0x0003
        int 0x10
        mov ah, 0x0F
        int 0x10
        cmp ax, 0x5003
        jne .f
        test bh, bh
        jmp ok_if_e
.f:     stc
        ret

t_vrw:  mov ah, 0x02
        xor bh, bh
        mov dx, 0x0510
        int 0x10
        mov ax, 0x095A
        mov bx, 0x001E
        mov cx, 2
        int 0x10
        mov ah, 0x08
        xor bh, bh
        int 0x10
        cmp ax, 0x1E5A
        jne .f
        push es
        push 0xB800
        pop es
        cmp word [es:(5*80+0x11)*2], 0x1E5A     ; second copy
        pop es
        jmp ok_if_e
.f:     stc
        ret

t_vcursor:
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0A0B
        int 0x10
        mov ah, 0x03
        xor bh, bh
        int 0x10
        cmp dx, 0x0A0B
        jmp ok_if_e

t_vtty: mov ah, 0x02
        xor bh, bh
        mov dx, 0x0300
        int 0x10
        mov ax, 0x0E41
        xor bx, bx
        int 0x10
        mov ah, 0x03
        xor bh, bh
        int 0x10
        cmp dx, 0x0301
        jne .f
        push es
        push 0xB800
        pop es
        cmp byte [es:3*160], 'A'
        pop es
        jmp ok_if_e
.f:     stc
        ret

t_vscroll:
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0A05
        int 0x10
        mov ax, 0x0953
        mov bx, 0x0007
        mov cx, 1
        int 0x10
        mov ax, 0x0601          ; up one line, whole screen
        mov bh, 0x07
        xor cx, cx
        mov dx, 0x184F
        int 0x10
        push es
        push 0xB800
        pop es
        cmp byte [es:9*160+5*2], 'S'
        jne .f
        cmp word [es:24*160], 0x0720    ; blank bottom line
        pop es
        jmp ok_if_e
.f:     pop es
        stc
        ret

t_vdown:                        ; window rows 4-10, cols 2-20, down by 2
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0503
        int 0x10
        mov ax, 0x0944
        mov bx, 0x0007
        mov cx, 1
        int 0x10
        mov ah, 0x02
        mov dx, 0x0516          ; outside the window (col 22)
        int 0x10
        mov ax, 0x0958
        mov cx, 1
        int 0x10
        mov ax, 0x0702
        mov bh, 0x17
        mov cx, 0x0402
        mov dx, 0x0A14
        int 0x10
        push es
        push 0xB800
        pop es
        cmp word [es:7*160+3*2], 0x0744         ; moved down two rows
        jne .f
        cmp word [es:4*160+3*2], 0x1720         ; top rows filled
        jne .f
        cmp byte [es:5*160+22*2], 'X'           ; outside: untouched
        pop es
        jmp ok_if_e
.f:     pop es
        stc
        ret

t_vpage:                        ; page 1 lives at B800:1000
        mov ax, 0x0501
        int 0x10
        mov ah, 0x0F
        int 0x10
        cmp bh, 1
        jne .f
        mov ah, 0x02
        mov bh, 1
        xor dx, dx
        int 0x10
        mov ax, 0x0950
        mov bx, 0x0107
        mov cx, 1
        int 0x10
        push es
        push 0xB800
        pop es
        cmp word [es:0x1000], 0x0750
        pop es
        jne .f
        mov ax, 0x0500
        int 0x10
        clc
        ret
.f:     mov ax, 0x0500
        int 0x10
        stc
        ret

t_vstring:
        mov ax, 0x1300          ; attribute in BL, cursor not moved
        mov bx, 0x002F
        mov cx, 3
        mov dx, 0x1000
        push ds
        pop es
        mov bp, s_abc
        int 0x10
        push es
        push 0xB800
        pop es
        cmp word [es:16*160+2*2], 0x2F63
        pop es
        jmp ok_if_e

t_v13:  mov ax, 0x0013           ; 320x200x256, pixel write/read, back to text
        int 0x10
        mov ah, 0x0F
        int 0x10
        cmp al, 0x13
        jne .f
        mov ax, 0x0C2A
        xor bh, bh
        mov cx, 100
        mov dx, 50
        int 0x10
        mov ah, 0x0D
        int 0x10
        cmp al, 0x2A
        jne .f
        push es
        push 0xA000
        pop es
        cmp byte [es:50*320+100], 0x2A
        pop es
        jne .f
        mov ax, 0x0003
        int 0x10
        mov ah, 0x0F
        int 0x10
        cmp al, 0x03
        jmp ok_if_e
.f:     mov ax, 0x0003
        int 0x10
        stc
        ret

t_com:  mov ah, 0x03            ; COM1 status: transmitter ready
        xor dx, dx
        int 0x14
        test ah, 0x80
        jnz .f
        test ah, 0x20
        jz .f
        clc
        ret
.f:     stc
        ret

; PS/2 mouse: reset, init, handler, enable; a packet injected through the
; 8042 (command D3h: "as if from the mouse") must reach our handler.
t_mouse:
        mov ax, 0xC201
        int 0x15
        jc .f
        cmp bl, 0xAA
        jne .f
        mov ax, 0xC205
        mov bh, 3
        int 0x15
        jc .f
        mov ax, 0xC204
        int 0x15
        jc .f
        push cs
        pop es
        mov bx, mouse_cb
        mov ax, 0xC207
        int 0x15
        jc .f
        mov ax, 0xC200
        mov bh, 1
        int 0x15
        jc .f
        mov byte [ms_calls], 0
        mov al, 0x09            ; left button, bit 3
        call .inject
        mov al, 0x05            ; X = +5
        call .inject
        mov al, 0xFD            ; Y = -3
        call .inject
        mov cx, 10
.w:     cmp byte [ms_calls], 0
        jne .got
        hlt
        loop .w
.got:   mov ax, 0xC200          ; disable again
        mov bh, 0
        int 0x15
        cmp byte [ms_calls], 1
        jne .f
        cmp byte [ms_status], 0x09
        jne .f
        cmp byte [ms_x], 0x05
        jne .f
        cmp byte [ms_y], 0xFD
        jne .f
        clc
        ret
.f:     stc
        ret
.inject:
        push ax
        call .ibf
        mov al, 0xD3
        out 0x64, al
        call .ibf
        pop ax
        out 0x60, al
        mov cx, 0xFFFF          ; until IRQ12 took it
.obf:   in al, 0x64
        test al, 1
        jz .taken
        loop .obf
.taken: ret
.ibf:   mov cx, 0xFFFF
.i:     in al, 0x64
        test al, 2
        jz .io
        loop .i
.io:    ret

mouse_cb:                       ; far: status, X, Y, Z words on the stack
        push bp
        mov bp, sp
        mov al, [bp+12]
        mov [cs:ms_status], al
        mov al, [bp+10]
        mov [cs:ms_x], al
        mov al, [bp+8]
        mov [cs:ms_y], al
        inc byte [cs:ms_calls]
        pop bp
        retf

t_kbuf: mov ah, 0x05
        mov cx, 0x1234
        int 0x16
        test al, al
        jnz .f
        mov ah, 0x01
        int 0x16
        jz .f
        cmp ax, 0x1234
        jne .f
        xor ah, ah
        int 0x16
        cmp ax, 0x1234
        jne .f
        mov ah, 0x01
        int 0x16
        jnz .f
        clc
        ret
.f:     stc
        ret

t_ticks:
        xor ah, ah
        int 0x1A
        mov bx, dx
        mov cx, 20
.w:     hlt
        loop .w
        xor ah, ah
        int 0x1A
        cmp dx, bx
        je .f
        clc
        ret
.f:     stc
        ret

t_rtc:  mov ah, 0x02
        int 0x1A
        jc .f
        cmp ch, 0x23
        ja .f
        cmp cl, 0x59
        ja .f
        cmp dh, 0x59
        ja .f
        mov ah, 0x04
        int 0x1A
        jc .f
        cmp ch, 0x20
        je .ok
        cmp ch, 0x19
        jne .f
.ok:    cmp dh, 0x12
        ja .f
        clc
        ret
.f:     stc
        ret

t_wait: call get_ticks
        mov ebx, eax
        mov ah, 0x86
        mov cx, 0x0003          ; 200,000 us
        mov dx, 0x0D40
        int 0x15
        jc .f
        call get_ticks
        sub eax, ebx
        cmp eax, 2              ; 200 ms is about 3.6 ticks
        jb .f
        cmp eax, 20
        ja .f
        clc
        ret
.f:     stc
        ret

t_e820: xor ebx, ebx
        xor bp, bp              ; entries
        mov dword [tmp], 0      ; usable KiB
.l:     mov eax, 0xE820
        mov edx, 0x534D4150
        mov ecx, 20
        mov di, e820_buf
        int 0x15
        jc .end
        cmp eax, 0x534D4150
        jne .f
        cmp ecx, 20
        jb .f
        test bp, bp
        jnz .notfirst
        cmp dword [e820_buf], 0         ; first: base 0, usable, >= 636 KiB
        jne .f
        cmp dword [e820_buf+16], 1
        jne .f
        cmp dword [e820_buf+8], 0x9F000
        jb .f
.notfirst:
        inc bp
        cmp dword [e820_buf+16], 1
        jne .nu
        mov eax, [e820_buf+8]
        shr eax, 10
        add [tmp], eax
.nu:    test ebx, ebx
        jz .end
        cmp bp, 64
        jb .l
.end:   cmp bp, 4
        jb .f
        cmp dword [tmp], 2048           ; at least 2 MiB usable
        jb .f
        clc
        ret
.f:     stc
        ret

t_e801: mov ax, 0xE801
        int 0x15
        jc .f
        test ax, ax
        jz .f
        mov ah, 0x88
        int 0x15
        jc .f
        test ax, ax
        jz .f
        clc
        ret
.f:     stc
        ret

t_c0:   mov ah, 0xC0
        int 0x15
        jc .f
        test ah, ah
        jnz .f
        cmp byte [es:bx+2], 0xFC
        jmp ok_if_e
.f:     stc
        ret

t_a20:  mov ax, 0x2402
        int 0x15
        jc .f
        cmp al, 1
        jne .f
        ; with A20 on, FFFF:0510 (100500h) is not 0000:0500
        push es
        push 0xFFFF
        pop es
        mov byte [0x500], 0x11
        mov byte [es:0x510], 0x22
        cmp byte [0x500], 0x11
        pop es
        jne .f
        mov ax, 0x2400          ; off: the 1 MiB wrap appears
        int 0x15
        jc .f
        mov ax, 0x2402
        int 0x15
        cmp al, 0
        jne .on
        push es
        push 0xFFFF
        pop es
        mov byte [es:0x510], 0x33
        cmp byte [0x500], 0x33
        pop es
        jne .on
        mov ax, 0x2401          ; and on again
        int 0x15
        jc .f
        mov ax, 0x2402
        int 0x15
        cmp al, 1
        jmp ok_if_e
.on:    mov ax, 0x2401
        int 0x15
.f:     stc
        ret

; block move: 1 KiB from BUF1 to 2 MiB and back to BUF2
t_move: push es
        mov ax, BUF1_SEG
        mov es, ax
        xor di, di
        mov cx, 512
        mov ax, 0xA55A
.fill:  stosw
        inc ax
        loop .fill
        mov ax, BUF2_SEG
        mov es, ax
        xor di, di
        mov cx, 512
        xor ax, ax
        rep stosw
        mov eax, BUF1_SEG*16
        mov ebx, 0x200000
        call .move
        jc .f
        mov eax, 0x200000
        mov ebx, BUF2_SEG*16
        call .move
        jc .f
        push ds
        mov ax, BUF1_SEG
        mov ds, ax
        mov ax, BUF2_SEG
        mov es, ax
        xor si, si
        xor di, di
        mov cx, 512
        repe cmpsw
        pop ds
        pop es
        jmp ok_if_e
.f:     pop es
        stc
        ret
.move:  ; EAX source, EBX destination (physical), 512 words
        push es
        push ax
        mov ax, GDT_SEG
        mov es, ax
        xor di, di
        mov cx, 24
        xor ax, ax
        rep stosw
        pop ax
        mov word [es:0x10], 0xFFFF
        mov [es:0x12], ax
        shr eax, 16
        mov [es:0x14], al
        mov byte [es:0x15], 0x93
        mov [es:0x17], ah
        mov word [es:0x18], 0xFFFF
        mov [es:0x1A], bx
        shr ebx, 16
        mov [es:0x1C], bl
        mov byte [es:0x1D], 0x93
        mov [es:0x1F], bh
        xor si, si
        mov cx, 512
        mov ah, 0x87
        int 0x15
        pop es
        ret

; disk geometry via AH=08h -> [spt], [heads], [cyls]
t_dparm:
        cmp byte [drive], 0xE0
        jae skip_test
        mov ah, 0x08
        mov dl, [drive]
        push es
        int 0x13
        pop es
        jc .f
        mov al, cl
        and al, 0x3F
        jz .f
        mov [spt], al
        inc dh
        mov [heads], dh
        mov al, cl
        shr al, 6
        mov ah, al
        mov al, ch
        inc ax
        mov [cyls], ax
        cmp byte [drive], 0x80
        jae .ok
        cmp byte [spt], 18
        jne .f
        cmp byte [heads], 2
        jne .f
        cmp word [cyls], 80
        jne .f
.ok:    clc
        ret
.f:     stc
        ret

t_dread:                        ; sector 0 equals the boot sector at 7C00
        cmp byte [drive], 0xE0
        jae skip_test
        mov ax, BUF1_SEG
        mov es, ax
        xor bx, bx
        mov ax, 0x0201
        mov cx, 0x0001
        xor dh, dh
        mov dl, [drive]
        int 0x13
        jc .f
        cmp al, 1
        jne .f
        xor di, di
        call cmp_boot
        jmp ok_if_e
.f:     stc
        ret

; chs_last: CX/DH of the last sector of the disk per AH=08h
chs_last:
        mov ax, [cyls]
        dec ax
        mov ch, al
        mov cl, ah
        shl cl, 6
        or cl, [spt]
        mov dh, [heads]
        dec dh
        mov dl, [drive]
        ret

t_dwrite:                       ; write the last sector, read it back
        cmp byte [drive], 0xE0
        jae skip_test
        mov ax, BUF1_SEG
        mov es, ax
        xor di, di
        mov cx, 256
        mov ax, 0x6B00
.p:     stosw
        add ax, 0x0301
        loop .p
        xor bx, bx
        call chs_last
        mov ax, 0x0301
        int 0x13
        jc .f
        mov ax, BUF2_SEG
        mov es, ax
        xor bx, bx
        call chs_last
        mov ax, 0x0201
        int 0x13
        jc .f
        push ds
        mov ax, BUF1_SEG
        mov ds, ax
        xor si, si
        xor di, di
        call cmp512
        pop ds
        jmp ok_if_e
.f:     stc
        ret

t_dcross:                       ; 2 sectors across a 64 KiB boundary
        cmp byte [drive], 0xE0
        jae skip_test
        mov ax, BUF1_SEG
        mov es, ax
        xor bx, bx
        mov ax, 0x0202
        mov cx, 0x0001
        xor dh, dh
        mov dl, [drive]
        int 0x13
        jc .f
        mov ax, CROSS_SEG
        mov es, ax
        mov bx, 0xFE00
        mov ax, 0x0202
        mov cx, 0x0001
        xor dh, dh
        mov dl, [drive]
        int 0x13
        jc .f
        cmp al, 2
        jne .f
        push ds
        mov ax, BUF1_SEG
        mov ds, ax
        xor si, si
        mov ax, CROSS_SEG
        mov es, ax
        mov di, 0xFE00
        call cmp512
        jne .f2
        mov si, 512
        mov ax, CROSS_SEG + 0x1000
        mov es, ax
        mov di, 0
        sub di, 0               ; 2000:0000 = second sector
        call cmp512
        pop ds
        jmp ok_if_e
.f2:    pop ds
.f:     stc
        ret

t_edd:  mov ah, 0x41
        mov bx, 0x55AA
        mov dl, [drive]
        int 0x13
        cmp byte [drive], 0xE0
        jae .cd
        cmp byte [drive], 0x80
        jae .hd
        jc .ok                  ; floppies: no EDD is the right answer
        jmp .f
.cd:    jc .f
        cmp bx, 0xAA55
        jne .f
        mov word [edd_buf], 0x1A
        mov si, edd_buf
        mov ah, 0x48
        mov dl, [drive]
        int 0x13
        jc .f
        cmp word [edd_buf+24], 2048
        jne .f
        mov ax, 0x4B01          ; El Torito status: drive, no emulation, image LBA
        mov si, e820_buf
        mov dl, [drive]
        int 0x13
        jc .f
        cmp byte [e820_buf+2], 0xE0
        jne .f
        cmp byte [e820_buf+1], 0
        jne .f
        mov eax, [e820_buf+4]
        jmp .read
.hd:    jc .f
        cmp bx, 0xAA55
        jne .f
        test cx, 1
        jz .f
        mov word [edd_buf], 0x1E        ; 48h: parameters
        mov si, edd_buf
        mov ah, 0x48
        mov dl, [drive]
        int 0x13
        jc .f
        cmp word [edd_buf+24], 512
        jne .f
        cmp dword [edd_buf+16], 0
        je .f
        xor eax, eax
.read:  ; 42h: read the boot block into BUF2, compare with the one in memory
        mov byte [dap], 0x10
        mov byte [dap+1], 0
        mov word [dap+2], 1
        mov word [dap+4], 0
        mov word [dap+6], BUF2_SEG
        mov [dap+8], eax
        mov dword [dap+12], 0
        mov si, dap
        mov ah, 0x42
        mov dl, [drive]
        int 0x13
        jc .f
        cmp word [dap+2], 1
        jne .f
        mov ax, BUF2_SEG
        mov es, ax
        xor di, di
        call cmp_boot
        jne .f
.ok:    clc
        ret
.f:     stc
        ret

; EDD write: 2 sectors at (last LBA - 2) with 43h, read back with 42h.
t_edd_write:
        cmp byte [drive], 0x80
        jb skip_test
        cmp byte [drive], 0xE0
        jae skip_test
        mov word [edd_buf], 0x1A
        mov si, edd_buf
        mov ah, 0x48
        mov dl, [drive]
        int 0x13
        jc .f
        mov eax, [edd_buf+16]
        sub eax, 3
        mov [tmp], eax
        mov ax, BUF1_SEG
        mov es, ax
        xor di, di
        mov cx, 512
        mov ax, 0x1357
.p:     stosw
        add ax, 0x0F1D
        loop .p
        mov ax, 0x4300
        mov dx, BUF1_SEG
        call .xfer
        jc .f
        mov ax, 0x4200
        mov dx, BUF2_SEG
        call .xfer
        jc .f
        push ds
        mov ax, BUF1_SEG
        mov ds, ax
        mov ax, BUF2_SEG
        mov es, ax
        xor si, si
        xor di, di
        mov cx, 512
        repe cmpsw
        pop ds
        jmp ok_if_e
.f:     stc
        ret
.xfer:  ; AX = function, DX = buffer segment; 2 sectors at [tmp]
        mov byte [dap], 0x10
        mov byte [dap+1], 0
        mov word [dap+2], 2
        mov word [dap+4], 0
        mov [dap+6], dx
        mov ecx, [tmp]
        mov [dap+8], ecx
        mov dword [dap+12], 0
        mov si, dap
        mov dl, [drive]
        int 0x13
        jc .xe
        cmp word [dap+2], 2
        je .xo
.xe:    stc
        ret
.xo:    clc
        ret

; ---- data ---------------------------------------------------------------------
s_start:        db 13, 10, "bios-test: start", 13, 10, 0
s_pass:         db "PASS ", 0
s_fail:         db "FAIL ", 0
s_nl:           db 13, 10, 0
s_sum1:         db "bios-test: ", 0
s_sum2:         db " passed, ", 0
s_sum3:         db " failed, ", 0
s_sum4:         db " skipped", 13, 10, 0
s_skip:         db "SKIP ", 0
s_abc:          db "abc"
n_int12:        db "int12_base_memory", 0
n_int11:        db "int11_equipment", 0
n_vmode:        db "int10_set_get_mode", 0
n_vrw:          db "int10_write_read_char", 0
n_vcursor:      db "int10_cursor", 0
n_vtty:         db "int10_teletype", 0
n_vscroll:      db "int10_scroll", 0
n_vstring:      db "int10_write_string", 0
n_kbuf:         db "int16_buffer", 0
n_mouse:        db "int15_c2_mouse_irq12", 0
n_v13:          db "int10_mode13_pixels", 0
n_vdown:        db "int10_scroll_down_window", 0
n_vpage:        db "int10_active_page", 0
n_com:          db "int14_status", 0
n_ticks:        db "int1a_ticks_advance", 0
n_rtc:          db "int1a_rtc_time_date", 0
n_wait:         db "int15_86_wait", 0
n_e820:         db "int15_e820", 0
n_e801:         db "int15_e801_88", 0
n_c0:           db "int15_c0_config", 0
n_a20:          db "int15_a20", 0
n_move:         db "int15_87_block_move", 0
n_dparm:        db "int13_08_params", 0
n_dread:        db "int13_02_read", 0
n_dwrite:       db "int13_03_write_readback", 0
n_dcross:       db "int13_02_dma_boundary", 0
n_edd:          db "int13_41_48_42_edd_4b", 0
n_edd_write:    db "int13_43_42_write_readback", 0
drive:          db 0
spt:            db 0
heads:          db 0
                align 2
cyls:           dw 0
passed:         dw 0
failed:         dw 0
skipped:        dw 0
boot_addr:      dw 0x7C00
skip:           db 0
ms_calls:       db 0
ms_status:      db 0
ms_x:           db 0
ms_y:           db 0
tmp:            dd 0
e820_buf:       times 24 db 0
edd_buf:        times 32 db 0
dap:            times 16 db 0
                align 512, db 0
