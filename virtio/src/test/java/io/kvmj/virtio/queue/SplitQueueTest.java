package io.kvmj.virtio.queue;

import static io.kvmj.virtio.queue.TestRing.INDIRECT;
import static io.kvmj.virtio.queue.TestRing.NEXT;
import static io.kvmj.virtio.queue.TestRing.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Well-formed rings: what pop returns and what addUsed writes. */
class SplitQueueTest {
    private final TestRing ring = new TestRing(8);

    @AfterEach
    void close() {
        assertEquals(0, ring.mem.refused, "the queue asked for memory outside guest RAM");
        ring.close();
    }

    @Test
    void popReturnsNullWhenNothingAvailable() throws Exception {
        assertNull(ring.queue.pop(ring.mem));
        ring.desc(0, 0x80000, 16, 0, 0);
        ring.publish(0);
        assertNotNull(ring.queue.pop(ring.mem));
        assertNull(ring.queue.pop(ring.mem), "the one chain was consumed");
    }

    @Test
    void popReturnsNullWhileNotReady() throws Exception {
        ring.desc(0, 0x80000, 16, 0, 0);
        ring.publish(0);
        ring.queue.ready(false);
        assertNull(ring.queue.pop(ring.mem));
        ring.queue.ready(true);
        assertNotNull(ring.queue.pop(ring.mem));
    }

    @Test
    void singleDescriptor() throws Exception {
        ring.desc(3, 0x80000, 512, WRITE, 0);
        ring.publish(3);
        DescriptorChain c = ring.queue.pop(ring.mem);
        assertEquals(3, c.headIndex());
        assertEquals(List.of(new Descriptor(0x80000, 512, true)), c.descriptors());
        assertEquals(0, c.readableLength());
        assertEquals(512, c.writableLength());
        assertEquals(1, ring.queue.nextAvail());
    }

    @Test
    void multiDescriptorChainInNextOrder() throws Exception {
        ring.desc(5, 0x80000, 16, NEXT, 2);
        ring.desc(2, 0x81000, 4096, NEXT | WRITE, 7);
        ring.desc(7, 0x90000, 1, WRITE, 0);
        ring.publish(5);
        DescriptorChain c = ring.queue.pop(ring.mem);
        assertEquals(5, c.headIndex());
        assertEquals(List.of(new Descriptor(0x80000, 16, false), new Descriptor(0x81000, 4096, true),
                new Descriptor(0x90000, 1, true)), c.descriptors());
        assertEquals(1, c.readableCount());
        assertEquals(2, c.writableCount());
        assertEquals(16, c.readableLength());
        assertEquals(4097, c.writableLength());
    }

    @Test
    void chainOfExactlyQueueSizeDescriptors() throws Exception {
        for (int i = 0; i < 8; i++) ring.desc(i, 0x80000 + 0x100L * i, 0x100, i < 7 ? NEXT : 0, i + 1);
        ring.publish(0);
        assertEquals(8, ring.queue.pop(ring.mem).descriptorCount());
    }

    @Test
    void zeroLengthDescriptorIsAccepted() throws Exception {
        ring.desc(0, 0x80000, 0, NEXT, 1);
        ring.desc(1, 0x80000, 8, WRITE, 0);
        ring.publish(0);
        assertEquals(List.of(new Descriptor(0x80000, 0, false), new Descriptor(0x80000, 8, true)),
                ring.queue.pop(ring.mem).descriptors());
    }

    @Test
    void indirectTableIsExpanded() throws Exception {
        long table = ring.reserve(16 * 3);
        ring.indirectEntry(table, 0, 0x81000, 16, NEXT, 2);
        ring.indirectEntry(table, 2, 0x82000, 100, NEXT | WRITE, 1);
        ring.indirectEntry(table, 1, 0x83000, 1, WRITE, 0);
        ring.desc(4, table, 16 * 3, INDIRECT, 0);
        ring.publish(4);
        DescriptorChain c = ring.queue.pop(ring.mem);
        assertEquals(4, c.headIndex());
        assertEquals(List.of(new Descriptor(0x81000, 16, false), new Descriptor(0x82000, 100, true),
                new Descriptor(0x83000, 1, true)), c.descriptors());
    }

    @Test
    void writeFlagOnIndirectDescriptorIsIgnored() throws Exception {
        long table = ring.reserve(16);
        ring.indirectEntry(table, 0, 0x81000, 16, 0, 0);
        ring.desc(0, table, 16, INDIRECT | WRITE, 0);
        ring.publish(0);
        assertEquals(List.of(new Descriptor(0x81000, 16, false)), ring.queue.pop(ring.mem).descriptors());
    }

    @Test
    void directDescriptorsThenIndirectTable() throws Exception {
        long table = ring.reserve(32);
        ring.indirectEntry(table, 0, 0x82000, 8, WRITE | NEXT, 1);
        ring.indirectEntry(table, 1, 0x83000, 8, WRITE, 0);
        ring.desc(0, 0x81000, 16, NEXT, 1);
        ring.desc(1, table, 32, INDIRECT, 0);
        ring.publish(0);
        assertEquals(List.of(new Descriptor(0x81000, 16, false), new Descriptor(0x82000, 8, true),
                new Descriptor(0x83000, 8, true)), ring.queue.pop(ring.mem).descriptors());
    }

    @Test
    void indirectTableOfQueueSizeEntries() throws Exception {
        long table = ring.reserve(16 * 8);
        for (int i = 0; i < 8; i++) ring.indirectEntry(table, i, 0x81000 + 16L * i, 16, i < 7 ? NEXT : 0, i + 1);
        ring.desc(0, table, 16 * 8, INDIRECT, 0);
        ring.publish(0);
        assertEquals(8, ring.queue.pop(ring.mem).descriptorCount());
    }

    @Test
    void chainsComeOutInAvailRingOrder() throws Exception {
        for (int i = 0; i < 8; i++) {
            ring.desc(i, 0x80000, 8, 0, 0);
        }
        int[] heads = {6, 1, 7, 0, 3, 2, 5, 4};
        for (int h : heads) ring.publish(h);
        for (int h : heads) assertEquals(h, ring.queue.pop(ring.mem).headIndex());
        assertNull(ring.queue.pop(ring.mem));
    }

    @Test
    void addUsedWritesIdLenAndIdx() throws Exception {
        ring.desc(6, 0x80000, 64, WRITE, 0);
        ring.desc(1, 0x81000, 64, WRITE, 0);
        ring.publish(6);
        ring.publish(1);
        DescriptorChain a = ring.queue.pop(ring.mem);
        DescriptorChain b = ring.queue.pop(ring.mem);
        ring.queue.addUsed(ring.mem, b.headIndex(), 17);
        assertEquals(1, ring.usedIdx());
        assertEquals(1, ring.usedId(0));
        assertEquals(17, ring.usedLen(0));
        ring.queue.addUsed(ring.mem, a.headIndex(), 64);
        assertEquals(2, ring.usedIdx());
        assertEquals(6, ring.usedId(1));
        assertEquals(64, ring.usedLen(1));
        assertEquals(2, ring.queue.nextUsed());
    }

    @Test
    void addUsedRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> ring.queue.addUsed(ring.mem, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> ring.queue.addUsed(ring.mem, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> ring.queue.addUsed(ring.mem, 0, -1));
        assertEquals(0, ring.usedIdx());
    }

    @Test
    void sixteenBitIndicesWrapAround() throws Exception {
        SplitQueue q = TestRing.restored(new QueueState(8, 8, true, TestRing.DESC, ring.avail, ring.used, false,
                65534, 65534, 65534));
        ring.availIdx(65534);
        for (int i = 0; i < 4; i++) {
            ring.desc(i, 0x80000 + 0x100L * i, 0x100, WRITE, 0);
            ring.publish(i);
        }
        assertEquals(2, ring.mem.readShort(ring.avail + 2), "avail idx wrapped");
        for (int i = 0; i < 4; i++) {
            DescriptorChain c = q.pop(ring.mem);
            assertEquals(i, c.headIndex());
            q.addUsed(ring.mem, c.headIndex(), 0x10 + i);
        }
        assertNull(q.pop(ring.mem));
        assertEquals(2, q.nextAvail());
        assertEquals(2, ring.usedIdx());
        // 65534 % 8 = 6: slots 6, 7, 0, 1
        int[] slots = {6, 7, 0, 1};
        for (int i = 0; i < 4; i++) {
            assertEquals(i, ring.usedId(slots[i]));
            assertEquals(0x10 + i, ring.usedLen(slots[i]));
        }
    }

    @Test
    void availIdxAheadByExactlyQueueSizeIsAccepted() throws Exception {
        for (int i = 0; i < 8; i++) {
            ring.desc(i, 0x80000, 8, 0, 0);
            ring.publish(i);
        }
        for (int i = 0; i < 8; i++) assertEquals(i, ring.queue.pop(ring.mem).headIndex());
    }

    @Test
    void smallerSizeThanMaximum() throws Exception {
        try (TestRing small = new TestRing(4, 256)) {
            small.queue.validate(small.mem);
            small.desc(3, 0x80000, 8, 0, 0);
            small.publish(3);
            assertEquals(3, small.queue.pop(small.mem).headIndex());
        }
    }

    @Test
    void chainsStayValidAfterLaterPops() throws Exception {
        ring.desc(0, 0x80000, 8, 0, 0);
        ring.desc(1, 0x81000, 16, NEXT, 2);
        ring.desc(2, 0x82000, 32, WRITE, 0);
        ring.publish(0);
        ring.publish(1);
        DescriptorChain first = ring.queue.pop(ring.mem);
        ring.queue.pop(ring.mem);
        assertEquals(List.of(new Descriptor(0x80000, 8, false)), first.descriptors());
    }
}
