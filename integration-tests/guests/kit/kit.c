/* Kit core: 64-bit C entry, boot-info copy, page-table extension, test runner. */
#include "kit.h"
#include "asm.h"

struct boot_info boot;
uint32_t tests_passed, tests_failed;

extern uint64_t pd[];          /* boot.S: PD_PAGES pages of 512 entries */

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
        if (!a[i])
            return 0;
    }
    return 0;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *ret = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return ret;
}

void *memset(void *d, int c, size_t n)
{
    void *ret = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

void tsc_delay(uint64_t cycles)
{
    uint64_t start = rdtsc();
    while (rdtsc() - start < cycles)
        cpu_relax();
}

uint32_t cpu_apic_id(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return b >> 24;
}

void map_identity(uint64_t limit)
{
    limit = (limit + GiB - 1) & ~(GiB - 1);
    if (limit > MAP_MAX)
        limit = MAP_MAX;
    for (uint64_t a = boot.mapped_limit; a < limit; a += 2 * MiB)
        pd[a >> 21] = a | PTE_P | PTE_W | PTE_U | PTE_PS;
    if (limit > boot.mapped_limit) {
        boot.mapped_limit = limit;
        /* Only new (previously non-present) entries: no TLB flush needed, but be safe. */
        uint64_t cr3;
        __asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
    }
}

bool check(bool cond, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint32_t n = tests_passed + tests_failed + 1;
    if (cond)
        tests_passed++;
    else
        tests_failed++;
    printf("%s %u - %s\n", cond ? "ok" : "not ok", n, msg);
    return cond;
}

void kit_finish(uint32_t code)
{
    printf("# pass %u fail %u\n", tests_passed, tests_failed);
    printf("kvmj-guest %s done\n", guest_name);
    exit_guest(tests_failed ? 1 : code);
}

/* Copies what the loader handed over into .bss, so guests may overwrite the originals. */
static bool copy_boot_info(uint64_t paddr)
{
    boot.start_info_paddr = paddr;
    boot.mapped_limit = 4 * GiB;
    if (paddr == 0 || paddr + sizeof(struct hvm_start_info) > 4 * GiB)
        return false;
    const struct hvm_start_info *si = (const struct hvm_start_info *)paddr;
    if (si->magic != HVM_START_MAGIC) {
        boot.si.magic = si->magic;
        return false;
    }
    memcpy(&boot.si, si, si->version >= 1 ? sizeof *si : 40);
    if (si->cmdline_paddr && si->cmdline_paddr < 4 * GiB) {
        const char *c = (const char *)si->cmdline_paddr;
        size_t n = 0;
        while (n < CMDLINE_MAX - 1 && c[n])
            n++;
        memcpy(boot.cmdline, c, n);
        boot.cmdline[n] = '\0';
    }
    if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < 4 * GiB) {
        uint32_t n = si->memmap_entries < MEMMAP_MAX ? si->memmap_entries : MEMMAP_MAX;
        memcpy(boot.memmap, (const void *)si->memmap_paddr, n * sizeof(struct hvm_memmap_entry));
        boot.memmap_entries = n;
    }
    return true;
}

void kit_start(uint64_t start_info_paddr);
void kit_start(uint64_t start_info_paddr)
{
    serial_init();
    bool ok = copy_boot_info(start_info_paddr);
    printf("kvmj-guest %s start\n", guest_name);
    if (!CHECK(ok, "hvm_start_info at 0x%lx magic 0x%x (want 0x%x)", start_info_paddr, boot.si.magic,
               HVM_START_MAGIC))
        kit_finish(1);
    if (boot.si.memmap_entries > MEMMAP_MAX)
        printf("# warning: memmap has %u entries, only %u kept\n", boot.si.memmap_entries, MEMMAP_MAX);

    /* Map all RAM the memmap reports above 4 GiB (2 MiB pages, up to MAP_MAX). */
    uint64_t top = 0;
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->type == MEMMAP_RAM && e->addr + e->size > top)
            top = e->addr + e->size;
    }
    map_identity(top);

    kit_finish((uint32_t)guest_main());
}

bool memmap_covers(uint64_t addr, uint64_t size, uint32_t type)
{
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->type == type && addr >= e->addr && addr + size <= e->addr + e->size)
            return true;
    }
    return false;
}

bool memmap_overlaps(uint64_t addr, uint64_t size, uint32_t type)
{
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->type == type && addr < e->addr + e->size && e->addr < addr + size)
            return true;
    }
    return false;
}
