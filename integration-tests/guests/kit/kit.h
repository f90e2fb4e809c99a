/*
 * kvmj test-guest kit: shared declarations.
 *
 * Freestanding, 64-bit long mode, identity-mapped (2 MiB pages), no interrupts.
 * Every guest defines guest_name[] and guest_main(); boot.S and kit.c do the rest.
 */
#ifndef KVMJ_KIT_H
#define KVMJ_KIT_H

typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef long int64_t;
typedef int int32_t;
typedef short int16_t;
typedef signed char int8_t;
typedef unsigned long size_t;
typedef unsigned long uintptr_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)

#define KiB (1024UL)
#define MiB (1024UL * KiB)
#define GiB (1024UL * MiB)

/* ---- PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h) ---- */
#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;     /* version >= 1 */
    uint32_t memmap_entries;   /* version >= 1 */
    uint32_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;             /* 1 = RAM */
    uint32_t reserved;
};
#define MEMMAP_RAM 1
#define MEMMAP_RESERVED 2

/* ---- Linux 64-bit boot protocol: struct boot_params (Documentation/arch/x86/zero-page.rst, boot.rst) ---- */
#define BP_E820_ENTRIES     0x1e8   /* u8 */
#define BP_BOOT_FLAG        0x1fe   /* u16, 0xaa55 */
#define BP_HEADER           0x202   /* u32, "HdrS" */
#define BP_TYPE_OF_LOADER   0x210   /* u8 */
#define BP_LOADFLAGS        0x211   /* u8 */
#define BP_RAMDISK_IMAGE    0x218   /* u32, high half at BP_EXT_RAMDISK_IMAGE */
#define BP_RAMDISK_SIZE     0x21c   /* u32, high half at BP_EXT_RAMDISK_SIZE */
#define BP_CMD_LINE_PTR     0x228   /* u32, high half at BP_EXT_CMD_LINE_PTR */
#define BP_KERNEL_ALIGNMENT 0x230   /* u32 */
#define BP_CMDLINE_SIZE     0x238   /* u32 */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_TABLE       0x2d0   /* packed {u64 addr, u64 size, u32 type}, 20 bytes each */
#define BP_E820_MAX         128
#define BP_HDRS_MAGIC       0x53726448u
#define BP_LOADED_HIGH      0x01

static inline uint8_t bp_u8(uint64_t bp, uint32_t off) { return *(const volatile uint8_t *)(bp + off); }
static inline uint16_t bp_u16(uint64_t bp, uint32_t off) { return *(const volatile uint16_t *)(bp + off); }
static inline uint32_t bp_u32(uint64_t bp, uint32_t off) { return *(const volatile uint32_t *)(bp + off); }
static inline uint64_t bp_u64(uint64_t bp, uint32_t off) { return *(const volatile uint64_t *)(bp + off); }

/* boot64.S only: the CPU state the loader entered linux64_start with. */
extern uint64_t linux64_entry_rflags, linux64_entry_cs, linux64_entry_ds, linux64_entry_ss;

/* ---- boot state copied out of hvm_start_info or boot_params by the kit (safe to overwrite the originals) ---- */
#define CMDLINE_MAX 4096
#define MEMMAP_MAX 128

struct boot_info {
    uint64_t start_info_paddr;        /* PVH entry (boot.S); 0 on the 64-bit entry */
    uint64_t boot_params_paddr;       /* 64-bit entry (boot64.S): rsi; 0 on the PVH entry */
    struct hvm_start_info si;         /* copy */
    char cmdline[CMDLINE_MAX];        /* NUL-terminated copy ("" if none) */
    uint32_t memmap_entries;
    struct hvm_memmap_entry memmap[MEMMAP_MAX];
    uint64_t mapped_limit;            /* identity mapping covers [0, mapped_limit) */
};
extern struct boot_info boot;

/* Identity mapping limit supported by the page tables in boot.S (64 PD pages). */
#define MAP_MAX (64UL * GiB)

/* Linker-script symbols: everything the guest occupies (code, data, bss, stacks, page tables). */
extern char __image_start[], __image_end[];

/* ---- what every guest provides ---- */
extern const char guest_name[];
/* Returns the exit code to use when every CHECK passed (normally 0). */
int guest_main(void);

/* ---- port and MMIO I/O ---- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t mmio_read32(uint64_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
/* lock xadd: returns the old value. */
static inline uint32_t atomic_fetch_add32(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}
static inline uint32_t atomic_load32(volatile uint32_t *p) { return *p; }
/* Busy-wait for at least `cycles` TSC ticks. */
void tsc_delay(uint64_t cycles);
/* APIC id of the calling CPU from CPUID leaf 1, EBX[31:24]. */
uint32_t cpu_apic_id(void);

/* ---- user.S ---- */
/* One-way switch to CPL3 (IOPL 3: port I/O works, IF 0, legacy PICs masked, IDT limit 0):
 * calls fn(arg) on the given stack; fn must end the guest with kit_finish()/exit_guest().
 * CPL3 code runs natively on the PVM host, CPL0 code is emulated; PVM cannot return a
 * non-PVM guest from CPL3 to CPL0, hence one-way. BSP only, other CPUs halted or absent. */
void enter_cpl3(void (*fn)(void *), void *arg, void *stack_top) __attribute__((noreturn));

/* ---- serial.c: COM1 16550 ---- */
#define COM1 0x3f8
void serial_init(void);
void serial_putc(char c);            /* no locking */
void serial_write(const char *s, size_t n); /* takes the console lock */
void puts(const char *s);            /* takes the console lock, no newline added */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- debug_exit.c ---- */
#define DEBUG_EXIT_PORT 0xf4
void exit_guest(uint32_t code) __attribute__((noreturn));
void halt_forever(void) __attribute__((noreturn));

/* ---- cmdline.c ---- */
/* Finds key=value in cmdline (whitespace separated, first match wins). Returns the value
 * start and its length in *len, or NULL. A bare "key" returns "" with len 0. */
const char *cmdline_find(const char *cmdline, const char *key, size_t *len);
/* Parses decimal or 0x-hex with an optional K/M/G suffix (binary units). Returns the
 * number of characters consumed, 0 on error. */
size_t parse_u64(const char *s, size_t len, uint64_t *out);
/* Looks up key in boot.cmdline; def when absent or unparsable. */
uint64_t param_u64(const char *key, uint64_t def);

/* ---- the memory map the VMM handed over (boot.memmap) ---- */
/* Whether one entry of `type` holds all of [addr, addr + size). */
bool memmap_covers(uint64_t addr, uint64_t size, uint32_t type);
/* Whether any entry of `type` shares a byte with [addr, addr + size). */
bool memmap_overlaps(uint64_t addr, uint64_t size, uint32_t type);
bool param_present(const char *key);

struct virtio_mmio_dev {
    uint64_t size;
    uint64_t base;
    uint32_t irq;
};
/* Parses every virtio_mmio.device=<size>@<base>:<irq>[:<id>] entry; returns how many
 * were found (may exceed max; only max are stored). */
int cmdline_virtio_mmio(const char *cmdline, struct virtio_mmio_dev *out, int max);

/* ---- kit.c: string helpers, test runner ---- */
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Maps [mapped_limit, limit) with 2 MiB pages (limit rounded up to 1 GiB, capped at MAP_MAX). */
void map_identity(uint64_t limit);

/* Prints "# pass P fail F" and "kvmj-guest <name> done", then exit_guest(F ? 1 : code).
 * Called by the kit after guest_main returns; callable directly (e.g. at CPL3). */
void kit_finish(uint32_t code) __attribute__((noreturn));

bool check(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define CHECK(cond, ...) check(!!(cond), __VA_ARGS__)
extern uint32_t tests_passed, tests_failed;

#endif
