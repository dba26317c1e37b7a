; bios.asm - the x86vm PC BIOS: a 64 KiB real-mode ROM for F0000h-FFFFFh,
; written from scratch for x86vm (386+ instructions). This file holds the
; power-on self test and the image layout; services live in the *.inc files.
;
; Build: nasm -f bin -I src/bios/ -DVERSION=x.y.z [-DSERIAL_MIRROR=0|1]

        cpu 386
        bits 16
        org 0

%ifndef VERSION
%define VERSION 0.0.0
%endif
%defstr VERSION_STR VERSION
%ifndef SERIAL_MIRROR
%define SERIAL_MIRROR 1         ; int 10h teletype output is copied to COM1
%endif

%include "defs.inc"

rom_start:
        db "x86vm BIOS ", VERSION_STR, 0

%include "util.inc"
%include "video.inc"
%include "kbd.inc"
%include "mouse.inc"
%include "floppy.inc"
%include "ata.inc"
%include "atapi.inc"
%include "disk.inc"
%include "system.inc"
%include "boot.inc"
%include "mptable.inc"

; ---- interrupt vectors set at POST (the rest point at dummy_iret) -------------
ivt_init_table:
        dw 0x00, exc00_handler
        dw 0x06, exc06_handler
        dw 0x07, exc07_handler
        dw 0x08, int08_handler
        dw 0x09, int09_handler
        dw 0x0A, irq_master_default
        dw 0x0B, irq_master_default
        dw 0x0C, irq_master_default
        dw 0x0D, irq_master_default
        dw 0x0E, int0e_handler
        dw 0x0F, irq_master_default
        dw 0x10, int10_handler
        dw 0x11, int11_handler
        dw 0x12, int12_handler
        dw 0x13, int13_handler
        dw 0x14, int14_handler
        dw 0x15, int15_handler
        dw 0x16, int16_handler
        dw 0x17, int17_handler
        dw 0x18, int18_handler
        dw 0x19, int19_handler
        dw 0x1A, int1a_handler
        dw 0x1E, fd_dpt
        dw 0x1F, vga_font_8x8 + 128 * 8   ; 8x8 graphics characters 80h-FFh
        dw 0x43, vga_font_8x8             ; 8x8 graphics characters 00h-7Fh
        dw 0x70, int70_handler
        dw 0x71, irq_slave_default
        dw 0x72, irq_slave_default
        dw 0x73, irq_slave_default
        dw 0x74, int74_handler
        dw 0x75, irq_slave_default
        dw 0x76, int76_handler
        dw 0x77, int77_handler
        dw 0xFFFF

banner:
        db 13, 10, "x86vm BIOS ", VERSION_STR, 13, 10, 0

; ---- power-on self test ---------------------------------------------------------
post_entry:
        cli
        cld
        POST_CODE 0x01
        ; resume after a CPU reset requested through CMOS shutdown byte 0Fh
        mov al, 0x0F
        out CMOS_INDEX, al
        in al, CMOS_DATA
        cmp al, 0x05
        je .resume
        cmp al, 0x0A
        jne .cold
.resume:
        mov al, 0x0F
        out CMOS_INDEX, al
        xor al, al
        out CMOS_DATA, al
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, POST_STACK
        jmp far [BDA_SEG*16+BDA_RESET_PTR]
.cold:  xor ax, ax
        mov ss, ax
        mov sp, POST_STACK
        mov ds, ax
        mov es, ax

        ; ---- clear the BDA and the EBDA
        mov di, 0x400
        mov cx, 0x80
        rep stosw
        mov ax, EBDA_SEG
        mov es, ax
        mov fs, ax
        xor di, di
        xor ax, ax
        mov cx, EBDA_KB*512
        rep stosw
        mov word [fs:EB_SIZE_KB], EBDA_KB
        mov byte [fs:EB_SINK], 1        ; E9 log only, until the UART is set up
        mov byte [fs:EB_MS_PKTSIZE], 3

        POST_CODE 0x02
        call com1_init
        mov byte [fs:EB_SINK], 3
        mov si, banner
        call puts
        LOG "post: serial and debug console up", 10

        ; ---- A20 on (port 92h)
        in al, SYS_CTRL_A
        or al, 0x02
        and al, 0xFE
        out SYS_CTRL_A, al

        ; ---- interrupt controllers: IRQ0-7 at 08h, IRQ8-15 at 70h
        POST_CODE 0x03
        mov al, 0x11
        out PIC1_CMD, al
        out PIC2_CMD, al
        mov al, 0x08
        out PIC1_DATA, al
        mov al, 0x70
        out PIC2_DATA, al
        mov al, 0x04
        out PIC1_DATA, al
        mov al, 0x02
        out PIC2_DATA, al
        mov al, 0x01
        out PIC1_DATA, al
        out PIC2_DATA, al
        mov al, 0xFF            ; all masked until the vectors exist
        out PIC1_DATA, al
        out PIC2_DATA, al
        LOG "post: PIC pair at vectors 08h/70h", 10

        ; ---- interrupt vector table
        POST_CODE 0x04
        xor ax, ax
        mov es, ax
        xor di, di
        mov cx, 256
.ivt:   mov ax, dummy_iret
        stosw
        mov ax, BIOS_SEG
        stosw
        loop .ivt
        mov si, ivt_init_table
.ivt2:  cs lodsw
        cmp ax, 0xFFFF
        je .ivt_done
        mov di, ax
        shl di, 2
        cs lodsw
        mov [es:di], ax
        mov word [es:di+2], BIOS_SEG
        jmp .ivt2
.ivt_done:
        LOG "post: IVT ready", 10

        ; ---- PIT channel 0: mode 2, divisor 65536 (18.2 Hz)
        POST_CODE 0x05
        mov al, 0x34
        out PIT_CMD, al
        xor al, al
        out PIT_CH0, al
        out PIT_CH0, al
        LOG "post: PIT channel 0 at 18.2 Hz", 10

        ; ---- RTC: 32.768 kHz base, 1024 Hz rate, 24 h BCD, no interrupts
        mov ax, 0x260A
        call cmos_write
        mov ax, 0x020B
        call cmos_write
        mov al, 0x0C
        call cmos_read
        mov al, 0x0D
        call cmos_read

        ; ---- BIOS data area
        POST_CODE 0x06
        call post_bda
        POST_CODE 0x07
        call post_memory

        ; ---- video: a VGA option ROM at C0000h takes over int 10h
        POST_CODE 0x08
        mov al, 0x03
        call vid_set_mode
        mov bx, 0xC000
        call optrom_try
        mov al, 7
        call set_sink
        mov si, banner + 2
        push ds
        mov ax, BDA_SEG
        mov ds, ax
        call vid_puts_screen_only
        pop ds
        call post_report_memory

        ; ---- keyboard
        POST_CODE 0x09
        call kbd_init
        LOG "post: keyboard controller ready", 10
        mov al, 1               ; A20 on through the 8042 as well
        call a20_set

        ; ---- local APIC: pass 8259 interrupts through LINT0
        call post_lapic

        ; ---- interrupts on: timer, keyboard, cascade, floppy
        mov al, 0xB8            ; IRQ0, 1, 2, 6 unmasked
        out PIC1_DATA, al
        mov al, 0xFF
        out PIC2_DATA, al
        sti

        ; ---- disks
        POST_CODE 0x0A
        push ds
        mov ax, BDA_SEG
        mov ds, ax
        call post_floppy
        call ata_detect
        pop ds
        mov al, 7
        call set_sink
        call post_report_disks

        ; ---- adapter option ROMs (C8000h-DFFFFh) may hook int 13h/18h/19h
        POST_CODE 0x0C
        mov bx, 0xC800
.rom:   call optrom_try
        cmp bx, 0xE000
        jb .rom

        POST_CODE 0x0B
        LOG "post: done, bootstrap", 10
        int 0x19
.hang:  hlt
        jmp .hang

; optrom_try: BX = segment. If an option ROM (55AAh, size byte, zero
; checksum) starts there, far-call its entry at offset 3. Returns BX = the
; next 2 KiB boundary after it (or BX + 80h).
optrom_try:
        push ds
        push es
        pushad
        mov ds, bx
        cmp word [0], 0xAA55
        jne .none
        movzx cx, byte [2]      ; size in 512-byte units
        test cx, cx
        jz .none
        shl cx, 9
        xor si, si
        xor ah, ah
.sum:   lodsb
        add ah, al
        loop .sum
        test ah, ah
        jnz .none
        LOG "post: option ROM at "
        mov al, 1
        call set_sink
        movzx eax, bx
        mov cl, 4
        call puthex
        mov al, 10
        call sink_putc
        push bp
        mov ax, bx
        push cs
        push word .back
        push ax
        push word 3
        xor ax, ax
        mov es, ax
        retf                    ; "call far ROM:0003"
.back:  pop bp
        cld
        mov ax, EBDA_SEG
        mov fs, ax
        popad
        push ax
        mov ax, bx
        mov ds, ax
        movzx ax, byte [2]      ; (re-read: a ROM may shrink itself)
        add ax, 3               ; round up to 2 KiB (4 units of 512)
        shr ax, 2
        jnz .adv
        inc ax
.adv:   shl ax, 7               ; paragraphs
        add bx, ax
        pop ax
        pop es
        pop ds
        ret
.none:  popad
        add bx, 0x80
        pop es
        pop ds
        ret

; vid_puts_screen_only: CS:SI -> screen (the banner already went to COM1/E9).
vid_puts_screen_only:
        push ax
        push si
.l:     cs lodsb
        test al, al
        jz .d
        mov ah, 0x0F
        call vid_tty_out
        jmp .l
.d:     pop si
        pop ax
        ret

; post_lapic: when the CPU has an enabled local APIC, software-enable it
; with LINT0 = ExtINT (the 8259 output) and LINT1 = NMI, so PIC interrupts
; reach the CPU. Uses a flat FS (unreal mode) for the MMIO writes.
flat_gdt:
        dq 0
        dw 0xFFFF, 0x0000
        db 0x00, 0x93, 0xCF, 0x00       ; flat 4 GiB data
flat_gdt_ptr:
        dw 15
        dd BIOS_SEG*16 + flat_gdt

        cpu 586                 ; cpuid/rdmsr only after the EFLAGS.ID check
post_lapic:
        pushfd                  ; CPUID present? (EFLAGS.ID toggles)
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
        jz .none
        mov eax, 1
        cpuid
        test edx, 1 << 9        ; APIC
        jz .none
        test edx, 1 << 5        ; RDMSR
        jz .none
        mov ecx, 0x1B           ; IA32_APIC_BASE
        rdmsr
        test ah, 0x08           ; globally enabled?
        jz .none
        and eax, 0xFFFFF000
        mov esi, eax
        cli
        lgdt [cs:flat_gdt_ptr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        mov bx, 0x08
        mov fs, bx
        and al, 0xFE
        mov cr0, eax
        xor bx, bx
        mov fs, bx
        mov dword [fs:esi+0xF0], 0x1FF          ; SVR: enabled, vector FFh
        mov dword [fs:esi+0x350], 0x700         ; LINT0: ExtINT
        mov dword [fs:esi+0x360], 0x400         ; LINT1: NMI
        mov bx, EBDA_SEG
        mov fs, bx
        LOG "post: local APIC LINT0 set to ExtINT", 10
        call post_mptable
.none:  ret
        cpu 386

; post_bda: ports, equipment word, keyboard buffer, tick count.
post_bda:
        push ds
        mov ax, BDA_SEG
        mov ds, ax
        mov word [BDA_EBDA], EBDA_SEG
        mov word [BDA_MEMKB], BASE_MEM_KB
        mov word [BDA_KHEAD], BDA_KBUF
        mov word [BDA_KTAIL], BDA_KBUF
        mov word [BDA_KBUF_START], BDA_KBUF
        mov word [BDA_KBUF_LIMIT], BDA_KBUF_END
        mov byte [BDA_KSTAT3], 0x10     ; enhanced keyboard
        ; serial ports: scratch register test
        xor bx, bx
        mov si, .com_ports
.com:   mov dx, [cs:si]
        test dx, dx
        jz .com_done
        add si, 2
        add dx, 7
        mov al, 0x5A
        out dx, al
        in al, dx
        cmp al, 0x5A
        jne .com
        mov al, 0xA5
        out dx, al
        in al, dx
        cmp al, 0xA5
        jne .com
        sub dx, 7
        mov [BDA_COM+bx], dx
        mov byte [BDA_COM_TMO+bx], 1
        add bx, 2
        jmp .com
.com_done:
        shl bx, 8               ; count (BX/2) into bits 9-11
        and bx, 0x0E00
        mov [BDA_EQUIP], bx
        ; parallel ports: data register read-back
        xor bx, bx
        mov si, .lpt_ports
.lpt:   mov dx, [cs:si]
        test dx, dx
        jz .lpt_done
        add si, 2
        mov al, 0xAA
        out dx, al
        in al, dx
        cmp al, 0xAA
        jne .lpt
        mov [BDA_LPT+bx], dx
        mov byte [BDA_LPT_TMO+bx], 20
        add bx, 2
        jmp .lpt
.lpt_done:
        shl bx, 13              ; count into bits 14-15
        or [BDA_EQUIP], bx
        or word [BDA_EQUIP], 0x0020     ; 80x25 colour
        ; maths coprocessor
        mov word [BDA_TICKS], 0x5A5A
        fninit
        fnstsw [BDA_TICKS]
        cmp byte [BDA_TICKS], 0
        jne .nofpu
        or word [BDA_EQUIP], 0x0002
.nofpu: ; floppies from CMOS 10h
        push fs
        mov ax, EBDA_SEG
        mov fs, ax
        mov al, 0x10
        call cmos_read
        mov ah, al
        shr ah, 4
        and al, 0x0F
        mov [fs:EB_FD_TYPE], ah
        mov [fs:EB_FD_TYPE+1], al
        xor cl, cl
        test ah, ah
        jz .fd1
        inc cl
        test al, al
        jz .fd1
        inc cl
.fd1:   mov [fs:EB_FD_COUNT], cl
        test cl, cl
        jz .fd_done
        dec cl
        shl cl, 6
        or cl, 1
        or [BDA_EQUIP], cl
.fd_done:
        mov word [BDA_FD_CYL], 0xFFFF
        pop fs
        ; tick count from the RTC time of day
        call rtc_wait_uip
        mov al, 0x04
        call cmos_read
        call bcd2bin
        movzx ecx, al
        imul ecx, ecx, 60
        mov al, 0x02
        call cmos_read
        call bcd2bin
        movzx eax, al
        add ecx, eax
        imul ecx, ecx, 60
        mov al, 0x00
        call cmos_read
        call bcd2bin
        movzx eax, al
        add eax, ecx            ; seconds since midnight
        mov ebx, 1193180
        mul ebx
        shrd eax, edx, 16       ; / 65536
        mov [BDA_TICKS], eax
        pop ds
        ret
.com_ports: dw 0x3F8, 0x2F8, 0x3E8, 0x2E8, 0
.lpt_ports: dw 0x378, 0x278, 0x3BC, 0

; post_memory: sizes from CMOS 30h/31h, 34h/35h and 5Bh-5Dh into the EBDA.
post_memory:
        mov al, 0x31
        call cmos_read
        mov ah, al
        mov al, 0x30
        call cmos_read
        movzx eax, ax
        mov [fs:EB_EXT_KB], eax
        mov al, 0x35
        call cmos_read
        mov ah, al
        mov al, 0x34
        call cmos_read
        movzx eax, ax
        cmp eax, 0xFEFF         ; keep the end below 4 GiB - 16 MiB + ...
        jbe .hi_ok
        mov eax, 0xFEFF
.hi_ok: mov [fs:EB_HI_BLOCKS], eax
        test eax, eax
        jz .lo
        shl eax, 16
        add eax, 0x1000000
        jmp .end
.lo:    mov eax, [fs:EB_EXT_KB]
        shl eax, 10
        add eax, 0x100000
.end:   mov [fs:EB_RAM_END], eax
        mov al, 0x5D
        call cmos_read
        movzx ebx, al
        shl ebx, 16
        mov al, 0x5C
        call cmos_read
        mov bh, al
        mov al, 0x5B
        call cmos_read
        mov bl, al
        mov [fs:EB_HI4G_BLOCKS], ebx
        ret

post_report_memory:
        SAY "Memory: "
        mov eax, BASE_MEM_KB
        call putdec
        SAY " KB base, "
        mov eax, [fs:EB_RAM_END]
        sub eax, 0x100000
        shr eax, 10
        call putdec
        SAY " KB extended"
        mov eax, [fs:EB_HI4G_BLOCKS]
        test eax, eax
        jz .no4g
        SAY ", "
        shl eax, 6
        call putdec
        SAY " KB above 4 GB"
.no4g:  SAY 13, 10
        ret

; post_floppy: reset the controller when CMOS lists a drive. DS = BDA.
post_floppy:
        cmp byte [fs:EB_FD_COUNT], 0
        je .none
        call fdc_reset
        jnc .ok
        LOG "floppy: controller reset failed", 10
        ret
.ok:    LOG "floppy: controller ready", 10
.none:  ret

post_report_disks:
        cmp byte [fs:EB_FD_COUNT], 0
        je .nofd
        SAY "Floppy A: CMOS type "
        movzx eax, byte [fs:EB_FD_TYPE]
        call putdec
        SAY 13, 10
.nofd:  SAY "Hard disks: "
        movzx eax, byte [fs:EB_HD_COUNT]
        call putdec
        SAY ", CD-ROM drives: "
        movzx eax, byte [fs:EB_CD_COUNT]
        call putdec
        SAY 13, 10
        ret

; ---- the ACPI table area (last, so that it moves no code) -------------------
%include "acpi.inc"

; ---- fixed tail: reset vector, date, model byte -------------------------------
        times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:
        jmp BIOS_SEG:post_entry
        db "11/23/26"
        db 0
        db 0xFC                 ; model: AT
        db 0x00
