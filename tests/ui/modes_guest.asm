; modes_guest.asm — a boot floppy that shows one video mode per key press,
; each with a fixed test pattern, so a test can compare what the SDL window
; shows with the headless --screenshot PNG of the same guest state.
;
; COM1: "MODES-READY", then for each mode i: wait for a key (int 16h AH=00h),
; set the mode, draw, "MODE <i> <name> ready"; after the last "MODES-DONE".
; Where our BIOS lacks a service the guest does the same work through the
; VGA registers and says so on COM1 ("NOTE ..."), so the picture does not
; depend on the BIOS having it.  Failures print "MODES-ERROR ..." and halt.
;
;  0  80x25 text: user glyphs A-H in plane 2 (int 10h AX=1100h), all 256
;     attributes with blink off (AX=1003h), line drawing C0h-DFh (9th dot)
;  1  80x50 text: 8x8 font (AX=1112h)
;  2  640x480x16 planar (mode 12h): write mode 0 + map mask, write mode 2
;  3  320x200x256 (mode 13h): DAC gradient through 3C8h/3C9h, 256 colours
;  4  mode X: 320x240 unchained, different pixels per plane
;  5  VBE 101h 640x480x8 with LFB, palette through AX=4F09h
;  6  VBE 800x600x32 (found in the 4F00h mode list), drawn through the LFB
;  7  VBE 1024x768x16 (5:6:5) likewise
; The LFB at E0000000h is written from unreal mode (FS with a 4 GiB limit).
        bits 16
        org 0x7c00
COM1     equ 0x3f8
VBEINFO  equ 0x0600             ; 512 bytes: int 10h AX=4F00h
MODEINFO equ 0x0800             ; 256 bytes: int 10h AX=4F01h
PALBUF   equ 0x0900             ; 1024 bytes: int 10h AX=4F09h table
NMODES   equ 8

%define AT(r, c) (((r) * 80 + (c)) * 2)

%macro vgaout 3                 ; port, index, value
        mov dx, %1
        mov ax, ((%3) << 8) | (%2)
        out dx, ax
%endmacro

%include "com1_boot.inc"
        COM1_BOOT "MODES"

; ---- sector 2 on --------------------------------------------------------------
main:   mov si, m_ready
        call puts
        mov ax, 0x2401          ; A20 on (the LFB spans more than 1 MiB)
        int 0x15
        mov byte [cur], 0
.next:  xor ah, ah              ; wait for any key
        int 0x16
        mov ah, 0x86            ; and 50 ms: report only once the key is also
        xor cx, cx              ; released (a typed key's press and release
        mov dx, 50000           ; come 5 ms apart), so that a test's --expect
        int 0x15                ; after --send-keys sees the report
        movzx bx, byte [cur]
        shl bx, 1
        call [mode_fns + bx]
        push ds
        pop es
        cld
        mov si, m_mode
        call puts
        mov al, [cur]
        add al, '0'
        call putc
        mov al, ' '
        call putc
        movzx bx, byte [cur]
        shl bx, 1
        mov si, [mode_names + bx]
        call puts
        mov si, m_rdy
        call puts
        inc byte [cur]
        cmp byte [cur], NMODES
        jb .next
        mov si, m_done
        call puts
        jmp halt

mode_fns:   dw text25, text50, mode12, mode13, modex, vbe8, vbe32, vbe16
mode_names: dw n0, n1, n2, n3, n4, n5, n6, n7
n0:     db "80x25-text", 0
n1:     db "80x50-text", 0
n2:     db "640x480x16-planar", 0
n3:     db "320x200x256", 0
n4:     db "320x240x256-modeX", 0
n5:     db "vbe-640x480x8", 0
n6:     db "vbe-800x600x32", 0
n7:     db "vbe-1024x768x16", 0
m_ready: db 13, 10, "MODES-READY", 13, 10, 0
m_mode: db "MODE ", 0
m_rdy:  db " ready", 13, 10, 0
m_done: db "MODES-DONE", 13, 10, 0
cur:    db 0

; ---- text helpers -----------------------------------------------------------
; tputs: DS:SI string -> ES:DI cells with attribute AH.
tputs:  lodsb
        test al, al
        jz .e
        stosw
        jmp tputs
.e:     ret

; boxrow: ES:DI, AH attribute, BL left, BH middle (CX times), DL right.
boxrow: mov al, bl
        stosw
        mov al, bh
        rep stosw
        mov al, dl
        stosw
        ret

; hexch: AL 0-15 -> '0'-'9', 'a'-'f' (lower case: A-H are user glyphs)
hexch:  add al, '0'
        cmp al, '9'
        jbe .e
        add al, 'a' - '9' - 1
.e:     ret

; text_common: blink off (bit 7 = bright background), cursor hidden.
text_common:
        mov ax, 0x1003
        xor bx, bx
        int 0x10
        mov ah, 0x01
        mov cx, 0x2000
        int 0x10
        ret

; font_on/font_off: CPU access to plane 2 (the font) at A000:0000 and back
; to the mode 03h text set-up.
font_on:
        vgaout 0x3c4, 2, 0x04   ; write plane 2
        vgaout 0x3c4, 4, 0x07   ; sequential, no chain 4
        vgaout 0x3ce, 4, 0x02   ; read plane 2
        vgaout 0x3ce, 5, 0x00   ; no odd/even
        vgaout 0x3ce, 6, 0x04   ; A0000h, 64 KiB, alphanumeric off
        ret
font_off:
        vgaout 0x3c4, 2, 0x03
        vgaout 0x3c4, 4, 0x02
        vgaout 0x3ce, 4, 0x00
        vgaout 0x3ce, 5, 0x10
        vgaout 0x3ce, 6, 0x0e
        ret

; font_check: ZF=1 if plane 2 holds user_font at 'A'..'H' (16 bytes used of 32).
font_check:
        call font_on
        push es
        mov ax, 0xa000
        mov es, ax
        mov si, user_font
        mov di, 'A' * 32
        mov bx, 8
.c:     mov cx, 16
        repe cmpsb
        jne .out
        add di, 16
        dec bx
        jnz .c
.out:   pop es
        pushf
        call font_off
        popf
        ret

; font_direct: user_font into plane 2 at 'A'..'H' through the registers.
font_direct:
        call font_on
        push es
        mov ax, 0xa000
        mov es, ax
        mov si, user_font
        mov di, 'A' * 32
        mov bx, 8
.c:     mov cx, 16
        rep movsb
        add di, 16
        dec bx
        jnz .c
        pop es
        jmp font_off

; Eight glyphs that no real font has: checkerboard, vertical stripes,
; horizontal stripes, diagonal, frame, upper half, right column only (the
; 9th dot must stay background: 'G' is not a line-drawing code), solid.
user_font:
        times 8 db 0xaa, 0x55                                   ; A
        times 16 db 0xcc                                        ; B
        times 8 db 0xff, 0x00                                   ; C
        %assign r 0
        %rep 16
        db 0x80 >> (r & 7)                                      ; D
        %assign r r + 1
        %endrep
        db 0xff
        times 14 db 0x81                                        ; E
        db 0xff
        times 8 db 0xff                                         ; F
        times 8 db 0x00
        times 16 db 0x01                                        ; G
        times 16 db 0xff                                        ; H

; ---- mode 0: 80x25 text -----------------------------------------------------
text25: mov ax, 0x0003
        int 0x10
        call text_common
        push ds
        pop es
        mov ax, 0x1100          ; user font: ES:BP, CX glyphs from DX, block BL, BH bytes
        mov bp, user_font
        mov cx, 8
        mov dx, 'A'
        mov bx, 0x1000
        int 0x10
        call font_check
        je .fok
        mov si, note_1100
        call puts
        call font_direct
.fok:   mov ax, 0xb800
        mov es, ax
        xor di, di
        mov ax, 0x1f20
        mov cx, 80
        rep stosw
        mov di, AT(0, 1)
        mov ah, 0x1f
        mov si, t0_title
        call tputs
        ; user glyphs in three attributes
        mov di, AT(2, 2)
        mov ah, 0x0f
        mov si, t0_glyphs
        call tputs
        mov di, AT(2, 12)
        mov ah, 0x07
        mov si, t0_lower
        call tputs
        mov di, AT(2, 22)
        mov ah, 0x4e
        mov si, t0_glyphs
        call tputs
        mov di, AT(2, 32)
        mov ah, 0xe1            ; bright background: blink must be off
        mov si, t0_glyphs
        call tputs
        ; all 256 attributes, each cell its own value in hex
        mov di, AT(4, 2)
        xor bx, bx
.g:     mov al, bl
        shr al, 4
        call hexch
        mov ah, bl
        stosw
        mov al, bl
        and al, 15
        call hexch
        stosw
        inc bl
        test bl, 15
        jnz .g
        add di, (80 - 32) * 2
        test bl, bl
        jnz .g
        ; line drawing: C0-DF extend their 8th column into the 9th
        mov di, AT(4, 42)
        mov ax, 0x0ac0
.l1:    stosw
        inc al
        cmp al, 0xe0
        jb .l1
        mov di, AT(5, 42)
        mov ax, 0x0ec4          ; a continuous line
        mov cx, 32
        rep stosw
        mov di, AT(6, 42)
        mov ax, 0x0cdb          ; a continuous bar
        mov cx, 32
        rep stosw
        mov di, AT(7, 42)
        mov ax, 0x0bb0          ; B0-BF, E0-EF: no 9th dot
.l2:    stosw
        inc al
        cmp al, 0xc0
        jb .l2
        mov al, 0xe0
.l3:    stosw
        inc al
        cmp al, 0xf0
        jb .l3
        mov di, AT(8, 42)
        mov ax, 0x0d48          ; solid user glyph 'H': gaps between cells
        mov cx, 32
        rep stosw
        mov di, AT(9, 42)
        mov ax, 0x0947          ; 'G': right column, no 9th dot
        mov cx, 32
        rep stosw
        ; a double-line box (C9 CD BB / BA / C8 CD BC) on blue
        mov ah, 0x1e
        mov di, AT(11, 42)
        mov bx, 0xcdc9
        mov dl, 0xbb
        mov cx, 30
        call boxrow
        mov bp, 12
.box:   imul di, bp, 160
        add di, 42 * 2
        mov bx, 0x20ba
        mov dl, 0xba
        mov cx, 30
        call boxrow
        inc bp
        cmp bp, 15
        jb .box
        mov di, AT(15, 42)
        mov bx, 0xcdc8
        mov dl, 0xbc
        mov cx, 30
        call boxrow
        mov di, AT(13, 45)
        mov si, t0_box
        call tputs
        ; a single-line table: DA C4 C2 BF / B3 / C0 C1 D9
        mov ah, 0x07
        mov di, AT(17, 42)
        mov bx, 0xc4da
        mov dl, 0xc2
        mov cx, 8
        call boxrow
        mov al, 0xc4
        mov cx, 8
        rep stosw
        mov al, 0xbf
        stosw
        mov di, AT(18, 42)
        mov si, t0_row
        call tputs
        mov di, AT(19, 42)
        mov bx, 0xc4c0
        mov dl, 0xc1
        mov cx, 8
        call boxrow
        mov al, 0xc4
        mov cx, 8
        rep stosw
        mov al, 0xd9
        stosw
        ; bright backgrounds 8-15 (with blink on they would be dark and blink)
        mov di, AT(21, 2)
        mov ah, 0x07
        mov si, t0_bright
        call tputs
        mov bl, 0x80
.br:    mov ah, bl
        mov si, t0_cell
        call tputs
        add bl, 0x10
        jnz .br
        mov di, AT(23, 2)
        mov ah, 0x08
        mov si, t0_grey
        call tputs
        ret

note_1100: db "NOTE int 10h AX=1100h did not load the user font; loaded through the registers", 13, 10, 0
t0_title:  db "mode 0 80x25 text: user glyphs at 41h-48h, 256 attributes, blink off, 9th dot", 0
t0_glyphs: db "ABCDEFGH", 0
t0_lower:  db "abcdefgh", 0
t0_box:    db "9th dot only for c0h-dfh", 0
t0_row:    db 0xb3, "ABCDEFGH", 0xb3, "abcdefgh", 0xb3, 0
t0_bright: db "bright bg:", 0
t0_cell:   db " hi ", 0
t0_grey:   db "dark grey (attribute 08h) on black", 0

; ---- mode 1: 80x50 text -----------------------------------------------------
text50: mov ax, 0x0003
        int 0x10
        mov ax, 0x1112          ; 8x8 font, 50 rows
        xor bl, bl
        int 0x10
        call text_common
        mov dx, 0x3d4           ; did the BIOS set 8 scan lines per row?
        mov al, 0x09
        out dx, al
        inc dx
        in al, dx
        and al, 0x1f
        cmp al, 7
        je .ok
        mov si, note_1112
        call puts
        call font8x8_direct
.ok:    mov ax, 0xb800
        mov es, ax
        xor di, di
        mov ah, 0x0b
        mov bx, 0xcdc9
        mov dl, 0xbb
        mov cx, 78
        call boxrow
        mov bp, 1
.side:  imul di, bp, 160
        mov ax, 0x0bba
        stosw
        add di, 78 * 2          ; column 79
        stosw
        inc bp
        cmp bp, 49
        jb .side
        mov di, AT(49, 0)
        mov bx, 0xcdc8
        mov dl, 0xbc
        mov cx, 78
        call boxrow
        mov di, AT(0, 24)
        mov ah, 0x1e
        mov si, t1_title
        call tputs
        mov bp, 1               ; rows 1-48: "row NN", text, colour blocks
.row:   imul di, bp, 160
        add di, 2 * 2
        mov ax, bp
        xor dx, dx
        mov bx, 15
        div bx
        mov ah, dl
        inc ah                  ; attribute 1-15
        mov si, t1_row
        call tputs
        mov ax, bp
        aam                     ; AH tens, AL units
        add ax, 0x3030
        push ax
        mov al, ah
        mov ah, [es:di-1]
        stosw
        pop ax
        mov ah, [es:di-1]
        stosw
        add di, 2 * 2           ; column 10: 32 characters from the row number on
        mov ax, bp
        add al, ' '
        mov ah, 0x07
        mov cx, 32
.ch:    stosw
        inc al
        cmp al, 0x7f
        jb .c1
        mov al, ' '
.c1:    loop .ch
        add di, 2 * 2           ; column 44: shades and blocks in changing colours
        mov cx, 32
        mov bx, bp
.blk:   mov al, bl
        and al, 3
        add al, 0xb0
        cmp al, 0xb3
        jne .b1
        mov al, 0xdb
.b1:    mov ah, bl
        stosw
        add bl, 7
        loop .blk
        inc bp
        cmp bp, 49
        jb .row
        ret

; font8x8_direct: what AX=1112h does, through the registers: every glyph
; of plane 2 squeezed to 8 lines (line k = lines 2k | 2k+1 of the 8x16
; glyph), 8 scan lines per row (400 lines / 8 = 50 rows).
font8x8_direct:
        call font_on
        push es
        mov ax, 0xa000
        mov es, ax
        xor bx, bx
.g:     xor si, si
.l:     mov al, [es:bx+si]
        or al, [es:bx+si+1]
        shr si, 1
        mov [es:bx+si], al
        shl si, 1
        add si, 2
        cmp si, 16
        jb .l
        mov di, bx
        add di, 8
        xor al, al
        mov cx, 8
        rep stosb
        add bx, 32
        jnz .g                  ; 256 glyphs * 32 = 10000h: wraps to 0
        pop es
        call font_off
        mov dx, 0x3d4
        mov al, 0x09
        out dx, al
        inc dx
        in al, dx
        and al, 0xe0
        or al, 7
        out dx, al
        mov byte [0x484], 49    ; BDA rows - 1, character height
        mov word [0x485], 8
        ret

note_1112: db "NOTE int 10h AX=1112h did not set 8x8 characters; done through the registers", 13, 10, 0
t1_title:  db " MODE 1 80x50 text, 8x8 font ", 0
t1_row:    db "row ", 0

; ---- shared: load a VGA register set -----------------------------------------
; load_regs: DS:SI -> misc, sequencer 1-4, CRTC 0-18h, GC 0-8, AC 0-14h.
load_regs:
        lodsb
        mov dx, 0x3c2
        out dx, al
        mov dx, 0x3c4
        mov ax, 0x0100          ; synchronous reset while loading
        out dx, ax
        mov cx, 1
.seq:   mov al, cl
        mov ah, [si]
        inc si
        out dx, ax
        inc cx
        cmp cx, 5
        jb .seq
        mov ax, 0x0300
        out dx, ax
        mov dx, 0x3d4           ; unlock CRTC 0-7
        mov al, 0x11
        out dx, al
        inc dx
        in al, dx
        and al, 0x7f
        out dx, al
        dec dx
        xor cx, cx
.crtc:  mov al, cl
        mov ah, [si]
        inc si
        out dx, ax
        inc cx
        cmp cx, 0x19
        jb .crtc
        mov dx, 0x3ce
        xor cx, cx
.gc:    mov al, cl
        mov ah, [si]
        inc si
        out dx, ax
        inc cx
        cmp cx, 9
        jb .gc
        mov dx, 0x3da
        in al, dx
        mov dx, 0x3c0
        xor cx, cx
.ac:    mov al, cl
        out dx, al
        mov al, [si]
        inc si
        out dx, al
        inc cx
        cmp cx, 0x15
        jb .ac
        mov al, 0x20
        out dx, al
        ret

; Mode 12h: the standard IBM VGA register values.
regs_12:
        db 0xe3
        db 0x01, 0x0f, 0x00, 0x06
        db 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e
        db 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
        db 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff
        db 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff
        db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07
        db 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f
        db 0x01, 0x00, 0x0f, 0x00, 0x00

; ---- mode 2: 640x480x16 planar ------------------------------------------------
mode12: mov ax, 0x0012
        int 0x10
        mov ah, 0x0f
        int 0x10
        cmp al, 0x12
        je .set
        mov si, note_12h        ; (the DAC keeps the EGA colours of mode 03h)
        call puts
        mov si, regs_12
        call load_regs
        vgaout 0x3c4, 2, 0x0f   ; clear all four planes
        mov ax, 0xa000
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, 0x8000
        rep stosw
.set:   mov ax, 0xa000
        mov es, ax
        vgaout 0x3ce, 1, 0x00   ; no set/reset
        vgaout 0x3ce, 3, 0x00   ; no rotate, replace
        vgaout 0x3ce, 5, 0x00   ; write mode 0
        vgaout 0x3ce, 8, 0xff
        ; rows 0-119: 16 bars, 40 pixels each, colour c by map mask c
        xor bx, bx
.bar:   mov dx, 0x3c4
        mov al, 2
        mov ah, bl
        out dx, ax
        imul di, bx, 5
        mov bp, 120
.bl:    mov al, 0xff
        mov cx, 5
        rep stosb
        add di, 80 - 5
        dec bp
        jnz .bl
        inc bx
        cmp bx, 16
        jb .bar
        ; rows 120-159: a different byte in each plane = 8 colours per 8 pixels
        mov si, plane_bytes
        mov bl, 1
.pl:    mov dx, 0x3c4
        mov al, 2
        mov ah, bl
        out dx, ax
        lodsb
        mov di, 120 * 80
        mov cx, 40 * 80
        rep stosb
        shl bl, 1
        cmp bl, 16
        jb .pl
        vgaout 0x3c4, 2, 0x0f
        ; rows 160-319: write mode 2, 8x8 blocks of colour (column + row) & 15
        vgaout 0x3ce, 5, 0x02
        mov di, 160 * 80
        xor bp, bp              ; y - 160
.wm2:   mov bx, bp
        shr bx, 3
        xor cx, cx
.wx:    mov al, cl
        add al, bl
        and al, 15
        stosb
        inc cx
        cmp cx, 80
        jb .wx
        inc bp
        cmp bp, 160
        jb .wm2
        ; ...and white 1-pixel vertical lines every 16 pixels: bit mask 80h,
        ; the latches (loaded by a read) keep the other 7 pixels
        vgaout 0x3ce, 8, 0x80
        mov di, 160 * 80
        mov bp, 160
.vl:    mov cx, 40
.vx:    mov al, [es:di]
        mov byte [es:di], 15
        add di, 2
        loop .vx
        dec bp
        jnz .vl
        ; rows 320-479: diagonals in colours 1-15, pixel by pixel (write mode 2)
        mov bx, 1
.diag:  xor bp, bp
.dp:    imul cx, bx, 40
        add cx, bp              ; x
        cmp cx, 640
        jae .dn
        lea dx, [bp+320]        ; y
        mov al, bl
        call pixel12
.dn:    inc bp
        cmp bp, 160
        jb .dp
        inc bx
        cmp bx, 16
        jb .diag
        vgaout 0x3ce, 5, 0x00
        vgaout 0x3ce, 8, 0xff
        ret

; pixel12: CX x, DX y, AL colour; write mode 2, ES = A000h.
pixel12:
        push ax
        push cx
        imul di, dx, 80
        mov ax, cx
        shr ax, 3
        add di, ax
        and cl, 7
        mov ah, 0x80
        shr ah, cl
        mov al, 8
        mov dx, 0x3ce
        out dx, ax
        pop cx
        pop ax
        mov ah, [es:di]         ; load the latches
        mov [es:di], al
        ret

plane_bytes: db 0xf0, 0xcc, 0xaa, 0x0f
note_12h: db "NOTE int 10h AX=0012h did not set mode 12h; registers loaded by the guest", 13, 10, 0

; ---- mode 3: 320x200x256 ------------------------------------------------------
mode13: mov ax, 0x0013
        int 0x10
        ; DAC: red rises and blue falls with the index, green saws 4 times
        mov dx, 0x3c8
        xor al, al
        out dx, al
        inc dx
        xor bx, bx
.dac:   mov al, bl
        shr al, 2
        out dx, al              ; red
        mov al, bl
        and al, 63
        out dx, al              ; green
        mov al, bl
        shr al, 2
        neg al
        add al, 63
        out dx, al              ; blue
        inc bl
        jnz .dac
        ; 16 x 16 blocks of 20 x 12 pixels: colour = block row * 16 + column
        mov ax, 0xa000
        mov es, ax
        xor di, di
        xor dx, dx              ; y
.y:     mov ax, dx
        mov bl, 12
        div bl
        mov bh, al
        shl bh, 4               ; row * 16
        xor cx, cx
.x:     mov ax, cx
        mov bl, 20
        div bl
        add al, bh
        stosb
        inc cx
        cmp cx, 320
        jb .x
        inc dx
        cmp dx, 192
        jb .y
        ; rows 192-199: the whole palette left to right (colour = x * 4 / 5)
.y2:    xor cx, cx
.x2:    mov ax, cx
        shl ax, 2
        mov bl, 5
        div bl
        stosb
        inc cx
        cmp cx, 320
        jb .x2
        inc dx
        cmp dx, 200
        jb .y2
        ret

; ---- mode 4: mode X -----------------------------------------------------------
modex:  mov ax, 0x0013          ; the BIOS palette: 16 CGA, 16 greys, 6x6x6 cube
        int 0x10
        vgaout 0x3c4, 4, 0x06   ; chain 4 off, odd/even off
        mov dx, 0x3d4
        mov al, 0x11            ; unlock CRTC 0-7
        out dx, al
        inc dx
        in al, dx
        and al, 0x7f
        out dx, al
        mov dx, 0x3c2
        mov al, 0xe3            ; 480-line sync polarity
        out dx, al
        mov si, regs_x
        mov dx, 0x3d4
        mov cx, 10
.cr:    lodsw
        out dx, ax
        loop .cr
        vgaout 0x3c4, 2, 0x0f   ; clear all four planes
        mov ax, 0xa000
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, 0x8000
        rep stosw
        ; each plane p (pixels x = 4b + p) drawn on its own
        xor bx, bx              ; plane
.plane: mov cl, bl
        mov ah, 1
        shl ah, cl
        mov al, 2
        mov dx, 0x3c4
        out dx, ax
        xor di, di
        xor bp, bp              ; y
.row:   xor cx, cx              ; byte in row (x / 4)
.px:    cmp bp, 60
        jae .q
        mov al, [x_top + bx]    ; rows 0-59: 1-pixel stripes red, green, blue, yellow
        jmp .put
.q:     cmp bp, 120
        jae .cube
        mov al, 0               ; rows 60-119: white 1-in-4 stripes in quarter p only
        mov dx, bx
        imul dx, dx, 20
        cmp cx, dx
        jb .put
        add dx, 20
        cmp cx, dx
        jae .put
        mov al, 15
        jmp .put
.cube:  mov ax, bp              ; rows 120-239: cube colour r = (y-120)/20,
        sub ax, 120             ; g = x/4 * 6 / 80, b = plane
        mov dl, 20
        div dl
        mov dl, 36
        mul dl
        push ax
        mov ax, cx
        imul ax, ax, 6
        mov dl, 80
        div dl
        mov dl, 6
        mul dl
        pop dx
        add ax, dx
        add ax, bx
        add al, 32
.put:   stosb
        inc cx
        cmp cx, 80
        jb .px
        inc bp
        cmp bp, 240
        jb .row
        inc bx
        cmp bx, 4
        jb .plane
        ; a white frame: rows 0 and 239 in all planes, x=0 in plane 0, x=319 in plane 3
        vgaout 0x3c4, 2, 0x0f
        mov al, 15
        xor di, di
        mov cx, 80
        rep stosb
        mov di, 239 * 80
        mov cx, 80
        rep stosb
        vgaout 0x3c4, 2, 0x01
        mov al, 15
        xor di, di
        mov cx, 240
.l:     mov [es:di], al
        add di, 80
        loop .l
        vgaout 0x3c4, 2, 0x08
        mov al, 15
        mov di, 79
        mov cx, 240
.r:     mov [es:di], al
        add di, 80
        loop .r
        vgaout 0x3c4, 2, 0x0f
        ret

x_top:  db 32 + 5 * 36, 32 + 5 * 6, 32 + 5, 32 + 5 * 36 + 5 * 6
; CRTC index, value: 240 lines of 480 scan lines, byte mode, no doubleword
regs_x: db 0x06, 0x0d, 0x07, 0x3e, 0x09, 0x41, 0x10, 0xea, 0x12, 0xdf
        db 0x14, 0x00, 0x15, 0xe7, 0x16, 0x06, 0x17, 0xe3
        ; CRTC 11h last: it sets the protect bit again
        db 0x11, 0xac

; ---- VBE helpers ----------------------------------------------------------------
; unreal: FS gets base 0 and a 4 GiB limit (a protected-mode load kept
; after going back to real mode), for the linear framebuffer.
unreal: cli
        lgdt [gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp $ + 2
        mov bx, 0x08
        mov fs, bx
        and al, 0xfe
        mov cr0, eax
        jmp $ + 2
        xor bx, bx
        mov fs, bx
        sti
        ret

gdt:    dq 0
        dw 0xffff, 0x0000       ; flat data: base 0, limit 4 GiB
        db 0x00, 0x92, 0xcf, 0x00
gdtr:   dw gdtr - gdt - 1
        dd gdt

; vbe_info: int 10h AX=4F00h into VBEINFO ("VBE2" asks for the 2.0 layout).
vbe_info:
        push ds
        pop es
        mov di, VBEINFO
        mov dword [di], 'VBE2'
        mov ax, 0x4f00
        int 0x10
        mov si, e_4f00
        cmp ax, 0x004f
        jne fail
        cmp dword [VBEINFO], 'VESA'
        jne fail
        ret

; vbe_modeinfo: CX mode -> MODEINFO; CF=1 if the BIOS refuses.
vbe_modeinfo:
        push ds
        pop es
        mov di, MODEINFO
        mov ax, 0x4f01
        int 0x10
        cmp ax, 0x004f
        je .ok
        stc
        ret
.ok:    clc
        ret

; vbe_find: AX width, BX height, DL bits per pixel -> CX mode from the
; 4F00h list, MODEINFO filled; fails if absent.
vbe_find:
        mov [want_w], ax
        mov [want_h], bx
        mov [want_bpp], dl
        call vbe_info
        lgs si, [VBEINFO + 14]
.m:     mov cx, [gs:si]
        cmp cx, 0xffff
        je .none
        push si
        push cx
        call vbe_modeinfo
        pop cx
        pop si
        jc .n
        mov ax, [MODEINFO + 18]
        cmp ax, [want_w]
        jne .n
        mov ax, [MODEINFO + 20]
        cmp ax, [want_h]
        jne .n
        mov al, [MODEINFO + 25]
        cmp al, [want_bpp]
        jne .n
        test byte [MODEINFO], 0x80      ; linear framebuffer available
        jz .n
        ret
.n:     add si, 2
        jmp .m
.none:  mov si, e_nomode
        jmp fail

; vbe_set: CX mode -> set with the LFB (bit 14); LFB base in EDI, pitch in EBP.
; (The caller enters unreal mode after its last BIOS call: the BIOS may load FS.)
vbe_set:
        mov bx, cx
        or bx, 0x4000
        mov ax, 0x4f02
        int 0x10
        mov si, e_4f02
        cmp ax, 0x004f
        jne fail
        mov edi, [MODEINFO + 40]
        movzx ebp, word [MODEINFO + 16]
        ret

want_w:   dw 0
want_h:   dw 0
want_bpp: db 0
e_4f00:   db "int 10h AX=4F00h", 0
e_4f01:   db "int 10h AX=4F01h", 0
e_4f02:   db "int 10h AX=4F02h", 0
e_4f09:   db "int 10h AX=4F09h", 0
e_nomode: db "mode not in the 4F00h list", 0

; ---- mode 5: VBE 101h 640x480x8 -----------------------------------------------------
vbe8:   call vbe_info
        mov cx, 0x0101
        call vbe_modeinfo
        mov si, e_4f01
        jc fail
        mov cx, 0x0101
        call vbe_set
        push edi
        push ebp
        ; palette (B, G, R, 0): red from the high nibble, green from the low,
        ; blue the opposite of red
        push ds
        pop es
        mov di, PALBUF
        xor bx, bx
.pal:   mov al, bl
        shr al, 4
        mov ah, al
        shl al, 2
        shr ah, 2
        or al, ah               ; red 0-63
        mov ah, 63
        sub ah, al
        mov [di], ah            ; blue
        mov [di+2], al          ; red
        mov al, bl
        and al, 15
        mov ah, al
        shl al, 2
        shr ah, 2
        or al, ah
        mov [di+1], al          ; green
        mov byte [di+3], 0
        add di, 4
        inc bl
        jnz .pal
        mov ax, 0x4f09
        xor bl, bl
        mov cx, 256
        xor dx, dx
        mov di, PALBUF
        int 0x10
        mov si, e_4f09
        cmp ax, 0x004f
        jne fail
        pop ebp
        pop edi
        call unreal
        ; 16 x 16 blocks of 40 x 30: colour = row * 16 + column; a 1-pixel
        ; frame and the diagonal x = y in colour FFh
        xor dx, dx              ; y
.y:     mov ax, dx
        mov bl, 30
        div bl
        mov bh, al
        shl bh, 4
        xor ecx, ecx            ; x
.x:     mov ax, cx
        mov bl, 40
        div bl
        add al, bh
        cmp cx, dx
        je .hi
        test cx, cx
        jz .hi
        test dx, dx
        jz .hi
        cmp cx, 639
        je .hi
        cmp dx, 479
        jne .put
.hi:    mov al, 0xff
.put:   mov [fs:edi+ecx], al
        inc cx
        cmp cx, 640
        jb .x
        add edi, ebp
        inc dx
        cmp dx, 480
        jb .y
        ret

; ---- mode 6: VBE 800x600x32 -----------------------------------------------------------
vbe32:  mov ax, 800
        mov bx, 600
        mov dl, 32
        call vbe_find
        call vbe_set
        call unreal
        ; red = x * 255 / 799, green = y * 255 / 599, blue C0h on a 32-pixel
        ; checkerboard; white frame
        xor edx, edx            ; y
.y:     xor ecx, ecx            ; x
.x:     mov eax, 0xffffff
        test cx, cx
        jz .put
        test dx, dx
        jz .put
        cmp cx, 799
        je .put
        cmp dx, 599
        je .put
        imul eax, ecx, 327
        shr eax, 10             ; red
        shl eax, 8
        imul ebx, edx, 435
        shr ebx, 10
        or eax, ebx             ; green
        shl eax, 8
        mov bx, cx
        xor bx, dx
        test bx, 32
        jz .put
        or al, 0xc0             ; blue
.put:   mov [fs:edi+ecx*4], eax
        inc cx
        cmp cx, 800
        jb .x
        add edi, ebp
        inc dx
        cmp dx, 600
        jb .y
        ret

; ---- mode 7: VBE 1024x768x16 (5:6:5) ------------------------------------------------------
vbe16:  mov ax, 1024
        mov bx, 768
        mov dl, 16
        call vbe_find
        call vbe_set
        call unreal
        ; red = x / 32, green = y / 12, blue 31 on a 64-pixel checkerboard;
        ; white frame
        xor edx, edx
.y:     xor ecx, ecx
.x:     mov ax, 0xffff
        test cx, cx
        jz .put
        test dx, dx
        jz .put
        cmp cx, 1023
        je .put
        cmp dx, 767
        je .put
        mov ax, cx
        shr ax, 5
        shl ax, 11              ; red
        push dx
        mov bx, ax
        mov ax, dx
        xor dx, dx
        push cx
        mov cx, 12
        div cx
        pop cx
        shl ax, 5
        or ax, bx               ; green
        pop dx
        mov bx, cx
        xor bx, dx
        test bx, 64
        jz .put
        or al, 31               ; blue
.put:   mov [fs:edi+ecx*2], ax
        inc cx
        cmp cx, 1024
        jb .x
        add edi, ebp
        inc dx
        cmp dx, 768
        jb .y
        ret

end_of_code:
MORE    equ (end_of_code - $$ + 511) / 512 - 1
%if MORE > 17
%error "modes_guest: more than track 0 head 0 holds"
%endif
        times 1474560 - ($ - $$) db 0
