package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertErrorFrom;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Problems with the config file itself, before its content is looked at. */
class ConfigFileLoadTest {
    @TempDir
    Path dir;

    @Test
    void missingConfigFile() {
        Path file = dir.resolve("nope.json");
        assertErrorFrom(() -> ConfigLoader.load(file), "config file " + file.toAbsolutePath().normalize() + ": ",
                "file not found");
    }

    @Test
    void configFileIsADirectory() {
        assertErrorFrom(() -> ConfigLoader.load(dir), "config file ", "is a directory");
    }

    @Test
    void configFileNotUtf8() throws IOException {
        Path file = Files.write(dir.resolve("bad.json"), new byte[] {'{', (byte) 0xff, '}'});
        assertErrorFrom(() -> ConfigLoader.load(file), "config file ", "not valid UTF-8");
    }

    @Test
    void configFileTooLarge() throws IOException {
        Path file = Files.write(dir.resolve("huge.json"), new byte[(int) JsonConfigReader.MAX_FILE_BYTES + 1]);
        assertErrorFrom(() -> ConfigLoader.load(file), "config file ", "too large");
    }

    @Test
    void malformedFileReportsLine() throws IOException {
        Path file = Files.writeString(dir.resolve("vm.json"), "{\n\"boot-source\": {,\n}");
        assertErrorFrom(() -> ConfigLoader.load(file), "line 2, column ", "malformed JSON");
    }
}
