/*
 * crash: a guest that misbehaves on purpose, to prove the VMM reports it and survives it.
 * Params: mode=triple   divide by zero with an empty IDT: a triple fault (the VMM must fail the VM)
 *         mode=sse      an SSE instruction at CPL0 with CR4.OSFXSR clear: #UD -> triple fault on
 *                       hardware, an emulation failure on PVM hosts; either way the VM fails
 *         mode=garbage  garbage values into every serial register, unclaimed ports and MMIO, string
 *                       I/O; then restores the UART and passes: the VMM must keep running
 */
#include "kit.h"

const char guest_name[] = "crash";

static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty_idt = {0, 0};

static void triple_fault(void)
{
    __asm__ volatile("lidt %0" : : "m"(empty_idt));
    printf("crash: dividing by zero with an empty IDT\n");
    /* asm, not C: gcc turns 1/x into a compare, never dividing */
    __asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\txor %%ecx, %%ecx\n\tdiv %%ecx" ::: "eax", "ecx", "edx");
    printf("crash: still alive after #DE\n");
}

static void sse_at_cpl0(void)
{
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~(1UL << 9))); /* OSFXSR off: SSE raises #UD */
    __asm__ volatile("lidt %0" : : "m"(empty_idt));
    printf("crash: executing pxor at CPL0\n");
    __asm__ volatile(".byte 0x66, 0x0f, 0xef, 0xc9"); /* pxor %xmm1, %xmm1 */
}

static void garbage(void)
{
    static const uint8_t junk[] = {0xff, 0x00, 0xaa, 0x55, 0x80, 0x7f, 0x01, 0xfe};
    for (unsigned r = 1; r < 8; r++)          /* not THR: that would print the junk */
        for (unsigned i = 0; i < sizeof(junk); i++)
            outb(0x3f8 + r, junk[i]);
    outl(0x3f8 + 1, 0xffffffff);               /* 32-bit write to an 8-bit register */
    for (uint16_t p = 0x3e0; p < 0x3f0; p++) { /* unclaimed ports */
        outb(p, 0xa5);
        (void)inb(p);
    }
    static uint8_t buf[64];
    const void *src = buf;
    void *dst = buf;
    uint64_t n = sizeof(buf);
    __asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(0x3e8) : "memory"); /* string I/O, count > 1 */
    n = sizeof(buf);
    __asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(0x3e8) : "memory");
    mmio_write32(0xf0000000, 0xdeadbeef);     /* unclaimed MMIO in the hole */
    (void)mmio_read32(0xf0000004);
    serial_init();                             /* back to a sane UART */
    CHECK(true, "VMM survived garbage register writes, unclaimed ports, string I/O and unclaimed MMIO");
}

int guest_main(void)
{
    size_t len = 0;
    const char *mode = cmdline_find(boot.cmdline, "mode", &len);
    if (mode && len == 6 && !strncmp(mode, "triple", 6))
        triple_fault();
    else if (mode && len == 3 && !strncmp(mode, "sse", 3))
        sse_at_cpl0();
    else if (mode && len == 7 && !strncmp(mode, "garbage", 7))
        garbage();
    else
        CHECK(false, "mode=triple|sse|garbage given");
    return 0;
}
