package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PvhStartInfoTest {
    private final Arena arena = Arena.ofAuto();
    private final RegionGuestMemory memory = new RegionGuestMemory(List.of(
            new GuestRegion(0, arena.allocate(8 << 20)), new GuestRegion(1L << 32, arena.allocate(1 << 20))));

    @Test
    void writesStartInfoWithMemmapCmdlineAndModule() {
        long cmdline = CommandLine.write(memory, "console=ttyS0");
        List<E820Map.Entry> map = E820Map.of(memory.regions());
        long info = PvhStartInfo.write(memory, cmdline, new PvhStartInfo.Module(0x700000, 0x1234), map, 0xe0000);
        assertEquals(BootLayout.PVH_START_INFO, info);
        assertEquals(PvhStartInfo.MAGIC, memory.readInt(info));
        assertEquals(1, memory.readInt(info + 4), "version 1: has a memmap");
        assertEquals(1, memory.readInt(info + 12));
        assertEquals(0x700000, memory.readLong(memory.readLong(info + 16)));
        assertEquals(0x1234, memory.readLong(memory.readLong(info + 16) + 8));
        assertEquals("console=ttyS0", memory.slice(memory.readLong(info + 24), 64).getString(0));
        assertEquals(4, memory.readInt(info + 48));
        long mm = memory.readLong(info + 40);
        assertEquals(0x9fc00, memory.readLong(mm + 24), "the EBDA and legacy area, reserved");
        assertEquals(0x100000 - 0x9fc00, memory.readLong(mm + 32));
        assertEquals(E820Map.TYPE_RESERVED, memory.readInt(mm + 24 + 16));
        assertEquals(0x100000, memory.readLong(mm + 48));
        assertEquals((8 << 20) - 0x100000, memory.readLong(mm + 56));
        assertEquals(1L << 32, memory.readLong(mm + 72));
        assertEquals(E820Map.TYPE_RAM, memory.readInt(mm + 72 + 16));
    }

    @Test
    void noInitrdMeansNoModules() {
        PvhStartInfo.write(memory, CommandLine.write(memory, ""), null, E820Map.of(memory.regions()), 0);
        assertEquals(0, memory.readInt(BootLayout.PVH_START_INFO + 12));
    }

    /** Linux's x86 COMMAND_LINE_SIZE is 2048: a 3000-byte line overflowed a stock kernel's buffer in early boot. */
    @Test
    void rejectsACommandLineLongerThanLinuxHolds() {
        assertEquals("kernel command line too long: 2048 bytes, the kernel takes at most 2047 (x86 COMMAND_LINE_SIZE)",
                assertThrows(BootException.class, () -> CommandLine.write(memory, "x".repeat(2048))).getMessage());
        assertThrows(BootException.class, () -> CommandLine.write(memory, "x".repeat(3000)));
        CommandLine.write(memory, "x".repeat(2047));
    }
}
