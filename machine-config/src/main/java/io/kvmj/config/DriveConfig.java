package io.kvmj.config;

import java.nio.file.Path;

/**
 * A virtio-blk drive (Firecracker's {@code drives} entry, plus kvmj's {@code serial} and {@code direct_io}).
 * In a validated config {@code path} is absolute and normalized and {@code serial} is never null.
 *
 * @param driveId unique name, 1 to 64 characters from {@code [A-Za-z0-9_-]}
 * @param rootDevice true for the (at most one) drive the kernel mounts as root
 * @param partuuid the root partition's PARTUUID, null when absent
 * @param writeback true for Firecracker's {@code "Writeback"} cache type (guest flushes reach the host file),
 *        false for {@code "Unsafe"} (flushes are acknowledged without syncing)
 * @param serial the virtio-blk ID the guest reads, printable ASCII of at most
 *        {@link ConfigLimits#VIRTIO_BLK_ID_BYTES} bytes; defaults to {@link #defaultSerial(String)}
 * @param directIo open the file with O_DIRECT (bypass the host page cache)
 */
public record DriveConfig(String driveId, Path path, boolean rootDevice, boolean readOnly, String partuuid,
                          boolean writeback, String serial, boolean directIo) {
    /** The serial a drive gets when the config names none: its drive_id, cut to the virtio-blk ID size. */
    public static String defaultSerial(String driveId) {
        return driveId.length() <= ConfigLimits.VIRTIO_BLK_ID_BYTES ? driveId
                : driveId.substring(0, ConfigLimits.VIRTIO_BLK_ID_BYTES);
    }
}
