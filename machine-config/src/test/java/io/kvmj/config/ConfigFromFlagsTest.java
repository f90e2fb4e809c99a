package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertErrorFrom;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs from CLI flags get the same checks (and key names) as config files. */
class ConfigFromFlagsTest {
    @TempDir
    Path dir;

    Path kernel;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
        kernel = dir.resolve("vmlinux");
    }

    @Test
    void validFlags() throws Exception {
        VmConfig config = ConfigLoader.fromFlags(kernel, null, "console=ttyS0", 256, 2, 0xf4, true);
        assertEquals(new BootSource(kernel.toAbsolutePath().normalize(), "console=ttyS0", null), config.bootSource());
        assertEquals(new MachineSpec(2, 256, false, false), config.machine());
        assertEquals(new DebugExit(0xf4), config.debugExit());
        assertEquals(SerialConfig.defaults(), config.serial());
        assertEquals(java.util.List.of(), config.drives());
        assertNull(config.entropy());
    }

    @Test
    void nullCmdlineAndNoDebugExit() throws Exception {
        VmConfig config = ConfigLoader.fromFlags(kernel, dir.resolve("initrd.img"), null, 64, 1, null, true);
        assertEquals("", config.bootSource().bootArgs());
        assertNull(config.debugExit());
    }

    @Test
    void relativeKernelResolvesAgainstCurrentDir() {
        Path relative = Path.of("no-such-kernel-" + System.nanoTime());
        assertErrorFrom(() -> ConfigLoader.fromFlags(relative, null, null, 64, 1, null, true),
                "boot-source.kernel_image_path: ", "file not found: "
                        + Path.of("").toAbsolutePath().resolve(relative) + " (resolved from");
    }

    @Test
    void missingKernel() {
        assertErrorFrom(() -> ConfigLoader.fromFlags(null, null, null, 64, 1, null, true),
                "boot-source.kernel_image_path: ", "required key missing");
    }

    @Test
    void zeroMemory() {
        assertErrorFrom(() -> ConfigLoader.fromFlags(kernel, null, null, 0, 1, null, true),
                "machine-config.mem_size_mib: ", "must be at least 1 (got 0)");
    }

    @Test
    void tooManyCpus() {
        assertErrorFrom(() -> ConfigLoader.fromFlags(kernel, null, null, 64, 64, null, true),
                "machine-config.vcpu_count: ", "must be at most 32");
    }

    @Test
    void debugExitPortOutOfRange() {
        assertErrorFrom(() -> ConfigLoader.fromFlags(kernel, null, null, 64, 1, 0x10000, true),
                "debug-exit.iobase: ", "between 0 and 0xffff");
    }

    @Test
    void validateRelativeToGivenDir() throws Exception {
        VmConfig raw = new VmConfig(new BootSource(Path.of("vmlinux"), null, null), new MachineSpec(1, 1, false, false),
                null, null, null, null, true, null);
        VmConfig config = ConfigLoader.validate(raw, dir);
        assertEquals(dir.toAbsolutePath().normalize().resolve("vmlinux"), config.bootSource().kernelImagePath());
        assertEquals("", config.bootSource().bootArgs());
        assertEquals(SerialConfig.defaults(), config.serial());
    }
}
