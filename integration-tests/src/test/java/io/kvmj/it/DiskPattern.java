package io.kvmj.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The virtio_blk guest's data pattern, checked from the host: 64-bit word w of sector s is
 * splitmix64((seed << 32) + s * 64 + w), little-endian (see integration-tests/guests/README.md).
 */
final class DiskPattern {
    private DiskPattern() {
    }

    static long splitmix64(long x) {
        long z = x + 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Number of sectors in [0, sectors) of {@code image} that do not hold the pattern for {@code seed}. */
    static long badSectors(Path image, long seed, long sectors) throws IOException {
        long bad = 0;
        ByteBuffer sector = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel f = FileChannel.open(image)) {
            for (long s = 0; s < sectors; s++) {
                sector.clear();
                f.read(sector, s * 512);
                for (int w = 0; w < 64; w++) {
                    if (sector.getLong(w * 8) != splitmix64((seed << 32) + s * 64 + w)) {
                        bad++;
                        break;
                    }
                }
            }
        }
        return bad;
    }
}
