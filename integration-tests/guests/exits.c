/*
 * exits: `count` 8-bit port writes to an unassigned port, then `count` 32-bit MMIO writes to
 * an unassigned guest-physical address; every one is an exit to the VMM.
 * Params: count=N    iterations of each loop (default 100000)
 *         pio=PORT   port for the PIO loop (default 0x3e0; pio=0 turns the loop off)
 *         mmio=ADDR  address for the MMIO loop (default 0xf0000000; mmio=0 turns it off)
 *         cpl=0|3    run the loops at CPL0 (default) or, one-way, at CPL3 with IOPL 3
 *
 * 0x3e0 is unused by QEMU microvm (PIC 0x20/0xa0, PIT 0x40, COM1 0x3f8, fw_cfg 0x510,
 * debug-exit 0xf4) and by the usual VMM legacy devices (i8042 0x60/0x64, COM1-4, CMOS 0x70,
 * POST 0x80 which some VMMs treat specially).
 * 0xf0000000 is neither RAM nor a device under QEMU microvm (RAM ends at 3 GiB, virtio-mmio
 * starts at 0xfeb00000, IOAPIC 0xfec00000, LAPIC 0xfee00000, and PCIe ECAM 0xe0000000-0xefffffff
 * only exists with pcie=on) nor in Firecracker-like layouts whose device window starts at
 * 0xd0000000 (so 0xd0000000 is avoided). The guest checks it against the memmap and the
 * virtio_mmio.device entries on the command line.
 */
#include "kit.h"

const char guest_name[] = "exits";

static uint64_t count, port, mmio;
static uint8_t user_stack[16384] __attribute__((aligned(16)));

static void pio_loop(uint16_t p, uint64_t n)
{
    __asm__ volatile("1: outb %%al, %%dx\n\t"
                     "decq %%rcx\n\t"
                     "jnz 1b"
                     : "+c"(n)
                     : "a"(0), "d"(p)
                     : "memory");
}

static void mmio_loop(uint64_t addr, uint64_t n)
{
    __asm__ volatile("1: movl %%eax, (%%rdi)\n\t"
                     "decq %%rcx\n\t"
                     "jnz 1b"
                     : "+c"(n)
                     : "a"(0), "D"(addr)
                     : "memory");
}

static int run_loops(void)
{
    uint64_t pio_done = 0, mmio_done = 0, t_pio = 0, t_mmio = 0;
    if (port && count) {
        uint64_t t0 = rdtsc();
        pio_loop((uint16_t)port, count);
        t_pio = rdtsc() - t0;
        pio_done = count;
    }
    if (mmio && count) {
        uint64_t t0 = rdtsc();
        mmio_loop(mmio, count);
        t_mmio = rdtsc() - t0;
        mmio_done = count;
    }
    printf("exits: pio=%lu mmio=%lu\n", pio_done, mmio_done);
    printf("exits: tsc cycles pio=%lu (%lu each) mmio=%lu (%lu each)\n", t_pio, pio_done ? t_pio / pio_done : 0,
           t_mmio, mmio_done ? t_mmio / mmio_done : 0);
    return 0;
}

static void user_entry(void *unused)
{
    kit_finish((uint32_t)run_loops());
}

int guest_main(void)
{
    count = param_u64("count", 100000);
    port = param_u64("pio", 0x3e0);
    mmio = param_u64("mmio", 0xf0000000UL);
    uint64_t cpl = param_u64("cpl", 0) ? 3 : 0;
    printf("exits: count=%lu pio_port=0x%lx mmio_addr=0x%lx cpl=%lu\n", count, port, mmio, cpl);

    CHECK(port <= 0xffff, "pio port 0x%lx fits 16 bits", port);
    port &= 0xffff;
    if (mmio) {
        bool ok = (mmio & 3) == 0 && mmio + 4 <= boot.mapped_limit;
        for (uint32_t i = 0; i < boot.memmap_entries; i++) {
            const struct hvm_memmap_entry *e = &boot.memmap[i];
            if (e->size && mmio + 4 > e->addr && mmio < e->addr + e->size)
                ok = false;
        }
        struct virtio_mmio_dev devs[32];
        int n = cmdline_virtio_mmio(boot.cmdline, devs, 32);
        for (int i = 0; i < n && i < 32; i++)
            if (mmio + 4 > devs[i].base && mmio < devs[i].base + devs[i].size)
                ok = false;
        if (!CHECK(ok, "mmio 0x%lx aligned, mapped, outside the memmap and virtio-mmio devices", mmio))
            mmio = 0;
    }
    if (cpl == 3)
        enter_cpl3(user_entry, NULL, user_stack + sizeof user_stack);
    return run_loops();
}
