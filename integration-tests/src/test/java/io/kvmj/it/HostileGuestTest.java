package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guests that misbehave: the VMM reports a failure in one line, or keeps running, but never crashes. */
@Tag("kvm")
class HostileGuestTest {
    @Test
    void tripleFaultEndsTheVmWithItsOwnStatusAndWhere() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", "--kernel", Environment.guest("crash").toString(), "--cmdline", "mode=triple",
                "--debug-exit");
        assertEquals(6, run.status(), run.toString());
        // Where it faulted (Intel), or that KVM's reset of the vCPU (AMD) hid it: never the reset vector's rip.
        assertTrue(run.stderr().contains("triple-faulted") && (run.stderr().contains("rip 0x")
                || run.stderr().contains("where it faulted is unknown")), run.stderr());
        assertFalse(run.stderr().contains("rip 0xfff0)"), run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
    }

    /** A triple fault is a reset (as on a PC and in QEMU): with --on-reset=restart the machine boots again. */
    @Test
    void tripleFaultRestartsTheMachineWithOnResetRestart() throws Exception {
        Environment.requireKvm();
        Process p = new ProcessBuilder(Environment.java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                Environment.CLI_JAR.toString(), "run", "--kernel", Environment.guest("crash").toString(),
                "--cmdline", "mode=triple", "--debug-exit", "--on-reset=restart", "--log-level=info")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        StringBuilder seen = new StringBuilder();
        int boots = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (boots < 3 && (line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.contains("crash: dividing by zero")) {
                    boots++;
                }
            }
            assertEquals(3, boots, "the guest ran three times\n" + seen);
            assertTrue(seen.toString().contains("restarting the machine, restart 2"), seen.toString());
            assertTrue(p.isAlive(), "still restarting\n" + seen);
        } finally {
            p.destroy(); // SIGTERM: the session stops the running VM and starts no other
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ended on SIGTERM");
            p.destroyForcibly();
        }
    }

    @Test
    void sseAtCpl0EndsTheVmWithAFailureNotACrash() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", "--kernel", Environment.guest("crash").toString(), "--cmdline", "mode=sse",
                "--debug-exit");
        // #UD with no IDT is a triple fault on hardware; PVM hosts cannot emulate SSE at CPL0 at all.
        assertTrue(run.status() == 6 && run.stderr().contains("triple-faulted")
                || run.status() == 4 && run.stderr().contains("could not emulate"), run.toString());
    }

    @Test
    void garbageInRegistersPortsAndMmioLeavesTheVmRunning() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.inProcess(Environment.guest("crash"), "mode=garbage", 64, 1);
        assertTrue(run.passed(), run.toString());
    }

    @Test
    void garbageGuestAlsoPassesOnQemu() throws Exception {
        GuestRun run = Qemu.run(Environment.guest("crash"), "mode=garbage", 64, 1);
        assertTrue(run.passed(), run.toString());
    }
}
