package io.kvmj.vmm.arch.x86.acpi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte array: how every table and AML fragment in this package is assembled. */
final class ByteSink {
    private byte[] buf = new byte[64];
    private int size;

    ByteSink u8(int value) {
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    ByteSink u16(int value) {
        return u8(value).u8(value >>> 8);
    }

    ByteSink u32(long value) {
        return u16((int) value).u16((int) (value >>> 16));
    }

    ByteSink u64(long value) {
        return u32(value).u32(value >>> 32);
    }

    ByteSink bytes(byte[] data) {
        ensure(data.length);
        System.arraycopy(data, 0, buf, size, data.length);
        size += data.length;
        return this;
    }

    ByteSink zeros(int count) {
        ensure(count);
        size += count; // the buffer is zero beyond size
        return this;
    }

    /** {@code text} as ASCII in exactly {@code width} bytes, padded with {@code pad}; longer text is an error. */
    ByteSink ascii(String text, int width, char pad) {
        return bytes(fixedAscii(text, width, pad));
    }

    /** Overwrites one byte already written. */
    void setU8(int offset, int value) {
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException(offset);
        }
        buf[offset] = (byte) value;
    }

    void setU16(int offset, int value) {
        setU8(offset, value);
        setU8(offset + 1, value >>> 8);
    }

    void setU32(int offset, long value) {
        setU16(offset, (int) value);
        setU16(offset + 2, (int) (value >>> 16));
    }

    int size() {
        return size;
    }

    byte[] toArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int more) {
        if (buf.length - size < more) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    static byte[] fixedAscii(String text, int width, char pad) {
        byte[] raw = text.getBytes(StandardCharsets.US_ASCII);
        if (raw.length > width || !text.chars().allMatch(c -> c < 0x80)) {
            throw new IllegalArgumentException("not " + width + " ASCII characters: \"" + text + "\"");
        }
        byte[] out = new byte[width];
        Arrays.fill(out, (byte) pad);
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }

    /** The byte that makes the sum of {@code data[from..to)} plus itself 0 modulo 256. */
    static byte checksum(byte[] data, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += data[i];
        }
        return (byte) -sum;
    }

    /** The byte sum of {@code data} modulo 256 (0 for a table with a correct checksum). */
    static int sum(byte[] data, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += data[i];
        }
        return sum & 0xff;
    }
}
