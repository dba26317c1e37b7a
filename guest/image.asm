; image.asm - the default guest's 1.44 MB floppy image: the boot sector
; (boot.asm) followed by the second stage (stage2.bin, found on the include
; path) and zero padding. The boot sector learns the stage 2 size from here.

%define STAGE2_SECTORS ((stage2_end - stage2_start + 511) / 512)
%include "boot.asm"
stage2_start:
        incbin "stage2.bin"
stage2_end:
        times 1474560 - ($ - $$) db 0
