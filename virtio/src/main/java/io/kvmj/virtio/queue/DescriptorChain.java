package io.kvmj.virtio.queue;

import io.kvmj.vmm.memory.GuestMemory;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * One request popped from a virtqueue: its head index (to hand back through {@link SplitQueue#addUsed}) and its
 * buffers in order, indirect tables expanded. All device-readable descriptors come first, then all
 * device-writable ones (the virtio rule, enforced when the chain is popped), so the chain splits into a
 * readable part, copied out with {@link #reader}, and a writable part, filled with {@link #writer}.
 *
 * <p>Immutable and independent of the queue: a device may keep several chains in flight.
 */
public final class DescriptorChain {
    private final int headIndex;
    private final long[] addresses;
    private final int[] lengths;
    private final int readableCount;
    private final long readableLength;
    private final long writableLength;

    /** Takes ownership of the arrays; the caller has checked every descriptor. */
    DescriptorChain(int headIndex, long[] addresses, int[] lengths, int readableCount) {
        this.headIndex = headIndex;
        this.addresses = addresses;
        this.lengths = lengths;
        this.readableCount = readableCount;
        long readable = 0;
        long writable = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (i < readableCount) readable += lengths[i];
            else writable += lengths[i];
        }
        this.readableLength = readable;
        this.writableLength = writable;
    }

    /**
     * A chain built in code, for device tests and devices that synthesize requests. The descriptors must be
     * non-empty, with non-negative lengths, readable ones first. Addresses are not checked here; the reader
     * and writer still go through {@link GuestMemory}, which bounds-checks every access.
     */
    public static DescriptorChain of(int headIndex, List<Descriptor> descriptors) {
        if (descriptors.isEmpty()) throw new IllegalArgumentException("a descriptor chain has at least one descriptor");
        int n = descriptors.size();
        long[] addresses = new long[n];
        int[] lengths = new int[n];
        int readable = 0;
        for (int i = 0; i < n; i++) {
            Descriptor d = descriptors.get(i);
            if (d.length() < 0) throw new IllegalArgumentException("descriptor " + i + ": negative length");
            if (!d.writable()) {
                if (readable != i) {
                    throw new IllegalArgumentException("descriptor " + i + ": device-readable after device-writable");
                }
                readable++;
            }
            addresses[i] = d.address();
            lengths[i] = d.length();
        }
        return new DescriptorChain(headIndex, addresses, lengths, readable);
    }

    /** The index of the chain's first descriptor in the descriptor table: the id for the used ring. */
    public int headIndex() {
        return headIndex;
    }

    /** Number of buffers (descriptors referring to an indirect table are replaced by the table's entries). */
    public int descriptorCount() {
        return lengths.length;
    }

    public Descriptor descriptor(int i) {
        return new Descriptor(addresses[i], lengths[i], i >= readableCount);
    }

    /** The buffers in chain order, as a read-only view. */
    public List<Descriptor> descriptors() {
        return new DescriptorList();
    }

    /** Number of device-readable descriptors; they are descriptors {@code 0 .. readableCount()-1}. */
    public int readableCount() {
        return readableCount;
    }

    public int writableCount() {
        return lengths.length - readableCount;
    }

    /** Total bytes the driver gave the device to read. */
    public long readableLength() {
        return readableLength;
    }

    /** Total bytes the device may write. */
    public long writableLength() {
        return writableLength;
    }

    /** A cursor over the device-readable bytes, from the start. */
    public ChainReader reader(GuestMemory memory) {
        return new ChainReader(new ChainCursor(memory, this, 0, readableCount, readableLength));
    }

    /** A cursor over the device-writable bytes, from the start. */
    public ChainWriter writer(GuestMemory memory) {
        return new ChainWriter(new ChainCursor(memory, this, readableCount, lengths.length, writableLength));
    }

    long address(int i) {
        return addresses[i];
    }

    int length(int i) {
        return lengths[i];
    }

    @Override
    public String toString() {
        return "DescriptorChain[head=" + headIndex + ", descriptors=" + lengths.length + ", readable="
                + readableLength + " bytes, writable=" + writableLength + " bytes]";
    }

    private final class DescriptorList extends AbstractList<Descriptor> implements RandomAccess {
        @Override
        public Descriptor get(int index) {
            return descriptor(index);
        }

        @Override
        public int size() {
            return lengths.length;
        }
    }
}
