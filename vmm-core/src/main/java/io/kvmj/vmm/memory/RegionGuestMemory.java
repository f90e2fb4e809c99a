package io.kvmj.vmm.memory;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Guest memory over a fixed list of non-overlapping regions; backing-agnostic, so tests can use heap segments. */
public class RegionGuestMemory implements GuestMemory {
    private final GuestRegion[] regions;
    private final List<GuestRegion> regionList;

    public RegionGuestMemory(List<GuestRegion> regions) {
        this.regions = regions.stream()
                .sorted((a, b) -> Long.compareUnsigned(a.guestBase(), b.guestBase()))
                .toArray(GuestRegion[]::new);
        for (int i = 1; i < this.regions.length; i++) {
            if (Long.compareUnsigned(this.regions[i].guestBase(), this.regions[i - 1].guestEnd()) < 0) {
                throw new IllegalArgumentException("guest memory regions overlap at 0x"
                        + Long.toHexString(this.regions[i].guestBase()));
            }
        }
        this.regionList = List.of(this.regions);
    }

    @Override
    public List<GuestRegion> regions() {
        return regionList;
    }

    @Override
    public MemorySegment slice(long address, long length) {
        for (GuestRegion r : regions) {
            if (r.contains(address, length)) {
                return r.host().asSlice(address - r.guestBase(), length);
            }
        }
        throw new GuestMemoryException(address, length);
    }
}
