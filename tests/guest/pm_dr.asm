; pm_dr.asm — hardware breakpoints DR0-DR3 as DR7 enables them (SDM vol. 3,
; chapter 17: 17.2 the debug registers, 17.3.1 the debug exception
; conditions; docs/DEBUG_REGISTERS.md for the choices where the SDM leaves
; one).  What each case expects, from the SDM:
; - an instruction breakpoint (R/W = 00, LEN = 00) is a fault: #DB before
;   the instruction, EIP on it, DR6.Bn set, the pushed EFLAGS.RF as it was
;   (0); a handler that returns with RF set in the frame resumes without a
;   second #DB, and the CPU clears RF once that instruction has run, so the
;   breakpoint fires again the next time round a loop;
; - any other fault pushes RF = 1 (here #UD, and #DB for general detect);
; - a data breakpoint (R/W = 01 writes, 11 reads or writes) is a trap: #DB
;   after the instruction that touched its LEN bytes at DRn with the low
;   address bits masked (LEN 2: bit 0, LEN 4: bits 0-1), EIP past it, each
;   matching enabled breakpoint's Bn set.  Stack pushes and pops count.
; - in a REP string instruction the trap comes after the iteration that
;   touched the address: EIP still on the REP, ECX/ESI/EDI as after that
;   iteration, RF = 1 pushed (any iteration but the last), so an
;   instruction breakpoint on the REP does not fire again when it resumes;
;   after the last iteration EIP is past the instruction and RF is pushed
;   as it was (0);
; - I/O breakpoints (R/W = 10) need CR4.DE; without it R/W = 10 is
;   undefined and this CPU ignores it;
; - a breakpoint whose L and G bits are both clear never fires, and (our
;   choice, which the SDM allows) its Bn is not set when another one fires;
; - a single-step trap and a data breakpoint after the same instruction are
;   one #DB with BS and Bn;
; - DR7.GD: any MOV DR faults with DR6.BD set and GD cleared for the handler.
%include "pm.inc"

W       equ 0x200000            ; data for the MOV cases
SRC     equ 0x210000
DST     equ 0x211000
D2      equ 0x212000
D3      equ 0x220000            ; two pages: REP STOSB runs in bulk on the first
REPBUF  equ 0x230000            ; 10000 bytes: a REP longer than a chunk
PORT    equ 0x80                ; an unassigned port: IN gives 0xff, OUT is dropped
MAXLOG  equ 16

; DR7 fields of breakpoint n
%define DR7_L(n) (1 << (2 * (n)))
%define DR7_G(n) (2 << (2 * (n)))
%define DR7_RW(n, rw) ((rw) << (16 + 4 * (n)))
%define DR7_LEN(n, len) ((len) << (18 + 4 * (n)))
RW_X    equ 0
RW_W    equ 1
RW_IO   equ 2
RW_RW   equ 3
LEN1    equ 0
LEN2    equ 1
LEN4    equ 3
DR6_0   equ 0xffff0ff0          ; DR6 after a write of 0: the reserved bits read 1
RF      equ 0x10000

%macro SETDR 2
        mov eax, %2
        mov dr%1, eax
%endmacro
; ARM dr7: empty the log, clear DR6, load DR7
%macro ARM 1+
        mov dword [nlog], 0
        xor eax, eax
        mov dr6, eax
        mov eax, %1
        mov dr7, eax
%endmacro
%macro DISARM 0
        xor eax, eax
        mov dr7, eax
%endmacro
; LOGIS k, eip, ecx, dr6, rf (0/1): #DB number k returned to eip with that
; ECX, DR6 and pushed EFLAGS.RF
%macro LOGIS 5
        CHECK dword [log_eip + (%1) * 4], %2, e
        CHECK dword [log_ecx + (%1) * 4], %3, e
        CHECK dword [log_dr6 + (%1) * 4], %4, e
        mov eax, [log_fl + (%1) * 4]
        and eax, RF
        CHECK eax, (%5) * RF, e
%endmacro

test_main:
        SETIDT 1, db_handler, 0x8e00
        SETIDT 6, ud_handler, 0x8e00
        SETIDT 0x81, back_to_ring0, 0xef00
        cld

        ; ---- instruction breakpoint, resumed with RF, fires again on the next pass ----
        SETDR 0, x_loop
        ARM DR7_L(0)
        xor ebx, ebx
        mov ecx, 2
x_loop: inc ebx
        dec ecx
        jnz x_loop
        DISARM
        CHECK ebx, 2, e                 ; the instruction ran once per pass
        CHECK dword [nlog], 2, e
        LOGIS 0, x_loop, 2, DR6_0 | 1, 0
        LOGIS 1, x_loop, 1, DR6_0 | 1, 0
        ; G1 alone enables breakpoint 1 too
        SETDR 1, x_g
        ARM DR7_G(1)
        mov ecx, 5
        nop
x_g:    nop
        DISARM
        CHECK dword [nlog], 1, e
        LOGIS 0, x_g, 5, DR6_0 | 2, 0

        ; ---- a breakpoint on a faulting instruction: #DB (RF 0), then #UD (RF 1) ----
        SETDR 0, x_ud
        ARM DR7_L(0)
        mov ecx, 6
x_ud:   ud2
        DISARM
        CHECK dword [nlog], 1, e
        LOGIS 0, x_ud, 6, DR6_0 | 1, 0
        CHECK dword [ud_count], 1, e
        CHECK dword [ud_eip], x_ud, e
        mov eax, [ud_fl]
        and eax, RF
        CHECK eax, RF, e

        ; ---- on a REP longer than the emulator's chunk (4096 iterations, after
        ; which it resumes the REP): one #DB, before the first iteration ----
        SETDR 0, x_rep
        ARM DR7_L(0)
        mov edi, REPBUF
        mov ecx, 10000
        xor eax, eax
x_rep:  rep stosb
        DISARM
        CHECK dword [nlog], 1, e
        LOGIS 0, x_rep, 10000, DR6_0 | 1, 0
        CHECK ecx, 0, e
        CHECK edi, REPBUF + 10000, e

        ; ---- write breakpoint on MOV (LEN 4) ----
        mov dword [W], 0
        SETDR 1, W
        ARM DR7_G(1) | DR7_RW(1, RW_W) | DR7_LEN(1, LEN4)
        mov ecx, 11
        mov eax, [W]                    ; a read: R/W = 01 ignores it
w1:     mov dword [W], 0x12345678       ; trap after the write
w1_end: mov ecx, 12
        mov byte [W + 3], 0xaa          ; the last covered byte
w2_end: mov byte [W + 4], 0xbb          ; past the four bytes
        mov byte [W - 1], 0xcc          ; before them
        DISARM
        CHECK dword [nlog], 2, e
        LOGIS 0, w1_end, 11, DR6_0 | 2, 0
        LOGIS 1, w2_end, 12, DR6_0 | 2, 0
        CHECK dword [W], 0xaa345678, e

        ; ---- single step and a data breakpoint on one instruction: one #DB, BS and B1 ----
        ARM DR7_G(1) | DR7_RW(1, RW_W) | DR7_LEN(1, LEN4)
        mov ecx, 13
        pushfd
        or dword [esp], 0x100
        popfd                           ; traps begin after the next instruction
        mov [W], eax
t1:     pushfd                          ; one trap after each of these three
        and dword [esp], ~0x100
        popfd
        DISARM
        CHECK dword [nlog], 4, e
        LOGIS 0, t1, 13, DR6_0 | 0x4000 | 2, 0
        LOGIS 1, t1 + 1, 13, DR6_0 | 0x4000, 0

        ; ---- LEN alignment: DR2 = W+12h LEN 4 covers W+10h..13h, DR3 = W+15h LEN 2 covers W+14h..15h ----
        SETDR 2, W + 0x12
        SETDR 3, W + 0x15
        ARM DR7_L(2) | DR7_RW(2, RW_W) | DR7_LEN(2, LEN4) | DR7_L(3) | DR7_RW(3, RW_W) | DR7_LEN(3, LEN2)
        mov ecx, 1
        mov byte [W + 0x10], 1          ; B2 (below DR2: its low bits are masked)
a1:     mov byte [W + 0x16], 1          ; neither
        mov byte [W + 0x0f], 1          ; neither
        mov ecx, 2
        mov byte [W + 0x15], 1          ; B3
a2:     mov ecx, 3
        mov dword [W + 0x12], eax       ; 12h..15h: both, in one #DB
a3:     mov word [W + 0x0e], ax         ; 0Eh..0Fh: neither
        mov ecx, 4
        mov word [W + 0x0f], ax         ; 0Fh..10h: B2
a4:     DISARM
        CHECK dword [nlog], 4, e
        LOGIS 0, a1, 1, DR6_0 | 4, 0
        LOGIS 1, a2, 2, DR6_0 | 8, 0
        LOGIS 2, a3, 3, DR6_0 | 0xc, 0
        LOGIS 3, a4, 4, DR6_0 | 4, 0

        ; ---- a disabled breakpoint: DR0 (W+40h, LEN 4, R/W 01, L0 = G0 = 0) ----
        SETDR 0, W + 0x40
        SETDR 1, W + 0x44
        ; R/W and LEN alone, no enable bit: nothing fires
        ARM DR7_RW(0, RW_W) | DR7_LEN(0, LEN4) | DR7_RW(1, RW_W)
        mov dword [W + 0x40], 1
        mov byte [W + 0x44], 1
        CHECK dword [nlog], 0, e
        ; breakpoint 1 enabled beside it: only B1 is reported
        ARM DR7_RW(0, RW_W) | DR7_LEN(0, LEN4) | DR7_L(1) | DR7_RW(1, RW_W)
        mov ecx, 1
        mov dword [W + 0x40], 1         ; DR0 only: no #DB
        mov dword [W + 0x42], 1         ; 42h..45h: DR0's bytes and DR1's
d1:     DISARM
        CHECK dword [nlog], 1, e
        LOGIS 0, d1, 1, DR6_0 | 2, 0

        ; ---- read/write breakpoint on the ring-3 stack: PUSH, POP, CALL, RET ----
        ; (in ring 3 the #DB frames go to the ring-0 stack, away from it)
        SETDR 2, STACK3_TOP - 4
        ARM DR7_L(2) | DR7_RW(2, RW_RW) | DR7_LEN(2, LEN4)
        push dword SEL_DATA3
        push dword STACK3_TOP
        push dword 0x002
        push dword SEL_CODE3
        push dword ring3
        iret
ring3:  mov ax, SEL_DATA3
        mov ds, ax
        mov es, ax
        mov ecx, 1
        mov eax, 0x11223344
        push eax                        ; writes STACK3_TOP-4
p1:     mov ecx, 2
        pop ebx                         ; reads it
p2:     mov ecx, 3
        push word 0x55                  ; writes STACK3_TOP-2..-1
p3:     add esp, 2
        mov ecx, 4
        call p_sub                      ; the return address goes to STACK3_TOP-4
p4:     int 0x81                        ; back to ring 0, at ring0_again
p_sub:  ret                             ; reads it
ring0_again:
        DISARM
        CHECK ebx, 0x11223344, e
        CHECK dword [nlog], 5, e
        LOGIS 0, p1, 1, DR6_0 | 4, 0
        LOGIS 1, p2, 2, DR6_0 | 4, 0
        LOGIS 2, p3, 3, DR6_0 | 4, 0
        LOGIS 3, p_sub, 4, DR6_0 | 4, 0
        LOGIS 4, p4, 4, DR6_0 | 4, 0

        ; ---- REP MOVSB: an instruction breakpoint on it, traps mid-way ----
        ; DR0: the REP (instruction); DR3: DST+2 (write, 1 byte); DR1: SRC+6 (read/write, 1 byte)
        mov dword [SRC], 0x44332211
        mov dword [SRC + 4], 0x88776655
        mov dword [DST], 0
        mov dword [DST + 4], 0
        SETDR 0, m_rep
        SETDR 3, DST + 2
        SETDR 1, SRC + 6
        ARM DR7_L(0) | DR7_L(3) | DR7_RW(3, RW_W) | DR7_L(1) | DR7_RW(1, RW_RW)
        mov esi, SRC
        mov edi, DST
        mov ecx, 8
m_rep:  rep movsb
m_end:  DISARM
        CHECK dword [nlog], 3, e
        LOGIS 0, m_rep, 8, DR6_0 | 1, 0 ; the fault before it: nothing done yet
        LOGIS 1, m_rep, 5, DR6_0 | 8, 1 ; after the 3rd iteration (wrote DST+2)
        CHECK dword [log_esi + 4], SRC + 3, e
        CHECK dword [log_edi + 4], DST + 3, e
        LOGIS 2, m_rep, 1, DR6_0 | 2, 1 ; after the 7th (read SRC+6)
        CHECK dword [log_esi + 8], SRC + 7, e
        CHECK dword [log_edi + 8], DST + 7, e
        CHECK ecx, 0, e
        CHECK dword [DST], 0x44332211, e
        CHECK dword [DST + 4], 0x88776655, e

        ; ---- REP STOSD: a trap mid-way (LEN 4) and after the last iteration (LEN 2) ----
        SETDR 1, D2 + 8                 ; D2+8..0Bh
        SETDR 2, D2 + 15                ; LEN 2: D2+0Eh..0Fh
        ARM DR7_G(1) | DR7_RW(1, RW_W) | DR7_LEN(1, LEN4) | DR7_G(2) | DR7_RW(2, RW_W) | DR7_LEN(2, LEN2)
        mov eax, 0xdeadbeef
        mov edi, D2
        mov ecx, 4
s_rep:  rep stosd
s_end:  DISARM
        CHECK dword [nlog], 2, e
        LOGIS 0, s_rep, 1, DR6_0 | 2, 1 ; after the 3rd dword
        CHECK dword [log_edi], D2 + 12, e
        LOGIS 1, s_end, 0, DR6_0 | 4, 0 ; after the 4th, the last: past the REP
        CHECK dword [log_edi + 4], D2 + 16, e
        CHECK dword [D2 + 12], 0xdeadbeef, e

        ; ---- REP STOSB over two pages, the second watched ----
        SETDR 0, D3 + 0x1800
        ARM DR7_L(0) | DR7_RW(0, RW_W)
        mov al, 0x5a
        mov edi, D3
        mov ecx, 0x2000
b_rep:  rep stosb
        DISARM
        CHECK dword [nlog], 1, e
        LOGIS 0, b_rep, 0x2000 - 0x1801, DR6_0 | 1, 1
        CHECK dword [log_edi], D3 + 0x1801, e
        CHECK ecx, 0, e
        CHECK byte [D3 + 0x1800], 0x5a, e
        CHECK byte [D3 + 0x1fff], 0x5a, e

        ; ---- I/O breakpoints: with CR4.DE, after IN/OUT and each REP INSB iteration ----
        mov eax, cr4
        or eax, 8
        mov cr4, eax
        SETDR 0, PORT
        ARM DR7_L(0) | DR7_RW(0, RW_IO)
        mov ecx, 1
        in al, PORT
i1:     out PORT + 1, al                ; another port
        mov ecx, 2
        mov dx, PORT
        out dx, al
i2:     mov edi, DST
        mov ecx, 2
i_rep:  rep insb
i_end:  mov eax, cr4
        and eax, ~8
        mov cr4, eax                    ; without DE, R/W = 10 is ignored
        in al, PORT
        DISARM
        CHECK dword [nlog], 4, e
        LOGIS 0, i1, 1, DR6_0 | 1, 0
        LOGIS 1, i2, 2, DR6_0 | 1, 0
        LOGIS 2, i_rep, 1, DR6_0 | 1, 1
        LOGIS 3, i_end, 0, DR6_0 | 1, 0

        ; ---- general detect: MOV DR faults, BD set, GD cleared for the handler ----
        ARM 0x2000
        mov ecx, 7
g1:     mov eax, dr7                    ; #DB; the handler returns here, then it runs
        CHECK eax, 0x400, e             ; GD gone (bit 10 reads 1)
        CHECK dword [nlog], 1, e
        LOGIS 0, g1, 7, DR6_0 | 0x2000, 1
        CHECK dword [log_dr7], 0x400, e
        jmp pass

; int 0x81 from ring 3: drop the frame and go on in ring 0.
back_to_ring0:
        add esp, 20
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        jmp ring0_again

; #DB: log it (return EIP, ECX, ESI, EDI, DR6, DR7, pushed EFLAGS), clear
; DR6 and return with RF set, as a debugger does.
db_handler:
        push eax
        push ebx
        push ds
        mov ax, SEL_DATA0
        mov ds, ax
        mov ebx, [nlog]
        cmp ebx, MAXLOG
        jae .full
        mov eax, [esp + 12]
        mov [log_eip + ebx * 4], eax
        mov eax, [esp + 20]
        mov [log_fl + ebx * 4], eax
        mov [log_ecx + ebx * 4], ecx
        mov [log_esi + ebx * 4], esi
        mov [log_edi + ebx * 4], edi
        mov eax, dr6
        mov [log_dr6 + ebx * 4], eax
        mov eax, dr7
        mov [log_dr7 + ebx * 4], eax
        inc dword [nlog]
.full:  xor eax, eax
        mov dr6, eax
        or dword [esp + 20], RF
        pop ds
        pop ebx
        pop eax
        iret

; #UD: record it and skip the 2-byte UD2.
ud_handler:
        push eax
        mov eax, [esp + 4]
        mov [ud_eip], eax
        mov eax, [esp + 12]
        mov [ud_fl], eax
        inc dword [ud_count]
        add dword [esp + 4], 2
        pop eax
        iret

align 4
nlog:     dd 0
ud_count: dd 0
ud_eip:   dd 0
ud_fl:    dd 0
log_eip:  times MAXLOG dd 0
log_ecx:  times MAXLOG dd 0
log_esi:  times MAXLOG dd 0
log_edi:  times MAXLOG dd 0
log_dr6:  times MAXLOG dd 0
log_dr7:  times MAXLOG dd 0
log_fl:   times MAXLOG dd 0
