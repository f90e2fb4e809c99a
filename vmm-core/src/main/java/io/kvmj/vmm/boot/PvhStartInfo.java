package io.kvmj.vmm.boot;

import io.kvmj.vmm.arch.x86.BootLayout;
import io.kvmj.vmm.arch.x86.E820Map;
import io.kvmj.vmm.memory.GuestMemory;

import java.util.List;

/**
 * Writes {@code struct hvm_start_info} (version 1, with memory map) for the PVH boot ABI
 * (xen/include/public/arch-x86/hvm/start_info.h). The boot CPU gets its address in %ebx.
 */
public final class PvhStartInfo {
    static final int MAGIC = 0x336ec578;
    private static final int VERSION = 1;
    private static final int MEMMAP_ENTRY_SIZE = 24;
    private static final int MAX_MEMMAP_ENTRIES = (int) ((BootLayout.CMDLINE_ADDRESS - BootLayout.PVH_MEMMAP)
            / MEMMAP_ENTRY_SIZE);

    /** An initrd already copied into guest memory. */
    public record Module(long address, long size) {
    }

    private PvhStartInfo() {
    }

    /**
     * Writes the start info, module list and memory map at their {@link BootLayout} addresses; returns its
     * address. {@code rsdpAddress} is 0 when there are no ACPI tables.
     */
    public static long write(GuestMemory memory, long cmdlineAddress, Module initrd, List<E820Map.Entry> memmap,
                             long rsdpAddress) {
        if (memmap.size() > MAX_MEMMAP_ENTRIES) {
            throw new BootException("too many memory map entries: " + memmap.size());
        }
        long info = BootLayout.PVH_START_INFO;
        memory.slice(info, 56).fill((byte) 0);
        memory.writeInt(info, MAGIC);
        memory.writeInt(info + 4, VERSION);
        if (initrd != null) {
            memory.writeInt(info + 12, 1);
            memory.writeLong(info + 16, BootLayout.PVH_MODLIST);
            long mod = BootLayout.PVH_MODLIST;
            memory.slice(mod, 32).fill((byte) 0);
            memory.writeLong(mod, initrd.address());
            memory.writeLong(mod + 8, initrd.size());
        }
        memory.writeLong(info + 24, cmdlineAddress);
        memory.writeLong(info + 32, rsdpAddress);
        memory.writeLong(info + 40, BootLayout.PVH_MEMMAP);
        memory.writeInt(info + 48, memmap.size());
        long entry = BootLayout.PVH_MEMMAP;
        for (E820Map.Entry e : memmap) {
            memory.writeLong(entry, e.address());
            memory.writeLong(entry + 8, e.size());
            memory.writeInt(entry + 16, e.type());
            memory.writeInt(entry + 20, 0);
            entry += MEMMAP_ENTRY_SIZE;
        }
        return info;
    }
}
