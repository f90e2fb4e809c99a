package io.kvmj.virtio;

import io.kvmj.virtio.queue.VirtqueueException;

/**
 * A virtio device model, independent of its transport. It never sees the VM: only guest memory, its queues,
 * an interrupt and the event loop, handed over when the driver is ready ({@link #activate}).
 * Threads: {@link #activate}, {@link #process}, {@link #reset} and the device's event handlers are serialized
 * by the transport; configuration space reads and writes come from vCPU threads at any time and must be
 * safe alongside them (an immutable configuration is).
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

    /** The driver set DRIVER_OK: from now on queues may be processed and the device may add event sources. */
    void activate(DeviceContext context);

    /** The driver notified queue {@code index}; process what it made available. */
    void process(int index) throws VirtqueueException;

    /**
     * Back to the pre-activation state (driver reset or DEVICE_NEEDS_RESET recovery). The transport has
     * already removed the device's event sources; the device closes what it opened while active.
     */
    void reset();
}
