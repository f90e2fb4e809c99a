package io.kvmj.config;

import static io.kvmj.config.ConfigAssertions.MINIMAL_BOOT;
import static io.kvmj.config.ConfigAssertions.MINIMAL_MACHINE;
import static io.kvmj.config.ConfigAssertions.assertError;
import static io.kvmj.config.ConfigAssertions.createKernel;
import static io.kvmj.config.ConfigAssertions.withBoot;
import static io.kvmj.config.ConfigAssertions.withMachine;
import static io.kvmj.config.ConfigAssertions.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Well-formed JSON with the wrong shape: unknown keys, wrong types, nulls, missing keys. */
class ConfigSchemaErrorTest {
    @TempDir
    Path dir;

    @BeforeEach
    void kernel() throws IOException {
        createKernel(dir);
    }

    @Test
    void unknownKeyInMachineConfigListsKnownKeys() {
        String msg = assertError(withMachine("\"vcpus\": 2, \"mem_size_mib\": 128"), dir, "machine-config",
                "unknown key \"vcpus\"");
        assertEquals("machine-config: unknown key \"vcpus\" (known: vcpu_count, mem_size_mib, smt,"
                + " track_dirty_pages, cpu_template, huge_pages, gdb_socket_path)", msg);
    }

    @Test
    void unknownTopLevelKey() {
        assertError(minimalWith(", \"machine_config\": {}"), dir, "top level",
                "unknown key \"machine_config\" (known: boot-source, machine-config, debug-exit, serial, drives");
    }

    @Test
    void unknownKeyInBootSource() {
        assertError(withBoot("\"kernel_image_path\": \"vmlinux\", \"kernel\": \"x\""), dir, "boot-source",
                "unknown key \"kernel\"");
    }

    @Test
    void unknownKeyInDebugExit() {
        assertError(minimalWith(", \"debug-exit\": {\"port\": 244}"), dir, "debug-exit", "unknown key \"port\"");
    }

    @Test
    void unknownKeyInSerial() {
        assertError(minimalWith(", \"serial\": {\"out\": \"none\"}"), dir, "serial", "unknown key \"out\"");
    }

    @Test
    void misspeltRequiredSectionIsReportedAsUnknownKey() {
        assertError("{" + MINIMAL_BOOT + ", \"machine_config\": {}}", dir, "top level",
                "unknown key \"machine_config\"");
    }

    @Test
    void badValueIsReportedBeforeAnEarlierUnknownKey() {
        assertError(withBoot("\"kernel\": \"x\", \"kernel_image_path\": 42"), dir, "boot-source.kernel_image_path",
                "expected a string, got integer 42");
    }

    @Test
    void stringForSection() {
        assertError("{\"boot-source\": \"vmlinux\", " + MINIMAL_MACHINE + "}", dir, "boot-source",
                "expected an object, got string \"vmlinux\"");
    }

    @Test
    void stringForInt() {
        assertError(withMachine("\"vcpu_count\": \"2\", \"mem_size_mib\": 128"), dir, "machine-config.vcpu_count",
                "expected an integer, got string \"2\"");
    }

    @Test
    void floatForInt() {
        assertError(withMachine("\"vcpu_count\": 1, \"mem_size_mib\": 128.5"), dir, "machine-config.mem_size_mib",
                "expected an integer, got float 128.5");
    }

    @Test
    void wholeFloatForIntIsStillAFloat() {
        assertError(withMachine("\"vcpu_count\": 2.0, \"mem_size_mib\": 128"), dir, "machine-config.vcpu_count",
                "expected an integer, got float 2.0");
    }

    @Test
    void integerTooLargeForInt() {
        assertError(withMachine("\"vcpu_count\": 4294967297, \"mem_size_mib\": 128"), dir,
                "machine-config.vcpu_count", "out of range");
    }

    @Test
    void integerTooLargeForLong() {
        assertError(withMachine("\"vcpu_count\": 1, \"mem_size_mib\": 100000000000000000000"), dir,
                "machine-config.mem_size_mib", "out of range");
    }

    @Test
    void intForBoolean() {
        assertError(withMachine("\"vcpu_count\": 1, \"mem_size_mib\": 128, \"smt\": 1"), dir, "machine-config.smt",
                "expected a boolean (true or false), got integer 1");
    }

    @Test
    void stringForBoolean() {
        assertError(withMachine("\"vcpu_count\": 1, \"mem_size_mib\": 128, \"track_dirty_pages\": \"true\""), dir,
                "machine-config.track_dirty_pages", "expected a boolean");
    }

    @Test
    void intForString() {
        assertError(withBoot("\"kernel_image_path\": 42"), dir, "boot-source.kernel_image_path",
                "expected a string, got integer 42");
    }

    @Test
    void arrayForSection() {
        assertError("{" + MINIMAL_BOOT + ", \"machine-config\": []}", dir, "machine-config",
                "expected an object, got array");
    }

    @Test
    void nullForRequiredInt() {
        assertError(withMachine("\"vcpu_count\": null, \"mem_size_mib\": 128"), dir, "machine-config.vcpu_count",
                "must not be null");
    }

    @Test
    void nullForRequiredString() {
        assertError(withBoot("\"kernel_image_path\": null"), dir, "boot-source.kernel_image_path",
                "must not be null");
    }

    @Test
    void nullForRequiredSection() {
        assertError("{\"boot-source\": null, " + MINIMAL_MACHINE + "}", dir, "boot-source", "must not be null");
    }

    @Test
    void missingRequiredInt() {
        assertError(withMachine("\"vcpu_count\": 1"), dir, "machine-config.mem_size_mib", "required key missing");
    }

    @Test
    void missingRequiredString() {
        assertError(withBoot("\"boot_args\": \"console=ttyS0\""), dir, "boot-source.kernel_image_path",
                "required key missing");
    }

    @Test
    void missingRequiredSection() {
        assertError("{" + MINIMAL_MACHINE + "}", dir, "boot-source", "required key missing");
    }

    @Test
    void debugExitIobaseWrongType() {
        assertError(minimalWith(", \"debug-exit\": {\"iobase\": true}"), dir, "debug-exit.iobase",
                "expected an integer or a string like \"0xf4\", got boolean true");
    }

    @Test
    void debugExitIobaseBadString() {
        assertError(minimalWith(", \"debug-exit\": {\"iobase\": \"0xzz\"}"), dir, "debug-exit.iobase",
                "expected an I/O port");
    }

    @Test
    void serialInputUnknownMode() {
        assertError(minimalWith(", \"serial\": {\"input\": \"tty\"}"), dir, "serial.input",
                "expected \"stdin\" or \"none\", got \"tty\"");
    }
}
