package io.kvmj.vmm.arch.x86;

import io.kvmj.vmm.memory.GuestRegion;

import java.util.ArrayList;
import java.util.List;

/** The guest's physical memory map: what RAM the firmware (us) tells the kernel about. */
public final class E820Map {
    public static final int TYPE_RAM = 1;
    public static final int TYPE_RESERVED = 2;

    public record Entry(long address, long size, int type) {
    }

    private E820Map() {
    }

    /**
     * RAM below the EBDA, RAM from 1 MiB to the end of the first region, and every further region as is.
     * The legacy hole between 640 KiB and 1 MiB (VGA, option ROMs, BIOS) is left out, as on real machines.
     */
    public static List<Entry> of(List<GuestRegion> regions) {
        List<Entry> entries = new ArrayList<>();
        for (GuestRegion r : regions) {
            if (r.guestBase() == 0) {
                if (r.size() < BootLayout.HIGH_MEMORY_START) {
                    throw new IllegalArgumentException("guest RAM must be at least 1 MiB");
                }
                entries.add(new Entry(0, BootLayout.EBDA_START, TYPE_RAM));
                if (r.size() > BootLayout.HIGH_MEMORY_START) {
                    entries.add(new Entry(BootLayout.HIGH_MEMORY_START, r.size() - BootLayout.HIGH_MEMORY_START,
                            TYPE_RAM));
                }
            } else {
                entries.add(new Entry(r.guestBase(), r.size(), TYPE_RAM));
            }
        }
        return List.copyOf(entries);
    }
}
