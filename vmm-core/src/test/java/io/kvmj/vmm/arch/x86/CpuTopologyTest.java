package io.kvmj.vmm.arch.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuTopologyTest {
    @Test
    void smtMeansTwoThreadsPerCoreExceptForOneVcpu() {
        assertEquals(new CpuTopology(6, 2), CpuTopology.of(6, true));
        assertEquals(3, CpuTopology.of(6, true).cores());
        assertEquals(new CpuTopology(1, 1), CpuTopology.of(1, true));
        assertEquals(new CpuTopology(5, 1), CpuTopology.of(5, false));
    }

    @Test
    void oddCountWithSmtIsRefusedInOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuTopology.of(3, true));
        assertEquals("with SMT the vCPU count must be 1 or even (two threads per core), not 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuTopology.of(0, false));
    }

    @Test
    void apicIdsSplitIntoThreadAndCoreBelowThePackageShift() {
        CpuTopology t = CpuTopology.of(6, true);
        assertEquals(1, t.smtBits());
        assertEquals(3, t.packageShift(), "1 thread bit + 2 bits for 3 cores");
        for (int vcpu = 0; vcpu < 6; vcpu++) {
            assertEquals(vcpu, t.apicId(vcpu));
            assertEquals(t.coreId(vcpu), t.apicId(vcpu) >> t.smtBits());
        }
        assertEquals(0, CpuTopology.of(1, false).packageShift());
        assertEquals(2, CpuTopology.of(3, false).packageShift());
        assertEquals(5, CpuTopology.of(32, false).packageShift());
    }
}
