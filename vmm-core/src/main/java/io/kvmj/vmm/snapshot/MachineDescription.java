package io.kvmj.vmm.snapshot;

import io.kvmj.vmm.devices.MachineLayout;

import java.util.List;

/**
 * What a restore needs to build the saved machine again, without its kernel: the guest RAM, the vCPUs, and the
 * devices in the order that gives each the same place ({@link MachineLayout#plan}). The CPUID and MSRs a CPU
 * template set are in each vCPU's state; the devices' backends (image files, sockets) come from the caller's
 * configuration, checked against {@code devices}.
 *
 * @param memoryBytes     guest RAM in bytes ({@link io.kvmj.vmm.memory.GuestRamLayout#ramRanges} places it)
 * @param debugExitPort   the isa-debug-exit port, or -1 for none
 * @param devices         the virtio-mmio devices' names and register window sizes, in attach order
 */
public record MachineDescription(long memoryBytes, int vcpus, boolean smt, int debugExitPort, boolean acpi,
                                 boolean trackDirtyPages, List<MachineLayout.MmioRequest> devices) {
    public MachineDescription {
        devices = List.copyOf(devices);
    }

    /**
     * Where every device sits, planned as when the machine was first built.
     *
     * @throws IllegalArgumentException the description cannot be laid out (a damaged state file)
     */
    public MachineLayout layout() {
        return MachineLayout.plan(debugExitPort, acpi, devices);
    }
}
