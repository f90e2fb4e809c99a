package io.kvmj.vmm.boot;

import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitrdLoaderTest {
    @TempDir
    Path dir;
    private final RegionGuestMemory memory =
            new RegionGuestMemory(List.of(new GuestRegion(0, Arena.ofAuto().allocate(4 << 20))));

    @Test
    void placesInitrdPageAlignedAtTheTopOfRam() throws Exception {
        byte[] data = {1, 2, 3, 4, 5};
        PvhStartInfo.Module m = InitrdLoader.load(Files.write(dir.resolve("initrd"), data), memory, 0x200000,
                Long.MAX_VALUE);
        assertEquals((4 << 20) - 4096, m.address());
        assertEquals(5, m.size());
        assertArrayEquals(data, memory.read(m.address(), 5));
    }

    @Test
    void rejectsInitrdOverlappingTheKernelOrEmpty() throws Exception {
        Path big = Files.write(dir.resolve("big"), new byte[3 << 20]);
        assertTrue(assertThrows(BootException.class, () -> InitrdLoader.load(big, memory, 0x200000, Long.MAX_VALUE))
                .getMessage().contains("does not fit"));
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThrows(BootException.class, () -> InitrdLoader.load(empty, memory, 0x200000, Long.MAX_VALUE));
        assertThrows(BootException.class, () -> InitrdLoader.load(dir.resolve("missing"), memory, 0, Long.MAX_VALUE));
    }
}
