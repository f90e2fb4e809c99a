/*
 * first: the smallest PVH guest, for start-up benchmarks. Its first instructions write 0 to QEMU's
 * isa-debug-exit port 0xf4, so the VMM exits with status 1 as soon as the guest runs: the time from process
 * start to exit is the time to the guest's first instruction, plus one exit and the VMM's teardown.
 * No kit: no .bss, no stack, no long mode, no serial output.
 */
        .section .note.pvh, "a"
        .balign 4
        .long 4                 /* namesz */
        .long 8                 /* descsz */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .quad pvh_start

        .section .text.boot, "ax"
        .code32
        .globl pvh_start
pvh_start:
        xor     %eax, %eax
        outb    %al, $0xf4
1:      hlt
        jmp     1b
