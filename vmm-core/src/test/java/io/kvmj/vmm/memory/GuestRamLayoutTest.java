package io.kvmj.vmm.memory;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GuestRamLayoutTest {
    private static final long MIB = 1 << 20;

    @Test
    void smallGuestIsOneRegionFromZero() {
        assertEquals(List.of(new GuestRamLayout.Range(0, 256 * MIB)), GuestRamLayout.ramRanges(256 * MIB));
    }

    @Test
    void largeGuestSplitsAroundTheMmioHole() {
        List<GuestRamLayout.Range> ranges = GuestRamLayout.ramRanges(3584 * MIB);
        assertEquals(2, ranges.size());
        assertEquals(new GuestRamLayout.Range(0, GuestRamLayout.MMIO_HOLE_START), ranges.get(0));
        assertEquals(GuestRamLayout.FOUR_GIB, ranges.get(1).base());
        assertEquals(3584 * MIB, ranges.get(0).size() + ranges.get(1).size());
    }

    @Test
    void guestExactlyFillingTheLowRangeHasNoHighRegion() {
        assertEquals(1, GuestRamLayout.ramRanges(GuestRamLayout.MMIO_HOLE_START).size());
    }
}
