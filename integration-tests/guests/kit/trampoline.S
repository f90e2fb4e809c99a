/*
 * AP trampoline (smp guest): copied to TRAMPOLINE_ADDR (0x8000, SIPI vector 0x08)
 * at run time. 16-bit real mode -> 32-bit protected mode -> long mode using the
 * BSP's GDT and page tables, then ap_entry64 takes a stack slot and calls ap_main().
 */
#include "asm.h"

#define TR(sym) (TRAMPOLINE_ADDR + ((sym) - trampoline_start))

        .section .rodata
        .globl trampoline_start, trampoline_end
        .balign 16
        .code16
trampoline_start:
        cli
        cld
        xor     %ax, %ax
        mov     %ax, %ds
        lgdtl   TR(tramp_gdt_ptr)
        mov     %cr0, %eax
        or      $CR0_PE, %eax
        mov     %eax, %cr0
        ljmpl   $SEL_CODE32, $TR(tramp32)

        .code32
tramp32:
        mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        ENTER_LONG_MODE ap_entry64

        .balign 8
tramp_gdt_ptr:
        .word   GDT_LIMIT
        .long   gdt
trampoline_end:

        .text
        .code64
ap_entry64:
        mov     $SEL_DATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        /* Stack slot: ticket = ap_next++ (lock xadd). */
        mov     $1, %eax
        lock xaddl %eax, ap_next(%rip)
        cmp     $MAX_APS, %eax
        jae     2f
        mov     %eax, %edi              /* ap_main(ticket) */
        inc     %eax
        imul    $AP_STACK_SIZE, %eax, %eax
        lea     ap_stacks(%rip), %rsp
        add     %rax, %rsp
        xor     %ebp, %ebp
        call    ap_main
2:      cli
        hlt
        jmp     2b

        .data
        .balign 4
        .globl ap_next
ap_next:
        .long 0

        .section .bss
        .balign 4096
ap_stacks:
        .skip MAX_APS * AP_STACK_SIZE
