; boot.asm - boot sector of the benchmark-suite guest (a 1.44 MB floppy).
;
; Loads the rest of the image (_image_sectors in all, from guest.ld) one
; sector at a time through int 13h to 7E00h onwards, enables A20 (port
; 92h), enters flat 32-bit protected mode with interrupts off and no IDT,
; zeroes .bss, runs FNINIT and calls guest_main (guest_main.c), which never
; returns.  Holds the parameter block run_suite.py patches into each image
; ("SUITEPRM", workload, iterations, flags).  On a disk error it prints a
; message on port E9h and exits with status (7Fh << 1) | 1.
; Build: nasm -f elf32 boot.asm; link with guest.ld.  Written for x86vm.

        cpu 686
        section .boot progbits alloc exec write align=1

        global _start, suite_params
        extern guest_main, _image_sectors, __bss_start, __bss_end

STACK_TOP       equ 0x90000

        bits 16
_start:
        jmp short start
        nop
suite_params:
        db "SUITEPRM"
        dd 0                            ; workload
        dd 0                            ; iterations
        dd 0                            ; flags (1: paging on)

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        jmp 0:.cs0                      ; some BIOSes enter at 07C0:0000
.cs0:   sti                             ; the BIOS floppy read needs IRQ6
        cld
        mov [boot_drive], dl
        mov bp, 1                       ; next sector (LBA)
.next:  cmp bp, _image_sectors
        jae .loaded
        mov ax, bp                      ; destination 0:7C00h + LBA * 512
        shl ax, 5
        add ax, 0x07c0
        mov es, ax
        mov ax, bp                      ; CHS: 18 sectors a track, 2 heads
        xor dx, dx
        mov bx, 18
        div bx
        mov cl, dl
        inc cl                          ; sector 1..18
        mov dh, al
        and dh, 1                       ; head
        shr ax, 1
        mov ch, al                      ; cylinder
        mov dl, [boot_drive]
        mov di, 4                       ; tries
.read:  pusha
        mov ax, 0x0201
        xor bx, bx
        int 0x13
        popa                            ; keeps CF
        jnc .ok
        pusha
        xor ah, ah                      ; reset the drive, try again
        int 0x13
        popa
        dec di
        jnz .read
        mov si, msg_diskfail
.msg:   lodsb
        test al, al
        jz .fail
        out 0xe9, al
        jmp .msg
.fail:  mov al, 0x7f
        out 0xf4, al
        cli
.halt:  hlt
        jmp .halt
.ok:    inc bp
        jmp .next

.loaded:
        cli
        in al, 0x92                     ; fast A20 on, no reset
        or al, 2
        and al, 0xfe
        out 0x92, al
        lgdt [gdt_desc]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm32

        bits 32
pm32:   mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, STACK_TOP
        mov edi, __bss_start
        mov ecx, __bss_end
        sub ecx, edi
        xor eax, eax
        rep stosb
        fninit
        call guest_main
        mov al, 0x7e                    ; guest_main returned: status 253
        out 0xf4, al
        cli
        hlt

boot_drive:     db 0
msg_diskfail:   db "SUITE boot: disk read failed", 10, 0

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff           ; 08h: code, flat 4 GiB, 32-bit
        dq 0x00cf92000000ffff           ; 10h: data, flat 4 GiB
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt

        times 510 - ($ - $$) db 0
        dw 0xaa55
