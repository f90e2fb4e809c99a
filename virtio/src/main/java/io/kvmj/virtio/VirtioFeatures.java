package io.kvmj.virtio;

/** Feature bits shared by every device type (virtio 1.2 section 6). */
public final class VirtioFeatures {
    public static final long RING_INDIRECT_DESC = 1L << 28;
    public static final long RING_EVENT_IDX = 1L << 29;
    public static final long VERSION_1 = 1L << 32;
    /** What every kvmj device offers on top of its own features. */
    public static final long COMMON = RING_INDIRECT_DESC | RING_EVENT_IDX | VERSION_1;

    private VirtioFeatures() {
    }
}
