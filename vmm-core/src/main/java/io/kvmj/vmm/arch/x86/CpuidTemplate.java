package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the host's supported CPUID into what one vCPU of a guest sees: the guest's {@link CpuTopology} in every
 * topology leaf ({@link CpuidTopology}), and the hypervisor bit and KVM signature leaf.
 */
public final class CpuidTemplate {
    static final int LEAF_HYPERVISOR = 0x40000000;
    static final int ECX_HYPERVISOR = 1 << 31;

    private CpuidTemplate() {
    }

    /** As {@link #forVcpu(List, CpuTopology, int)}, then applies {@code modifiers} (CPU template, host quirks) in order. */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, CpuTopology topology, int vcpu,
                                           List<CpuidModifier> modifiers) {
        List<CpuidEntry> out = new ArrayList<>(forVcpu(supported, topology, vcpu));
        for (CpuidModifier m : modifiers) {
            out.replaceAll(e -> m.appliesTo(e) ? m.applyTo(e) : e);
        }
        return List.copyOf(out);
    }

    /**
     * The CPUID of vCPU {@code vcpu} (0 to {@code topology.vcpuCount() - 1}) from KVM_GET_SUPPORTED_CPUID's
     * {@code supported}.
     */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, CpuTopology topology, int vcpu) {
        List<CpuidEntry> out = new ArrayList<>(supported.size() + 1);
        boolean hasHypervisorLeaf = false;
        for (CpuidEntry e : CpuidTopology.apply(supported, topology, vcpu)) {
            switch (e.function()) {
                case CpuidTopology.LEAF_FEATURES -> out.add(e.withRegisters(e.eax(), e.ebx(), e.ecx() | ECX_HYPERVISOR,
                        e.edx()));
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
}
