package io.kvmj.virtio;

/**
 * A virtio device's snapshot state: a record of the device's own values (those its configuration must agree with,
 * and any work it holds) with its transport's {@link TransportState} as the component {@code transport}. One record
 * per device type, so that a snapshot file stores it as plain values and reads it back by its type alone.
 */
public interface VirtioDeviceState {
    /** The transport's part, saved and restored by the transport; opaque to the device. */
    TransportState transport();
}
