package io.kvmj.virtio.block;

import io.kvmj.virtio.ConfigSpaceBytes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** struct virtio_blk_config (virtio 1.2 section 5.2.4), as the fields kvmj offers; read-only. */
final class BlockConfigSpace {
    static final int SIZE = 60;
    private final byte[] bytes = new byte[SIZE];

    BlockConfigSpace(long capacitySectors, int sizeMax, int segMax, int blockSize, int maxDiscardSectors,
                     int maxDiscardSegments) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, capacitySectors);
        b.putInt(8, sizeMax);
        b.putInt(12, segMax);
        b.putInt(20, blockSize);
        b.putInt(36, maxDiscardSectors);
        b.putInt(40, maxDiscardSegments);
        b.putInt(44, 1); // discard_sector_alignment
        b.putInt(48, maxDiscardSectors); // max_write_zeroes_sectors
        b.putInt(52, maxDiscardSegments); // max_write_zeroes_seg
        bytes[56] = 1; // write_zeroes_may_unmap
    }

    /** Little-endian read of 1-8 bytes; bytes past the end read as zero. */
    long read(int offset, int size) {
        return ConfigSpaceBytes.read(bytes, offset, size);
    }
}
