package io.kvmj.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guests that misbehave: the VMM reports a failure in one line, or keeps running, but never crashes. */
@Tag("kvm")
class HostileGuestTest {
    @Test
    void tripleFaultIsAVmmFailureWithTheReason() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", "--kernel", Environment.guest("crash").toString(), "--cmdline", "mode=triple",
                "--debug-exit");
        assertEquals(4, run.status(), run.toString());
        assertTrue(run.stderr().contains("triple fault") && run.stderr().contains("rip 0x"), run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
    }

    @Test
    void sseAtCpl0EndsTheVmWithAFailureNotACrash() throws Exception {
        Environment.requireKvm();
        GuestRun run = Kvmj.cli("run", "--kernel", Environment.guest("crash").toString(), "--cmdline", "mode=sse",
                "--debug-exit");
        // #UD with no IDT is a triple fault on hardware; PVM hosts cannot emulate SSE at CPL0 at all.
        assertEquals(4, run.status(), run.toString());
        assertTrue(run.stderr().contains("triple fault") || run.stderr().contains("could not emulate"), run.stderr());
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
