package io.kvmj.vmm.boot;

import io.kvmj.vmm.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/** Copies an ELF kernel's PT_LOAD segments to their physical addresses (p_paddr) and zero-fills each to p_memsz. */
final class ElfSegments {
    /** Below 1 MiB live the boot data, the MP/ACPI tables and the reset stub; no segment may go there. */
    static final long MIN_LOAD_ADDRESS = 0x100000;

    private ElfSegments() {
    }

    /**
     * @param entry the entry point the caller chose and checked, passed through to the result
     * @throws BootException naming the segment if one lies below 1 MiB or outside guest RAM (nothing is copied then)
     */
    static LoadedKernel load(ElfImage elf, GuestMemory memory, long entry) {
        long start = Long.MAX_VALUE;
        long end = 0;
        for (ElfImage.LoadSegment s : elf.loads()) {
            if (Long.compareUnsigned(s.physAddress(), MIN_LOAD_ADDRESS) < 0) {
                throw elf.fail(String.format("segment at 0x%x lies below 1 MiB, where boot data lives",
                        s.physAddress()));
            }
            if (!memory.contains(s.physAddress(), s.memSize())) {
                throw elf.fail(String.format("segment at 0x%x (0x%x bytes) does not fit in guest RAM",
                        s.physAddress(), s.memSize()));
            }
            start = Math.min(start, s.physAddress());
            end = Math.max(end, s.physAddress() + s.memSize());
        }
        for (ElfImage.LoadSegment s : elf.loads()) {
            MemorySegment target = memory.slice(s.physAddress(), s.memSize());
            target.asSlice(0, s.fileSize()).copyFrom(elf.file().asSlice(s.fileOffset(), s.fileSize()));
            target.asSlice(s.fileSize()).fill((byte) 0);
        }
        return new LoadedKernel(entry, start, end);
    }
}
