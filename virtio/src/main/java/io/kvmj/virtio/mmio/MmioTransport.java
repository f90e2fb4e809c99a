package io.kvmj.virtio.mmio;

import io.kvmj.sys.EventFd;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.VirtioInterrupt;
import io.kvmj.virtio.queue.QueueState;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.InterruptLine;
import io.kvmj.vmm.event.EventOps;
import io.kvmj.vmm.event.EventSource;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestMemoryException;
import io.kvmj.vmm.snapshot.SnapshotException;
import io.kvmj.vmm.snapshot.Snapshottable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2): the register file a driver uses to
 * negotiate features, set up queues and drive the device status, wrapping any {@link VirtioDevice}.
 * <p>Threads and locks: register accesses come from vCPU threads and take this object's monitor, which is
 * never held during request processing. Device work (queue notifications and the device's own event
 * handlers, from the event loop) runs under a separate device lock, so the device never sees two of them at
 * once. The state a driver polls while the device works, InterruptStatus, Status and ConfigGeneration, is
 * atomic: an interrupt acknowledgement never waits behind a queue of requests. Ordering (virtio 1.2 section
 * 2.7.13): a device publishes used buffers (the used index is a release store) before it sets the
 * InterruptStatus bit and triggers the interrupt, so a driver that sees the bit sees the buffers. Only the
 * transitions that change what the device is, DRIVER_OK (activate) and reset, wait for the device lock, so a
 * reset completes after the request in progress, as a driver waiting for Status to read 0 expects (2.4).
 * <p>Anything the guest gets wrong either is ignored (as the spec allows) or puts the device in
 * DEVICE_NEEDS_RESET; the VMM never fails because of it.
 * <p>Snapshots ({@link Snapshottable}): the state is the device's own record ({@link VirtioDevice#stateType}),
 * carrying this transport's registers and queues as its {@link TransportState}. A restore checks the state against
 * the device this transport was built with (device type, queue count and maximum sizes, negotiated features
 * within the offer, ring addresses inside the new guest memory), puts it back and, if the saved driver had set
 * DRIVER_OK, activates the device as DRIVER_OK does. The work that was pending then runs once the VM's event
 * loop runs, not during the restore, so no interrupt reaches an interrupt controller whose own state is not back
 * yet: every ready queue is processed once (buffers the driver made available before the snapshot need no new
 * notification), and an interrupt whose InterruptStatus bit is still set is raised again (one raised just before
 * the snapshot may not have reached the saved interrupt controller; a repeated one is harmless, the driver reads
 * InterruptStatus).
 */
public final class MmioTransport implements BusDevice, VirtioInterrupt, Snapshottable<Record>, AutoCloseable {
    /** Size of the register window (0x100 registers + 0x100 config space). */
    public static final int WINDOW_SIZE = 0x200;
    public static final int QUEUE_NOTIFY_OFFSET = 0x50;

    private static final Logger LOG = Logger.getLogger(MmioTransport.class.getName());
    private static final int MAGIC = 0x74726976; // "virt"
    private static final int VERSION = 2;
    private static final int VENDOR_ID = 0x4a4d564b; // "KVMJ"
    private static final int CONFIG_OFFSET = 0x100;
    private static final int LOG_FIRST = 10;
    private static final int LOG_EVERY = 1000;

    static final int STATUS_ACKNOWLEDGE = 1;
    static final int STATUS_DRIVER = 2;
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int STATUS_NEEDS_RESET = 0x40;
    static final int STATUS_FAILED = 0x80;
    static final int INT_USED_BUFFER = 1;
    static final int INT_CONFIG_CHANGE = 2;

    private final VirtioDevice device;
    private final GuestMemory memory;
    private final InterruptLine irq;
    private final EventOps loop;
    private final String name;
    private final List<SplitQueue> queues = new ArrayList<>();
    // Device work and the transitions that start and stop it; never taken by register reads.
    private final Object deviceLock = new Object();
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicInteger configGeneration = new AtomicInteger();
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private volatile boolean active;
    private TransportEvents events;
    private final AtomicLong needsResetCount = new AtomicLong();
    // The pending work of a restored device, until the event loop runs it; guarded by deviceLock.
    private EventFd resumeKick;
    private EventSource resumeKickSource;

    /**
     * @param loop where the device's own event sources go while it is active (the VM's event loop)
     */
    public MmioTransport(String name, VirtioDevice device, GuestMemory memory, InterruptLine irq, EventOps loop) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.irq = irq;
        this.loop = loop;
        for (int i = 0; i < device.queueCount(); i++) {
            queues.add(new SplitQueue(device.queueMaxSize()));
        }
    }

    public int queueCount() {
        return queues.size();
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG_OFFSET) {
            return device.readConfig((int) (offset - CONFIG_OFFSET), size);
        }
        if (size != 4) {
            return 0; // registers are 32-bit only (4.2.2.2)
        }
        return switch ((int) offset) {
            case 0x000 -> MAGIC;
            case 0x004 -> VERSION;
            case 0x008 -> device.deviceType();
            case 0x00c -> VENDOR_ID;
            case 0x010 -> featureWindow(deviceFeaturesSel) < 0 ? 0
                    : (device.deviceFeatures() >>> (32 * deviceFeaturesSel)) & 0xffffffffL;
            case 0x034 -> selectedQueue() == null ? 0 : device.queueMaxSize();
            case 0x044 -> selectedQueue() != null && selectedQueue().ready() ? 1 : 0;
            case 0x060 -> interruptStatus.get();
            case 0x070 -> status.get();
            case 0x0fc -> configGeneration.get();
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (offset >= CONFIG_OFFSET) {
            device.writeConfig((int) (offset - CONFIG_OFFSET), size, value);
            return;
        }
        if (size != 4) {
            return;
        }
        int v = (int) value;
        switch ((int) offset) {
            case 0x014 -> deviceFeaturesSel = v;
            case 0x020 -> setDriverFeatures(v);
            case 0x024 -> driverFeaturesSel = v;
            case 0x030 -> queueSel = v;
            case 0x038 -> withUnreadyQueue(q -> q.size(v));
            case 0x044 -> setQueueReady(v == 1);
            case QUEUE_NOTIFY_OFFSET -> notifyQueue(v);
            case 0x064 -> interruptStatus.getAndUpdate(bits -> bits & ~v);
            case 0x070 -> setStatus(v);
            case 0x080 -> withUnreadyQueue(q -> q.descTableAddress(low(q.descTableAddress(), v)));
            case 0x084 -> withUnreadyQueue(q -> q.descTableAddress(high(q.descTableAddress(), v)));
            case 0x090 -> withUnreadyQueue(q -> q.availRingAddress(low(q.availRingAddress(), v)));
            case 0x094 -> withUnreadyQueue(q -> q.availRingAddress(high(q.availRingAddress(), v)));
            case 0x0a0 -> withUnreadyQueue(q -> q.usedRingAddress(low(q.usedRingAddress(), v)));
            case 0x0a4 -> withUnreadyQueue(q -> q.usedRingAddress(high(q.usedRingAddress(), v)));
            default -> {
                // read-only or unknown register: ignored
            }
        }
    }

    /** The 32-bit feature window a selector names (0 or 1: features are 64 bits), or -1 for any other value. */
    private static int featureWindow(int selector) {
        return selector == 0 || selector == 1 ? selector : -1;
    }

    private static long low(long old, int v) {
        return (old & 0xffffffff00000000L) | Integer.toUnsignedLong(v);
    }

    private static long high(long old, int v) {
        return (old & 0xffffffffL) | ((long) v << 32);
    }

    private SplitQueue selectedQueue() {
        return queueSel >= 0 && queueSel < queues.size() ? queues.get(queueSel) : null;
    }

    /** Queue layout may only change while the queue is not live (4.2.2.3). */
    private void withUnreadyQueue(java.util.function.Consumer<SplitQueue> change) {
        SplitQueue q = selectedQueue();
        if (q != null && !q.ready() && (status.get() & STATUS_DRIVER_OK) == 0) {
            change.accept(q);
        }
    }

    private void setDriverFeatures(int v) {
        if ((status.get() & STATUS_FEATURES_OK) != 0 || featureWindow(driverFeaturesSel) < 0) {
            return;
        }
        int shift = 32 * driverFeaturesSel;
        driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | (Integer.toUnsignedLong(v) << shift);
    }

    private void setQueueReady(boolean ready) {
        SplitQueue q = selectedQueue();
        if (q != null && (status.get() & STATUS_DRIVER_OK) == 0) {
            q.ready(ready);
        }
    }

    private void setStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        int current = status.get();
        int added = v & ~current;
        if ((v & current) != current) {
            return; // the driver may only add bits (other than by reset)
        }
        if ((added & STATUS_FEATURES_OK) != 0 && !featuresAcceptable()) {
            added &= ~STATUS_FEATURES_OK; // the driver reads FEATURES_OK back and sees the refusal
        }
        if ((added & STATUS_DRIVER_OK) != 0 && (current & STATUS_FEATURES_OK) == 0 && (added & STATUS_FEATURES_OK) == 0) {
            added &= ~STATUS_DRIVER_OK;
        }
        int newBits = added;
        status.getAndUpdate(bits -> bits | newBits);
        if ((added & STATUS_DRIVER_OK) != 0) {
            activate();
        }
    }

    private boolean featuresAcceptable() {
        return (driverFeatures & ~device.deviceFeatures()) == 0 && (driverFeatures & VirtioFeatures.VERSION_1) != 0;
    }

    private void activate() {
        boolean eventIdx = (driverFeatures & VirtioFeatures.RING_EVENT_IDX) != 0;
        for (int i = 0; i < queues.size(); i++) {
            SplitQueue q = queues.get(i);
            q.eventIdx(eventIdx);
            if (q.ready()) {
                try {
                    q.validate(memory);
                } catch (VirtqueueException e) {
                    needsReset("queue " + i + ": " + e.getMessage());
                    return;
                }
            }
        }
        synchronized (deviceLock) {
            startDevice();
        }
    }

    /** Hands the device what it works with, as DRIVER_OK does; queues are validated. Under the device lock. */
    private void startDevice() {
        events = new TransportEvents(loop, this);
        device.activate(new DeviceContext(memory, queues, driverFeatures, this, events));
        active = true;
    }

    /** A queue notification, from the event loop (ioeventfd) or a QueueNotify write that reached us. */
    public void notifyQueue(int index) {
        if (index < 0 || index >= queues.size()) {
            return;
        }
        runDeviceWork(() -> {
            if (queues.get(index).ready()) {
                device.process(index);
            }
        }, "queue " + index);
    }

    /** Device work that may find the guest's queues broken. */
    @FunctionalInterface
    interface DeviceWork {
        void run() throws VirtqueueException;
    }

    /**
     * Runs {@code work} under the device lock if the device is active and not waiting for a reset; a broken
     * queue or guest address puts the device in DEVICE_NEEDS_RESET ({@code what} names the source in the log).
     */
    void runDeviceWork(DeviceWork work, String what) {
        synchronized (deviceLock) {
            if (!active || (status.get() & STATUS_NEEDS_RESET) != 0) {
                return;
            }
            try {
                work.run();
            } catch (VirtqueueException | GuestMemoryException e) {
                needsReset(what + ": " + e.getMessage());
            }
        }
    }

    private void needsReset(String why) {
        // A guest can break its queues in a loop: log the first few, then one in LOG_EVERY, so it cannot
        // flood the host's logs.
        long count = needsResetCount.incrementAndGet();
        if (count <= LOG_FIRST || count % LOG_EVERY == 0) {
            LOG.log(Level.WARNING, "{0}: malformed queue, device needs reset ({1} so far): {2}",
                    new Object[] {name, count, why});
        }
        status.getAndUpdate(bits -> bits | STATUS_NEEDS_RESET);
        configChanged();
    }

    private void reset() {
        synchronized (deviceLock) {
            cancelResumeKick();
            if (active) {
                active = false;
                events.removeAll(); // before the device closes the fds they watch
                events = null;
                device.reset();
            }
            queues.forEach(SplitQueue::reset);
            deviceFeaturesSel = 0;
            driverFeaturesSel = 0;
            driverFeatures = 0;
            queueSel = 0;
            interruptStatus.set(0);
            status.set(0); // last: a driver polling Status for 0 sees a device fully reset (2.4)
        }
    }

    @Override
    @SuppressWarnings("unchecked") // every VirtioDeviceState is a record (checked when saved)
    public Class<Record> stateType() {
        return (Class<Record>) (Class<?>) device.stateType();
    }

    /** The device's state record with this transport's registers and queues in it. Call with the VM paused. */
    @Override
    public synchronized Record saveState() {
        synchronized (deviceLock) {
            List<QueueState> saved = queues.stream().map(SplitQueue::state).toList();
            TransportState transport = new TransportState(device.deviceType(), status.get(), driverFeatures,
                    deviceFeaturesSel, driverFeaturesSel, queueSel, interruptStatus.get(), configGeneration.get(),
                    saved);
            VirtioDeviceState state = device.saveState(transport);
            if (!(state instanceof Record record) || !device.stateType().isInstance(state)) {
                throw new IllegalStateException(name + ": the device's state is not a " + device.stateType().getName()
                        + " record");
            }
            return record;
        }
    }

    /**
     * Puts a saved state back into this transport and its device, both just built from the same configuration in
     * a VM whose guest memory holds the saved RAM; see the class comment for what is checked and resumed.
     *
     * @throws SnapshotException the state does not fit (another device or configuration, values a transport
     *                           never holds, rings outside guest memory); one line, nothing changed then
     * @throws IllegalStateException this transport was already in use
     */
    @Override
    public synchronized void restoreState(Record state) throws SnapshotException {
        synchronized (deviceLock) {
            if (active || status.get() != 0) {
                throw new IllegalStateException(name + ": restore into a transport already in use");
            }
            if (!device.stateType().isInstance(state)) {
                String saved = state == null ? "missing" : "a " + state.getClass().getSimpleName();
                throw refused("the saved state is " + saved + ", this device's is a "
                        + device.stateType().getSimpleName());
            }
            VirtioDeviceState deviceState = (VirtioDeviceState) state;
            TransportState saved = deviceState.transport();
            if (saved == null) {
                throw refused("the saved state has no transport state");
            }
            boolean resumes = checkSaved(saved);
            List<SplitQueue> restored = restoreQueues(saved, resumes);
            try {
                device.restoreState(deviceState, resumes);
            } catch (SnapshotException e) {
                throw refused(e.getMessage());
            }
            for (int i = 0; i < restored.size(); i++) {
                queues.set(i, restored.get(i));
            }
            deviceFeaturesSel = saved.deviceFeaturesSel();
            driverFeaturesSel = saved.driverFeaturesSel();
            driverFeatures = saved.driverFeatures();
            queueSel = saved.queueSel();
            interruptStatus.set(saved.interruptStatus());
            configGeneration.set(saved.configGeneration());
            status.set(saved.status());
            if (resumes) {
                startDevice();
            }
            if (resumes || saved.interruptStatus() != 0) {
                scheduleResumeKick();
            }
        }
    }

    /**
     * Checks the saved registers against this transport's device; returns whether the device resumes (the driver
     * had set DRIVER_OK and the device did not need a reset).
     */
    private boolean checkSaved(TransportState saved) throws SnapshotException {
        if (saved.deviceType() != device.deviceType()) {
            throw refused("saved from device type " + saved.deviceType() + ", this is device type "
                    + device.deviceType());
        }
        if (saved.queues() == null || saved.queues().size() != queues.size()) {
            throw refused((saved.queues() == null ? "no" : saved.queues().size()) + " queues saved, the device has "
                    + queues.size());
        }
        int s = saved.status();
        if ((s & STATUS_FEATURES_OK) != 0 && (saved.driverFeatures() & ~device.deviceFeatures()) != 0) {
            throw refused(String.format("the driver accepted features 0x%x the device does not offer",
                    saved.driverFeatures() & ~device.deviceFeatures()));
        }
        if ((s & STATUS_FEATURES_OK) != 0 && (saved.driverFeatures() & VirtioFeatures.VERSION_1) == 0) {
            throw refused("FEATURES_OK without VIRTIO_F_VERSION_1, which this transport never accepts");
        }
        if ((s & STATUS_DRIVER_OK) != 0 && (s & STATUS_FEATURES_OK) == 0) {
            throw refused("DRIVER_OK without FEATURES_OK, which this transport never accepts");
        }
        if ((saved.interruptStatus() & ~(INT_USED_BUFFER | INT_CONFIG_CHANGE)) != 0) {
            throw refused(String.format("interrupt status 0x%x has bits other than used buffer and configuration"
                    + " change", saved.interruptStatus()));
        }
        return (s & STATUS_DRIVER_OK) != 0 && (s & STATUS_NEEDS_RESET) == 0;
    }

    /** The saved queues, each checked; a resuming device's ready queues must lie inside guest memory. */
    private List<SplitQueue> restoreQueues(TransportState saved, boolean resumes) throws SnapshotException {
        boolean eventIdx = (saved.driverFeatures() & VirtioFeatures.RING_EVENT_IDX) != 0;
        List<SplitQueue> restored = new ArrayList<>();
        for (int i = 0; i < queues.size(); i++) {
            QueueState qs = saved.queues().get(i);
            SplitQueue q = new SplitQueue(device.queueMaxSize());
            try {
                if (qs == null) {
                    throw new SnapshotException("missing");
                }
                q.restore(qs);
                if (resumes && qs.eventIdx() != eventIdx) {
                    throw new SnapshotException("event idx " + (qs.eventIdx() ? "on" : "off")
                            + " while the driver " + (eventIdx ? "accepted" : "did not accept") + " it");
                }
                if (resumes && qs.ready()) {
                    q.validate(memory);
                }
            } catch (SnapshotException | VirtqueueException e) {
                throw refused("queue " + i + ": " + e.getMessage());
            }
            restored.add(q);
        }
        return restored;
    }

    private SnapshotException refused(String why) {
        return new SnapshotException("virtio-mmio " + name + ": cannot restore: " + why);
    }

    /** Has the event loop run the restored device's pending work once; see the class comment. */
    private void scheduleResumeKick() {
        resumeKick = new EventFd();
        resumeKick.signal();
        resumeKickSource = loop.add(resumeKick.fd(), EventOps.READABLE, ready -> resume());
    }

    private void resume() {
        synchronized (deviceLock) {
            if (resumeKick == null) {
                return; // reset or closed since
            }
            cancelResumeKick();
        }
        if (interruptStatus.get() != 0) {
            irq.trigger();
        }
        runDeviceWork(() -> {
            for (int i = 0; i < queues.size(); i++) {
                if (queues.get(i).ready()) {
                    device.process(i);
                }
            }
        }, "resumed queues");
    }

    /** Forgets a resume that has not run. Under the device lock. */
    private void cancelResumeKick() {
        if (resumeKick != null) {
            resumeKickSource.remove();
            resumeKick.close();
            resumeKick = null;
            resumeKickSource = null;
        }
    }

    /**
     * Releases what a restore holds until the event loop has run it: for VM teardown, once the event loop is
     * closed (its epoll is gone with it, so the fd is only closed, not removed from it).
     */
    @Override
    public void close() {
        synchronized (deviceLock) {
            if (resumeKick != null) {
                resumeKick.close();
                resumeKick = null;
                resumeKickSource = null;
            }
        }
    }

    // Both may be called by device work on the event loop: no lock, so they never wait for a vCPU.
    @Override
    public void usedBuffer() {
        interruptStatus.getAndUpdate(bits -> bits | INT_USED_BUFFER);
        irq.trigger();
    }

    @Override
    public void configChanged() {
        configGeneration.incrementAndGet();
        interruptStatus.getAndUpdate(bits -> bits | INT_CONFIG_CHANGE);
        irq.trigger();
    }
}
