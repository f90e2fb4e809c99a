package io.kvmj.virtio;

import io.kvmj.vmm.devices.InterruptLine;

/**
 * A device's interrupt in tests: counts the notifications a device sends ({@link VirtioInterrupt}), or, as a
 * transport's interrupt line, the interrupts the transport raises.
 */
public final class CountingInterrupt implements VirtioInterrupt, InterruptLine {
    private int usedBuffers;
    private int configChanges;
    private int triggers;

    @Override
    public void usedBuffer() {
        usedBuffers++;
    }

    @Override
    public void configChanged() {
        configChanges++;
    }

    @Override
    public void trigger() {
        triggers++;
    }

    /** Used buffer notifications so far. */
    public int usedBuffers() {
        return usedBuffers;
    }

    /** Configuration change notifications so far. */
    public int configChanges() {
        return configChanges;
    }

    /** Interrupts raised on the line so far. */
    public int triggers() {
        return triggers;
    }
}
