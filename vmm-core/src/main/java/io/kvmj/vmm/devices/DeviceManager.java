package io.kvmj.vmm.devices;

import io.kvmj.kvm.VmFd;
import io.kvmj.sys.EventFd;
import io.kvmj.vmm.bus.Bus;
import io.kvmj.vmm.bus.BusDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place devices are attached to a VM: their bus windows and their interrupt lines (an eventfd wired to
 * a GSI with KVM irqfd, so raising an interrupt never needs the vCPU thread). Devices only ever see the
 * {@link InterruptLine}.
 */
public final class DeviceManager implements AutoCloseable {
    private final VmFd vm;
    private final Bus pio = new Bus("port I/O");
    private final Bus mmio = new Bus("MMIO");
    private final List<EventFd> eventFds = new ArrayList<>();

    public DeviceManager(VmFd vm) {
        this.vm = vm;
    }

    public Bus pio() {
        return pio;
    }

    public Bus mmio() {
        return mmio;
    }

    public void attachPio(BusDevice device, int port, int count) {
        pio.insert(device, port, count);
    }

    /** An edge-triggered line into the in-kernel IOAPIC/PIC at {@code gsi}. */
    public InterruptLine interruptLine(int gsi) {
        EventFd fd = new EventFd();
        eventFds.add(fd);
        vm.registerIrqfd(fd.fd(), gsi);
        return fd::signal;
    }

    @Override
    public void close() {
        eventFds.forEach(EventFd::close);
        eventFds.clear();
    }
}
