package io.kvmj.vmm.bus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BusTest {
    /** Records writes and answers reads with the offset, so dispatch is visible. */
    private static final class Recorder implements BusDevice {
        final List<String> writes = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            return offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            writes.add(offset + "/" + size + "=" + value);
        }
    }

    @Test
    void dispatchesToTheWindowWithRelativeOffsets() {
        Bus bus = new Bus("pio");
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        bus.insert(a, 0x3f8, 8);
        bus.insert(b, 0x60, 5);
        assertEquals(5, bus.read(0x3fd, 1));
        bus.write(0x64, 1, 0xfe);
        assertEquals(List.of("4/1=254"), b.writes);
        assertEquals(List.of(), a.writes);
    }

    @Test
    void unclaimedAccessesReadAllOnesAndAreCounted() {
        Bus bus = new Bus("pio");
        Recorder a = new Recorder();
        bus.insert(a, 0x3f8, 8);
        assertEquals(0xff, bus.read(0x80, 1));
        assertEquals(0xffff_ffffL, bus.read(0x3f7, 4));
        assertEquals(0xffff, bus.read(0x3ff, 2), "runs past the end of the window");
        assertEquals(-1L, bus.read(0x1000, 8));
        bus.write(0x3ff, 4, 1);
        assertEquals(List.of(), a.writes);
        assertEquals(5, bus.unclaimedAccesses());
    }

    @Test
    void rejectsOverlapsAndInvalidWindows() {
        Bus bus = new Bus("mmio");
        bus.insert(new Recorder(), 0x1000, 0x200);
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0x11ff, 0x10));
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0xf00, 0x101));
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0x2000, 0));
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), Long.MAX_VALUE, 2));
        bus.insert(new Recorder(), 0x1200, 0x200); // adjacent is fine
    }

    @Test
    void findsEveryWindowWhateverTheInsertionOrder() {
        Bus bus = new Bus("mmio");
        List<Recorder> devices = new ArrayList<>();
        long[] bases = {0x5000, 0x1000, 0x9000, 0x3000, 0x7000, 0x0, 0x2000};
        for (long base : bases) {
            Recorder r = new Recorder();
            devices.add(r);
            bus.insert(r, base, 0x100);
        }
        for (int i = 0; i < bases.length; i++) {
            bus.write(bases[i] + 0xff, 1, i);
            assertEquals(List.of("255/1=" + i), devices.get(i).writes, "window at 0x" + Long.toHexString(bases[i]));
            assertEquals(0x10, bus.read(bases[i] + 0x10, 4));
        }
        assertEquals(0xff, bus.read(0x100, 1), "just past the window at 0");
        assertEquals(0xff, bus.read(0x8fff, 1), "just below the window at 0x9000");
        assertEquals(0xff, bus.read(0x9100, 1), "past the highest window");
        assertEquals(3, bus.unclaimedAccesses());
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Recorder(), 0x4ff0, 0x20));
    }
}
