package io.kvmj.virtio;

import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.List;

/**
 * A virtio device model, independent of its transport. It never sees the VM: only guest memory, its queues
 * and an interrupt, handed over when the driver is ready ({@link #activate}).
 */
public interface VirtioDevice {
    /** Device ID from the virtio spec (2 block, 4 entropy, ...). */
    int deviceType();

    /** Feature bits offered, transport and ring features included. */
    long deviceFeatures();

    int queueCount();

    int queueMaxSize();

    /** A read of {@code size} bytes of device-specific configuration; out-of-range bytes read as 0. */
    long readConfig(int offset, int size);

    /** A driver write to configuration space; read-only fields ignore it. */
    void writeConfig(int offset, int size, long value);

    /** The driver set DRIVER_OK: from now on queues may be processed. */
    void activate(GuestMemory memory, List<SplitQueue> queues, long ackedFeatures, VirtioInterrupt interrupt);

    /** The driver notified queue {@code index}; process what it made available. */
    void process(int index) throws VirtqueueException;

    /** Back to the pre-activation state (driver reset or DEVICE_NEEDS_RESET recovery). */
    void reset();
}
