package io.kvmj.virtio.block;

import io.kvmj.virtio.CountingInterrupt;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.DeviceEvents;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.TestRing;
import io.kvmj.virtio.queue.VirtqueueException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockDeviceTest {
    /** A disk in memory that records calls and can be told to fail. */
    static final class MemoryBackend implements BlockBackend {
        final MemorySegment disk = Arena.ofAuto().allocate(64 * 512);
        final List<String> calls = new ArrayList<>();
        boolean fail;

        private void maybeFail() {
            if (fail) {
                throw new IllegalStateException("EIO from the host");
            }
        }

        @Override
        public long size() {
            return disk.byteSize();
        }

        @Override
        public void read(long offset, MemorySegment into) {
            maybeFail();
            into.copyFrom(disk.asSlice(offset, into.byteSize()));
        }

        @Override
        public void write(long offset, MemorySegment from) {
            maybeFail();
            disk.asSlice(offset, from.byteSize()).copyFrom(from);
        }

        @Override
        public void flush() {
            maybeFail();
            calls.add("flush");
        }

        @Override
        public void discard(long offset, long length) {
            calls.add("discard " + offset + "+" + length);
        }

        @Override
        public void writeZeroes(long offset, long length, boolean unmap) {
            calls.add("zeroes " + offset + "+" + length + (unmap ? " unmap" : ""));
            disk.asSlice(offset, length).fill((byte) 0);
        }

        @Override
        public void close() {
        }
    }

    static final DeviceEvents NO_EVENTS = (fd, events, handler) -> {
        throw new AssertionError("virtio-blk adds no event sources");
    };
    private final TestRing ring = new TestRing(16);
    private final MemoryBackend backend = new MemoryBackend();
    private final CountingInterrupt interrupt = new CountingInterrupt();

    @AfterEach
    void close() {
        ring.close();
    }

    private BlockDevice device(boolean readOnly) {
        return device(readOnly, CacheType.WRITEBACK);
    }

    private BlockDevice device(boolean readOnly, CacheType cacheType) {
        BlockDevice d = new BlockDevice(backend, readOnly, "disk-serial", cacheType);
        d.activate(new DeviceContext(ring.mem, List.of(ring.queue), VirtioFeatures.VERSION_1, interrupt, NO_EVENTS));
        return d;
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    /** Publishes header + data + status as three descriptors; returns {dataAddress, statusAddress}. */
    private long[] request(int head, int type, long sector, byte[] data, boolean deviceWritesData) {
        long h = ring.buffer(header(type, sector));
        long d = data == null ? 0 : ring.buffer(data);
        long s = ring.reserve(1);
        ring.mem.writeByte(s, (byte) 0x7f);
        int next = head + 1;
        ring.desc(head, h, 16, TestRing.NEXT, next);
        if (data != null) {
            ring.desc(next, d, data.length, TestRing.NEXT | (deviceWritesData ? TestRing.WRITE : 0), next + 1);
            next++;
        }
        ring.desc(next, s, 1, TestRing.WRITE, 0);
        ring.publish(head);
        return new long[] {d, s};
    }

    @Test
    void writeThenReadRoundTrips() throws VirtqueueException {
        BlockDevice dev = device(false);
        byte[] sector = new byte[512];
        Arrays.fill(sector, (byte) 0xab);
        long[] w = request(0, BlockDevice.T_OUT, 3, sector, false);
        long[] r = request(3, BlockDevice.T_IN, 3, new byte[512], true);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(w[1]));
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(r[1]));
        assertArrayEquals(sector, ring.mem.read(r[0], 512));
        assertArrayEquals(sector, backend.disk.asSlice(3 * 512, 512).toArray(ValueLayout.JAVA_BYTE));
        assertEquals(2, ring.usedIdx());
        assertEquals(1, ring.usedLen(0), "a write reports only the status byte");
        assertEquals(513, ring.usedLen(1), "a read reports data + status");
        assertEquals(1, interrupt.usedBuffers());
    }

    @Test
    void headerSplitAcrossDescriptorsIsAccepted() throws VirtqueueException {
        BlockDevice dev = device(false);
        byte[] h = header(BlockDevice.T_FLUSH, 0);
        long a = ring.buffer(Arrays.copyOf(h, 5));
        long b = ring.buffer(Arrays.copyOfRange(h, 5, 16));
        long s = ring.reserve(1);
        ring.desc(0, a, 5, TestRing.NEXT, 1);
        ring.desc(1, b, 11, TestRing.NEXT, 2);
        ring.desc(2, s, 1, TestRing.WRITE, 0);
        ring.publish(0);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(s));
        assertEquals(List.of("flush"), backend.calls);
    }

    @Test
    void outOfRangeAndMisalignedRequestsFailWithIoErr() throws VirtqueueException {
        BlockDevice dev = device(false);
        long[] beyond = request(0, BlockDevice.T_IN, 64, new byte[512], true);
        long[] straddle = request(3, BlockDevice.T_OUT, 63, new byte[1024], false);
        long[] partial = request(6, BlockDevice.T_IN, 0, new byte[100], true);
        long[] huge = request(9, BlockDevice.T_IN, Long.MAX_VALUE / 256, new byte[512], true);
        dev.process(0);
        for (long[] req : List.of(beyond, straddle, partial, huge)) {
            assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(req[1]));
        }
        assertEquals(1, ring.usedLen(0), "nothing but the status was written");
    }

    @Test
    void readOnlyDeviceRefusesWritesAndAdvertisesIt() throws VirtqueueException {
        BlockDevice dev = device(true);
        assertNotEquals(0, dev.deviceFeatures() & BlockDevice.F_RO);
        assertEquals(0, dev.deviceFeatures() & BlockDevice.F_DISCARD);
        long[] w = request(0, BlockDevice.T_OUT, 0, new byte[512], false);
        long[] r = request(3, BlockDevice.T_IN, 0, new byte[512], true);
        dev.process(0);
        assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(w[1]));
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(r[1]));
    }

    @Test
    void getIdReturnsTheSerialNulPadded() throws VirtqueueException {
        BlockDevice dev = device(false);
        long[] id = request(0, BlockDevice.T_GET_ID, 0, new byte[20], true);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(id[1]));
        assertArrayEquals(Arrays.copyOf("disk-serial".getBytes(), 20), ring.mem.read(id[0], 20));
        assertEquals(21, ring.usedLen(0));
    }

    private static byte[] segment(long sector, int count, int flags) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sector).putInt(count).putInt(flags)
                .array();
    }

    @Test
    void discardAndWriteZeroesFollowTheirFlagRules() throws VirtqueueException {
        BlockDevice dev = device(false);
        backend.disk.fill((byte) 1);
        long[] discard = request(0, BlockDevice.T_DISCARD, 0, segment(2, 4, 0), false);
        long[] discardUnmap = request(3, BlockDevice.T_DISCARD, 0, segment(2, 4, 1), false);
        long[] zeroes = request(6, BlockDevice.T_WRITE_ZEROES, 0, segment(8, 2, 1), false);
        long[] beyond = request(9, BlockDevice.T_WRITE_ZEROES, 0, segment(63, 2, 0), false);
        long[] ragged = request(12, BlockDevice.T_DISCARD, 0, new byte[10], false);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(discard[1]));
        assertEquals(BlockDevice.S_UNSUPP, ring.mem.readByte(discardUnmap[1]), "unmap is for write-zeroes only");
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(zeroes[1]));
        assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(beyond[1]));
        assertEquals(BlockDevice.S_UNSUPP, ring.mem.readByte(ragged[1]));
        assertEquals(List.of("discard 1024+2048", "zeroes 4096+1024 unmap"), backend.calls);
        assertEquals(0, backend.disk.get(ValueLayout.JAVA_BYTE, 4096));
    }

    @Test
    void hostFailureBecomesIoErrAndTheNextRequestWorks() throws VirtqueueException {
        BlockDevice dev = device(false);
        backend.fail = true;
        long[] r = request(0, BlockDevice.T_IN, 0, new byte[512], true);
        dev.process(0);
        assertEquals(BlockDevice.S_IOERR, ring.mem.readByte(r[1]));
        assertEquals(1, ring.usedLen(0));
        backend.fail = false;
        long[] again = request(3, BlockDevice.T_FLUSH, 0, null, false);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(again[1]));
    }

    @Test
    void unknownTypeIsUnsupportedAndChainWithoutStatusGetsNoStatus() throws VirtqueueException {
        BlockDevice dev = device(false);
        long[] u = request(0, 0x40, 0, null, false);
        long h = ring.buffer(header(BlockDevice.T_IN, 0));
        ring.desc(3, h, 16, 0, 0); // header only: nowhere to put a status
        ring.publish(3);
        dev.process(0);
        assertEquals(BlockDevice.S_UNSUPP, ring.mem.readByte(u[1]));
        assertEquals(2, ring.usedIdx());
        assertEquals(0, ring.usedLen(1));
    }

    @Test
    void configSpaceCarriesCapacityAndLimits() {
        BlockDevice dev = device(false);
        assertEquals(64, dev.readConfig(0, 8));
        assertEquals(64, dev.readConfig(0, 4));
        assertEquals(BlockDevice.SEG_MAX, dev.readConfig(12, 4));
        assertEquals(512, dev.readConfig(20, 4));
        assertEquals(0, dev.readConfig(1000, 4), "beyond the config space");
        dev.writeConfig(0, 8, 12345);
        assertEquals(64, dev.readConfig(0, 8), "read-only");
        assertTrue((dev.deviceFeatures() & VirtioFeatures.VERSION_1) != 0);
    }

    @Test
    void writebackOffersFlushAndSyncsOnEveryFlush() throws VirtqueueException {
        BlockDevice dev = device(false, CacheType.WRITEBACK);
        assertNotEquals(0, dev.deviceFeatures() & BlockDevice.F_FLUSH);
        long[] first = request(0, BlockDevice.T_FLUSH, 0, null, false);
        long[] second = request(2, BlockDevice.T_FLUSH, 0, null, false);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(first[1]));
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(second[1]));
        assertEquals(List.of("flush", "flush"), backend.calls);
    }

    /** Firecracker's default: no VIRTIO_BLK_F_FLUSH, and a flush sent anyway is acknowledged without a sync. */
    @Test
    void unsafeOffersNoFlushAndNeverSyncs() throws VirtqueueException {
        BlockDevice dev = device(false, CacheType.UNSAFE);
        assertEquals(0, dev.deviceFeatures() & BlockDevice.F_FLUSH);
        long[] flush = request(0, BlockDevice.T_FLUSH, 0, null, false);
        dev.process(0);
        assertEquals(BlockDevice.S_OK, ring.mem.readByte(flush[1]));
        assertEquals(List.of(), backend.calls);
    }

    @Test
    void configSpaceAnnouncesSizeMax() {
        BlockDevice dev = device(false);
        assertEquals(BlockDevice.SIZE_MAX, dev.readConfig(8, 4));
        assertNotEquals(0, dev.deviceFeatures() & BlockDevice.F_SIZE_MAX);
        assertNotEquals(0, dev.deviceFeatures() & BlockDevice.F_SEG_MAX);
    }
}
