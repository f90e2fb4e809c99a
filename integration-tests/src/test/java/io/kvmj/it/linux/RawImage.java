package io.kvmj.it.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Raw drive images on the host: made with every block allocated, and measured by what they take on disk. */
public final class RawImage {
    private RawImage() {
    }

    /**
     * Writes {@code image}, {@code sizeMib} MiB of non-zero bytes, so that each block is allocated and a
     * discard has something to free (a sparse or zero-filled file may not occupy its blocks).
     */
    public static Path filled(Path image, int sizeMib) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < chunk.capacity(); i++) {
            chunk.put(i, (byte) (i * 31 + 7 | 1));
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < sizeMib; i++) {
                ch.write(chunk.clear());
            }
            ch.force(true);
        }
        return image;
    }

    /** The bytes {@code file} occupies on disk ({@code stat}'s block count times its block unit). */
    public static long allocatedBytes(Path file) throws IOException, InterruptedException {
        String[] blocks = HostCommand.check(List.of("stat", "-c", "%b %B", file.toString())).strip().split(" ");
        return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
    }
}
