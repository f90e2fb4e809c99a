package io.kvmj.virtio;

import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.snapshot.SnapshotException;

/**
 * A virtio device model, independent of its transport. It never sees the VM: only guest memory, its queues,
 * an interrupt and the event loop, handed over when the driver is ready ({@link #activate}).
 * Threads: {@link #activate}, {@link #process}, {@link #reset} and the device's event handlers are serialized
 * by the transport; configuration space reads and writes come from vCPU threads at any time and must be
 * safe alongside them (an immutable configuration is).
 * <p>Snapshots: the transport saves its registers and queues and hands them to {@link #saveState}, which wraps
 * them with the device's own values in the device's state record; at restore it gives that record back to
 * {@link #restoreState} on a device built afresh from the same configuration, then activates the device
 * again if the driver had. Both run with the VM paused and the device not working.
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

    /** The record {@link #saveState} returns, a {@link VirtioDeviceState} of plain values. */
    Class<? extends VirtioDeviceState> stateType();

    /**
     * The device's state now: its own values (the configuration they must match, work it holds) and
     * {@code transport}, the transport's part. Called with the VM paused, between two pieces of device work.
     */
    VirtioDeviceState saveState(TransportState transport);

    /**
     * Takes back a state {@link #saveState} returned, of {@link #stateType} (the transport checked the type), into
     * this device, built from the configuration and never activated. Checks that the state fits the device and
     * keeps what the device needs when it is activated next.
     *
     * @param resumes whether the transport activates the device right afterwards, resuming a driver that had set
     *                DRIVER_OK (rather than waiting for a driver to initialize the device)
     * @throws SnapshotException the state does not fit this device (another configuration), in one line
     */
    void restoreState(VirtioDeviceState state, boolean resumes) throws SnapshotException;
}
