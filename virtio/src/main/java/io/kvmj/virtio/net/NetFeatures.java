package io.kvmj.virtio.net;

import io.kvmj.sys.UapiConstants;
import io.kvmj.virtio.VirtioFeatures;

/** virtio-net feature bits (virtio 1.2 section 5.1.3) and what the device offers of them. */
final class NetFeatures {
    static final long CSUM = 1L << 0;
    static final long GUEST_CSUM = 1L << 1;
    static final long MTU = 1L << 3;
    static final long MAC = 1L << 5;
    static final long GUEST_TSO4 = 1L << 7;
    static final long GUEST_TSO6 = 1L << 8;
    static final long GUEST_UFO = 1L << 10;
    static final long HOST_TSO4 = 1L << 11;
    static final long HOST_TSO6 = 1L << 12;
    static final long HOST_UFO = 1L << 14;
    static final long MRG_RXBUF = 1L << 15;

    // The offloads a TAP takes both ways; no STATUS (the link is always up), no control queue, one queue pair.
    private static final long ALWAYS = CSUM | GUEST_CSUM | GUEST_TSO4 | GUEST_TSO6 | GUEST_UFO | HOST_TSO4
            | HOST_TSO6 | HOST_UFO | MRG_RXBUF | VirtioFeatures.COMMON;

    private NetFeatures() {
    }

    /** The device's offer: MAC only with a configured address, MTU only with a configured MTU. */
    static long offered(boolean hasMac, boolean hasMtu) {
        return ALWAYS | (hasMac ? MAC : 0) | (hasMtu ? MTU : 0);
    }

    /**
     * The TAP offloads matching the driver's GUEST_* features: the guest takes partial checksums with
     * GUEST_CSUM, and TSO/UFO frames only on top of it (section 5.1.3.1 makes GUEST_TSO4/6 and GUEST_UFO
     * require GUEST_CSUM; the kernel ignores segmentation offloads without TUN_F_CSUM all the same).
     */
    static int tunOffload(long accepted) {
        if ((accepted & GUEST_CSUM) == 0) {
            return 0;
        }
        return UapiConstants.TUN_F_CSUM
                | ((accepted & GUEST_TSO4) != 0 ? UapiConstants.TUN_F_TSO4 : 0)
                | ((accepted & GUEST_TSO6) != 0 ? UapiConstants.TUN_F_TSO6 : 0)
                | ((accepted & GUEST_UFO) != 0 ? UapiConstants.TUN_F_UFO : 0);
    }
}
