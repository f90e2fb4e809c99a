package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.MsrEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SnapshotMsrsTest {
    private static final int EFER = 0xc0000080;
    private static final int KVM_SYSTEM_TIME_NEW = 0x4b564d01;
    private static final int PERF_FIXED_CTR0 = 0x309;
    private static final int PERFEVTSEL0 = 0x186;
    private static final int VMX_BASIC = 0x480;
    private static final int HV_GUEST_OS_ID = 0x40000000;
    private static final int PAT = 0x277;

    @Test
    void keepsGuestStateAndLeavesOutCountersVmxHyperVAndMcgCtl() {
        List<Integer> kvm = List.of(SnapshotMsrs.IA32_TSC, PERFEVTSEL0, EFER, SnapshotMsrs.IA32_MCG_CTL, 0x179,
                VMX_BASIC, KVM_SYSTEM_TIME_NEW, PERF_FIXED_CTR0, HV_GUEST_OS_ID, PAT, SnapshotMsrs.IA32_TSC_DEADLINE,
                0xc0000102, 0x4b564dff, 0x4b564e00);
        assertEquals(List.of(SnapshotMsrs.IA32_TSC, EFER, 0x179, KVM_SYSTEM_TIME_NEW, PAT,
                SnapshotMsrs.IA32_TSC_DEADLINE, 0xc0000102, 0x4b564dff), SnapshotMsrs.toSave(kvm));
    }

    @Test
    void theTscDeadlineGoesBackLastAfterTheTsc() {
        List<MsrEntry> saved = List.of(new MsrEntry(SnapshotMsrs.IA32_TSC_DEADLINE, 900),
                new MsrEntry(EFER, 0x500), new MsrEntry(SnapshotMsrs.IA32_TSC, 800));
        assertEquals(List.of(new MsrEntry(EFER, 0x500), new MsrEntry(SnapshotMsrs.IA32_TSC, 800),
                new MsrEntry(SnapshotMsrs.IA32_TSC_DEADLINE, 900)), SnapshotMsrs.restoreOrder(saved));
    }

    @Test
    void aZeroDeadlineBecomesTheTscSoTheTimerFiresAgain() {
        List<MsrEntry> saved = List.of(new MsrEntry(SnapshotMsrs.IA32_TSC, 12345),
                new MsrEntry(SnapshotMsrs.IA32_TSC_DEADLINE, 0));
        assertEquals(new MsrEntry(SnapshotMsrs.IA32_TSC_DEADLINE, 12345),
                SnapshotMsrs.restoreOrder(saved).getLast());
        assertEquals(List.of(new MsrEntry(EFER, 1)), SnapshotMsrs.restoreOrder(List.of(new MsrEntry(EFER, 1))));
    }
}
