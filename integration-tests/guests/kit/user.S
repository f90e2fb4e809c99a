/*
 * enter_cpl3(fn, arg, stack_top): one-way switch to CPL3 (64-bit, IOPL 3 so port I/O
 * still works, IF 0), calling fn(arg) on the given stack. fn must not return: it ends
 * the guest with kit_finish() / exit_guest() (both work at CPL3).
 *
 * Why one-way: on the PVM host, CPL0 code is emulated (~0.5 us an instruction) while
 * CPL3 code runs natively, so long loops are much faster at CPL3. But PVM delivers
 * SYSCALL and exceptions raised at CPL3 to its own PVM event entry, not to LSTAR/IDT,
 * so a non-PVM guest cannot get back to CPL0 (it triple-faults). The IDT is loaded with
 * limit 0 first, so any exception at CPL3 triple-faults deterministically everywhere.
 * The page tables set U on every entry, so fn sees the same identity map.
 */
#include "asm.h"

        .text
        .code64
        .globl enter_cpl3
enter_cpl3:
        /* Mask both legacy PICs (OCW1): PVM user mode always takes external interrupts. */
        mov     $0xff, %al
        out     %al, $0x21
        out     %al, $0xa1
        lidt    null_idt(%rip)
        mov     %rdi, %r12              /* fn */
        mov     %rsi, %r13              /* arg */
        /* iretq frame: SS, RSP, RFLAGS (IOPL 3, IF 0), CS, RIP */
        pushq   $(SEL_UDATA | 3)
        pushq   %rdx
        pushq   $0x3002
        pushq   $(SEL_UCODE | 3)
        lea     1f(%rip), %rax
        pushq   %rax
        iretq
1:                                      /* CPL3 */
        mov     $(SEL_UDATA | 3), %eax
        mov     %eax, %ds
        mov     %eax, %es
        xor     %ebp, %ebp
        mov     %r13, %rdi
        call    *%r12
        ud2                             /* fn returned: fault -> triple fault */

        .section .rodata
        .balign 8
null_idt:
        .word 0
        .quad 0
