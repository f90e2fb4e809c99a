package io.kvmj.virtio.block;

import io.kvmj.sys.RawFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * A raw image file. Guest buffers are read and written in place (pread/pwrite on guest RAM); with O_DIRECT,
 * buffers that do not meet its alignment go through one aligned bounce buffer of {@link #BOUNCE_SIZE} bytes,
 * in chunks, so no request makes the host allocate more than that.
 */
public final class FileBlockBackend implements BlockBackend {
    static final int DIRECT_ALIGNMENT = 4096;
    /** The bounce buffer: what one unaligned O_DIRECT transfer moves at most (1 MiB). */
    static final int BOUNCE_SIZE = 1 << 20;
    private static final long ZERO_CHUNK = 1 << 20;
    private static final Logger LOG = Logger.getLogger(FileBlockBackend.class.getName());

    private final RawFile file;
    private final long size;
    private final boolean direct;
    private final Arena arena = Arena.ofShared();
    /** Made on the first unaligned O_DIRECT transfer; only the device's one request thread uses it. */
    private MemorySegment bounce;

    private FileBlockBackend(RawFile file, long size, boolean direct) {
        this.file = file;
        this.size = size;
        this.direct = direct;
    }

    /** Opens {@code path}, with O_DIRECT when {@code direct}. */
    public static FileBlockBackend open(Path path, boolean readOnly, boolean direct) throws IOException {
        long size = Files.size(path);
        return new FileBlockBackend(RawFile.open(path.toString(), readOnly, direct), size, direct);
    }

    /**
     * Checks that {@link #open} will open {@code path} (with the same flags; the file is closed again), and warns,
     * as Firecracker does, when its size is not a whole number of 512-byte sectors: the guest sees only the whole
     * sectors and the tail stays untouched. Returns the size in bytes.
     *
     * @param name how the warning names the drive, e.g. {@code drive rootfs}
     * @throws IOException or {@link io.kvmj.sys.SyscallException} as {@link #open} would
     */
    public static long check(String name, Path path, boolean readOnly, boolean direct) throws IOException {
        long size;
        try (FileBlockBackend backend = open(path, readOnly, direct)) {
            size = backend.size();
        }
        long tail = size % BlockDevice.SECTOR_SIZE;
        if (tail != 0) {
            LOG.warning(String.format("%s: %s is %d bytes, not a multiple of the %d-byte sector; the guest sees "
                    + "%d sector%s and not the last %d bytes", name, path, size, BlockDevice.SECTOR_SIZE,
                    size / BlockDevice.SECTOR_SIZE, size / BlockDevice.SECTOR_SIZE == 1 ? "" : "s", tail));
        }
        return size;
    }

    @Override
    public long size() {
        return size;
    }

    private boolean needsBounce(long offset, MemorySegment buf) {
        return direct && ((offset | buf.address() | buf.byteSize()) & (DIRECT_ALIGNMENT - 1)) != 0;
    }

    private MemorySegment bounce() {
        if (bounce == null) {
            bounce = arena.allocate(BOUNCE_SIZE, DIRECT_ALIGNMENT);
        }
        return bounce;
    }

    /**
     * The next chunk of an unaligned transfer: the file's aligned blocks from {@code start} (a window of at most
     * {@link #BOUNCE_SIZE} bytes) that hold the {@code length} bytes at {@code offset}.
     */
    private record Chunk(long start, long blocksLength, long offset, long length) {
        static Chunk at(long offset, long remaining) {
            long start = offset & -DIRECT_ALIGNMENT;
            long length = Math.min(remaining, start + BOUNCE_SIZE - offset);
            long end = (offset + length + DIRECT_ALIGNMENT - 1) & -DIRECT_ALIGNMENT;
            return new Chunk(start, end - start, offset, length);
        }
    }

    @Override
    public void read(long offset, MemorySegment into) {
        if (!needsBounce(offset, into)) {
            file.read(offset, into);
            return;
        }
        MemorySegment buffer = bounce();
        for (long done = 0; done < into.byteSize(); ) {
            Chunk c = Chunk.at(offset + done, into.byteSize() - done);
            file.read(c.start(), buffer.asSlice(0, c.blocksLength()));
            into.asSlice(done, c.length()).copyFrom(buffer.asSlice(c.offset() - c.start(), c.length()));
            done += c.length();
        }
    }

    @Override
    public void write(long offset, MemorySegment from) {
        if (!needsBounce(offset, from)) {
            file.write(offset, from);
            return;
        }
        MemorySegment buffer = bounce();
        for (long done = 0; done < from.byteSize(); ) {
            Chunk c = Chunk.at(offset + done, from.byteSize() - done);
            // Read-modify-write: the partial blocks at either end keep their other bytes.
            MemorySegment blocks = buffer.asSlice(0, c.blocksLength());
            file.read(c.start(), blocks);
            blocks.asSlice(c.offset() - c.start(), c.length()).copyFrom(from.asSlice(done, c.length()));
            file.write(c.start(), blocks);
            done += c.length();
        }
    }

    @Override
    public void flush() {
        file.dataSync();
    }

    @Override
    public void discard(long offset, long length) {
        // A hint: where the file system cannot punch holes, the data simply stays.
        file.punchHole(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean unmap) {
        boolean done = unmap ? file.punchHole(offset, length) : file.zeroRange(offset, length);
        if (!done) {
            writeZeroBuffers(offset, length);
        }
    }

    private void writeZeroBuffers(long offset, long length) {
        try (Arena zeroArena = Arena.ofConfined()) {
            MemorySegment zeros = zeroArena.allocate(ZERO_CHUNK, DIRECT_ALIGNMENT);
            for (long done = 0; done < length; done += ZERO_CHUNK) {
                write(offset + done, zeros.asSlice(0, Math.min(ZERO_CHUNK, length - done)));
            }
        }
    }

    @Override
    public void close() {
        file.close();
        arena.close();
    }
}
