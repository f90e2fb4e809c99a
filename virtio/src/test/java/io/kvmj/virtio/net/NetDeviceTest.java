package io.kvmj.virtio.net;

import io.kvmj.virtio.CountingInterrupt;
import io.kvmj.sys.UapiConstants;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.VirtqueueException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device over a {@link FakeBackend}: flow control, buffer placement, malformed chains, configuration. */
class NetDeviceTest {
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final long ALL = NetFeatures.offered(true, true);

    private final FakeNetDriver driver = new FakeNetDriver();
    private final FakeBackend backend = new FakeBackend();
    private final NetDevice device = new NetDevice(backend, MAC, 1500);

    @AfterEach
    void close() {
        device.close();
        driver.close();
    }

    /** A frame as the backend carries it: a zero header (num_buffers left for the device) and {@code n} bytes. */
    private static byte[] frame(int n, int seed) {
        byte[] f = new byte[NetDevice.HEADER_BYTES + n];
        for (int i = NetDevice.HEADER_BYTES; i < f.length; i++) {
            f[i] = (byte) (i * 31 + seed);
        }
        return f;
    }

    private static byte[] withNumBuffers(byte[] frame, int n) {
        byte[] f = frame.clone();
        f[10] = (byte) n;
        return f;
    }

    @Test
    void configSpaceHasTheMacAndTheMtuAndFeaturesFollowThem() {
        assertEquals(0x563412005452L, device.readConfig(0, 6));
        assertEquals(0x52, device.readConfig(0, 1));
        assertEquals(0, device.readConfig(6, 2), "status: no VIRTIO_NET_F_STATUS");
        assertEquals(1, device.readConfig(8, 2), "max_virtqueue_pairs");
        assertEquals(1500, device.readConfig(10, 2), "mtu");
        assertEquals(0, device.readConfig(12, 4), "beyond the config space");
        long f = device.deviceFeatures();
        assertTrue((f & NetFeatures.MAC) != 0 && (f & NetFeatures.MTU) != 0);
        assertEquals(VirtioFeatures.COMMON, f & VirtioFeatures.COMMON);
        assertEquals(1, device.deviceType());
        assertEquals(2, device.queueCount());

        try (NetDevice bare = new NetDevice(new FakeBackend(), null, 0)) {
            assertEquals(0, bare.deviceFeatures() & (NetFeatures.MAC | NetFeatures.MTU));
            assertEquals(0, bare.readConfig(0, 8) & 0xffff_ffff_ffffL, "no MAC configured");
            assertEquals(0, bare.readConfig(10, 2));
        }
    }

    @Test
    void badConfigurationIsRefusedBeforeTheTapIsOpened() {
        assertThrows(IllegalArgumentException.class, () -> new NetDevice("kvmjt-x", new byte[5], 0));
        assertThrows(IllegalArgumentException.class, () -> new NetDevice("kvmjt-x", null, 67));
        assertThrows(IllegalArgumentException.class, () -> new NetDevice("kvmj-name-too-long", null, 0));
    }

    @Test
    void offloadsFollowTheAcceptedGuestFeatures() throws Exception {
        driver.activate(device, VirtioFeatures.COMMON | NetFeatures.GUEST_CSUM | NetFeatures.GUEST_TSO4
                | NetFeatures.GUEST_UFO);
        assertEquals(UapiConstants.TUN_F_CSUM | UapiConstants.TUN_F_TSO4 | UapiConstants.TUN_F_UFO, backend.offload);
        driver.reset(device);
        driver.activate(device, VirtioFeatures.COMMON | NetFeatures.GUEST_TSO4);
        assertEquals(0, backend.offload, "TSO without GUEST_CSUM means no offloads");
        assertFalse(backend.closed, "a reset keeps the backend");
    }

    @Test
    void malformedTxChainsAreDroppedAndTheNextFrameStillGoes() throws Exception {
        driver.activate(device, ALL);
        driver.offerTx(new byte[10]); // shorter than the header
        driver.offerTx(new byte[NetDevice.HEADER_BYTES], new byte[NetDevice.MAX_FRAME_BYTES]); // too big
        byte[] good = frame(60, 1);
        driver.offerTx(Arrays.copyOf(good, NetDevice.HEADER_BYTES),
                Arrays.copyOfRange(good, NetDevice.HEADER_BYTES, good.length));
        device.process(NetDevice.TX);
        assertEquals(3, driver.usedIdx(NetDevice.TX), "all three completed");
        assertEquals(0, driver.usedLength(NetDevice.TX, 0));
        assertEquals(2, device.txDropped());
        assertEquals(1, backend.sent.size());
        assertArrayEquals(good, backend.sent.getFirst(), "header and frame gathered into one write");
        assertEquals(1, driver.interrupts.usedBuffers());
    }

    @Test
    void aFullBackendLeavesTheChainInTheRingUntilItIsWritable() throws Exception {
        driver.activate(device, ALL);
        backend.full = true;
        driver.offerTx(frame(60, 1));
        driver.offerTx(frame(60, 2));
        device.process(NetDevice.TX);
        assertEquals(0, driver.usedIdx(NetDevice.TX));
        assertEquals(1, backend.writeAttempts);
        device.process(NetDevice.TX); // the driver notifies again: still waiting for writability, no retry
        assertEquals(1, backend.writeAttempts);

        backend.full = false;
        driver.loop.dispatch(0); // the eventfd is writable: the device resumes
        assertEquals(2, driver.usedIdx(NetDevice.TX));
        assertEquals(2, backend.sent.size());
        assertArrayEquals(frame(60, 1), backend.sent.get(0), "the chain given back went first");
        assertEquals(0, device.txDropped());
    }

    @Test
    void withoutReceiveBuffersTheFrameIsKeptAndTheBackendNotReadUntilBuffersCome() throws Exception {
        driver.activate(device, ALL);
        backend.inject(frame(100, 1));
        driver.loop.dispatch(0);
        assertEquals(1, backend.reads);
        backend.inject(frame(100, 2));
        assertEquals(0, driver.loop.dispatch(0), "not watching the backend while a frame waits");
        assertEquals(1, backend.reads);

        driver.offerRx(4, 2048);
        device.process(NetDevice.RX);
        assertTrue(driver.hasRx());
        FakeNetDriver.Received first = driver.nextRx();
        assertArrayEquals(withNumBuffers(frame(100, 1), 1), first.bytes());
        assertArrayEquals(withNumBuffers(frame(100, 2), 1), driver.nextRx().bytes(), "then the next one, read anew");
        assertFalse(driver.hasRx());
        assertEquals(0, device.rxDropped());
    }

    @Test
    void mergeableBuffersSpreadALargeFrameAndCountThemInNumBuffers() throws Exception {
        driver.activate(device, ALL);
        driver.offerRx(8, 256);
        backend.inject(frame(1000, 3));
        driver.loop.dispatch(0);
        assertEquals(4, driver.usedIdx(NetDevice.RX), "1012 bytes over 256-byte buffers");
        assertEquals(256, driver.usedLength(NetDevice.RX, 0));
        assertEquals(1012 - 3 * 256, driver.usedLength(NetDevice.RX, 3));
        FakeNetDriver.Received r = driver.nextRx();
        assertEquals(4, r.numBuffers());
        assertArrayEquals(withNumBuffers(frame(1000, 3), 4), r.bytes());
    }

    @Test
    void mergeableFrameWaitsWhenTheBuffersThereAreNotEnoughThenGoes() throws Exception {
        driver.activate(device, ALL);
        driver.offerRx(2, 256);
        backend.inject(frame(1000, 4));
        driver.loop.dispatch(0);
        assertEquals(0, driver.usedIdx(NetDevice.RX), "two buffers are not enough: none is taken");
        driver.offerRx(2, 256);
        device.process(NetDevice.RX);
        assertEquals(4, driver.nextRx().numBuffers());
    }

    @Test
    void withoutMergeableBuffersAFrameTooBigForTheChainIsDroppedAndTheChainKept() throws Exception {
        driver.activate(device, VirtioFeatures.COMMON);
        driver.offerRx(1, 512);
        backend.inject(frame(1000, 5));
        backend.inject(frame(100, 6));
        driver.loop.dispatch(0);
        assertEquals(1, device.rxDropped());
        FakeNetDriver.Received r = driver.nextRx();
        assertEquals(1, r.numBuffers());
        assertArrayEquals(withNumBuffers(frame(100, 6), 1), r.bytes(), "the small frame got the chain");
    }

    @Test
    void aDescriptorOutsideGuestMemoryIsAVirtqueueException() throws Exception {
        driver.activate(device, ALL);
        driver.offer(NetDevice.TX, new long[]{1L << 40}, new int[]{64}, false);
        assertThrows(VirtqueueException.class, () -> device.process(NetDevice.TX));
        assertEquals(0, backend.writeAttempts);
    }

    @Test
    void resetKeepsTheBackendAndCloseClosesIt() throws Exception {
        driver.activate(device, ALL);
        backend.inject(frame(100, 1));
        driver.loop.dispatch(0); // no buffers: the frame is held
        driver.reset(device);
        assertFalse(backend.closed);
        driver.activate(device, ALL);
        driver.offerRx(1, 2048);
        device.process(NetDevice.RX);
        assertFalse(driver.hasRx(), "the frame held for the old driver is not given to the new one");
        device.close();
        assertTrue(backend.closed);
    }
}
