/*
 * memory: writes one 64-bit word (address + PATTERN) at offset 0 of every 4 KiB page of
 * every RAM (type 1) memmap region, then reads them all back.
 * Pages not tested: the guest image (code, data, bss with stacks and page tables), any page
 * that is not entirely RAM (partial pages at region edges, pages overlapping a non-RAM entry)
 * and RAM beyond the identity-mapping limit (64 GiB).
 * Params: expect_mib=N   total RAM in the memmap must be within [N-2, N] MiB (the 2 MiB slack
 *                        covers the legacy 640 KiB..1 MiB hole and firmware reservations)
 *         expect_above4g=1|0   RAM above 4 GiB must (1) / must not (0) be present
 *         cpl=3|0        privilege level of the fill and verify loops (default 3: on the PVM
 *                        host CPL0 is emulated, CPL3 runs natively; cpl=0 is ~10x slower)
 */
#include "kit.h"

const char guest_name[] = "memory";

#define PAGE 4096UL
#define PATTERN 0xa5a5a5a500000000UL
#define MAX_RANGES 512

struct range {
    uint64_t start, end;
};
static struct range ranges[MAX_RANGES];
static uint32_t nranges;
static bool ranges_overflow;

static void add_range(uint64_t start, uint64_t end)
{
    if (start >= end)
        return;
    if (nranges == MAX_RANGES) {
        ranges_overflow = true;
        return;
    }
    ranges[nranges].start = start;
    ranges[nranges].end = end;
    nranges++;
}

/* Removes [start, end) from every range, splitting where needed. */
static void exclude(uint64_t start, uint64_t end)
{
    uint32_t n = nranges;
    for (uint32_t i = 0; i < n; i++) {
        struct range r = ranges[i];
        if (end <= r.start || start >= r.end)
            continue;
        ranges[i].end = ranges[i].start;       /* emptied; pieces re-added below */
        if (r.start < start)
            ranges[i].end = start;
        if (end < r.end) {
            if (ranges[i].end == ranges[i].start) {
                ranges[i].start = end;
                ranges[i].end = r.end;
            } else {
                add_range(end, r.end);
            }
        }
    }
}

/* Writes value (addr + PATTERN) at every page in [start, end): 8 pages per iteration. */
static void fill(uint64_t start, uint64_t end)
{
    uint64_t pages = (end - start) / PAGE;
    uint64_t blocks = pages / 8, p = start, v = start + PATTERN;
    if (blocks) {
        __asm__ volatile("1:\n\t"
                         "movq %0, 0(%1)\n\t"      "addq %3, %0\n\t"
                         "movq %0, 4096(%1)\n\t"   "addq %3, %0\n\t"
                         "movq %0, 8192(%1)\n\t"   "addq %3, %0\n\t"
                         "movq %0, 12288(%1)\n\t"  "addq %3, %0\n\t"
                         "movq %0, 16384(%1)\n\t"  "addq %3, %0\n\t"
                         "movq %0, 20480(%1)\n\t"  "addq %3, %0\n\t"
                         "movq %0, 24576(%1)\n\t"  "addq %3, %0\n\t"
                         "movq %0, 28672(%1)\n\t"  "addq %3, %0\n\t"
                         "addq $32768, %1\n\t"
                         "decq %2\n\t"
                         "jnz 1b"
                         : "+r"(v), "+r"(p), "+r"(blocks)
                         : "r"(PAGE)
                         : "memory");
    }
    for (; p < end; p += PAGE, v += PAGE)
        *(volatile uint64_t *)p = v;
}

/* Returns the first page in [start, end) whose word is wrong, or end. */
static uint64_t verify(uint64_t start, uint64_t end)
{
    uint64_t pages = (end - start) / PAGE;
    uint64_t blocks = pages / 8, p = start, v = start + PATTERN;
    if (blocks) {
        __asm__ volatile("1:\n\t"
                         "cmpq 0(%1), %0\n\t"     "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 4096(%1), %0\n\t"  "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 8192(%1), %0\n\t"  "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 12288(%1), %0\n\t" "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 16384(%1), %0\n\t" "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 20480(%1), %0\n\t" "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 24576(%1), %0\n\t" "jne 2f\n\t"  "addq %4, %0\n\t"
                         "cmpq 28672(%1), %0\n\t" "jne 2f\n\t"  "addq %4, %0\n\t"
                         "addq $32768, %1\n\t"
                         "decq %2\n\t"
                         "jnz 1b\n\t"
                         "xorl %k3, %k3\n\t"
                         "jmp 3f\n"
                         "2:\n\t"
                         "movl $1, %k3\n"
                         "3:"
                         : "+r"(v), "+r"(p), "+r"(blocks), "=r"(pages)
                         : "r"(PAGE)
                         : "memory", "cc");
        if (pages) /* mismatch in this block: p is the block, v the expected word */
            return p + (v - p - PATTERN);
    }
    for (; p < end; p += PAGE, v += PAGE)
        if (*(volatile uint64_t *)p != v)
            return p;
    return end;
}

#define MAX_BAD 8
static uint64_t bad[MAX_BAD];
static uint8_t user_stack[16384] __attribute__((aligned(16)));

static uint64_t fill_all(void)
{
    for (uint32_t i = 0; i < nranges; i++)
        if (ranges[i].end > ranges[i].start)
            fill(ranges[i].start, ranges[i].end);
    return 0;
}

static uint64_t verify_all(void)
{
    uint64_t errors = 0;
    for (uint32_t i = 0; i < nranges; i++) {
        uint64_t p = ranges[i].start;
        while (p < ranges[i].end) {
            p = verify(p, ranges[i].end);
            if (p < ranges[i].end) {
                if (errors < MAX_BAD)
                    bad[errors] = p;
                errors++;
                p += PAGE;
            }
        }
    }
    return errors;
}

static uint64_t below, above, pages, unmapped;

/* Runs at CPL3 by default (see enter_cpl3), or at CPL0 with cpl=0. */
static int test_phase(void)
{
    uint64_t t0 = rdtsc();
    fill_all();
    uint64_t t1 = rdtsc();
    uint64_t errors = verify_all();
    uint64_t t2 = rdtsc();
    for (uint64_t i = 0; i < errors && i < MAX_BAD; i++)
        printf("mismatch at 0x%lx: read 0x%lx want 0x%lx\n", bad[i], *(volatile uint64_t *)bad[i], bad[i] + PATTERN);

    printf("memory: memmap entries=%u\n", boot.memmap_entries);
    printf("memory: below4g=%lu above4g=%lu pages=%lu errors=%lu\n", below / MiB, above / MiB, pages, errors);
    printf("memory: tsc cycles fill=%lu verify=%lu\n", t1 - t0, t2 - t1);

    CHECK(!ranges_overflow, "range table large enough");
    CHECK(unmapped == 0, "all RAM identity mapped (%lu MiB beyond 0x%lx)", unmapped / MiB, boot.mapped_limit);
    CHECK(pages > 0, "found RAM pages to test");
    CHECK(errors == 0, "%lu pages written and read back, %lu errors", pages, errors);
    if (param_present("expect_mib")) {
        uint64_t want = param_u64("expect_mib", 0) * MiB;
        uint64_t total = below + above;
        CHECK(total <= want && total + 2 * MiB >= want, "memmap RAM %lu KiB within [expect_mib-2, expect_mib] MiB",
              total / KiB);
    }
    if (param_present("expect_above4g")) {
        if (param_u64("expect_above4g", 1))
            CHECK(above > 0, "RAM above 4 GiB present (%lu MiB)", above / MiB);
        else
            CHECK(above == 0, "no RAM above 4 GiB (%lu MiB)", above / MiB);
    }
    return 0;
}

static void user_entry(void *unused)
{
    kit_finish((uint32_t)test_phase());
}

int guest_main(void)
{
    /* RAM totals straight from the memmap; the test ranges are RAM pages minus exclusions. */
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        printf("memmap[%u]: addr=0x%lx size=0x%lx type=%u\n", i, e->addr, e->size, e->type);
        if (e->type != MEMMAP_RAM || e->size == 0)
            continue;
        uint64_t end = e->addr + e->size;
        if (e->addr < 4 * GiB)
            below += (end < 4 * GiB ? end : 4 * GiB) - e->addr;
        if (end > 4 * GiB)
            above += end - (e->addr > 4 * GiB ? e->addr : 4 * GiB);
        add_range((e->addr + PAGE - 1) & ~(PAGE - 1), end & ~(PAGE - 1));
    }
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->type != MEMMAP_RAM && e->size != 0)
            exclude(e->addr & ~(PAGE - 1), (e->addr + e->size + PAGE - 1) & ~(PAGE - 1));
    }
    uint64_t img_start = (uint64_t)__image_start & ~(PAGE - 1);
    uint64_t img_end = ((uint64_t)__image_end + PAGE - 1) & ~(PAGE - 1);
    exclude(img_start, img_end);
    for (uint32_t i = 0; i < nranges; i++)
        if (ranges[i].end > boot.mapped_limit)
            unmapped += ranges[i].end - (ranges[i].start > boot.mapped_limit ? ranges[i].start : boot.mapped_limit);
    exclude(boot.mapped_limit, ~0UL);

    for (uint32_t i = 0; i < nranges; i++)
        if (ranges[i].end > ranges[i].start) {
            printf("test range 0x%lx-0x%lx (%lu pages)\n", ranges[i].start, ranges[i].end - 1,
                   (ranges[i].end - ranges[i].start) / PAGE);
            pages += (ranges[i].end - ranges[i].start) / PAGE;
        }
    printf("image 0x%lx-0x%lx excluded, identity map up to 0x%lx\n", img_start, img_end - 1, boot.mapped_limit);

    uint64_t cpl = param_u64("cpl", 3);
    printf("memory: testing %lu pages at CPL%lu\n", pages, cpl == 0 ? 0UL : 3UL);
    if (cpl == 0)
        return test_phase();
    enter_cpl3(user_entry, NULL, user_stack + sizeof user_stack);
}
