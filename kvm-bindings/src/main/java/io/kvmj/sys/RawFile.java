package io.kvmj.sys;

import io.kvmj.kvm.gen.libc.LibcHeaders;

import java.lang.foreign.MemorySegment;

/**
 * A file opened for positional I/O straight from and into off-heap memory (guest RAM), with the calls Java's
 * FileChannel lacks (fallocate) and optionally O_DIRECT. Short reads and writes are completed; EINTR retried.
 */
public final class RawFile implements AutoCloseable {
    private final int fd;
    private final String path;

    private RawFile(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    public static RawFile open(String path, boolean readOnly, boolean direct) {
        int flags = (readOnly ? LibcHeaders.O_RDONLY() : LibcHeaders.O_RDWR()) | LibcHeaders.O_CLOEXEC()
                | (direct ? LibcHeaders.O_DIRECT() : 0);
        return new RawFile(Libc.open(path, flags, 0), path);
    }

    /** Reads exactly {@code buf.byteSize()} bytes at {@code offset}; bytes past the end of file read as zero. */
    public void read(long offset, MemorySegment buf) {
        long done = 0;
        while (done < buf.byteSize()) {
            long n = Libc.preadRaw(fd, buf.asSlice(done), offset + done);
            if (n == 0) {
                buf.asSlice(done).fill((byte) 0);
                return;
            }
            done += check(n, "pread");
        }
    }

    public void write(long offset, MemorySegment buf) {
        long done = 0;
        while (done < buf.byteSize()) {
            done += check(Libc.pwriteRaw(fd, buf.asSlice(done), offset + done), "pwrite");
        }
    }

    private long check(long result, String op) {
        if (result == -LibcHeaders.EINTR()) {
            return 0;
        }
        if (result < 0) {
            throw new SyscallException(op + " " + path, (int) -result);
        }
        return result;
    }

    /** Data (not metadata-only) durability, which is what a guest FLUSH asks for. */
    public void dataSync() {
        Libc.fdatasync(fd);
    }

    /** Deallocates the range (reads back as zeros); false when the file system cannot. */
    public boolean punchHole(long offset, long length) {
        return fallocate(LibcHeaders.FALLOC_FL_PUNCH_HOLE() | LibcHeaders.FALLOC_FL_KEEP_SIZE(), offset, length);
    }

    /** Zeroes the range without writing data; false when the file system cannot. */
    public boolean zeroRange(long offset, long length) {
        return fallocate(LibcHeaders.FALLOC_FL_ZERO_RANGE() | LibcHeaders.FALLOC_FL_KEEP_SIZE(), offset, length);
    }

    private boolean fallocate(int mode, long offset, long length) {
        try {
            Libc.fallocate(fd, mode, offset, length);
            return true;
        } catch (SyscallException e) {
            if (e.errno() == LibcHeaders.EOPNOTSUPP()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
