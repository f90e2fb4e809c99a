/*
 * Data of both kit entries (boot.S for PVH, boot64.S for Linux's 64-bit boot protocol): the GDT the kit and the
 * AP trampoline use, the identity-map page tables and the boot stack.
 */
#include "asm.h"

/* ---- GDT shared with the AP trampoline ---- */
        .section .rodata
        .balign 16
        .globl gdt, gdt_end, gdt_ptr
gdt:
        .quad 0                         /* 0x00 null */
        .quad 0x00af9a000000ffff        /* 0x08 64-bit code */
        .quad 0x00cf92000000ffff        /* 0x10 flat data */
        .quad 0x00cf9a000000ffff        /* 0x18 32-bit flat code */
        .quad 0x00cff2000000ffff        /* 0x20 user (DPL3) flat data */
        .quad 0x00affa000000ffff        /* 0x28 user (DPL3) 64-bit code */
gdt_end:
        .balign 8
        .word 0
gdt_ptr:
        .word GDT_LIMIT
        .quad gdt                       /* lgdt in 32-bit mode reads the low 4 bytes */

/* ---- page tables and boot stack ---- */
        .section .bss
        .balign 4096
        .globl pml4, pdpt, pd
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip PD_PAGES * 4096
        .balign 16
boot_stack:
        .skip BOOT_STACK_SIZE
        .globl boot_stack_top
boot_stack_top:
