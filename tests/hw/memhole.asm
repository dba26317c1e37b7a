; memhole.asm - a boot sector (and the two sectors after it) that looks for
; an EMS page frame in C8000h-EFFFFh as an EMS manager does, after our
; BIOS's POST (test_memhole.sh): each 16 KiB page is written (a byte at
; 0, a word at 2000h, a dword at 3FFCh) and read back, and read whole.
; A page is a hole ('F': every byte FFh, the writes lost), RAM ('R': a
; write stuck; the old bytes are put back) or something else ('O': not
; all FFh, writes lost, such as an option ROM).  Every page must be a
; hole.  Then, with an 82441FX at 00.0 (CF8h/CFCh), PAM3's high field
; (5Ch bits 5:4) for D4000h-D7FFFh: 10b (write-only) keeps what is
; written in DRAM while reads still float FFh; 11b shows those bytes and
; the scan finds D4000h, and only it, as RAM; 01b (read-only) drops
; writes; back to 00b it is a hole again.  Port E9h: "SEG:V" per page,
; one line per scan.  Exit (port F4h): 10h all passed (status 33); 11h
; the scan passed and there is no i440FX (status 35, --machine isa);
; check n failed: n (status 2n+1); 15: sectors 2-3 could not be read.
        org 0x7C00
        bits 16
        cpu 386
%include "bootsector.inc"

PAM3    equ 0x5C                        ; D0000h (bits 1:0), D4000h (bits 5:4)
TESTSEG equ 0xD400

        BOOT_SECTOR

main:   mov bp, 1                       ; 1: a page of the first scan is not a hole
        xor dx, dx                      ; no page may be RAM
        call scan
        jne fail

        mov bp, 2                       ; 2: no PCI configuration mechanism #1: done
        mov dx, 0xCF8
        mov eax, 0x80000000
        out dx, eax
        in eax, dx
        cmp eax, 0x80000000
        jne nopci
        mov bp, 3                       ; 3: 00.0 is not an 82441FX (8086:1237)
        mov al, 0x00
        call cfg_addr
        in eax, dx
        cmp eax, 0x12378086
        jne fail

        mov bp, 4                       ; 4: PAM3 is not 00h after POST
        mov al, PAM3
        call cfg_addr
        in al, dx
        test al, al
        jnz fail

        mov bp, 5                       ; 5: write-only: reads must still float
        mov al, 0x20
        call pam3
        push TESTSEG
        pop es
        mov byte [es:0], 0x5A
        mov word [es:0x2000], 0xA55A
        mov dword [es:0x3FFC], 0x12345678
        cmp byte [es:0], 0xFF
        jne fail
        cmp dword [es:0x3FFC], 0xFFFFFFFF
        jne fail

        mov bp, 6                       ; 6: read/write: the bytes written above are there
        mov al, 0x30
        call pam3
        cmp byte [es:0], 0x5A
        jne fail
        cmp word [es:0x2000], 0xA55A
        jne fail
        cmp dword [es:0x3FFC], 0x12345678
        jne fail
        mov bp, 7                       ; 7: the scan finds D4000h (only) as RAM
        mov dx, TESTSEG
        call scan
        jne fail

        mov bp, 8                       ; 8: read-only: writes are dropped
        mov al, 0x10
        call pam3
        push TESTSEG
        pop es
        mov byte [es:0], 0xC3
        cmp byte [es:0], 0x5A
        jne fail

        mov bp, 9                       ; 9: back to 00b: a hole again
        mov al, 0x00
        call pam3
        xor dx, dx
        call scan
        jne fail

        BOOT_EXITS

; scan: probe C8000h-EFFFFh page by page and print a line; ZF set when
; page DX (a segment; 0: none) is RAM and every other page a hole.
scan:   push bx
        mov bx, 0xC800
        xor cx, cx                      ; pages that are not what we want
.page:  call probe
        push ax
        mov ax, bx
        call hex4
        mov al, ':'
        out 0xE9, al
        pop ax
        out 0xE9, al
        mov ah, 'F'
        cmp bx, dx
        jne .want
        mov ah, 'R'
.want:  cmp al, ah
        je .ok
        inc cx
.ok:    mov al, ' '
        out 0xE9, al
        add bx, 0x400
        cmp bx, 0xF000
        jb .page
        mov al, 10
        out 0xE9, al
        test cx, cx
        pop bx
        ret

; probe: AL = 'R', 'F' or 'O' for the 16 KiB page at segment BX.
probe:  push es
        push cx
        push di
        push esi
        mov es, bx
        mov cl, [es:0]                  ; the writes, each read back at once
        mov byte [es:0], 0x5A
        cmp byte [es:0], 0x5A
        mov [es:0], cl
        je .ram
        mov cx, [es:0x2000]
        mov word [es:0x2000], 0xA55A
        cmp word [es:0x2000], 0xA55A
        mov [es:0x2000], cx
        je .ram
        mov esi, [es:0x3FFC]
        mov dword [es:0x3FFC], 0x12345678
        cmp dword [es:0x3FFC], 0x12345678
        mov [es:0x3FFC], esi
        je .ram
        xor di, di                      ; then the whole page must read FFh
        mov cx, 0x2000
        mov ax, 0xFFFF
        cld
        repe scasw
        mov al, 'F'
        je .out
        mov al, 'O'
        jmp .out
.ram:   mov al, 'R'
.out:   pop esi
        pop di
        pop cx
        pop es
        ret

; cfg_addr: select register AL of 00.0 (CONFIG_ADDRESS); DX = the data
; port for its byte.
cfg_addr:
        push eax
        movzx eax, al
        push ax
        and al, 0xFC
        or eax, 0x80000000
        mov dx, 0xCF8
        out dx, eax
        pop ax
        and ax, 3
        mov dx, 0xCFC
        add dx, ax
        pop eax
        ret

; pam3: write AL to PAM3.
pam3:   push dx
        push ax
        mov al, PAM3
        call cfg_addr
        pop ax
        out dx, al
        pop dx
        ret

; hex4: AX in hex to port E9h.
hex4:   push cx
        mov cx, 4
.digit: rol ax, 4
        push ax
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '9' - 1
.out:   out 0xE9, al
        pop ax
        loop .digit
        pop cx
        ret

        times 1536 - ($ - $$) db 0
