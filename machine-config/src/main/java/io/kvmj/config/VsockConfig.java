package io.kvmj.config;

import java.nio.file.Path;

/**
 * A virtio-vsock device in Firecracker's hybrid model (Firecracker's {@code vsock} section): host programs connect
 * to the Unix socket {@code udsPath} and write {@code CONNECT <port>\n}; a guest connection to host port P goes to
 * the listener at {@code <udsPath>_P}. In a validated config {@code udsPath} is absolute and normalized, does not
 * exist yet, and its directory exists.
 *
 * @param vsockId  Firecracker's optional {@code vsock_id}, accepted and written back, otherwise unused; may be null
 * @param guestCid the guest's context ID, {@link ConfigLimits#MIN_GUEST_CID} to {@link ConfigLimits#MAX_GUEST_CID}
 * @param udsPath  where kvmj binds its listening socket; at most {@link ConfigLimits#MAX_UDS_PATH_BYTES} bytes
 */
public record VsockConfig(String vsockId, long guestCid, Path udsPath) {}
