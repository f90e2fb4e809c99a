package io.kvmj.it;

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.vcpu.Vcpu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pausing and resuming running guests from the host: the pause guest's counter (a tight loop, or LAPIC timer
 * ticks counted while it waits in HLT) stands still while paused and moves again after the resume.
 */
@Tag("kvm")
class VmPauseTest {
    private static final Duration DEADLINE = PauseGuest.DEADLINE;
    /** Long enough for a running guest to count many times over, even under nested emulation. */
    private static final long STILL_MILLIS = 300;

    private final List<Vm> vms = new ArrayList<>();

    @AfterEach
    void close() {
        vms.forEach(Vm::close);
    }

    private Vm boot(String guest, String cmdline, int cpus, ByteArrayOutputStream serial) {
        return PauseGuest.boot(guest, cmdline, cpus, serial, vms);
    }

    private PauseGuest bootPauseGuest(String cmdline, int cpus) throws Exception {
        return PauseGuest.boot(cmdline, cpus, vms);
    }

    /** Pauses, checks the counter stands still, resumes, checks it moves again; returns the pause's duration. */
    private static long pausedStandsStill(PauseGuest c) throws Exception {
        long start = System.nanoTime();
        c.vm().pause(DEADLINE);
        long pauseNanos = System.nanoTime() - start;
        assertEquals(Vm.State.PAUSED, c.vm().state());
        for (Vcpu v : c.vm().vcpus()) {
            assertEquals(Vcpu.State.PAUSED, v.state(), "vCPU " + v.id());
        }
        long paused = c.read();
        Thread.sleep(STILL_MILLIS);
        assertEquals(paused, c.read(), "the counter moved while the VM was paused");
        c.vm().resume();
        assertEquals(Vm.State.RUNNING, c.vm().state());
        c.awaitAbove(paused);
        return pauseNanos;
    }

    @Test
    void aBusyGuestStandsStillWhilePausedAndAnotherVmRunsOn() throws Exception {
        // Two vCPUs: the second never gets a SIPI and sleeps inside KVM_RUN, where only the signal reaches it.
        PauseGuest paused = bootPauseGuest("", 2);
        PauseGuest other = bootPauseGuest("", 1);
        paused.vm().pause(DEADLINE);
        long before = other.read();
        other.awaitAbove(before);
        assertEquals(Vm.State.RUNNING, other.vm().state(), "pausing one VM leaves the other alone");
        paused.vm().resume();
        long millis = pausedStandsStill(paused) / 1_000_000;
        System.out.println("busy guest paused in " + millis + " ms");
    }

    @Test
    void anIdleGuestInHltWithInterruptsOnPausesAndResumes() throws Exception {
        PauseGuest ticks = bootPauseGuest("idle", 1);
        ticks.awaitAbove(ticks.read() + 2); // the timer interrupts the HLT again and again
        long millis = pausedStandsStill(ticks) / 1_000_000;
        System.out.println("idle guest paused in " + millis + " ms");
    }

    @Test
    void aHundredPausesInARowOnAGuestExitingToTheVmm() throws Exception {
        // Each iteration is a port write serviced by the vCPU thread: pauses land mid-exit, so the access
        // must be completed before the vCPU counts as paused.
        Vm vm = boot("exits", "count=100000000 mmio=0", 2, new ByteArrayOutputStream());
        long worst = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            long t = System.nanoTime();
            vm.pause(DEADLINE);
            worst = Math.max(worst, System.nanoTime() - t);
            assertEquals(Vm.State.PAUSED, vm.state(), "pause " + i);
            vm.resume();
        }
        System.out.printf("100 pause/resume cycles in %d ms, slowest pause %d ms%n",
                (System.nanoTime() - start) / 1_000_000, worst / 1_000_000);
        assertEquals(Vm.State.RUNNING, vm.state());
    }

    @Test
    void aHundredPausesInARowOnABusyGuest() throws Exception {
        PauseGuest c = bootPauseGuest("", 2);
        for (int i = 0; i < 100; i++) {
            c.vm().pause(DEADLINE);
            c.vm().resume();
        }
        c.awaitAbove(c.read());
    }

    @Test
    void stoppingAPausedVmEndsIt() throws Exception {
        PauseGuest c = bootPauseGuest("", 2);
        c.vm().pause(DEADLINE);
        c.vm().requestStop(new VmExitReason.Stopped("test"));
        VmExitReason reason = c.vm().awaitExit(DEADLINE);
        assertInstanceOf(VmExitReason.Stopped.class, reason, reason.toString());
        assertEquals(Vm.State.STOPPED, c.vm().state());
        for (Vcpu v : c.vm().vcpus()) {
            assertEquals(Vcpu.State.STOPPED, v.state(), "vCPU " + v.id());
        }
        assertThrows(IllegalStateException.class, c.vm()::resume);
        assertThrows(IllegalStateException.class, () -> c.vm().pause(DEADLINE));
        assertTrue(c.read() > 0);
    }
}
