/*
 * Entry through Linux's 64-bit boot protocol (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"), for guests
 * linked without the PVH note: the loader enters linux64_start at e_entry in long mode with paging on an identity
 * map, CS = __BOOT_CS (0x10), DS = ES = SS = __BOOT_DS (0x18), interrupts off, rsi = physical address of struct
 * boot_params (the zero page), no stack.
 * We record the CPU state we were handed (for the guest to check), clear .bss, build the kit's own page tables and
 * GDT (the loader's live in memory the guest may reuse) and call kit_start_linux64(rsi) in C.
 */
#include "asm.h"

        .section .text.boot, "ax"
        .code64
        .globl linux64_start
linux64_start:
        mov     $boot_stack_top, %esp   /* the protocol gives no stack; pushfq needs one */
        pushfq
        pop     %r8
        cli
        cld
        mov     %cs, %r9d
        mov     %ds, %r10d
        mov     %ss, %r11d
        KIT_CLEAR_BSS_AND_MAP
        mov     %r8, linux64_entry_rflags
        mov     %r9, linux64_entry_cs
        mov     %r10, linux64_entry_ds
        mov     %r11, linux64_entry_ss

        lgdt    gdt_ptr
        mov     $pml4, %eax
        mov     %rax, %cr3
        pushq   $SEL_CODE64             /* reload CS with the kit's selector */
        lea     1f(%rip), %rax
        push    %rax
        lretq
1:      mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        xor     %ebp, %ebp
        mov     %rsi, %rdi              /* boot_params paddr */
        call    kit_start_linux64
2:      cli
        hlt
        jmp     2b

        .section .bss
        .balign 8
        .globl linux64_entry_rflags, linux64_entry_cs, linux64_entry_ds, linux64_entry_ss
linux64_entry_rflags:   .skip 8
linux64_entry_cs:       .skip 8
linux64_entry_ds:       .skip 8
linux64_entry_ss:       .skip 8
