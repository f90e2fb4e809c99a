package io.kvmj.virtio.block;

import io.kvmj.sys.RawFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A raw image file. Guest buffers are read and written in place (pread/pwrite on guest RAM); with O_DIRECT,
 * buffers that do not meet its alignment go through an aligned bounce buffer.
 */
public final class FileBlockBackend implements BlockBackend {
    static final int DIRECT_ALIGNMENT = 4096;
    private static final long ZERO_CHUNK = 1 << 20;

    private final RawFile file;
    private final long size;
    private final boolean direct;

    private FileBlockBackend(RawFile file, long size, boolean direct) {
        this.file = file;
        this.size = size;
        this.direct = direct;
    }

    public static FileBlockBackend open(Path path, boolean readOnly, boolean direct) throws IOException {
        long size = Files.size(path);
        return new FileBlockBackend(RawFile.open(path.toString(), readOnly, direct), size, direct);
    }

    @Override
    public long size() {
        return size;
    }

    private boolean needsBounce(long offset, MemorySegment buf) {
        return direct && ((offset | buf.address() | buf.byteSize()) & (DIRECT_ALIGNMENT - 1)) != 0;
    }

    /** The file's aligned blocks from {@code start}, in an aligned buffer: what O_DIRECT can transfer. */
    private record Bounce(long start, MemorySegment blocks) {
        MemorySegment window(long offset, long length) {
            return blocks.asSlice(offset - start, length);
        }
    }

    /** Reads the aligned blocks that cover [offset, offset + length). */
    private Bounce readBlocks(Arena arena, long offset, long length) {
        long start = offset & -DIRECT_ALIGNMENT;
        long end = (offset + length + DIRECT_ALIGNMENT - 1) & -DIRECT_ALIGNMENT;
        MemorySegment blocks = arena.allocate(end - start, DIRECT_ALIGNMENT);
        file.read(start, blocks);
        return new Bounce(start, blocks);
    }

    @Override
    public void read(long offset, MemorySegment into) {
        if (!needsBounce(offset, into)) {
            file.read(offset, into);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            into.copyFrom(readBlocks(arena, offset, into.byteSize()).window(offset, into.byteSize()));
        }
    }

    @Override
    public void write(long offset, MemorySegment from) {
        if (!needsBounce(offset, from)) {
            file.write(offset, from);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            // Read-modify-write of the partial blocks at either end.
            Bounce bounce = readBlocks(arena, offset, from.byteSize());
            bounce.window(offset, from.byteSize()).copyFrom(from);
            file.write(bounce.start(), bounce.blocks());
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
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(ZERO_CHUNK, DIRECT_ALIGNMENT);
            for (long done = 0; done < length; done += ZERO_CHUNK) {
                write(offset + done, zeros.asSlice(0, Math.min(ZERO_CHUNK, length - done)));
            }
        }
    }

    @Override
    public void close() {
        file.close();
    }
}
