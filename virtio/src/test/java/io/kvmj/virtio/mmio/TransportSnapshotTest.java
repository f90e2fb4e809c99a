package io.kvmj.virtio.mmio;

import io.kvmj.virtio.MmioDriver;
import io.kvmj.virtio.TransportOnlyState;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.block.BlockState;
import io.kvmj.virtio.queue.QueueState;
import io.kvmj.virtio.rng.RngDevice;
import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The transport's part of snapshots, on virtio-rng (one queue, no state of its own): a device saved mid-run
 * resumes in a fresh transport over a copy of the memory, and a state that does not fit is refused in words.
 */
class TransportSnapshotTest {
    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX;
    private final List<MmioDriver> drivers = new ArrayList<>();

    @AfterEach
    void close() {
        drivers.forEach(MmioDriver::close);
    }

    private MmioDriver driver() {
        MmioDriver d = new MmioDriver(new RngDevice());
        drivers.add(d);
        return d;
    }

    private MmioDriver restore(MmioDriver.Saved saved) throws SnapshotException {
        MmioDriver d = MmioDriver.restore(saved, new RngDevice());
        drivers.add(d);
        return d;
    }

    /** The rings of queue 0 (descriptor table, avail ring, used ring with avail_event), as bytes. */
    private static byte[] rings(MmioDriver d) {
        return d.mem.read(MmioDriver.desc(0), 0x3000);
    }

    @Test
    void aDeviceSavedMidRunResumesWhereItWasWithoutTheGuest() throws Exception {
        MmioDriver original = driver();
        original.initialize(FEATURES);
        original.offer(0, original.writable(32));
        original.offer(0, original.writable(64));
        original.notify(0);
        assertEquals(2, original.usedIdx(0));
        assertEquals(1, original.acknowledge());
        // Posted, the notification not yet served when the VM paused.
        original.offer(0, original.writable(16));
        original.offer(0, original.writable(8));
        MmioDriver.Saved saved = original.save();

        MmioDriver restored = restore(saved);
        assertEquals(saved.state(), restored.transport.saveState(), "the state reads back as saved");
        assertEquals(0xf, restored.read(0x70));
        assertEquals(2, restored.usedIdx(0), "nothing ran during the restore");
        assertEquals(0, restored.irq.triggers());

        original.notify(0);
        restored.dispatch(); // the event loop runs: the pending buffers are served without a notification
        for (MmioDriver d : List.of(original, restored)) {
            assertEquals(4, d.usedIdx(0), "each posted request completed once");
            assertEquals(List.of(2, 3), List.of(d.usedId(0, 2), d.usedId(0, 3)));
            assertEquals(List.of(16, 8), List.of(d.usedLen(0, 2), d.usedLen(0, 3)));
            assertEquals(1, d.acknowledge());
        }
        assertEquals(1, restored.irq.triggers());
        assertArrayEquals(rings(original), rings(restored), "the rings as the original left them");

        for (MmioDriver d : List.of(original, restored)) {
            d.offer(0, d.writable(4));
            d.notify(0);
            assertEquals(5, d.usedIdx(0), "indices continue");
            assertEquals(4, d.usedId(0, 4));
        }
        assertEquals(3, original.irq.triggers());
        assertEquals(2, restored.irq.triggers(), "one interrupt per batch since the snapshot, as the original");
        assertArrayEquals(rings(original), rings(restored));
        assertEquals(original.transport.saveState(), restored.transport.saveState());
    }

    @Test
    void anInterruptNotAcknowledgedAtTheSnapshotIsRaisedAgainOnResume() throws Exception {
        MmioDriver original = driver();
        original.initialize(FEATURES);
        original.offer(0, original.writable(8));
        original.notify(0);
        MmioDriver restored = restore(original.save());
        assertEquals(1, restored.read(0x60), "InterruptStatus as saved");
        assertEquals(0, restored.irq.triggers(), "not during the restore: the interrupt controller may not be back");
        restored.dispatch();
        assertEquals(1, restored.irq.triggers());
        assertEquals(1, restored.usedIdx(0), "no request done twice");
        assertEquals(0, restored.dispatch(), "the resume runs once");
    }

    @Test
    void aDriverInTheMiddleOfInitializationFinishesItAfterTheRestore() throws Exception {
        MmioDriver original = driver();
        original.write(0x70, 1);
        original.write(0x70, 3);
        original.write(0x24, 1);
        original.write(0x20, 1); // VERSION_1
        original.write(0x70, 0xb);
        original.write(0x30, 0);
        original.write(0x38, MmioDriver.SIZE);
        original.write(0x80, MmioDriver.desc(0));
        original.write(0x90, MmioDriver.avail(0));
        original.write(0xa0, MmioDriver.used(0));
        MmioDriver restored = restore(original.save());
        assertEquals(0xb, restored.read(0x70));
        assertEquals(0, restored.read(0x44), "the queue is not ready yet");
        assertEquals(0, restored.dispatch(), "nothing to resume");
        restored.write(0x44, 1);
        restored.write(0x70, 0xf);
        assertEquals(0xf, restored.read(0x70), "the device went live with the saved queue layout");
        restored.offer(0, restored.writable(8));
        restored.notify(0);
        assertEquals(1, restored.usedIdx(0));
    }

    @Test
    void aDeviceThatNeededAResetIsRestoredWaitingForIt() throws Exception {
        MmioDriver original = driver();
        original.initialize(FEATURES);
        original.mem.writeShort(MmioDriver.avail(0) + 4, (short) 99); // head index outside the queue
        original.mem.writeShort(MmioDriver.avail(0) + 2, (short) 1);
        original.notify(0);
        assertEquals(0x4f, original.read(0x70));
        MmioDriver restored = restore(original.save());
        assertEquals(0x4f, restored.read(0x70));
        restored.dispatch();
        assertEquals(0, restored.usedIdx(0));
        restored.write(0x70, 0);
        assertEquals(0, restored.read(0x70));
        restored.initialize(FEATURES);
        restored.offer(0, restored.writable(8));
        restored.notify(0);
        assertEquals(1, restored.usedIdx(0), "the driver's reset recovers it");
    }

    @Test
    void aResetBeforeTheEventLoopRanCancelsTheResume() throws Exception {
        MmioDriver original = driver();
        original.initialize(FEATURES);
        original.offer(0, original.writable(8));
        MmioDriver restored = restore(original.save());
        restored.write(0x70, 0);
        assertEquals(0, restored.dispatch());
        assertEquals(0, restored.usedIdx(0));
    }

    @Test
    void restoringIntoATransportInUseIsAProgrammingError() throws Exception {
        MmioDriver original = driver();
        original.initialize(FEATURES);
        MmioDriver.Saved saved = original.save();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> original.transport.restoreState(saved.state()));
        assertEquals("test: restore into a transport already in use", e.getMessage());
    }

    // ---- states that do not fit ----

    private MmioDriver.Saved savedLive() {
        MmioDriver original = driver();
        original.initialize(FEATURES);
        original.offer(0, original.writable(8));
        original.notify(0);
        return original.save();
    }

    private static TransportState transport(MmioDriver.Saved saved) {
        return ((TransportOnlyState) saved.state()).transport();
    }

    private static TransportState with(TransportState t, int deviceType, int status, long features,
                                       int interruptStatus, List<QueueState> queues) {
        return new TransportState(deviceType, status, features, t.deviceFeaturesSel(), t.driverFeaturesSel(),
                t.queueSel(), interruptStatus, t.configGeneration(), queues);
    }

    private static QueueState queue(QueueState q, UnaryOperator<long[]> change) {
        long[] v = {q.maxSize(), q.size(), q.descTableAddress(), q.eventIdx() ? 1 : 0};
        v = change.apply(v);
        return new QueueState((int) v[0], (int) v[1], q.ready(), v[2], q.availRingAddress(), q.usedRingAddress(),
                v[3] != 0, q.nextAvail(), q.nextUsed(), q.signalledUsed());
    }

    private void assertRefused(MmioDriver.Saved saved, Record state, String why) {
        SnapshotException e = assertThrows(SnapshotException.class,
                () -> drivers.add(MmioDriver.restore(saved, state, new RngDevice())));
        assertEquals("virtio-mmio test: cannot restore: " + why, e.getMessage());
    }

    private void assertRefused(MmioDriver.Saved saved, TransportState t, String why) {
        assertRefused(saved, new TransportOnlyState(t), why);
    }

    @Test
    void statesThatDoNotFitAreRefusedInWords() throws Exception {
        MmioDriver.Saved saved = savedLive();
        TransportState t = transport(saved);
        QueueState q = t.queues().get(0);
        assertRefused(saved, new BlockState(t, 8, false, "x"),
                "the saved state is a BlockState, this device's is a TransportOnlyState");
        assertRefused(saved, (Record) null, "the saved state is missing, this device's is a TransportOnlyState");
        assertRefused(saved, new TransportOnlyState(null), "the saved state has no transport state");
        assertRefused(saved, with(t, 2, t.status(), t.driverFeatures(), 0, t.queues()),
                "saved from device type 2, this is device type 4");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0, List.of(q, q)),
                "2 queues saved, the device has 1");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0, null), "no queues saved, the device has 1");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures() | 1L << 40, 0, t.queues()),
                "the driver accepted features 0x10000000000 the device does not offer");
        assertRefused(saved, with(t, 4, t.status(), VirtioFeatures.RING_EVENT_IDX, 0, t.queues()),
                "FEATURES_OK without VIRTIO_F_VERSION_1, which this transport never accepts");
        assertRefused(saved, with(t, 4, 0x7, t.driverFeatures(), 0, t.queues()),
                "DRIVER_OK without FEATURES_OK, which this transport never accepts");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 4, t.queues()),
                "interrupt status 0x4 has bits other than used buffer and configuration change");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0, Arrays.asList((QueueState) null)),
                "queue 0: missing");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0,
                        List.of(queue(q, v -> new long[] {512, v[1], v[2], v[3]}))),
                "queue 0: maximum size 512 differs from the device's 256");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0,
                        List.of(queue(q, v -> new long[] {v[0], 512, v[2], v[3]}))),
                "queue 0: ready with queue size 512 is larger than the device's maximum 256");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0,
                        List.of(queue(q, v -> new long[] {v[0], v[1], MmioDriver.RAM - 0x80, v[3]}))),
                "queue 0: descriptor table 0x3fff80+0x100 is outside guest RAM");
        assertRefused(saved, with(t, 4, t.status(), t.driverFeatures(), 0,
                        List.of(queue(q, v -> new long[] {v[0], v[1], v[2], 0}))),
                "queue 0: event idx off while the driver accepted it");

        // Nothing of a refused restore stays behind: the same transport takes the good state afterwards.
        MmioDriver d = new MmioDriver(new RngDevice());
        drivers.add(d);
        assertThrows(SnapshotException.class, () -> d.transport.restoreState(new TransportOnlyState(
                with(t, 4, t.status(), t.driverFeatures(), 4, t.queues()))));
        assertEquals(0, d.read(0x70));
        d.transport.restoreState(saved.state());
        assertEquals(0xf, d.read(0x70));
    }

    @Test
    void aQueueNotLiveIsNotCheckedAgainstMemory() throws Exception {
        MmioDriver original = driver();
        original.write(0x70, 3);
        original.write(0x30, 0);
        original.write(0x38, 1000);          // the driver may write anything before the queue is ready
        original.write(0x80, 0xffff_0000L);
        MmioDriver restored = restore(original.save());
        assertEquals(3, restored.read(0x70));
    }
}
