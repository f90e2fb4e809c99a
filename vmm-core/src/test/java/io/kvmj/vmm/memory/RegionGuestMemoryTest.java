package io.kvmj.vmm.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegionGuestMemoryTest {
    private final Arena arena = Arena.ofAuto();

    private RegionGuestMemory twoRegions() {
        return new RegionGuestMemory(List.of(
                new GuestRegion(0x10000, arena.allocate(0x1000)),
                new GuestRegion(0, arena.allocate(0x1000))));
    }

    @Test
    void readsAndWritesLittleEndianAtGuestAddresses() {
        RegionGuestMemory mem = twoRegions();
        mem.writeLong(0x10008, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, mem.readLong(0x10008));
        assertEquals((byte) 0x88, mem.readByte(0x10008));
        assertEquals(0x55667788, mem.readInt(0x10008));
        mem.write(0xffc, new byte[] {1, 2, 3, 4});
        assertArrayEquals(new byte[] {1, 2, 3, 4}, mem.read(0xffc, 4));
        assertEquals(0x2000, mem.totalSize());
        assertEquals(0, mem.regions().getFirst().guestBase(), "regions are sorted by address");
    }

    @Test
    void rejectsAccessesOutsideOrAcrossRegions() {
        RegionGuestMemory mem = twoRegions();
        assertThrows(GuestMemoryException.class, () -> mem.readInt(0xffe), "runs past the end of region 0");
        assertThrows(GuestMemoryException.class, () -> mem.readByte(0x5000), "in the gap");
        assertThrows(GuestMemoryException.class, () -> mem.readByte(-1L), "wraps around");
        assertThrows(GuestMemoryException.class, () -> mem.slice(0x10000, Long.MAX_VALUE));
        assertThrows(GuestMemoryException.class, () -> mem.slice(0, -1));
        assertFalse(mem.contains(0xfff, 2));
        assertTrue(mem.contains(0x10000, 0x1000));
    }

    @Test
    void rejectsOverlappingRegions() {
        assertThrows(IllegalArgumentException.class, () -> new RegionGuestMemory(List.of(
                new GuestRegion(0, arena.allocate(0x2000)),
                new GuestRegion(0x1000, arena.allocate(0x1000)))));
    }
}
