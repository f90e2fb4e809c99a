package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpioWriterTest {
    @Test
    void entriesComeBackWithTheirNamesModesDataAndDeviceNumbers() throws Exception {
        // odd name and data lengths, so that every padding rule is exercised
        byte[] data = "abcde".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            try (CpioWriter cpio = new CpioWriter(gzip)) {
                cpio.directory("bin");
                cpio.file("bin/x", 0755, data);
                cpio.characterDevice("dev/console", 0600, 5, 1);
                cpio.file("empty", 0644, new byte[0]);
            }
        }
        List<CpioReader.Entry> entries = CpioReader.read(out.toByteArray());

        assertEquals(List.of("bin", "bin/x", "dev/console", "empty"), entries.stream().map(CpioReader.Entry::name).toList());
        assertTrue(entries.get(0).isDirectory());
        assertEquals(0100755, entries.get(1).mode());
        assertArrayEquals(data, entries.get(1).data());
        assertEquals(0020600, entries.get(2).mode());
        assertEquals(5, entries.get(2).rdevMajor());
        assertEquals(1, entries.get(2).rdevMinor());
        assertEquals(0, entries.get(3).data().length);
    }

    @Test
    void sameEntriesGiveTheSameBytes() throws Exception {
        assertArrayEquals(archive("payload"), archive("payload"));
    }

    private static byte[] archive(String content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CpioWriter cpio = new CpioWriter(out)) {
            cpio.file("f", 0644, content.getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }
}
