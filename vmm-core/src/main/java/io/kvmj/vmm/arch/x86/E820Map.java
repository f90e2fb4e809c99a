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
     * RAM below the EBDA; the EBDA and the legacy area up to 1 MiB as reserved; RAM from 1 MiB to the end of the
     * first region, and every further region as is.
     *
     * <p>The reserved entry covers what kvmj writes there: the MP table at the EBDA (with ACPI off; at its largest,
     * 255 vCPUs, it runs past 640 KiB), the ACPI tables from 0xe0000 and the reset vector's stub. A guest that
     * finds the MP table through the memory map (as the MP spec and Firecracker's fix of the same fault have it)
     * sees it described, and no guest takes it for RAM. PC firmware reserves the same ranges (SeaBIOS: the EBDA
     * KiB and 0xf0000-0xfffff).
     */
    public static List<Entry> of(List<GuestRegion> regions) {
        List<Entry> entries = new ArrayList<>();
        for (GuestRegion r : regions) {
            if (r.guestBase() == 0) {
                if (r.size() < BootLayout.HIGH_MEMORY_START) {
                    throw new IllegalArgumentException("guest RAM must be at least 1 MiB");
                }
                entries.add(new Entry(0, BootLayout.EBDA_START, TYPE_RAM));
                entries.add(new Entry(BootLayout.EBDA_START, BootLayout.HIGH_MEMORY_START - BootLayout.EBDA_START,
                        TYPE_RESERVED));
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
