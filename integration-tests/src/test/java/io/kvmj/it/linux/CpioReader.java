package io.kvmj.it.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads a gzip-compressed newc cpio archive back for the unit tests, checking the format as the kernel's
 * unpacker (init/initramfs.c) does: the magic, 4-byte alignment of names and data, a trailer at the end.
 */
final class CpioReader {
    /** One archive member. */
    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {
        boolean isDirectory() {
            return (mode & 0170000) == CpioWriter.DIRECTORY;
        }
    }

    private CpioReader() {
    }

    /** The entries before the trailer, in archive order. */
    static List<Entry> read(byte[] gzipped) throws IOException {
        byte[] archive;
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
            archive = in.readAllBytes();
        }
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        while (true) {
            if (at % 4 != 0) {
                throw new IOException("header not 4-byte aligned at " + at);
            }
            String magic = new String(archive, at, 6, StandardCharsets.US_ASCII);
            if (!magic.equals("070701")) {
                throw new IOException("bad magic " + magic + " at " + at);
            }
            long[] f = new long[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Long.parseLong(new String(archive, at + 6 + 8 * i, 8, StandardCharsets.US_ASCII), 16);
            }
            int nameSize = (int) f[11];
            int size = (int) f[6];
            int nameAt = at + 110;
            if (archive[nameAt + nameSize - 1] != 0) {
                throw new IOException("name not NUL-terminated at " + nameAt);
            }
            String name = new String(archive, nameAt, nameSize - 1, StandardCharsets.UTF_8);
            int dataAt = align(nameAt + nameSize);
            if (name.equals("TRAILER!!!")) {
                return entries;
            }
            byte[] data = java.util.Arrays.copyOfRange(archive, dataAt, dataAt + size);
            entries.add(new Entry(name, (int) f[1], (int) f[9], (int) f[10], data));
            at = align(dataAt + size);
        }
    }

    private static int align(int offset) {
        return (offset + 3) & ~3;
    }
}
