package io.kvmj.virtio.block;

import io.kvmj.virtio.CountingInterrupt;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.TestRing;
import io.kvmj.virtio.queue.VirtqueueException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Requests at the limits the device announces (size_max bytes per segment, seg_max segments, virtio 1.2 section
 * 5.2.4): the largest allowed works with the right data; one byte or one segment beyond is refused with IOERR
 * before the backend sees it, and the device goes on serving.
 */
class BlockRequestLimitsTest {
    private static final int MIB = 1 << 20;
    /** Room for seg_max segments of size_max bytes after the ring and the test's small buffers. */
    private final TestRing ring = TestRing.withRam(BlockDevice.QUEUE_SIZE, (long) (BlockDevice.SEG_MAX + 4) * MIB);
    private final PatternBackend backend = new PatternBackend((long) BlockDevice.SEG_MAX * BlockDevice.SIZE_MAX);
    private final BlockDevice device = new BlockDevice(backend, false, "limits", CacheType.UNSAFE);

    /**
     * A disk whose 8-byte word at offset o is {@link #pattern}(o): reads produce it, writes are checked against it.
     * Requests are whole sectors, so whole words.
     */
    static final class PatternBackend implements BlockBackend {
        final long size;
        long bytesRead;
        long bytesWritten;
        long wrongWordsWritten;

        PatternBackend(long size) {
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void read(long offset, MemorySegment into) {
            for (long i = 0; i < into.byteSize(); i += 8) {
                into.set(WORD, i, pattern(offset + i));
            }
            bytesRead += into.byteSize();
        }

        @Override
        public void write(long offset, MemorySegment from) {
            for (long i = 0; i < from.byteSize(); i += 8) {
                if (from.get(WORD, i) != pattern(offset + i)) {
                    wrongWordsWritten++;
                }
            }
            bytesWritten += from.byteSize();
        }

        @Override
        public void flush() {
        }

        @Override
        public void discard(long offset, long length) {
        }

        @Override
        public void writeZeroes(long offset, long length, boolean unmap) {
        }

        @Override
        public void close() {
        }
    }

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    /** Distinct for every word of the disk, so a misplaced or missing segment shows. */
    static long pattern(long offset) {
        return offset * 0x9e37_79b9_7f4a_7c15L + 1;
    }

    @AfterEach
    void close() {
        ring.close();
    }

    private void activate() {
        device.activate(new DeviceContext(ring.mem, List.of(ring.queue), VirtioFeatures.VERSION_1,
                new CountingInterrupt(), BlockDeviceTest.NO_EVENTS));
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    /**
     * Publishes one request from descriptor 0: the header in its own descriptor, then {@code segments} data
     * descriptors of {@code segmentBytes} (consecutive in guest memory), then the status byte. Returns
     * {firstDataAddress, statusAddress}.
     */
    private long[] request(int type, long sector, int segments, long segmentBytes) {
        boolean deviceWrites = type == BlockDevice.T_IN;
        long h = ring.buffer(header(type, sector));
        long data = ring.reserve(segments * segmentBytes);
        long status = ring.reserve(1);
        ring.mem.writeByte(status, (byte) 0x7f);
        ring.desc(0, h, 16, TestRing.NEXT, 1);
        for (int i = 0; i < segments; i++) {
            ring.desc(1 + i, data + i * segmentBytes, segmentBytes,
                    TestRing.NEXT | (deviceWrites ? TestRing.WRITE : 0), 2 + i);
        }
        ring.desc(1 + segments, status, 1, TestRing.WRITE, 0);
        ring.publish(0);
        return new long[] {data, status};
    }

    @Test
    void largestReadTheLimitsAllowArrivesWhole() throws VirtqueueException {
        activate();
        long[] r = request(BlockDevice.T_IN, 0, BlockDevice.SEG_MAX, BlockDevice.SIZE_MAX);
        device.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(r[1]));
        long total = (long) BlockDevice.SEG_MAX * BlockDevice.SIZE_MAX;
        MemorySegment guest = ring.mem.slice(r[0], total);
        long wrong = 0;
        for (long i = 0; i < total; i += 8) {
            if (guest.get(WORD, i) != pattern(i)) {
                wrong++;
            }
        }
        assertEquals(0, wrong, "words that differ from the disk");
        assertEquals(total, backend.bytesRead);
    }

    @Test
    void largestWriteTheLimitsAllowLandsWhole() throws VirtqueueException {
        activate();
        long total = (long) BlockDevice.SEG_MAX * BlockDevice.SIZE_MAX;
        long[] w = request(BlockDevice.T_OUT, 0, BlockDevice.SEG_MAX, BlockDevice.SIZE_MAX);
        MemorySegment guest = ring.mem.slice(w[0], total);
        for (long i = 0; i < total; i += 8) {
            guest.set(WORD, i, pattern(i));
        }
        device.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(w[1]));
        assertEquals(total, backend.bytesWritten);
        assertEquals(0, backend.wrongWordsWritten);
    }

    @Test
    void segmentLargerThanSizeMaxIsRefusedAndTheDeviceGoesOn() throws VirtqueueException {
        activate();
        long[] tooLarge = request(BlockDevice.T_IN, 0, 1, BlockDevice.SIZE_MAX + 512);
        device.process(0);
        assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(tooLarge[1]));
        assertEquals(0, backend.bytesRead, "refused before the backend");
        long[] next = request(BlockDevice.T_IN, 0, 1, BlockDevice.SIZE_MAX);
        device.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(next[1]));
        assertEquals(BlockDevice.SIZE_MAX, backend.bytesRead);
    }

    /** seg_max + 1 data segments still fit a chain of queue size when the header shares the first descriptor. */
    @Test
    void oneSegmentMoreThanSegMaxIsRefused() throws VirtqueueException {
        activate();
        int segments = BlockDevice.SEG_MAX + 1;
        long first = ring.buffer(header(BlockDevice.T_OUT, 0));
        ring.reserve(512); // the first segment follows the header in the same descriptor
        long rest = ring.reserve((segments - 1) * 512L);
        long status = ring.reserve(1);
        ring.desc(0, first, 16 + 512, TestRing.NEXT, 1);
        for (int i = 1; i < segments; i++) {
            ring.desc(i, rest + (i - 1) * 512L, 512, TestRing.NEXT, i + 1);
        }
        ring.desc(segments, status, 1, TestRing.WRITE, 0);
        ring.publish(0);
        device.process(0);
        assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(status));
        assertEquals(0, backend.bytesWritten);
    }
}
