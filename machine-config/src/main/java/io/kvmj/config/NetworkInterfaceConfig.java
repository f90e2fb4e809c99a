package io.kvmj.config;

/**
 * A guest network interface backed by a host TAP device (Firecracker's {@code network-interfaces} entry). In a
 * validated config no two interfaces share an {@code ifaceId}, a {@code hostDevName} or a {@code guestMac}.
 *
 * @param ifaceId     the interface's name in the config, not empty
 * @param hostDevName the host TAP device: a Linux interface name of 1 to
 *                    {@link ConfigLimits#MAX_HOST_DEV_NAME_BYTES} bytes, printable ASCII without spaces, "/" or ":",
 *                    neither "." nor ".."
 * @param guestMac    the address the guest's NIC gets, unicast and not all zeros; null when the config gives none
 *                    (the device then offers none and the guest's driver picks one, as with Firecracker)
 * @param mtu         the MTU the device advises the guest to use (VIRTIO_NET_F_MTU, virtio 1.2 section 5.1.4), bytes,
 *                    {@link ConfigLimits#MIN_MTU} to {@link ConfigLimits#MAX_MTU}; {@link #NO_MTU} for no advice (the
 *                    guest's default, 1500 for Linux). kvmj does not change the TAP's own MTU: set both alike.
 */
public record NetworkInterfaceConfig(String ifaceId, String hostDevName, MacAddress guestMac, int mtu) {
    /** No MTU advice: the feature is not offered. */
    public static final int NO_MTU = 0;

    /** An interface without MTU advice. */
    public NetworkInterfaceConfig(String ifaceId, String hostDevName, MacAddress guestMac) {
        this(ifaceId, hostDevName, guestMac, NO_MTU);
    }
}
