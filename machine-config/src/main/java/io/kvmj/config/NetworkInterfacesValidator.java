package io.kvmj.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks on Firecracker's {@code network-interfaces}: how many there are, each interface's keys, and that no two
 * share an {@code iface_id}, a TAP device or a MAC address. The first problem is thrown, in config order.
 */
final class NetworkInterfacesValidator {
    private NetworkInterfacesValidator() {}

    /** Returns {@code interfaces}, which need no normalizing once checked. */
    static List<NetworkInterfaceConfig> validate(List<NetworkInterfaceConfig> interfaces) throws ConfigException {
        if (interfaces.size() > ConfigLimits.MAX_NETWORK_INTERFACES) {
            throw new ConfigException(Keys.NETWORK_INTERFACES, "too many: " + interfaces.size() + " (at most "
                    + ConfigLimits.MAX_NETWORK_INTERFACES + ", one virtio-mmio interrupt line each)");
        }
        FirstUse<String> ids = new FirstUse<>(Keys.IFACE_ID, "");
        // kvmj opens a TAP device single-queue, so a second open of the same one would fail (EBUSY)
        FirstUse<String> taps = new FirstUse<>(Keys.HOST_DEV_NAME, "; a single-queue TAP device serves one interface");
        FirstUse<MacAddress> macs = new FirstUse<>(Keys.GUEST_MAC, "");
        for (int i = 0; i < interfaces.size(); i++) {
            NetworkInterfaceConfig nic = interfaces.get(i);
            checkIfaceId(Keys.networkInterface(i, Keys.IFACE_ID), nic.ifaceId());
            ids.claim(i, nic.ifaceId(), ConfigFileMapper.quote(nic.ifaceId()));
            checkHostDevName(Keys.networkInterface(i, Keys.HOST_DEV_NAME), nic.hostDevName());
            taps.claim(i, nic.hostDevName(), ConfigFileMapper.quote(nic.hostDevName()));
            if (nic.guestMac() != null) {
                checkGuestMac(Keys.networkInterface(i, Keys.GUEST_MAC), nic.guestMac());
                macs.claim(i, nic.guestMac(), nic.guestMac().toString());
            }
            checkMtu(Keys.networkInterface(i, Keys.MTU), nic.mtu());
        }
        return interfaces;
    }

    private static void checkIfaceId(String key, String id) throws ConfigException {
        if (id == null) throw new ConfigException(key, "required key missing");
        if (id.isEmpty()) throw new ConfigException(key, "must not be empty");
    }

    /**
     * Linux's {@code dev_valid_name}: 1 to 15 bytes, no "/", ":" or whitespace, not "." or "..". kvmj also keeps to
     * printable ASCII, since Linux counts byte 0xa0, which many UTF-8 characters contain, as whitespace.
     */
    private static void checkHostDevName(String key, String name) throws ConfigException {
        if (name == null) throw new ConfigException(key, "required key missing");
        if (name.isEmpty()) throw new ConfigException(key, "must not be empty");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c > '~' || c == '/' || c == ':') {
                throw new ConfigException(key, String.format("only printable ASCII without spaces, \"/\" or \":\" is"
                        + " allowed in a Linux interface name (found U+%04X at index %d)", (int) c, i));
            }
        }
        if (name.equals(".") || name.equals("..")) {
            throw new ConfigException(key, "must not be \".\" or \"..\" (Linux refuses them: interface names are"
                    + " directory names in /sys/class/net)");
        }
        if (name.length() > ConfigLimits.MAX_HOST_DEV_NAME_BYTES) { // ASCII: one byte a character
            throw new ConfigException(key, "too long: " + name.length() + " bytes (at most "
                    + ConfigLimits.MAX_HOST_DEV_NAME_BYTES + "; Linux IFNAMSIZ is 16 including the NUL)");
        }
    }

    // Neither names one station: Linux's is_valid_ether_addr() refuses both as a NIC's address.
    private static void checkGuestMac(String key, MacAddress mac) throws ConfigException {
        if (mac.isMulticast()) {
            throw new ConfigException(key, "must be a unicast address (got multicast " + mac
                    + ": the low bit of the first octet is set)");
        }
        if (mac.isZero()) throw new ConfigException(key, "must not be all zeros (got " + mac + ")");
    }

    // Linux's virtio_net refuses advice outside its own range (ETH_MIN_MTU 68, 65535) and drops the feature.
    private static void checkMtu(String key, int mtu) throws ConfigException {
        if (mtu != NetworkInterfaceConfig.NO_MTU && (mtu < ConfigLimits.MIN_MTU || mtu > ConfigLimits.MAX_MTU)) {
            throw new ConfigException(key, "out of range: " + mtu + " (" + ConfigLimits.MIN_MTU + " to "
                    + ConfigLimits.MAX_MTU + " bytes, or omit it for the guest's default)");
        }
    }

    /** Which interface first used each value of one key, so that a repeat can name it. */
    private static final class FirstUse<T> {
        private final String key;
        private final String why;
        private final Map<T, Integer> byValue = new HashMap<>();

        /** @param why appended to the duplicate message, "; ..." or "" */
        FirstUse(String key, String why) {
            this.key = key;
            this.why = why;
        }

        /** Records that interface {@code index} uses {@code value}; {@code shown} is how messages write it. */
        void claim(int index, T value, String shown) throws ConfigException {
            Integer other = byValue.putIfAbsent(value, index);
            if (other != null) {
                throw new ConfigException(Keys.networkInterface(index, key), "duplicate " + key + " " + shown
                        + " (also " + Keys.networkInterface(other) + why + ")");
            }
        }
    }
}
