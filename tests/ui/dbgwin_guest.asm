; dbgwin_guest.asm — a boot sector for the window-beside-the-debugger test
; (test_debug_window.sh): it writes 'A' white on red to the top-left cell
; of the text screen with one instruction (the test steps over it and
; looks for red in the window), then types every key it reads through int
; 16h into the next cell, white on green (the test types into the window
; while the guest runs under `continue`).
  org 0x7c00
  bits 16
start:
  cli                         ; no timer interrupt between the test's steps
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov ax, 0xb800
  mov es, ax
  mov word [es:0], 0x4f41     ; the store the test steps over: 'A', white on red
  sti
.key:
  mov ah, 0
  int 0x16                    ; AL = the character typed
  mov ah, 0x2f                ; white on green
  mov [es:2], ax
  jmp .key
  times 510 - ($ - $$) db 0
  dw 0xaa55
  times 1474560 - ($ - $$) db 0 ; a 1.44 MB floppy
