; font_guest.asm - a floppy guest for our BIOS's int 10h font services:
; 1111h (ROM 8x14, rows follow: 28), 1112h (ROM 8x8: 50 rows), 1130h
; (CX height, DL rows - 1, ES:BP of the 8x8 table and of int 43h), plane 2
; holding exactly the ROM's 8x8 glyphs, then teletype output scrolling in
; 50 rows; ends with "LAST" on row 49 and exits through port F4h (55h on
; success, else the failed check).  test_vbe_guest.c checks the screen.
        bits 16
        cpu 386
        org 0x7C00

start:  cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov ax, 0x0203
        mov cx, 0x0002
        xor dh, dh
        mov bx, 0x7E00
        int 0x13
        mov al, 1
        jc fail
        jmp main

fail:   out 0xF4, al
.h:     cli
        hlt
        jmp .h

%macro CHECK 2
        mov al, %2
        j%-1 fail
%endmacro

        times 510 - ($ - $$) db 0
        dw 0xAA55

main:   mov ax, 0x0003
        int 0x10
        mov ax, 0x1111                  ; 8x14: 28 rows
        xor bl, bl
        int 0x10
        mov ax, 0x1130
        xor bh, bh
        int 0x10
        cmp cx, 14
        CHECK e, 2
        cmp dl, 27
        CHECK e, 3
        mov ax, 0x1112                  ; 8x8: 50 rows
        xor bl, bl
        int 0x10
        mov ax, 0x1130
        mov bh, 1                       ; int 43h: the 8x8 table
        int 0x10
        cmp cx, 8
        CHECK e, 4
        cmp dl, 49
        CHECK e, 5
        mov [v43], bp
        mov [v43+2], es
        mov ax, 0x1130
        mov bh, 3                       ; the ROM's 8x8 table
        int 0x10
        cmp bp, [v43]
        CHECK e, 6
        ; Plane 2 holds the 8x8 glyphs in 32-byte slots.
        push es
        pop fs
        mov dx, 0x3CE
        mov ax, 0x0204                  ; read plane 2
        out dx, ax
        mov ax, 0x0005
        out dx, ax
        mov ax, 0x0406
        out dx, ax
        mov dx, 0x3C4
        mov ax, 0x0704
        out dx, ax
        mov ax, 0xA000
        mov gs, ax
        xor bx, bx                      ; character
.ch:    mov si, bx
        shl si, 3
        add si, bp
        mov di, bx
        shl di, 5
        mov cx, 8
.row:   mov al, [fs:si]
        cmp al, [gs:di]
        mov al, 7
        jne fail
        inc si
        inc di
        loop .row
        inc bx
        cmp bx, 256
        jb .ch
        cmp byte [fs:bp + 'A' * 8 + 3], 0
        CHECK ne, 8                     ; and that glyph has ink
        mov dx, 0x3CE
        mov ax, 0x0004
        out dx, ax
        mov ax, 0x1005
        out dx, ax
        mov ax, 0x0E06
        out dx, ax
        mov dx, 0x3C4
        mov ax, 0x0204
        out dx, ax
        ; 60 numbered lines, then LAST: the screen scrolls at row 49.
        xor cx, cx
.line:  mov si, msg_line
        call puts
        mov ax, cx
        mov bl, 10
        div bl
        add ax, '00'
        push ax
        mov ah, 0x0E
        int 0x10
        pop ax
        mov al, ah
        mov ah, 0x0E
        int 0x10
        mov si, msg_crlf
        call puts
        inc cx
        cmp cx, 60
        jb .line
        mov si, msg_last
        call puts
        mov ah, 0x03
        xor bh, bh
        int 0x10
        cmp dh, 49
        CHECK e, 9
        mov al, 0x55
        jmp fail

puts:   push ax
.c:     lodsb
        test al, al
        jz .e
        mov ah, 0x0E
        int 0x10
        jmp .c
.e:     pop ax
        ret

msg_line: db "line ", 0
msg_crlf: db 13, 10, 0
msg_last: db "LAST", 0
v43:    dd 0

        times 2048 - ($ - $$) db 0
        times 1474560 - ($ - $$) db 0
