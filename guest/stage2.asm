; stage2.asm - x86vm default guest, second stage (loaded at 0000:8000).
; Shows a machine report on the VGA text screen (direct writes to B8000h)
; and on COM1 (direct UART writes): CPUID vendor and features, the E820
; memory map, probed devices; then a live RTC clock and BIOS tick count,
; and echoes keys typed on the keyboard (int 16h) or on COM1. 'q' writes 0
; to port F4h (debug exit) and halts. Written from scratch for x86vm.

        cpu 386
        bits 16
        org 0x8000

COM1            equ 0x3F8
SCR_SEG         equ 0xB800
REPORT_TOP      equ 1               ; rows 1..REPORT_BOTTOM scroll
REPORT_BOTTOM   equ 20
ROW_SEP         equ 21
ROW_CLOCK       equ 22
ROW_KEYS        equ 23
ROW_HELP        equ 24
ATTR_TEXT       equ 0x07
ATTR_TITLE      equ 0x1F
ATTR_HEAD       equ 0x0E
ATTR_OK         equ 0x0A
ATTR_CLOCK      equ 0x0B

entry:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov [boot_drive], dl
        call uart_init
        call screen_init

        mov byte [attr], ATTR_HEAD
        mov si, s_title
        call puts
        mov byte [attr], ATTR_TEXT

        call report_cpu
        call report_memory
        call report_devices

        mov si, s_ready_screen
        call screen_puts_only
        mov si, s_ready
        call serial_puts
        jmp main_loop

; ==== output: screen (report area) + COM1 ====================================
; putc: AL -> screen and serial; 10 means newline (CR LF on serial).
putc:
        cmp al, 10
        jne .ch
        push ax
        mov al, 13
        call serial_putc
        mov al, 10
        call serial_putc
        pop ax
        jmp screen_putc
.ch:    call serial_putc
        jmp screen_putc

; puts: DS:SI ASCIIZ -> putc
puts:   push ax
        push si
.l:     lodsb
        test al, al
        jz .d
        call putc
        jmp .l
.d:     pop si
        pop ax
        ret

serial_puts:
        push ax
        push si
.l:     lodsb
        test al, al
        jz .d
        cmp al, 10
        jne .c
        mov al, 13
        call serial_putc
        mov al, 10
.c:     call serial_putc
        jmp .l
.d:     pop si
        pop ax
        ret

screen_puts_only:
        push ax
        push si
.l:     lodsb
        test al, al
        jz .d
        call screen_putc
        jmp .l
.d:     pop si
        pop ax
        ret

; puthex: EAX, CL digits
puthex:
        push eax
        push cx
        movzx cx, cl
        push cx
        mov ch, 8
        sub ch, cl
        shl ch, 2
        mov cl, ch
        shl eax, cl
        pop cx
.d:     rol eax, 4
        push ax
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .o
        add al, 7
.o:     call putc
        pop ax
        loop .d
        pop cx
        pop eax
        ret

; putdec: EAX unsigned
putdec:
        push eax
        push ebx
        push cx
        push edx
        mov ebx, 10
        xor cx, cx
.div:   xor edx, edx
        div ebx
        push dx
        inc cx
        test eax, eax
        jnz .div
.out:   pop ax
        add al, '0'
        call putc
        loop .out
        pop edx
        pop cx
        pop ebx
        pop eax
        ret

; put_word: DS:SI ASCIIZ word preceded by a space, wrapping (with indent)
; before it would pass column 78.
put_word:
        push ax
        push cx
        push si
        xor cx, cx
.len:   lodsb
        test al, al
        jz .lend
        inc cx
        jmp .len
.lend:  mov al, [col]
        add al, cl
        cmp al, 77
        jb .fits
        mov si, s_wrap
        call puts
.fits:  mov al, ' '
        call putc
        pop si
        call puts
        pop cx
        pop ax
        ret

; ---- UART ----------------------------------------------------------------------
uart_init:
        mov dx, COM1+3
        mov al, 0x80
        out dx, al
        mov dx, COM1
        mov al, 1               ; 115200 baud
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1+3
        mov al, 0x03            ; 8N1
        out dx, al
        mov dx, COM1+2
        mov al, 0xC7            ; FIFOs
        out dx, al
        mov dx, COM1+4
        mov al, 0x03
        out dx, al
        mov dx, COM1+1
        xor al, al
        out dx, al
        ret

serial_putc:
        push cx
        push dx
        push ax
        mov dx, COM1+5
        mov cx, 0xFFFF
.w:     in al, dx
        test al, 0x20
        jnz .r
        loop .w
.r:     pop ax
        mov dx, COM1
        out dx, al
        pop dx
        pop cx
        ret

; ---- screen ---------------------------------------------------------------------
screen_init:
        push es
        mov ax, SCR_SEG
        mov es, ax
        xor di, di
        mov ax, (ATTR_TEXT << 8) | ' '
        mov cx, 80*25
        rep stosw
        ; title bar
        xor di, di
        mov ax, (ATTR_TITLE << 8) | ' '
        mov cx, 80
        rep stosw
        mov si, s_titlebar
        mov di, 2
        mov ah, ATTR_TITLE
.t:     lodsb
        test al, al
        jz .t_done
        stosw
        jmp .t
.t_done:
        mov di, ROW_SEP*160
        mov ax, (0x08 << 8) | 0xC4
        mov cx, 80
        rep stosw
        mov dh, ROW_HELP
        mov dl, 0
        mov si, s_help
        mov ah, 0x08
        call screen_at
        mov dh, ROW_KEYS
        mov dl, 0
        mov si, s_keys
        mov ah, ATTR_TEXT
        call screen_at
        inc dl                  ; the cursor waits where typed keys appear
        call set_hw_cursor
        pop es
        mov byte [row], REPORT_TOP
        mov byte [col], 0
        mov byte [attr], ATTR_TEXT
        ret

; screen_at: DS:SI ASCIIZ at row DH col DL with attribute AH (no serial).
; Returns DL = column after the text.
screen_at:
        push es
        push ax
        push si
        push di
        push bx
        mov bx, SCR_SEG
        mov es, bx
        movzx di, dh
        imul di, di, 80
        movzx bx, dl
        add di, bx
        shl di, 1
.l:     lodsb
        test al, al
        jz .d
        stosw
        inc dl
        jmp .l
.d:     pop bx
        pop di
        pop si
        pop ax
        pop es
        ret

; screen_putc: AL at the report cursor; 10 = newline. Scrolls the report area.
screen_putc:
        push es
        push ax
        push di
        push bx
        mov bx, SCR_SEG
        mov es, bx
        cmp al, 10
        je .nl
        cmp al, 13
        je .done
        movzx di, byte [row]
        imul di, di, 80
        movzx bx, byte [col]
        add di, bx
        shl di, 1
        mov ah, [attr]
        mov [es:di], ax
        inc byte [col]
        cmp byte [col], 80
        jb .done
.nl:    mov byte [col], 0
        inc byte [row]
        cmp byte [row], REPORT_BOTTOM
        jbe .done
        mov byte [row], REPORT_BOTTOM
        call scroll_report
.done:  pop bx
        pop di
        pop ax
        pop es
        ret

scroll_report:
        push ds
        push si
        push di
        push cx
        push ax
        mov ax, SCR_SEG
        mov ds, ax
        mov di, REPORT_TOP*160
        mov si, (REPORT_TOP+1)*160
        mov cx, (REPORT_BOTTOM-REPORT_TOP)*80
        rep movsw
        mov ax, (ATTR_TEXT << 8) | ' '
        mov cx, 80
        rep stosw
        pop ax
        pop cx
        pop di
        pop si
        pop ds
        ret

; set_hw_cursor: DH row, DL col
set_hw_cursor:
        push ax
        push bx
        push dx
        movzx ax, dh
        imul ax, ax, 80
        movzx bx, dl
        add bx, ax
        mov dx, 0x3D4
        mov al, 0x0E
        mov ah, bh
        out dx, ax
        mov al, 0x0F
        mov ah, bl
        out dx, ax
        pop dx
        pop bx
        pop ax
        ret

; ==== CPU ==========================================================================
        cpu 586
report_cpu:
        mov si, s_cpu
        call puts
        ; CPUID present when EFLAGS.ID can be toggled
        pushfd
        pop eax
        mov ecx, eax
        xor eax, 0x200000
        push eax
        popfd
        pushfd
        pop eax
        push ecx
        popfd
        xor eax, ecx
        test eax, 0x200000
        jnz .has
        mov si, s_nocpuid
        call puts
        ret
.has:   xor eax, eax
        cpuid
        mov [max_leaf], eax
        mov [vendor], ebx
        mov [vendor+4], edx
        mov [vendor+8], ecx
        mov byte [vendor+12], 0
        mov si, vendor
        call puts
        cmp dword [max_leaf], 1
        jb .nl
        mov eax, 1
        cpuid
        mov [feat_edx], edx
        mov [feat_ecx], ecx
        mov ebx, eax
        mov si, s_family
        call puts
        mov eax, ebx
        shr eax, 8
        and eax, 0x0F
        cmp al, 0x0F
        jne .fam
        mov ecx, ebx
        shr ecx, 20
        and ecx, 0xFF
        add eax, ecx
.fam:   call putdec
        mov si, s_model
        call puts
        mov eax, ebx
        shr eax, 4
        and eax, 0x0F
        mov ecx, ebx
        shr ecx, 12
        and ecx, 0xF0
        add eax, ecx
        call putdec
        mov si, s_stepping
        call puts
        mov eax, ebx
        and eax, 0x0F
        call putdec
.nl:    mov al, 10
        call putc
        ; brand string
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000004
        jb .features
        mov di, brand
        mov esi, 0x80000002
.br:    mov eax, esi
        cpuid
        mov [di], eax
        mov [di+4], ebx
        mov [di+8], ecx
        mov [di+12], edx
        add di, 16
        inc esi
        cmp esi, 0x80000004
        jbe .br
        mov byte [di], 0
        mov si, brand
.skip:  cmp byte [si], ' '
        jne .bs
        inc si
        jmp .skip
.bs:    push si
        mov si, s_brand
        call puts
        pop si
        call puts
        mov al, 10
        call putc
.features:
        cmp dword [max_leaf], 1
        jb .done
        mov si, s_features
        call puts
        mov edx, [feat_edx]
        mov bx, edx_names
        call print_flags
        mov edx, [feat_ecx]
        mov bx, ecx_names
        call print_flags
        mov eax, 0x80000000     ; extended leaf 80000001h: syscall, nx, lm...
        cpuid
        cmp eax, 0x80000001
        jb .noext
        cmp eax, 0x8000FFFF
        ja .noext
        mov eax, 0x80000001
        cpuid
        push ecx
        mov bx, ext_edx_names
        call print_flags
        pop edx
        mov bx, ext_ecx_names
        call print_flags
.noext: mov al, 10
        call putc
.done:  ret
        cpu 386

; print_flags: EDX bits, BX = table of 32 word pointers (0 = unnamed)
print_flags:
        xor cx, cx
.b:     bt edx, ecx
        jnc .n
        mov si, cx
        shl si, 1
        mov si, [bx+si]
        test si, si
        jz .n
        call put_word
.n:     inc cx
        cmp cx, 32
        jb .b
        ret

; ==== memory map ========================================================================
report_memory:
        mov si, s_e820
        call puts
        xor ebx, ebx
        mov dword [total_kb], 0
        mov byte [entries], 0
.next:  mov eax, 0xE820
        mov edx, 0x534D4150
        mov ecx, 24
        mov di, e820_buf
        push ds
        pop es
        int 0x15
        jc .end
        cmp eax, 0x534D4150
        jne .end
        inc byte [entries]
        push ebx
        mov si, s_indent
        call puts
        mov eax, [e820_buf+4]
        mov cl, 8
        call puthex
        mov eax, [e820_buf]
        call puthex
        mov al, ' '
        call putc
        mov eax, [e820_buf+12]
        call puthex
        mov eax, [e820_buf+8]
        call puthex
        mov al, ' '
        call putc
        mov eax, [e820_buf+16]
        cmp eax, 1
        jne .nu
        mov edx, [e820_buf+12]  ; length in KiB into the total
        shl edx, 22
        mov ecx, [e820_buf+8]
        shr ecx, 10
        or edx, ecx
        add [total_kb], edx
.nu:    mov si, s_type_other
        cmp eax, 1
        jne .t2
        mov si, s_type_ram
.t2:    cmp eax, 2
        jne .t3
        mov si, s_type_res
.t3:    cmp eax, 3
        jne .t4
        mov si, s_type_acpi
.t4:    call puts
        mov al, 10
        call putc
        pop ebx
        test ebx, ebx
        jz .end
        cmp byte [entries], 32
        jb .next
.end:   cmp byte [entries], 0
        jne .sum
        mov si, s_e820_none
        call puts
        mov ax, 0xE801          ; fall back to E801h
        int 0x15
        jc .ret
        movzx eax, ax
        movzx ebx, bx
        shl ebx, 6
        add eax, ebx
        add eax, 640
        mov [total_kb], eax
.sum:   mov si, s_total
        call puts
        movzx eax, byte [entries]
        call putdec
        mov si, s_total2
        call puts
        mov eax, [total_kb]
        call putdec
        mov si, s_kb
        call puts
        mov eax, [total_kb]
        shr eax, 10
        call putdec
        mov si, s_mb
        call puts
.ret:   ret

; ==== devices =============================================================================
; io_wait: small delay
io_wait:
        push ax
        in al, 0x80
        pop ax
        ret

; status: AL = 0 -> " ok", else " not found" (with colours)
put_status:
        push si
        mov si, s_ok
        test al, al
        jz .p
        mov si, s_missing
.p:     call puts
        pop si
        ret

report_devices:
        mov si, s_devices
        call puts
        ; ---- serial ports: scratch register
        mov si, s_serial
        call puts
        mov si, com_ports
.com:   lodsw
        test ax, ax
        jz .com_done
        mov dx, ax
        push si
        mov si, s_sp
        call puts
        movzx eax, dx
        mov cl, 3
        call puthex
        add dx, 7
        mov al, 0x5A
        out dx, al
        in al, dx
        mov ah, al
        mov al, 0xA5
        out dx, al
        in al, dx
        cmp ax, 0x5AA5
        mov si, s_yes
        je .cp
        mov si, s_no
.cp:    call puts
        pop si
        jmp .com
.com_done:
        mov al, 10
        call putc
        ; ---- PIC: mask register read-back on both chips
        mov si, s_pic
        call puts
        cli
        in al, 0x21
        mov bl, al
        in al, 0xA1
        mov bh, al
        mov al, 0x5A
        out 0xA1, al
        in al, 0xA1
        mov cl, al
        mov al, bh
        out 0xA1, al
        mov al, bl
        xor al, 0x80            ; toggle IRQ7's mask bit on the master
        out 0x21, al
        in al, 0x21
        mov ch, al
        mov al, bl
        out 0x21, al
        sti
        xor al, al
        mov ah, bl
        xor ah, 0x80
        cmp ch, ah
        jne .pic_bad
        cmp cl, 0x5A
        je .pic_ok
.pic_bad:
        mov al, 1
.pic_ok:
        call put_status
        mov si, s_masks
        call puts
        movzx eax, bl
        mov cl, 2
        call puthex
        mov al, '/'
        call putc
        movzx eax, bh
        call puthex
        ; ---- PIT: channel 0 counts down
        mov si, s_pit
        call puts
        call pit_read
        mov bx, ax
        mov cx, 200
.pw:    call io_wait
        loop .pw
        call pit_read
        xor al, al
        cmp ax, bx
        jne .pit_ok
        mov al, 1
.pit_ok:
        call put_status
        ; ---- RTC: VRT bit and a sane BCD seconds value
        mov si, s_rtc
        call puts
        mov al, 0x0D
        call cmos_read
        mov bl, al
        mov al, 0x00
        call cmos_read
        mov ah, 1
        test bl, 0x80
        jz .rtc_st
        cmp al, 0x59
        ja .rtc_st
        and al, 0x0F
        cmp al, 9
        ja .rtc_st
        xor ah, ah
.rtc_st:
        mov al, ah
        call put_status
        mov al, 10
        call putc
        ; ---- 8042 self test
        mov si, s_kbc
        call puts
        call kbc_selftest
        push ax
        mov si, s_kbc_reply
        call puts
        movzx eax, al
        mov cl, 2
        call puthex
        pop ax
        cmp al, 0x55
        mov al, 0
        je .kbc_ok
        mov al, 1
.kbc_ok:
        call put_status
        ; ---- floppy controller: MSR ready for commands
        mov si, s_fdc
        call puts
        mov dx, 0x3F4
        in al, dx
        and al, 0xC0
        cmp al, 0x80
        mov al, 0
        je .fdc_ok
        mov al, 1
.fdc_ok:
        call put_status
        ; ---- VGA: CRTC register read-back
        mov si, s_vga
        call puts
        mov dx, 0x3D4
        mov al, 0x0F
        out dx, al
        inc dx
        in al, dx
        mov bl, al
        mov al, 0xA5
        out dx, al
        in al, dx
        mov bh, al
        mov al, bl
        out dx, al
        cmp bh, 0xA5
        mov al, 0
        je .vga_ok
        mov al, 1
.vga_ok:
        call put_status
        mov al, 10
        call putc
        ; ---- ATA primary channel
        mov byte [ata_dev], 0xA0
        call ata_probe
        mov byte [ata_dev], 0xB0
        call ata_probe
        ; ---- PCI bus 0 (configuration mechanism 1)
        call pci_probe
        ret

cmos_read:
        out 0x70, al
        call io_wait
        in al, 0x71
        ret

pit_read:
        mov al, 0x00
        out 0x43, al
        in al, 0x40
        mov ah, al
        in al, 0x40
        xchg al, ah
        ret

; kbc_selftest: 8042 command AAh -> AL reply (FFh on timeout). Interrupts
; stay off so the BIOS keyboard handler cannot take the reply.
kbc_selftest:
        cli
        mov cx, 0xFFFF
.w1:    in al, 0x64
        test al, 2
        jz .s
        loop .w1
.s:     mov cx, 16              ; drop stale output
.fl:    in al, 0x64
        test al, 1
        jz .send
        in al, 0x60
        loop .fl
.send:  mov al, 0xAA
        out 0x64, al
        mov ecx, 0x100000
.w2:    in al, 0x64
        test al, 1
        jnz .got
        dec ecx
        jnz .w2
        mov al, 0xFF
        sti
        ret
.got:   in al, 0x60
        sti
        ret

; ata_probe: IDENTIFY on the primary channel device [ata_dev]
ata_probe:
        mov si, s_ata
        call puts
        mov si, s_master
        cmp byte [ata_dev], 0xA0
        je .m
        mov si, s_slave
.m:     call puts
        mov dx, 0x1F6
        mov al, [ata_dev]
        out dx, al
        mov dx, 0x1F7
        in al, dx
        in al, dx
        in al, dx
        in al, dx
        cmp al, 0xFF
        je .none
        mov dx, 0x1F7
        mov al, 0xEC
        out dx, al
        in al, dx
        test al, al
        jz .none
        mov ecx, 0x400000
.bsy:   in al, dx
        test al, 0x80
        jz .nb
        dec ecx
        jnz .bsy
        jmp .none
.nb:    mov dx, 0x1F4
        in al, dx
        mov ah, al
        inc dx
        in al, dx
        cmp ax, 0x14EB
        je .atapi
        mov dx, 0x1F7
        in al, dx
        test al, 0x01
        jnz .none
        test al, 0x08
        jz .none
        mov dx, 0x1F0
        mov di, ident
        push ds
        pop es
        mov cx, 256
        rep insw
        mov si, s_disk
        call puts
        mov bx, 54              ; model, words 27-46 (byte-swapped)
.mdl:   mov al, [ident+bx+1]
        call putc
        mov al, [ident+bx]
        call putc
        add bx, 2
        cmp bx, 94
        jb .mdl
        mov al, ' '
        call putc
        mov eax, [ident+120]    ; LBA28 sectors
        shr eax, 11             ; MiB
        call putdec
        mov si, s_mib
        call puts
        ret
.atapi: mov si, s_atapi
        call puts
        ret
.none:  mov si, s_none
        call puts
        ret

; pci_probe: list vendor:device of every function 0 on bus 0
pci_probe:
        mov dx, 0xCF8
        mov eax, 0x80000000
        out dx, eax
        in eax, dx
        cmp eax, 0x80000000
        jne .none
        mov si, s_pci
        call puts
        xor bx, bx              ; device number
.dev:   movzx eax, bx
        shl eax, 11
        or eax, 0x80000000
        mov dx, 0xCF8
        out dx, eax
        mov dx, 0xCFC
        in eax, dx
        cmp ax, 0xFFFF
        je .skip
        push eax
        mov al, [col]
        cmp al, 68
        jb .fits
        mov si, s_wrap
        call puts
.fits:  mov al, ' '
        call putc
        pop eax
        push eax
        mov cl, 4
        call puthex             ; vendor (low word)
        mov al, ':'
        call putc
        pop eax
        shr eax, 16
        call puthex             ; device
.skip:  inc bx
        cmp bx, 32
        jb .dev
        mov al, 10
        call putc
.none:  ret

; ==== live part ==============================================================================
main_loop:
        call clock_update
        call key_poll
        call serial_poll
        hlt                     ; wakes on every timer tick
        jmp main_loop

; clock_update: once the RTC seconds change, redraw the clock row and the
; serial status line.
clock_update:
        ; wait out an update in progress, then read (retry if it changed)
        mov cx, 1000
.uip:   mov al, 0x0A
        call cmos_read
        test al, 0x80
        jz .read
        loop .uip
        ret
.read:  mov al, 0x00
        call cmos_read
        cmp al, [last_sec]
        je .same
        mov [last_sec], al
        mov [t_sec], al
        mov al, 0x02
        call cmos_read
        mov [t_min], al
        mov al, 0x04
        call cmos_read
        mov [t_hour], al
        mov al, 0x07
        call cmos_read
        mov [t_day], al
        mov al, 0x08
        call cmos_read
        mov [t_mon], al
        mov al, 0x09
        call cmos_read
        mov [t_year], al
        mov al, 0x32
        call cmos_read
        mov [t_cent], al
        mov al, 0x00            ; still the same second?
        call cmos_read
        cmp al, [t_sec]
        jne .read
        ; format "RTC 20YY-MM-DD hh:mm:ss   BIOS ticks 0000000 (40:6C)"
        mov di, clock_buf
        mov si, s_clock1
        call strcpy
        mov al, [t_cent]
        call bcd2
        mov al, [t_year]
        call bcd2
        mov al, '-'
        stosb
        mov al, [t_mon]
        call bcd2
        mov al, '-'
        stosb
        mov al, [t_day]
        call bcd2
        mov al, ' '
        stosb
        mov al, [t_hour]
        call bcd2
        mov al, ':'
        stosb
        mov al, [t_min]
        call bcd2
        mov al, ':'
        stosb
        mov al, [t_sec]
        call bcd2
        mov si, s_clock2
        call strcpy
        push es
        push 0x40
        pop es
        mov eax, [es:0x6C]
        pop es
        call dec7
        mov si, s_clock3
        call strcpy
        mov byte [di], 0
        mov dh, ROW_CLOCK
        mov dl, 0
        mov ah, ATTR_CLOCK
        mov si, clock_buf
        call screen_at
        mov al, 13
        call serial_putc
        mov si, clock_buf
        call serial_puts
.same:  ret

; strcpy: DS:SI -> ES:DI (no terminator copied)
strcpy: lodsb
        test al, al
        jz .d
        stosb
        jmp strcpy
.d:     ret

; bcd2: AL BCD -> two digits at ES:DI
bcd2:   push ax
        shr al, 4
        add al, '0'
        stosb
        pop ax
        and al, 0x0F
        add al, '0'
        stosb
        ret

; dec7: EAX -> 7 decimal digits at ES:DI
dec7:   push ebx
        push cx
        push edx
        mov ebx, 10
        mov cx, 7
        add di, 6
.l:     xor edx, edx
        div ebx
        add dl, '0'
        mov [di], dl
        dec di
        loop .l
        add di, 8
        pop edx
        pop cx
        pop ebx
        ret

; key_poll: int 16h keys -> echo
key_poll:
        mov ah, 0x01
        int 0x16
        jz .none
        xor ah, ah
        int 0x16
        mov bl, 0               ; source: keyboard
        call echo_key
.none:  ret

; serial_poll: bytes received on COM1 -> echo
serial_poll:
        mov dx, COM1+5
        in al, dx
        cmp al, 0xFF
        je .none
        test al, 1
        jz .none
        mov dx, COM1
        in al, dx
        xor ah, ah
        mov bl, 1               ; source: serial
        call echo_key
        jmp serial_poll
.none:  ret

; echo_key: AL ASCII, AH scan code, BL = 0 keyboard / 1 serial
echo_key:
        push ax
        mov [key_ascii], al
        mov [key_scan], ah
        ; screen: append the character to the keys row
        mov di, key_text
        mov al, [key_ascii]
        cmp al, 32
        jb .ctl
        cmp al, 126
        ja .ctl
        jmp .ch
.ctl:   mov al, '.'
.ch:    mov bh, al
        movzx si, byte [key_count]
        mov [key_text+si], bh
        inc byte [key_count]
        cmp byte [key_count], 60
        jb .room
        ; shift left by one
        push es
        push ds
        pop es
        mov si, key_text+1
        mov di, key_text
        mov cx, 59
        rep movsb
        pop es
        dec byte [key_count]
.room:  movzx si, byte [key_count]
        mov byte [key_text+si], 0
        mov dh, ROW_KEYS
        mov dl, 7
        mov ah, ATTR_OK
        mov si, key_text
        call screen_at
        call set_hw_cursor
        ; serial: one line per key
        mov si, s_key1
        call serial_puts
        mov al, bh
        call serial_putc
        mov si, s_key2
        call serial_puts
        movzx eax, byte [key_ascii]
        call hex2_serial
        mov si, s_key3
        call serial_puts
        mov al, [key_scan]
        call hex2_serial
        mov si, s_key_kbd
        test bl, bl
        jz .src
        mov si, s_key_ser
.src:   call serial_puts
        pop ax
        cmp al, 'q'
        je quit
        ret

hex2_serial:
        push ax
        shr al, 4
        call .d
        pop ax
        and al, 0x0F
.d:     add al, '0'
        cmp al, '9'
        jbe .o
        add al, 7
.o:     jmp serial_putc

quit:   mov si, s_bye
        call serial_puts
        mov dh, ROW_HELP
        mov dl, 0
        mov ah, 0x0C
        mov si, s_bye_screen
        call screen_at
        xor al, al
        out 0xF4, al            ; debug exit device
.halt:  cli
        hlt
        jmp .halt

; ==== data ===================================================================================
s_titlebar:     db "x86vm default guest", 0
s_title:        db "x86vm default guest - machine report", 10, 0
s_help:         db "Type keys on the keyboard or COM1; 'q' quits (port F4h).", 0
s_keys:         db "Keys: ", 0
s_ready_screen: db 0
s_ready:        db 13, 10, "x86vm default guest ready", 13, 10, 0
s_cpu:          db "CPU: ", 0
s_nocpuid:      db "no CPUID (386/486)", 10, 0
s_family:       db ", family ", 0
s_model:        db " model ", 0
s_stepping:     db " stepping ", 0
s_brand:        db "     ", 0
s_features:     db "Features:", 0
s_wrap:         db 10, "         ", 0
s_e820:         db "Memory map (int 15h E820):", 10, 0
s_e820_none:    db "  E820 not available", 10, 0
s_indent:       db "  ", 0
s_type_ram:     db "usable", 0
s_type_res:     db "reserved", 0
s_type_acpi:    db "ACPI", 0
s_type_other:   db "other", 0
s_total:        db "  ", 0
s_total2:       db " entries, usable RAM ", 0
s_kb:           db " KB (", 0
s_mb:           db " MB)", 10, 0
s_mib:          db " MB", 10, 0
s_devices:      db "Devices:", 10, 0
s_serial:       db "  serial", 0
s_sp:           db " ", 0
s_yes:          db "=yes", 0
s_no:           db "=no", 0
s_pic:          db "  PIC", 0
s_masks:        db " masks ", 0
s_pit:          db "  PIT", 0
s_rtc:          db "  RTC", 0
s_ok:           db " ok", 0
s_missing:      db " not found", 0
s_kbc:          db "  8042 self-test", 0
s_kbc_reply:    db " reply ", 0
s_fdc:          db "  FDC", 0
s_vga:          db "  VGA", 0
s_ata:          db "  ATA primary ", 0
s_master:       db "master: ", 0
s_slave:        db "slave: ", 0
s_disk:         db "disk ", 0
s_atapi:        db "ATAPI device", 10, 0
s_none:         db "none", 10, 0
s_pci:          db "  PCI bus 0:", 0
s_clock1:       db "RTC ", 0
s_clock2:       db "   BIOS ticks ", 0
s_clock3:       db " (40:6C)", 0
s_key1:         db 13, 10, "key '", 0
s_key2:         db "' ascii ", 0
s_key3:         db " scan ", 0
s_key_kbd:      db " (keyboard)", 13, 10, 0
s_key_ser:      db " (serial)", 13, 10, 0
s_bye:          db 13, 10, "x86vm default guest: quit", 13, 10, 0
s_bye_screen:   db "Quit: wrote 0 to port F4h, halted.                        ", 0
com_ports:      dw 0x3F8, 0x2F8, 0x3E8, 0x2E8, 0

; CPUID.1 EDX and ECX feature names (0 = not shown)
edx_names:
        dw n_fpu, n_vme, n_de, n_pse, n_tsc, n_msr, n_pae, n_mce
        dw n_cx8, n_apic, 0, n_sep, n_mtrr, n_pge, n_mca, n_cmov
        dw n_pat, n_pse36, n_psn, n_clflush, 0, n_ds, n_acpi, n_mmx
        dw n_fxsr, n_sse, n_sse2, n_ss, n_htt, n_tm, n_ia64, n_pbe
ecx_names:
        dw n_sse3, n_pclmul, n_dtes64, n_monitor, n_dscpl, n_vmx, n_smx, n_est
        dw n_tm2, n_ssse3, n_cnxtid, n_sdbg, n_fma, n_cx16, n_xtpr, n_pdcm
        dw 0, n_pcid, n_dca, n_sse41, n_sse42, n_x2apic, n_movbe, n_popcnt
        dw n_tscdl, n_aes, n_xsave, n_osxsave, n_avx, n_f16c, n_rdrand, n_hyper
ext_edx_names:
        dw 0, 0, 0, 0, 0, 0, 0, 0
        dw 0, 0, 0, n_syscall, 0, 0, 0, 0
        dw 0, 0, 0, 0, n_nx, 0, n_mmxext, 0
        dw 0, 0, n_pdpe1gb, n_rdtscp, 0, n_lm, n_3dnowext, n_3dnow
ext_ecx_names:
        dw n_lahf, 0, 0, 0, 0, n_abm, n_sse4a, 0
        dw n_prefetchw, 0, 0, 0, 0, 0, 0, 0
        dw 0, 0, 0, 0, 0, 0, 0, 0
        dw 0, 0, 0, 0, 0, 0, 0, 0
n_syscall: db "syscall", 0
n_nx: db "nx", 0
n_mmxext: db "mmxext", 0
n_pdpe1gb: db "pdpe1gb", 0
n_rdtscp: db "rdtscp", 0
n_lm: db "lm", 0
n_3dnowext: db "3dnowext", 0
n_3dnow: db "3dnow", 0
n_lahf: db "lahf_lm", 0
n_abm: db "abm", 0
n_sse4a: db "sse4a", 0
n_prefetchw: db "3dnowprefetch", 0
n_fpu: db "fpu", 0
n_vme: db "vme", 0
n_de: db "de", 0
n_pse: db "pse", 0
n_tsc: db "tsc", 0
n_msr: db "msr", 0
n_pae: db "pae", 0
n_mce: db "mce", 0
n_cx8: db "cx8", 0
n_apic: db "apic", 0
n_sep: db "sep", 0
n_mtrr: db "mtrr", 0
n_pge: db "pge", 0
n_mca: db "mca", 0
n_cmov: db "cmov", 0
n_pat: db "pat", 0
n_pse36: db "pse36", 0
n_psn: db "psn", 0
n_clflush: db "clflush", 0
n_ds: db "ds", 0
n_acpi: db "acpi", 0
n_mmx: db "mmx", 0
n_fxsr: db "fxsr", 0
n_sse: db "sse", 0
n_sse2: db "sse2", 0
n_ss: db "ss", 0
n_htt: db "htt", 0
n_tm: db "tm", 0
n_ia64: db "ia64", 0
n_pbe: db "pbe", 0
n_sse3: db "sse3", 0
n_pclmul: db "pclmulqdq", 0
n_dtes64: db "dtes64", 0
n_monitor: db "monitor", 0
n_dscpl: db "ds_cpl", 0
n_vmx: db "vmx", 0
n_smx: db "smx", 0
n_est: db "est", 0
n_tm2: db "tm2", 0
n_ssse3: db "ssse3", 0
n_cnxtid: db "cnxt-id", 0
n_sdbg: db "sdbg", 0
n_fma: db "fma", 0
n_cx16: db "cx16", 0
n_xtpr: db "xtpr", 0
n_pdcm: db "pdcm", 0
n_pcid: db "pcid", 0
n_dca: db "dca", 0
n_sse41: db "sse4_1", 0
n_sse42: db "sse4_2", 0
n_x2apic: db "x2apic", 0
n_movbe: db "movbe", 0
n_popcnt: db "popcnt", 0
n_tscdl: db "tsc_deadline", 0
n_aes: db "aes", 0
n_xsave: db "xsave", 0
n_osxsave: db "osxsave", 0
n_avx: db "avx", 0
n_f16c: db "f16c", 0
n_rdrand: db "rdrand", 0
n_hyper: db "hypervisor", 0

; ---- variables (zero-filled in the image) ----
boot_drive:     db 0
row:            db 0
col:            db 0
attr:           db 0
ata_dev:        db 0
entries:        db 0
last_sec:       db 0xFF
t_sec:          db 0
t_min:          db 0
t_hour:         db 0
t_day:          db 0
t_mon:          db 0
t_year:         db 0
t_cent:         db 0
key_ascii:      db 0
key_scan:       db 0
key_count:      db 0
                align 4
max_leaf:       dd 0
feat_edx:       dd 0
feat_ecx:       dd 0
total_kb:       dd 0
vendor:         times 16 db 0
brand:          times 52 db 0
e820_buf:       times 24 db 0
clock_buf:      times 80 db 0
key_text:       times 64 db 0
ident:          times 512 db 0
                align 512, db 0
