package io.kvmj.vmm.snapshot;

import com.fasterxml.jackson.core.JacksonException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A snapshot's state file (docs/snapshot-format.md): a 24-byte header, then the {@link SnapshotState} as UTF-8
 * JSON. The header is the magic {@code KVMJSNAP}, the format version (u32), the JSON's length in bytes (u64) and
 * its CRC-32C (u32), all little-endian. A file of another version, whose length or checksum does not match, or
 * whose JSON is not a state of this version, is refused with a one-line {@link SnapshotException}; nothing of it
 * is used.
 */
public final class SnapshotFile {
    /** The format this kvmj writes and the only one it reads. */
    public static final int VERSION = 1;
    static final byte[] MAGIC = "KVMJSNAP".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_SIZE = 24;
    /** Far above any real state (a few KiB per vCPU and device): a larger length is a damaged header. */
    static final long MAX_PAYLOAD = 64L << 20;

    private SnapshotFile() {
    }

    /**
     * Writes {@code state} to {@code file}, replacing it.
     *
     * @throws SnapshotException the state cannot be put in JSON, or the file cannot be written
     */
    public static void write(Path file, SnapshotState state) throws SnapshotException {
        byte[] json;
        try {
            json = SnapshotJson.MAPPER.writeValueAsBytes(state);
        } catch (JacksonException e) {
            throw new SnapshotException("cannot encode the snapshot state: " + e.getOriginalMessage(), e);
        }
        CRC32C crc = new CRC32C();
        crc.update(json);
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .put(MAGIC).putInt(VERSION).putLong(json.length).putInt((int) crc.getValue());
        try {
            byte[] all = Arrays.copyOf(header.array(), HEADER_SIZE + json.length);
            System.arraycopy(json, 0, all, HEADER_SIZE, json.length);
            Path absolute = file.toAbsolutePath();
            Path partial = Files.createTempFile(absolute.getParent(), absolute.getFileName() + ".", ".partial");
            try {
                Files.write(partial, all);
                // A rename: a reader never sees half a state file, and a crash leaves the old one whole.
                Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new SnapshotException("cannot write state file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a state file.
     *
     * @throws SnapshotException the file is missing or unreadable, is no kvmj state file, is of another format
     *                           version, is truncated or longer than its header says, fails its checksum, or
     *                           holds JSON that is not a state of this version; the message names the file
     */
    public static SnapshotState read(Path file) throws SnapshotException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SnapshotException("state file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new SnapshotException("cannot read state file " + file + ": " + e.getMessage(), e);
        }
        return decode(file, all);
    }

    static SnapshotState decode(Path file, byte[] all) throws SnapshotException {
        if (all.length < HEADER_SIZE) {
            throw new SnapshotException(file + ": truncated state file: " + all.length + " bytes, shorter than its "
                    + HEADER_SIZE + "-byte header");
        }
        ByteBuffer header = ByteBuffer.wrap(all, 0, HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new SnapshotException(file + ": not a kvmj snapshot state file (no KVMJSNAP header)");
        }
        int version = header.getInt();
        if (version != VERSION) {
            throw new SnapshotException(file + ": snapshot format version " + Integer.toUnsignedString(version)
                    + ", this kvmj reads version " + VERSION + " only");
        }
        long length = header.getLong();
        int checksum = header.getInt();
        long actual = all.length - HEADER_SIZE;
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new SnapshotException(file + ": damaged header: a state of " + Long.toUnsignedString(length)
                    + " bytes");
        }
        if (actual < length) {
            throw new SnapshotException(file + ": truncated state file: " + actual + " of " + length
                    + " bytes of state");
        }
        if (actual > length) {
            throw new SnapshotException(file + ": " + (actual - length) + " bytes after the end of the state");
        }
        CRC32C crc = new CRC32C();
        crc.update(all, HEADER_SIZE, (int) length);
        if ((int) crc.getValue() != checksum) {
            throw new SnapshotException(String.format("%s: checksum mismatch (CRC-32C 0x%08x, header says 0x%08x): "
                    + "the state file is damaged", file, (int) crc.getValue(), checksum));
        }
        try {
            return SnapshotJson.MAPPER.readValue(all, HEADER_SIZE, (int) length, SnapshotState.class);
        } catch (JacksonException e) {
            throw new SnapshotException(file + ": not a version " + VERSION + " snapshot state: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        } catch (IOException e) {
            throw new SnapshotException("cannot read state file " + file + ": " + e.getMessage(), e);
        }
    }
}
