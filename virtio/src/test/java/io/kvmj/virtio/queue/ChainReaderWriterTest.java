package io.kvmj.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Copying across descriptor boundaries, through chains popped from a ring and built in code. */
class ChainReaderWriterTest {
    private final TestRing ring = new TestRing(8);

    @AfterEach
    void close() {
        ring.close();
    }

    private static byte[] bytes(int from, int count) {
        byte[] b = new byte[count];
        for (int i = 0; i < count; i++) b[i] = (byte) (from + i);
        return b;
    }

    /** Readable buffers of 3, 0, 5 bytes (bytes 1..8), then writable buffers of 2 and 6 bytes. */
    private DescriptorChain mixedChain() throws VirtqueueException {
        long r1 = ring.buffer(bytes(1, 3));
        long r2 = ring.buffer(new byte[0]);
        long r3 = ring.buffer(bytes(4, 5));
        long w1 = ring.reserve(2);
        long w2 = ring.reserve(6);
        ring.desc(0, r1, 3, TestRing.NEXT, 1);
        ring.desc(1, r2, 0, TestRing.NEXT, 2);
        ring.desc(2, r3, 5, TestRing.NEXT, 3);
        ring.desc(3, w1, 2, TestRing.NEXT | TestRing.WRITE, 4);
        ring.desc(4, w2, 6, TestRing.WRITE, 0);
        ring.publish(0);
        return ring.queue.pop(ring.mem);
    }

    @Test
    void readAcrossDescriptors() throws Exception {
        DescriptorChain c = mixedChain();
        assertEquals(8, c.readableLength());
        assertEquals(8, c.writableLength());
        ChainReader r = c.reader(ring.mem);
        byte[] all = new byte[8];
        r.readFully(all);
        assertArrayEquals(bytes(1, 8), all);
        assertEquals(0, r.remaining());
        assertEquals(8, r.position());
    }

    @Test
    void scalarsSpanningBoundariesAreLittleEndian() throws Exception {
        ChainReader r = mixedChain().reader(ring.mem);
        assertEquals(0x01, r.readByte());
        assertEquals(0x0302, r.readShort()); // bytes 2,3: end of first buffer
        assertEquals(0x07060504, r.readInt());
        assertThrows(VirtqueueException.class, r::readShort);
        assertEquals(0x08, r.readByte());
        ChainReader r2 = mixedChain().reader(ring.mem);
        r2.skip(1);
        assertThrows(VirtqueueException.class, r2::readLong, "7 bytes left");
        assertEquals(0x05040302, r2.readInt(), "the failed read consumed nothing");
        assertEquals(5, r2.position());
    }

    @Test
    void readLongSpanning() throws Exception {
        ChainReader r = mixedChain().reader(ring.mem);
        assertEquals(0x0807060504030201L, r.readLong());
    }

    @Test
    void shortReadThrowsAndConsumesNothing() throws Exception {
        ChainReader r = mixedChain().reader(ring.mem);
        r.skip(2);
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> r.readFully(new byte[7]));
        assertEquals("chain 0: needs 7 more device-readable bytes, only 6 left", e.getMessage());
        assertEquals(6, r.remaining());
        assertThrows(VirtqueueException.class, () -> r.skip(7));
        assertThrows(IllegalArgumentException.class, () -> r.skip(-1));
    }

    @Test
    void partialReadReturnsCount() throws Exception {
        ChainReader r = mixedChain().reader(ring.mem);
        byte[] big = new byte[20];
        assertEquals(8, r.read(MemorySegment.ofArray(big)));
        assertEquals(0, r.read(MemorySegment.ofArray(big)));
        assertArrayEquals(bytes(1, 8), java.util.Arrays.copyOf(big, 8));
    }

    @Test
    void writeAcrossDescriptors() throws Exception {
        DescriptorChain c = mixedChain();
        ChainWriter w = c.writer(ring.mem);
        w.writeByte((byte) 0xaa);
        w.writeInt(0x44332211); // 1 byte in the first writable buffer, 3 in the second
        w.writeFully(new byte[] {5, 6, 7});
        assertEquals(8, w.bytesWritten());
        assertEquals(0, w.remaining());
        List<Descriptor> d = c.descriptors();
        assertArrayEquals(new byte[] {(byte) 0xaa, 0x11}, ring.mem.read(d.get(3).address(), 2));
        assertArrayEquals(new byte[] {0x22, 0x33, 0x44, 5, 6, 7}, ring.mem.read(d.get(4).address(), 6));
    }

    @Test
    void writeTooMuchThrowsAndWritesNothing() throws Exception {
        DescriptorChain c = mixedChain();
        ChainWriter w = c.writer(ring.mem);
        w.writeShort((short) 0x0201);
        byte[] before = ring.snapshot();
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> w.writeFully(new byte[7]));
        assertEquals("chain 0: needs 7 more device-writable bytes, only 6 left", e.getMessage());
        assertArrayEquals(before, ring.snapshot());
        assertEquals(2, w.bytesWritten());
        assertEquals(6, w.write(MemorySegment.ofArray(new byte[10])), "partial write fills the rest");
    }

    @Test
    void writerWritesLongAcrossBoundary() throws Exception {
        DescriptorChain c = mixedChain();
        ChainWriter w = c.writer(ring.mem);
        w.writeLong(0x0807060504030201L);
        assertArrayEquals(new byte[] {1, 2}, ring.mem.read(c.descriptor(3).address(), 2));
        assertArrayEquals(new byte[] {3, 4, 5, 6, 7, 8}, ring.mem.read(c.descriptor(4).address(), 6));
    }

    @Test
    void nextSegmentGivesGuestMemoryPerDescriptor() throws Exception {
        DescriptorChain c = mixedChain();
        ChainReader r = c.reader(ring.mem);
        assertEquals(2, r.nextSegment(2).byteSize());
        MemorySegment rest = r.nextSegment(100);
        assertEquals(1, rest.byteSize(), "stops at the end of the first descriptor");
        assertEquals(5, r.nextSegment(100).byteSize(), "skips the empty descriptor");
        assertEquals(0, r.nextSegment(100).byteSize());
        ChainWriter w = c.writer(ring.mem);
        MemorySegment s = w.nextSegment(100);
        s.fill((byte) 9);
        assertEquals(2, w.bytesWritten());
        assertArrayEquals(new byte[] {9, 9}, ring.mem.read(c.descriptor(3).address(), 2));
    }

    @Test
    void writerSkipCountsAsWritten() throws Exception {
        ChainWriter w = mixedChain().writer(ring.mem);
        w.skip(5);
        assertEquals(5, w.bytesWritten());
        assertEquals(3, w.remaining());
    }

    @Test
    void chainBuiltInCode() throws Exception {
        long data = ring.buffer(bytes(10, 4));
        DescriptorChain c = DescriptorChain.of(7, List.of(new Descriptor(data, 4, false),
                new Descriptor(ring.reserve(4), 4, true)));
        assertEquals(7, c.headIndex());
        assertEquals(1, c.readableCount());
        assertEquals(0x0d0c0b0a, c.reader(ring.mem).readInt());
        assertTrue(c.toString().contains("head=7"));
    }

    @Test
    void chainBuiltInCodeEnforcesRules() {
        assertThrows(IllegalArgumentException.class, () -> DescriptorChain.of(0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> DescriptorChain.of(0, List.of(
                new Descriptor(0, 4, true), new Descriptor(0, 4, false))));
        assertThrows(IllegalArgumentException.class, () -> DescriptorChain.of(0, List.of(
                new Descriptor(0, -1, false))));
    }

    @Test
    void descriptorsListIsReadOnly() throws Exception {
        List<Descriptor> d = mixedChain().descriptors();
        assertEquals(5, d.size());
        assertThrows(UnsupportedOperationException.class, () -> d.set(0, new Descriptor(0, 0, false)));
    }
}
