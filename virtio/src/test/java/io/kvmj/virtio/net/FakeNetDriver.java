package io.kvmj.virtio.net;

import io.kvmj.virtio.CountingInterrupt;
import io.kvmj.virtio.DeviceContext;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.virtio.queue.VirtqueueException;
import io.kvmj.vmm.event.EventLoop;
import io.kvmj.vmm.event.EventSource;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A virtio-net driver's side of the two queues, laid out by hand in 4 MiB of fake guest RAM: it offers tx
 * frames and rx buffers as a driver would and reads back what the device used. Each queue has
 * {@value #SIZE} entries; buffers come from a bump allocator from 1 MiB on.
 */
final class FakeNetDriver implements AutoCloseable {
    static final int SIZE = 64;
    private static final long RAM = 4 << 20;
    private static final int DESC_F_NEXT = 1;
    private static final int DESC_F_WRITE = 2;

    final Arena arena = Arena.ofShared();
    final GuestMemory mem = new RegionGuestMemory(List.of(new GuestRegion(0, arena.allocate(RAM, 4096))));
    final EventLoop loop = new EventLoop();
    final SplitQueue[] queues = {new SplitQueue(NetDevice.QUEUE_SIZE), new SplitQueue(NetDevice.QUEUE_SIZE)};
    final CountingInterrupt interrupts = new CountingInterrupt();
    private final int[] availIdx = new int[2];
    private final int[] nextDesc = new int[2];
    private final int[] consumed = new int[2];
    private final Map<Integer, Long> rxBufferOf = new HashMap<>();
    private final List<EventSource> sources = new ArrayList<>();
    private long nextData = 1 << 20;

    private static long desc(int q) {
        return 0x1000L + 0x10000L * q;
    }

    private static long avail(int q) {
        return desc(q) + 0x800;
    }

    private static long used(int q) {
        return desc(q) + 0xc00;
    }

    /** Sets up both queues as a driver would and activates {@code device} with {@code accepted} features. */
    void activate(NetDevice device, long accepted) throws VirtqueueException {
        for (int q = 0; q < 2; q++) {
            queues[q].size(SIZE);
            queues[q].descTableAddress(desc(q));
            queues[q].availRingAddress(avail(q));
            queues[q].usedRingAddress(used(q));
            queues[q].eventIdx((accepted & VirtioFeatures.RING_EVENT_IDX) != 0);
            queues[q].validate(mem);
            queues[q].ready(true);
        }
        device.activate(new DeviceContext(mem, List.of(queues), accepted, interrupts,
                (fd, events, handler) -> {
                    EventSource s = loop.add(fd, events, ready -> {
                        try {
                            handler.ready(ready);
                        } catch (VirtqueueException e) {
                            throw new AssertionError(e);
                        }
                    });
                    sources.add(s);
                    return s;
                }));
    }

    /** A driver reset as the transport carries it out: event sources removed, then the device and queues reset. */
    void reset(NetDevice device) {
        sources.forEach(EventSource::remove);
        sources.clear();
        device.reset();
        for (SplitQueue q : queues) {
            q.reset();
        }
        Arrays.fill(availIdx, 0);
        Arrays.fill(nextDesc, 0);
        Arrays.fill(consumed, 0);
    }

    long reserve(long length) {
        long at = nextData;
        nextData = (nextData + length + 15) & -16L;
        if (nextData > RAM) {
            throw new IllegalStateException("fake guest RAM used up");
        }
        return at;
    }

    /** Makes a chain of the given (address, length, flags) buffers available on queue {@code q}. */
    int offer(int q, long[] addresses, int[] lengths, boolean writable) {
        int head = nextDesc[q];
        for (int i = 0; i < addresses.length; i++) {
            int index = nextDesc[q];
            nextDesc[q] = (nextDesc[q] + 1) % SIZE;
            long d = desc(q) + 16L * index;
            mem.writeLong(d, addresses[i]);
            mem.writeInt(d + 8, lengths[i]);
            boolean last = i == addresses.length - 1;
            mem.writeShort(d + 12, (short) ((writable ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT)));
            mem.writeShort(d + 14, (short) nextDesc[q]);
        }
        mem.writeShort(avail(q) + 4 + 2L * (availIdx[q] % SIZE), (short) head);
        availIdx[q] = (availIdx[q] + 1) & 0xffff;
        mem.writeShort(avail(q) + 2, (short) availIdx[q]);
        return head;
    }

    /** A tx chain, one descriptor per part (e.g. the header, then the frame). */
    void offerTx(byte[]... parts) {
        long[] addresses = new long[parts.length];
        int[] lengths = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            addresses[i] = reserve(parts[i].length);
            mem.write(addresses[i], parts[i]);
            lengths[i] = parts[i].length;
        }
        offer(NetDevice.TX, addresses, lengths, false);
    }

    /** {@code count} rx chains of one {@code length}-byte buffer each. */
    void offerRx(int count, int length) {
        for (int i = 0; i < count; i++) {
            long at = reserve(length);
            rxBufferOf.put(offer(NetDevice.RX, new long[]{at}, new int[]{length}, true), at);
        }
    }

    int usedIdx(int q) {
        return mem.readShort(used(q) + 2) & 0xffff;
    }

    int usedLength(int q, int i) {
        return mem.readInt(used(q) + 4 + 8L * (i % SIZE) + 4);
    }

    /** Whether the device has used an rx buffer this driver has not taken with {@link #nextRx} yet. */
    boolean hasRx() {
        return usedIdx(NetDevice.RX) != consumed[NetDevice.RX];
    }

    /**
     * The next received frame, header included, as the Linux driver would put it together: num_buffers from
     * the first buffer's header says how many used buffers it spans.
     */
    Received nextRx() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int first = consumed[NetDevice.RX];
        int numBuffers = -1;
        int i = first;
        do {
            long slot = used(NetDevice.RX) + 4 + 8L * (i % SIZE);
            int head = mem.readInt(slot);
            int length = mem.readInt(slot + 4);
            out.writeBytes(mem.read(rxBufferOf.get(head), length));
            if (numBuffers < 0) {
                numBuffers = mem.readShort(rxBufferOf.get(head) + 10) & 0xffff;
            }
            i++;
        } while (i - first < numBuffers);
        consumed[NetDevice.RX] = i;
        return new Received(out.toByteArray(), numBuffers);
    }

    /** One frame as received: the bytes (header first) and the header's num_buffers. */
    record Received(byte[] bytes, int numBuffers) {
    }

    @Override
    public void close() {
        loop.close();
        arena.close();
    }
}
