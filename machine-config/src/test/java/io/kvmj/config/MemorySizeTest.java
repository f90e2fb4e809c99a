package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MemorySizeTest {
    @ParameterizedTest
    @CsvSource({
        "256M, 256", "256MiB, 256", "1G, 1024", "1GiB, 1024", "2048, 2048", "512m, 512", "1g, 1024",
        "4096K, 4", "4096kib, 4", "1T, 1048576", "1M, 1", "' 64M ', 64"
    })
    void parses(String text, long mib) throws ConfigException {
        assertEquals(mib, MemorySize.parseMib(text));
    }

    @ParameterizedTest
    @CsvSource({
        "0, must be at least 1 MiB",
        "0G, must be at least 1 MiB",
        "-1, must be positive",
        "-256M, must be positive",
        "abc, expected a whole number",
        "1.5G, expected a whole number",
        "12 M, expected a whole number",
        "256MB, unknown unit \"MB\"",
        "256X, unknown unit \"X\"",
        "4097K, not a whole number of MiB (4097 KiB)",
        "1K, not a whole number of MiB",
        "9999999999999999999T, too large",
        "99999999999999999999999999999999999, too large",
    })
    void rejects(String text, String problem) {
        assertErrorFrom(() -> MemorySize.parseMib(text), "invalid memory size \"" + text + "\": ", problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsEmpty(String text) {
        assertErrorFrom(() -> MemorySize.parseMib(text), "invalid memory size", "empty");
    }

    @org.junit.jupiter.api.Test
    void rejectsNull() {
        assertErrorFrom(() -> MemorySize.parseMib(null), "invalid memory size", "empty");
    }
}
