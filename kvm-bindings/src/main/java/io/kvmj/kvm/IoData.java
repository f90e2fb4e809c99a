package io.kvmj.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Little-endian values of 1, 2, 4 or 8 bytes in kvm_run's data areas; bounds-checked by the segment. */
final class IoData {
    private IoData() {
    }

    static long get(MemorySegment s, long offset, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
            case 4 -> Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
            case 8 -> s.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            default -> {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = (v << 8) | Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, offset + i));
                }
                yield v;
            }
        };
    }

    static void set(MemorySegment s, long offset, int size, long value) {
        switch (size) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
            case 2 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) value);
            case 4 -> s.set(ValueLayout.JAVA_INT_UNALIGNED, offset, (int) value);
            case 8 -> s.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
            default -> {
                for (int i = 0; i < size; i++) {
                    s.set(ValueLayout.JAVA_BYTE, offset + i, (byte) (value >>> (8 * i)));
                }
            }
        }
    }
}
