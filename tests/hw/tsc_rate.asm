; tsc_rate.asm — a 64 KiB BIOS ROM that measures the TSC against the PIT
; and the RTC, run as `x86vm --bios tsc_rate.bin` (test_tsc_rate.sh).
;  1. PIT channel 0, mode 2, reload 11932 (about 100 Hz) on IRQ0: RDTSC at
;     the first tick and at the 1001st, 1000 periods = 11932000 PIT clocks
;     (1.193182 MHz) = 10.000150 s.
;  1b. The same counter polled with interrupts off: RDTSC and a latched read
;     of channel 0, POLL_PERIODS (10) periods apart.  Both values come
;     from the same instant of virtual time, so this is exact in real-time
;     mode too, where an interrupt is taken late by the host's wake-up
;     (but a host that stops the process longer than a period (10 ms)
;     makes it miss one: the real-time run leaves this part out).
;  2. RTC update-ended interrupts (register B UIE) on IRQ8: RDTSC at the
;     first and at the 11th, 10 s apart.
;     (-DPIT_PERIODS=n -DPOLL_PERIODS=n -DRTC_SECONDS=n: other lengths.)
;  3. WRMSR 10h: the TSC goes on from the value written, of which a P6
;     keeps the low 32 bits (the high half is cleared).
; The CPU halts between interrupts, so in deterministic mode the clock
; skips to each deadline and the run takes a moment.  Results go to port
; E9h as lines "NAME HEX16" (64-bit TSC differences; the script checks the
; rates); the run ends with value 0x11 on the debug-exit port F4h, or 0x7F
; when something did not happen (an interrupt that never came is caught by
; the script's --timeout).
[bits 16]
        org 0                           ; F000:0000 = physical F0000h

PIT_RELOAD  equ 11932
%ifndef PIT_PERIODS                     ; nasm -D overrides both (a shorter real-time run)
%define PIT_PERIODS 1000
%endif
%ifndef POLL_PERIODS
%define POLL_PERIODS 10
%endif
%ifndef RTC_SECONDS
%define RTC_SECONDS 10
%endif

; Variables in low RAM (DS = 0).
ticks   equ 0x500                       ; dword: IRQ0 count
updates equ 0x504                       ; dword: RTC update interrupts
t0      equ 0x510                       ; qword
t1      equ 0x518                       ; qword
c0      equ 0x520                       ; word: first polled PIT count

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7000
        mov dword [ticks], 0
        mov dword [updates], 0
        mov word [8 * 4], irq0          ; IRQ0 -> vector 8
        mov word [8 * 4 + 2], cs
        mov word [0x70 * 4], irq8       ; IRQ8 -> vector 70h
        mov word [0x70 * 4 + 2], cs
        ; PICs: master vectors 08h, slave 70h on IRQ2, all masked for now.
        mov al, 0x11
        out 0x20, al
        out 0xa0, al
        mov al, 0x08
        out 0x21, al
        mov al, 0x70
        out 0xa1, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x02
        out 0xa1, al
        mov al, 0x01
        out 0x21, al
        out 0xa1, al
        mov al, 0xff
        out 0x21, al
        out 0xa1, al

        ; --- 1. PIT channel 0 ---
        mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2, binary
        out 0x43, al
        mov ax, PIT_RELOAD
        out 0x40, al
        mov al, ah
        out 0x40, al
        mov al, 0xfe                    ; IRQ0 only
        out 0x21, al
        sti
        mov ebx, 1
        call wait_ticks
        call stamp0
        mov ebx, PIT_PERIODS + 1
        call wait_ticks
        call stamp1
        mov si, name_pit
        call report
        cli
        mov al, 0xff
        out 0x21, al

%if POLL_PERIODS > 0
        ; --- 1b. PIT channel 0 polled ---
        call stamp0
        call pit_count
        mov [c0], ax
        mov bx, ax
        mov ecx, POLL_PERIODS
.poll:  call stamp1                     ; RDTSC, then the count: same instant
        call pit_count
        cmp ax, bx                      ; the count went up: a new period
        mov bx, ax
        jbe .poll
        loop .poll, ecx
        push bx
        mov si, name_pitpoll
        call report
        ; PIT clocks between the two samples: periods * reload + c0 - c1
        pop dx
        movzx edx, dx
        movzx eax, word [c0]
        sub eax, edx
        add eax, POLL_PERIODS * PIT_RELOAD
        mov [t1], eax
        xor eax, eax
        mov [t1 + 4], eax
        mov [t0], eax
        mov [t0 + 4], eax
        mov si, name_pitclk
        call report
%endif

        ; --- 2. RTC update-ended interrupts ---
        mov al, 0x0a
        out 0x70, al
        mov al, 0x26                    ; 32.768 kHz time base, 1024 Hz rate
        out 0x71, al
        mov al, 0x0c
        out 0x70, al
        in al, 0x71                     ; clear pending flags (UF is set every second)
        mov al, 0x0b
        out 0x70, al
        mov al, 0x12                    ; UIE, 24-hour, BCD
        out 0x71, al
        mov al, 0xfb                    ; cascade
        out 0x21, al
        mov al, 0xfe                    ; IRQ8
        out 0xa1, al
        sti
        mov ebx, 1
        call wait_updates
        call stamp0
        mov ebx, RTC_SECONDS + 1
        call wait_updates
        call stamp1
        mov si, name_rtc
        call report
        cli
        mov al, 0xff
        out 0x21, al
        out 0xa1, al

        ; --- 3. WRMSR to the TSC, then RDTSC: from the value written on ---
        mov ecx, 0x10
        mov edx, 0x00000123
        mov eax, 0x456789ab
        wrmsr
        rdtsc
        mov [t1], eax
        mov [t1 + 4], edx
        mov dword [t0], 0x456789ab
        mov dword [t0 + 4], 0               ; EDX is not written (P6)
        mov si, name_wrmsr
        call report
        mov ecx, 0x10                   ; RDMSR 10h reads the same counter
        rdmsr
        mov [t1], eax
        mov [t1 + 4], edx
        mov si, name_rdmsr
        call report

        mov al, 0x11
        out 0xf4, al
        hlt

; Halt until [ticks] reaches EBX.
wait_ticks:
        hlt
        cmp [ticks], ebx
        jb wait_ticks
        ret
; Halt until [updates] reaches EBX.
wait_updates:
        hlt
        cmp [updates], ebx
        jb wait_updates
        ret

; AX = PIT channel 0's count (latched).
pit_count:
        mov al, 0x00                    ; latch channel 0
        out 0x43, al
        in al, 0x40
        mov ah, al
        in al, 0x40
        xchg al, ah
        ret

stamp0:
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        ret
stamp1:
        rdtsc
        mov [t1], eax
        mov [t1 + 4], edx
        ret

; Print "<name at CS:SI> <t1 - t0 as 16 hex digits>\n" on port E9h.
report:
        mov dx, 0xe9
.name:  mov al, [cs:si]
        inc si
        test al, al
        jz .num
        out dx, al
        jmp .name
.num:   mov al, ' '
        out dx, al
        mov eax, [t1]
        mov ebx, [t1 + 4]
        sub eax, [t0]
        sbb ebx, [t0 + 4]
        push eax
        mov eax, ebx
        call hex32
        pop eax
        call hex32
        mov al, 10
        out dx, al
        ret
; Print EAX as 8 hex digits on port DX.
hex32:
        mov cx, 8
.d:     rol eax, 4
        push eax
        and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .o
        add al, 'a' - '9' - 1
.o:     out dx, al
        pop eax
        loop .d
        ret

irq0:
        inc dword [ticks]
        push ax
        mov al, 0x20
        out 0x20, al
        pop ax
        iret
irq8:
        inc dword [updates]
        push ax
        mov al, 0x0c                    ; reading register C acknowledges the RTC
        out 0x70, al
        in al, 0x71
        mov al, 0x20
        out 0xa0, al
        out 0x20, al
        pop ax
        iret

name_pit:   db "PIT", 0
name_pitpoll: db "PITPOLL", 0
name_pitclk: db "PITCLK", 0
name_rtc:   db "RTC", 0
name_wrmsr: db "WRMSR", 0
name_rdmsr: db "RDMSR", 0

        times 0xfff0 - ($ - $$) db 0xff
        jmp 0xf000:start                ; reset vector
        times 0x10000 - ($ - $$) db 0xff
