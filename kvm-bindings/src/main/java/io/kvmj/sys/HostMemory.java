package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.MemorySegment;

/** Anonymous host memory for guest RAM: reserved lazily (MAP_NORESERVE), so untouched guest pages cost nothing. */
public final class HostMemory {
    private HostMemory() {
    }

    public static MemorySegment mapAnonymous(long size) {
        MemorySegment mapping = Libc.mmap(size, LibcHeaders.PROT_READ() | LibcHeaders.PROT_WRITE(),
                LibcHeaders.MAP_PRIVATE() | LibcHeaders.MAP_ANONYMOUS() | LibcHeaders.MAP_NORESERVE(), -1, 0,
                "mmap of " + size + " bytes of guest RAM");
        try {
            // Transparent huge pages: one fault per 2 MiB instead of per 4 KiB when the guest first touches RAM.
            Libc.madvise(mapping, LibcHeaders.MADV_HUGEPAGE(), "madvise(MADV_HUGEPAGE)");
        } catch (SyscallException e) {
            // Kernels without THP refuse the advice; guest RAM works the same, only first touches cost more.
        }
        return mapping;
    }

    public static void unmap(MemorySegment mapping) {
        Libc.munmap(mapping);
    }
}
