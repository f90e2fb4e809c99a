package io.kvmj.vmm.snapshot;

import io.kvmj.kvm.ClockData;
import io.kvmj.kvm.Irqchip;
import io.kvmj.kvm.PitState;
import io.kvmj.kvm.VmFd;

import java.util.Objects;

/**
 * The VM-wide state KVM holds: the in-kernel interrupt controllers (the PIC pair and the IOAPIC), the i8254
 * timer (PIT2), and the guest's kvmclock, saved while every vCPU is paused.
 *
 * @param clock the kvmclock in nanoseconds when saved; a restore sets it back, so the guest's clock runs on
 *              from where it stood and the time the snapshot spent on disk does not pass for the guest
 */
public record VmState(Irqchip picMaster, Irqchip picSlave, Irqchip ioapic, PitState pit, ClockData clock) {
    public VmState {
        requireChip(picMaster, Irqchip.PIC_MASTER, "picMaster");
        requireChip(picSlave, Irqchip.PIC_SLAVE, "picSlave");
        requireChip(ioapic, Irqchip.IOAPIC, "ioapic");
        Objects.requireNonNull(pit, "pit");
        Objects.requireNonNull(clock, "clock");
    }

    private static void requireChip(Irqchip chip, int id, String name) {
        Objects.requireNonNull(chip, name);
        if (chip.chipId() != id) {
            throw new IllegalArgumentException(name + " holds irqchip " + chip.chipId() + ", not " + id);
        }
    }

    /** @throws io.kvmj.kvm.KvmException an ioctl failed (the message names it) */
    public static VmState capture(VmFd vm) {
        return new VmState(vm.irqchip(Irqchip.PIC_MASTER), vm.irqchip(Irqchip.PIC_SLAVE), vm.irqchip(Irqchip.IOAPIC),
                vm.pit2(), vm.clock());
    }

    /**
     * Puts this state into {@code vm}, after its vCPUs' state (Firecracker's order). The clock goes back without
     * the flags KVM reported (KVM_SET_CLOCK refuses KVM_CLOCK_TSC_STABLE).
     *
     * @throws io.kvmj.kvm.KvmException an ioctl failed (the message names it)
     */
    public void restoreTo(VmFd vm) {
        vm.setPit2(pit);
        vm.setClock(new ClockData(clock.clock(), 0));
        vm.setIrqchip(picMaster);
        vm.setIrqchip(picSlave);
        vm.setIrqchip(ioapic);
    }
}
