package io.kvmj.vmm.arch.x86;

import io.kvmj.vmm.memory.GuestRegion;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class E820MapTest {
    private final Arena arena = Arena.ofAuto();

    @Test
    void leavesOutTheLegacyHoleAndKeepsHighRam() {
        List<E820Map.Entry> map = E820Map.of(List.of(new GuestRegion(0, arena.allocate(16 << 20)),
                new GuestRegion(1L << 32, arena.allocate(2 << 20))));
        assertEquals(List.of(new E820Map.Entry(0, 0x9fc00, E820Map.TYPE_RAM),
                new E820Map.Entry(0x100000, (16 << 20) - 0x100000, E820Map.TYPE_RAM),
                new E820Map.Entry(1L << 32, 2 << 20, E820Map.TYPE_RAM)), map);
    }

    @Test
    void rejectsLessThanOneMiB() {
        assertThrows(IllegalArgumentException.class,
                () -> E820Map.of(List.of(new GuestRegion(0, arena.allocate(512 << 10)))));
    }
}
