package io.kvmj.it.linux;

import java.nio.file.Path;

/**
 * A virtio-blk drive of a test machine: a raw image file on the host.
 *
 * @param id       the drive id (kvmj's config key {@code drive_id}, QEMU's {@code -drive id=})
 * @param path     the image file
 * @param root     the root device: attached first (so Linux names it vda) and named by {@code root=} on the
 *                 command line, as Firecracker does
 * @param readOnly the guest may not write it
 * @param serial   the string the guest reads as the disk's serial ({@code VIRTIO_BLK_T_GET_ID})
 */
public record Drive(String id, Path path, boolean root, boolean readOnly, String serial) {
    /** A writable, non-root drive whose serial is its id. */
    public static Drive of(String id, Path path) {
        return new Drive(id, path, false, false, id);
    }

    /** This drive as the root device. */
    public Drive asRoot() {
        return new Drive(id, path, true, readOnly, serial);
    }

    /** This drive, read-only. */
    public Drive readOnlyDrive() {
        return new Drive(id, path, root, true, serial);
    }

    /** This drive with another serial. */
    public Drive withSerial(String newSerial) {
        return new Drive(id, path, root, readOnly, newSerial);
    }
}
