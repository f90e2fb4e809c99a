package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.MemorySegment;

/**
 * Host memory for guest RAM: anonymous, or a private mapping of a snapshot's memory file; reserved lazily
 * (MAP_NORESERVE), so untouched guest pages cost nothing.
 */
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

    /**
     * Maps {@code size} bytes of the file {@code fd} from {@code offset} copy-on-write (MAP_PRIVATE): pages are read
     * from the file (the page cache) on first touch, a write gives this mapping its own copy, and the file never
     * changes. Several mappings of one file share every page none of them wrote. {@code fd} may be closed
     * afterwards; the mapping keeps the file.
     *
     * @throws SyscallException mmap failed (the errno and the size are in the message)
     */
    public static MemorySegment mapFilePrivate(int fd, long offset, long size) {
        return Libc.mmap(size, LibcHeaders.PROT_READ() | LibcHeaders.PROT_WRITE(),
                LibcHeaders.MAP_PRIVATE() | LibcHeaders.MAP_NORESERVE(), fd, offset,
                "mmap of " + size + " bytes of a guest memory file at offset " + offset);
    }

    public static void unmap(MemorySegment mapping) {
        Libc.munmap(mapping);
    }
}
