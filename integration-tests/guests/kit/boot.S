/*
 * PVH entry for kvmj test guests.
 *
 * The loader enters pvh_start in 32-bit protected mode, paging off, flat CS/DS,
 * ebx = physical address of struct hvm_start_info, no stack.
 * We clear .bss, build identity-mapped page tables for 0..4 GiB with 2 MiB pages
 * (kit.c extends them above 4 GiB from the memmap), enable PAE + long mode and
 * call kit_start(ebx) in 64-bit C.
 */
#include "asm.h"

        PVH_ENTRY_NOTE pvh_start

        .section .text.boot, "ax"
        .code32
        .globl pvh_start
pvh_start:
        cli
        cld
        /* Clear .bss (keeps ebx). */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        mov     $boot_stack_top, %esp

        /* PML4[0] -> PDPT; PDPT[i] -> PD page i for all 64 PD pages (64 GiB). */
        mov     $pdpt, %eax
        or      $(PTE_P | PTE_W | PTE_U), %eax
        mov     %eax, pml4
        mov     $pd, %eax
        or      $(PTE_P | PTE_W | PTE_U), %eax
        mov     $pdpt, %edi
        mov     $PD_PAGES, %ecx
1:      mov     %eax, (%edi)
        add     $4096, %eax
        add     $8, %edi
        dec     %ecx
        jnz     1b
        /* PD entries for 0..4 GiB: 2048 x 2 MiB, entry i = (i << 21) | P | W | PS. */
        mov     $pd, %edi
        mov     $(PTE_P | PTE_W | PTE_U | PTE_PS), %eax
        xor     %edx, %edx              /* high dword of the entry (bits 32+ of address) */
        mov     $2048, %ecx
2:      mov     %eax, (%edi)
        mov     %edx, 4(%edi)
        add     $0x200000, %eax
        adc     $0, %edx
        add     $8, %edi
        dec     %ecx
        jnz     2b

        lgdt    gdt_ptr
        ENTER_LONG_MODE long_mode_entry

        .code64
long_mode_entry:
        mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        mov     $boot_stack_top, %rsp
        xor     %ebp, %ebp
        mov     %ebx, %edi              /* zero-extends: hvm_start_info paddr */
        call    kit_start
3:      cli
        hlt
        jmp     3b

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
