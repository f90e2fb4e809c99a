package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host-side disk image tools, run for real (e2fsprogs, stat): no VM involved. */
class Ext4ImageTest {
    @TempDir
    Path dir;

    @Test
    void fileMadeIntoAnImageIsReadBackAndAMissingOneIsEmpty() throws Exception {
        Path content = Files.createDirectories(dir.resolve("content/etc"));
        Files.writeString(content.resolve("hostname"), "kvmj-guest\n");

        Path image = Ext4Image.create(dir.resolve("root.ext4"), 8, dir.resolve("content"));

        assertEquals(8L << 20, Files.size(image));
        assertEquals(Optional.of("kvmj-guest\n"), Ext4Image.readFile(image, "/etc/hostname"));
        assertEquals(Optional.empty(), Ext4Image.readFile(image, "/etc/missing"));
    }

    @Test
    void fileThatIsNoExt4ImageIsAnError() throws Exception {
        Path junk = RawImage.filled(dir.resolve("junk.img"), 1);

        assertThrows(IOException.class, () -> Ext4Image.readFile(junk, "/x"));
    }

    @Test
    void filledImageHasItsBlocksAllocatedAndASparseOneHasNone() throws Exception {
        Path filled = RawImage.filled(dir.resolve("filled.img"), 4);
        Path sparse = dir.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(4L << 20);
        }

        assertEquals(4L << 20, Files.size(filled));
        assertTrue(RawImage.allocatedBytes(filled) >= 4L << 20, "filled: " + RawImage.allocatedBytes(filled));
        assertTrue(RawImage.allocatedBytes(sparse) < 64 << 10, "sparse: " + RawImage.allocatedBytes(sparse));
    }
}
