package io.kvmj.virtio.net;

import io.kvmj.virtio.Closer;
import io.kvmj.virtio.MmioDriver;
import io.kvmj.virtio.MmioDriver.Buffer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A device on a real TAP (in a network namespace of the test's own, as {@link NetTapTest}) saved, then restored on
 * a TAP opened afresh, as a rebuilt device opens its TAP from the configuration: with every offload negotiated
 * (TUNSETOFFLOAD on the new TAP) and mergeable receive buffers, the guest's next ARP and ping get their answers.
 * Needs root, iproute2 and /dev/net/tun.
 */
class NetTapSnapshotTest {
    private static final byte[] GUEST_MAC = {0x52, 0x54, 0x00, 0x77, 0x00, 0x02};
    private static final byte[] GUEST_IP = {10, 77, 0, 2};
    private static final byte[] HOST_IP = {10, 77, 0, 1};
    private static final long TIMEOUT_NANOS = 2_000_000_000L;
    @AutoClose
    private final Closer open = new Closer();

    /** A device on a new TAP moved into a new namespace where the host end is 10.77.0.1. */
    private NetDevice deviceOnTap() {
        NetNamespace namespace = open.track(new NetNamespace());
        String tap = NetNamespace.uniqueName();
        NetDevice device = open.track(new NetDevice(tap, GUEST_MAC, 1500));
        namespace.adopt(tap, "10.77.0.1/24");
        return device;
    }

    /**
     * The driver's receive side: buffers by head index, and how many used entries it has taken; each one taken is
     * replaced, as a driver refills its ring (the namespace's kernel sends IPv6 chatter of its own).
     */
    private static final class Receiver {
        final Map<Integer, Buffer> buffers = new HashMap<>();
        int taken;

        void offer(MmioDriver d, int count) {
            for (int i = 0; i < count; i++) {
                Buffer b = d.writable(2048);
                buffers.put(d.offer(NetDevice.RX, b), b);
            }
        }

        /** Runs the event loop until a received frame passes {@code wanted}; returns it (header first). */
        byte[] await(MmioDriver d, String what, Predicate<byte[]> wanted) {
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (System.nanoTime() < deadline) {
                d.loop.dispatch(20);
                while (taken != d.usedIdx(NetDevice.RX)) {
                    Buffer b = buffers.get(d.usedId(NetDevice.RX, taken));
                    byte[] frame = d.mem.read(b.address(), d.usedLen(NetDevice.RX, taken));
                    taken++;
                    offer(d, 1);
                    d.notify(NetDevice.RX);
                    assertEquals(1, frame[10], "num_buffers: a 2048-byte buffer holds each frame");
                    if (wanted.test(frame)) {
                        return frame;
                    }
                }
            }
            throw new AssertionError("no " + what + " from the namespace's kernel within 2 s");
        }
    }

    private static byte[] resolveHost(MmioDriver d, Receiver rx) {
        d.offer(NetDevice.TX, d.readable(Frames.arpRequest(GUEST_MAC, GUEST_IP, HOST_IP)));
        d.notify(NetDevice.TX);
        int arp = NetDevice.HEADER_BYTES + Frames.ETH;
        byte[] reply = rx.await(d, "ARP reply", f -> Frames.ethertype(f) == Frames.ETHERTYPE_ARP
                && ByteBuffer.wrap(f).getShort(arp + 6) == 2);
        return Arrays.copyOfRange(reply, arp + 8, arp + 14);
    }

    @Test
    void theRestoredDeviceWorksOnTheNewTap() throws Exception {
        NetDevice original = deviceOnTap();
        MmioDriver before = open.track(new MmioDriver(original));
        before.initialize(original.deviceFeatures()); // every offload and MRG_RXBUF
        Receiver rx = new Receiver();
        rx.offer(before, 8);
        before.notify(NetDevice.RX);
        resolveHost(before, rx);
        MmioDriver.Saved saved = before.save();

        NetDevice rebuilt = deviceOnTap();
        MmioDriver after = open.track(MmioDriver.restore(saved, rebuilt));
        after.dispatch();
        byte[] hostMac = resolveHost(after, rx); // the new TAP has its own MAC: the guest asks again
        byte[] payload = new byte[1400];
        Arrays.fill(payload, (byte) 0x5a);
        after.offer(NetDevice.TX, after.readable(Frames.echoRequest(hostMac, GUEST_MAC, GUEST_IP, HOST_IP, 0x4b4a,
                payload, true)));
        after.notify(NetDevice.TX);
        int ip = NetDevice.HEADER_BYTES + Frames.ETH;
        byte[] reply = rx.await(after, "ICMP echo reply", f -> Frames.ethertype(f) == Frames.ETHERTYPE_IPV4
                && f[ip + 9] == 1 && f[ip + Frames.IP] == 0);
        assertArrayEquals(payload, Arrays.copyOfRange(reply, reply.length - payload.length, reply.length));
        assertEquals(0, rebuilt.rxDropped());
        assertEquals(0, rebuilt.txDropped());
    }
}
