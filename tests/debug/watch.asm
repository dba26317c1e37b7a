; watch.asm — a 1.44 MB floppy whose boot sector reads and writes two words
; at fixed places, for the gdb stub's read, access and write watchpoints
; and reverse execution (gdb_reverse.py).  The addresses the test relies
; on are pinned: the loop at 7C20h, the second write at 7C40h.
        cpu 386
        bits 16
        org 0x7C00

VAR     equ 0x600               ; read in the loop, written twice
CNT     equ 0x604               ; read and written (INC) in the loop
SUM     equ 0x608

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        mov word [VAR], 0x1111  ; first write (7C0Ah)
        mov cx, 5
        times 0x20 - ($ - $$) nop
loop1:                          ; 7C20h
        mov ax, [VAR]           ; a read (3 bytes: next is 7C23h)
        inc word [CNT]          ; a read and a write (4 bytes: next is 7C27h)
        add [SUM], ax
        dec cx
        jnz loop1
        times 0x40 - ($ - $$) nop
        mov word [VAR], 0x2222  ; second write (7C40h, 6 bytes)
        mov bx, [VAR]           ; 7C46h
        hlt                     ; interrupts off: the machine stops
        times 510 - ($ - $$) db 0
        dw 0xAA55
        times 1474560 - ($ - $$) db 0
