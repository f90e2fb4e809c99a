package io.kvmj.virtio.queue;

import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestMemoryException;
import io.kvmj.vmm.snapshot.SnapshotException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The device side of a split virtqueue (virtio 1.2, section 2.7), with VIRTIO_F_EVENT_IDX and
 * VIRTIO_F_INDIRECT_DESC. It knows nothing of notifications or interrupt delivery: it says whether the driver
 * wants an interrupt ({@link #needsNotification}) and the transport delivers it. Guest memory is passed to
 * every call, never kept.
 *
 * <p>Everything in the rings is guest-controlled and checked: a malformed chain or ring throws
 * {@link VirtqueueException} (the transport then sets DEVICE_NEEDS_RESET), never touches host memory outside
 * guest RAM and never loops. A chain has at most {@link #size()} descriptors, indirect tables included
 * (the spec's limit for drivers).
 *
 * <p>Lifecycle: the transport sets {@link #size(int)} and the three ring addresses, calls {@link #validate} and
 * then {@link #ready(boolean)}. The device thread then runs, per batch of notifications:
 * <pre>{@code
 * do {
 *     queue.disableNotifications(mem);
 *     for (DescriptorChain c; (c = queue.pop(mem)) != null; ) { ...; queue.addUsed(mem, c.headIndex(), n); }
 *     queue.enableNotifications(mem);
 * } while (more arrived: pop again, it returns null when there is nothing);
 * if (queue.needsNotification(mem)) interrupt.trigger();
 * }</pre>
 * Not thread-safe: the transport configures it before activation, the device thread uses it afterwards.
 */
public final class SplitQueue {
    /** The largest queue size the split ring allows. */
    public static final int MAX_SIZE = 32768;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    static final int USED_F_NO_NOTIFY = 1;

    // struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; }
    static final int DESC_SIZE = 16;
    // Both rings start with le16 flags, le16 idx; avail entries are le16, used entries { le32 id; le32 len; }.
    private static final int RING_HEADER = 4;
    private static final int AVAIL_ENTRY = 2;
    private static final int USED_ENTRY = 8;

    private final int maxSize;
    private int size;
    private long descTable;
    private long availRing;
    private long usedRing;
    private boolean ready;
    private boolean eventIdx;
    private int nextAvail;
    private int nextUsed;
    private int signalledUsed;

    // Per-pop scratch, reused: the chain being read, flattened.
    private long[] scratchAddresses = new long[0];
    private int[] scratchLengths = new int[0];
    private int count;
    private int readable;

    /** @param maxSize the largest size the driver may choose: a power of two, at most {@value #MAX_SIZE} */
    public SplitQueue(int maxSize) {
        if (maxSize <= 0 || maxSize > MAX_SIZE || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("queue max size must be a power of two between 1 and " + MAX_SIZE
                    + " (got " + maxSize + ")");
        }
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    // ---- transport-facing configuration ----

    public int maxSize() {
        return maxSize;
    }

    /** The size the driver chose; checked by {@link #validate}. */
    public void size(int size) {
        this.size = size;
    }

    public int size() {
        return size;
    }

    public void descTableAddress(long address) {
        this.descTable = address;
    }

    public long descTableAddress() {
        return descTable;
    }

    public void availRingAddress(long address) {
        this.availRing = address;
    }

    public long availRingAddress() {
        return availRing;
    }

    public void usedRingAddress(long address) {
        this.usedRing = address;
    }

    public long usedRingAddress() {
        return usedRing;
    }

    /** Whether the driver enabled the queue; {@link #pop} returns null while it is not. */
    public void ready(boolean ready) {
        this.ready = ready;
    }

    public boolean ready() {
        return ready;
    }

    /** Whether VIRTIO_F_EVENT_IDX was negotiated. */
    public void eventIdx(boolean enabled) {
        this.eventIdx = enabled;
    }

    public boolean eventIdx() {
        return eventIdx;
    }

    /** The free-running index of the next avail ring entry {@link #pop} reads. */
    public int nextAvail() {
        return nextAvail;
    }

    /** The free-running index of the next used ring entry {@link #addUsed} writes (the used ring's idx). */
    public int nextUsed() {
        return nextUsed;
    }

    /**
     * Checks what the driver configured: the size is a power of two and at most {@link #maxSize()}, the
     * descriptor table, avail ring and used ring are aligned (16, 2, 4 bytes) and each lies entirely inside
     * guest RAM (including the event-idx fields at the ends of the rings).
     */
    public void validate(GuestMemory memory) throws VirtqueueException {
        checkSize();
        checkRing(memory, "descriptor table", descTable, 16, (long) DESC_SIZE * size);
        checkRing(memory, "available ring", availRing, 2, RING_HEADER + (long) AVAIL_ENTRY * size + 2);
        checkRing(memory, "used ring", usedRing, 4, RING_HEADER + (long) USED_ENTRY * size + 2);
    }

    private void checkSize() throws VirtqueueException {
        checkSize(size);
    }

    private void checkSize(int size) throws VirtqueueException {
        if (size == 0) throw new VirtqueueException("queue size is 0");
        if (Integer.compareUnsigned(size, maxSize) > 0) {
            throw new VirtqueueException("queue size " + Integer.toUnsignedString(size)
                    + " is larger than the device's maximum " + maxSize);
        }
        if (Integer.bitCount(size) != 1) throw new VirtqueueException("queue size " + size + " is not a power of two");
    }

    private static void checkRing(GuestMemory memory, String name, long address, int align, long bytes)
            throws VirtqueueException {
        if ((address & (align - 1)) != 0) {
            throw new VirtqueueException(String.format("%s address 0x%x is not %d-byte aligned", name, address, align));
        }
        if (!memory.contains(address, bytes)) {
            throw new VirtqueueException(String.format("%s 0x%x+0x%x is outside guest RAM", name, address, bytes));
        }
    }

    // ---- device-facing ----

    /**
     * The next chain the driver made available, or null when there is none (or the queue is not ready).
     * The avail ring entry is consumed even when its chain is malformed.
     *
     * @throws VirtqueueException for a malformed chain, or an avail index that moved by more than the
     *         queue size since the last pop (a corrupt ring)
     */
    public DescriptorChain pop(GuestMemory memory) throws VirtqueueException {
        if (!ready) return null;
        checkSize();
        try {
            int availIdx = memory.readShort(availRing + 2) & 0xffff;
            int pending = (availIdx - nextAvail) & 0xffff;
            if (pending == 0) return null;
            if (pending > size) {
                throw new VirtqueueException("available ring index moved from " + nextAvail + " to " + availIdx
                        + ", more than the queue size " + size + ": corrupt ring");
            }
            // The ring entries were written before idx: read them only after reading idx.
            VarHandle.acquireFence();
            int slot = nextAvail & (size - 1);
            int head = memory.readShort(availRing + RING_HEADER + (long) AVAIL_ENTRY * slot) & 0xffff;
            nextAvail = (nextAvail + 1) & 0xffff;
            return readChain(memory, head, slot);
        } catch (GuestMemoryException e) {
            // Only when the transport skipped validate(): the access was refused, nothing was touched.
            throw new VirtqueueException("queue ring outside guest RAM (" + e.getMessage() + ")");
        }
    }

    private DescriptorChain readChain(GuestMemory memory, int head, int slot) throws VirtqueueException {
        if (head >= size) {
            throw new VirtqueueException("available ring entry " + slot + ": head index " + head
                    + " is outside the queue (size " + size + ")");
        }
        if (scratchLengths.length < size) {
            scratchAddresses = new long[size];
            scratchLengths = new int[size];
        }
        count = 0;
        readable = 0;
        int index = head;
        for (int visited = 1; ; visited++) {
            if (visited > size) {
                throw new VirtqueueException("descriptor " + index + ": chain starting at descriptor " + head
                        + " loops (more than " + size + " descriptors visited)");
            }
            MemorySegment d = memory.slice(descTable + (long) DESC_SIZE * index, DESC_SIZE);
            long address = d.get(GuestMemory.U64, 0);
            int length = d.get(GuestMemory.U32, 8);
            int flags = d.get(GuestMemory.U16, 12) & 0xffff;
            int next = d.get(GuestMemory.U16, 14) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                if ((flags & DESC_F_NEXT) != 0) {
                    throw new VirtqueueException("descriptor " + index + ": has both INDIRECT and NEXT set");
                }
                readIndirect(memory, head, index, address, length);
                break;
            }
            add(memory, head, index, -1, address, length, (flags & DESC_F_WRITE) != 0);
            if ((flags & DESC_F_NEXT) == 0) break;
            if (next >= size) {
                throw new VirtqueueException("descriptor " + index + ": next index " + next
                        + " is outside the queue (size " + size + ")");
            }
            index = next;
        }
        return new DescriptorChain(head, Arrays.copyOf(scratchAddresses, count), Arrays.copyOf(scratchLengths, count),
                readable);
    }

    private void readIndirect(GuestMemory memory, int head, int index, long tableAddress, int tableLength)
            throws VirtqueueException {
        long bytes = Integer.toUnsignedLong(tableLength);
        long entries = bytes / DESC_SIZE;
        String problem = bytes == 0 ? "has length 0"
                : bytes % DESC_SIZE != 0 ? "length " + bytes + " is not a multiple of " + DESC_SIZE
                : entries > size ? "has " + entries + " descriptors, more than the queue size " + size
                : !memory.contains(tableAddress, bytes)
                        ? String.format("0x%x+0x%x is outside guest RAM", tableAddress, bytes) : null;
        if (problem != null) {
            // Built only on failure: this runs for every indirect request.
            throw new VirtqueueException("descriptor " + index + ": indirect table " + problem);
        }
        MemorySegment table = memory.slice(tableAddress, bytes);
        int entry = 0;
        for (int visited = 1; ; visited++) {
            if (visited > entries) {
                throw new VirtqueueException(name(index, entry) + ": indirect chain loops (more than " + entries
                        + " descriptors visited)");
            }
            long offset = (long) DESC_SIZE * entry;
            long address = table.get(GuestMemory.U64, offset);
            int length = table.get(GuestMemory.U32, offset + 8);
            int flags = table.get(GuestMemory.U16, offset + 12) & 0xffff;
            int next = table.get(GuestMemory.U16, offset + 14) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw new VirtqueueException(name(index, entry) + ": INDIRECT inside an indirect table (nesting is not allowed)");
            }
            add(memory, head, index, entry, address, length, (flags & DESC_F_WRITE) != 0);
            if ((flags & DESC_F_NEXT) == 0) return;
            if (next >= entries) {
                throw new VirtqueueException(name(index, entry) + ": next index " + next
                        + " is outside the indirect table (" + entries + " descriptors)");
            }
            entry = next;
        }
    }

    /** Appends one buffer to the chain being read, after checking it. {@code entry} is -1 outside indirect tables. */
    private void add(GuestMemory memory, int head, int index, int entry, long address, int length, boolean writable)
            throws VirtqueueException {
        if (count == size) {
            throw new VirtqueueException(name(index, entry) + ": chain starting at descriptor " + head
                    + " is longer than the queue size " + size);
        }
        if (length < 0) {
            throw new VirtqueueException(name(index, entry) + ": length " + Integer.toUnsignedString(length)
                    + " is 2 GiB or more");
        }
        if (!memory.contains(address, length)) {
            throw new VirtqueueException(String.format("%s: buffer 0x%x+0x%x is outside guest RAM",
                    name(index, entry), address, length));
        }
        if (!writable && readable < count) {
            throw new VirtqueueException(name(index, entry) + ": device-readable descriptor after a device-writable one");
        }
        scratchAddresses[count] = address;
        scratchLengths[count] = length;
        count++;
        if (!writable) readable++;
    }

    private static String name(int index, int entry) {
        return entry < 0 ? "descriptor " + index : "descriptor " + index + " (indirect entry " + entry + ")";
    }

    /**
     * Gives back the chain the last {@link #pop} returned, unused, as if it had not been popped: for a device
     * that finds it has nothing to put in it after all (a socket with no data after all). Only valid straight
     * after a successful pop.
     */
    public void undoPop() {
        nextAvail = (nextAvail - 1) & 0xffff;
    }

    /**
     * Returns a chain to the driver: writes used ring entry {id = headIndex, len = bytesWritten}, then (after a
     * release fence) the used idx. Call {@link #needsNotification} after a batch.
     *
     * @param bytesWritten bytes the device wrote into the chain's writable part
     */
    public void addUsed(GuestMemory memory, int headIndex, int bytesWritten) {
        if (headIndex < 0 || headIndex >= size) {
            throw new IllegalArgumentException("head index " + headIndex + " is outside the queue (size " + size + ")");
        }
        if (bytesWritten < 0) throw new IllegalArgumentException("negative bytesWritten " + bytesWritten);
        long entry = usedRing + RING_HEADER + (long) USED_ENTRY * (nextUsed & (size - 1));
        memory.writeInt(entry, headIndex);
        memory.writeInt(entry + 4, bytesWritten);
        nextUsed = (nextUsed + 1) & 0xffff;
        // The driver must see the entry before the index that publishes it.
        VarHandle.releaseFence();
        memory.writeShort(usedRing + 2, (short) nextUsed);
    }

    /**
     * Whether the driver wants an interrupt for the used entries added since the last call: with event idx,
     * when the used index passed the avail ring's used_event (16-bit wrap-around included); without, unless
     * the avail ring's flags have VIRTQ_AVAIL_F_NO_INTERRUPT. False when nothing was added since the last call.
     */
    public boolean needsNotification(GuestMemory memory) {
        // Our used idx store must be visible before we read the driver's used_event / flags, or an
        // interrupt can be lost.
        VarHandle.fullFence();
        int old = signalledUsed;
        int now = nextUsed;
        signalledUsed = now;
        if (old == now) return false;
        if (eventIdx) {
            int usedEvent = memory.readShort(availRing + RING_HEADER + (long) AVAIL_ENTRY * size) & 0xffff;
            return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
        }
        return (memory.readShort(availRing) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    /**
     * Asks the driver to notify when it makes buffers available: with event idx, sets the used ring's
     * avail_event to the next avail index; without, clears VIRTQ_USED_F_NO_NOTIFY. Call {@link #pop} afterwards:
     * buffers made available just before this call are not notified.
     */
    public void enableNotifications(GuestMemory memory) {
        if (eventIdx) {
            memory.writeShort(usedRing + RING_HEADER + (long) USED_ENTRY * size, (short) nextAvail);
        } else {
            memory.writeShort(usedRing, (short) 0);
        }
        // Publish the request before re-reading the avail idx in the next pop.
        VarHandle.fullFence();
    }

    /**
     * Tells the driver notifications are not needed (the device is processing the queue): sets
     * VIRTQ_USED_F_NO_NOTIFY. With event idx there is nothing to write: avail_event stays behind, so the
     * driver does not notify until {@link #enableNotifications} moves it.
     */
    public void disableNotifications(GuestMemory memory) {
        if (!eventIdx) memory.writeShort(usedRing, (short) USED_F_NO_NOTIFY);
    }

    /** Back to the state after construction (device reset): not ready, size = max, addresses and indices 0. */
    public void reset() {
        size = maxSize;
        descTable = 0;
        availRing = 0;
        usedRing = 0;
        ready = false;
        eventIdx = false;
        nextAvail = 0;
        nextUsed = 0;
        signalledUsed = 0;
    }

    /** The device side of this queue now, for a snapshot; see {@link QueueState} for what each value is. */
    public QueueState state() {
        return new QueueState(maxSize, size, ready, descTable, availRing, usedRing, eventIdx, nextAvail, nextUsed,
                signalledUsed);
    }

    /**
     * Puts a saved {@link QueueState} into this queue, built for the same device and not used yet. Checks what a
     * state must be to fit: the same maximum size, 16-bit indices, and for a ready queue a valid size and at most
     * that many buffers taken from the available ring and not yet used (a device holds no more, section 2.7);
     * the ring addresses are the caller's to check against the restored memory ({@link #validate}).
     *
     * @throws SnapshotException naming the value that does not fit, nothing changed then
     */
    public void restore(QueueState state) throws SnapshotException {
        if (state.maxSize() != maxSize) {
            throw new SnapshotException("maximum size " + state.maxSize()
                    + " differs from the device's " + maxSize);
        }
        index16("next available index", state.nextAvail());
        index16("next used index", state.nextUsed());
        index16("signalled used index", state.signalledUsed());
        if (state.ready()) {
            try {
                checkSize(state.size());
            } catch (VirtqueueException e) {
                throw new SnapshotException("ready with " + e.getMessage());
            }
            int inFlight = (state.nextAvail() - state.nextUsed()) & 0xffff;
            if (inFlight > state.size()) {
                throw new SnapshotException(inFlight + " buffers taken and not used, more than the queue size "
                        + state.size());
            }
        }
        size = state.size();
        descTable = state.descTableAddress();
        availRing = state.availRingAddress();
        usedRing = state.usedRingAddress();
        ready = state.ready();
        eventIdx = state.eventIdx();
        nextAvail = state.nextAvail();
        nextUsed = state.nextUsed();
        signalledUsed = state.signalledUsed();
    }

    private static void index16(String name, int value) throws SnapshotException {
        if (value < 0 || value > 0xffff) {
            throw new SnapshotException(name + " " + value + " is not a 16-bit ring index");
        }
    }

    @Override
    public String toString() {
        return String.format("SplitQueue[size=%d/%d, ready=%b, desc=0x%x, avail=0x%x, used=0x%x, eventIdx=%b,"
                        + " nextAvail=%d, nextUsed=%d]", size, maxSize, ready, descTable, availRing, usedRing, eventIdx,
                nextAvail, nextUsed);
    }
}
