package io.kvmj.virtio.block;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** O_DIRECT with buffers and offsets it cannot take as they are: the bounce path, read and write. */
class FileBlockBackendTest {
    @Test
    void unalignedDirectWritesAndReadsKeepTheBytesAround() throws Exception {
        // O_DIRECT is refused on tmpfs, so not the system temp directory.
        Path image = Files.createTempFile(Path.of("target"), "direct", ".img");
        byte[] before = new byte[3 * FileBlockBackend.DIRECT_ALIGNMENT];
        Arrays.fill(before, (byte) 0x5a);
        Files.write(image, before);
        byte[] data = new byte[1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        long offset = FileBlockBackend.DIRECT_ALIGNMENT - 512; // straddles the first block boundary
        try (Arena arena = Arena.ofConfined();
             FileBlockBackend backend = FileBlockBackend.open(image, false, true)) {
            MemorySegment from = arena.allocate(data.length + 1).asSlice(1); // unaligned address too
            from.copyFrom(MemorySegment.ofArray(data));
            backend.write(offset, from);
            MemorySegment into = arena.allocate(data.length + 1).asSlice(1);
            backend.read(offset, into);
            assertArrayEquals(data, into.toArray(ValueLayout.JAVA_BYTE));
        } finally {
            byte[] after = Files.readAllBytes(image);
            Files.delete(image);
            byte[] expected = before.clone();
            System.arraycopy(data, 0, expected, (int) offset, data.length);
            assertArrayEquals(expected, after, "the rest of both blocks is unchanged");
        }
    }
}
