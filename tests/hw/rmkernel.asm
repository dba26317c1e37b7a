; rmkernel.asm - a Linux-boot-protocol image whose real-mode setup checks
; what x86vm --kernel and our BIOS hand it (test_rmkernel.sh).  Plain: a
; protocol 2.07 bzImage with code32_start 0 (as iPXE's .lkrn); -DZIMAGE:
; a protocol 2.01 zImage.  The setup checks its segments and stack, the
; header fields a loader fills in, the command line ("test", via
; cmd_line_ptr or the old A33Fh magic), the protected-mode part at
; code32_start, and that BIOS services work (int 10h prints " rmk-ok"),
; then writes 10h to the debug-exit port F4h (a failed check k writes k).
[bits 16]
        org 0

%ifdef ZIMAGE
VERSION equ 0x0201
LOADFL  equ 0x00
REAL    equ 0x90000
PROT    equ 0x10000
%else
VERSION equ 0x0207
LOADFL  equ 0x01
REAL    equ 0x10000
PROT    equ 0x100000
%endif

        times 0x1F1 - ($ - $$) db 0
        db 1                    ; setup_sects
        dw 0                    ; root_flags
        dd 1                    ; syssize (16-byte units)
        dw 0                    ; ram_size
        dw 0                    ; vid_mode
        dw 0                    ; root_dev
        dw 0xAA55               ; boot_flag
; ---- 0x200: the setup, entered at (DS + 20h):0
        jmp short setup
        db "HdrS"
        dw VERSION
        dd 0                    ; realmode_swtch
        dw 0                    ; start_sys_seg
        dw 0                    ; kernel_version
        db 0                    ; type_of_loader (0x210)
        db LOADFL               ; loadflags (0x211)
        dw 0                    ; setup_move_size
        dd 0                    ; code32_start (0x214): the loader says where
        dd 0                    ; ramdisk_image
        dd 0                    ; ramdisk_size
        dd 0                    ; bootsect_kludge
        dw 0                    ; heap_end_ptr (0x224)
        db 0, 0                 ; ext_loader_ver, ext_loader_type
        dd 0                    ; cmd_line_ptr (0x228)
        dd 0x37FFFFFF           ; initrd_addr_max
        dd 0                    ; kernel_alignment
        db 0, 0                 ; relocatable_kernel, min_alignment
        dw 0                    ; xloadflags
        dd 255                  ; cmdline_size (0x238)

%macro CHECK 1                  ; fail with %1 unless ZF
        je %%ok
        mov al, %1
        jmp fail
%%ok:
%endmacro

setup:  mov ax, cs              ; 1: CS = DS + 20h, SS = DS, SP = E000h
        sub ax, 0x20
        mov bx, ds
        cmp ax, bx
        CHECK 1
        mov bx, ss
        cmp ax, bx
        CHECK 1
        cmp sp, 0xE000
        CHECK 1
        mov ax, ds              ; 2: loaded where the protocol says
        cmp ax, REAL >> 4
        CHECK 2
        cmp byte [0x210], 0xFF  ; 3: type_of_loader, heap
        CHECK 3
        cmp word [0x224], 0xE000 - 0x200
        CHECK 3
        test byte [0x211], 0x80
        jnz .heap
        mov al, 3
        jmp fail
.heap:
        cmp dword [0x214], PROT ; 4: code32_start = where the rest went
        CHECK 4
%ifdef ZIMAGE
        cmp word [0x20], 0xA33F ; 5: the command line (old protocol)
        CHECK 5
        mov si, [0x22]
        push ds
        pop es
%else
        mov eax, [0x228]        ; 5: the command line at cmd_line_ptr
        mov si, ax
        and si, 15
        shr eax, 4
        mov es, ax
%endif
        cmp dword [es:si], "test"
        CHECK 5
        mov ax, (PROT >> 4) - (PROT >> 20) * 0x10000 + (PROT >> 20) * 0xFFFF
        mov es, ax              ; 6: the protected-mode part (FFFF:0010 = 1 MiB)
        cmp dword [es:(PROT >> 20) * 0x10], "PMOK"
        CHECK 6
        mov si, okmsg           ; BIOS services: int 10h teletype
.msg:   lodsb
        test al, al
        jz .done
        mov ah, 0x0E
        mov bx, 7
        int 0x10
        jmp .msg
.done:  mov al, 0x10
        out 0xF4, al
        cli
        hlt

fail:   out 0xF4, al
        cli
        hlt

okmsg:  db " rmk-ok", 13, 10, 0
        times 0x400 - ($ - $$) db 0
; ---- the "protected-mode" part, loaded at PROT
        db "PMOK"
        times 0x600 - ($ - $$) db 0
