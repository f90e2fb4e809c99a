package io.kvmj.vmm.memory;

import java.util.BitSet;
import java.util.List;

/**
 * Which 4 KiB pages of guest RAM the guest wrote during one interval of KVM's dirty page log
 * (KVM_GET_DIRTY_LOG, one bitmap per memory slot).
 */
public record DirtyPages(List<Region> regions) {
    public static final long PAGE_SIZE = 4096;

    public DirtyPages {
        regions = List.copyOf(regions);
    }

    /** One memory slot's log: bit i stands for the page at {@code guestBase + i * PAGE_SIZE}. */
    public record Region(long guestBase, long pages, BitSet dirty) {
        public Region {
            dirty = (BitSet) dirty.clone();
        }
    }

    /** Whether the page holding guest-physical {@code address} was written. */
    public boolean contains(long address) {
        for (Region r : regions) {
            long page = (address - r.guestBase()) / PAGE_SIZE;
            if (address >= r.guestBase() && page < r.pages()) {
                return r.dirty().get((int) page);
            }
        }
        return false;
    }

    /** How many pages were written. */
    public long count() {
        return regions.stream().mapToLong(r -> r.dirty().cardinality()).sum();
    }
}
