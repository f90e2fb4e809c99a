/*
 * mptable: finds the MP table as an Intel MultiProcessor Specification 1.4 guest does (section 4: the floating
 * pointer "_MP_" on a 16-byte boundary in the first KiB of the EBDA, the last KiB of base memory, or the BIOS
 * ROM 0xf0000-0xfffff), checks both checksums and the processor entries, and checks that the memory map the
 * VMM handed over (PVH memmap) describes the floating pointer and the configuration table as reserved memory,
 * never as RAM the guest may reuse.
 * Params: cpus=N  the configuration table must list exactly N enabled processors, one of them the BSP.
 */
#include "kit.h"

const char guest_name[] = "mptable";

#define BDA_EBDA_SEGMENT 0x40e
#define BDA_BASE_MEMORY_KIB 0x413
#define FLOATING_LEN 16
#define TABLE_HEADER_LEN 44
#define ENTRY_PROCESSOR 0
#define PROCESSOR_ENTRY_LEN 20
#define OTHER_ENTRY_LEN 8
#define LAST_ENTRY_TYPE 4
#define CPU_ENABLED 1
#define CPU_BSP 2

/* The empty asm hides the constant BDA addresses from GCC, which takes a read of page 0 for an out-of-bounds one. */
static inline uint8_t rd8(uint64_t a)
{
    __asm__("" : "+r"(a));
    return *(const volatile uint8_t *)a;
}
static uint16_t rd16(uint64_t a) { return (uint16_t)(rd8(a) | (rd8(a + 1) << 8)); }
static uint32_t rd32(uint64_t a) { return rd16(a) | ((uint32_t)rd16(a + 2) << 16); }

static uint8_t sum8(uint64_t a, uint64_t n)
{
    uint8_t s = 0;
    for (uint64_t i = 0; i < n; i++)
        s = (uint8_t)(s + rd8(a + i));
    return s;
}

static uint64_t scan(uint64_t start, uint64_t len)
{
    for (uint64_t a = start; a + FLOATING_LEN <= start + len; a += 16)
        if (rd8(a) == '_' && rd8(a + 1) == 'M' && rd8(a + 2) == 'P' && rd8(a + 3) == '_' && sum8(a, FLOATING_LEN) == 0)
            return a;
    return 0;
}

/* The spec's search order; a BDA the firmware left empty means the EBDA is undefined and base memory 640 KiB. */
static uint64_t find_floating_pointer(void)
{
    uint64_t ebda = (uint64_t)rd16(BDA_EBDA_SEGMENT) << 4;
    uint64_t base_kib = rd16(BDA_BASE_MEMORY_KIB);
    uint64_t found = ebda ? scan(ebda, KiB) : 0;
    if (!found)
        found = scan(((base_kib ? base_kib : 640) - 1) * KiB, KiB);
    if (!found)
        found = scan(0xf0000, 0x10000);
    return found;
}

int guest_main(void)
{
    uint32_t want = (uint32_t)param_u64("cpus", 1);
    uint64_t fp = find_floating_pointer();
    CHECK(fp != 0, "MP floating pointer found where the MP spec says to look");
    if (!fp)
        return 0;
    printf("mptable: floating pointer at 0x%lx\n", fp);
    CHECK(rd8(fp + 8) == 1 && (rd8(fp + 9) == 1 || rd8(fp + 9) == 4), "floating pointer length 1, spec 1.1 or 1.4");
    CHECK(memmap_covers(fp, FLOATING_LEN, MEMMAP_RESERVED), "floating pointer in a reserved memmap entry");
    CHECK(!memmap_overlaps(fp, FLOATING_LEN, MEMMAP_RAM), "floating pointer not in RAM");

    uint64_t table = rd32(fp + 4);
    CHECK(table != 0 && rd8(fp + 11) == 0, "a configuration table, no default configuration");
    if (!table)
        return 0;
    uint16_t len = rd16(table + 4);
    printf("mptable: configuration table at 0x%lx, %u bytes\n", table, len);
    CHECK(rd8(table) == 'P' && rd8(table + 1) == 'C' && rd8(table + 2) == 'M' && rd8(table + 3) == 'P',
          "PCMP signature");
    CHECK(len >= TABLE_HEADER_LEN && sum8(table, len) == 0, "configuration table checksum");
    CHECK(memmap_covers(table, len, MEMMAP_RESERVED), "configuration table in a reserved memmap entry");
    CHECK(!memmap_overlaps(table, len, MEMMAP_RAM), "configuration table not in RAM");

    /* Walked by the table's length, as Linux does (smp_read_mpc): QEMU's qboot leaves the entry count 0. */
    uint32_t cpus = 0, bsps = 0;
    uint64_t e = table + TABLE_HEADER_LEN, end = table + len;
    while (e < end) {
        uint8_t type = rd8(e);
        if (type == ENTRY_PROCESSOR) {
            uint8_t flags = rd8(e + 3);
            cpus += (flags & CPU_ENABLED) != 0;
            bsps += (flags & CPU_BSP) != 0;
            e += PROCESSOR_ENTRY_LEN;
        } else if (type <= LAST_ENTRY_TYPE) {
            e += OTHER_ENTRY_LEN;
        } else {
            CHECK(false, "entry type %u at 0x%lx is one of MP spec 1.4's 0-4", type, e);
            break;
        }
    }
    printf("mptable: %u processors, %u bootstrap\n", cpus, bsps);
    CHECK(cpus == want, "%u processors listed (want %u)", cpus, want);
    CHECK(bsps == 1, "exactly one bootstrap processor");
    return 0;
}
