/*
 * first: the smallest PVH guest, for start-up benchmarks. Its first instructions write 0 to QEMU's
 * isa-debug-exit port 0xf4, so the VMM exits with status 1 as soon as the guest runs: the time from process
 * start to exit is the time to the guest's first instruction, plus one exit and the VMM's teardown.
 * No kit: no .bss, no stack, no long mode, no serial output.
 */
#include "asm.h"

        PVH_ENTRY_NOTE pvh_start

        .section .text.boot, "ax"
        .code32
        .globl pvh_start
pvh_start:
        xor     %eax, %eax
        outb    %al, $0xf4
1:      hlt
        jmp     1b
