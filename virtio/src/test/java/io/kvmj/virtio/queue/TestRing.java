package io.kvmj.virtio.queue;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A split ring laid out by hand in 1 MiB of fake guest RAM at guest address 0: descriptor table at 0x1000,
 * avail and used rings after it, buffers from {@link #DATA} on. Writes what a driver would write, reads what
 * a device wrote. The queue under test gets {@link #mem}, which counts accesses refused for lying outside RAM.
 */
public final class TestRing implements AutoCloseable {
    static final long RAM_SIZE = 1 << 20;
    static final long DESC = 0x1000;
    public static final long DATA = 0x80000;

    public static final int NEXT = SplitQueue.DESC_F_NEXT;
    public static final int WRITE = SplitQueue.DESC_F_WRITE;
    public static final int INDIRECT = SplitQueue.DESC_F_INDIRECT;

    final Arena arena = Arena.ofConfined();
    final MemorySegment ram;
    public final RecordingMemory mem;
    final int size;
    final long avail;
    final long used;
    public final SplitQueue queue;
    private int availIdx;
    private long nextData = DATA;

    public TestRing(int size) {
        this(size, size);
    }

    TestRing(int size, int maxSize) {
        this(size, maxSize, RAM_SIZE);
    }

    /** A ring of {@code size} in {@code ramBytes} of guest RAM, for requests larger than the default 1 MiB. */
    public static TestRing withRam(int size, long ramBytes) {
        return new TestRing(size, size, ramBytes);
    }

    private TestRing(int size, int maxSize, long ramBytes) {
        this.ram = arena.allocate(ramBytes, 4096);
        this.mem = new RecordingMemory(new RegionGuestMemory(List.of(new GuestRegion(0, ram))));
        this.size = size;
        this.avail = DESC + 16L * size;
        this.used = align(avail + 6 + 2L * size, 4);
        if (used + 6 + 8L * size > DATA) throw new IllegalArgumentException("ring too large for the test layout");
        this.queue = new SplitQueue(maxSize);
        configure(queue);
        queue.ready(true);
    }

    /** A queue put in {@code state}, as a snapshot restore does: for starting tests at given indices. */
    static SplitQueue restored(QueueState state) {
        SplitQueue q = new SplitQueue(state.maxSize());
        try {
            q.restore(state);
        } catch (io.kvmj.vmm.snapshot.SnapshotException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return q;
    }

    void configure(SplitQueue q) {
        q.size(size);
        q.descTableAddress(DESC);
        q.availRingAddress(avail);
        q.usedRingAddress(used);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    // ---- driver side ----

    /** Writes descriptor {@code i} of the main table. */
    public void desc(int i, long address, long length, int flags, int next) {
        writeDesc(DESC + 16L * i, address, length, flags, next);
    }

    /** Writes entry {@code i} of an indirect table at {@code table}. */
    void indirectEntry(long table, int i, long address, long length, int flags, int next) {
        writeDesc(table + 16L * i, address, length, flags, next);
    }

    private void writeDesc(long at, long address, long length, int flags, int next) {
        mem.writeLong(at, address);
        mem.writeInt(at + 8, (int) length);
        mem.writeShort(at + 12, (short) flags);
        mem.writeShort(at + 14, (short) next);
    }

    /** Puts {@code head} in the next avail ring slot and publishes it by bumping avail idx. */
    public void publish(int head) {
        mem.writeShort(avail + 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        mem.writeShort(avail + 2, (short) availIdx);
    }

    /** Sets avail idx (and where {@link #publish} continues from) without writing ring entries. */
    void availIdx(int idx) {
        availIdx = idx & 0xffff;
        mem.writeShort(avail + 2, (short) availIdx);
    }

    void availFlags(int flags) {
        mem.writeShort(avail, (short) flags);
    }

    void usedEvent(int idx) {
        mem.writeShort(avail + 4 + 2L * size, (short) idx);
    }

    /** A fresh buffer in the data area holding {@code bytes}. */
    public long buffer(byte[] bytes) {
        long at = reserve(bytes.length);
        mem.write(at, bytes);
        return at;
    }

    /** A fresh, zeroed buffer of {@code length} bytes in the data area. */
    public long reserve(long length) {
        long at = nextData;
        nextData = align(nextData + Math.max(length, 1), 16);
        return at;
    }

    // ---- device side, as the driver sees it ----

    public int usedIdx() {
        return mem.readShort(used + 2) & 0xffff;
    }

    int usedFlags() {
        return mem.readShort(used) & 0xffff;
    }

    public int usedId(int slot) {
        return mem.readInt(used + 4 + 8L * slot);
    }

    public int usedLen(int slot) {
        return mem.readInt(used + 4 + 8L * slot + 4);
    }

    int availEvent() {
        return mem.readShort(used + 4 + 8L * size) & 0xffff;
    }

    byte[] snapshot() {
        return ram.toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Guest memory that counts the accesses it refused (outside RAM); the queue must check before accessing. */
    public static final class RecordingMemory implements GuestMemory {
        private final GuestMemory delegate;
        int refused;

        RecordingMemory(GuestMemory delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<GuestRegion> regions() {
            return delegate.regions();
        }

        @Override
        public MemorySegment slice(long address, long length) {
            if (!delegate.contains(address, length)) refused++;
            return delegate.slice(address, length);
        }
    }
}
