// Minimal C VMM for bench/exit-cost.sh: one VM, one 64 KiB memory slot, one vCPU in 16-bit real mode
// running "out dx,al" N times (32-bit counter in ecx), then hlt. Counts KVM_EXIT_IO exits around KVM_RUN
// and prints "exits=<n> ns=<total> ns_per_exit=<x>". Usage: rawkvm [N] (default 100000).
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE 0x10000
#define CODE_ADDR 0x1000
#define PORT 0x3e0

static void die(const char *what) {
    fprintf(stderr, "rawkvm: %s: %s\n", what, strerror(errno));
    exit(2);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 0) : 100000;
    if (n < 1 || n > 0x7fffffffL) {
        fprintf(stderr, "rawkvm: N must be 1..2^31-1\n");
        return 2;
    }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("open /dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) die("KVM_GET_API_VERSION");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");

    uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) die("mmap guest memory");
    uint32_t count = (uint32_t)n;
    const uint8_t code[] = {
        0xba, PORT & 0xff, PORT >> 8,                                           // mov dx, PORT
        0x66, 0xb9, count, count >> 8, count >> 16, count >> 24,               // mov ecx, N
        0xee,                                                                   // loop: out dx, al
        0x66, 0x49,                                                             // dec ecx
        0x75, 0xfb,                                                             // jnz loop
        0xf4,                                                                   // hlt
    };
    memcpy(mem + CODE_ADDR, code, sizeof code);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE, .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) die("KVM_SET_USER_MEMORY_REGION");

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run)) die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) die("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) die("KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = CODE_ADDR, .rflags = 0x2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("KVM_SET_REGS");

    long exits = 0;
    uint64_t start = now_ns();
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT &&
            run->io.direction == KVM_EXIT_IO_OUT) {
            exits++;
            continue;
        }
        if (run->exit_reason == KVM_EXIT_HLT) break;
        fprintf(stderr, "rawkvm: unexpected exit reason %u after %ld exits", run->exit_reason, exits);
        if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
            fprintf(stderr, " (internal error, suberror %u)", run->internal.suberror);
        if (run->exit_reason == KVM_EXIT_IO) fprintf(stderr, " (io port 0x%x)", run->io.port);
        fprintf(stderr, "\n");
        return 3;
    }
    uint64_t elapsed = now_ns() - start;
    if (exits != n) {
        fprintf(stderr, "rawkvm: expected %ld exits, saw %ld\n", n, exits);
        return 3;
    }
    printf("exits=%ld ns=%llu ns_per_exit=%.1f\n", exits, (unsigned long long)elapsed, (double)elapsed / exits);
    return 0;
}
