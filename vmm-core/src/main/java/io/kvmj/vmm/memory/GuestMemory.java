package io.kvmj.vmm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Guest-physical memory. Every access is bounds-checked against the RAM regions and little-endian;
 * an access outside RAM (or across two regions) throws {@link GuestMemoryException} and touches nothing.
 */
public interface GuestMemory {
    ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /** The RAM regions in ascending guest address order. */
    List<GuestRegion> regions();

    /**
     * A view of [address, address+length) that lies in one region, for bulk copies and device buffers.
     * Throws {@link GuestMemoryException} when the range is not all RAM of one region.
     */
    MemorySegment slice(long address, long length);

    default long totalSize() {
        return regions().stream().mapToLong(GuestRegion::size).sum();
    }

    default boolean contains(long address, long length) {
        for (GuestRegion r : regions()) {
            if (r.contains(address, length)) {
                return true;
            }
        }
        return false;
    }

    default byte readByte(long address) {
        return slice(address, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    default short readShort(long address) {
        return slice(address, 2).get(U16, 0);
    }

    default int readInt(long address) {
        return slice(address, 4).get(U32, 0);
    }

    default long readLong(long address) {
        return slice(address, 8).get(U64, 0);
    }

    default void writeByte(long address, byte value) {
        slice(address, 1).set(ValueLayout.JAVA_BYTE, 0, value);
    }

    default void writeShort(long address, short value) {
        slice(address, 2).set(U16, 0, value);
    }

    default void writeInt(long address, int value) {
        slice(address, 4).set(U32, 0, value);
    }

    default void writeLong(long address, long value) {
        slice(address, 8).set(U64, 0, value);
    }

    /** Copies host bytes into guest memory. */
    default void write(long address, MemorySegment source) {
        slice(address, source.byteSize()).copyFrom(source);
    }

    default void write(long address, byte[] source) {
        write(address, MemorySegment.ofArray(source));
    }

    default byte[] read(long address, int length) {
        return slice(address, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
