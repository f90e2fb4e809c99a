package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host stdin reaches the guest's COM1 receiver. */
@Tag("kvm")
class ConsoleInputTest {
    @Test
    void stdinLineIsEchoedByTheGuest() throws Exception {
        Environment.requireKvm();
        Process p = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", "--kernel", Environment.guest("echo").toString(),
                "--debug-exit").redirectErrorStream(true).start();
        StringBuilder seen = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream in = p.getOutputStream()) {
            String line;
            // Input sent before the guest sets up its UART would be cleared by its FIFO reset, as on hardware.
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.contains("echo: ready")) {
                    in.write("hello kvmj\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                }
                if (line.contains("done")) {
                    break;
                }
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(seen.toString().contains("echo: hello kvmj"), seen.toString());
            assertEquals(GuestRun.debugExitStatus(0), p.exitValue(), seen.toString());
        } finally {
            p.destroyForcibly();
        }
    }
}
