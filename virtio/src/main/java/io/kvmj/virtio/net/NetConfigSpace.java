package io.kvmj.virtio.net;

import io.kvmj.virtio.ConfigSpaceBytes;

/**
 * struct virtio_net_config (virtio 1.2 section 5.1.4), read-only: mac[6] at 0, status (le16) at 6,
 * max_virtqueue_pairs (le16) at 8, mtu (le16) at 10. status stays 0: without VIRTIO_NET_F_STATUS (not offered)
 * the driver assumes the link is up and never reads it.
 */
final class NetConfigSpace {
    static final int SIZE = 12;
    private static final int MAX_VIRTQUEUE_PAIRS = 8;
    private static final int MTU = 10;

    private final byte[] bytes = new byte[SIZE];

    /** @param mac 6 bytes or null (reads as zeros); @param mtu bytes, or 0 for none */
    NetConfigSpace(byte[] mac, int mtu) {
        if (mac != null) {
            System.arraycopy(mac, 0, bytes, 0, 6);
        }
        bytes[MAX_VIRTQUEUE_PAIRS] = 1;
        bytes[MTU] = (byte) mtu;
        bytes[MTU + 1] = (byte) (mtu >>> 8);
    }

    /** Little-endian read of 1-8 bytes; bytes past the end read as zero. */
    long read(int offset, int size) {
        return ConfigSpaceBytes.read(bytes, offset, size);
    }
}
