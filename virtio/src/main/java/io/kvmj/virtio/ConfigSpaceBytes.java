package io.kvmj.virtio;

/** Reads of a device's configuration space kept as little-endian bytes (every virtio 1.x field is). */
public final class ConfigSpaceBytes {
    private ConfigSpaceBytes() {
    }

    /** A little-endian read of {@code size} (1-8) bytes at {@code offset}; bytes outside {@code bytes} read as 0. */
    public static long read(byte[] bytes, int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            int at = offset + i;
            v = (v << 8) | (at >= 0 && at < bytes.length ? bytes[at] & 0xff : 0);
        }
        return v;
    }
}
