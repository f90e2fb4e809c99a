package io.kvmj.vmm.bus;

import java.util.Map;
import java.util.TreeMap;
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

    private final String name;
    // Replaced, never mutated, on insert: vCPU threads read it without locking.
    private volatile TreeMap<Long, Window> windows = new TreeMap<>();
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
        Map.Entry<Long, Window> below = windows.floorEntry(base + length - 1);
        if (below != null && below.getValue().base + below.getValue().length > base) {
            throw new IllegalArgumentException(String.format("%s window 0x%x+0x%x overlaps the one at 0x%x",
                    name, base, length, below.getValue().base));
        }
        TreeMap<Long, Window> copy = new TreeMap<>(windows);
        copy.put(base, new Window(base, length, device));
        windows = copy;
    }

    private Window find(long address, int size) {
        Map.Entry<Long, Window> e = windows.floorEntry(address);
        if (e == null || !e.getValue().covers(address, size)) {
            unclaimed.increment();
            return null;
        }
        return e.getValue();
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
