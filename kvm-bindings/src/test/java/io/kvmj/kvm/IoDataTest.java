package io.kvmj.kvm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IoDataTest {
    private final MemorySegment s = Arena.ofAuto().allocate(16);

    @Test
    void littleEndianValuesOfEverySize() {
        for (int size : new int[] {1, 2, 3, 4, 8}) {
            long value = 0x8877665544332211L & (size == 8 ? -1L : (1L << (8 * size)) - 1);
            IoData.set(s, 3, size, 0x8877665544332211L);
            assertEquals(value, IoData.get(s, 3, size), "size " + size);
        }
        IoData.set(s, 0, 2, 0xbeef);
        assertEquals((byte) 0xef, s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void outOfBoundsIsRefusedNotWritten() {
        assertThrows(IndexOutOfBoundsException.class, () -> IoData.set(s, 12, 8, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> IoData.get(s, 16, 1));
    }
}
