package io.kvmj.virtio;

/** How a device tells its driver something happened; the transport maps it to ISR bits and an interrupt. */
public interface VirtioInterrupt {
    void usedBuffer();

    void configChanged();
}
