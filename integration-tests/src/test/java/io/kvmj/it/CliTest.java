package io.kvmj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kvmj command running guests as a user runs it: a separate process, exit statuses, one-line errors. */
@Tag("kvm")
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
}
