package io.kvmj.virtio.net;

import io.kvmj.virtio.Closer;
import io.kvmj.sys.UapiConstants;
import io.kvmj.virtio.MmioDriver;
import io.kvmj.virtio.MmioDriver.Buffer;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * virtio-net saved mid-run through its transport (a frame waiting for receive buffers, one waiting for the backend
 * to take it) and restored onto a new backend, as a rebuilt device reopens its TAP.
 */
class NetSnapshotTest {
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX
            | NetFeatures.GUEST_CSUM | NetFeatures.GUEST_TSO4 | NetFeatures.CSUM | NetFeatures.MAC | NetFeatures.MTU;
    private static final int RX_BUFFER = 2048;
    @AutoClose
    private final Closer open = new Closer();

    private NetDevice device(FakeBackend backend, byte[] mac, int mtu) {
        return open.track(new NetDevice(backend, mac, mtu));
    }

    /** A frame as the backend carries it: a zero header and {@code n} bytes. */
    private static byte[] frame(int n, int seed) {
        byte[] f = new byte[NetDevice.HEADER_BYTES + n];
        for (int i = NetDevice.HEADER_BYTES; i < f.length; i++) {
            f[i] = (byte) (i * 31 + seed);
        }
        return f;
    }

    /** {@code frame} as the driver finds it: num_buffers 1 in the header. */
    private static byte[] received(byte[] frame) {
        byte[] f = frame.clone();
        f[10] = 1;
        return f;
    }

    private static Buffer offerRx(MmioDriver d) {
        Buffer b = d.writable(RX_BUFFER);
        d.offer(NetDevice.RX, b);
        return b;
    }

    private static byte[] rxFrame(MmioDriver d, Buffer b, int usedIndex) {
        return d.mem.read(b.address(), d.usedLen(NetDevice.RX, usedIndex));
    }

    @Test
    void framesInFlightAtTheSnapshotAreNeitherLostNorSentTwice() throws Exception {
        FakeBackend tapA = new FakeBackend();
        MmioDriver original = open.track(new MmioDriver(device(tapA, MAC, 1500)));
        original.initialize(FEATURES);
        assertEquals(UapiConstants.TUN_F_CSUM | UapiConstants.TUN_F_TSO4, tapA.offload);
        Buffer rx0 = offerRx(original);
        original.notify(NetDevice.RX);
        byte[] f1 = frame(100, 1);
        tapA.inject(f1);
        original.dispatch();
        assertArrayEquals(received(f1), rxFrame(original, rx0, 0));
        byte[] t1 = frame(60, 2);
        original.offer(NetDevice.TX, original.readable(t1));
        original.notify(NetDevice.TX);
        assertEquals(1, tapA.sent.size());
        original.acknowledge();
        // In flight when the VM paused: a received frame with no buffer for it, a frame the full TAP refused.
        byte[] f2 = frame(200, 3);
        tapA.inject(f2);
        original.dispatch();
        assertEquals(1, original.usedIdx(NetDevice.RX), "no buffer: the frame waits in the device");
        byte[] t2 = frame(70, 4);
        tapA.full = true;
        original.offer(NetDevice.TX, original.readable(t2));
        original.notify(NetDevice.TX);
        assertEquals(1, original.usedIdx(NetDevice.TX), "the TAP is full: the frame waits in the avail ring");

        MmioDriver.Saved saved = original.save();
        NetState state = (NetState) saved.state();
        assertArrayEquals(MAC, state.mac());
        assertEquals(1500, state.mtu());
        assertArrayEquals(f2, state.rxFrame());

        FakeBackend tapB = new FakeBackend();
        MmioDriver restored = open.track(MmioDriver.restore(saved, device(tapB, MAC, 1500)));
        assertEquals(tapA.offload, tapB.offload, "the negotiated offloads are set on the new TAP");
        tapA.full = false;
        original.dispatch(); // the TAP has room again
        restored.dispatch(); // the restored device resumes
        for (MmioDriver d : List.of(original, restored)) {
            assertEquals(2, d.usedIdx(NetDevice.TX));
            assertEquals(1, d.usedIdx(NetDevice.RX));
        }
        assertEquals(2, tapA.sent.size());
        assertArrayEquals(t1, tapA.sent.get(0));
        assertArrayEquals(t2, tapA.sent.get(1));
        assertEquals(1, tapB.sent.size(), "only the frame still waiting is sent by the restored device");
        assertArrayEquals(t2, tapB.sent.get(0));

        for (MmioDriver d : List.of(original, restored)) {
            d.acknowledge();
            Buffer rx1 = offerRx(d);
            d.notify(NetDevice.RX);
            assertEquals(2, d.usedIdx(NetDevice.RX));
            assertArrayEquals(received(f2), rxFrame(d, rx1, 1), "the frame held at the snapshot");
        }
        // Both go on alike: the next frames either way.
        byte[] f3 = frame(300, 5);
        byte[] t3 = frame(80, 6);
        for (MmioDriver d : List.of(original, restored)) {
            d.acknowledge();
            Buffer rx2 = offerRx(d);
            d.notify(NetDevice.RX);
            (d == original ? tapA : tapB).inject(f3);
            d.dispatch();
            assertArrayEquals(received(f3), rxFrame(d, rx2, 2));
            d.offer(NetDevice.TX, d.readable(t3));
            d.notify(NetDevice.TX);
            assertEquals(3, d.usedIdx(NetDevice.TX));
        }
        assertArrayEquals(t3, tapB.sent.get(1));
        assertEquals(2, tapB.sent.size());
        assertArrayEquals(original.ram(), restored.ram(), "guest memory exactly as the original left it");
        assertEquals(original.irq.triggers() - 2, restored.irq.triggers(),
                "the same interrupts since the snapshot (the original had raised two before it)");
    }

    @Test
    void aConfigurationThatDiffersFromTheSnapshotsIsRefused() throws Exception {
        MmioDriver original = open.track(new MmioDriver(device(new FakeBackend(), MAC, 1500)));
        original.initialize(FEATURES);
        MmioDriver.Saved saved = original.save();
        byte[] otherMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
        assertRefused(saved, device(new FakeBackend(), otherMac, 1500),
                "virtio-net fake: the MAC address is 52:54:00:12:34:57, the snapshot's was 52:54:00:12:34:56");
        assertRefused(saved, device(new FakeBackend(), MAC, 9000),
                "virtio-net fake: the MTU is 9000, the snapshot's was 1500");
        assertRefused(saved, device(new FakeBackend(), null, 1500),
                "the driver accepted features 0x20 the device does not offer");
        NetState s = (NetState) saved.state();
        for (byte[] frame : List.of(new byte[5], new byte[NetDevice.MAX_FRAME_BYTES + 1])) {
            SnapshotException e = assertThrows(SnapshotException.class, () -> open.track(MmioDriver.restore(saved,
                    new NetState(s.transport(), s.mac(), s.mtu(), frame), device(new FakeBackend(), MAC, 1500))));
            assertEquals("virtio-mmio test: cannot restore: virtio-net fake: the saved received frame has "
                    + frame.length + " bytes, not 12 to 65562", e.getMessage());
        }
    }

    private void assertRefused(MmioDriver.Saved saved, NetDevice fresh, String why) {
        SnapshotException e = assertThrows(SnapshotException.class, () -> open.track(MmioDriver.restore(saved, fresh)));
        assertEquals("virtio-mmio test: cannot restore: " + why, e.getMessage());
    }
}
