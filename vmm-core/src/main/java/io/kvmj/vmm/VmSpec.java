package io.kvmj.vmm;

import io.kvmj.vmm.arch.x86.CpuTemplate;
import io.kvmj.vmm.arch.x86.CpuTopology;
import io.kvmj.vmm.console.ConsoleInput;
import io.kvmj.vmm.devices.DeviceSetup;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything the builder needs to make a VM, in VMM terms (no config-file concepts).
 *
 * @param initrd          null for none
 * @param vcpus           1 or more
 * @param smt             two threads per core ({@link CpuTopology#of}); {@code vcpus} must then be 1 or even
 * @param debugExitPort   the isa-debug-exit port, or -1 for no such device
 * @param serialOutput    where COM1's output goes (unbuffered writes), or null to discard it
 * @param serialInput     what the guest reads from COM1 (a pump that outlives a VM restarted after a reset), or
 *                        null for nothing
 * @param devices         further devices (virtio), attached in order
 * @param acpi            ACPI tables (and virtio devices in the DSDT), or an MP table and virtio devices on
 *                        the command line for guests without ACPI
 * @param cpuTemplate     CPUID and MSR bits forced on every vCPU ({@link CpuTemplate#NONE} for none)
 * @param trackDirtyPages register guest RAM with KVM's dirty page log, readable through {@link Vm#dirtyPages()}
 *                        (Firecracker's {@code track_dirty_pages}; costs a write fault per page per log read)
 */
public record VmSpec(Path kernel, Path initrd, String cmdline, long memoryBytes, int vcpus, boolean smt,
                     int debugExitPort, OutputStream serialOutput, ConsoleInput serialInput,
                     List<DeviceSetup> devices, boolean acpi, CpuTemplate cpuTemplate, boolean trackDirtyPages) {
    public static final int NO_DEBUG_EXIT = -1;

    public VmSpec {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(cmdline, "cmdline");
        devices = List.copyOf(devices);
        Objects.requireNonNull(cpuTemplate, "cpuTemplate");
        CpuTopology.of(vcpus, smt); // throws for no vCPU, or an odd count with SMT
        if (memoryBytes < (1 << 20)) {
            throw new IllegalArgumentException("at least 1 MiB of guest memory is needed");
        }
    }

    /** How the vCPUs are arranged in cores and threads. */
    public CpuTopology topology() {
        return CpuTopology.of(vcpus, smt);
    }
}
