; bios_modes.asm — a boot floppy that sets every standard VGA mode and the
; planar VBE modes 102h/104h through int 10h, one per key press, and draws
; in each with the BIOS's own services, so that test_bios_modes.sh can
; compare a screen dump with bios_modes_ref.py's model of the picture.
;
; COM1: "BIOSMODES-READY", then for each mode, after a key (int 16h) and
; 50 ms: set the mode, draw, and report one line
;   MODE mm q=AL.AH.BH b=[49].[4A].[4C].[63].[84].[85].[65].[66].[87] f=[int 43h offset]
;        p=[AX=1007h BL=1].[AX=1008h].[AX=1015h BX=1: R G B].[AX=1A00h: AL BL]
;        r=<two read pixels> v=<VBE mode info, VBE modes only> END
; (hex; q: int 10h AH=0Fh, b: BIOS data area bytes/words).  After the last
; mode "BIOSMODES-DONE".
;
; Drawing, the same in every graphics mode (n = the mode's colours):
;  - colour bars: colour c (c < min(n, 16)) at x = 8c..8c+7, y = 100..103
;    (int 10h AH=0Ch; in VBE modes by write mode 2 through window A, also at
;    y = 590 (102h) or 700 (104h, bank 1 by AX=4F05h, back by the far
;    WinFuncPtr));
;  - x = 200..203, y = 100: colour 1, then 83h (XOR 3 where n <= 16);
;  - r = int 10h AH=0Dh at (25, 101) and (200, 100);
;  - "Xy" by teletype (AH=0Eh) from row 1, column 2 in colour t, then "ZZ"
;    by AH=09h CX=2 in colour t;  'S' by AH=0Ah at row 21, column 0, then
;    rows 20-22 scrolled up a line (AH=06h): 'S' ends on row 20;
;  - palette: 16-colour modes AX=1000h register 5 = 3Fh; CGA 4-colour
;    AH=0Bh BH=1 BL=0 (palette 0); 13h AX=1010h entry t = (63, 0, 0).
; Mode 92h (12h with bit 7: memory kept) right after 12h draws nothing: the
; picture is 12h's with the mode's default palette.
; Text modes: "Hi" by teletype at (0, 0), 'A' x3 attribute 1Eh at (2, 3)
; by AH=09h, AX=1000h register 1 = 3Ch, 'S' attribute 4Fh at (21, 0) then
; rows 20-22 scrolled up a line (fill 07h), cursor hidden.
        bits 16
        org 0x7c00
COM1     equ 0x3f8
MODEINFO equ 0x0800             ; 256 bytes: int 10h AX=4F01h

%include "com1_boot.inc"
        COM1_BOOT "BIOSMODES"

; ---- sector 2 on ----------------------------------------------------------------
; hex2: AL -> two hex digits; hex4: AX -> four.
hex4:   push ax
        mov al, ah
        call hex2
        pop ax
hex2:   push ax
        shr al, 4
        call .d
        pop ax
        push ax
        and al, 15
        call .d
        pop ax
        ret
.d:     add al, '0'
        cmp al, '9'
        jbe .o
        add al, 'A' - '9' - 1
.o:     jmp putc

dot:    push ax
        mov al, '.'
        call putc
        pop ax
        ret

; The modes: number, colours (0: text), bar lines for VBE (second set, bank).
modes:  dw 0x00, 0, 0x01, 0, 0x02, 0, 0x03, 0, 0x07, 0
        dw 0x04, 4, 0x05, 4, 0x06, 2, 0x0D, 16, 0x0E, 16, 0x0F, 16
        dw 0x10, 16, 0x11, 2, 0x12, 16, 0x92, 0xFFFF, 0x13, 256, 0x102, 16, 0x104, 16
NMODES  equ ($ - modes) / 4
cur:    dw 0
ncol:   dw 0
tcol:   db 0

main:   mov si, m_ready
        call puts
.next:  xor ah, ah              ; wait for a key and its release
        int 0x16
        mov ah, 0x86
        xor cx, cx
        mov dx, 50000
        int 0x15
        mov bx, [cur]
        shl bx, 2
        mov ax, [modes + bx + 2]
        mov [ncol], ax
        mov ax, [modes + bx]
        cmp ax, 0x100
        jae .vbe
        xor ah, ah
        int 0x10
        cmp word [ncol], 0xFFFF ; mode 12h again, memory kept: no drawing
        jne .d
        mov word [rpix], 0
        jmp .rep
.d:     cmp word [ncol], 0
        jne .g
        call draw_text
        jmp .rep
.g:     call draw_gfx
        jmp .rep
.vbe:   call draw_vbe
.rep:   call report
        inc word [cur]
        cmp word [cur], NMODES
        jb .next
        mov si, m_done
        call puts
        jmp halt

m_ready: db 13, 10, "BIOSMODES-READY", 13, 10, 0
m_done: db "BIOSMODES-DONE", 13, 10, 0
m_mode: db "MODE ", 0
m_q:    db " q=", 0
m_b:    db " b=", 0
m_f:    db " f=", 0
m_r:    db " r=", 0
m_p:    db " p=", 0
m_v:    db " v=", 0
m_end:  db " END", 13, 10, 0
rpix:   dw 0
vinfo:  times 8 dw 0

report: mov si, m_mode
        call puts
        mov bx, [cur]
        shl bx, 2
        mov ax, [modes + bx]
        call hex4
        mov si, m_q
        call puts
        mov ah, 0x0F
        int 0x10
        push ax
        call hex2
        call dot
        pop ax
        mov al, ah
        call hex2
        call dot
        mov al, bh
        call hex2
        mov si, m_b
        call puts
        push ds
        mov ax, 0x40
        mov ds, ax
        mov al, [0x49]
        call hex2
        call dot
        mov ax, [0x4A]
        call hex4
        call dot
        mov ax, [0x4C]
        call hex4
        call dot
        mov ax, [0x63]
        call hex4
        call dot
        mov al, [0x84]
        call hex2
        call dot
        mov ax, [0x85]
        call hex4
        call dot
        mov al, [0x65]
        call hex2
        call dot
        mov al, [0x66]
        call hex2
        call dot
        mov al, [0x87]
        call hex2
        pop ds
        mov si, m_f
        call puts
        mov ax, [0x43 * 4]
        call hex4
        mov si, m_p             ; palette register 1, overscan, DAC entry 1, AX=1A00h
        call puts
        mov ax, 0x1007
        mov bl, 1
        int 0x10
        mov al, bh
        call hex2
        call dot
        mov ax, 0x1008
        int 0x10
        mov al, bh
        call hex2
        call dot
        mov ax, 0x1015
        mov bx, 1
        int 0x10
        mov al, dh
        call hex2
        mov al, ch
        call hex2
        mov al, cl
        call hex2
        call dot
        mov ax, 0x1A00
        int 0x10
        call hex2
        mov al, bl
        call hex2
        mov si, m_r
        call puts
        mov ax, [rpix]
        call hex4
        mov si, m_v
        call puts
        mov si, vinfo
        mov cx, 8
.v:     lodsw
        call hex4
        call dot
        loop .v
        mov si, m_end
        call puts
        ret

; ---- text modes -------------------------------------------------------------------
draw_text:
        mov ax, 0x0E00 + 'H'
        int 0x10
        mov ax, 0x0E00 + 'i'
        int 0x10
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0203
        int 0x10
        mov ax, 0x0900 + 'A'
        mov bx, 0x001E
        mov cx, 3
        int 0x10
        mov ax, 0x1000
        mov bx, 0x3C01
        int 0x10
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x1500
        int 0x10
        mov ax, 0x0900 + 'S'
        mov bx, 0x004F
        mov cx, 1
        int 0x10
        call scroll
        mov ah, 0x01            ; cursor off: the picture does not blink
        mov cx, 0x2000
        int 0x10
        mov word [rpix], 0
        ret

; scroll: rows 20-22 up one line, fill BH = 07h (text) or 0.
scroll: mov ah, 0x0F
        int 0x10                ; AH = columns
        mov dl, ah
        dec dl
        mov dh, 22
        mov cx, 0x1400
        mov bh, 0x07
        cmp word [ncol], 0
        je .t
        xor bh, bh
.t:     mov ax, 0x0601
        int 0x10
        ret

; ---- graphics modes -----------------------------------------------------------------
draw_gfx:
        call bars_pixels
        call xor_pixels
        mov cx, 25              ; read back two pixels
        mov dx, 101
        mov ah, 0x0D
        xor bh, bh
        int 0x10
        mov [rpix + 1], al
        mov cx, 200
        mov dx, 100
        mov ah, 0x0D
        int 0x10
        mov [rpix], al
        ; the text colour: 1 / 2 / 0Eh / 28h
        mov al, 1
        cmp word [ncol], 2
        je .tc
        mov al, 2
        cmp word [ncol], 4
        je .tc
        mov al, 0x0E
        cmp word [ncol], 16
        je .tc
        mov al, 0x28
.tc:    mov [tcol], al
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0102
        int 0x10
        mov bl, [tcol]
        mov ax, 0x0E00 + 'X'
        int 0x10
        mov ax, 0x0E00 + 'y'
        int 0x10
        mov ax, 0x0900 + 'Z'
        mov cx, 2
        int 0x10
        mov ah, 0x02
        mov dx, 0x1500
        int 0x10
        mov ax, 0x0A00 + 'S'
        mov cx, 1
        int 0x10
        call scroll
        ; palette
        cmp word [ncol], 16
        jne .p4
        mov ax, 0x1000
        mov bx, 0x3F05
        int 0x10
        ret
.p4:    cmp word [ncol], 4
        jne .p256
        mov ah, 0x0B
        mov bx, 0x0100
        int 0x10
        ret
.p256:  cmp word [ncol], 256
        jne .pe
        mov ax, 0x1010
        movzx bx, byte [tcol]
        mov dh, 63
        xor cx, cx
        int 0x10
.pe:    ret

; bars_pixels: colour c at x = 8c..8c+7, y = 100..103, by int 10h AH=0Ch.
bars_pixels:
        xor si, si              ; SI = colour
.c:     mov dx, 100
.y:     mov cx, si
        shl cx, 3
        mov di, 8
.x:     mov ax, si
        mov ah, 0x0C
        xor bh, bh
        int 0x10
        inc cx
        dec di
        jnz .x
        inc dx
        cmp dx, 104
        jb .y
        inc si
        cmp si, 16
        jae .e
        cmp si, [ncol]
        jb .c
.e:     ret

xor_pixels:
        mov cx, 200
.p:     mov dx, 100
        mov ax, 0x0C01
        xor bh, bh
        int 0x10
        mov ax, 0x0C83
        int 0x10
        inc cx
        cmp cx, 204
        jb .p
        ret

; ---- planar VBE modes -------------------------------------------------------------------
draw_vbe:
        mov bx, [cur]
        shl bx, 2
        mov cx, [modes + bx]
        push cx
        or cx, 0x4000           ; with the LFB: refused for a planar mode
        mov bx, cx
        mov ax, 0x4F02
        int 0x10
        mov [vinfo + 12], ax
        pop cx
        mov ax, 0x4F01
        mov di, MODEINFO
        int 0x10
        cmp ax, 0x004F
        jne .bad
        mov ax, [MODEINFO]      ; attributes
        mov [vinfo], ax
        mov ax, [MODEINFO + 16] ; bytes a line
        mov [vinfo + 2], ax
        mov al, [MODEINFO + 24] ; planes
        mov ah, [MODEINFO + 27] ; memory model
        mov [vinfo + 4], ax
        mov al, [MODEINFO + 25] ; bits per pixel
        mov ah, [MODEINFO + 2]  ; window A attributes
        mov [vinfo + 6], ax
        mov ax, [MODEINFO + 40] ; PhysBasePtr
        or ax, [MODEINFO + 42]
        mov [vinfo + 8], ax
        mov ax, [MODEINFO + 8]  ; window A segment
        mov [vinfo + 10], ax
        mov bx, cx
        mov ax, 0x4F02
        int 0x10
        cmp ax, 0x004F
        jne .bad
        mov ax, 0x4F03
        int 0x10
        mov [vinfo + 14], bx
        mov ax, 0xA000
        mov es, ax
        mov dx, 0x3CE
        mov ax, 0x0205          ; write mode 2
        out dx, ax
        mov bx, 100
        call vbe_bars
        cmp word [MODEINFO + 16], 128
        je .b1
        mov bx, 590             ; 800x600: still bank 0
        call vbe_bars
        jmp .pal
.b1:    mov ax, 0x4F05          ; 1024x768: line 700 is in bank 1
        xor bx, bx
        mov dx, 1
        int 0x10
        mov bx, 700 - 512       ; 512 lines of 128 bytes a bank
        call vbe_bars
        xor bx, bx              ; back to bank 0 by the far window function
        xor dx, dx
        call far [MODEINFO + 12]
        mov bx, 100             ; again: must land in bank 0
        call vbe_bars
.pal:   mov dx, 0x3CE
        mov ax, 0x0005
        out dx, ax
        push ds
        pop es
        mov ax, 0x1000
        mov bx, 0x3F05
        int 0x10
        mov word [rpix], 0
        ret
.bad:   mov si, e_vbe
        jmp fail
e_vbe:  db "VBE call", 0

; vbe_bars: BX = line (in the current bank): colour c in byte c, 4 lines.
vbe_bars:
        mov ax, bx
        mul word [MODEINFO + 16]
        mov di, ax
        mov cx, 4
.l:     push di
        xor ax, ax
.c:     mov ah, [es:di]         ; latches
        mov [es:di], al         ; write mode 2: colour AL, all 8 pixels
        inc di
        inc al
        cmp al, 16
        jb .c
        pop di
        add di, [MODEINFO + 16]
        loop .l
        ret

end_of_code:
MORE    equ (end_of_code - $$ + 511) / 512 - 1
        times 1474560 - ($ - $$) db 0
