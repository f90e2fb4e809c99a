package io.kvmj.virtio.vsock;

import io.kvmj.virtio.Closer;
import io.kvmj.virtio.MmioDriver;
import io.kvmj.virtio.MmioDriver.Buffer;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * virtio-vsock saved through its transport and restored with a new muxer (another Unix socket path, as a restored
 * VM beside the running original needs): no stream survives, and the driver is told with a transport reset event.
 */
class VsockSnapshotTest {
    private static final long CID = 3;
    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX;
    @TempDir
    Path dir;
    @AutoClose
    private final Closer open = new Closer();
    private int paths;

    private VsockDevice device(long cid) {
        String uds = dir.resolve("v" + paths++ + ".sock").toString();
        VsockMuxer muxer = open.track(new VsockMuxer(cid, uds, System::nanoTime));
        return new VsockDevice(cid, muxer);
    }

    /** An event buffer as Linux posts them at probe, filled with 0xff so that the event written shows. */
    private static Buffer offerEventBuffer(MmioDriver d, int length) {
        Buffer b = d.writable(length);
        d.mem.write(b.address(), new byte[] {-1, -1, -1, -1});
        d.offer(VsockDevice.EVENT, b);
        return b;
    }

    private static byte[] header(int srcPort, int dstPort, int op) {
        return ByteBuffer.allocate(VsockHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(CID).putLong(2)
                .putInt(srcPort).putInt(dstPort).putInt(0).putShort((short) 1).putShort((short) op).putInt(0)
                .putInt(4096).putInt(0).array();
    }

    /** A driver set up as Linux's: live, two event buffers posted and notified. */
    private MmioDriver live() {
        MmioDriver d = open.track(new MmioDriver(device(CID)));
        d.initialize(FEATURES);
        offerEventBuffer(d, 4);
        offerEventBuffer(d, 4);
        d.notify(VsockDevice.EVENT);
        return d;
    }

    @Test
    void aRestoredDeviceSendsTheTransportResetEventWithoutTheGuest() throws Exception {
        MmioDriver original = live();
        assertEquals(0, original.usedIdx(VsockDevice.EVENT), "no event in normal operation");
        MmioDriver.Saved saved = original.save();
        assertEquals(new VsockState(((VsockState) saved.state()).transport(), CID), saved.state());

        MmioDriver restored = open.track(MmioDriver.restore(saved, device(CID)));
        assertEquals(0, restored.usedIdx(VsockDevice.EVENT), "not during the restore");
        restored.dispatch();
        assertEquals(1, restored.usedIdx(VsockDevice.EVENT));
        assertEquals(0, restored.usedId(VsockDevice.EVENT, 0), "the first event buffer");
        assertEquals(VsockDevice.EVENT_BYTES, restored.usedLen(VsockDevice.EVENT, 0));
        long first = MmioDriver.desc(VsockDevice.EVENT); // the descriptor of the first buffer names its address
        assertEquals(VsockDevice.EVENT_TRANSPORT_RESET, restored.mem.readInt(restored.mem.readLong(first)),
                "VIRTIO_VSOCK_EVENT_TRANSPORT_RESET");
        assertEquals(1, restored.irq.triggers());
        assertEquals(1, restored.acknowledge());

        restored.notify(VsockDevice.EVENT);
        restored.dispatch();
        assertEquals(1, restored.usedIdx(VsockDevice.EVENT), "one reset event, not one per notification");
        original.dispatch();
        original.notify(VsockDevice.EVENT);
        assertEquals(0, original.usedIdx(VsockDevice.EVENT), "the original's streams live on: no event there");
    }

    @Test
    void aGuestPacketOnAStreamFromBeforeTheSnapshotIsAnsweredWithRst() throws Exception {
        MmioDriver restored = open.track(MmioDriver.restore(live().save(), device(CID)));
        restored.dispatch();
        Buffer rx = restored.writable(VsockHeader.SIZE + 64);
        restored.offer(VsockDevice.RX, rx);
        restored.offer(VsockDevice.TX, restored.readable(header(1000, 52, VsockHeader.OP_RW)));
        restored.notify(VsockDevice.TX);
        assertEquals(1, restored.usedIdx(VsockDevice.TX));
        assertEquals(1, restored.usedIdx(VsockDevice.RX));
        assertEquals(VsockHeader.OP_RST, restored.mem.readShort(rx.address() + 30), "the stream is not known here");
    }

    @Test
    void withoutAnEventBufferTheResetWaitsForTheDriversNext() throws Exception {
        MmioDriver original = open.track(new MmioDriver(device(CID)));
        original.initialize(FEATURES);
        MmioDriver restored = open.track(MmioDriver.restore(original.save(), device(CID)));
        restored.dispatch();
        assertEquals(0, restored.usedIdx(VsockDevice.EVENT));
        assertEquals(0, restored.irq.triggers());
        offerEventBuffer(restored, 8);
        restored.notify(VsockDevice.EVENT);
        assertEquals(1, restored.usedIdx(VsockDevice.EVENT));
        assertEquals(VsockDevice.EVENT_BYTES, restored.usedLen(VsockDevice.EVENT, 0));
        assertEquals(1, restored.irq.triggers());
    }

    @Test
    void aDriverThatStartsAfterTheRestoreGetsNoResetEvent() throws Exception {
        MmioDriver original = open.track(new MmioDriver(device(CID)));
        original.write(0x70, 3); // the driver had not finished when the snapshot was taken
        MmioDriver restored = open.track(MmioDriver.restore(original.save(), device(CID)));
        restored.write(0x70, 0);
        restored.initialize(FEATURES);
        offerEventBuffer(restored, 4);
        restored.notify(VsockDevice.EVENT);
        restored.dispatch();
        assertEquals(0, restored.usedIdx(VsockDevice.EVENT));
    }

    @Test
    void anEventBufferTooSmallForAnEventNeedsAReset() throws Exception {
        MmioDriver original = open.track(new MmioDriver(device(CID)));
        original.initialize(FEATURES);
        offerEventBuffer(original, 2);
        MmioDriver restored = open.track(MmioDriver.restore(original.save(), device(CID)));
        restored.dispatch();
        assertEquals(0x4f, restored.read(0x70), "DEVICE_NEEDS_RESET, the VMM runs on");
    }

    @Test
    void anotherGuestCidIsRefused() throws Exception {
        MmioDriver.Saved saved = live().save();
        SnapshotException e = assertThrows(SnapshotException.class, () -> open.track(MmioDriver.restore(saved, device(4))));
        assertEquals("virtio-mmio test: cannot restore: virtio-vsock: the guest CID is 4, the snapshot's was 3",
                e.getMessage());
    }
}
