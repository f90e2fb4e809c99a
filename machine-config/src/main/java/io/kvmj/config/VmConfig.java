package io.kvmj.config;

import java.util.List;

/**
 * A whole machine config. Instances returned by {@link ConfigLoader} are validated: paths are absolute and
 * normalized, numbers are in range, {@code serial} is never null.
 *
 * @param debugExit null when there is no isa-debug-exit device
 * @param drives virtio-blk drives in config order; never null (null becomes an empty list)
 * @param entropy null when there is no virtio-rng device
 * @param acpi whether the guest gets ACPI tables (kvmj's {@code "acpi": {"enabled": ...}}, default true); without,
 *             an MP table and virtio devices listed on the kernel command line
 * @param cpuConfig Firecracker's custom CPU template ({@code cpu-config}); null when there is none
 * @param restartOnReset kvmj's {@code "on-reset": "restart"}: a guest reset restarts the machine instead of ending
 *                       it (the default, {@code "exit"}, as Firecracker)
 * @param vsock the virtio-vsock device (Firecracker's {@code vsock}); null when there is none
 * @param networkInterfaces Firecracker's {@code network-interfaces} in config order; never null (null becomes an
 *                          empty list)
 */
public record VmConfig(BootSource bootSource, MachineSpec machine, DebugExit debugExit, SerialConfig serial,
                       List<DriveConfig> drives, EntropyConfig entropy, boolean acpi, CpuConfig cpuConfig,
                       boolean restartOnReset, VsockConfig vsock, List<NetworkInterfaceConfig> networkInterfaces) {
    public VmConfig {
        drives = drives == null ? List.of() : List.copyOf(drives);
        networkInterfaces = networkInterfaces == null ? List.of() : List.copyOf(networkInterfaces);
    }

    /** A config whose guest resets end the VM, without a vsock device or network interfaces. */
    public VmConfig(BootSource bootSource, MachineSpec machine, DebugExit debugExit, SerialConfig serial,
                    List<DriveConfig> drives, EntropyConfig entropy, boolean acpi, CpuConfig cpuConfig) {
        this(bootSource, machine, debugExit, serial, drives, entropy, acpi, cpuConfig, false, null, List.of());
    }

    /** A config without drives, entropy device or CPU template, with ACPI. */
    public VmConfig(BootSource bootSource, MachineSpec machine, DebugExit debugExit, SerialConfig serial) {
        this(bootSource, machine, debugExit, serial, List.of(), null, true, null);
    }
}
