; snapshot_writer.asm — a BIOS image (64 KiB at F0000h) that writes 256 MiB
; to the primary master through IDE PIO (WRITE SECTORS, 256 sectors per
; command, REP OUTSD), then reads back LBA 12345h (written: A55Ah words) and
; LBA 90000h (never written: the image's zeros) and exits through port F4h:
; 10h (status 33) when both read back right, 20h (status 65) on a device
; error, 30h (status 97) on wrong data.  test_snapshot_rss.sh runs it under
; --snapshot and measures the emulator's resident memory.
[bits 16]
        org 0
COMMANDS equ 2048                     ; x 256 sectors x 512 bytes = 256 MiB

start:  cli
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov ds, ax
        mov es, ax
        mov di, 0x8000                ; the sector written over and over
        mov cx, 256
        mov ax, 0xa55a
        rep stosw
        mov dx, 0x3f6
        mov al, 2                     ; nIEN: no interrupts, we poll
        out dx, al
        xor ebx, ebx                  ; LBA
        mov bp, COMMANDS
.cmd:   mov al, 0x30                  ; WRITE SECTORS, 256 sectors at EBX
        call issue
        mov di, 256
.sec:   call wait_drq
        mov si, 0x8000
        mov cx, 128
        mov dx, 0x1f0
        rep outsd
        dec di
        jnz .sec
        add ebx, 256
        dec bp
        jnz .cmd
        call wait_idle

        mov ebx, 0x12345              ; written: A55Ah
        mov eax, 0xa55aa55a
        call check
        mov ebx, 0x90000              ; beyond 256 MiB: the base image's zeros
        xor eax, eax
        call check
        mov al, 0x10
        jmp done

; Read the sector at EBX and compare its first and last dword with EAX.
check:  push eax
        mov al, 0x20                  ; READ SECTORS (count: 1)
        mov byte [cs:count], 1
        call issue
        mov byte [cs:count], 0
        call wait_drq
        mov di, 0x9000
        mov cx, 128
        mov dx, 0x1f0
        rep insd
        pop eax
        cmp [0x9000], eax
        jne wrong
        cmp [0x91fc], eax
        jne wrong
        ret

; Command AL for [count] sectors (0: 256) at LBA EBX (LBA28, master).
issue:  push ax
        call wait_idle
        mov dx, 0x1f2
        mov al, [cs:count]
        out dx, al
        inc dx
        mov al, bl
        out dx, al
        inc dx
        mov al, bh
        out dx, al
        inc dx
        mov eax, ebx
        shr eax, 16
        out dx, al
        inc dx
        mov al, ah
        and al, 0x0f
        or al, 0xe0
        out dx, al
        inc dx
        pop ax
        out dx, al
        ret

wait_idle:
        mov dx, 0x1f7
.w:     in al, dx
        test al, 0x80
        jnz .w
        test al, 0x01
        jnz error
        ret

wait_drq:
        mov dx, 0x1f7
.w:     in al, dx
        test al, 0x80
        jnz .w
        test al, 0x01
        jnz error
        test al, 0x08
        jz .w
        ret

error:  mov al, 0x20
        jmp done
wrong:  mov al, 0x30
done:   out 0xf4, al
        hlt
        jmp done

count:  db 0                          ; sector count for issue (0: 256)

        times 0xfff0 - ($ - $$) db 0xf4
        jmp 0xf000:start
        times 0x10000 - ($ - $$) db 0xf4
