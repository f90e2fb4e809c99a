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
        KIT_CLEAR_BSS_AND_MAP
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
