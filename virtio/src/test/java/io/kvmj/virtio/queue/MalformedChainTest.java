package io.kvmj.virtio.queue;

import static io.kvmj.virtio.queue.TestRing.INDIRECT;
import static io.kvmj.virtio.queue.TestRing.NEXT;
import static io.kvmj.virtio.queue.TestRing.RAM_SIZE;
import static io.kvmj.virtio.queue.TestRing.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests: one test per malformed ring or chain. Each must throw a one-line VirtqueueException naming
 * the problem, without asking guest memory for anything outside RAM and without writing guest memory.
 */
class MalformedChainTest {
    private final TestRing ring = new TestRing(8);

    @AfterEach
    void close() {
        ring.close();
    }

    private String assertMalformed(String fragment) {
        byte[] before = ring.snapshot();
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> ring.queue.pop(ring.mem));
        String msg = e.getMessage();
        assertTrue(msg.contains(fragment), () -> "expected '" + fragment + "' in: " + msg);
        assertFalse(msg.contains("\n"), () -> "not one line: " + msg);
        assertEquals(0, ring.mem.refused, "the queue asked for memory outside guest RAM");
        assertArrayEquals(before, ring.snapshot(), "pop wrote guest memory");
        return msg;
    }

    @Test
    void headIndexOutsideQueue() {
        ring.publish(8);
        assertEquals("available ring entry 0: head index 8 is outside the queue (size 8)", assertMalformed("head"));
    }

    @Test
    void headIndexMaxU16() {
        ring.publish(0xffff);
        assertMalformed("head index 65535 is outside the queue");
    }

    @Test
    void nextIndexOutsideQueue() {
        ring.desc(0, 0x80000, 8, NEXT, 8);
        ring.publish(0);
        assertEquals("descriptor 0: next index 8 is outside the queue (size 8)", assertMalformed("next index 8"));
    }

    @Test
    void selfLoop() {
        ring.desc(2, 0x80000, 8, NEXT, 2);
        ring.publish(2);
        assertMalformed("loops (more than 8 descriptors visited)");
    }

    @Test
    void twoDescriptorLoop() {
        ring.desc(0, 0x80000, 8, NEXT, 1);
        ring.desc(1, 0x80000, 8, NEXT, 0);
        ring.publish(0);
        assertMalformed("chain starting at descriptor 0 loops");
    }

    @Test
    void loopBackAfterEveryDescriptorOnce() {
        for (int i = 0; i < 8; i++) ring.desc(i, 0x80000, 8, NEXT, (i + 1) % 8);
        ring.publish(0);
        assertMalformed("loops");
    }

    @Test
    void indirectLoop() {
        long table = ring.reserve(32);
        ring.indirectEntry(table, 0, 0x80000, 8, NEXT, 1);
        ring.indirectEntry(table, 1, 0x80000, 8, NEXT, 0);
        ring.desc(0, table, 32, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("indirect chain loops (more than 2 descriptors visited)");
    }

    @Test
    void chainLongerThanQueueSize() {
        long table = ring.reserve(16 * 8);
        for (int i = 0; i < 8; i++) ring.indirectEntry(table, i, 0x80000, 8, i < 7 ? NEXT : 0, i + 1);
        ring.desc(0, 0x80000, 8, NEXT, 1);
        ring.desc(1, table, 16 * 8, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 1 (indirect entry 7): chain starting at descriptor 0 is longer than the queue size 8");
    }

    @Test
    void bufferOutsideRam() {
        ring.desc(0, RAM_SIZE - 4, 8, 0, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: buffer 0xffffc+0x8 is outside guest RAM");
    }

    @Test
    void bufferAddressFarOutsideRam() {
        ring.desc(0, 0x1_0000_0000L, 1, 0, 0);
        ring.publish(0);
        assertMalformed("is outside guest RAM");
    }

    @Test
    void bufferWrapsAroundAddressSpace() {
        ring.desc(0, 0xffff_ffff_ffff_fff0L, 0x20, 0, 0);
        ring.publish(0);
        assertMalformed("buffer 0xfffffffffffffff0+0x20 is outside guest RAM");
    }

    @Test
    void bufferLengthTwoGiBOrMore() {
        ring.desc(0, 0, 0x8000_0000L, 0, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: length 2147483648 is 2 GiB or more");
    }

    @Test
    void bufferOutsideRamInSecondDescriptor() {
        ring.desc(0, 0x80000, 8, NEXT, 5);
        ring.desc(5, RAM_SIZE, 1, WRITE, 0);
        ring.publish(0);
        assertMalformed("descriptor 5: buffer");
    }

    @Test
    void indirectTableLengthNotMultipleOf16() {
        ring.desc(0, ring.reserve(32), 24, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: indirect table length 24 is not a multiple of 16");
    }

    @Test
    void indirectTableLengthZero() {
        ring.desc(0, ring.reserve(16), 0, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: indirect table has length 0");
    }

    @Test
    void indirectTableLargerThanQueueSize() {
        ring.desc(0, ring.reserve(16 * 9), 16 * 9, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: indirect table has 9 descriptors, more than the queue size 8");
    }

    @Test
    void indirectTableHugeLength() {
        ring.desc(0, 0x80000, 0xffff_fff0L, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("more than the queue size");
    }

    @Test
    void indirectTableOutsideRam() {
        ring.desc(0, RAM_SIZE - 16, 32, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: indirect table 0xffff0+0x20 is outside guest RAM");
    }

    @Test
    void indirectTableWrapsAroundAddressSpace() {
        ring.desc(0, 0xffff_ffff_ffff_fff0L, 32, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("indirect table 0xfffffffffffffff0+0x20 is outside guest RAM");
    }

    @Test
    void nestedIndirect() {
        long inner = ring.reserve(16);
        ring.indirectEntry(inner, 0, 0x80000, 8, 0, 0);
        long table = ring.reserve(32);
        ring.indirectEntry(table, 0, 0x80000, 8, NEXT, 1);
        ring.indirectEntry(table, 1, inner, 16, INDIRECT, 0);
        ring.desc(0, table, 32, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0 (indirect entry 1): INDIRECT inside an indirect table");
    }

    @Test
    void indirectWithNext() {
        long table = ring.reserve(16);
        ring.indirectEntry(table, 0, 0x80000, 8, 0, 0);
        ring.desc(0, table, 16, INDIRECT | NEXT, 1);
        ring.desc(1, 0x80000, 8, 0, 0);
        ring.publish(0);
        assertMalformed("descriptor 0: has both INDIRECT and NEXT set");
    }

    @Test
    void indirectNextOutsideTable() {
        long table = ring.reserve(32);
        ring.indirectEntry(table, 0, 0x80000, 8, NEXT, 2);
        ring.desc(0, table, 32, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0 (indirect entry 0): next index 2 is outside the indirect table (2 descriptors)");
    }

    @Test
    void indirectEntryBufferOutsideRam() {
        long table = ring.reserve(16);
        ring.indirectEntry(table, 0, RAM_SIZE, 8, 0, 0);
        ring.desc(0, table, 16, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0 (indirect entry 0): buffer 0x100000+0x8 is outside guest RAM");
    }

    @Test
    void readableAfterWritable() {
        ring.desc(0, 0x80000, 8, NEXT, 1);
        ring.desc(1, 0x81000, 8, NEXT | WRITE, 2);
        ring.desc(2, 0x82000, 8, 0, 0);
        ring.publish(0);
        assertMalformed("descriptor 2: device-readable descriptor after a device-writable one");
    }

    @Test
    void readableAfterWritableInIndirectTable() {
        long table = ring.reserve(32);
        ring.indirectEntry(table, 0, 0x81000, 8, NEXT | WRITE, 1);
        ring.indirectEntry(table, 1, 0x82000, 8, 0, 0);
        ring.desc(0, table, 32, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("descriptor 0 (indirect entry 1): device-readable descriptor after a device-writable one");
    }

    @Test
    void readableIndirectAfterWritableDirect() {
        long table = ring.reserve(16);
        ring.indirectEntry(table, 0, 0x82000, 8, 0, 0);
        ring.desc(0, 0x81000, 8, NEXT | WRITE, 1);
        ring.desc(1, table, 16, INDIRECT, 0);
        ring.publish(0);
        assertMalformed("device-readable descriptor after a device-writable one");
    }

    @Test
    void availIdxMovedMoreThanQueueSize() {
        ring.availIdx(9);
        assertEquals("available ring index moved from 0 to 9, more than the queue size 8: corrupt ring",
                assertMalformed("corrupt ring"));
        assertEquals(0, ring.queue.nextAvail(), "nothing consumed");
    }

    @Test
    void availIdxMovedBackwards() {
        ring.availIdx(0xffff);
        assertMalformed("moved from 0 to 65535");
    }

    @Test
    void malformedChainIsConsumedAndTheNextOneStillPops() throws Exception {
        ring.publish(9);
        ring.desc(1, 0x80000, 8, 0, 0);
        ring.publish(1);
        assertMalformed("head index 9");
        assertEquals(1, ring.queue.pop(ring.mem).headIndex());
    }

    @Test
    void unvalidatedRingOutsideRamIsRefusedNotRead() {
        ring.queue.availRingAddress(RAM_SIZE + 0x1000);
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> ring.queue.pop(ring.mem));
        assertTrue(e.getMessage().startsWith("queue ring outside guest RAM"), e.getMessage());
    }

    @Test
    void invalidSizeIsReportedByPop() {
        ring.queue.size(6);
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> ring.queue.pop(ring.mem));
        assertEquals("queue size 6 is not a power of two", e.getMessage());
    }
}
