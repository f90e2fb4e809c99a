package io.kvmj.vmm.arch.x86;

import io.kvmj.vmm.arch.x86.acpi.ApicLayout;

/**
 * How a guest's vCPUs are arranged, the way Firecracker arranges them: one package (socket) with one die, made
 * of {@code vcpuCount / threadsPerCore} cores of {@code threadsPerCore} threads each: 2 with SMT, else 1 (a
 * single vCPU is one single-thread core either way).
 *
 * <p>vCPU {@code i} is thread {@code i % threadsPerCore} of core {@code i / threadsPerCore}, and its APIC id is
 * {@link ApicLayout#apicId(int) i}. Read as an x2APIC topology id (Intel SDM vol. 3A 10.12.8.1, AMD APM vol. 3
 * appendix E.5), that id splits into {@link #smtBits()} bits of thread and, above them, the core: because
 * {@code threadsPerCore} is 1 or 2, {@code i == core << smtBits | thread}, and every id is below
 * {@code 1 << packageShift()}, so the package id (the bits above) is 0 for all vCPUs.
 *
 * @param vcpuCount      1 or more
 * @param threadsPerCore 1, or 2 with SMT (then {@code vcpuCount} is even)
 */
public record CpuTopology(int vcpuCount, int threadsPerCore) {
    public CpuTopology {
        if (vcpuCount < 1) {
            throw new IllegalArgumentException("at least one vCPU is needed, got " + vcpuCount);
        }
        if (threadsPerCore != 1 && threadsPerCore != 2) {
            throw new IllegalArgumentException("1 or 2 threads per core, not " + threadsPerCore);
        }
        if (vcpuCount % threadsPerCore != 0) {
            throw new IllegalArgumentException("with SMT the vCPU count must be 1 or even (two threads per core),"
                    + " not " + vcpuCount);
        }
    }

    /**
     * Firecracker's rule: SMT gives two threads per core, except for a single vCPU.
     *
     * @throws IllegalArgumentException when {@code smt} is set and {@code vcpuCount} is odd and above 1, or
     *                                  {@code vcpuCount} is below 1
     */
    public static CpuTopology of(int vcpuCount, boolean smt) {
        return new CpuTopology(vcpuCount, smt && vcpuCount > 1 ? 2 : 1);
    }

    public int cores() {
        return vcpuCount / threadsPerCore;
    }

    /** The core vCPU {@code vcpu} belongs to, 0 to {@link #cores()} - 1. */
    public int coreId(int vcpu) {
        return vcpu / threadsPerCore;
    }

    /** The APIC id of vCPU {@code vcpu}; see {@link ApicLayout#apicId(int)}. */
    public int apicId(int vcpu) {
        return ApicLayout.apicId(vcpu);
    }

    /** APIC-id bits that number the threads of a core: 0 or 1 (the SMT level's shift in CPUID leaf 0xB). */
    public int smtBits() {
        return bitsFor(threadsPerCore);
    }

    /** APIC-id bits below the package id: thread and core bits (the core level's shift in CPUID leaf 0xB). */
    public int packageShift() {
        return smtBits() + bitsFor(cores());
    }

    /** Width of a field that numbers {@code count} things: ceil(log2(count)). */
    static int bitsFor(int count) {
        return count <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(count - 1);
    }
}
