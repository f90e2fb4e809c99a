package io.kvmj.virtio.net;

import java.nio.ByteBuffer;

/** Ethernet, ARP and IPv4/ICMP frames built and checked by hand, each preceded by a virtio_net_hdr_v1. */
final class Frames {
    static final int ETH = 14;
    static final int IP = 20;
    static final short ETHERTYPE_IPV4 = 0x0800;
    static final short ETHERTYPE_ARP = 0x0806;
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    private static final int NEEDS_CSUM = 1;

    private Frames() {
    }

    /** A virtio_net_hdr_v1 (little-endian): no GSO; with {@code csumStart} > 0, NEEDS_CSUM at that offset. */
    static ByteBuffer header(ByteBuffer b, int csumStart, int csumOffset) {
        return b.put((byte) (csumStart > 0 ? NEEDS_CSUM : 0)).put((byte) 0)
                .putShort(Short.reverseBytes((short) 0)).putShort((short) 0)
                .putShort(Short.reverseBytes((short) csumStart)).putShort(Short.reverseBytes((short) csumOffset))
                .putShort((short) 0);
    }

    static byte[] arpRequest(byte[] srcMac, byte[] srcIp, byte[] targetIp) {
        ByteBuffer b = ByteBuffer.allocate(NetDevice.HEADER_BYTES + ETH + 28);
        header(b, 0, 0).put(BROADCAST).put(srcMac).putShort(ETHERTYPE_ARP);
        b.putShort((short) 1).putShort(ETHERTYPE_IPV4).put((byte) 6).put((byte) 4).putShort((short) 1)
                .put(srcMac).put(srcIp).put(new byte[6]).put(targetIp);
        return b.array();
    }

    /**
     * An ICMP echo request; with {@code partial}, its checksum is left to the device (NEEDS_CSUM over the ICMP
     * message, as a driver does with VIRTIO_NET_F_CSUM), otherwise computed here.
     */
    static byte[] echoRequest(byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp, int id, byte[] payload,
                              boolean partial) {
        int icmpLength = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(NetDevice.HEADER_BYTES + ETH + IP + icmpLength);
        header(b, partial ? ETH + IP : 0, 2).put(dstMac).put(srcMac).putShort(ETHERTYPE_IPV4);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (IP + icmpLength)).putShort((short) id)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 1).putShort((short) 0).put(srcIp).put(dstIp);
        b.putShort(ip + 10, checksum(b.array(), ip, IP));
        int icmp = b.position();
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) 1).put(payload);
        if (!partial) {
            b.putShort(icmp + 2, checksum(b.array(), icmp, icmpLength));
        }
        return b.array();
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes at {@code offset}; 0 over a correct one. */
    static short checksum(byte[] bytes, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = bytes[offset + i] & 0xff;
            int lo = i + 1 < length ? bytes[offset + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    /** The frame's ethertype; {@code frame} starts with the virtio-net header. */
    static short ethertype(byte[] frame) {
        return ByteBuffer.wrap(frame).getShort(NetDevice.HEADER_BYTES + 12);
    }
}
