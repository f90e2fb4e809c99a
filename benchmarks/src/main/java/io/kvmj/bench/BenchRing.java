package io.kvmj.bench;

import io.kvmj.virtio.queue.SplitQueue;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A split ring in 1 MiB of fake guest RAM at guest address 0, with a fake driver that publishes
 * 3-descriptor requests (16-byte header, 4 KiB data, 1-byte status), directly or through an indirect table.
 * The driver writes the host segment directly (it is the guest); the device side goes through GuestMemory.
 */
final class BenchRing implements AutoCloseable {
    static final int SIZE = 256;
    static final long RAM_SIZE = 1 << 20;
    static final long DESC = 0x1000;
    static final long AVAIL = DESC + 16L * SIZE;               // flags, idx, ring[SIZE], used_event
    static final long USED = (AVAIL + 6 + 2L * SIZE + 3) & -4;  // flags, idx, ring[SIZE], avail_event
    static final long INDIRECT_TABLES = 0x8000;                 // one 48-byte table per head, 64 apart
    static final long HEADER = 0x10000;
    static final long STATUS = 0x10100;
    static final long DATA = 0x20000;

    private static final int NEXT = 1;
    private static final int WRITE = 2;
    private static final int INDIRECT = 4;
    /** Chains use heads 0, 3, 6, ...: 85 distinct 3-descriptor chains fit in the 256-entry table. */
    private static final int CHAINS = SIZE / 3;

    final Arena arena = Arena.ofShared();
    final MemorySegment ram = arena.allocate(RAM_SIZE, 4096);
    final GuestMemory memory = new RegionGuestMemory(List.of(new GuestRegion(0, ram)));
    final SplitQueue queue = new SplitQueue(SIZE);
    private final boolean indirect;
    private final boolean eventIdx;
    private int availIdx;
    private int chain;

    BenchRing(boolean indirect, boolean eventIdx) {
        this.indirect = indirect;
        this.eventIdx = eventIdx;
        queue.size(SIZE);
        queue.descTableAddress(DESC);
        queue.availRingAddress(AVAIL);
        queue.usedRingAddress(USED);
        queue.eventIdx(eventIdx);
        try {
            queue.validate(memory);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        queue.ready(true);
    }

    /** The driver side of one request: fills in its descriptors, puts the head in the avail ring, bumps idx. */
    void publish() {
        int head = 3 * chain;
        chain = chain + 1 == CHAINS ? 0 : chain + 1;
        if (indirect) {
            long table = INDIRECT_TABLES + 64L * head;
            desc(table, 0, HEADER, 16, NEXT, 1);
            desc(table, 1, DATA, 4096, NEXT, 2);
            desc(table, 2, STATUS, 1, WRITE, 0);
            desc(DESC, head, table, 48, INDIRECT, 0);
        } else {
            desc(DESC, head, HEADER, 16, NEXT, head + 1);
            desc(DESC, head + 1, DATA, 4096, NEXT, head + 2);
            desc(DESC, head + 2, STATUS, 1, WRITE, 0);
        }
        ram.set(GuestMemory.U16, AVAIL + 4 + 2L * (availIdx & (SIZE - 1)), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        if (eventIdx) {
            // used_event: interrupt me once the device has used this request (a driver waiting for it).
            ram.set(GuestMemory.U16, AVAIL + 4 + 2L * SIZE, (short) (availIdx - 1));
        }
        VarHandle.releaseFence();
        ram.set(GuestMemory.U16, AVAIL + 2, (short) availIdx);
    }

    private void desc(long table, int i, long address, int length, int flags, int next) {
        long at = table + 16L * i;
        ram.set(GuestMemory.U64, at, address);
        ram.set(GuestMemory.U32, at + 8, length);
        ram.set(GuestMemory.U16, at + 12, (short) flags);
        ram.set(GuestMemory.U16, at + 14, (short) next);
    }

    @Override
    public void close() {
        arena.close();
    }
}
