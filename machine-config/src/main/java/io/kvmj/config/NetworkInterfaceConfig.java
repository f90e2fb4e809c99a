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
 */
public record NetworkInterfaceConfig(String ifaceId, String hostDevName, MacAddress guestMac) {}
