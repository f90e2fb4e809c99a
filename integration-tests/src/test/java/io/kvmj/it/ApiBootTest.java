package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API as a Firecracker user drives it: {@code kvmj run --api-sock}, then curl over the Unix socket with
 * Firecracker's getting-started requests (boot source, machine config, InstanceStart), and the guest boots.
 */
@Tag("kvm")
class ApiBootTest {
    @TempDir
    Path dir;

    @Test
    void curlConfiguresAndStartsAVm() throws Exception {
        Environment.requireKvm();
        Environment.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl (apt-get install curl)");
        Path socket = dir.resolve("api.sock");
        Process kvmj = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", "--api-sock", socket.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(dir.resolve("stderr").toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.exists(socket) && System.nanoTime() < deadline && kvmj.isAlive()) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(socket), "the API socket appears: " + Files.readString(dir.resolve("stderr")));
            assertEquals("204", curl(socket, "PUT", "/boot-source", """
                    {"kernel_image_path": "%s", "boot_args": "console=ttyS0 greeting=api"}"""
                    .formatted(Environment.guest("hello"))));
            assertEquals("204", curl(socket, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128}"));
            assertEquals("400", curl(socket, "PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 128}"),
                    "a bad body is refused and changes nothing");
            assertEquals("204", curl(socket, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}"));
            assertTrue(kvmj.waitFor(60, TimeUnit.SECONDS), "the guest runs to its end");
            String serial = new String(kvmj.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, kvmj.exitValue(), serial + Files.readString(dir.resolve("stderr")));
            assertTrue(serial.contains("Hello from the kvmj test guest!"), serial);
            assertTrue(serial.contains("greeting=api"), "the boot source's command line reaches the guest: " + serial);
            assertFalse(Files.exists(socket), "kvmj removes its API socket when it ends");
        } finally {
            kvmj.destroyForcibly();
        }
    }

    /** Sends one request with curl over the socket; returns the HTTP status. */
    private static String curl(Path socket, String method, String path, String body)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--unix-socket", socket.toString(), "-X", method, "http://localhost" + path,
                "-H", "Content-Type: application/json", "-d", body));
        Processes.Output o = Processes.capture(new ProcessBuilder(command), Duration.ofSeconds(30));
        return new String(o.stdout(), StandardCharsets.UTF_8).strip();
    }
}
