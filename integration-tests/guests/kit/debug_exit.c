/* Ending the guest: QEMU-compatible isa-debug-exit, then i8042 reset, then triple fault. */
#include "kit.h"

void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void exit_guest(uint32_t code)
{
    /* isa-debug-exit (iobase=0xf4, iosize=4): QEMU exits with status (code << 1) | 1. */
    outl(DEBUG_EXIT_PORT, code);
    /* Still running: no debug-exit device. Pulse reset through the i8042 controller. */
    outb(0x64, 0xfe);
    /* No i8042 either (QEMU microvm has none): triple fault (at CPL3, see user.S, lidt itself
     * faults with the IDT already empty, same result) -> KVM_EXIT_SHUTDOWN, which QEMU
     * turns into a reset (or an exit with status 0 under -no-reboot). The fault is a divide
     * error with an empty IDT: #DE -> #GP -> #DF -> triple fault. (int3/ud2 are not usable:
     * the PVM host's CPL0 emulator reports an emulation failure for them.) */
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt = { 0, 0 };
    __asm__ volatile("lidt %0\n\t"
                     "xor %%eax, %%eax\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "divl %%ecx"
                     : : "m"(idt) : "eax", "ecx", "edx", "memory");
    halt_forever();
}
