/*
 * smp: starts every AP with INIT + SIPI + SIPI (broadcast "all excluding self", xAPIC MMIO),
 * each AP enters long mode through the trampoline at 0x8000, prints its APIC id, counts
 * itself online (lock xadd) and halts. The BSP waits for cpus-1 APs.
 * Params: cpus=N (expected CPU count incl. the BSP, default 1),
 *         timeout=M (wait limit in millions of TSC cycles, default 10000 = a few seconds).
 */
#include "kit.h"
#include "asm.h"

const char guest_name[] = "smp";

#define LAPIC_BASE 0xfee00000UL
#define LAPIC_ID 0x020
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ALL_EXCL_SELF (3u << 18)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define NO_ID 0xffffffffu

extern const char trampoline_start[], trampoline_end[];
extern volatile uint32_t ap_next;     /* trampoline.S: stack tickets handed out */

static volatile uint32_t aps_online;
static volatile uint32_t ap_ids[MAX_APS];

void ap_main(uint32_t ticket);
void ap_main(uint32_t ticket)
{
    uint32_t id = cpu_apic_id();
    printf("cpu apic_id=%u online\n", id);
    ap_ids[ticket] = id;
    atomic_fetch_add32(&aps_online, 1);
    halt_forever();
}

static uint32_t lapic_read(uint32_t reg) { return mmio_read32(LAPIC_BASE + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(LAPIC_BASE + reg, v); }

static bool send_ipi(uint32_t icr_lo)
{
    lapic_write(LAPIC_ICR_HI, 0);
    lapic_write(LAPIC_ICR_LO, icr_lo);
    for (int i = 0; i < 100000; i++)
        if (!(lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING))
            return true;
    return false;
}


int guest_main(void)
{
    uint32_t want = (uint32_t)param_u64("cpus", 1);
    uint64_t timeout = param_u64("timeout", 10000) * 1000000UL;
    uint32_t bsp = cpu_apic_id();
    printf("bsp apic_id=%u, expecting cpus=%u\n", bsp, want);
    CHECK(want >= 1 && want <= MAX_APS + 1, "cpus=%u within 1..%u", want, MAX_APS + 1);

    size_t tsize = (size_t)(trampoline_end - trampoline_start);
    CHECK(memmap_covers(TRAMPOLINE_ADDR, 4096, MEMMAP_RAM), "trampoline page 0x%x is RAM", TRAMPOLINE_ADDR);
    memcpy((void *)TRAMPOLINE_ADDR, trampoline_start, tsize);
    for (int i = 0; i < MAX_APS; i++)
        ap_ids[i] = NO_ID;

    /* Enable the local APIC (spurious vector 0xff), then INIT, SIPI, SIPI. */
    lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x1ff);
    bool sent = send_ipi(ICR_ALL_EXCL_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
    tsc_delay(10000000);                        /* ~10 ms at 1 GHz */
    for (int i = 0; i < 2; i++) {
        sent &= send_ipi(ICR_ALL_EXCL_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | (TRAMPOLINE_ADDR >> 12));
        tsc_delay(1000000);                     /* ~1 ms at 1 GHz */
    }
    CHECK(sent, "INIT/SIPI/SIPI delivered");

    /* Wait (bounded by TSC and by an iteration cap in case the TSC does not move). */
    uint64_t start = rdtsc();
    uint64_t spins = 0;
    while (atomic_load32(&aps_online) < want - 1) {
        if (rdtsc() - start > timeout || ++spins > 200000000UL)
            break;
        cpu_relax();
    }
    uint64_t waited = rdtsc() - start;
    uint32_t aps = atomic_load32(&aps_online);
    if (aps > MAX_APS)
        aps = MAX_APS;
    /* Each AP stores its id before counting itself, but slots are taken in ticket order:
     * give stragglers a moment. */
    uint32_t ids[MAX_APS + 1];
    uint32_t n = 0;
    ids[n++] = bsp;
    for (uint32_t i = 0; i < MAX_APS && n < aps + 1; i++) {
        for (int s = 0; s < 1000000 && ap_ids[i] == NO_ID && i < atomic_load32(&ap_next); s++)
            cpu_relax();
        if (ap_ids[i] != NO_ID)
            ids[n++] = ap_ids[i];
    }
    char line[400];
    int len = snprintf(line, sizeof line, "smp: %u cpus online, apic ids:", n);
    for (uint32_t i = 0; i < n && len < (int)sizeof line - 12; i++)
        len += snprintf(line + len, sizeof line - (size_t)len, " %u", ids[i]);
    printf("%s\n", line);
    printf("smp: waited %lu TSC cycles\n", waited);

    bool distinct = true;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++)
            if (ids[i] == ids[j])
                distinct = false;
    CHECK(aps + 1 >= want, "%u of %u cpus online before the timeout", aps + 1, want);
    CHECK(distinct, "apic ids distinct");
    return 0;
}
