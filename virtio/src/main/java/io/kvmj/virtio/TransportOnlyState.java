package io.kvmj.virtio;

/**
 * The snapshot state of a device that keeps nothing of its own beyond its queues and transport registers
 * (virtio-rng: its requests complete as they are popped, and it has no configuration space).
 */
public record TransportOnlyState(TransportState transport) implements VirtioDeviceState {
}
