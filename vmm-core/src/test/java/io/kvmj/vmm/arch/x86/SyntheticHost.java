package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * KVM_GET_SUPPORTED_CPUID as hosts of either vendor and of different sizes would report it, with their topology
 * leaves describing the host's own package: what kvmj must not let through to a guest.
 */
public final class SyntheticHost {
    private static final int INDEXED = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
    /** "GenuineIntel" and "AuthenticAMD" as EBX, EDX, ECX of leaf 0. */
    private static final int[] INTEL = {0x756e6547, 0x49656e69, 0x6c65746e};
    private static final int[] AMD = {0x68747541, 0x69746e65, 0x444d4163};

    private SyntheticHost() {
    }

    /**
     * An Intel host package of {@code cores} cores with {@code threads} threads each, with leaf 0x1F (and a die
     * level in it) when {@code withLeaf1f}.
     */
    public static List<CpuidEntry> intel(int cores, int threads, boolean withLeaf1f) {
        int logical = cores * threads;
        int smtShift = CpuTopology.bitsFor(threads);
        int coreShift = smtShift + CpuTopology.bitsFor(cores);
        int apicId = logical - 1; // the VMM thread happened to ask on the last logical processor
        List<CpuidEntry> l = new ArrayList<>();
        l.add(new CpuidEntry(0, 0, 0, withLeaf1f ? 0x1f : 0x16, INTEL[0], INTEL[2], INTEL[1]));
        l.add(new CpuidEntry(1, 0, 0, 0x906ea, (apicId << 24) | (Math.min(1 << coreShift, 255) << 16) | 0x0800,
                0x7ffafbff, 0xbfebfbff));
        int coresField = (cores - 1) << 26;
        l.add(new CpuidEntry(4, 0, INDEXED, coresField | ((threads - 1) << 14) | (1 << 5) | 1, 0x01c0003f, 0x3f, 0));
        l.add(new CpuidEntry(4, 1, INDEXED, coresField | ((threads - 1) << 14) | (1 << 5) | 2, 0x01c0003f, 0x3f, 0));
        l.add(new CpuidEntry(4, 2, INDEXED, coresField | ((threads - 1) << 14) | (2 << 5) | 3, 0x00c0003f, 0x3ff, 0));
        l.add(new CpuidEntry(4, 3, INDEXED, coresField | ((logical - 1) << 14) | (3 << 5) | 3, 0x03c0003f, 0x2fff, 6));
        l.add(new CpuidEntry(4, 4, INDEXED, 0, 0, 0, 0));
        l.add(new CpuidEntry(0xb, 0, INDEXED, smtShift, threads, 0x100, apicId));
        l.add(new CpuidEntry(0xb, 1, INDEXED, coreShift, logical, 0x201, apicId));
        l.add(new CpuidEntry(0xb, 2, INDEXED, 0, 0, 2, apicId));
        if (withLeaf1f) {
            l.add(new CpuidEntry(0x1f, 0, INDEXED, smtShift, threads, 0x100, apicId));
            l.add(new CpuidEntry(0x1f, 1, INDEXED, coreShift, logical, 0x201, apicId));
            l.add(new CpuidEntry(0x1f, 2, INDEXED, coreShift + 1, logical * 2, 0x502, apicId)); // a die level
            l.add(new CpuidEntry(0x1f, 3, INDEXED, 0, 0, 3, apicId));
        }
        l.add(new CpuidEntry(0x8000_0000, 0, 0, 0x8000_0008, 0, 0, 0));
        l.add(new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0x121, 0x2c100800));
        l.add(new CpuidEntry(0x8000_0008, 0, 0, 0x3027, 0, 0, 0));
        return List.copyOf(l);
    }

    /**
     * An AMD (family 17h) host package of {@code cores} cores with {@code threads} threads each, with leaf 0xB
     * when {@code withLeafB} (Zen hosts have it; QEMU's EPYC models stop at leaf 0xD).
     */
    public static List<CpuidEntry> amd(int cores, int threads, boolean withLeafB) {
        int logical = cores * threads;
        int smtShift = CpuTopology.bitsFor(threads);
        int coreShift = smtShift + CpuTopology.bitsFor(cores);
        int apicId = logical - 1;
        List<CpuidEntry> l = new ArrayList<>();
        l.add(new CpuidEntry(0, 0, 0, withLeafB ? 0x10 : 0xd, AMD[0], AMD[2], AMD[1]));
        l.add(new CpuidEntry(1, 0, 0, 0x830f10, (apicId << 24) | (logical << 16) | 0x0800, 0x7ed8320b,
                logical > 1 ? 0x178bfbff : 0x078bfbff));
        l.add(new CpuidEntry(4, 0, INDEXED, 0, 0, 0, 0)); // reserved on AMD
        if (withLeafB) {
            l.add(new CpuidEntry(0xb, 0, INDEXED, smtShift, threads, 0x100, apicId));
            l.add(new CpuidEntry(0xb, 1, INDEXED, coreShift, logical, 0x201, apicId));
            l.add(new CpuidEntry(0xb, 2, INDEXED, 0, 0, 2, apicId));
        }
        l.add(new CpuidEntry(0x8000_0000, 0, 0, 0x8000_001f, AMD[0], AMD[2], AMD[1]));
        int cmpLegacy = logical > 1 ? CpuidTopology.ECX_CMP_LEGACY : 0;
        l.add(new CpuidEntry(0x8000_0001, 0, 0, 0x830f10, 0x40000000,
                0x75c237fd & ~CpuidTopology.ECX_CMP_LEGACY | cmpLegacy, 0x2fd3fbff));
        // PerfTscSize (ECX[17:16]) is not topology and must survive
        l.add(new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0x1007, (1 << 16) | (coreShift << 12) | (logical - 1), 0));
        l.add(new CpuidEntry(0x8000_001d, 0, INDEXED, ((threads - 1) << 14) | 0x100 | (1 << 5) | 1, 0x01c0003f, 0x3f, 0));
        l.add(new CpuidEntry(0x8000_001d, 1, INDEXED, ((threads - 1) << 14) | 0x100 | (1 << 5) | 2, 0x01c0003f, 0x3f, 0));
        l.add(new CpuidEntry(0x8000_001d, 2, INDEXED, ((threads - 1) << 14) | 0x100 | (2 << 5) | 3, 0x01c0003f, 0x3ff, 2));
        l.add(new CpuidEntry(0x8000_001d, 3, INDEXED, ((Math.min(logical, 8) - 1) << 14) | 0x100 | (3 << 5) | 3,
                0x03c0003f, 0x3fff, 1));
        l.add(new CpuidEntry(0x8000_001d, 4, INDEXED, 0, 0, 0, 0));
        l.add(new CpuidEntry(0x8000_001e, 0, 0, apicId, ((threads - 1) << 8) | (apicId >> smtShift), 0x0100, 0));
        return List.copyOf(l);
    }
}
