package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that must load, and what they load to. */
class ConfigGoodTest {
    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    @Test
    void fullFirecrackerStyleFile() throws Exception {
        Path kernel = dir.resolve("vmlinux");
        String json = """
                {
                  "boot-source": {
                    "kernel_image_path": "%s",
                    "boot_args": "console=ttyS0 reboot=k panic=1 pci=off",
                    "initrd_path": null
                  },
                  "drives": [],
                  "network-interfaces": [],
                  "machine-config": {
                    "vcpu_count": 2,
                    "mem_size_mib": 1024,
                    "smt": false,
                    "track_dirty_pages": false,
                    "cpu_template": "None"
                  },
                  "cpu-config": null,
                  "balloon": null,
                  "vsock": null,
                  "logger": null,
                  "metrics": null,
                  "mmds-config": null,
                  "entropy": null
                }
                """.formatted(kernel);
        VmConfig config = ConfigLoader.parse(json, dir);
        assertEquals(new BootSource(kernel.toAbsolutePath().normalize(), "console=ttyS0 reboot=k panic=1 pci=off",
                null), config.bootSource());
        assertEquals(new MachineSpec(2, 1024, false, false), config.machine());
        assertNull(config.debugExit());
        assertEquals(SerialConfig.defaults(), config.serial());
        assertNull(config.vsock());
        assertEquals(List.of(), config.networkInterfaces());
    }

    @Test
    void minimalFileGetsDefaults() throws Exception {
        VmConfig config = ConfigLoader.parse(minimalWith(""), dir);
        assertEquals("", config.bootSource().bootArgs());
        assertNull(config.bootSource().initrdPath());
        assertEquals(new MachineSpec(1, 128, false, false), config.machine());
        assertNull(config.debugExit(), "no debug-exit device unless asked for");
        assertEquals(new SerialConfig(new SerialOutput.Stdout(), true), config.serial());
    }

    @Test
    void relativeKernelResolvesAgainstConfigDirNotCwd() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("vm"));
        createKernel(sub);
        Path configFile = sub.resolve("vm.json");
        Files.writeString(configFile, "{\"boot-source\": {\"kernel_image_path\": \"./vmlinux\","
                + " \"initrd_path\": \"../vm/initrd.img\"},"
                + " \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 64}}");
        VmConfig config = ConfigLoader.load(configFile);
        Path absSub = sub.toAbsolutePath().normalize();
        assertEquals(absSub.resolve("vmlinux"), config.bootSource().kernelImagePath());
        assertEquals(absSub.resolve("initrd.img"), config.bootSource().initrdPath());
    }

    @Test
    void debugExitWithNumber() throws Exception {
        assertEquals(new DebugExit(0x501), ConfigLoader.parse(minimalWith(", \"debug-exit\": {\"iobase\": 1281}"), dir)
                .debugExit());
    }

    @Test
    void debugExitWithHexString() throws Exception {
        assertEquals(new DebugExit(0xf4), ConfigLoader.parse(minimalWith(", \"debug-exit\": {\"iobase\": \"0xf4\"}"),
                dir).debugExit());
    }

    @Test
    void debugExitEmptyObjectUsesQemuDefaultPort() throws Exception {
        assertEquals(new DebugExit(244), ConfigLoader.parse(minimalWith(", \"debug-exit\": {}"), dir).debugExit());
    }

    @Test
    void onResetRestartOrExitAndExitByDefault() throws Exception {
        assertTrue(ConfigLoader.parse(minimalWith(", \"on-reset\": \"restart\""), dir).restartOnReset());
        assertFalse(ConfigLoader.parse(minimalWith(", \"on-reset\": \"exit\""), dir).restartOnReset());
        assertFalse(ConfigLoader.parse(minimalWith(", \"on-reset\": null"), dir).restartOnReset());
        assertFalse(ConfigLoader.parse(minimalWith(""), dir).restartOnReset());
    }

    @Test
    void onResetRestartIsWrittenBack() throws Exception {
        VmConfig config = ConfigLoader.parse(minimalWith(", \"on-reset\": \"restart\""), dir);
        assertEquals(config, ConfigLoader.parse(ConfigLoader.toJson(config), dir));
    }

    @Test
    void debugExitNullMeansAbsent() throws Exception {
        assertNull(ConfigLoader.parse(minimalWith(", \"debug-exit\": null"), dir).debugExit());
    }

    @Test
    void serialToFileAndNoInput() throws Exception {
        VmConfig config = ConfigLoader.parse(
                minimalWith(", \"serial\": {\"output\": \"console.log\", \"input\": \"none\"}"), dir);
        assertEquals(new SerialConfig(new SerialOutput.ToFile(dir.toAbsolutePath().normalize().resolve("console.log")),
                false), config.serial());
    }

    @Test
    void serialNone() throws Exception {
        VmConfig config = ConfigLoader.parse(minimalWith(", \"serial\": {\"output\": \"none\"}"), dir);
        assertEquals(new SerialConfig(new SerialOutput.None(), true), config.serial());
    }

    @Test
    void dirtyTrackingAccepted() throws Exception {
        String json = "{" + ConfigAssertions.MINIMAL_BOOT + ", \"machine-config\": {\"vcpu_count\": 32,"
                + " \"mem_size_mib\": 1048576, \"smt\": false, \"track_dirty_pages\": true}}";
        assertEquals(new MachineSpec(32, 1 << 20, false, true), ConfigLoader.parse(json, dir).machine());
    }

    @Test
    void smtWithOneVcpuAccepted() throws Exception {
        String json = "{" + ConfigAssertions.MINIMAL_BOOT + ", \"machine-config\": {\"vcpu_count\": 1,"
                + " \"mem_size_mib\": 64, \"smt\": true}}";
        assertEquals(new MachineSpec(1, 64, true, false), ConfigLoader.parse(json, dir).machine());
    }

    @Test
    void nullOptionalKeysMeanAbsent() throws Exception {
        String json = "{\"boot-source\": {\"kernel_image_path\": \"vmlinux\", \"boot_args\": null},"
                + " \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 8, \"smt\": null, \"cpu_template\": null},"
                + " \"serial\": {\"output\": null, \"input\": null}}";
        VmConfig config = ConfigLoader.parse(json, dir);
        assertEquals("", config.bootSource().bootArgs());
        assertEquals(SerialConfig.defaults(), config.serial());
    }

    @Test
    void absoluteSerialOutputPath() throws Exception {
        Path out = dir.resolve("sub/../console.log");
        VmConfig config = ConfigLoader.parse(minimalWith(", \"serial\": {\"output\": \"" + out + "\"}"), dir);
        assertEquals(new SerialOutput.ToFile(dir.toAbsolutePath().normalize().resolve("console.log")),
                config.serial().output());
    }

    @Test
    void utf8BomIsIgnored() throws Exception {
        Path file = dir.resolve("vm.json");
        Files.writeString(file, "\uFEFF" + minimalWith(""));
        assertEquals(1, ConfigLoader.load(file).machine().vcpuCount());
    }

    @Test
    void toJsonRoundTrips() throws Exception {
        VmConfig config = ConfigLoader.parse(minimalWith(
                ", \"debug-exit\": {}, \"serial\": {\"output\": \"out.txt\", \"input\": \"none\"}"), dir);
        String json = ConfigLoader.toJson(config);
        assertTrue(json.contains("\"drives\" : [ ]"), json);
        assertEquals(config, ConfigLoader.parse(json, Path.of("/")));
    }

    @Test
    void toJsonOmitsKvmjSectionsWhenDefault() throws Exception {
        String json = ConfigLoader.toJson(ConfigLoader.parse(minimalWith(""), dir));
        assertFalse(json.contains("debug-exit") || json.contains("serial"), json);
    }

    /** The CLI runs this on its warm-up thread; it must keep binding as the config records change. */
    @Test
    void warmUpBindsItsBuiltInConfig() {
        assertDoesNotThrow(ConfigLoader::warmUp);
    }
}
