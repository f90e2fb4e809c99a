package io.kvmj.vmm.snapshot;

import io.kvmj.kvm.CpuidEntry;
import io.kvmj.kvm.DebugRegisters;
import io.kvmj.kvm.MsrEntry;
import io.kvmj.kvm.Registers;
import io.kvmj.kvm.SpecialRegisters;
import io.kvmj.kvm.VcpuEvents;
import io.kvmj.kvm.VcpuFd;
import io.kvmj.kvm.Xcr;
import io.kvmj.kvm.Xsave;
import io.kvmj.vmm.arch.x86.SnapshotMsrs;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;

/**
 * Everything KVM holds for one vCPU, saved while it is paused: what a restore into a fresh vCPU of the same host
 * puts back so that the guest runs on from the very instruction it was at.
 *
 * @param id       the vCPU's index (its APIC ID in kvmj's topology)
 * @param cpuid    the CPUID leaves it was given (KVM_GET_CPUID2)
 * @param msrs     the MSRs {@link SnapshotMsrs} selects, with their values
 * @param regs     struct kvm_regs as is
 * @param sregs    struct kvm_sregs as is
 * @param xsave    the XSAVE area (x87, SSE, AVX, ...)
 * @param xcrs     XCR0 (none where the host CPU has no XSAVE)
 * @param debugRegisters DR0-DR3, DR6, DR7
 * @param lapic    the local APIC's 1 KiB register page (struct kvm_lapic_state)
 * @param mpState  KVM_MP_STATE_*: runnable, halted, an AP waiting for INIT or SIPI
 * @param events   pending and in-flight exceptions, interrupts, NMIs and SMIs
 */
public record VcpuState(int id, List<CpuidEntry> cpuid, List<MsrEntry> msrs, byte[] regs, byte[] sregs, Xsave xsave,
                        List<Xcr> xcrs, DebugRegisters debugRegisters, byte[] lapic, int mpState,
                        VcpuEvents events) {
    public VcpuState {
        cpuid = List.copyOf(cpuid);
        msrs = List.copyOf(msrs);
        xcrs = List.copyOf(xcrs);
        Objects.requireNonNull(regs, "regs");
        Objects.requireNonNull(sregs, "sregs");
        Objects.requireNonNull(xsave, "xsave");
        Objects.requireNonNull(debugRegisters, "debugRegisters");
        Objects.requireNonNull(lapic, "lapic");
        Objects.requireNonNull(events, "events");
    }

    /**
     * Reads the state of {@code fd}, which must be out of KVM_RUN (paused) and is best asked on its own thread.
     * The MP state comes first, since reading it lets the local APIC take pending INIT/SIPI and changes what the
     * others read; the events come last, since the other reads may still change them (Firecracker's order, from
     * the KVM API's notes on KVM_GET_MP_STATE and KVM_GET_VCPU_EVENTS).
     *
     * @param msrIndices the MSRs to save ({@link SnapshotMsrs#toSave})
     * @throws io.kvmj.kvm.KvmException            an ioctl failed (the message names it)
     * @throws io.kvmj.kvm.KvmUnavailableException KVM cannot read one of the MSRs
     */
    public static VcpuState capture(VcpuFd fd, List<Integer> msrIndices) {
        int mpState = fd.mpState();
        byte[] regs = fd.registers().toBytes();
        byte[] sregs = fd.specialRegisters().toBytes();
        Xsave xsave = fd.xsave();
        List<Xcr> xcrs = fd.xcrs();
        DebugRegisters debug = fd.debugRegisters();
        byte[] lapic = fd.lapic();
        List<CpuidEntry> cpuid = fd.cpuid();
        List<MsrEntry> msrs = fd.msrs(msrIndices);
        VcpuEvents events = fd.vcpuEvents();
        return new VcpuState(fd.id(), cpuid, msrs, regs, sregs, xsave, xcrs, debug, lapic, mpState, events);
    }

    /**
     * Puts this state into {@code fd}, a vCPU created for it that has not run, on its own thread, before the VM's
     * irqchip and clock state are restored. The order is the one KVM needs (KVM API doc, and Firecracker's
     * vcpu.rs): CPUID first, since what KVM accepts in MSRs and XSAVE depends on it; the MP state before the
     * registers; regs before the events, since KVM_SET_REGS drops a pending exception that KVM_SET_VCPU_EVENTS
     * then puts back; sregs before the local APIC, since sregs carry the APIC base; the local APIC before the
     * MSRs, since the TSC deadline MSR only takes with the APIC configured, and that one last of the MSRs
     * ({@link SnapshotMsrs#restoreOrder}); the events last.
     *
     * @throws IllegalArgumentException the saved state does not fit this host's KVM (a register struct of the
     *                                  wrong size, an XSAVE area larger than this CPU's)
     * @throws io.kvmj.kvm.KvmException            an ioctl failed (the message names it)
     * @throws io.kvmj.kvm.KvmUnavailableException KVM rejected one of the MSRs (the message names it)
     */
    public void restoreTo(VcpuFd fd) {
        fd.setCpuid(cpuid);
        fd.setMpState(mpState);
        try (Arena arena = Arena.ofConfined()) {
            fd.setRegisters(Registers.allocate(arena).load(regs));
            fd.setSpecialRegisters(SpecialRegisters.allocate(arena).load(sregs));
        }
        fd.setXsave(xsave);
        fd.setXcrs(xcrs);
        fd.setDebugRegisters(debugRegisters);
        fd.setLapic(lapic);
        fd.setMsrs(SnapshotMsrs.restoreOrder(msrs));
        fd.setVcpuEvents(events);
    }
}
