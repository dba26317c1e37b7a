; biostest-image.asm - the BIOS self-test as a 1.44 MB disk image: the
; default guest's boot sector followed by biostest.bin (from the include path).

%define STAGE2_SECTORS ((stage2_end - stage2_start + 511) / 512)
%include "boot.asm"
stage2_start:
        incbin "biostest.bin"
stage2_end:
        times 1474560 - ($ - $$) db 0
