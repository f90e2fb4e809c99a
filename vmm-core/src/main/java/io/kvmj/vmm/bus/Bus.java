package io.kvmj.vmm.bus;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * An address space (port I/O or MMIO) of non-overlapping device windows. Accesses that hit no window, or run
 * past the end of one, read as all ones and drop writes, as unclaimed bus cycles do on a PC.
 */
public final class Bus {
    private record Window(long base, long length, BusDevice device) {
        boolean covers(long address, int size) {
            long offset = address - base;
            return offset >= 0 && offset < length && size <= length - offset;
        }
    }

    /**
     * The windows sorted by base, with their bases in a parallel array: a lookup is a binary search over
     * primitives, so a vCPU exit allocates nothing (a TreeMap would box the address and make an entry).
     */
    private record Windows(long[] bases, Window[] windows) {
        static final Windows EMPTY = new Windows(new long[0], new Window[0]);

        /** The window with the highest base at or below {@code address}, or null. */
        Window floor(long address) {
            int i = Arrays.binarySearch(bases, address);
            int floor = i >= 0 ? i : -i - 2;
            return floor >= 0 ? windows[floor] : null;
        }

        Windows with(Window w) {
            int at = -Arrays.binarySearch(bases, w.base) - 1;
            long[] b = new long[bases.length + 1];
            Window[] ws = new Window[windows.length + 1];
            System.arraycopy(bases, 0, b, 0, at);
            System.arraycopy(windows, 0, ws, 0, at);
            b[at] = w.base;
            ws[at] = w;
            System.arraycopy(bases, at, b, at + 1, bases.length - at);
            System.arraycopy(windows, at, ws, at + 1, windows.length - at);
            return new Windows(b, ws);
        }
    }

    private final String name;
    // Replaced, never mutated, on insert: vCPU threads read it without locking.
    private volatile Windows windows = Windows.EMPTY;
    private final LongAdder unclaimed = new LongAdder();

    public Bus(String name) {
        this.name = name;
    }

    /** Maps a device at [base, base+length); rejects a window that overlaps an existing one. */
    public synchronized void insert(BusDevice device, long base, long length) {
        if (length <= 0 || base < 0 || base + length < base) {
            throw new IllegalArgumentException(name + " window 0x" + Long.toHexString(base) + "+" + length
                    + " is invalid");
        }
        Window below = windows.floor(base + length - 1);
        if (below != null && below.base + below.length > base) {
            throw new IllegalArgumentException(String.format("%s window 0x%x+0x%x overlaps the one at 0x%x",
                    name, base, length, below.base));
        }
        windows = windows.with(new Window(base, length, device));
    }

    private Window find(long address, int size) {
        Window w = windows.floor(address);
        if (w == null || !w.covers(address, size)) {
            unclaimed.increment();
            return null;
        }
        return w;
    }

    public long read(long address, int size) {
        Window w = find(address, size);
        if (w == null) {
            return size >= 8 ? -1L : (1L << (size * 8)) - 1;
        }
        return w.device.read(address - w.base, size);
    }

    public void write(long address, int size, long value) {
        Window w = find(address, size);
        if (w != null) {
            w.device.write(address - w.base, size, value);
        }
    }

    /** How many accesses hit no device: a guest probing, or a guest bug worth a look. */
    public long unclaimedAccesses() {
        return unclaimed.sum();
    }
}
