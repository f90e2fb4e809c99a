package io.kvmj.virtio.block;

import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDeviceState;

/**
 * A virtio-blk device's snapshot state. Nothing is in flight: a request is read, carried out on the backend and
 * completed within one piece of device work, and a snapshot is taken between two, so every chain the device took
 * from the available ring is already in the used ring (in guest RAM). What the guest has seen of the drive is
 * kept to check that the drive it is restored onto looks the same; the image's contents are not part of the
 * snapshot (as in Firecracker, restore onto the image as it was, or a copy taken with the snapshot).
 *
 * @param transport       the transport's registers and queues
 * @param capacitySectors the drive's size in 512-byte sectors (virtio_blk_config.capacity, section 5.2.4)
 * @param readOnly        whether VIRTIO_BLK_F_RO was offered (section 5.2.3)
 * @param serial          the drive's ID string, as VIRTIO_BLK_T_GET_ID returns it (section 5.2.6)
 */
public record BlockState(TransportState transport, long capacitySectors, boolean readOnly, String serial)
        implements VirtioDeviceState {
}
