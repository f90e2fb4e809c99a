package io.kvmj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The kvmj command's answers that need no KVM: usage errors, bad config files and bad kernels get status 2
 * and one line on stderr before any VM exists (so also on a host without /dev/kvm); help and version.
 */
class CliUsageTest {
    @TempDir
    static Path dir;
    static Path hello;

    @BeforeAll
    static void setUp() {
        hello = Environment.guest("hello");
    }

    static Stream<Arguments> badInvocations() throws IOException {
        Path notElf = Files.writeString(dir.resolve("not-a-kernel"), "just text, not an ELF file\n".repeat(10));
        Path config = dir.resolve("c.json");
        return Stream.of(
                Arguments.of(new String[] {"run"}, "--config FILE"),
                Arguments.of(new String[] {"run", "--kernel", "/nonexistent/vmlinux"}, "file not found"),
                Arguments.of(new String[] {"run", "--kernel", notElf.toString()}, "not a kernel: neither an ELF vmlinux nor a bzImage"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--mem", "0"}, "memory size"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--mem", "lots"}, "memory size"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--cpus", "0"}, "vcpu_count"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--cpus", "two"}, "--cpus"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--debug-exit=port"}, "--debug-exit"),
                Arguments.of(new String[] {"run", "--kernel", hello.toString(), "--bogus"}, "--bogus"),
                Arguments.of(new String[] {"run", "--config", config.toString(), "--cpus", "2"}, "cannot be combined"),
                Arguments.of(new String[] {"run", "--config", "/nonexistent.json"}, "/nonexistent.json"),
                Arguments.of(new String[] {"run", "/nonexistent.json"}, "/nonexistent.json"),
                Arguments.of(new String[] {"run", "a.json", "--config", "b.json"}, "either CONFIG or --config"),
                Arguments.of(new String[] {"frobnicate"}, "frobnicate"));
    }

    @ParameterizedTest
    @MethodSource("badInvocations")
    void badFlagsGiveUsageStatusAndAClearMessage(String[] args, String expected) throws Exception {
        GuestRun run = Kvmj.cli(args);
        assertEquals(2, run.status(), run.toString());
        assertTrue(run.stderr().contains(expected), "stderr should mention '" + expected + "': " + run.stderr());
        assertFalse(run.stderr().contains("Exception"), "no stack trace: " + run.stderr());
    }

    static Stream<Arguments> badConfigs() {
        String kernel = "\"kernel_image_path\": \"" + (hello == null ? "x" : hello) + "\"";
        return Stream.of(
                Arguments.of("{", "malformed JSON"),
                Arguments.of("{\"boot-source\": {" + kernel + "}}", "machine-config"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 1, "
                        + "\"mem_size_mib\": 0}}", "machine-config.mem_size_mib"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": \"1\", "
                        + "\"mem_size_mib\": 64}}", "machine-config.vcpu_count"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 3, "
                        + "\"mem_size_mib\": 64, \"smt\": true}}", "machine-config.vcpu_count: must be 1 or an even"
                        + " number when machine-config.smt is true"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpus\": 1, "
                        + "\"mem_size_mib\": 64}}", "unknown key \"vcpus\""),
                Arguments.of("{\"boot-source\": {\"kernel_image_path\": \"missing.elf\"}, \"machine-config\": "
                        + "{\"vcpu_count\": 1, \"mem_size_mib\": 64}}", "boot-source.kernel_image_path"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 1, "
                        + "\"mem_size_mib\": 64}, \"debug-exit\": {\"iobase\": 70000}}", "debug-exit.iobase"),
                Arguments.of("{\"boot-source\": {" + kernel + "}, \"machine-config\": {\"vcpu_count\": 1, "
                        + "\"mem_size_mib\": 64}, \"drives\": [{\"drive_id\": \"root\"}]}", "drives"));
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void badConfigFilesFailRunAndValidateWithOneLine(String json, String expected) throws Exception {
        Path config = Files.writeString(Files.createTempFile(dir, "bad", ".json"), json);
        for (String command : new String[] {"run", "validate"}) {
            GuestRun run = command.equals("run") ? Kvmj.cli("run", "--config", config.toString())
                    : Kvmj.cli("validate", config.toString());
            assertEquals(2, run.status(), command + ": " + run);
            String err = run.stderr().strip();
            assertTrue(err.contains(expected), command + " should mention '" + expected + "': " + err);
            assertEquals(1, err.lines().count(), "one line: " + err);
        }
    }

    /** The README's first command on a host without KVM: one line saying so, and where to get one. */
    @Test
    void withoutKvmRunSaysSoInOneLineAndHowToGetOne() throws Exception {
        assumeFalse(Files.exists(Environment.KVM), "this host has " + Environment.KVM);
        GuestRun run = Kvmj.cli("run", Environment.EXAMPLES.resolve("hello.json").toString());
        assertEquals(4, run.status(), run.toString());
        String err = run.stderr().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains("/dev/kvm does not exist") && err.contains("nested virtualization")
                && err.contains("scripts/nested-kvm.sh"), err);
    }

    @Test
    void validateAcceptsTheExample() throws Exception {
        GuestRun run = Kvmj.cli("validate", Environment.EXAMPLES.resolve("hello.json").toString());
        assertEquals(0, run.status(), run.toString());
    }

    @Test
    void versionAndHelp() throws Exception {
        assertTrue(Kvmj.cli("--version").serial().startsWith("kvmj "));
        GuestRun help = Kvmj.cli("run", "--help");
        assertEquals(0, help.status());
        assertTrue(help.serial().contains("--debug-exit"));
    }
}
