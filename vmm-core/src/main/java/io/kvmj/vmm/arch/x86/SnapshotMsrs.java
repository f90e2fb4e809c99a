package io.kvmj.vmm.arch.x86;

import io.kvmj.kvm.MsrEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Which MSRs a snapshot keeps, and in what order they go back. KVM lists every MSR it lets a VMM read and write
 * (KVM_GET_MSR_INDEX_LIST); a snapshot keeps those that hold guest state a restore must put back: the
 * architectural ones (TSC, APIC base, SYSENTER/SYSCALL, EFER and the segment bases, MTRRs and PAT, machine-check
 * banks, the x2APIC registers, XSS), the model-specific ones KVM emulates for Intel and AMD guests, and KVM's own
 * paravirtual MSRs (kvmclock, async page faults, steal time, PV EOI). It leaves out what is no guest state or
 * what KVM refuses to set back: performance counters, VMX capability MSRs, Hyper-V's, and IA32_MCG_CTL (KVM
 * rejects writing it when the guest's MCG_CAP lacks MCG_CTL_P). Firecracker's selection (arch/x86_64/msr.rs),
 * which picks from the same list the same way.
 */
public final class SnapshotMsrs {
    static final int IA32_TSC = 0x10;
    static final int IA32_MCG_CTL = 0x17b;
    static final int IA32_TSC_DEADLINE = 0x6e0;

    /** {@code count} MSRs from {@code first}. */
    private record Range(int first, int count) {
        boolean contains(int index) {
            return Integer.compareUnsigned(index - first, count) < 0;
        }
    }

    private static final List<Range> KEPT = List.of(
            // Machine check address and type, time stamp counter, platform id, APIC base.
            new Range(0x0, 2), new Range(IA32_TSC, 1), new Range(0x17, 1), new Range(0x1b, 1),
            // Power-on configuration, bus frequency, SMI count, feature control, TSC adjust.
            new Range(0x2a, 1), new Range(0x2c, 1), new Range(0x34, 1), new Range(0x3a, 2),
            // Speculation control and prediction command, microcode update and revision, SMBASE.
            new Range(0x48, 2), new Range(0x79, 1), new Range(0x8b, 1), new Range(0x9e, 1),
            // FSB frequency, platform info, C-state configuration, MPERF and APERF, MTRR capabilities.
            new Range(0xcd, 2), new Range(0xe2, 1), new Range(0xe7, 2), new Range(0xfe, 1),
            // L2 control, TSX control, misc features enables.
            new Range(0x11e, 1), new Range(0x122, 1), new Range(0x140, 1),
            // SYSENTER CS/ESP/EIP, machine-check capabilities and status (not MCG_CTL at 0x17b).
            new Range(0x174, 3), new Range(0x179, 2),
            // Performance status, misc enable, misc feature control, power management, turbo ratio limits.
            new Range(0x198, 1), new Range(0x1a0, 1), new Range(0x1a4, 1), new Range(0x1aa, 1), new Range(0x1ad, 2),
            // Debug control and last-branch records, power control.
            new Range(0x1d9, 1), new Range(0x1db, 4), new Range(0x1fc, 1),
            // MTRR bases and masks, fixed-range MTRRs, PAT, default MTRR type.
            new Range(0x200, 0x100),
            // Core C-state residency, machine-check banks (MCi_CTL/STATUS/ADDR/MISC).
            new Range(0x3fc, 3), new Range(0x400, 0x80),
            // RAPL power units, package C-state limits, package and DRAM power and energy, TDP configuration.
            new Range(0x606, 1), new Range(0x60a, 3), new Range(0x610, 2), new Range(0x613, 2),
            new Range(0x618, 2), new Range(0x61b, 2), new Range(0x648, 5),
            // TSC deadline, the x2APIC registers, XSS.
            new Range(IA32_TSC_DEADLINE, 1), new Range(0x800, 0x400), new Range(0xda0, 1),
            // EFER, STAR, LSTAR, CSTAR, SFMASK; FS, GS and kernel GS bases, TSC_AUX; AMD's HWCR.
            new Range(0xc0000080, 5), new Range(0xc0000100, 4), new Range(0xc0010015, 1),
            // KVM's paravirtual MSRs: kvmclock, async page faults, steal time, PV EOI, poll control.
            new Range(0x4b564d00, 0x100));

    private SnapshotMsrs() {
    }

    /** The MSRs of {@code kvmList} (KVM_GET_MSR_INDEX_LIST) that a snapshot saves, in KVM's order. */
    public static List<Integer> toSave(List<Integer> kvmList) {
        return kvmList.stream().filter(SnapshotMsrs::kept).toList();
    }

    static boolean kept(int index) {
        return index != IA32_MCG_CTL && KEPT.stream().anyMatch(r -> r.contains(index));
    }

    /**
     * The saved MSRs in the order they are set back: IA32_TSC_DEADLINE last, because KVM arms the LAPIC timer
     * from it relative to the TSC (set earlier), so set before the TSC it could be taken for long past or far
     * away. A deadline of 0 is replaced by the TSC's value, as Firecracker does (vcpu.rs): a deadline KVM cleared
     * while delivering a timer interrupt that did not reach the guest before the snapshot would otherwise leave
     * that vCPU without timer interrupts after the restore; the guest takes the one extra interrupt in its stride.
     */
    public static List<MsrEntry> restoreOrder(List<MsrEntry> saved) {
        long tsc = saved.stream().filter(m -> m.index() == IA32_TSC).mapToLong(MsrEntry::value).max().orElse(0);
        List<MsrEntry> ordered = new ArrayList<>(saved.size());
        List<MsrEntry> deadlines = new ArrayList<>(1);
        for (MsrEntry m : saved) {
            if (m.index() != IA32_TSC_DEADLINE) {
                ordered.add(m);
            } else {
                deadlines.add(m.value() == 0 && tsc != 0 ? new MsrEntry(m.index(), tsc) : m);
            }
        }
        ordered.addAll(deadlines);
        return ordered;
    }
}
