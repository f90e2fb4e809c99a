package io.kvmj.virtio.block;

import java.lang.foreign.MemorySegment;

/**
 * Storage behind a virtio-blk device. Offsets and lengths are in bytes; failures are thrown as unchecked
 * exceptions and become VIRTIO_BLK_S_IOERR for the guest.
 */
public interface BlockBackend extends AutoCloseable {
    long size();

    void read(long offset, MemorySegment into);

    void write(long offset, MemorySegment from);

    /** Makes completed writes durable. */
    void flush();

    /** The range may read back as anything afterwards (here: zeros); the host may free its space. */
    void discard(long offset, long length);

    /** The range reads back as zeros afterwards; {@code unmap} allows freeing the space. */
    void writeZeroes(long offset, long length, boolean unmap);

    @Override
    void close();
}
