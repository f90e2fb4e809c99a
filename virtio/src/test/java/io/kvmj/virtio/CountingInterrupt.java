package io.kvmj.virtio;

/** A device's interrupt line in tests: counts the notifications the device sends. */
public final class CountingInterrupt implements VirtioInterrupt {
    private int usedBuffers;
    private int configChanges;

    @Override
    public void usedBuffer() {
        usedBuffers++;
    }

    @Override
    public void configChanged() {
        configChanges++;
    }

    /** Used buffer notifications so far. */
    public int usedBuffers() {
        return usedBuffers;
    }

    /** Configuration change notifications so far. */
    public int configChanges() {
        return configChanges;
    }
}
