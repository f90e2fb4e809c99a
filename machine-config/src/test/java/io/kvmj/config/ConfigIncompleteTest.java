package io.kvmj.config;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ConfigLoader#parseIncomplete}: a machine still being assembled, checked section by section as a file. */
class ConfigIncompleteTest {
    @TempDir
    Path dir;

    @Test
    void aConfigWithoutBootSourceIsCheckedAndHasNone() throws Exception {
        VmConfig config = ConfigLoader.parseIncomplete("{\"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 64}}",
                dir);
        assertNull(config.bootSource());
        assertEquals(new MachineSpec(2, 64, false, false), config.machine());
        assertEquals(new MachineSpec(1, 128, false, false), ConfigLoader.parseIncomplete("{}", dir).machine(),
                "Firecracker's default machine");
    }

    @Test
    void itsSectionsGetTheMessagesOfAFile() throws Exception {
        String drives = "{\"drives\": [{\"drive_id\": \"d\", \"path_on_host\": \"missing.img\"}]}";
        String whole = "{\"boot-source\": {\"kernel_image_path\": \"k\"}, " + drives.substring(1);
        Files.writeString(dir.resolve("k"), "kernel");
        assertEquals(assertThrows(ConfigException.class, () -> ConfigLoader.parse(whole, dir)).getMessage(),
                assertThrows(ConfigException.class, () -> ConfigLoader.parseIncomplete(drives, dir)).getMessage());
        assertEquals("boot-source: required key missing",
                assertThrows(ConfigException.class, () -> ConfigLoader.parse(drives, dir)).getMessage(),
                "parse still requires it");
    }
}
