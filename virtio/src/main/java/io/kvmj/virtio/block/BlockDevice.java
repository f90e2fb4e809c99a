package io.kvmj.virtio.block;

import io.kvmj.virtio.SingleQueueDevice;
import io.kvmj.virtio.TransportState;
import io.kvmj.virtio.VirtioDeviceState;
import io.kvmj.virtio.VirtioFeatures;
import io.kvmj.virtio.queue.DescriptorChain;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.snapshot.SnapshotException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * virtio-blk (virtio 1.2 section 5.2) over a {@link BlockBackend}: read, write, flush, get-id, discard and
 * write-zeroes, one request queue. A request the backend fails, or one out of range or malformed in its
 * payload, completes with an error status; only a broken queue (the transport's concern) stops the device.
 */
public final class BlockDevice extends SingleQueueDevice {
    public static final int DEVICE_TYPE = 2;
    static final int SECTOR_SIZE = 512;
    static final int QUEUE_SIZE = 256;
    static final int ID_BYTES = 20;
    /** Largest single data segment and number of segments we accept (and announce). */
    static final int SIZE_MAX = 1 << 20;
    static final int SEG_MAX = QUEUE_SIZE - 2;
    static final int MAX_DISCARD_SECTORS = 1 << 22; // 2 GiB per segment
    static final int MAX_DISCARD_SEGMENTS = 64;

    static final long F_SIZE_MAX = 1L << 1;
    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_BLK_SIZE = 1L << 6;
    static final long F_FLUSH = 1L << 9;
    static final long F_DISCARD = 1L << 13;
    static final long F_WRITE_ZEROES = 1L << 14;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;
    private static final int WRITE_ZEROES_UNMAP = 1;

    private static final Logger LOG = Logger.getLogger(BlockDevice.class.getName());

    private final BlockBackend backend;
    private final boolean readOnly;
    private final String serial;
    private final byte[] id;
    private final CacheType cacheType;
    private final BlockConfigSpace config;

    public BlockDevice(BlockBackend backend, boolean readOnly, String serial, CacheType cacheType) {
        this.backend = backend;
        this.readOnly = readOnly;
        this.cacheType = cacheType;
        this.serial = serial;
        this.id = serial.getBytes(StandardCharsets.US_ASCII);
        this.config = new BlockConfigSpace(capacitySectors(), SIZE_MAX, SEG_MAX, SECTOR_SIZE,
                MAX_DISCARD_SECTORS, MAX_DISCARD_SEGMENTS);
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        long f = VirtioFeatures.COMMON | F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE;
        if (cacheType == CacheType.WRITEBACK) {
            f |= F_FLUSH;
        }
        return readOnly ? f | F_RO : f | F_DISCARD | F_WRITE_ZEROES;
    }


    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // every field kvmj offers is read-only (no WCE toggle)
    }

    @Override
    public Class<BlockState> stateType() {
        return BlockState.class;
    }

    @Override
    public BlockState saveState(TransportState transport) {
        return new BlockState(transport, capacitySectors(), readOnly, serial);
    }

    /** Refuses a state saved from a drive of another size, access mode or serial: the guest knows those. */
    @Override
    public void restoreState(VirtioDeviceState state, boolean resumes) throws SnapshotException {
        BlockState s = (BlockState) state;
        if (s.capacitySectors() != capacitySectors()) {
            throw new SnapshotException("virtio-blk: the drive has " + capacitySectors()
                    + " sectors, the snapshot's had " + s.capacitySectors());
        }
        if (s.readOnly() != readOnly) {
            throw new SnapshotException("virtio-blk: the drive is " + (readOnly ? "read-only" : "read-write")
                    + ", the snapshot's was " + (s.readOnly() ? "read-only" : "read-write"));
        }
        if (!serial.equals(s.serial())) {
            throw new SnapshotException("virtio-blk: the drive's serial is \"" + serial + "\", the snapshot's was \""
                    + s.serial() + "\"");
        }
    }

    private long capacitySectors() {
        return backend.size() / SECTOR_SIZE;
    }



    /** Runs one request; returns the number of bytes written into the chain (status byte included). */
    @Override
    protected int handle(DescriptorChain chain) {
        GuestMemory memory = memory();
        BlockRequest r = BlockRequest.parse(chain.descriptors(), memory);
        if (r == null) {
            LOG.fine("virtio-blk: chain without header or status byte; completed with no status");
            return 0;
        }
        long written = 0;
        byte status;
        try {
            switch (r.type()) {
                case T_IN -> {
                    status = transfer(r, r.writable(), false);
                    written = status == S_OK ? BlockRequest.totalLength(r.writable()) : 0;
                }
                case T_OUT -> status = readOnly ? S_IOERR : transfer(r, r.readable(), true);
                case T_FLUSH -> {
                    if (cacheType == CacheType.WRITEBACK) {
                        backend.flush();
                    }
                    status = S_OK;
                }
                case T_GET_ID -> {
                    written = writeId(r.writable());
                    status = S_OK;
                }
                case T_DISCARD, T_WRITE_ZEROES -> status = readOnly ? S_IOERR : trim(r);
                default -> status = S_UNSUPP;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "virtio-blk: request type {0} at sector {1} failed: {2}",
                    new Object[] {r.type(), r.sector(), e.getMessage()});
            status = S_IOERR;
            written = 0;
        }
        memory.writeByte(r.statusAddress(), status);
        return (int) Math.min(Integer.MAX_VALUE, written + 1);
    }

    private boolean inRange(long sector, long bytes) {
        long capacity = capacitySectors();
        return sector >= 0 && bytes % SECTOR_SIZE == 0 && sector <= capacity
                && bytes / SECTOR_SIZE <= capacity - sector;
    }

    /**
     * Whether {@code data} keeps to what the device announces: at most {@link #SEG_MAX} segments of at most
     * {@link #SIZE_MAX} bytes each (virtio 1.2 section 5.2.4, size_max and seg_max). A driver that honours them
     * never sends more; the device refuses more rather than letting a guest size host work and buffers.
     */
    private static boolean withinLimits(List<BlockRequest.Range> data) {
        if (data.size() > SEG_MAX) {
            return false;
        }
        for (BlockRequest.Range d : data) {
            if (d.length() > SIZE_MAX) {
                return false;
            }
        }
        return true;
    }

    private byte transfer(BlockRequest r, List<BlockRequest.Range> data, boolean write) {
        long length = BlockRequest.totalLength(data);
        if (!withinLimits(data)) {
            LOG.fine(() -> "virtio-blk: request beyond size_max/seg_max: " + data.size() + " segments, "
                    + length + " bytes");
            return S_IOERR;
        }
        if (!inRange(r.sector(), length)) {
            return S_IOERR;
        }
        long offset = r.sector() * SECTOR_SIZE;
        for (BlockRequest.Range d : data) {
            if (write) {
                backend.write(offset, memory().slice(d.address(), d.length()));
            } else {
                backend.read(offset, memory().slice(d.address(), d.length()));
            }
            offset += d.length();
        }
        return S_OK;
    }

    private long writeId(List<BlockRequest.Range> data) {
        byte[] padded = java.util.Arrays.copyOf(id, ID_BYTES);
        long done = 0;
        for (BlockRequest.Range d : data) {
            int n = (int) Math.min(d.length(), ID_BYTES - done);
            memory().slice(d.address(), n).copyFrom(java.lang.foreign.MemorySegment.ofArray(padded).asSlice(done, n));
            done += n;
            if (done == ID_BYTES) {
                break;
            }
        }
        return done;
    }

    /** DISCARD / WRITE_ZEROES: a list of 16-byte {sector, num_sectors, flags} segments in the readable payload. */
    private byte trim(BlockRequest r) {
        byte[] segments = gather(r.readable());
        if (segments == null || segments.length == 0 || segments.length % 16 != 0
                || segments.length / 16 > MAX_DISCARD_SEGMENTS) {
            return S_UNSUPP;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(segments).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < segments.length; i += 16) {
            long sector = b.getLong(i);
            long count = Integer.toUnsignedLong(b.getInt(i + 8));
            int flags = b.getInt(i + 12);
            boolean zeroes = r.type() == T_WRITE_ZEROES;
            if ((flags & ~(zeroes ? WRITE_ZEROES_UNMAP : 0)) != 0 || count > MAX_DISCARD_SECTORS) {
                return S_UNSUPP;
            }
            if (!inRange(sector, count * SECTOR_SIZE)) {
                return S_IOERR;
            }
            if (zeroes) {
                backend.writeZeroes(sector * SECTOR_SIZE, count * SECTOR_SIZE, (flags & WRITE_ZEROES_UNMAP) != 0);
            } else {
                backend.discard(sector * SECTOR_SIZE, count * SECTOR_SIZE);
            }
        }
        return S_OK;
    }

    /** Copies small readable payloads (segment lists) out of guest memory; null when implausibly large. */
    private byte[] gather(List<BlockRequest.Range> ranges) {
        long total = BlockRequest.totalLength(ranges);
        if (total > 16L * MAX_DISCARD_SEGMENTS) {
            return null;
        }
        byte[] out = new byte[(int) total];
        int at = 0;
        for (BlockRequest.Range d : ranges) {
            byte[] part = memory().read(d.address(), (int) d.length());
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
