package io.kvmj.virtio.queue;

import java.lang.foreign.MemorySegment;

/**
 * Writes the device-writable part of a {@link DescriptorChain} as one byte stream, across descriptor
 * boundaries. Multi-byte values are little-endian (virtio 1.x). Writing more than the chain has room for
 * throws {@link VirtqueueException} and writes nothing. {@link #bytesWritten()} is the length to report
 * through {@link SplitQueue#addUsed}. Not thread-safe; one per request.
 */
public final class ChainWriter {
    private static final String PART = "writable";

    private final ChainCursor cursor;

    ChainWriter(ChainCursor cursor) {
        this.cursor = cursor;
    }

    /** Room left, in bytes. */
    public long remaining() {
        return cursor.remaining();
    }

    /** Bytes written (or skipped) so far. */
    public long bytesWritten() {
        return cursor.position();
    }

    /** Copies as much of {@code src} as fits; returns how many bytes (0 when the chain is full). */
    public long write(MemorySegment src) {
        return cursor.copy(src, true);
    }

    /** Copies all of {@code src}. */
    public void writeFully(MemorySegment src) throws VirtqueueException {
        cursor.require(src.byteSize(), PART);
        cursor.copy(src, true);
    }

    public void writeFully(byte[] src) throws VirtqueueException {
        writeFully(MemorySegment.ofArray(src));
    }

    public void writeByte(byte value) throws VirtqueueException {
        cursor.require(1, PART);
        cursor.writeLittleEndian(value, 1);
    }

    public void writeShort(short value) throws VirtqueueException {
        cursor.require(2, PART);
        cursor.writeLittleEndian(value, 2);
    }

    public void writeInt(int value) throws VirtqueueException {
        cursor.require(4, PART);
        cursor.writeLittleEndian(value, 4);
    }

    public void writeLong(long value) throws VirtqueueException {
        cursor.require(8, PART);
        cursor.writeLittleEndian(value, 8);
    }

    /** Moves past {@code bytes} bytes, leaving the guest's contents there; they still count as written. */
    public void skip(long bytes) throws VirtqueueException {
        cursor.require(bytes, PART);
        cursor.skip(bytes);
    }

    /**
     * The guest memory at the cursor, up to {@code maxBytes} and within one descriptor, and moves past it: for
     * zero-copy I/O straight into guest RAM. Empty when the chain is full.
     */
    public MemorySegment nextSegment(long maxBytes) {
        return cursor.next(maxBytes);
    }
}
