; symbols.asm — an ELF object whose symbols name addresses of the default
; guest (absolute symbols: nasm -f elf32), for the --debug-symbols test.
global boot_sector, boot_main, boot_print, stage2
boot_sector equ 0x7c00
boot_main   equ 0x7c0b
boot_print  equ 0x7cc4
stage2      equ 0x8000
