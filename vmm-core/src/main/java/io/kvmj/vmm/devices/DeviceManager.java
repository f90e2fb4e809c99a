package io.kvmj.vmm.devices;

import io.kvmj.kvm.VmFd;
import io.kvmj.sys.EventFd;
import io.kvmj.vmm.bus.Bus;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.event.EventLoop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place devices are attached to a VM: bus windows, interrupt lines (an eventfd wired to a GSI with
 * KVM irqfd), queue doorbells (KVM ioeventfd, serviced on the device event loop), and the resources a
 * device needs released when the VM ends. Devices themselves only ever see an {@link InterruptLine}.
 */
public final class DeviceManager implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DeviceManager.class.getName());

    /**
     * A device on one of the buses.
     *
     * @param id     stable across a snapshot and its restore, since the layout is planned from the same
     *               description: the bus and first address, {@code pio:0x3f8} or {@code mmio:0xd0000000}
     * @param name   the device's name in messages, e.g. {@code COM1 (ports 0x3f8-0x3ff)}
     */
    public record Attached(String id, String name, BusDevice device) {
    }

    /** A planned MMIO window with its interrupt line connected. */
    public record MmioSlot(MachineLayout.MmioWindow window, InterruptLine irq) {
    }

    private final VmFd vm;
    private final Bus pio = new Bus("port I/O");
    private final Bus mmio = new Bus("MMIO");
    private final List<EventFd> eventFds = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Attached> attached = new ArrayList<>();
    private EventLoop eventLoop;

    public DeviceManager(VmFd vm) {
        this.vm = vm;
    }

    public Bus pio() {
        return pio;
    }

    public Bus mmio() {
        return mmio;
    }

    /** Maps {@code device} at its planned port window. */
    public void attachPio(BusDevice device, MachineLayout.PortWindow window) {
        pio.insert(device, window.base(), window.count());
        attached.add(new Attached(String.format("pio:0x%x", window.base()), window.toString(), device));
    }

    /** Every device attached so far, in the order attached. */
    public List<Attached> attached() {
        return List.copyOf(attached);
    }

    /** An edge-triggered line into the in-kernel IOAPIC/PIC at {@code gsi}. */
    public InterruptLine interruptLine(int gsi) {
        EventFd fd = newEventFd();
        vm.registerIrqfd(fd.fd(), gsi);
        return fd::signal;
    }

    /** Connects the interrupt line of a window {@link MachineLayout} planned. */
    public MmioSlot connect(MachineLayout.MmioWindow window) {
        return new MmioSlot(window, interruptLine(window.gsi()));
    }

    /**
     * Maps {@code device} at {@code slot} and routes 4-byte guest writes of a queue index to
     * {@code base + notifyOffset} straight from KVM to {@code notify}, on the event loop thread.
     */
    public void attachVirtioMmio(MmioSlot slot, BusDevice device, int queueCount, int notifyOffset,
                                 IntConsumer notify) {
        MachineLayout.MmioWindow window = slot.window();
        mmio.insert(device, window.base(), window.size());
        attached.add(new Attached(String.format("mmio:0x%x", window.base()),
                String.format("%s (MMIO 0x%x)", window.device(), window.base()), device));
        for (int q = 0; q < queueCount; q++) {
            EventFd doorbell = newEventFd();
            vm.registerIoeventfd(doorbell.fd(), window.base() + notifyOffset, 4, q);
            int queue = q;
            eventLoop().register(doorbell, () -> notify.accept(queue));
        }
    }

    /** Released when the VM is closed, after the event loop has stopped (backing files, for example). */
    public void closeWithVm(AutoCloseable resource) {
        resources.add(resource);
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

    /**
     * Parks the device thread between handlers, so no device reads or writes guest memory until {@link #resume}.
     *
     * @throws TimeoutException     a device handler did not return within {@code timeout}
     * @throws InterruptedException interrupted while waiting
     * @see EventLoop#pause
     */
    public void pause(Duration timeout) throws InterruptedException, TimeoutException {
        if (eventLoop != null) {
            eventLoop.pause(timeout);
        }
    }

    /** Lets device handlers run again, for whatever became ready while paused first. */
    public void resume() {
        if (eventLoop != null) {
            eventLoop.resume();
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
