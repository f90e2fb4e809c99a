package io.kvmj.virtio.queue;

import java.lang.foreign.MemorySegment;

/**
 * Reads the device-readable part of a {@link DescriptorChain} as one byte stream, across descriptor
 * boundaries. Multi-byte values are little-endian (virtio 1.x). Asking for more bytes than the chain
 * has left throws {@link VirtqueueException} and consumes nothing. Not thread-safe; one per request.
 */
public final class ChainReader {
    private static final String PART = "readable";

    private final ChainCursor cursor;

    ChainReader(ChainCursor cursor) {
        this.cursor = cursor;
    }

    /** Bytes not read yet. */
    public long remaining() {
        return cursor.remaining();
    }

    /** Bytes read (or skipped) so far. */
    public long position() {
        return cursor.position();
    }

    /** Copies up to {@code dst.byteSize()} bytes into {@code dst}; returns how many (0 at the end). */
    public long read(MemorySegment dst) {
        return cursor.copy(dst, false);
    }

    /** Fills {@code dst} completely. */
    public void readFully(MemorySegment dst) throws VirtqueueException {
        cursor.require(dst.byteSize(), PART);
        cursor.copy(dst, false);
    }

    public void readFully(byte[] dst) throws VirtqueueException {
        readFully(MemorySegment.ofArray(dst));
    }

    public byte readByte() throws VirtqueueException {
        cursor.require(1, PART);
        return (byte) cursor.readLittleEndian(1);
    }

    public short readShort() throws VirtqueueException {
        cursor.require(2, PART);
        return (short) cursor.readLittleEndian(2);
    }

    public int readInt() throws VirtqueueException {
        cursor.require(4, PART);
        return (int) cursor.readLittleEndian(4);
    }

    public long readLong() throws VirtqueueException {
        cursor.require(8, PART);
        return cursor.readLittleEndian(8);
    }

    public void skip(long bytes) throws VirtqueueException {
        cursor.require(bytes, PART);
        cursor.skip(bytes);
    }

    /**
     * The guest memory at the cursor, up to {@code maxBytes} and within one descriptor, and moves past it: for
     * zero-copy I/O straight from guest RAM. Empty at the end.
     */
    public MemorySegment nextSegment(long maxBytes) {
        return cursor.next(maxBytes);
    }
}
