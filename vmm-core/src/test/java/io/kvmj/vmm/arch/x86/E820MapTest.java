package io.kvmj.vmm.arch.x86;

import io.kvmj.vmm.arch.x86.acpi.AcpiTables;
import io.kvmj.vmm.arch.x86.acpi.MpTable;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class E820MapTest {
    private final Arena arena = Arena.ofAuto();

    @Test
    void reservesTheLegacyAreaAndKeepsHighRam() {
        List<E820Map.Entry> map = E820Map.of(List.of(new GuestRegion(0, arena.allocate(16 << 20)),
                new GuestRegion(1L << 32, arena.allocate(2 << 20))));
        assertEquals(List.of(new E820Map.Entry(0, 0x9fc00, E820Map.TYPE_RAM),
                new E820Map.Entry(0x9fc00, 0x100000 - 0x9fc00, E820Map.TYPE_RESERVED),
                new E820Map.Entry(0x100000, (16 << 20) - 0x100000, E820Map.TYPE_RAM),
                new E820Map.Entry(1L << 32, 2 << 20, E820Map.TYPE_RAM)), map);
    }

    /** Every byte kvmj writes below 1 MiB for the guest to read lies in a reserved entry, never in RAM. */
    @Test
    void mpTableAcpiTablesAndResetStubAreReservedAtTheirLargest() {
        GuestRegion low = new GuestRegion(0, arena.allocate(16 << 20));
        List<E820Map.Entry> map = E820Map.of(List.of(low));
        long mpEnd = MpTable.write(new RegionGuestMemory(List.of(low)), MpTable.DEFAULT_ADDRESS, MpTable.MAX_VCPUS);
        assertReserved(map, MpTable.DEFAULT_ADDRESS, mpEnd);
        assertReserved(map, AcpiTables.RSDP_ADDRESS, AcpiTables.TABLES_LIMIT);
        assertReserved(map, BootLayout.RESET_VECTOR, BootLayout.HIGH_MEMORY_START);
    }

    private static void assertReserved(List<E820Map.Entry> map, long start, long end) {
        assertTrue(map.stream().anyMatch(e -> e.type() == E820Map.TYPE_RESERVED && e.address() <= start
                && end <= e.address() + e.size()), String.format("[0x%x, 0x%x) reserved in %s", start, end, map));
        assertTrue(map.stream().noneMatch(e -> e.type() == E820Map.TYPE_RAM && e.address() < end
                && start < e.address() + e.size()), String.format("[0x%x, 0x%x) not RAM in %s", start, end, map));
    }

    @Test
    void rejectsLessThanOneMiB() {
        assertThrows(IllegalArgumentException.class,
                () -> E820Map.of(List.of(new GuestRegion(0, arena.allocate(512 << 10)))));
    }
}
