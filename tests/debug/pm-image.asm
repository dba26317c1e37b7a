; pm-image.asm — a 1.44 MB floppy for the debugger's second lesson: the
; default guest's boot sector (guest/boot.asm) followed by one of the
; protected-mode test guests (tests/guest/pm_exc.asm, entered in real mode at
; 0000:8000 where the boot sector jumps), from the include path.
%define STAGE2_SECTORS ((stage2_end - stage2_start + 511) / 512)
%include "boot.asm"
stage2_start:
        incbin "pm_exc.bin"
stage2_end:
        times 1474560 - ($ - $$) db 0
