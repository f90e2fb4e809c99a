package io.kvmj.virtio.queue;

import io.kvmj.vmm.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A position in one part (readable or writable) of a {@link DescriptorChain}, walking its descriptors in order.
 * Shared by {@link ChainReader} and {@link ChainWriter}; every guest access goes through {@link GuestMemory}.
 */
final class ChainCursor {
    private static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

    private final GuestMemory memory;
    private final DescriptorChain chain;
    private final int end;
    private int index;
    private long offset;
    private long remaining;
    private long position;

    ChainCursor(GuestMemory memory, DescriptorChain chain, int start, int end, long total) {
        this.memory = memory;
        this.chain = chain;
        this.index = start;
        this.end = end;
        this.remaining = total;
    }

    long remaining() {
        return remaining;
    }

    long position() {
        return position;
    }

    int headIndex() {
        return chain.headIndex();
    }

    /**
     * The guest bytes at the cursor, up to {@code max} of them and within one descriptor, and moves past them.
     * Empty at the end of the part or when {@code max} is 0.
     */
    MemorySegment next(long max) {
        if (max < 0) throw new IllegalArgumentException("negative length " + max);
        while (index < end && offset == chain.length(index)) {
            index++;
            offset = 0;
        }
        if (index == end || max == 0) return EMPTY;
        long n = Math.min(chain.length(index) - offset, max);
        MemorySegment s = memory.slice(chain.address(index) + offset, n);
        offset += n;
        remaining -= n;
        position += n;
        return s;
    }

    /** Copies between the chain and {@code host}, as many bytes as both have; returns the count. */
    long copy(MemorySegment host, boolean toGuest) {
        long total = Math.min(host.byteSize(), remaining);
        long done = 0;
        while (done < total) {
            MemorySegment guest = next(total - done);
            long n = guest.byteSize();
            if (toGuest) MemorySegment.copy(host, done, guest, 0, n);
            else MemorySegment.copy(guest, 0, host, done, n);
            done += n;
        }
        return total;
    }

    void skip(long n) {
        long left = n;
        while (left > 0) left -= next(left).byteSize();
    }

    void require(long n, String part) throws VirtqueueException {
        if (n < 0) throw new IllegalArgumentException("negative length " + n);
        if (n > remaining) {
            throw new VirtqueueException("chain " + chain.headIndex() + ": needs " + n + " more device-" + part
                    + " bytes, only " + remaining + " left");
        }
    }

    /** Reads {@code bytes} (1..8) little-endian bytes; the caller has checked they are there. */
    long readLittleEndian(int bytes) {
        MemorySegment s = next(bytes);
        if (s.byteSize() == bytes) {
            return switch (bytes) {
                case 1 -> s.get(ValueLayout.JAVA_BYTE, 0) & 0xffL;
                case 2 -> s.get(GuestMemory.U16, 0) & 0xffffL;
                case 4 -> s.get(GuestMemory.U32, 0) & 0xffff_ffffL;
                default -> s.get(GuestMemory.U64, 0);
            };
        }
        long value = 0;
        int shift = 0;
        while (true) {
            for (long i = 0; i < s.byteSize(); i++, shift += 8) {
                value |= (s.get(ValueLayout.JAVA_BYTE, i) & 0xffL) << shift;
            }
            if (shift == bytes * 8) return value;
            s = next(bytes - shift / 8);
        }
    }

    /** Writes the low {@code bytes} (1..8) bytes of {@code value} little-endian; the caller has checked room. */
    void writeLittleEndian(long value, int bytes) {
        MemorySegment s = next(bytes);
        if (s.byteSize() == bytes) {
            switch (bytes) {
                case 1 -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) value);
                case 2 -> s.set(GuestMemory.U16, 0, (short) value);
                case 4 -> s.set(GuestMemory.U32, 0, (int) value);
                default -> s.set(GuestMemory.U64, 0, value);
            }
            return;
        }
        int shift = 0;
        while (true) {
            for (long i = 0; i < s.byteSize(); i++, shift += 8) {
                s.set(ValueLayout.JAVA_BYTE, i, (byte) (value >>> shift));
            }
            if (shift == bytes * 8) return;
            s = next(bytes - shift / 8);
        }
    }
}
