package io.kvmj.vmm.devices;

import io.kvmj.vmm.arch.x86.acpi.ApicLayout;
import io.kvmj.vmm.arch.x86.acpi.PowerPorts;
import io.kvmj.vmm.devices.legacy.DebugExit;
import io.kvmj.vmm.devices.legacy.I8042;
import io.kvmj.vmm.devices.legacy.ResetControl;
import io.kvmj.vmm.devices.legacy.Serial;
import io.kvmj.vmm.memory.GuestRamLayout;

import java.util.ArrayList;
import java.util.List;

/**
 * Where every device of a VM sits: the port windows of the legacy devices and the register windows and
 * interrupt lines (GSIs) of the virtio-mmio devices. Planned from the machine description alone, without KVM,
 * so that an impossible machine (two devices on one port, more virtio devices than interrupt lines) is refused
 * by {@code kvmj validate} and {@code kvmj run} alike, before KVM is opened, with the same one-line message.
 * The {@link DeviceManager} attaches devices exactly where this layout puts them.
 *
 * @param acpiPower null when the VM has no ACPI tables (the power ports exist only for ACPI's sake)
 * @param debugExit null when the VM has no isa-debug-exit device
 * @param virtio    one window per virtio device, in the order the devices were given
 */
public record MachineLayout(PortWindow com1, PortWindow i8042, PortWindow resetControl, PortWindow acpiPower,
                            PortWindow debugExit, List<MmioWindow> virtio) {
    /** The x86 I/O port space: ports 0 to 0xffff. */
    public static final int IO_PORTS = 0x1_0000;
    /** MMIO device windows start at the bottom of the MMIO hole, as in Firecracker. */
    public static final long MMIO_BASE = GuestRamLayout.MMIO_HOLE_START;
    /** GSIs for MMIO devices: 5 up to the last IOAPIC pin (the legacy ISA IRQs below 5 are taken). */
    public static final int FIRST_MMIO_GSI = 5;
    public static final int LAST_MMIO_GSI = ApicLayout.IOAPIC_PINS - 1;
    /** How many virtio-mmio devices a VM can have: one GSI each. */
    public static final int MAX_MMIO_DEVICES = LAST_MMIO_GSI - FIRST_MMIO_GSI + 1;

    public MachineLayout {
        virtio = List.copyOf(virtio);
    }

    /** {@code count} I/O ports from {@code base}, claimed by {@code device}. */
    public record PortWindow(String device, int base, int count) {
        boolean overlaps(PortWindow other) {
            return base < other.base + other.count && other.base < base + count;
        }

        @Override
        public String toString() {
            return String.format("%s (ports 0x%x-0x%x)", device, base, base + count - 1);
        }
    }

    /** A virtio-mmio register window of {@code size} bytes at {@code base}, raising {@code gsi}. */
    public record MmioWindow(String device, long base, long size, int gsi) {
        /** The Linux command-line entry that announces a virtio-mmio device in this window. */
        public String virtioCmdlineEntry() {
            return String.format("virtio_mmio.device=%d@0x%x:%d", size, base, gsi);
        }
    }

    /** A device asking for an MMIO window: its name for messages and its register window size in bytes. */
    public record MmioRequest(String device, long size) {
    }

    /**
     * Plans the layout.
     *
     * @param debugExitPort the isa-debug-exit device's first port, or a negative number for none
     * @param acpi          whether the ACPI power ports are needed
     * @throws IllegalArgumentException naming the devices, when two port windows overlap, the debug-exit window
     *                                  leaves the I/O space, or there are more virtio devices than GSIs
     */
    public static MachineLayout plan(int debugExitPort, boolean acpi, List<MmioRequest> mmioDevices) {
        PortWindow com1 = new PortWindow("COM1", Serial.COM1_PORT, Serial.PORT_COUNT);
        PortWindow i8042 = new PortWindow("the i8042 controller", I8042.BASE_PORT, I8042.PORT_COUNT);
        PortWindow reset = new PortWindow("the reset control register", ResetControl.PORT, ResetControl.PORT_COUNT);
        PortWindow power = acpi ? new PortWindow("the ACPI power ports", PowerPorts.DEFAULT_BASE,
                PowerPorts.PORT_COUNT) : null;
        PortWindow debugExit = null;
        if (debugExitPort >= 0) {
            debugExit = new PortWindow("debug-exit", debugExitPort, DebugExit.PORT_COUNT);
            if (debugExitPort > IO_PORTS - DebugExit.PORT_COUNT) {
                throw new IllegalArgumentException(String.format("%s runs past the last I/O port 0x%x",
                        debugExit, IO_PORTS - 1));
            }
        }
        checkNoOverlap(com1, i8042, reset, power, debugExit);
        return new MachineLayout(com1, i8042, reset, power, debugExit, mmioWindows(mmioDevices));
    }

    private static void checkNoOverlap(PortWindow... windows) {
        for (int i = 0; i < windows.length; i++) {
            for (int j = 0; j < i; j++) {
                if (windows[i] != null && windows[j] != null && windows[i].overlaps(windows[j])) {
                    throw new IllegalArgumentException(windows[i] + " overlaps " + windows[j]);
                }
            }
        }
    }

    private static List<MmioWindow> mmioWindows(List<MmioRequest> devices) {
        if (devices.size() > MAX_MMIO_DEVICES) {
            throw new IllegalArgumentException(String.format(
                    "too many virtio devices: %d, at most %d (one interrupt line each, GSIs %d-%d); %s has none left",
                    devices.size(), MAX_MMIO_DEVICES, FIRST_MMIO_GSI, LAST_MMIO_GSI,
                    devices.get(MAX_MMIO_DEVICES).device()));
        }
        List<MmioWindow> windows = new ArrayList<>(devices.size());
        long base = MMIO_BASE;
        int gsi = FIRST_MMIO_GSI;
        for (MmioRequest d : devices) {
            windows.add(new MmioWindow(d.device(), base, d.size(), gsi++));
            base += d.size();
        }
        return windows;
    }
}
