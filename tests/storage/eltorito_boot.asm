; eltorito_boot.asm - boot image for the El Torito emulation test
; (test_eltorito.sh).  Assembled twice: plain, the first sector of a 1.44 MB
; floppy image; with -DHD, the MBR of a small hard-disk image (4 heads,
; 16 sectors per track, 20 cylinders, one partition that ends there).
; Every other sector of the image starts with its own LBA (dword).  Through
; int 13h on the drive the BIOS hands over in DL it checks: the drive number,
; the geometry (08h), CHS reads across a track boundary and a far sector
; (02h), write protection (03h), the specification packet (4B01h), a real
; drive renumbered above it, and that 4B00h ends the emulation.  Progress goes to port E9h; the result to the
; debug-exit port F4h: 10h = all passed, else the number of the failed step.
[bits 16]
        org 0x7C00

%ifdef HD
DRIVE   equ 0x80
HEADS   equ 4
SPT     equ 16
CYLS    equ 20
MEDIA   equ 4
%else
DRIVE   equ 0x00
HEADS   equ 2
SPT     equ 18
CYLS    equ 80
MEDIA   equ 2
%endif

%macro STEP 1                   ; report step %1 on E9h
        mov al, %1
        call step
%endmacro

start:  jmp 0:main
main:   cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov [drive], dl
        STEP 1                  ; DL = the emulated drive
        cmp dl, DRIVE
        jne fail
        STEP 2                  ; 08h: geometry, at least one drive of the kind
        mov ah, 0x08
        call i13
        jc fail
        cmp ch, (CYLS - 1) & 0xFF
        jne fail
        cmp cl, SPT | (((CYLS - 1) >> 8) << 6)
        jne fail
        cmp dh, HEADS - 1
        jne fail
        cmp dl, 1
        jb fail
        mov [count], dl
        STEP 3                  ; 02h: C0 H0 S2, SPT + 2 sectors (into head 1)
        mov ax, 0x1000
        mov es, ax
        xor bx, bx
        mov ax, 0x0200 | (SPT + 2)
        mov cx, 0x0002
        xor dh, dh
        call i13
        jc fail
        cmp al, SPT + 2
        jne fail
        mov si, 1               ; sector i of the buffer holds LBA i + 1
        xor di, di
.chk:   cmp [es:di], si
        jne fail
        add di, 512
        inc si
        cmp si, SPT + 3
        jb .chk
        STEP 4                  ; a far sector: last cylinder, last head, last sector
        mov ax, 0x0201
        mov cx, (((CYLS - 1) & 0xFF) << 8) | (((CYLS - 1) >> 8) << 6) | SPT
        mov dh, HEADS - 1
        call i13
        jc fail
        cmp dword [es:0], CYLS * HEADS * SPT - 1
        jne fail
        STEP 5                  ; outside the geometry: error
        mov ax, 0x0201
        mov cx, SPT + 1
        xor dh, dh
        call i13
        jnc fail
        STEP 6                  ; 03h: write-protected
        mov ax, 0x0301
        mov cx, 0x0002
        xor dh, dh
        call i13
        jnc fail
        cmp ah, 0x03
        jne fail
        STEP 7                  ; 4B01h: the specification packet
        mov ax, 0x4B01
        mov dl, [drive]
        mov si, packet
        int 0x13
        jc fail
        cmp byte [packet], 0x13
        jne fail
        mov al, [packet + 1]
        and al, 0x0F
        cmp al, MEDIA
        jne fail
        cmp byte [packet + 2], DRIVE
        jne fail
        cmp dword [packet + 4], 0
        je fail
        cmp byte [packet + 18], HEADS - 1
        jne fail
        STEP 9                  ; a real drive of the kind moved up by one:
        cmp byte [count], 2     ; (the test gives a zero-filled one) it reads
        jb .noreal              ; as itself, not as the image
        mov word [es:0], 0xFFFF
        mov ax, 0x0201
        mov cx, 0x0001
        xor dh, dh
        mov dl, [drive]
        inc dl
        int 0x13
        jc fail
        cmp word [es:0], 0
        jne fail
.noreal:
        STEP 8                  ; 4B00h ends the emulation: the drive number is
        mov ax, 0x4B00          ; gone, or a real drive's again (not this image)
        mov dl, [drive]
        mov si, packet
        int 0x13
        jc fail
        mov word [es:bx], 0
        mov ax, 0x0201
        mov cx, 0x0001
        xor dh, dh
        call i13
        jc .gone
        cmp byte [es:0], 0xEA   ; our first byte: still the image
        je fail
.gone:
        mov si, okmsg
.msg:   lodsb
        test al, al
        jz .done
        out 0xE9, al
        jmp .msg
.done:  mov al, 0x10
        out 0xF4, al
        cli
        hlt

i13:    mov dl, [drive]         ; int 13h on the drive under test
        int 0x13
        ret

step:   mov [step_no], al
        add al, '0'
        out 0xE9, al
        ret

fail:   mov al, '!'
        out 0xE9, al
        mov al, [step_no]
        out 0xF4, al
        cli
        hlt

okmsg:  db " ok", 10, 0
drive:  db 0
count:  db 0
step_no: db 0
packet: times 0x13 db 0

%ifdef HD
        times 0x1BE - ($ - $$) db 0
        ; partition 1: active, type 01h, CHS 0/1/1 to (CYLS-1)/(HEADS-1)/SPT
        db 0x80, 1, 1, 0, 0x01, HEADS - 1, SPT | (((CYLS - 1) >> 8) << 6), (CYLS - 1) & 0xFF
        dd SPT, CYLS * HEADS * SPT - SPT
        times 0x1FE - ($ - $$) db 0
%else
        times 510 - ($ - $$) db 0
%endif
        dw 0xAA55
