package io.kvmj.virtio.queue;

import static io.kvmj.virtio.queue.TestRing.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Interrupt suppression (device to driver) and notification suppression (driver to device). */
class NotificationTest {
    private final TestRing ring = new TestRing(8);

    @AfterEach
    void close() {
        ring.close();
    }

    /** A queue whose used index (and last-signalled index) starts at {@code usedIdx}. */
    private SplitQueue queueAt(int usedIdx, boolean eventIdx) {
        return TestRing.restored(new QueueState(8, 8, true, TestRing.DESC, ring.avail, ring.used, eventIdx,
                usedIdx, usedIdx, usedIdx));
    }

    private static void complete(TestRing ring, SplitQueue q, int count) {
        for (int i = 0; i < count; i++) q.addUsed(ring.mem, i % 8, 0);
    }

    @Test
    void withoutEventIdxInterruptUnlessNoInterruptFlag() {
        SplitQueue q = queueAt(0, false);
        complete(ring, q, 1);
        assertTrue(q.needsNotification(ring.mem));
        ring.availFlags(SplitQueue.AVAIL_F_NO_INTERRUPT);
        complete(ring, q, 1);
        assertFalse(q.needsNotification(ring.mem), "driver set VIRTQ_AVAIL_F_NO_INTERRUPT");
        ring.availFlags(0);
        complete(ring, q, 1);
        assertTrue(q.needsNotification(ring.mem));
    }

    @Test
    void noInterruptWhenNothingWasUsed() {
        SplitQueue q = queueAt(0, false);
        assertFalse(q.needsNotification(ring.mem));
        complete(ring, q, 2);
        assertTrue(q.needsNotification(ring.mem));
        assertFalse(q.needsNotification(ring.mem), "already signalled");
        SplitQueue e = queueAt(0, true);
        assertFalse(e.needsNotification(ring.mem));
    }

    @Test
    void eventIdxInterruptsWhenUsedIdxPassesUsedEvent() {
        SplitQueue q = queueAt(0, true);
        ring.usedEvent(0);
        complete(ring, q, 1); // used idx 0 -> 1 crosses used_event 0
        assertTrue(q.needsNotification(ring.mem));

        ring.usedEvent(4);
        complete(ring, q, 3); // 1 -> 4: used_event 4 not reached (entry 4 not written yet)
        assertFalse(q.needsNotification(ring.mem));
        complete(ring, q, 1); // 4 -> 5: entry 4 written
        assertTrue(q.needsNotification(ring.mem));
        complete(ring, q, 2); // 5 -> 7: used_event 4 is behind
        assertFalse(q.needsNotification(ring.mem));
    }

    @Test
    void eventIdxIgnoresNoInterruptFlag() {
        SplitQueue q = queueAt(0, true);
        ring.availFlags(SplitQueue.AVAIL_F_NO_INTERRUPT);
        ring.usedEvent(0);
        complete(ring, q, 1);
        assertTrue(q.needsNotification(ring.mem));
    }

    @Test
    void eventIdxBatchCoveringUsedEventInTheMiddle() {
        SplitQueue q = queueAt(10, true);
        ring.usedEvent(12);
        complete(ring, q, 5); // 10 -> 15 covers 12
        assertTrue(q.needsNotification(ring.mem));
    }

    @Test
    void eventIdxWrapAround() {
        SplitQueue q = queueAt(65534, true);
        ring.usedEvent(65535);
        complete(ring, q, 4); // 65534 -> 2 covers 65535
        assertEquals(2, ring.usedIdx());
        assertTrue(q.needsNotification(ring.mem));

        q = queueAt(65534, true);
        ring.usedEvent(1);
        complete(ring, q, 4); // 65534 -> 2 covers 1 across the wrap
        assertTrue(q.needsNotification(ring.mem));

        q = queueAt(65534, true);
        ring.usedEvent(2);
        complete(ring, q, 4); // 65534 -> 2 does not cover 2
        assertFalse(q.needsNotification(ring.mem));

        q = queueAt(65534, true);
        ring.usedEvent(65533);
        complete(ring, q, 4); // used_event is behind the batch
        assertFalse(q.needsNotification(ring.mem));
    }

    @Test
    void withoutEventIdxEnableAndDisableToggleNoNotify() {
        SplitQueue q = queueAt(0, false);
        q.disableNotifications(ring.mem);
        assertEquals(SplitQueue.USED_F_NO_NOTIFY, ring.usedFlags());
        q.enableNotifications(ring.mem);
        assertEquals(0, ring.usedFlags());
        assertEquals(0, ring.availEvent(), "avail_event untouched without event idx");
    }

    @Test
    void withEventIdxEnableWritesAvailEvent() throws Exception {
        for (int i = 0; i < 3; i++) {
            ring.desc(i, 0x80000, 8, WRITE, 0);
            ring.publish(i);
        }
        ring.queue.eventIdx(true);
        ring.queue.disableNotifications(ring.mem);
        assertEquals(0, ring.usedFlags(), "used flags are not used with event idx");
        while (ring.queue.pop(ring.mem) != null) {
            // drain
        }
        ring.queue.enableNotifications(ring.mem);
        assertEquals(3, ring.availEvent());
        assertEquals(0, ring.usedFlags());
    }

    @Test
    void withEventIdxAvailEventWrapsWithNextAvail() throws Exception {
        SplitQueue q = TestRing.restored(new QueueState(8, 8, true, TestRing.DESC, ring.avail, ring.used, true,
                65535, 65535, 65535));
        ring.availIdx(65535);
        ring.desc(0, 0x80000, 8, 0, 0);
        ring.publish(0);
        q.pop(ring.mem);
        q.enableNotifications(ring.mem);
        assertEquals(0, ring.availEvent());
    }
}
