// rawkvm: a minimal C VMM for bench/exit-cost.sh. It boots the same PVH ELF test guests kvmj boots
// (integration-tests/guests, e.g. exits.elf) the way kvmj does, so the two can be timed on the same guest:
//   rawkvm GUEST.elf ["CMDLINE"]
// One vCPU, 64 MiB of RAM at 0 (kvmj's bench uses --mem 64M), the in-kernel irqchip and PIT (as kvmj
// creates them), the guest's PT_LOAD segments at their physical addresses, and kvmj's boot data layout
// (vmm-core: BootLayout, PvhStartInfo, E820Map, PvhCpuState): GDT at 0x500, hvm_start_info (version 1) at
// 0x6000, its memmap at 0x7000, the command line at 0x20000; entry in 32-bit protected mode at the
// XEN_ELFNOTE_PHYS32_ENTRY address with %ebx = the start info.
// Devices: COM1 (0x3f8-0x3ff; THR bytes go to stdout unbuffered, LSR reads 0x60, other reads 0) and
// isa-debug-exit at 0xf4 (exit status (value << 1) | 1, as QEMU and kvmj). Every other port or MMIO
// access is dropped (reads return all ones), as on kvmj's buses; exits.elf's loops hit such addresses.
// On stderr: "rawkvm: exits=<n> pio=<n> mmio=<n> run_loop_ns=<t>" (t: from the first KVM_RUN to the exit).
// Exit status: from the debug-exit value as above; 2 bad arguments or ELF; 4 KVM failure or any other exit
// reaching user space (a triple fault, say; HLT does not: the in-kernel irqchip handles it).
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (64UL << 20)
#define GDT_ADDR 0x500
#define IDT_ADDR 0x520
#define START_INFO_ADDR 0x6000
#define MEMMAP_ADDR 0x7000
#define CMDLINE_ADDR 0x20000
#define CMDLINE_MAX 4096
#define EBDA_START 0x9fc00
#define HIGH_MEM 0x100000
#define KVM_TSS_ADDR 0xfffbd000UL
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000UL
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info { // xen/include/public/arch-x86/hvm/start_info.h
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

static uint8_t *mem;

static void die(const char *what) {
    fprintf(stderr, "rawkvm: %s: %s\n", what, strerror(errno));
    exit(4);
}

static void bad(const char *path, const char *what) {
    fprintf(stderr, "rawkvm: %s: %s\n", path, what);
    exit(2);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// Copies the PT_LOAD segments into guest RAM; returns the PVH entry from the PT_NOTE segments.
static uint64_t load_elf(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) bad(path, strerror(errno));
    size_t size = (size_t)st.st_size;
    if (size < sizeof(Elf64_Ehdr)) bad(path, "not an ELF file");
    const uint8_t *file = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (file == MAP_FAILED) bad(path, strerror(errno));
    close(fd);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
        eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size)
        bad(path, "not an x86-64 ELF64 file");
    uint64_t entry = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff) + i;
        if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset) bad(path, "segment outside the file");
        if (ph->p_type == PT_LOAD) {
            if (ph->p_paddr < HIGH_MEM || ph->p_memsz > MEM_SIZE || ph->p_paddr > MEM_SIZE - ph->p_memsz ||
                ph->p_filesz > ph->p_memsz)
                bad(path, "PT_LOAD segment below 1 MiB or beyond guest RAM");
            memcpy(mem + ph->p_paddr, file + ph->p_offset, ph->p_filesz); // the rest stays zero (fresh mmap)
        } else if (ph->p_type == PT_NOTE) {
            for (uint64_t pos = 0; pos + sizeof(Elf64_Nhdr) <= ph->p_filesz;) {
                const Elf64_Nhdr *n = (const Elf64_Nhdr *)(file + ph->p_offset + pos);
                const uint8_t *name = (const uint8_t *)(n + 1);
                const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);
                uint64_t next = pos + sizeof *n + ((n->n_namesz + 3) & ~3u) + ((n->n_descsz + 3) & ~3u);
                if (next > ph->p_filesz) break;
                if (n->n_type == XEN_ELFNOTE_PHYS32_ENTRY && n->n_namesz == 4 && !memcmp(name, "Xen", 4)) {
                    if (n->n_descsz == 4) entry = *(const uint32_t *)desc;
                    else if (n->n_descsz == 8) entry = *(const uint64_t *)desc;
                }
                pos = next;
            }
        }
    }
    munmap((void *)file, size);
    if (entry == 0) bad(path, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
    if (entry >= MEM_SIZE) bad(path, "PVH entry outside guest RAM");
    return entry;
}

// Command line, hvm_start_info with an e820-style memmap, boot GDT: what kvmj's GuestLoader writes for PVH.
static void write_boot_data(const char *cmdline) {
    size_t len = strlen(cmdline);
    if (len >= CMDLINE_MAX) bad("command line", "too long");
    memcpy(mem + CMDLINE_ADDR, cmdline, len + 1);
    struct hvm_memmap_entry map[] = {{0, EBDA_START, 1, 0}, {HIGH_MEM, MEM_SIZE - HIGH_MEM, 1, 0}};
    memcpy(mem + MEMMAP_ADDR, map, sizeof map);
    struct hvm_start_info si = {.magic = HVM_START_MAGIC, .version = 1, .cmdline_paddr = CMDLINE_ADDR,
                                .memmap_paddr = MEMMAP_ADDR, .memmap_entries = 2};
    memcpy(mem + START_INFO_ADDR, &si, sizeof si);
    // null, flat 32-bit code (0x08), flat data (0x10), busy TSS (0x18); an empty IDT
    const uint64_t gdt[] = {0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL, 0x008f8b000000ffffULL};
    memcpy(mem + GDT_ADDR, gdt, sizeof gdt);
    memset(mem + IDT_ADDR, 0, 8);
}

static struct kvm_segment flat(uint16_t selector, uint8_t type, uint8_t s, uint8_t db) {
    return (struct kvm_segment){.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
                                .present = 1, .dpl = 0, .db = db, .s = s, .l = 0, .g = 1};
}

// CPUID as KVM supports it (kvmj also hides CX16, XSAVE, OSXSAVE, AVX on PVM hosts: do the same),
// kvmj's boot MSRs and FPU state, then the PVH entry state (as vmm-core PvhCpuState).
static void setup_vcpu(int kvm, int vcpu, uint64_t entry) {
    int nent = 256;
    struct kvm_cpuid2 *cpuid;
    for (;;) {
        cpuid = calloc(1, sizeof *cpuid + nent * sizeof(struct kvm_cpuid_entry2));
        if (!cpuid) die("calloc");
        cpuid->nent = nent;
        if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0) break;
        if (errno != E2BIG) die("KVM_GET_SUPPORTED_CPUID");
        free(cpuid);
        nent *= 2;
    }
    struct stat st;
    if (stat("/sys/module/kvm_pvm", &st) == 0)
        for (uint32_t i = 0; i < cpuid->nent; i++)
            if (cpuid->entries[i].function == 1)
                cpuid->entries[i].ecx &= ~((1u << 13) | (1u << 26) | (1u << 27) | (1u << 28));
    if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0) die("KVM_SET_CPUID2");
    free(cpuid);

    static const uint32_t zeroed[] = {0x174, 0x175, 0x176, 0xc0000081, 0xc0000083, 0xc0000102, 0xc0000084,
                                      0xc0000082, 0x10};
    struct { struct kvm_msrs h; struct kvm_msr_entry e[10]; } msrs = {.h.nmsrs = 10};
    for (int i = 0; i < 9; i++) msrs.e[i].index = zeroed[i];
    msrs.e[9] = (struct kvm_msr_entry){.index = 0x1a0, .data = 1}; // IA32_MISC_ENABLE: fast strings
    if (ioctl(vcpu, KVM_SET_MSRS, &msrs) != 10) die("KVM_SET_MSRS");
    struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
    if (ioctl(vcpu, KVM_SET_FPU, &fpu) < 0) die("KVM_SET_FPU");

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) die("KVM_GET_SREGS");
    sregs.cs = flat(0x08, 0xb, 1, 1);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat(0x10, 0x3, 1, 1);
    sregs.tr = flat(0x18, 0xb, 0, 0);
    sregs.gdt = (struct kvm_dtable){.base = GDT_ADDR, .limit = 4 * 8 - 1};
    sregs.idt = (struct kvm_dtable){.base = IDT_ADDR, .limit = 7};
    sregs.cr0 = (sregs.cr0 | 1 | 1 << 4) & ~(1UL << 31); // PE | ET, paging off
    sregs.cr3 = sregs.cr4 = sregs.efer = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) die("KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = entry, .rbx = START_INFO_ADDR, .rflags = 0x2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("KVM_SET_REGS");
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: rawkvm GUEST.elf [\"CMDLINE\"]\n");
        return 2;
    }
    mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) die("mmap guest memory");
    uint64_t entry = load_elf(argv[1]);
    write_boot_data(argc > 2 ? argv[2] : "");

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("open /dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) die("KVM_GET_API_VERSION");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    if (ioctl(vm, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) die("KVM_SET_TSS_ADDR");
    uint64_t identity = KVM_IDENTITY_MAP_ADDR;
    if (ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) die("KVM_SET_IDENTITY_MAP_ADDR");
    if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0) die("KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0) die("KVM_CREATE_PIT2");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE, .userspace_addr = (uint64_t)(uintptr_t)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) die("KVM_SET_USER_MEMORY_REGION");

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run)) die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");
    setup_vcpu(kvm, vcpu, entry);

    long pio = 0, mmio = 0;
    int status = -1;
    uint8_t lcr = 0;
    uint64_t start = now_ns();
    while (status < 0) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            pio++;
            uint8_t *data = (uint8_t *)run + run->io.data_offset;
            uint16_t port = run->io.port;
            for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
                if (run->io.direction == KVM_EXIT_IO_OUT) {
                    if (port == COM1 && !(lcr & 0x80)) { // THR (with DLAB set, 0x3f8 is the divisor latch)
                        if (write(STDOUT_FILENO, data, 1) < 0) die("write to stdout");
                    } else if (port == COM1 + 3) {
                        lcr = *data;
                    } else if (port == DEBUG_EXIT) {
                        uint32_t v = 0;
                        memcpy(&v, data, run->io.size);
                        status = (int)(((v << 1) | 1) & 0xff);
                    }
                } else if (port >= COM1 && port <= COM1 + 7) {
                    *data = port == COM1 + 5 ? 0x60 : 0; // LSR: THR empty, transmitter idle
                } else {
                    memset(data, 0xff, run->io.size);
                }
            }
            break;
        }
        case KVM_EXIT_MMIO:
            mmio++;
            if (!run->mmio.is_write) memset(run->mmio.data, 0xff, sizeof run->mmio.data);
            break;
        default:
            fprintf(stderr, "rawkvm: unexpected exit reason %u", run->exit_reason);
            if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
                fprintf(stderr, " (internal error, suberror %u)", run->internal.suberror);
            struct kvm_regs regs;
            if (ioctl(vcpu, KVM_GET_REGS, &regs) == 0) fprintf(stderr, " at rip 0x%llx", regs.rip);
            fprintf(stderr, "\n");
            return 4;
        }
    }
    uint64_t elapsed = now_ns() - start;
    fprintf(stderr, "rawkvm: exits=%ld pio=%ld mmio=%ld run_loop_ns=%llu\n", pio + mmio, pio, mmio,
            (unsigned long long)elapsed);
    return status;
}
