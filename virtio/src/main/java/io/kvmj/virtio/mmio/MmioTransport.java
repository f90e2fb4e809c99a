package io.kvmj.virtio.mmio;

import io.kvmj.virtio.VirtioDevice;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.VirtioInterrupt;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.bus.BusDevice;
import io.kvmj.vmm.devices.InterruptLine;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestMemoryException;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2): the register file a driver uses to
 * negotiate features, set up queues and drive the device status, wrapping any {@link VirtioDevice}.
 * Register accesses come from vCPU threads and queue notifications from the event loop; both take this
 * object's lock, so a device never sees them interleaved. Anything the guest gets wrong either is ignored
 * (as the spec allows) or puts the device in DEVICE_NEEDS_RESET; the VMM never fails because of it.
 */
public final class MmioTransport implements BusDevice, VirtioInterrupt {
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
    private final String name;
    private final List<SplitQueue> queues = new ArrayList<>();
    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int interruptStatus;
    private int configGeneration;
    private boolean active;
    private long needsResetCount;

    public MmioTransport(String name, VirtioDevice device, GuestMemory memory, InterruptLine irq) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.irq = irq;
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
            case 0x060 -> interruptStatus;
            case 0x070 -> status;
            case 0x0fc -> configGeneration;
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
            case 0x064 -> interruptStatus &= ~v;
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
        if (q != null && !q.ready() && (status & STATUS_DRIVER_OK) == 0) {
            change.accept(q);
        }
    }

    private void setDriverFeatures(int v) {
        if ((status & STATUS_FEATURES_OK) != 0 || featureWindow(driverFeaturesSel) < 0) {
            return;
        }
        int shift = 32 * driverFeaturesSel;
        driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | (Integer.toUnsignedLong(v) << shift);
    }

    private void setQueueReady(boolean ready) {
        SplitQueue q = selectedQueue();
        if (q != null && (status & STATUS_DRIVER_OK) == 0) {
            q.ready(ready);
        }
    }

    private void setStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        int added = v & ~status;
        if ((v & status) != status) {
            return; // the driver may only add bits (other than by reset)
        }
        if ((added & STATUS_FEATURES_OK) != 0 && !featuresAcceptable()) {
            added &= ~STATUS_FEATURES_OK; // the driver reads FEATURES_OK back and sees the refusal
        }
        if ((added & STATUS_DRIVER_OK) != 0 && (status & STATUS_FEATURES_OK) == 0 && (added & STATUS_FEATURES_OK) == 0) {
            added &= ~STATUS_DRIVER_OK;
        }
        status |= added;
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
        device.activate(memory, List.copyOf(queues), driverFeatures, this);
        active = true;
    }

    /** A queue notification, from the event loop (ioeventfd) or a QueueNotify write that reached us. */
    public synchronized void notifyQueue(int index) {
        if (!active || (status & STATUS_NEEDS_RESET) != 0 || index < 0 || index >= queues.size()
                || !queues.get(index).ready()) {
            return;
        }
        try {
            device.process(index);
        } catch (VirtqueueException | GuestMemoryException e) {
            needsReset("queue " + index + ": " + e.getMessage());
        }
    }

    private void needsReset(String why) {
        // A guest can break its queues in a loop: log the first few, then one in LOG_EVERY, so it cannot
        // flood the host's logs.
        needsResetCount++;
        if (needsResetCount <= LOG_FIRST || needsResetCount % LOG_EVERY == 0) {
            LOG.log(Level.WARNING, "{0}: malformed queue, device needs reset ({1} so far): {2}",
                    new Object[] {name, needsResetCount, why});
        }
        status |= STATUS_NEEDS_RESET;
        configChanged();
    }

    private void reset() {
        if (active) {
            device.reset();
        }
        active = false;
        queues.forEach(SplitQueue::reset);
        status = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        interruptStatus = 0;
    }

    @Override
    public synchronized void usedBuffer() {
        interruptStatus |= INT_USED_BUFFER;
        irq.trigger();
    }

    @Override
    public synchronized void configChanged() {
        interruptStatus |= INT_CONFIG_CHANGE;
        configGeneration++;
        irq.trigger();
    }
}
