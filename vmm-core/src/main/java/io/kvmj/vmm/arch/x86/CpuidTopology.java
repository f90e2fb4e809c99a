package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rewrites every CPUID leaf that tells a guest its CPU topology so that all of them, and the APIC ids in the MADT
 * and MP table, describe one {@link CpuTopology}, whatever the host's own core and thread counts are. The values
 * are Firecracker's (its cpuid normalisation), checked against Linux's readers ({@code arch/x86/kernel/cpu}):
 * <ul>
 * <li>leaf 1 EBX[31:24] initial APIC id, EBX[23:16] addressable logical processor ids per package (a power of
 * two), EDX[28] HTT when the package has more than one logical processor (Intel SDM vol. 2A, CPUID);</li>
 * <li>leaf 4, each cache (type not 0): EAX[31:26] cores per package - 1, EAX[25:14] logical processors sharing
 * the cache - 1: one core's threads for level 1 and 2 caches, the whole package above;</li>
 * <li>leaves 0xB and 0x1F (where the host has them): subleaf 0 the SMT level (shift {@link CpuTopology#smtBits},
 * threads per core), subleaf 1 the core level (shift {@link CpuTopology#packageShift}, all vCPUs), subleaf 2
 * invalid, which ends the list; EDX the x2APIC id in each;</li>
 * <li>AMD (APM vol. 3, appendix E): 0x8000_0001 ECX[1] CmpLegacy when there is more than one logical processor
 * and ECX[22] TopologyExtensions when the host has leaf 0x8000_001E; 0x8000_0008 ECX[7:0] NC (logical
 * processors - 1) and ECX[15:12] ApicIdSize ({@link CpuTopology#packageShift}); 0x8000_001D as leaf 4's
 * EAX[25:14]; 0x8000_001E EAX the extended APIC id, EBX[7:0] core id and EBX[15:8] threads per core - 1, ECX 0
 * (node 0 of one node per package).</li>
 * </ul>
 * Linux 6.1 on AMD takes the package id as APIC id &gt;&gt; ApicIdSize (NC's bit count when 0), the core id and
 * threads per core from 0x8000_001E when TopologyExtensions is set, and lets leaf 0xB override all three where it
 * exists; on Intel it uses leaf 0x1F or 0xB. Leaves passed through unchanged would describe the host's package,
 * and a guest's view would then depend on the host.
 */
final class CpuidTopology {
    static final int LEAF_FEATURES = 0x1;
    static final int LEAF_CACHE = 0x4;
    static final int LEAF_TOPOLOGY = 0xb;
    static final int LEAF_TOPOLOGY_V2 = 0x1f;
    static final int LEAF_AMD_FEATURES = 0x8000_0001;
    static final int LEAF_AMD_SIZES = 0x8000_0008;
    static final int LEAF_AMD_CACHE = 0x8000_001d;
    static final int LEAF_AMD_EXTENDED_APIC_ID = 0x8000_001e;

    static final int EDX_HTT = 1 << 28;
    static final int ECX_CMP_LEGACY = 1 << 1;
    static final int ECX_TOPOLOGY_EXTENSIONS = 1 << 22;
    static final int LEVEL_TYPE_SMT = 1;
    static final int LEVEL_TYPE_CORE = 2;
    /** Leaf 4 / 0x8000_001D EAX[4:0]: 0 means no more caches. */
    private static final int CACHE_TYPE_MASK = 0x1f;
    /** Caches at this level and below belong to one core, above it to the package (Firecracker's choice). */
    private static final int LAST_PER_CORE_CACHE_LEVEL = 2;

    private CpuidTopology() {
    }

    /** {@code supported} with its topology leaves set for vCPU {@code vcpu} of {@code topology}, in the same order. */
    static List<CpuidEntry> apply(List<CpuidEntry> supported, CpuTopology topology, int vcpu) {
        boolean amd = CpuVendor.of(supported) == CpuVendor.AMD;
        boolean extendedApicIdLeaf = supported.stream().anyMatch(e -> e.function() == LEAF_AMD_EXTENDED_APIC_ID);
        int apicId = topology.apicId(vcpu);
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        Set<Integer> topologyLeavesWritten = new HashSet<>();
        for (CpuidEntry e : supported) {
            switch (e.function()) {
                case LEAF_FEATURES -> out.add(e.withRegisters(e.eax(),
                        (e.ebx() & 0x0000_ffff) | ((apicId & 0xff) << 24)
                                | (saturate(1 << topology.packageShift(), 8) << 16),
                        e.ecx(),
                        flag(e.edx(), EDX_HTT, topology.vcpuCount() > 1)));
                case LEAF_CACHE -> out.add(cache(e, topology, true));
                case LEAF_TOPOLOGY, LEAF_TOPOLOGY_V2 -> {
                    // the host's subleaves (its own levels, e.g. a die level) are replaced as a whole
                    if (topologyLeavesWritten.add(e.function())) {
                        out.addAll(extendedTopology(e.function(), topology, apicId));
                    }
                }
                case LEAF_AMD_FEATURES -> out.add(!amd ? e : e.withRegisters(e.eax(), e.ebx(),
                        flag(flag(e.ecx(), ECX_CMP_LEGACY, topology.vcpuCount() > 1),
                                ECX_TOPOLOGY_EXTENSIONS, extendedApicIdLeaf),
                        e.edx()));
                case LEAF_AMD_SIZES -> out.add(!amd ? e : e.withRegisters(e.eax(), e.ebx(),
                        (e.ecx() & ~0xf0ff) | (saturate(topology.packageShift(), 4) << 12)
                                | saturate(topology.vcpuCount() - 1, 8),
                        e.edx()));
                case LEAF_AMD_CACHE -> out.add(!amd ? e : cache(e, topology, false));
                case LEAF_AMD_EXTENDED_APIC_ID -> out.add(!amd ? e : e.withRegisters(apicId,
                        ((topology.threadsPerCore() - 1) << 8) | saturate(topology.coreId(vcpu), 8), 0, 0));
                default -> out.add(e);
            }
        }
        return out;
    }

    /**
     * A deterministic cache parameters subleaf (leaf 4, or AMD's 0x8000_001D with the same EAX[25:14]); subleaves
     * past the last cache are left as they are. {@code coresField}: set leaf 4's EAX[31:26] too.
     */
    private static CpuidEntry cache(CpuidEntry e, CpuTopology topology, boolean coresField) {
        if ((e.eax() & CACHE_TYPE_MASK) == 0) {
            return e;
        }
        int level = (e.eax() >>> 5) & 0x7;
        int sharing = level <= LAST_PER_CORE_CACHE_LEVEL ? topology.threadsPerCore() : topology.vcpuCount();
        int eax = (e.eax() & ~(0xfff << 14)) | (saturate(sharing - 1, 12) << 14);
        if (coresField) {
            eax = (eax & 0x03ff_ffff) | (saturate(topology.cores() - 1, 6) << 26);
        }
        return e.withRegisters(eax, e.ebx(), e.ecx(), e.edx());
    }

    /** Leaf 0xB or 0x1F: SMT level, core level, then the invalid subleaf that ends the enumeration. */
    private static List<CpuidEntry> extendedTopology(int leaf, CpuTopology topology, int apicId) {
        int flags = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
        return List.of(
                new CpuidEntry(leaf, 0, flags, topology.smtBits(), topology.threadsPerCore(),
                        LEVEL_TYPE_SMT << 8, apicId),
                new CpuidEntry(leaf, 1, flags, topology.packageShift(), topology.vcpuCount(),
                        (LEVEL_TYPE_CORE << 8) | 1, apicId),
                new CpuidEntry(leaf, 2, flags, 0, 0, 2, apicId));
    }

    private static int flag(int register, int bit, boolean set) {
        return set ? register | bit : register & ~bit;
    }

    /** {@code value}, or the largest a {@code bits}-bit field holds when it does not fit (many vCPUs). */
    private static int saturate(int value, int bits) {
        return Math.min(value, (1 << bits) - 1);
    }
}
