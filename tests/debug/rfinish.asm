; rfinish.asm — a boot sector whose calls test reverse-finish
; (test_rfinish.py): nested near calls, a caller that pushes after a call
; returned (so the returned call's stack pointer lies above the stack
; pointer now, and only its return says it is over), locals, recursion,
; indirect calls through a register and through memory, and a far call.
; Interrupts stay off; it ends in a loop at `done`.
        bits 16
        org 0x7c00
start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        mov cx, 3
.loop:
        push cx                 ; an argument, pushed after the last call returned
        call outer
        add sp, 2
        loop .loop
        mov ax, 4
        call fact
        mov bx, leaf
        call bx                 ; indirect through a register
        call [leafptr]              ; indirect through memory
        call 0:farfn            ; far
done:
        jmp done

outer:
        push bp
        mov bp, sp
        call leaf
        push ax                 ; pushes after a return
        push bx
        call middle
        pop bx
        pop ax
        pop bp
        ret

middle:
        sub sp, 6               ; locals
        call leaf
        push word 1
        call leaf
        push word 2
        call outer_leaf
        add sp, 10
        ret

outer_leaf:
        push si
        call leaf
        pop si
        ret

leaf:
        inc ax
        ret

fact:                           ; recursion: 4, 3, 2, 1
        cmp ax, 1
        jbe .done
        push ax
        dec ax
        call fact
        pop dx
        push dx                 ; again after the return
        pop dx
.done:
        ret

farfn:
        call leaf
        retf

leafptr:    dw leaf
        times 510 - ($ - $$) db 0
        dw 0xaa55
        times 1474560 - ($ - $$) db 0
