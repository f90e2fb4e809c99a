package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kvmj ctl} driving a guest through the API of {@code kvmj run --api-sock}: started, paused and resumed,
 * with {@code GET /} following. The pause guest spins its vCPU without exits, so the kvmj process burns CPU time
 * while the guest runs and next to none while it is paused: that tells a real pause from a state word.
 */
@Tag("kvm")
class ApiPauseTest {
    /** How long CPU time is watched; the nested machine has one CPU, shared with this JVM. */
    private static final Duration WINDOW = Duration.ofSeconds(2);
    private static final int API_FAULT = 8;
    private static final int API_UNREACHABLE = 10;

    @TempDir
    Path dir;

    @Test
    void ctlStartsPausesAndResumesAGuest() throws Exception {
        Environment.requireKvm();
        Environment.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl (apt-get install curl)");
        Path socket = dir.resolve("api.sock");
        // niced: the spinning guest would otherwise slow every kvmj ctl JVM down several times over where there
        // is one CPU (the nested machine); it still has the CPU whenever nothing else wants it
        Process kvmj = new ProcessBuilder("nice", "-n", "19", Environment.java(),
                "--enable-native-access=ALL-UNNAMED", "-jar", Environment.CLI_JAR.toString(), "run", "--api-sock",
                socket.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(dir.resolve("serial").toFile())
                .redirectError(dir.resolve("stderr").toFile()).start();
        try {
            // the first JVM of a nested run reads its jars cold, through virtio-fs: a minute is not always enough
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (!Files.exists(socket) && System.nanoTime() < deadline && kvmj.isAlive()) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(socket), "the API socket appears: " + Files.readString(dir.resolve("stderr")));
            assertEquals("Not started", state(socket));
            assertEquals(new GuestRun(API_FAULT, "", "kvmj ctl: The requested operation is not supported before "
                    + "starting the microVM.\n"), ctl(socket, "pause"));

            Processes.Output put = Processes.capture(new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w",
                    "%{http_code}", "--unix-socket", socket.toString(), "-X", "PUT", "http://localhost/boot-source",
                    "-d", "{\"kernel_image_path\": \"" + Environment.guest("pause") + "\", \"boot_args\": \"x\"}"),
                    Duration.ofSeconds(30));
            assertEquals("204", new String(put.stdout(), StandardCharsets.UTF_8));
            assertTrue(ctl(socket, "config").serial().contains("\"kernel_image_path\""));
            assertEquals(new GuestRun(0, "", ""), ctl(socket, "start"));
            awaitSerial("pause: counter at 0x");
            assertEquals("Running", state(socket));
            long started = cpuTimeOver(kvmj);
            assertTrue(started > WINDOW.toMillis() / 4, "the guest spins: " + started + " ms");

            assertEquals(new GuestRun(0, "", ""), ctl(socket, "pause"));
            assertEquals("Paused", state(socket));
            long paused = cpuTimeOver(kvmj);
            assertTrue(paused < WINDOW.toMillis() / 10, "a paused guest burns no CPU: " + paused + " ms");
            assertEquals(new GuestRun(0, "", ""), ctl(socket, "pause"), "pausing again changes nothing");

            assertEquals(new GuestRun(0, "", ""), ctl(socket, "resume"));
            assertEquals("Running", state(socket));
            long running = cpuTimeOver(kvmj);
            assertTrue(running > WINDOW.toMillis() / 4, "the resumed guest spins again: " + running + " ms");

            kvmj.destroy(); // SIGTERM: the guest never ends by itself
            assertTrue(kvmj.waitFor(60, TimeUnit.SECONDS));
            assertEquals(128 + 15, kvmj.exitValue(), "SIGTERM's status: " + Files.readString(dir.resolve("stderr")));
            assertFalse(Files.exists(socket), "kvmj removes its API socket when it ends");
            GuestRun gone = ctl(socket, "info");
            assertEquals(API_UNREACHABLE, gone.status());
            assertEquals("kvmj ctl: cannot reach the API: " + socket + ": no such file\n", gone.stderr());
        } finally {
            kvmj.destroyForcibly();
        }
    }

    /** The milliseconds of CPU time the kvmj process spends over {@link #WINDOW}. */
    private static long cpuTimeOver(Process kvmj) throws InterruptedException {
        long before = cpuMillis(kvmj);
        Thread.sleep(WINDOW.toMillis());
        return cpuMillis(kvmj) - before;
    }

    private static long cpuMillis(Process p) {
        return p.toHandle().info().totalCpuDuration().orElseThrow().toMillis();
    }

    private void awaitSerial(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(dir.resolve("serial")).contains(text)) {
            assertTrue(System.nanoTime() < deadline, "the guest prints '" + text + "': "
                    + Files.readString(dir.resolve("serial")) + Files.readString(dir.resolve("stderr")));
            Thread.sleep(100);
        }
    }

    /** GET / through {@code kvmj ctl info}: the instance's state. */
    private static String state(Path socket) throws Exception {
        GuestRun info = ctl(socket, "info");
        assertEquals(0, info.status(), info.toString());
        return info.serial().replaceAll("(?s).*\"state\":\"([^\"]*)\".*", "$1");
    }

    /** {@code kvmj ctl SOCKET COMMAND}: its status, stdout (as {@code serial}) and stderr. */
    private static GuestRun ctl(Path socket, String command) throws Exception {
        return Kvmj.cli(List.of("ctl", socket.toString(), command).toArray(String[]::new));
    }
}
