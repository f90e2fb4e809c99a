package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.withBoot;
import static io.kvmj.config.ConfigAssertions.withMachine;
import static io.kvmj.config.ConfigAssertions.minimalWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Right shape, wrong values: ranges, unsupported features, files, boot arguments. */
class ConfigValueErrorTest {
    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    @Test
    void memoryZero() {
        assertError(withMachine("\"vcpu_count\": 1, \"mem_size_mib\": 0"), dir, "machine-config.mem_size_mib",
                "must be at least 1 (got 0)");
    }

    @Test
    void memoryAboveOneTiB() {
        assertError(withMachine("\"vcpu_count\": 1, \"mem_size_mib\": 1048577"), dir, "machine-config.mem_size_mib",
                "must be at most 1048576 (1 TiB) (got 1048577)");
    }

    @Test
    void zeroVcpus() {
        assertError(withMachine("\"vcpu_count\": 0, \"mem_size_mib\": 128"), dir, "machine-config.vcpu_count",
                "must be at least 1 (got 0)");
    }

    @Test
    void negativeVcpus() {
        assertError(withMachine("\"vcpu_count\": -1, \"mem_size_mib\": 128"), dir, "machine-config.vcpu_count",
                "must be at least 1 (got -1)");
    }

    @Test
    void tooManyVcpus() {
        assertError(withMachine("\"vcpu_count\": 33, \"mem_size_mib\": 128"), dir, "machine-config.vcpu_count",
                "must be at most 32 (got 33)");
    }

    @Test
    void oddVcpuCountWithSmt() {
        assertError(withMachine("\"vcpu_count\": 3, \"mem_size_mib\": 128, \"smt\": true"), dir,
                "machine-config.vcpu_count",
                "must be 1 or an even number when machine-config.smt is true (two threads per core; got 3)");
    }

    @Test
    void onResetUnknownAction() {
        assertError(ConfigAssertions.minimalWith(", \"on-reset\": \"reboot\""), dir, "on-reset",
                "must be \"exit\" or \"restart\" (got \"reboot\")");
    }

    @Test
    void kernelNotFoundShowsResolution() {
        String msg = assertError(withBoot("\"kernel_image_path\": \"y\""), dir, "boot-source.kernel_image_path",
                "file not found: ");
        org.junit.jupiter.api.Assertions.assertEquals("boot-source.kernel_image_path: file not found: "
                + dir.toAbsolutePath().normalize().resolve("y") + " (resolved from \"y\")", msg);
    }

    @Test
    void kernelIsADirectory() throws IOException {
        Files.createDirectory(dir.resolve("kdir"));
        assertError(withBoot("\"kernel_image_path\": \"kdir\""), dir, "boot-source.kernel_image_path",
                "is a directory");
    }

    @Test
    void kernelIsEmpty() throws IOException {
        Files.createFile(dir.resolve("empty"));
        assertError(withBoot("\"kernel_image_path\": \"empty\""), dir, "boot-source.kernel_image_path",
                "file is empty");
    }

    @Test
    void kernelPathEmptyString() {
        assertError(withBoot("\"kernel_image_path\": \"\""), dir, "boot-source.kernel_image_path",
                "must not be empty");
    }

    @Test
    void kernelPathWithNulCharacter() {
        assertError(withBoot("\"kernel_image_path\": \"a\\u0000b\""), dir, "boot-source.kernel_image_path",
                "invalid path");
    }

    @Test
    void initrdNotFound() {
        assertError(withBoot("\"kernel_image_path\": \"vmlinux\", \"initrd_path\": \"/nonexistent/initrd\""), dir,
                "boot-source.initrd_path", "file not found: /nonexistent/initrd");
    }

    @Test
    void bootArgsTooLong() {
        String args = "a".repeat(ConfigLimits.MAX_BOOT_ARGS_BYTES + 1);
        assertError(withBoot("\"kernel_image_path\": \"vmlinux\", \"boot_args\": \"" + args + "\""), dir,
                "boot-source.boot_args", "too long: 4096 bytes (at most 4095");
    }

    @Test
    void bootArgsNonPrintable() {
        assertError(withBoot("\"kernel_image_path\": \"vmlinux\", \"boot_args\": \"console=ttyS0\\npanic=1\""), dir,
                "boot-source.boot_args", "found U+000A at index 13");
    }

    @Test
    void bootArgsNonAscii() {
        assertError(withBoot("\"kernel_image_path\": \"vmlinux\", \"boot_args\": \"root=/dev/vd\u00e9\""), dir,
                "boot-source.boot_args", "only printable ASCII");
    }

    @Test
    void debugExitPortOutOfRange() {
        assertError(minimalWith(", \"debug-exit\": {\"iobase\": 65536}"), dir, "debug-exit.iobase",
                "must be an I/O port between 0 and 0xffff (got 65536)");
    }

    @Test
    void debugExitNegativePort() {
        assertError(minimalWith(", \"debug-exit\": {\"iobase\": -1}"), dir, "debug-exit.iobase", "(got -1)");
    }

    @Test
    void debugExitHugePort() {
        assertError(minimalWith(", \"debug-exit\": {\"iobase\": \"0xffffffffff\"}"), dir, "debug-exit.iobase",
                "out of range");
    }

    @Test
    void serialOutputDirectoryMissing() {
        assertError(minimalWith(", \"serial\": {\"output\": \"logs/console.log\"}"), dir, "serial.output",
                "directory does not exist: " + dir.toAbsolutePath().normalize().resolve("logs"));
    }

    @Test
    void serialOutputIsADirectory() {
        assertError(minimalWith(", \"serial\": {\"output\": \".\"}"), dir, "serial.output", "is a directory");
    }
}
