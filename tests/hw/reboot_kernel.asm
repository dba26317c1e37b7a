; reboot_kernel.asm — a Multiboot kernel (a.out kludge, loaded at 1 MiB) for
; test_reboot_kernel.sh: a reset must boot the --kernel again, as it was
; loaded.  First boot: CMOS byte 40h is not 5Ah: set it, write '1' to port
; E9h, dirty the kernel's own byte `pristine` and its bss byte `scratch`,
; and reset the machine through the keyboard controller (64h <- FEh).
; Second boot (CMOS says so): clear the CMOS byte, write '2', and exit with
; 11h on port F4h (status 35) if `pristine` is back to 1 and `scratch` to 0
; (the image and its zero-filled bss were put back), else with 12h (37).
[bits 32]
        org 0x100000
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000                 ; the address fields below are valid
hdr:    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
        dd hdr, 0x100000, image_end, bss_end, start ; header, load, load end, bss end, entry
start:
        mov al, 0x40
        out 0x70, al
        in al, 0x71
        cmp al, 0x5a
        je second
        mov al, 0x40
        out 0x70, al
        mov al, 0x5a
        out 0x71, al
        mov al, '1'
        out 0xe9, al
        mov byte [pristine], 0
        mov byte [scratch], 0x5a
        mov al, 0xfe
        out 0x64, al
.wait:  hlt
        jmp .wait
second:
        mov al, 0x40
        out 0x70, al
        xor al, al
        out 0x71, al
        mov al, '2'
        out 0xe9, al
        mov al, 0x11
        cmp byte [pristine], 1
        jne .bad
        cmp byte [scratch], 0
        je .out
.bad:   mov al, 0x12
.out:   out 0xf4, al
        cli
        hlt
pristine: db 1
image_end:
scratch equ image_end + 7               ; in the bss, past the file's last byte
bss_end equ image_end + 16
