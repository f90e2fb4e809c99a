package io.kvmj.virtio.block;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * O_DIRECT with buffers and offsets it cannot take as they are (the bounce path, read and write, in chunks of
 * the bounce buffer's size), and images whose size is not a whole number of sectors.
 */
class FileBlockBackendTest {
    @Test
    void unalignedDirectWritesAndReadsKeepTheBytesAround() throws Exception {
        byte[] data = new byte[1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        // straddles the first block boundary, from an unaligned address too
        roundTripThroughDirectIo("direct", 3 * FileBlockBackend.DIRECT_ALIGNMENT,
                FileBlockBackend.DIRECT_ALIGNMENT - 512, data, 1, "the rest of both blocks is unchanged");
    }

    /** A transfer of several bounce buffers' worth, at an unaligned offset and address: chunk edges hold. */
    @Test
    void unalignedDirectTransferLargerThanTheBounceBufferGoesInChunks() throws Exception {
        int length = 3 * FileBlockBackend.BOUNCE_SIZE + 1536;
        long offset = 512 * 7;
        byte[] data = new byte[length];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + (i >>> 12));
        }
        roundTripThroughDirectIo("chunks", (int) offset + length + FileBlockBackend.DIRECT_ALIGNMENT, offset, data, 8,
                "the bytes around the transfer are unchanged");
    }

    /**
     * Writes {@code data} at {@code offset} of an O_DIRECT image of {@code imageSize} bytes of 0x5a from a buffer
     * {@code addressSkew} bytes off an aligned address, reads it back likewise, and checks both the data and that
     * no other byte of the image changed.
     */
    private static void roundTripThroughDirectIo(String name, int imageSize, long offset, byte[] data,
                                                 int addressSkew, String untouchedMessage) throws Exception {
        // Not the system temp directory: the tests need a file system that takes O_DIRECT.
        Path image = Files.createTempFile(Path.of("target"), name, ".img");
        byte[] before = new byte[imageSize];
        Arrays.fill(before, (byte) 0x5a);
        Files.write(image, before);
        try (Arena arena = Arena.ofConfined();
             FileBlockBackend backend = FileBlockBackend.open(image, false, true)) {
            MemorySegment from = arena.allocate(data.length + addressSkew).asSlice(addressSkew);
            from.copyFrom(MemorySegment.ofArray(data));
            backend.write(offset, from);
            MemorySegment into = arena.allocate(data.length + addressSkew).asSlice(addressSkew);
            backend.read(offset, into);
            assertArrayEquals(data, into.toArray(ValueLayout.JAVA_BYTE));
        } finally {
            byte[] after = Files.readAllBytes(image);
            Files.delete(image);
            byte[] expected = before.clone();
            System.arraycopy(data, 0, expected, (int) offset, data.length);
            assertArrayEquals(expected, after, untouchedMessage);
        }
    }

    /** As Firecracker: a warning naming the drive and the bytes the guest will not see, which stay as they were. */
    @Test
    void sizeNotAWholeNumberOfSectorsIsWarnedAndTheTailKept() throws Exception {
        Path image = Files.createTempFile(Path.of("target"), "ragged", ".img");
        byte[] before = new byte[1000];
        Arrays.fill(before, (byte) 0x33);
        Files.write(image, before);
        List<String> warnings = new ArrayList<>();
        Logger log = Logger.getLogger(FileBlockBackend.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        byte[] sector = new byte[512];
        try {
            assertEquals(1000, FileBlockBackend.check("drive ragged", image, false, false));
        } finally {
            log.removeHandler(capture);
        }
        try (Arena arena = Arena.ofConfined();
             FileBlockBackend backend = FileBlockBackend.open(image, false, false)) {
            BlockDevice device = new BlockDevice(backend, false, "ragged", CacheType.UNSAFE);
            assertEquals(1, device.readConfig(0, 8), "capacity in whole sectors");
            Arrays.fill(sector, (byte) 0x44);
            backend.write(0, arena.allocateFrom(ValueLayout.JAVA_BYTE, sector));
        } finally {
            byte[] after = Files.readAllBytes(image);
            Files.delete(image);
            byte[] expected = before.clone();
            System.arraycopy(sector, 0, expected, 0, sector.length);
            assertArrayEquals(expected, after, "the last 488 bytes are kept, the size unchanged");
        }
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.getFirst();
        assertTrue(w.startsWith("WARNING ") && w.contains("drive ragged") && w.contains("1000 bytes")
                && w.contains("not the last 488 bytes"), w);
    }
}
