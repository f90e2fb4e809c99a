package io.kvmj.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.Test;

/** state()/restore() for snapshots, and reset(). */
class QueueStateTest {
    @Test
    void stateRoundTrips() throws Exception {
        try (TestRing ring = new TestRing(8, 16)) {
            ring.queue.eventIdx(true);
            ring.desc(0, 0x80000, 8, TestRing.WRITE, 0);
            ring.publish(0);
            ring.queue.addUsed(ring.mem, ring.queue.pop(ring.mem).headIndex(), 8);
            ring.queue.needsNotification(ring.mem);
            QueueState s = ring.queue.state();
            assertEquals(new QueueState(16, 8, true, TestRing.DESC, ring.avail, ring.used, true, 1, 1, 1), s);
            SplitQueue copy = new SplitQueue(16);
            copy.restore(s);
            assertEquals(s, copy.state());
            ring.desc(1, 0x80000, 8, 0, 0);
            ring.publish(1);
            assertEquals(1, copy.pop(ring.mem).headIndex(), "the restored queue continues where the original was");
        }
    }

    @Test
    void resetClearsEverythingButMaxSize() throws Exception {
        try (TestRing ring = new TestRing(8, 16)) {
            ring.queue.eventIdx(true);
            ring.desc(0, 0x80000, 8, 0, 0);
            ring.publish(0);
            ring.queue.pop(ring.mem);
            ring.queue.reset();
            assertEquals(new QueueState(16, 16, false, 0, 0, 0, false, 0, 0, 0), ring.queue.state());
        }
    }

    @Test
    void restoreRejectsImpossibleStateInWordsAndChangesNothing() {
        SplitQueue q = new SplitQueue(8);
        assertRefused(q, new QueueState(16, 8, false, 0, 0, 0, false, 0, 0, 0),
                "maximum size 16 differs from the device's 8");
        assertRefused(q, new QueueState(8, 8, false, 0, 0, 0, false, 65536, 0, 0),
                "next available index 65536 is not a 16-bit ring index");
        assertRefused(q, new QueueState(8, 8, false, 0, 0, 0, false, 0, -1, 0),
                "next used index -1 is not a 16-bit ring index");
        assertRefused(q, new QueueState(8, 8, false, 0, 0, 0, false, 0, 0, 70000),
                "signalled used index 70000 is not a 16-bit ring index");
        assertRefused(q, new QueueState(8, 16, true, 0, 0, 0, false, 0, 0, 0),
                "ready with queue size 16 is larger than the device's maximum 8");
        assertRefused(q, new QueueState(8, 6, true, 0, 0, 0, false, 0, 0, 0),
                "ready with queue size 6 is not a power of two");
        assertRefused(q, new QueueState(8, 0, true, 0, 0, 0, false, 0, 0, 0), "ready with queue size is 0");
        assertRefused(q, new QueueState(8, 4, true, 0, 0, 0, false, 2, 65533, 0),
                "5 buffers taken and not used, more than the queue size 4");
        assertEquals(new QueueState(8, 8, false, 0, 0, 0, false, 0, 0, 0), q.state(), "nothing changed");
    }

    @Test
    void aQueueNotReadyMayHoldAnySizeTheDriverWrote() throws Exception {
        SplitQueue q = new SplitQueue(8);
        QueueState s = new QueueState(8, 1000, false, 0x1000, 0, 0, false, 0, 0, 0);
        q.restore(s);
        assertEquals(s, q.state());
    }

    private static void assertRefused(SplitQueue q, QueueState s, String message) {
        SnapshotException e = assertThrows(SnapshotException.class, () -> q.restore(s));
        assertEquals(message, e.getMessage());
    }
}
