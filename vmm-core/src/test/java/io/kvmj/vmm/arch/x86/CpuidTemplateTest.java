package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPUID a vCPU gets describes the guest's topology, not the host's: one package, {@code n / threads} cores,
 * threads = 2 with SMT, APIC id = vCPU index, the same for hosts of any size. Each expected value is worked out
 * here from the SDM's and APM's field definitions, and the ids are decoded the way Linux decodes them.
 */
class CpuidTemplateTest {
    private static final List<CpuidEntry> INTEL_SMALL = SyntheticHost.intel(4, 2, true);
    private static final List<CpuidEntry> INTEL_LARGE = SyntheticHost.intel(28, 2, true);
    private static final List<CpuidEntry> INTEL_NO_1F = SyntheticHost.intel(6, 1, false);
    private static final List<CpuidEntry> AMD_SMALL = SyntheticHost.amd(1, 1, false);
    private static final List<CpuidEntry> AMD_LARGE = SyntheticHost.amd(64, 2, false);
    private static final List<CpuidEntry> AMD_ZEN_WITH_B = SyntheticHost.amd(8, 2, true);

    static Stream<Arguments> topologies() {
        return IntStream.rangeClosed(1, 8).boxed().flatMap(n -> n == 1 || n % 2 == 0
                ? Stream.of(Arguments.of(n, false), Arguments.of(n, true))
                : Stream.of(Arguments.of(n, false)));
    }

    private static Optional<CpuidEntry> leaf(List<CpuidEntry> cpuid, int function, int index) {
        return cpuid.stream().filter(e -> e.function() == function && e.index() == index).findFirst();
    }

    private static CpuidEntry find(List<CpuidEntry> cpuid, int function, int index) {
        return leaf(cpuid, function, index).orElseThrow(() -> new AssertionError(
                String.format("no leaf 0x%x.%d", function, index)));
    }

    private static int bits(int register, int high, int low) {
        return (register >>> low) & ((1 << (high - low + 1)) - 1);
    }

    /** ceil(log2(n)), written independently of the code under test. */
    private static int log2Up(int n) {
        int b = 0;
        while ((1 << b) < n) {
            b++;
        }
        return b;
    }

    @ParameterizedTest(name = "{0} vCPUs, smt {1}")
    @MethodSource("topologies")
    void intelLeavesDescribeOnePackageWithTheGuestsCoresAndThreads(int n, boolean smt) {
        int threads = smt && n > 1 ? 2 : 1;
        int cores = n / threads;
        CpuTopology topology = CpuTopology.of(n, smt);
        for (int vcpu = 0; vcpu < n; vcpu++) {
            List<CpuidEntry> v = CpuidTemplate.forVcpu(INTEL_LARGE, topology, vcpu);
            String at = "vCPU " + vcpu + " of " + n + (smt ? " with SMT: " : ": ");
            CpuidEntry l1 = find(v, 1, 0);
            assertEquals(vcpu, bits(l1.ebx(), 31, 24), at + "leaf 1 initial APIC id");
            assertEquals(1 << log2Up(n), bits(l1.ebx(), 23, 16), at + "leaf 1 addressable ids per package");
            assertEquals(0x0800, l1.ebx() & 0xffff, at + "CLFLUSH size and brand kept");
            assertEquals(n > 1, (l1.edx() & (1 << 28)) != 0, at + "HTT");
            for (int i = 0; i < 4; i++) {
                CpuidEntry c = find(v, 4, i);
                int level = bits(c.eax(), 7, 5);
                assertEquals(cores - 1, bits(c.eax(), 31, 26), at + "leaf 4." + i + " cores per package - 1");
                assertEquals((level <= 2 ? threads : n) - 1, bits(c.eax(), 25, 14),
                        at + "leaf 4." + i + " (L" + level + ") logical processors sharing it - 1");
                assertEquals(find(INTEL_LARGE, 4, i).eax() & 0x3fff, c.eax() & 0x3fff, at + "cache type and level");
            }
            assertEquals(new CpuidEntry(4, 4, CpuidEntry.FLAG_SIGNIFICANT_INDEX, 0, 0, 0, 0), find(v, 4, 4),
                    "the subleaf past the last cache stays empty");
            for (int function : new int[] {0xb, 0x1f}) {
                assertExtendedTopology(v, function, vcpu, n, threads, at);
            }
        }
    }

    /** Leaf 0xB/0x1F: two levels, then the end; decoded as Linux's detect_extended_topology() does. */
    private static void assertExtendedTopology(List<CpuidEntry> v, int function, int vcpu, int n, int threads,
                                               String at) {
        String leaf = String.format("leaf 0x%x", function);
        int flags = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
        CpuidEntry smtLevel = find(v, function, 0);
        CpuidEntry coreLevel = find(v, function, 1);
        assertEquals(new CpuidEntry(function, 0, flags, log2Up(threads), threads, 0x100, vcpu), smtLevel, at + leaf);
        assertEquals(new CpuidEntry(function, 1, flags, log2Up(n), n, 0x201, vcpu), coreLevel, at + leaf);
        assertEquals(new CpuidEntry(function, 2, flags, 0, 0, 2, vcpu), find(v, function, 2), at + leaf);
        assertTrue(leaf(v, function, 3).isEmpty(), at + leaf + ": the host's die level is gone");
        int x2apicId = smtLevel.edx();
        int smtShift = bits(smtLevel.eax(), 4, 0);
        int coreShift = bits(coreLevel.eax(), 4, 0);
        assertEquals(0, x2apicId >>> coreShift, at + leaf + ": package id");
        assertEquals(vcpu / threads, (x2apicId >>> smtShift) & ((1 << (coreShift - smtShift)) - 1),
                at + leaf + ": core id");
        assertEquals(vcpu % threads, x2apicId & ((1 << smtShift) - 1), at + leaf + ": thread id");
        assertEquals(n / threads, coreLevel.ebx() / smtLevel.ebx(), at + leaf + ": cores (x86_max_cores)");
    }

    @ParameterizedTest(name = "{0} vCPUs, smt {1}")
    @MethodSource("topologies")
    void amdLeavesDescribeOnePackageWithTheGuestsCoresAndThreads(int n, boolean smt) {
        int threads = smt && n > 1 ? 2 : 1;
        CpuTopology topology = CpuTopology.of(n, smt);
        for (int vcpu = 0; vcpu < n; vcpu++) {
            List<CpuidEntry> v = CpuidTemplate.forVcpu(AMD_ZEN_WITH_B, topology, vcpu);
            String at = "vCPU " + vcpu + " of " + n + (smt ? " with SMT: " : ": ");
            CpuidEntry l1 = find(v, 1, 0);
            assertEquals(vcpu, bits(l1.ebx(), 31, 24), at + "leaf 1 initial APIC id");
            assertEquals(1 << log2Up(n), bits(l1.ebx(), 23, 16), at + "leaf 1 logical processor count");
            assertEquals(n > 1, (l1.edx() & (1 << 28)) != 0, at + "HTT");
            assertEquals(find(AMD_ZEN_WITH_B, 4, 0), find(v, 4, 0), at + "leaf 4 is reserved on AMD: untouched");

            CpuidEntry ext1 = find(v, 0x8000_0001, 0);
            assertEquals(n > 1, (ext1.ecx() & (1 << 1)) != 0, at + "CmpLegacy");
            assertNotEquals(0, ext1.ecx() & (1 << 22), at + "TopologyExtensions");

            CpuidEntry sizes = find(v, 0x8000_0008, 0);
            assertEquals(n - 1, bits(sizes.ecx(), 7, 0), at + "0x8000_0008 NC");
            int apicIdSize = bits(sizes.ecx(), 15, 12);
            assertEquals(log2Up(n), apicIdSize, at + "0x8000_0008 ApicIdSize");
            assertEquals(1, bits(sizes.ecx(), 17, 16), at + "PerfTscSize kept");
            assertEquals(find(AMD_ZEN_WITH_B, 0x8000_0008, 0).eax(), sizes.eax(), at + "address sizes kept");

            CpuidEntry extApic = find(v, 0x8000_001e, 0);
            assertEquals(vcpu, extApic.eax(), at + "0x8000_001E extended APIC id");
            assertEquals(vcpu / threads, bits(extApic.ebx(), 7, 0), at + "0x8000_001E core id");
            assertEquals(threads - 1, bits(extApic.ebx(), 15, 8), at + "0x8000_001E threads per core - 1");
            assertEquals(0, extApic.ecx(), at + "0x8000_001E node 0, one node per package");

            for (int i = 0; i < 4; i++) {
                CpuidEntry c = find(v, 0x8000_001d, i);
                int level = bits(c.eax(), 7, 5);
                assertEquals((level <= 2 ? threads : n) - 1, bits(c.eax(), 25, 14),
                        at + "0x8000_001D." + i + " (L" + level + ") logical processors sharing it - 1");
                assertEquals(find(AMD_ZEN_WITH_B, 0x8000_001d, i).eax() & ~(0xfff << 14), c.eax() & ~(0xfff << 14));
            }

            // Linux 6.1: amd_detect_cmp() (package = APIC id >> ApicIdSize), then amd_get_topology()
            int initialApicId = bits(l1.ebx(), 31, 24);
            assertEquals(0, initialApicId >>> apicIdSize, at + "package id");
            assertEquals(n / threads, (bits(sizes.ecx(), 7, 0) + 1) / (bits(extApic.ebx(), 15, 8) + 1),
                    at + "cores (x86_max_cores / smp_num_siblings)");
            assertExtendedTopology(v, 0xb, vcpu, n, threads, at);
        }
    }

    @ParameterizedTest(name = "{0} vCPUs, smt {1}")
    @MethodSource("topologies")
    void hostsOfOneVendorButOtherSizesGiveTheSameGuestCpuid(int n, boolean smt) {
        CpuTopology topology = CpuTopology.of(n, smt);
        for (int vcpu = 0; vcpu < n; vcpu++) {
            assertEquals(topologyLeaves(CpuidTemplate.forVcpu(INTEL_SMALL, topology, vcpu)),
                    topologyLeaves(CpuidTemplate.forVcpu(INTEL_LARGE, topology, vcpu)), "Intel, vCPU " + vcpu);
            assertEquals(topologyLeaves(CpuidTemplate.forVcpu(AMD_SMALL, topology, vcpu)),
                    topologyLeaves(CpuidTemplate.forVcpu(AMD_LARGE, topology, vcpu)), "AMD, vCPU " + vcpu);
        }
    }

    /** The topology fields of every leaf that has some (other fields differ between the synthetic hosts). */
    private static List<String> topologyLeaves(List<CpuidEntry> cpuid) {
        return cpuid.stream().map(e -> switch (e.function()) {
            case 1 -> "1: ebx " + Integer.toHexString(e.ebx() >>> 16) + " htt " + (e.edx() >>> 28 & 1);
            case 4, 0x8000_001d -> Integer.toHexString(e.function()) + "." + e.index() + ": eax "
                    + Integer.toHexString(e.eax() >>> 14);
            case 0xb, 0x1f, 0x8000_001e -> e.toString();
            case 0x8000_0001 -> "80000001: ecx " + Integer.toHexString(e.ecx() & ((1 << 22) | (1 << 1)));
            case 0x8000_0008 -> "80000008: ecx " + Integer.toHexString(e.ecx() & 0xf0ff);
            default -> "";
        }).filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void amdHostWithoutLeafBStillAgreesThroughTheAmdLeaves() {
        CpuTopology topology = CpuTopology.of(6, true);
        List<CpuidEntry> v = CpuidTemplate.forVcpu(AMD_SMALL, topology, 5);
        assertTrue(leaf(v, 0xb, 0).isEmpty(), "no leaf 0xB is made up (leaf 0 EAX stays below it)");
        assertEquals(0xd, find(v, 0, 0).eax());
        assertEquals(new CpuidEntry(0x8000_001e, 0, 0, 5, 0x0102, 0, 0), find(v, 0x8000_001e, 0));
        assertEquals(0x3005, find(v, 0x8000_0008, 0).ecx() & 0xf0ff, "NC 5, ApicIdSize 3");
    }

    @Test
    void amdHostWithoutLeaf8000001eGetsNoTopologyExtensions() {
        List<CpuidEntry> host = AMD_SMALL.stream().filter(e -> e.function() != 0x8000_001e).toList();
        CpuidEntry ext1 = find(CpuidTemplate.forVcpu(host, CpuTopology.of(2, false), 0), 0x8000_0001, 0);
        assertEquals(0, ext1.ecx() & (1 << 22), "Linux would read 0x8000_001E, which the guest does not have");
        assertNotEquals(0, ext1.ecx() & (1 << 1), "CmpLegacy");
    }

    @Test
    void intelHostWithoutLeaf1fGetsNoneAndAmdLeavesStayAsTheHostHasThem() {
        List<CpuidEntry> v = CpuidTemplate.forVcpu(INTEL_NO_1F, CpuTopology.of(4, true), 3);
        assertTrue(leaf(v, 0x1f, 0).isEmpty());
        assertEquals(find(INTEL_NO_1F, 0x8000_0008, 0), find(v, 0x8000_0008, 0), "reserved ECX on Intel");
        assertEquals(find(INTEL_NO_1F, 0x8000_0001, 0), find(v, 0x8000_0001, 0));
        assertExtendedTopology(v, 0xb, 3, 4, 2, "");
    }

    @Test
    void hypervisorBitIsSet() {
        assertNotEquals(0, find(CpuidTemplate.forVcpu(INTEL_SMALL, CpuTopology.of(1, false), 0), 1, 0).ecx()
                & CpuidTemplate.ECX_HYPERVISOR);
    }

    @Test
    void addsTheKvmSignatureLeafWhenMissing() {
        CpuidEntry sig = find(CpuidTemplate.forVcpu(INTEL_SMALL, CpuTopology.of(1, false), 0),
                CpuidTemplate.LEAF_HYPERVISOR, 0);
        byte[] name = new byte[12];
        int[] regs = {sig.ebx(), sig.ecx(), sig.edx()};
        for (int i = 0; i < 12; i++) {
            name[i] = (byte) (regs[i / 4] >>> (8 * (i % 4)));
        }
        assertEquals("KVMKVMKVM\0\0\0", new String(name));
    }
}
