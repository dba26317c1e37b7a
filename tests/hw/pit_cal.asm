; pit_cal.asm — a 64 KiB BIOS ROM for test_tsc_rate.sh: Linux's slow TSC
; calibration loop (pit_calibrate_tsc) 100 times.  Each try starts PIT
; channel 2 in mode 0 for 11932 clocks (10 ms, gate on through port 61h)
; and reads the TSC until port 61h bit 5 (OUT2) goes high, keeping the
; smallest and largest difference between two successive reads.  One line
; per try on port E9h: "total min max" (hex; total from the first read to
; the last one before OUT2 was seen high).  In real time a jump of virtual
; time between that last read and the port read makes total short while
; min/max show nothing (the kernel then takes a wrong, low frequency).
; Ends with 0x11 on port F4h.
[bits 16]
        org 0
start:  cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7000
        mov bp, 100              ; tries
.try:   in al, 0x61
        and al, 0xfd
        or al, 1
        out 0x61, al
        mov al, 0xb0
        out 0x43, al
        mov al, 0x9c             ; 11932 = 10 ms
        out 0x42, al
        mov al, 0x2e
        out 0x42, al
        rdtsc
        mov [0x500], eax
        mov esi, eax             ; prev
        mov edi, 0xffffffff      ; min delta
        xor ebx, ebx             ; max delta
.l:     in al, 0x61
        test al, 0x20
        jnz .done
        rdtsc
        mov ecx, eax
        sub ecx, esi
        mov esi, eax
        cmp ecx, edi
        jae .n1
        mov edi, ecx
.n1:    cmp ecx, ebx
        jbe .l
        mov ebx, ecx
        jmp .l
.done:  mov eax, esi
        sub eax, [0x500]         ; total TSC (prev read)
        call hex32
        mov al, ' '
        out 0xe9, al
        mov eax, edi
        call hex32
        mov al, ' '
        out 0xe9, al
        mov eax, ebx
        call hex32
        mov al, 10
        out 0xe9, al
        dec bp
        jnz .try
        mov al, 0x11
        out 0xf4, al
        hlt
hex32:  mov cx, 8
.d:     rol eax, 4
        push eax
        and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .o
        add al, 'a' - '9' - 1
.o:     out 0xe9, al
        pop eax
        loop .d
        ret
        times 0xfff0 - ($ - $$) db 0xff
        jmp 0xf000:start
        times 0x10000 - ($ - $$) db 0xff
