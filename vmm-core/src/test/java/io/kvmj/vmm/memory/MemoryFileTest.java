package io.kvmj.vmm.memory;

import io.kvmj.vmm.snapshot.SnapshotException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guest RAM to a snapshot's memory file and back, mapped copy-on-write. */
class MemoryFileTest {
    /** Two regions with a gap, as below and above the MMIO hole; 4 MiB + 6 MiB. */
    private static final List<GuestRamLayout.Range> RANGES = List.of(new GuestRamLayout.Range(0, 4 << 20),
            new GuestRamLayout.Range(16 << 20, 6 << 20));

    @TempDir
    Path dir;

    @Test
    void ramComesBackFromTheFileAndWritesStayInTheirMapping() throws Exception {
        Path file = dir.resolve("vm.mem");
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(RANGES)) {
            ram.writeLong(0x1000, 0x1122334455667788L);
            ram.writeLong((16 << 20) + (5 << 20), 42); // in the second region's last chunk
            ram.writeTo(file);
        }
        assertEquals(10 << 20, Files.size(file), "the file is the RAM, regions one after another");
        assertEquals(0x1122334455667788L, Long.reverseBytes(readLong(file, 0x1000)));
        assertEquals(42, Long.reverseBytes(readLong(file, (4 << 20) + (5 << 20))));

        try (MmapGuestMemory a = MmapGuestMemory.mapPrivate(RANGES, file);
             MmapGuestMemory b = MmapGuestMemory.mapPrivate(RANGES, file)) {
            assertEquals(0x1122334455667788L, a.readLong(0x1000));
            assertEquals(42, b.readLong((16 << 20) + (5 << 20)));
            assertEquals(0, a.readLong(0x2000));
            a.writeLong(0x1000, 7);
            assertEquals(7, a.readLong(0x1000));
            assertEquals(0x1122334455667788L, b.readLong(0x1000), "another mapping of the file keeps its page");
        }
        assertEquals(0x1122334455667788L, Long.reverseBytes(readLong(file, 0x1000)), "the file never changes");
    }

    /** A VM restored from a file snapshots into that same file: its mapping keeps the old file's pages. */
    @Test
    void aMappedFileIsReplacedNotOverwritten() throws Exception {
        Path file = dir.resolve("vm.mem");
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(RANGES)) {
            ram.writeLong(0x3000, 1);
            ram.writeTo(file);
        }
        try (MmapGuestMemory restored = MmapGuestMemory.mapPrivate(RANGES, file)) {
            restored.writeLong(0x4000, 2);
            restored.writeTo(file);
            assertEquals(1, restored.readLong(0x3000), "a page never touched still reads from the old file");
        }
        assertEquals(2, Long.reverseBytes(readLong(file, 0x4000)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no partial file is left");
        }
    }

    @Test
    void zerosAreLeftAsHolesButTheFileHasTheRamsSize() throws Exception {
        Path file = dir.resolve("zero.mem");
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(RANGES)) {
            ram.writeTo(file);
        }
        assertEquals(10 << 20, Files.size(file));
        long onDisk = allocatedBytes(file);
        assertTrue(onDisk < 1 << 20, "an all-zero RAM takes no disk: " + onDisk + " bytes");
    }

    @Test
    void aFileOfAnotherSizeOrNoneIsRefused() throws Exception {
        Path file = dir.resolve("short.mem");
        Files.write(file, new byte[4096]);
        SnapshotException e = assertThrows(SnapshotException.class, () -> MmapGuestMemory.mapPrivate(RANGES, file));
        assertEquals("memory file " + file + " is 4096 bytes, the snapshot's guest RAM 10485760 bytes",
                e.getMessage());
        Path missing = dir.resolve("missing.mem");
        assertTrue(assertThrows(SnapshotException.class, () -> MmapGuestMemory.mapPrivate(RANGES, missing))
                .getMessage().startsWith("cannot read memory file " + missing));
    }

    /** The disk space {@code file} takes, from stat(1) (the JDK does not give st_blocks). */
    static long allocatedBytes(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes()).strip().split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    private static long readLong(Path file, long offset) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, offset);
            return b.flip().getLong();
        }
    }
}
