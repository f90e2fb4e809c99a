package io.kvmj.virtio.net;

import io.kvmj.virtio.VirtioFeatures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The device on a real TAP whose other end is the Linux stack of a network namespace of the test's own:
 * the TAP is created in the test's namespace and moved into it (the fd stays attached), with 10.77.0.1/24.
 * A fake guest at 10.77.0.2 asks for 10.77.0.1 by ARP and pings it; the kernel's answers come back on the
 * receive queue. Needs root, iproute2 and /dev/net/tun.
 */
class NetTapTest {
    private static final byte[] GUEST_MAC = {0x52, 0x54, 0x00, 0x77, 0x00, 0x02};
    private static final byte[] GUEST_IP = {10, 77, 0, 2};
    private static final byte[] HOST_IP = {10, 77, 0, 1};
    private static final int ICMP = Frames.ETH + Frames.IP;
    private static final long TIMEOUT_NANOS = 2_000_000_000L;

    private NetNamespace namespace;
    private NetDevice device;
    private final FakeNetDriver driver = new FakeNetDriver();

    @BeforeEach
    void tapInANamespace() {
        namespace = new NetNamespace();
        String tap = NetNamespace.uniqueName();
        device = new NetDevice(tap, GUEST_MAC, 1500);
        namespace.adopt(tap, "10.77.0.1/24");
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
        driver.close();
        if (namespace != null) {
            namespace.close();
        }
    }

    /** Runs the event loop until a received frame (header first) passes {@code wanted}; others are skipped. */
    private FakeNetDriver.Received await(String what, Predicate<byte[]> wanted) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            driver.loop.dispatch(20);
            while (driver.hasRx()) {
                FakeNetDriver.Received r = driver.nextRx();
                if (wanted.test(r.bytes())) {
                    return r;
                }
            }
        }
        throw new AssertionError("no " + what + " from the namespace's kernel within 2 s");
    }

    /** ARP for 10.77.0.1 (which also teaches the kernel the guest's address); returns the TAP's MAC. */
    private byte[] resolveHost() throws Exception {
        driver.offerTx(Frames.arpRequest(GUEST_MAC, GUEST_IP, HOST_IP));
        device.process(NetDevice.TX);
        int arp = NetDevice.HEADER_BYTES + Frames.ETH;
        FakeNetDriver.Received reply = await("ARP reply", f -> Frames.ethertype(f) == Frames.ETHERTYPE_ARP
                && ByteBuffer.wrap(f).getShort(arp + 6) == 2);
        byte[] f = reply.bytes();
        assertEquals(1, reply.numBuffers());
        assertArrayEquals(HOST_IP, Arrays.copyOfRange(f, arp + 14, arp + 18), "sender protocol address");
        assertArrayEquals(GUEST_MAC, Arrays.copyOfRange(f, arp + 18, arp + 24), "target hardware address");
        assertEquals(0, device.txDropped());
        return Arrays.copyOfRange(f, arp + 8, arp + 14);
    }

    /** Pings 10.77.0.1 with {@code payload}; checks the echo reply (addresses, checksums, data), returns it. */
    private FakeNetDriver.Received ping(byte[] hostMac, byte[] payload, boolean partialChecksum) throws Exception {
        int id = 0x4b4a;
        driver.offerTx(Frames.echoRequest(hostMac, GUEST_MAC, GUEST_IP, HOST_IP, id, payload, partialChecksum));
        device.process(NetDevice.TX);
        int ip = NetDevice.HEADER_BYTES + Frames.ETH;
        FakeNetDriver.Received reply = await("ICMP echo reply", f -> Frames.ethertype(f) == Frames.ETHERTYPE_IPV4
                && f[ip + 9] == 1 && f[ip + Frames.IP] == 0);
        byte[] f = reply.bytes();
        assertEquals(0, Frames.checksum(f, ip, Frames.IP), "IPv4 header checksum");
        assertArrayEquals(GUEST_IP, Arrays.copyOfRange(f, ip + 16, ip + 20));
        int icmpLength = f.length - NetDevice.HEADER_BYTES - ICMP;
        assertEquals(8 + payload.length, icmpLength);
        assertEquals(0, Frames.checksum(f, NetDevice.HEADER_BYTES + ICMP, icmpLength), "ICMP checksum");
        assertEquals(id, ByteBuffer.wrap(f).getShort(NetDevice.HEADER_BYTES + ICMP + 4) & 0xffff);
        assertArrayEquals(payload, Arrays.copyOfRange(f, f.length - payload.length, f.length));
        return reply;
    }

    @Test
    void theKernelAnswersArpAndPingInOneBufferEach() throws Exception {
        driver.activate(device, VirtioFeatures.COMMON | NetFeatures.MAC);
        driver.offerRx(32, 2048);
        byte[] hostMac = resolveHost();
        FakeNetDriver.Received reply = ping(hostMac, "kvmj virtio-net".repeat(4).getBytes(), false);
        assertEquals(1, reply.numBuffers());
        assertEquals(0, device.rxDropped());
    }

    @Test
    void aLargeEchoReplySpreadsOverMergeableBuffersAndAPartialChecksumIsCompletedOnTheWay() throws Exception {
        driver.activate(device, device.deviceFeatures()); // every offload, MRG_RXBUF: TUNSETOFFLOAD for real
        driver.offerRx(48, 256);
        byte[] hostMac = resolveHost();
        byte[] payload = new byte[1400];
        Arrays.fill(payload, (byte) 0x5a);
        FakeNetDriver.Received reply = ping(hostMac, payload, true);
        int bytes = NetDevice.HEADER_BYTES + ICMP + 8 + payload.length;
        assertEquals((bytes + 255) / 256, reply.numBuffers(), bytes + " bytes in 256-byte buffers");
    }
}
