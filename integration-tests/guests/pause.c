/*
 * pause: runs until the host stops it, publishing a progress counter in guest RAM for the host's
 * pause/resume tests. It prints "pause: counter at 0x<address>" (the counter's guest-physical
 * address, identity-mapped) once, then either
 *   busy (default): increments the counter in a tight loop, interrupts off, no exits at all;
 *   idle:           enables the local APIC's periodic timer (vector 0x40, 1 ms at KVM's 1 GHz APIC bus),
 *                   counts its ticks in the interrupt handler and waits in HLT with interrupts on, so the
 *                   vCPU sleeps inside KVM (in-kernel LAPIC) instead of exiting to the VMM.
 * Params: idle           the idle mode
 *         tick=N         LAPIC timer initial count per tick (default 1000000)
 */
#include "kit.h"

const char guest_name[] = "pause";

#define LAPIC 0xfee00000UL
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_DIVIDE 0x3e0
#define TIMER_VECTOR 0x40
#define LVT_PERIODIC (1u << 17)

volatile uint64_t counter;

struct idt_gate {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
} __attribute__((packed));
static struct idt_gate idt[256] __attribute__((aligned(16)));

/* The tick handler: counts, acknowledges the LAPIC (EOI), returns. No C: nothing to save but rax. */
void timer_isr(void);
__asm__(".text\n"
        "timer_isr:\n\t"
        "lock incq counter(%rip)\n\t"
        "push %rax\n\t"
        "movabs $0xfee000b0, %rax\n\t"
        "movl $0, (%rax)\n\t"
        "pop %rax\n\t"
        "iretq");

static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(LAPIC + reg, v); }

static void idle(uint64_t tick) __attribute__((noreturn));
static void idle(uint64_t tick)
{
    uint64_t isr = (uint64_t)timer_isr;
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    idt[TIMER_VECTOR] = (struct idt_gate){
        .offset_low = (uint16_t)isr, .selector = cs, .type = 0x8e, /* present, DPL 0, interrupt gate */
        .offset_mid = (uint16_t)(isr >> 16), .offset_high = (uint32_t)(isr >> 32),
    };
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
    lapic_write(LAPIC_SVR, 0x100 | 0xff);               /* software-enable, spurious vector 0xff */
    lapic_write(LAPIC_TIMER_DIVIDE, 0xb);               /* divide by 1 */
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)tick);
    for (;;)
        __asm__ volatile("sti; hlt" ::: "memory");
}

int guest_main(void)
{
    bool idle_mode = param_present("idle");
    printf("pause: counter at 0x%lx mode %s\n", (uint64_t)&counter, idle_mode ? "idle" : "busy");
    if (idle_mode)
        idle(param_u64("tick", 1000000));
    for (;;)
        counter++;
}
