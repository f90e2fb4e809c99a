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

/* Copies a NUL-terminated command line (at most CMDLINE_MAX - 1 bytes) into boot.cmdline. */
static void copy_cmdline(uint64_t paddr)
{
    if (!paddr || paddr >= 4 * GiB)
        return;
    const char *c = (const char *)paddr;
    size_t n = 0;
    while (n < CMDLINE_MAX - 1 && c[n])
        n++;
    memcpy(boot.cmdline, c, n);
    boot.cmdline[n] = '\0';
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
    copy_cmdline(si->cmdline_paddr);
    if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < 4 * GiB) {
        uint32_t n = si->memmap_entries < MEMMAP_MAX ? si->memmap_entries : MEMMAP_MAX;
        memcpy(boot.memmap, (const void *)si->memmap_paddr, n * sizeof(struct hvm_memmap_entry));
        boot.memmap_entries = n;
    }
    return true;
}

/* Maps the RAM the memmap reports above 4 GiB (2 MiB pages, up to MAP_MAX), runs the guest, finishes. */
static void kit_run(void) __attribute__((noreturn));
static void kit_run(void)
{
    uint64_t top = 0;
    for (uint32_t i = 0; i < boot.memmap_entries; i++) {
        const struct hvm_memmap_entry *e = &boot.memmap[i];
        if (e->type == MEMMAP_RAM && e->addr + e->size > top)
            top = e->addr + e->size;
    }
    map_identity(top);
    kit_finish((uint32_t)guest_main());
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
    kit_run();
}

/* boot64.S: the command line and the e820 table of boot_params, into the same boot_info as on the PVH entry. */
void kit_start_linux64(uint64_t boot_params_paddr);
void kit_start_linux64(uint64_t bp)
{
    serial_init();
    boot.boot_params_paddr = bp;
    boot.mapped_limit = 4 * GiB;
    uint32_t header = bp && bp + 4096 <= 4 * GiB ? bp_u32(bp, BP_HEADER) : 0;
    printf("kvmj-guest %s start\n", guest_name);
    if (!CHECK(header == BP_HDRS_MAGIC, "boot_params at 0x%lx header 0x%x (want 0x%x)", bp, header, BP_HDRS_MAGIC))
        kit_finish(1);
    copy_cmdline(bp_u32(bp, BP_CMD_LINE_PTR) | (uint64_t)bp_u32(bp, BP_EXT_CMD_LINE_PTR) << 32);
    uint32_t n = bp_u8(bp, BP_E820_ENTRIES);
    for (uint32_t i = 0; i < n && i < MEMMAP_MAX; i++) {
        uint64_t e = bp + BP_E820_TABLE + 20 * i;
        boot.memmap[i].addr = bp_u64(e, 0);
        boot.memmap[i].size = bp_u64(e, 8);
        boot.memmap[i].type = bp_u32(e, 16);
    }
    boot.memmap_entries = n < MEMMAP_MAX ? n : MEMMAP_MAX;
    kit_run();
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
