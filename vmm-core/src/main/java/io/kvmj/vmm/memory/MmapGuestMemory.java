package io.kvmj.vmm.memory;

import io.kvmj.kvm.VmFd;
import io.kvmj.kvm.gen.libc.LibcHeaders;
import io.kvmj.sys.HostMemory;
import io.kvmj.sys.Libc;
import io.kvmj.sys.SyscallException;
import io.kvmj.vmm.snapshot.SnapshotException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM backed by lazily committed host mappings, anonymous or of a snapshot's memory file, one KVM memory
 * slot per region. The only guest memory that knows about slots.
 */
public final class MmapGuestMemory extends RegionGuestMemory implements AutoCloseable {
    /** Written (or skipped as zeros) at a time: a huge page. */
    private static final long WRITE_CHUNK = 2 << 20;

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
     * Guest RAM from a snapshot's memory file ({@link #writeTo}): the regions' contents one after another in
     * address order, mapped copy-on-write ({@link HostMemory#mapFilePrivate}), so that a page is read only when
     * the guest first touches it and VMs restored from one file share the pages none of them wrote.
     *
     * @throws SnapshotException the file is missing, unreadable, or not the size of {@code ranges}
     * @throws io.kvmj.sys.SyscallException mmap failed
     */
    public static MmapGuestMemory mapPrivate(List<GuestRamLayout.Range> ranges, Path file) throws SnapshotException {
        long total = ranges.stream().mapToLong(GuestRamLayout.Range::size).sum();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new SnapshotException("cannot read memory file " + file + ": " + e);
        }
        if (size != total) {
            throw new SnapshotException("memory file " + file + " is " + size + " bytes, the snapshot's guest RAM "
                    + total + " bytes");
        }
        int fd;
        try {
            fd = Libc.open(file.toString(), LibcHeaders.O_RDONLY() | LibcHeaders.O_CLOEXEC(), 0);
        } catch (SyscallException e) {
            throw new SnapshotException("cannot open memory file " + file + ": " + e.getMessage());
        }
        List<GuestRegion> regions = new ArrayList<>(ranges.size());
        try {
            long offset = 0;
            for (GuestRamLayout.Range r : ranges) {
                regions.add(new GuestRegion(r.base(), HostMemory.mapFilePrivate(fd, offset, r.size())));
                offset += r.size();
            }
        } catch (RuntimeException e) {
            regions.forEach(g -> HostMemory.unmap(g.host()));
            throw e;
        } finally {
            Libc.close(fd);
        }
        return new MmapGuestMemory(regions);
    }

    /**
     * Writes guest RAM to {@code file}: every region in address order, as is, so that its size is the RAM's.
     * Chunks of zeros are left as holes (the file reads them as zeros and takes no disk for them). The guest must
     * not run meanwhile. The RAM goes to a new file beside {@code file} that then replaces it by a rename, so a VM
     * restored from the file being replaced (this one included) keeps its pages: truncating a file mapped
     * MAP_PRIVATE would make the pages not yet copied fault (SIGBUS).
     *
     * @throws IOException the file cannot be written
     */
    public void writeTo(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path partial = Files.createTempFile(absolute.getParent(), absolute.getFileName() + ".", ".partial");
        try {
            writeRegions(partial);
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private void writeRegions(Path file) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            MemorySegment zeros = MemorySegment.ofArray(new byte[(int) WRITE_CHUNK]);
            long position = 0;
            for (GuestRegion r : regions()) {
                for (long at = 0; at < r.size(); at += WRITE_CHUNK) {
                    MemorySegment chunk = r.host().asSlice(at, Math.min(WRITE_CHUNK, r.size() - at));
                    if (chunk.mismatch(zeros.asSlice(0, chunk.byteSize())) >= 0) {
                        ByteBuffer b = chunk.asByteBuffer();
                        long where = position + at;
                        while (b.hasRemaining()) {
                            where += out.write(b, where);
                        }
                    }
                }
                position += r.size();
            }
            if (out.size() < position) {
                out.write(ByteBuffer.allocate(1), position - 1); // the RAM ends in zeros: give the file its size
            }
        }
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
