package io.kvmj.vmm.memory;

import io.kvmj.kvm.VmFd;
import io.kvmj.sys.HostMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM backed by anonymous, lazily committed host mappings, one KVM memory slot per region. The only
 * guest memory that knows about slots.
 */
public final class MmapGuestMemory extends RegionGuestMemory implements AutoCloseable {
    private MmapGuestMemory(List<GuestRegion> regions) {
        super(regions);
    }

    public static MmapGuestMemory allocate(List<GuestRamLayout.Range> ranges) {
        List<GuestRegion> regions = new ArrayList<>(ranges.size());
        try {
            for (GuestRamLayout.Range r : ranges) {
                regions.add(new GuestRegion(r.base(), HostMemory.mapAnonymous(r.size())));
            }
        } catch (RuntimeException e) {
            regions.forEach(g -> HostMemory.unmap(g.host()));
            throw e;
        }
        return new MmapGuestMemory(regions);
    }

    /**
     * Registers every region with the VM, slot numbers in address order.
     *
     * @param logDirtyPages have KVM log the pages the guest writes (KVM_MEM_LOG_DIRTY_PAGES), for
     *                      {@link #dirtyPages(VmFd)}
     */
    public void registerWith(VmFd vm, boolean logDirtyPages) {
        int slot = 0;
        for (GuestRegion r : regions()) {
            vm.setUserMemoryRegion(slot++, r.guestBase(), r.host(), logDirtyPages);
        }
    }

    /**
     * The pages the guest wrote since the previous call (or since registering), read and cleared from KVM's
     * dirty log; the memory must be registered with {@code logDirtyPages}.
     */
    public DirtyPages dirtyPages(VmFd vm) {
        List<DirtyPages.Region> logs = new ArrayList<>(regions().size());
        int slot = 0;
        for (GuestRegion r : regions()) {
            long pages = r.size() / DirtyPages.PAGE_SIZE;
            logs.add(new DirtyPages.Region(r.guestBase(), pages, vm.dirtyLog(slot++, pages)));
        }
        return new DirtyPages(logs);
    }

    @Override
    public void close() {
        for (GuestRegion r : regions()) {
            HostMemory.unmap(r.host());
        }
    }
}
