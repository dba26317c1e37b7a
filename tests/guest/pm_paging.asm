; pm_paging.asm — paging: 4 KiB and 4 MiB (PSE) pages, #PF error codes and
; CR2 for not-present, write-protect (CR0.WP) and user/supervisor faults,
; faults on instruction fetch, Accessed/Dirty bits in PDEs and PTEs, INVLPG
; and CR3 reload, all checked from ring 0 and ring 3.
%include "pm.inc"

PD    equ 0x100000
PT0   equ 0x101000
%define PTE(x) (PT0 + ((x) >> 12) * 4)

test_main:
        SETIDT 0x81, back_to_ring0, 0xee00
        ; page directory and the first page table, identity-mapped, user, writable
        mov edi, PD
        xor eax, eax
        mov ecx, 2048
        cld
        rep stosd
        mov edi, PT0
        mov eax, 7
        mov ecx, 1024
.fill:  stosd
        add eax, 0x1000
        loop .fill
        mov dword [PD], PT0 | 7
        mov dword [PD + 4], 0x400000 | 0x87          ; 4 MiB page: 4M -> 4M
        mov dword [PD + 8], 0x400000 | 0x87          ; 4 MiB page: 8M -> 4M (alias)
        mov dword [PD + 12], 0x400000 | 0x85         ; 4 MiB page: 12M -> 4M, read-only
        mov dword [PTE(0x200000)], 0                 ; not present
        mov dword [PTE(0x201000)], 0x201000 | 5      ; user, read-only
        mov dword [PTE(0x202000)], 0x202000 | 3      ; supervisor, writable
        mov dword [PTE(0x203000)], 0x300000 | 7      ; remapped
        mov dword [0x300000], 0x3000
        mov dword [0x301000], 0x3010

        mov eax, PD
        mov cr3, eax
        mov eax, cr4
        or eax, 0x10                                 ; PSE
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp .paged
.paged:
        ; the mapping is in effect
        CHECK dword [0x203000], 0x3000, e
        ; not present: read -> error 0, write -> 2, CR2 = the address
        TRY .p1
        mov eax, [0x200010]
.p1:    EXPECT_FAULT 14, 0
        mov eax, cr2
        CHECK eax, 0x200010, e
        TRY .p2
        mov dword [0x200ffe], 0                      ; crosses into 0x201000 (present, RO)
.p2:    EXPECT_FAULT 14, 2
        mov eax, cr2
        CHECK eax, 0x200ffe, e
        ; a dword write that crosses from a writable page into a not-present one
        TRY .p2b
        mov dword [0x1ffffe], 0x11223344
.p2b:   EXPECT_FAULT 14, 2
        mov eax, cr2
        CHECK eax, 0x200000, e
        ; read-only page: supervisor writes go through while CR0.WP = 0 ...
        mov dword [0x201000], 0x1234
        CHECK dword [0x201000], 0x1234, e
        ; ... and fault with WP = 1 (error: present | write)
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
        TRY .p3
        mov dword [0x201000], 0x5678
.p3:    EXPECT_FAULT 14, 3
        CHECK dword [0x201000], 0x1234, e
        ; same for a read-only 4 MiB page
        TRY .p3b
        mov dword [0xc00100], 0
.p3b:   EXPECT_FAULT 14, 3
        mov eax, cr2
        CHECK eax, 0xc00100, e
        ; instruction fetch from a not-present page
        TRY .p4
        call 0x200000
.p4:    EXPECT_FAULT 14, 0
        mov eax, cr2
        CHECK eax, 0x200000, e
        CHECK dword [last_eip], 0x200000, e

        ; Accessed / Dirty in the PTE
        and dword [PTE(0x203000)], ~0x60
        and dword [PD], ~0x20
        invlpg [0x203000]
        mov eax, [0x203000]
        mov eax, [PTE(0x203000)]
        and eax, 0x60
        CHECK eax, 0x20, e                           ; accessed, clean
        test dword [PD], 0x20
        jz paging_bad
        mov dword [0x203004], 1
        mov eax, [PTE(0x203000)]
        and eax, 0x60
        CHECK eax, 0x60, e                           ; dirty
        ; 4 MiB pages: alias, A and D in the PDE
        and dword [PD + 4], ~0x60
        and dword [PD + 8], ~0x60
        mov eax, cr3                                 ; flush everything
        mov cr3, eax
        mov dword [0x400010], 0xabcdef
        CHECK dword [0x800010], 0xabcdef, e
        mov eax, [PD + 4]
        and eax, 0x60
        CHECK eax, 0x60, e
        mov eax, [PD + 8]
        and eax, 0x60
        CHECK eax, 0x20, e
        ; INVLPG makes a changed PTE visible
        CHECK dword [0x203000], 0x3000, e
        mov dword [PTE(0x203000)], 0x301000 | 7
        invlpg [0x203000]
        CHECK dword [0x203000], 0x3010, e
        ; without PSE, PDE bit 7 is ignored: PD[1] then points at a page table (at 4M)
        mov dword [0x400000], 0x500000 | 7           ; 4M -> table at 4M, entry 0 -> 5M
        mov dword [0x500000], 0x5555
        mov eax, cr4
        and eax, ~0x10
        mov cr4, eax
        CHECK dword [0x400000], 0x5555, e
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov eax, [0x400000]                          ; (the walk set A in it)
        CHECK eax, 0x500027, e

        ; ring 3: user/supervisor and read-only checks
        mov ax, SEL_DATA3
        mov ds, ax
        mov es, ax
        push dword SEL_DATA3
        push dword STACK3_TOP
        push dword 0x2
        push dword SEL_CODE3
        push dword ring3
        iret
ring3:
        CHECK dword [0x201000], 0x1234, e            ; user may read the RO page
        TRY .u1
        mov dword [0x201000], 0
.u1:    EXPECT_FAULT 14, 7
        TRY .u2
        mov eax, [0x202000]
.u2:    EXPECT_FAULT 14, 5
        TRY .u3
        mov eax, [0x200000]
.u3:    EXPECT_FAULT 14, 4
        ; ring 3 with WP: same (user writes to RO pages always fault)
        TRY .u4
        mov dword [0xc00000], 0
.u4:    EXPECT_FAULT 14, 7
        int 0x81

back_to_ring0:
        mov esp, STACK0_TOP
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov eax, cr2
        CHECK eax, 0xc00000, e
        ; a supervisor read of a supervisor page still works
        mov dword [0x202000], 0x2020
        CHECK dword [0x202000], 0x2020, e
        ; paging off again
        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax
        CHECK dword [0x203000], 0, e                 ; physical page 0x203000
        CHECK dword [0x300000], 0x3000, e
        jmp pass
paging_bad:
        mov eax, $
        jmp fail
