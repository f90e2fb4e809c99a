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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kvmj command as a user runs it: a separate process, exit statuses, and one-line errors. */
class CliTest {
    @TempDir
    static Path dir;
    static Path hello;

    @BeforeAll
    static void setUp() {
        hello = Environment.guest("hello");
    }

    @Test
    void bundledExampleBootsAndEndsCleanly() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", Environment.EXAMPLES.resolve("hello.json").toString());
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.serial().contains("Hello from the kvmj test guest!"), run.toString());
        assertTrue(run.serial().contains("greeting=hello"), "command line from the config reaches the guest");
    }

    /**
     * The launcher's JVM options and class-data archive, as ./kvmj uses them (trained by one run, used by the
     * next): stdout carries the guest's console and nothing else, so no JVM message may land there.
     */
    @Test
    void launcherJvmOptionsLeaveStdoutToTheGuest() throws Exception {
        Environment.requireKvm();
        List<String> options = List.of(Files.readString(Environment.JAVA_OPTIONS).trim().split("\\s+"));
        Path archive = dir.resolve("kvmj.jsa");
        String config = Environment.EXAMPLES.resolve("hello.json").toString();
        for (String archiveOption : List.of("-XX:ArchiveClassesAtExit=" + archive, "-XX:SharedArchiveFile=" + archive)) {
            List<String> command = new ArrayList<>(List.of(Environment.java()));
            command.addAll(options);
            command.addAll(List.of(archiveOption, "-jar", Environment.CLI_JAR.toString(), "run", config));
            GuestRun run = Processes.run(command, Duration.ofSeconds(60));
            assertEquals(0, run.status(), run.toString());
            assertTrue(run.serial().startsWith("kvmj-guest hello start"), "stdout starts with the guest: " + run);
            assertFalse(run.stderr().contains("[error]"), "the archive is accepted: " + run);
            assertTrue(Files.size(archive) > 0, archiveOption);
        }
    }

    @Test
    void runFromFlagsReportsTheDebugExitStatus() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", "--kernel", hello.toString(), "--cmdline", "exit=5", "--mem", "64M",
                "--debug-exit");
        assertEquals(GuestRun.debugExitStatus(5), run.status(), run.toString());
        GuestRun otherPort = Kvmj.cli("run", "--kernel", hello.toString(), "--debug-exit=0x501");
        assertEquals(0, otherPort.status(), "the guest's write to 0xf4 hits nothing, so it resets: " + otherPort);
    }

    @Test
    void configWithDebugExitAndSerialToFile() throws Exception {
        Environment.requireKvm();
        Path log = dir.resolve("serial.log");
        Path config = Files.writeString(dir.resolve("debug.json"), """
                {"boot-source": {"kernel_image_path": "%s", "boot_args": "exit=3"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 64},
                 "debug-exit": {"iobase": "0xf4"},
                 "serial": {"output": "%s", "input": "none"}}
                """.formatted(hello, log));
        GuestRun run = Kvmj.cli("run", "--config", config.toString());
        assertEquals(GuestRun.debugExitStatus(3), run.status(), run.toString());
        assertEquals("", run.serial(), "serial went to the file, not stdout");
        assertTrue(Files.readString(log).contains("Hello from the kvmj test guest!"));
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

    @Test
    void debugExitPortThatOverlapsCom1IsAUsageError() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", "--kernel", hello.toString(), "--debug-exit=0x3f8");
        assertEquals(2, run.status(), run.toString());
        assertTrue(run.stderr().contains("overlaps"), run.stderr());
    }

    @Test
    void ctrlCStopsARunningGuestPromptlyWithStatus130() throws Exception {
        Environment.requireKvm();
        Process p = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", "--kernel", Environment.guest("exits").toString(),
                "--cmdline", "count=100000000 mmio=0", "--debug-exit")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.contains("start"));
            assertTrue(line != null, "guest started");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "stops within 10 s of SIGINT");
            assertEquals(130, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
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
