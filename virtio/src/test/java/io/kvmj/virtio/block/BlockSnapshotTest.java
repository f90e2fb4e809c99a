package io.kvmj.virtio.block;

import io.kvmj.virtio.MmioDriver;
import io.kvmj.virtio.MmioDriver.Buffer;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** virtio-blk saved mid-run through its transport and restored onto a copy of its disk and memory. */
class BlockSnapshotTest {
    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX
            | BlockDevice.F_FLUSH | BlockDevice.F_BLK_SIZE;
    private final List<MmioDriver> drivers = new ArrayList<>();

    @AfterEach
    void close() {
        drivers.forEach(MmioDriver::close);
    }

    private MmioDriver track(MmioDriver d) {
        drivers.add(d);
        return d;
    }

    private static BlockDevice device(BlockDeviceTest.MemoryBackend disk) {
        return new BlockDevice(disk, false, "disk-serial", CacheType.WRITEBACK);
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    private static byte[] sector(int fill) {
        byte[] b = new byte[BlockDevice.SECTOR_SIZE];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    /** A request: header, data, status byte; returns the buffers, data and status last two. */
    private static Buffer[] request(MmioDriver d, int type, long sector, byte[] out, int in) {
        List<Buffer> chain = new ArrayList<>();
        chain.add(d.readable(header(type, sector)));
        if (out != null) {
            chain.add(d.readable(out));
        }
        if (in > 0) {
            chain.add(d.writable(in));
        }
        chain.add(d.writable(1));
        Buffer[] buffers = chain.toArray(Buffer[]::new);
        d.offer(0, buffers);
        return buffers;
    }

    private static int status(MmioDriver d, Buffer[] request) {
        return d.mem.readByte(request[request.length - 1].address());
    }

    private static BlockDeviceTest.MemoryBackend copyOf(BlockDeviceTest.MemoryBackend disk) {
        BlockDeviceTest.MemoryBackend copy = new BlockDeviceTest.MemoryBackend();
        copy.disk.copyFrom(disk.disk);
        return copy;
    }

    @Test
    void requestsPostedBeforeTheSnapshotCompleteOnceAfterIt() throws Exception {
        BlockDeviceTest.MemoryBackend disk = new BlockDeviceTest.MemoryBackend();
        MmioDriver original = track(new MmioDriver(device(disk)));
        original.initialize(FEATURES);
        Buffer[] write0 = request(original, BlockDevice.T_OUT, 0, sector(0xa1), 0);
        Buffer[] read0 = request(original, BlockDevice.T_IN, 0, null, BlockDevice.SECTOR_SIZE);
        original.notify(0);
        assertEquals(2, original.usedIdx(0));
        assertEquals(List.of(0, 0), List.of(status(original, write0), status(original, read0)));
        original.acknowledge();
        // Posted when the VM paused, the notification not served yet: write, flush, read back.
        Buffer[] write1 = request(original, BlockDevice.T_OUT, 1, sector(0xb2), 0);
        Buffer[] flush = request(original, BlockDevice.T_FLUSH, 0, null, 0);
        Buffer[] read1 = request(original, BlockDevice.T_IN, 1, null, BlockDevice.SECTOR_SIZE);
        MmioDriver.Saved saved = original.save();
        BlockState state = (BlockState) saved.state();
        assertEquals(new BlockState(state.transport(), 64, false, "disk-serial"), state);

        BlockDeviceTest.MemoryBackend diskCopy = copyOf(disk); // the image as it was at the snapshot
        MmioDriver restored = track(MmioDriver.restore(saved, device(diskCopy)));
        original.notify(0);
        restored.dispatch();
        for (MmioDriver d : List.of(original, restored)) {
            assertEquals(5, d.usedIdx(0), "the three posted requests, each once");
            assertEquals(List.of(0, 0, 0), List.of(status(d, write1), status(d, flush), status(d, read1)));
            assertArrayEquals(sector(0xb2), d.mem.read(read1[1].address(), BlockDevice.SECTOR_SIZE));
            assertEquals(BlockDevice.SECTOR_SIZE + 1, d.usedLen(0, 4));
            assertEquals(1, d.acknowledge());
        }
        assertEquals(List.of("flush"), diskCopy.calls, "the flush ran once on the restored drive");
        assertEquals(List.of("flush"), disk.calls);
        assertArrayEquals(original.ram(), restored.ram(), "guest memory exactly as the original left it");
        assertArrayEquals(disk.disk.toArray(ValueLayout.JAVA_BYTE), diskCopy.disk.toArray(ValueLayout.JAVA_BYTE));

        for (MmioDriver d : List.of(original, restored)) {
            Buffer[] next = request(d, BlockDevice.T_GET_ID, 0, null, BlockDevice.ID_BYTES);
            d.notify(0);
            assertEquals(6, d.usedIdx(0), "indices continue");
            assertEquals(0, status(d, next));
        }
        assertEquals(3, original.irq.triggers());
        assertEquals(2, restored.irq.triggers(), "one interrupt per completed batch since the snapshot");
        assertArrayEquals(original.ram(), restored.ram());
    }

    @Test
    void aDriveThatDiffersFromTheSnapshotsIsRefused() throws Exception {
        MmioDriver original = track(new MmioDriver(device(new BlockDeviceTest.MemoryBackend())));
        original.initialize(FEATURES);
        MmioDriver.Saved saved = original.save();
        BlockState s = (BlockState) saved.state();
        assertRefused(saved, new BlockState(s.transport(), 128, false, "disk-serial"),
                "virtio-blk: the drive has 64 sectors, the snapshot's had 128");
        assertRefused(saved, new BlockState(s.transport(), 64, true, "disk-serial"),
                "virtio-blk: the drive is read-write, the snapshot's was read-only");
        assertRefused(saved, new BlockState(s.transport(), 64, false, "other"),
                "virtio-blk: the drive's serial is \"disk-serial\", the snapshot's was \"other\"");
        // A read-only drive does not offer DISCARD, which the saved driver accepted.
        SnapshotException e = assertThrows(SnapshotException.class, () -> track(MmioDriver.restore(saved,
                new BlockDevice(new BlockDeviceTest.MemoryBackend(), true, "disk-serial", CacheType.WRITEBACK))));
        assertEquals("virtio-mmio test: cannot restore: virtio-blk: the drive is read-only, the snapshot's was"
                + " read-write", e.getMessage());
    }

    private void assertRefused(MmioDriver.Saved saved, BlockState state, String why) {
        SnapshotException e = assertThrows(SnapshotException.class, () -> track(MmioDriver.restore(saved, state,
                device(new BlockDeviceTest.MemoryBackend()))));
        assertEquals("virtio-mmio test: cannot restore: " + why, e.getMessage());
    }
}
