package io.kvmj.vmm.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * Where guest RAM goes in the guest-physical address space on x86: RAM from 0 up to the MMIO hole, and
 * whatever does not fit below it from 4 GiB up. The hole holds the virtio-mmio windows, IOAPIC and LAPIC.
 */
public final class GuestRamLayout {
    public static final long FOUR_GIB = 1L << 32;
    /** Start of the 768 MiB MMIO hole below 4 GiB (as in Firecracker). */
    public static final long MMIO_HOLE_START = FOUR_GIB - (768L << 20);

    private GuestRamLayout() {
    }

    /** A RAM range to be backed by host memory: [base, base+size). */
    public record Range(long base, long size) {
        public long end() {
            return base + size;
        }
    }

    public static List<Range> ramRanges(long ramBytes) {
        if (ramBytes <= 0) {
            throw new IllegalArgumentException("guest RAM size must be positive");
        }
        List<Range> ranges = new ArrayList<>(2);
        long below = Math.min(ramBytes, MMIO_HOLE_START);
        ranges.add(new Range(0, below));
        if (ramBytes > below) {
            ranges.add(new Range(FOUR_GIB, ramBytes - below));
        }
        return List.copyOf(ranges);
    }
}
