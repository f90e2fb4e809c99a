package io.kvmj.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
            SplitQueue copy = SplitQueue.restore(s);
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
    void restoreRejectsImpossibleState() {
        assertThrows(IllegalArgumentException.class,
                () -> SplitQueue.restore(new QueueState(6, 4, false, 0, 0, 0, false, 0, 0, 0)));
        assertThrows(IllegalArgumentException.class,
                () -> SplitQueue.restore(new QueueState(8, 8, false, 0, 0, 0, false, 65536, 0, 0)));
        assertThrows(IllegalArgumentException.class,
                () -> SplitQueue.restore(new QueueState(8, 8, false, 0, 0, 0, false, 0, -1, 0)));
    }
}
