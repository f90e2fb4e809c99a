package io.kvmj.it.linux;

import io.kvmj.config.ConfigLoader;
import io.kvmj.config.DriveConfig;
import io.kvmj.config.VmConfig;
import io.kvmj.config.VsockConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config file the kit writes reads back, through kvmj's own strict loader, as the machine it describes. */
class FirecrackerConfigTest {
    @TempDir
    Path dir;

    @Test
    void configLoadsAsTheMachineWithDrivesEntropyAndStdinConsole() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinuz-6.1.0-test"), "k");
        Path initrd = Files.writeString(dir.resolve("initrd \"quoted\".gz"), "i");
        Path root = Files.writeString(dir.resolve("root.ext4"), "r");
        Path data = Files.writeString(dir.resolve("data.img"), "d");
        Initramfs unused = new Initramfs(kernel, dir, "6.1.0-test", List.of(), "true\n", JobEnd.POWER_OFF);
        LinuxMachine machine = LinuxMachine.of(kernel, unused).withCpus(2).withSmt(true).withMemory(384)
                .withCmdline("console=ttyS0 quiet x=\"y\"")
                .withDrive(Drive.of("data", data).readOnlyDrive().withSerial("data-serial"))
                .withDrive(Drive.of("rootfs", root).asRoot())
                .withEntropy()
                .withVsock(new LinuxMachine.Vsock(7, dir.resolve("v.sock")));

        VmConfig config = ConfigLoader.parse(FirecrackerConfig.json(machine, initrd, true), dir);

        assertEquals(kernel, config.bootSource().kernelImagePath());
        assertEquals(initrd, config.bootSource().initrdPath());
        assertEquals("console=ttyS0 quiet x=\"y\"", config.bootSource().bootArgs());
        assertEquals(2, config.machine().vcpuCount());
        assertTrue(config.machine().smt());
        assertEquals(384, config.machine().memSizeMib());
        List<DriveConfig> drives = config.drives();
        assertEquals(List.of("data", "rootfs"), drives.stream().map(DriveConfig::driveId).toList());
        assertTrue(drives.get(0).readOnly());
        assertFalse(drives.get(0).rootDevice());
        assertEquals("data-serial", drives.get(0).serial());
        assertEquals(data, drives.get(0).path());
        assertTrue(drives.get(1).rootDevice());
        assertFalse(drives.get(1).readOnly());
        assertEquals("rootfs", drives.get(1).serial());
        assertNotNull(config.entropy());
        assertEquals(new VsockConfig(null, 7, dir.resolve("v.sock")), config.vsock());
        assertTrue(config.acpi(), "ACPI on: the devices are found through the DSDT");
        assertTrue(config.serial().stdinInput());
    }

    @Test
    void withoutInputOrDevicesTheConsoleLeavesStdinAlone() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinux"), "k");
        Initramfs unused = new Initramfs(kernel, dir, "v", List.of(), "true\n", JobEnd.POWER_OFF);

        VmConfig config = ConfigLoader.parse(FirecrackerConfig.json(LinuxMachine.of(kernel, unused), kernel, false), dir);

        assertFalse(config.serial().stdinInput());
        assertFalse(config.machine().smt());
        assertNull(config.entropy());
        assertEquals(List.of(), config.drives());
        assertEquals(LinuxMachine.DEFAULT_CMDLINE, config.bootSource().bootArgs());
    }

    @Test
    void jsonStringsEscapeQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\\u000ad\"", FirecrackerConfig.string("a\"b\\c\nd"));
    }
}
