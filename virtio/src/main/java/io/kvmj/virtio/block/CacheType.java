package io.kvmj.virtio.block;

/**
 * What a guest's cache flush does, as Firecracker's drive {@code cache_type} has it
 * (Firecracker docs/api_requests/block-caching.md).
 */
public enum CacheType {
    /**
     * The device does not offer VIRTIO_BLK_F_FLUSH, so the guest treats the disk as having no volatile cache; a
     * flush request sent anyway completes without syncing. Written data reaches the host file, not the disk, until
     * the host kernel writes it back. Firecracker's default.
     */
    UNSAFE,
    /** The device offers VIRTIO_BLK_F_FLUSH and a guest flush syncs the host file's data (fdatasync). */
    WRITEBACK
}
