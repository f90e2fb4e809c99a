package io.kvmj.virtio.vsock;

import io.kvmj.virtio.CountingInterrupt;
import io.kvmj.sys.UnixSocket;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventLoop;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The device on three split rings laid out by hand in one fake guest memory, as a driver would. */
class VsockDeviceTest {
    static final int SIZE = 8;
    @TempDir
    Path dir;
    private final Arena arena = Arena.ofShared();
    private final GuestMemory mem = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(1 << 20, 4096))));
    private final EventLoop loop = new EventLoop();
    private final SplitQueue[] queues = new SplitQueue[3];
    private final int[] availIdx = new int[3];
    private final CountingInterrupt interrupts = new CountingInterrupt();
    private VsockMuxer muxer;
    private VsockDevice device;

    private static long base(int q) {
        return 0x1000L + q * 0x1000L;
    }

    private void activate() throws Exception {
        for (int q = 0; q < 3; q++) {
            queues[q] = new SplitQueue(VsockDevice.QUEUE_SIZE);
            queues[q].size(SIZE);
            queues[q].descTableAddress(base(q));
            queues[q].availRingAddress(base(q) + 0x200);
            queues[q].usedRingAddress(base(q) + 0x400);
            queues[q].ready(true);
            queues[q].validate(mem);
        }
        String uds = dir.resolve("v.sock").toString();
        muxer = new VsockMuxer(3, uds, System::nanoTime);
        device = new VsockDevice(3, muxer);
        device.activate(new DeviceContext(mem, List.of(queues), VirtioFeatures.VERSION_1, interrupts,
                (fd, events, handler) -> loop.add(fd, events, ready -> {
                    try {
                        handler.ready(ready);
                    } catch (VirtqueueException e) {
                        throw new AssertionError(e);
                    }
                })));
    }

    @AfterEach
    void close() {
        if (muxer != null) {
            muxer.close();
        }
        loop.close();
        arena.close();
    }

    /** Makes one single-descriptor chain available on queue {@code q}. */
    private void offer(int q, long address, int length, boolean writable) {
        int slot = availIdx[q] % SIZE;
        long d = base(q) + 16L * slot;
        mem.writeLong(d, address);
        mem.writeInt(d + 8, length);
        mem.writeShort(d + 12, (short) (writable ? 2 : 0)); // VIRTQ_DESC_F_WRITE
        mem.writeShort(d + 14, (short) 0);
        mem.writeShort(base(q) + 0x200 + 4 + 2L * slot, (short) slot);
        availIdx[q]++;
        mem.writeShort(base(q) + 0x200 + 2, (short) availIdx[q]);
    }

    private int usedIdx(int q) {
        return mem.readShort(base(q) + 0x400 + 2) & 0xffff;
    }

    private static byte[] header(int srcPort, int dstPort, int len, int op) {
        return ByteBuffer.allocate(VsockHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(3).putLong(2)
                .putInt(srcPort).putInt(dstPort).putInt(len).putShort((short) 1).putShort((short) op).putInt(0)
                .putInt(4096).putInt(0).array();
    }

    @Test
    void configSpaceIsTheGuestCid() {
        VsockDevice d = new VsockDevice(0x1_0000_0003L, null);
        assertEquals(0x1_0000_0003L, d.readConfig(0, 8));
        assertEquals(3, d.readConfig(0, 4));
        assertEquals(1, d.readConfig(4, 4));
        assertEquals(0, d.readConfig(8, 4), "beyond guest_cid");
        assertEquals(19, d.deviceType());
        assertEquals(3, d.queueCount());
    }

    @Test
    void hostileTxPacketsAreDroppedOrResetNeverFatal() throws Exception {
        activate();
        // Cut short: fewer bytes than a header. Dropped, no answer.
        mem.write(0x10000, new byte[10]);
        offer(VsockDevice.TX, 0x10000, 10, false);
        // Claims 1 MiB of payload in a 44-byte chain: reset.
        mem.write(0x11000, header(1000, 52, 1 << 20, VsockHeader.OP_RW));
        offer(VsockDevice.TX, 0x11000, VsockHeader.SIZE, false);
        device.process(VsockDevice.TX);
        assertEquals(2, usedIdx(VsockDevice.TX), "both consumed");
        assertEquals(0, usedIdx(VsockDevice.RX), "no receive buffer yet: the RST waits");
        offer(VsockDevice.RX, 0x20000, VsockHeader.SIZE + 64, true);
        offer(VsockDevice.RX, 0x21000, VsockHeader.SIZE + 64, true);
        device.process(VsockDevice.RX);
        assertEquals(1, usedIdx(VsockDevice.RX), "one RST, the second buffer stays with the device");
        assertEquals(VsockHeader.OP_RST, mem.readShort(0x20000 + 30));
        assertEquals(2, interrupts.usedBuffers(), "one for the consumed tx buffers, one for the RST");
    }

    @Test
    void aReceiveBufferTooSmallForAHeaderIsABrokenQueue() throws Exception {
        activate();
        mem.write(0x11000, header(1000, 99, 0, VsockHeader.OP_REQUEST)); // nobody listens: RST owed
        offer(VsockDevice.TX, 0x11000, VsockHeader.SIZE, false);
        offer(VsockDevice.RX, 0x20000, 8, true);
        org.junit.jupiter.api.Assertions.assertThrows(VirtqueueException.class, () -> device.process(VsockDevice.TX));
    }
}
