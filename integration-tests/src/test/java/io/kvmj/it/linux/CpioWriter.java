package io.kvmj.it.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format, the one the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII header, the
 * NUL-terminated name and the data, each padded to 4 bytes; a {@code TRAILER!!!} entry ends it. Written here
 * rather than by the cpio tool so that no staging directory is needed and the output depends on the inputs only
 * (owner root, mtime 0, inode numbers in order).
 */
final class CpioWriter implements AutoCloseable {
    static final int DIRECTORY = 0040000;
    static final int REGULAR = 0100000;
    static final int CHARACTER_DEVICE = 0020000;
    private static final String MAGIC = "070701";
    private static final String TRAILER = "TRAILER!!!";

    private final OutputStream out;
    private long written;
    private int inode = 1;

    CpioWriter(OutputStream out) {
        this.out = out;
    }

    /** A directory {@code path} (relative, e.g. {@code lib/modules}), permissions {@code 0755}. */
    void directory(String path) throws IOException {
        entry(path, DIRECTORY | 0755, 0, 0, new byte[0]);
    }

    /** A regular file with permission bits {@code permissions} (e.g. {@code 0755}). */
    void file(String path, int permissions, byte[] data) throws IOException {
        entry(path, REGULAR | (permissions & 07777), 0, 0, data);
    }

    /** A character device node, e.g. {@code dev/console} 5:1. */
    void characterDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, CHARACTER_DEVICE | (permissions & 07777), major, minor, new byte[0]);
    }

    /** Writes the trailer; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        inode = 0;
        entry(TRAILER, 0, 0, 0, new byte[0]);
        out.flush();
    }

    private void entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        long[] fields = {inode, mode, 0, 0, (mode & 0170000) == DIRECTORY ? 2 : 1, 0, data.length, 0, 0,
                rdevMajor, rdevMinor, nameBytes.length, 0};
        StringBuilder header = new StringBuilder(MAGIC);
        for (long field : fields) {
            header.append("%08x".formatted(field));
        }
        if (inode != 0) {
            inode++;
        }
        write(header.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad();
        write(data);
        pad();
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            out.write(0);
            written++;
        }
    }
}
