package io.kvmj.vmm.arch.x86.acpi;

import java.util.List;
import java.util.Objects;

/**
 * What the ACPI tables describe: the vCPUs (local APIC id = vCPU index), the virtio-mmio devices, and the power
 * device's ports. COM1 (ports 0x3f8-0x3ff, IRQ 4), the IOAPIC and the 8259s are always there.
 *
 * @param vcpuCount      1 or more; ids above {@link ApicLayout#MAX_XAPIC_ID} get x2APIC entries
 * @param virtioDevices  in order: device i becomes {@code \_SB.Vxxx} (xxx = i in hex) with {@code _UID} i
 * @param ports          the ACPI power device's ports, usually {@link PowerPorts#DEFAULT}
 */
public record AcpiSpec(int vcpuCount, List<MmioDevice> virtioDevices, PowerPorts ports) {
    /** At most 4096 devices: their DSDT names are V000 to VFFF. */
    public static final int MAX_VIRTIO_DEVICES = 0x1000;

    public AcpiSpec {
        if (vcpuCount < 1) {
            throw new IllegalArgumentException("at least one vCPU is needed, got " + vcpuCount);
        }
        virtioDevices = List.copyOf(virtioDevices);
        if (virtioDevices.size() > MAX_VIRTIO_DEVICES) {
            throw new IllegalArgumentException("too many virtio-mmio devices: " + virtioDevices.size());
        }
        Objects.requireNonNull(ports, "ports");
    }

    /** vCPUs, devices, and the default power ports. */
    public AcpiSpec(int vcpuCount, List<MmioDevice> virtioDevices) {
        this(vcpuCount, virtioDevices, PowerPorts.DEFAULT);
    }

    /**
     * One virtio-mmio transport: its register window below 4 GiB and the IOAPIC pin (GSI) it raises, edge-triggered
     * and active-high.
     */
    public record MmioDevice(long base, long size, int gsi) {
        public MmioDevice {
            if (base < 0 || size <= 0 || base + size > 0x1_0000_0000L) {
                throw new IllegalArgumentException(String.format(
                        "virtio-mmio window 0x%x+0x%x must lie below 4 GiB", base, size));
            }
            if (gsi < 0 || gsi >= ApicLayout.IOAPIC_PINS) {
                throw new IllegalArgumentException("GSI " + gsi + " is not an IOAPIC pin (0-"
                        + (ApicLayout.IOAPIC_PINS - 1) + ")");
            }
        }
    }
}
