package io.kvmj.vmm.devices;

import io.kvmj.kvm.VmFd;
import io.kvmj.sys.EventFd;
import io.kvmj.vmm.bus.Bus;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.event.EventLoop;
import io.kvmj.vmm.memory.GuestRamLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place devices are attached to a VM: bus windows, interrupt lines (an eventfd wired to a GSI with
 * KVM irqfd), queue doorbells (KVM ioeventfd, serviced on the device event loop), and the resources a
 * device needs released when the VM ends. Devices themselves only ever see an {@link InterruptLine}.
 */
public final class DeviceManager implements AutoCloseable {
    /** MMIO device windows start at the bottom of the MMIO hole, as in Firecracker. */
    public static final long MMIO_BASE = GuestRamLayout.MMIO_HOLE_START;
    /** GSIs for MMIO devices: 5 up to the last IOAPIC pin (the legacy ISA IRQs below 5 are taken). */
    public static final int FIRST_MMIO_GSI = 5;
    public static final int LAST_MMIO_GSI = 23;

    private static final Logger LOG = Logger.getLogger(DeviceManager.class.getName());

    /** An MMIO window and its interrupt, reserved for one device. */
    public record MmioSlot(long base, int size, int gsi, InterruptLine irq) {
        /** The Linux command-line entry that announces a virtio-mmio device at this slot. */
        public String virtioCmdlineEntry() {
            return String.format("virtio_mmio.device=%d@0x%x:%d", size, base, gsi);
        }
    }

    private final VmFd vm;
    private final Bus pio = new Bus("port I/O");
    private final Bus mmio = new Bus("MMIO");
    private final List<EventFd> eventFds = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<MmioSlot> virtioSlots = new ArrayList<>();
    private EventLoop eventLoop;
    private long nextMmioBase = MMIO_BASE;
    private int nextGsi = FIRST_MMIO_GSI;

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
        EventFd fd = newEventFd();
        vm.registerIrqfd(fd.fd(), gsi);
        return fd::signal;
    }

    /** Reserves the next MMIO window of {@code size} bytes and the next free GSI. */
    public MmioSlot allocateMmio(int size) {
        if (nextGsi > LAST_MMIO_GSI) {
            throw new IllegalArgumentException("too many MMIO devices: no interrupt line left (GSIs "
                    + FIRST_MMIO_GSI + "-" + LAST_MMIO_GSI + ")");
        }
        int gsi = nextGsi++;
        MmioSlot slot = new MmioSlot(nextMmioBase, size, gsi, interruptLine(gsi));
        nextMmioBase += size;
        return slot;
    }

    /**
     * Maps {@code device} at {@code slot} and routes 4-byte guest writes of a queue index to
     * {@code base + notifyOffset} straight from KVM to {@code notify}, on the event loop thread.
     */
    public void attachVirtioMmio(MmioSlot slot, BusDevice device, int queueCount, int notifyOffset,
                                 IntConsumer notify) {
        mmio.insert(device, slot.base(), slot.size());
        for (int q = 0; q < queueCount; q++) {
            EventFd doorbell = newEventFd();
            vm.registerIoeventfd(doorbell.fd(), slot.base() + notifyOffset, 4, q);
            int queue = q;
            eventLoop().register(doorbell, () -> notify.accept(queue));
        }
        virtioSlots.add(slot);
    }

    /** Released when the VM is closed, after the event loop has stopped (backing files, for example). */
    public void closeWithVm(AutoCloseable resource) {
        resources.add(resource);
    }

    /** The virtio-mmio devices attached so far, in order: for the command line or the ACPI DSDT. */
    public List<MmioSlot> virtioSlots() {
        return List.copyOf(virtioSlots);
    }

    private EventFd newEventFd() {
        EventFd fd = new EventFd();
        eventFds.add(fd);
        return fd;
    }

    /** The device event loop: devices add their own fds and timers to it while active. */
    public EventLoop eventLoop() {
        if (eventLoop == null) {
            eventLoop = new EventLoop();
        }
        return eventLoop;
    }

    /** Starts device threads; called when the VM starts. */
    public void start() {
        if (eventLoop != null) {
            eventLoop.start();
        }
    }

    @Override
    public void close() {
        if (eventLoop != null) {
            eventLoop.close();
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "releasing a device resource failed: {0}", e.getMessage());
            }
        }
        eventFds.forEach(EventFd::close);
        eventFds.clear();
    }
}
