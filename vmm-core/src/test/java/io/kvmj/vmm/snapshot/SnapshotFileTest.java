package io.kvmj.vmm.snapshot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotFileTest {
    @TempDir
    Path dir;

    private Path written() throws Exception {
        Path file = dir.resolve("vm.state");
        SnapshotFile.write(file, SampleStates.state());
        return file;
    }

    private static String json(Object o) throws Exception {
        return SnapshotJson.MAPPER.writeValueAsString(o);
    }

    /** The refusal for a state file holding {@code bytes}: a one-line message naming the file. */
    private String refusal(byte[] bytes) throws Exception {
        Path file = dir.resolve("bad.state");
        Files.write(file, bytes);
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotFile.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aStateReadsBackAsWritten() throws Exception {
        Path file = written();
        SnapshotState back = SnapshotFile.read(file);
        assertEquals(json(SampleStates.state()), json(back));
        assertArrayEquals(SampleStates.vcpu(1).xsave().area(), back.vcpus().get(1).xsave().area());
        assertEquals(SampleStates.state().machine(), back.machine());
        byte[] all = Files.readAllBytes(file);
        assertArrayEquals("KVMJSNAP".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(all, 8));
        assertEquals('{', all[SnapshotFile.HEADER_SIZE], "JSON follows the 24-byte header");
    }

    @Test
    void anotherFormatVersionIsRefused() throws Exception {
        byte[] all = Files.readAllBytes(written());
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        assertTrue(refusal(all).endsWith("snapshot format version 2, this kvmj reads version 1 only"));
    }

    @Test
    void aFlippedByteFailsTheChecksum() throws Exception {
        byte[] all = Files.readAllBytes(written());
        all[all.length / 2] ^= 0x20;
        assertTrue(refusal(all).contains("checksum mismatch"));
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        byte[] all = Files.readAllBytes(written());
        assertTrue(refusal(Arrays.copyOf(all, all.length - 100)).contains("truncated state file: "));
        assertTrue(refusal(Arrays.copyOf(all, 10)).contains("truncated state file: 10 bytes"));
        assertTrue(refusal(new byte[0]).contains("truncated state file: 0 bytes"));
    }

    @Test
    void bytesAfterTheStateAreRefused() throws Exception {
        byte[] all = Files.readAllBytes(written());
        assertTrue(refusal(Arrays.copyOf(all, all.length + 3)).contains("3 bytes after the end of the state"));
    }

    @Test
    void aFileOfAnotherKindIsRefused() throws Exception {
        assertTrue(refusal("this is not a snapshot at all, just text".getBytes(StandardCharsets.UTF_8))
                .contains("not a kvmj snapshot state file"));
    }

    @Test
    void aDamagedLengthIsRefusedWithoutReadingThatMuch() throws Exception {
        byte[] all = Files.readAllBytes(written());
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(12, Long.MAX_VALUE);
        assertTrue(refusal(all).contains("damaged header"));
    }

    /** A well-formed file whose JSON is not a state: another program's, or a field of the wrong kind. */
    @Test
    void jsonThatIsNoStateIsRefused() throws Exception {
        assertTrue(refusal(framed("{\"machine\": 1}")).contains("not a version 1 snapshot state"));
        assertTrue(refusal(framed("[1, 2")).contains("not a version 1 snapshot state"));
        String wrongSize = json(SampleStates.state()).replaceFirst("\"struct\":\"[^\"]*\"", "\"struct\":\"AAAA\"");
        assertTrue(refusal(framed(wrongSize)).contains("must be"), "a struct of the wrong size");
    }

    private static byte[] framed(String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(SnapshotFile.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(SnapshotFile.MAGIC).putInt(SnapshotFile.VERSION).putLong(payload.length).putInt((int) crc.getValue())
                .put(payload);
        return b.array();
    }

    @Test
    void aMissingFileIsSaidSo() {
        Path missing = dir.resolve("nope.state");
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotFile.read(missing));
        assertEquals("state file " + missing + " does not exist", e.getMessage());
    }
}
