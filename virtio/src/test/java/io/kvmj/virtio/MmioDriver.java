package io.kvmj.virtio;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvmj.virtio.mmio.MmioTransport;
import io.kvmj.vmm.event.EventLoop;
import io.kvmj.vmm.memory.GuestMemory;
import io.kvmj.vmm.memory.GuestRegion;
import io.kvmj.vmm.memory.RegionGuestMemory;
import io.kvmj.vmm.snapshot.SnapshotException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.Function;

/**
 * A virtio driver in tests that goes through a real {@link MmioTransport}: it initializes the device through the
 * registers as Linux's virtio-mmio driver does, lays out every queue by hand in {@value #RAM} bytes of fake guest
 * RAM ({@value #SIZE} entries each, rings from 64 KiB, buffers from 1 MiB), notifies through QueueNotify and reads
 * back what the device used. The transport's event loop is never started: {@link #dispatch} runs what is ready.
 * {@link #save} and {@link #restore} take a snapshot (device state, RAM and this driver's own bookkeeping, which
 * a real guest keeps in its RAM) and bring it back over a copy of the memory, the state read back through JSON.
 */
public final class MmioDriver implements AutoCloseable {
    public static final long RAM = 4 << 20;
    public static final int SIZE = 16;
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    private static final long DATA = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    static final int STATUS_ACKNOWLEDGE = 1;
    static final int STATUS_DRIVER = 2;
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment ram;
    public final GuestMemory mem;
    public final EventLoop loop = new EventLoop();
    public final CountingInterrupt irq = new CountingInterrupt();
    public final MmioTransport transport;
    private final int[] availIdx;
    private final int[] nextDesc;
    private long nextData = DATA;

    public MmioDriver(VirtioDevice device) {
        this(device, null);
    }

    private MmioDriver(VirtioDevice device, byte[] ramContents) {
        ram = arena.allocate(RAM, 4096);
        if (ramContents != null) {
            MemorySegment.copy(ramContents, 0, ram, ValueLayout.JAVA_BYTE, 0, ramContents.length);
        }
        mem = new RegionGuestMemory(List.of(new GuestRegion(0, ram)));
        transport = new MmioTransport("test", device, mem, irq, loop);
        availIdx = new int[transport.queueCount()];
        nextDesc = new int[transport.queueCount()];
    }

    public static long desc(int q) {
        return 0x10000L * (q + 1);
    }

    public static long avail(int q) {
        return desc(q) + 0x1000;
    }

    public static long used(int q) {
        return desc(q) + 0x2000;
    }

    public long read(int register) {
        return transport.read(register, 4);
    }

    public void write(int register, long value) {
        transport.write(register, 4, value);
    }

    /**
     * Linux's initialization (virtio 1.2 section 3.1.1): ACKNOWLEDGE, DRIVER, {@code features} written and
     * FEATURES_OK, every queue at {@value #SIZE} entries and ready, DRIVER_OK; fails if the device refuses.
     */
    public void initialize(long features) {
        write(0x70, STATUS_ACKNOWLEDGE);
        write(0x70, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        write(0x24, 0);
        write(0x20, features & 0xffffffffL);
        write(0x24, 1);
        write(0x20, features >>> 32);
        write(0x70, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        if ((read(0x70) & STATUS_FEATURES_OK) == 0) {
            throw new IllegalStateException("the device refused features 0x" + Long.toHexString(features));
        }
        for (int q = 0; q < transport.queueCount(); q++) {
            write(0x30, q);
            write(0x38, SIZE);
            write(0x80, desc(q));
            write(0x84, 0);
            write(0x90, avail(q));
            write(0x94, 0);
            write(0xa0, used(q));
            write(0xa4, 0);
            write(0x44, 1);
        }
        write(0x70, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
        if (read(0x70) != 0xf) {
            throw new IllegalStateException("the device is not live: status 0x" + Long.toHexString(read(0x70)));
        }
    }

    /** One buffer of a chain. */
    public record Buffer(long address, int length, boolean writable) {
    }

    /** A fresh buffer in the data area, for the device to read {@code bytes} from. */
    public Buffer readable(byte[] bytes) {
        long at = reserve(bytes.length);
        mem.write(at, bytes);
        return new Buffer(at, bytes.length, false);
    }

    /** A fresh, zeroed buffer of {@code length} bytes for the device to write. */
    public Buffer writable(int length) {
        return new Buffer(reserve(length), length, true);
    }

    private long reserve(long length) {
        long at = nextData;
        nextData = (nextData + Math.max(length, 1) + 15) & -16L;
        if (nextData > RAM) {
            throw new IllegalStateException("fake guest RAM used up");
        }
        return at;
    }

    /** Makes a chain of {@code buffers} available on queue {@code q} (no notification); returns its head. */
    public int offer(int q, Buffer... buffers) {
        int head = nextDesc[q];
        for (int i = 0; i < buffers.length; i++) {
            int index = nextDesc[q];
            nextDesc[q] = (nextDesc[q] + 1) % SIZE;
            long d = desc(q) + 16L * index;
            mem.writeLong(d, buffers[i].address());
            mem.writeInt(d + 8, buffers[i].length());
            boolean last = i == buffers.length - 1;
            mem.writeShort(d + 12, (short) ((buffers[i].writable() ? DESC_F_WRITE : 0) | (last ? 0 : DESC_F_NEXT)));
            mem.writeShort(d + 14, (short) nextDesc[q]);
        }
        mem.writeShort(avail(q) + 4 + 2L * (availIdx[q] % SIZE), (short) head);
        availIdx[q] = (availIdx[q] + 1) & 0xffff;
        mem.writeShort(avail(q) + 2, (short) availIdx[q]);
        return head;
    }

    /** A QueueNotify write, as the vCPU's ioeventfd carries it to the transport. */
    public void notify(int q) {
        transport.notifyQueue(q);
    }

    public int usedIdx(int q) {
        return mem.readShort(used(q) + 2) & 0xffff;
    }

    /** The head index of used ring entry {@code i} (free-running). */
    public int usedId(int q, int i) {
        return mem.readInt(used(q) + 4 + 8L * (i % SIZE));
    }

    /** The length of used ring entry {@code i} (free-running). */
    public int usedLen(int q, int i) {
        return mem.readInt(used(q) + 4 + 8L * (i % SIZE) + 4);
    }

    /**
     * The driver's interrupt handler: reads and acknowledges InterruptStatus, and takes every used buffer so far,
     * asking for an interrupt at the next one (used_event, as Linux's virtqueue_enable_cb; the device reads it only
     * with VIRTIO_F_EVENT_IDX). Returns the InterruptStatus bits.
     */
    public int acknowledge() {
        int bits = (int) read(0x60);
        write(0x64, bits);
        for (int q = 0; q < availIdx.length; q++) {
            mem.writeShort(avail(q) + 4 + 2L * SIZE, (short) usedIdx(q));
        }
        return bits;
    }

    /** Runs what the event loop has ready, until nothing is; returns how many handlers ran. */
    public int dispatch() {
        int total = 0;
        for (int n; (n = loop.dispatch(0)) > 0; ) {
            total += n;
        }
        return total;
    }

    /** A copy of the whole guest RAM. */
    public byte[] ram() {
        return ram.toArray(ValueLayout.JAVA_BYTE);
    }

    /** A snapshot: the transport's saved state, the RAM, and the driver's bookkeeping (in a guest, also RAM). */
    public record Saved(Record state, byte[] ram, int[] availIdx, int[] nextDesc, long nextData) {
    }

    /** Saves the device with the "VM" paused: no dispatch runs meanwhile. */
    public Saved save() {
        return new Saved(transport.saveState(), ram(), availIdx.clone(), nextDesc.clone(), nextData);
    }

    /**
     * A driver over a copy of the saved RAM whose transport, around {@code fresh} (a device built from the same
     * configuration), restores the saved state after a JSON round trip by its state type, as a snapshot file
     * stores it.
     */
    public static MmioDriver restore(Saved saved, VirtioDevice fresh) throws SnapshotException {
        return restore(saved, fresh, t -> roundTrip(saved.state(), t.stateType()));
    }

    /** As {@link #restore(Saved, VirtioDevice)} with {@code state} (a malformed one), as it is, for the saved one. */
    public static MmioDriver restore(Saved saved, Record state, VirtioDevice fresh) throws SnapshotException {
        return restore(saved, fresh, t -> state);
    }

    private static MmioDriver restore(Saved saved, VirtioDevice fresh, Function<MmioTransport, Record> state)
            throws SnapshotException {
        MmioDriver d = new MmioDriver(fresh, saved.ram());
        System.arraycopy(saved.availIdx(), 0, d.availIdx, 0, d.availIdx.length);
        System.arraycopy(saved.nextDesc(), 0, d.nextDesc, 0, d.nextDesc.length);
        d.nextData = saved.nextData();
        try {
            d.transport.restoreState(state.apply(d.transport));
        } catch (SnapshotException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** {@code state} written as JSON and read back as {@code type}. */
    public static <S extends Record> S roundTrip(Record state, Class<S> type) {
        try {
            return JSON.readValue(JSON.writeValueAsBytes(state), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        loop.close();
        transport.close(); // after the loop, as a VM's teardown does
        arena.close();
    }
}
