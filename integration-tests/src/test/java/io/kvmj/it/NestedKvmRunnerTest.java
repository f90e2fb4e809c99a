package io.kvmj.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/nested-kvm.sh, the machine with a real /dev/kvm that the KVM tests run in on hosts without one. It
 * runs on any host (QEMU's emulator needs no KVM), so these tests run on the host; each boot takes seconds.
 */
class NestedKvmRunnerTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "nested-kvm.sh").toAbsolutePath().normalize();

    /** A cache of its own, so the processes of this test's runs can be told from any other run's. */
    @TempDir
    Path cache;

    private ProcessBuilder runner(Path cwd, Map<String, String> env, String... args) {
        Environment.qemu();
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().put("KVMJ_CACHE", cache.toString());
        pb.environment().putAll(env);
        return pb;
    }

    private GuestRun run(Path cwd, Map<String, String> env, String... args) throws Exception {
        return Processes.run(runner(cwd, env, args), Duration.ofMinutes(5));
    }

    /** Processes whose command line names this test's cache: QEMU, virtiofsd, tails. */
    private List<String> strays() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains(cache.toString()) && !cmdline.contains(SCRIPT.toString())) {
                        found.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
        return found;
    }

    @Test
    void commandRunsWithKvmInTheCallersDirectoryAndEnvironmentAndReportsItsStatusAndOutput(@TempDir Path cwd)
            throws Exception {
        Files.writeString(cwd.resolve("input.txt"), "from the host\n");
        GuestRun run = run(cwd, Map.of("KVMJ_PROBE", "a value with spaces"), "--", "sh", "-c",
                "cat input.txt; test -c /dev/kvm && echo kvm-present; echo \"probe=$KVMJ_PROBE\"; pwd; "
                        + "echo to-stderr >&2; echo written > output.txt; exit 7");
        assertEquals(7, run.status(), run.toString());
        assertEquals("from the host\nkvm-present\nprobe=a value with spaces\n" + cwd.toRealPath() + "\n",
                run.serial(), run.toString());
        assertTrue(run.stderr().contains("to-stderr"), run.toString());
        assertEquals("written\n", Files.readString(cwd.resolve("output.txt")), "the machine writes the host's files");
        assertEquals(List.of(), strays(), "nothing left running");
    }

    @Test
    void commandThatOutlivesTheTimeoutIsStoppedWith124AndNothingIsLeftRunning(@TempDir Path cwd) throws Exception {
        long start = System.nanoTime();
        GuestRun run = run(cwd, Map.of(), "--timeout", "20", "--", "sleep", "600");
        assertEquals(124, run.status(), run.toString());
        assertTrue(run.stderr().contains("did not finish within 20 s"), run.toString());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 120, "stopped promptly");
        assertEquals(List.of(), strays(), "no QEMU or virtiofsd left");
    }

    @Test
    void terminatedRunnerTakesTheMachineWithIt(@TempDir Path cwd) throws Exception {
        Process p = runner(cwd, Map.of(), "--", "sh", "-c", "echo started; sleep 600")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var out = p.getInputStream()) {
            byte[] first = out.readNBytes("started\n".length());
            assertEquals("started\n", new String(first, StandardCharsets.UTF_8));
            assertTrue(strays().stream().anyMatch(s -> s.contains("qemu-system-x86_64")), "the check sees QEMU");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the runner ends on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), strays(), "no QEMU or virtiofsd left");
    }

    @Test
    void missingQemuAndBadOptionsAreOneClearLineWithStatus125(@TempDir Path cwd) throws Exception {
        GuestRun noQemu = run(cwd, Map.of("KVMJ_QEMU", "/nonexistent/qemu-system-x86_64"), "true");
        assertEquals(125, noQemu.status(), noQemu.toString());
        assertTrue(noQemu.stderr().contains("qemu-system-x86_64 is missing"), noQemu.toString());
        GuestRun badTimeout = run(cwd, Map.of(), "--timeout", "soon", "true");
        assertEquals(125, badTimeout.status(), badTimeout.toString());
        assertTrue(badTimeout.stderr().contains("not a positive number: soon"), badTimeout.toString());
        GuestRun noValue = run(cwd, Map.of(), "--timeout");
        assertEquals(125, noValue.status(), noValue.toString());
        assertTrue(noValue.stderr().contains("--timeout needs a value"), noValue.toString());
        GuestRun noCommand = run(cwd, Map.of());
        assertEquals(125, noCommand.status(), noCommand.toString());
        assertTrue(noCommand.stderr().contains("usage: scripts/nested-kvm.sh [--timeout SECONDS]")
                && noCommand.stderr().contains("no command given"), noCommand.toString());
        GuestRun help = run(cwd, Map.of(), "--help");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.serial().startsWith("usage: scripts/nested-kvm.sh"), help.toString());
    }
}
