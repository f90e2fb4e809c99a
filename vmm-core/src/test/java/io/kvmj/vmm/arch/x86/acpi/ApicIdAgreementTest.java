package io.kvmj.vmm.arch.x86.acpi;

import io.kvmj.kvm.CpuidEntry;
import io.kvmj.vmm.arch.x86.CpuTopology;
import io.kvmj.vmm.arch.x86.CpuidTemplate;
import io.kvmj.vmm.arch.x86.SyntheticHost;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.kvmj.vmm.arch.x86.acpi.AcpiTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Linux matches the processors the MADT (or MP table) lists with the CPUs that come up by APIC id: every vCPU's
 * CPUID must report the id the tables give it, on hosts of both vendors, with and without SMT.
 */
class ApicIdAgreementTest {
    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void madtAndMpTableListTheApicIdsCpuidReports(int n) {
        List<Integer> madt = madtApicIds(Madt.build(n));
        List<Integer> mpTable = mpTableApicIds(MpTable.configurationTable(n));
        assertEquals(madt, mpTable);
        for (boolean smt : n == 1 || n % 2 == 0 ? new boolean[] {false, true} : new boolean[] {false}) {
            CpuTopology topology = CpuTopology.of(n, smt);
            for (List<CpuidEntry> host : List.of(SyntheticHost.intel(8, 2, true), SyntheticHost.amd(16, 2, true))) {
                List<Integer> cpuid = new ArrayList<>();
                for (int vcpu = 0; vcpu < n; vcpu++) {
                    List<CpuidEntry> v = CpuidTemplate.forVcpu(host, topology, vcpu);
                    int initial = find(v, 1, 0).ebx() >>> 24;
                    int x2apic = find(v, 0xb, 0).edx();
                    assertEquals(initial, x2apic, "vCPU " + vcpu + ": leaf 1 and leaf 0xB");
                    v.stream().filter(e -> e.function() == 0x8000_001e).findFirst()
                            .ifPresent(e -> assertEquals(initial, e.eax(), "leaf 0x8000_001E"));
                    cpuid.add(initial);
                }
                assertEquals(madt, cpuid, "smt " + smt);
            }
        }
    }

    private static CpuidEntry find(List<CpuidEntry> cpuid, int function, int index) {
        return cpuid.stream().filter(e -> e.function() == function && e.index() == index).findFirst().orElseThrow();
    }

    private static List<Integer> madtApicIds(byte[] madt) {
        List<Integer> ids = new ArrayList<>();
        for (int at = Madt.HEADER_SIZE; at < madt.length; at += u8(madt, at + 1)) {
            if (u8(madt, at) == Madt.TYPE_LOCAL_APIC) {
                ids.add(u8(madt, at + 3));
            }
        }
        return ids;
    }

    private static List<Integer> mpTableApicIds(byte[] table) {
        List<Integer> ids = new ArrayList<>();
        for (int at = MpTable.TABLE_HEADER_LENGTH; at < table.length; ) {
            boolean processor = table[at] == MpTable.ENTRY_PROCESSOR;
            if (processor) {
                ids.add(u8(table, at + 1));
            }
            at += processor ? MpTable.PROCESSOR_ENTRY_LENGTH : MpTable.OTHER_ENTRY_LENGTH;
        }
        return ids;
    }
}
