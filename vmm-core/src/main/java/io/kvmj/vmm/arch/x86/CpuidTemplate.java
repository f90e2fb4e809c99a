package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the host's supported CPUID into what one vCPU of an N-vCPU guest sees: its own APIC id, a topology of
 * N single-thread cores in one package, and the hypervisor bit and KVM signature leaf.
 */
public final class CpuidTemplate {
    static final int LEAF_FEATURES = 0x1;
    static final int LEAF_CACHE = 0x4;
    static final int LEAF_TOPOLOGY = 0xb;
    static final int LEAF_TOPOLOGY_V2 = 0x1f;
    static final int LEAF_HYPERVISOR = 0x40000000;
    static final int ECX_HYPERVISOR = 1 << 31;
    static final int EDX_HTT = 1 << 28;
    private static final int TOPOLOGY_LEVEL_SMT = 1;
    private static final int TOPOLOGY_LEVEL_CORE = 2;

    private CpuidTemplate() {
    }

    /** As {@link #forVcpu(List, int, int)}, then applies {@code modifiers} (CPU template, host quirks) in order. */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int apicId, int vcpuCount,
                                           List<CpuidModifier> modifiers) {
        List<CpuidEntry> out = new ArrayList<>(forVcpu(supported, apicId, vcpuCount));
        for (CpuidModifier m : modifiers) {
            out.replaceAll(e -> m.appliesTo(e) ? m.applyTo(e) : e);
        }
        return List.copyOf(out);
    }

    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int apicId, int vcpuCount) {
        List<CpuidEntry> out = new ArrayList<>(supported.size() + 1);
        boolean hasHypervisorLeaf = false;
        for (CpuidEntry e : supported) {
            switch (e.function()) {
                case LEAF_FEATURES -> out.add(e.withRegisters(e.eax(),
                        (e.ebx() & 0x0000ffff) | (apicId << 24) | (Math.min(vcpuCount, 255) << 16),
                        e.ecx() | ECX_HYPERVISOR,
                        vcpuCount > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT));
                // EAX[31:26]: cores per package - 1
                case LEAF_CACHE -> out.add(e.withRegisters((e.eax() & 0x03ffffff) | (((vcpuCount - 1) & 0x3f) << 26),
                        e.ebx(), e.ecx(), e.edx()));
                case LEAF_TOPOLOGY, LEAF_TOPOLOGY_V2 -> out.add(topology(e, apicId, vcpuCount));
                case LEAF_HYPERVISOR -> {
                    hasHypervisorLeaf = true;
                    out.add(e);
                }
                default -> out.add(e);
            }
        }
        if (!hasHypervisorLeaf) {
            // "KVMKVMKVM\0\0\0": tells guests which paravirtual interfaces to look for
            out.add(new CpuidEntry(LEAF_HYPERVISOR, 0, 0, LEAF_HYPERVISOR + 1, 0x4b4d564b, 0x564b4d56, 0x4d));
        }
        return List.copyOf(out);
    }

    /** Leaf 0xB/0x1F subleaves: level 0 = threads (1 per core), level 1 = cores (all vCPUs), then none. */
    private static CpuidEntry topology(CpuidEntry e, int apicId, int vcpuCount) {
        return switch (e.index()) {
            case 0 -> e.withRegisters(0, 1, (TOPOLOGY_LEVEL_SMT << 8), apicId);
            case 1 -> e.withRegisters(bitsFor(vcpuCount), vcpuCount, (TOPOLOGY_LEVEL_CORE << 8) | 1, apicId);
            default -> e.withRegisters(0, 0, e.index(), apicId);
        };
    }

    /** Width of the APIC-id field that numbers {@code count} cores: ceil(log2(count)). */
    static int bitsFor(int count) {
        return count <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(count - 1);
    }
}
