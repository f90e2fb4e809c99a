package io.kvmj.it;

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.vcpu.Vcpu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full snapshots of running guests: the pause guest is paused, snapshotted, closed, and restored into new VMs,
 * which run on from the saved counter: busy (registers and RAM came back), idle (LAPIC timer interrupts still
 * arrive, so the local APIC, the TSC and the interrupt state came back), and two VMs from one snapshot side by
 * side on shared copy-on-write RAM.
 */
@Tag("kvm")
class VmSnapshotTest {
    /** Long enough for a running guest to count many times over, even under nested emulation. */
    private static final long STILL_MILLIS = 300;

    @TempDir
    Path dir;

    private final List<Vm> vms = new ArrayList<>();

    @AfterEach
    void close() {
        vms.forEach(Vm::close);
    }

    /** Snapshot files of {@code guest} (paused), which is then closed; returns the counter's saved value. */
    private long snapshotAndClose(PauseGuest guest, String what) throws Exception {
        guest.vm().pause(PauseGuest.DEADLINE);
        long saved = guest.read();
        long start = System.nanoTime();
        guest.vm().snapshot(state(), memory());
        long micros = (System.nanoTime() - start) / 1000;
        assertEquals(Vm.State.PAUSED, guest.vm().state(), "a snapshot leaves the VM paused");
        guest.vm().close();
        System.out.printf("%s: snapshot in %.1f ms (state file %d bytes, memory file %d MiB, %d MiB on disk)%n",
                what, micros / 1000.0, Files.size(state()), Files.size(memory()) >> 20, diskMiB(memory()));
        return saved;
    }

    private PauseGuest restore(long address, String what) throws Exception {
        long start = System.nanoTime();
        Vm vm = VmBuilder.restore(state(), memory(), new VmBuilder.RestoreHost(new ByteArrayOutputStream(), null,
                List.of()));
        long micros = (System.nanoTime() - start) / 1000;
        vms.add(vm);
        System.out.printf("%s: restored (paused) in %.1f ms%n", what, micros / 1000.0);
        assertEquals(Vm.State.PAUSED, vm.state(), "a restored VM waits for its resume");
        for (Vcpu v : vm.vcpus()) {
            assertEquals(Vcpu.State.PAUSED, v.state(), "vCPU " + v.id());
        }
        return new PauseGuest(vm, address);
    }

    private Path state() {
        return dir.resolve("vm.state");
    }

    private Path memory() {
        return dir.resolve("vm.mem");
    }

    /** The disk space {@code file} takes in MiB, from stat(1) (the JDK does not give st_blocks). */
    private static long diskMiB(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes()).strip().split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]) >> 20;
    }

    @Test
    void aBusyGuestRunsOnFromItsSnapshot() throws Exception {
        // Two vCPUs: the second never got a SIPI, and must come back waiting for one.
        PauseGuest guest = PauseGuest.boot("", 2, vms);
        long address = guest.address();
        long saved = snapshotAndClose(guest, "busy guest");

        PauseGuest restored = restore(address, "busy guest");
        assertEquals(saved, restored.read(), "guest RAM is the saved RAM");
        Thread.sleep(STILL_MILLIS);
        assertEquals(saved, restored.read(), "a restored VM stays paused until resumed");
        restored.vm().resume();
        long after = restored.awaitAbove(saved);
        System.out.printf("busy guest: counter saved at %d, after the resume %d%n", saved, after);
        assertEquals(Vm.State.RUNNING, restored.vm().state());
    }

    @Test
    void anIdleGuestsTimerTicksOnAfterTheRestore() throws Exception {
        PauseGuest guest = PauseGuest.boot("idle", 1, vms);
        guest.awaitAbove(guest.read() + 2);
        long address = guest.address();
        long saved = snapshotAndClose(guest, "idle guest");

        PauseGuest restored = restore(address, "idle guest");
        assertEquals(saved, restored.read());
        restored.vm().resume();
        // Ticks only come from LAPIC timer interrupts taken in HLT: many of them mean the timer, the IDT, the
        // interrupt flag and the halted state all came back.
        long after = restored.awaitAbove(saved + 20);
        System.out.printf("idle guest: ticks saved at %d, after the resume %d%n", saved, after);
        assertTrue(restored.vm().state() == Vm.State.RUNNING);
    }

    @Test
    void twoVmsFromOneSnapshotRunSideBySide() throws Exception {
        PauseGuest guest = PauseGuest.boot("", 1, vms);
        long address = guest.address();
        long saved = snapshotAndClose(guest, "clone source");

        PauseGuest a = restore(address, "clone a");
        PauseGuest b = restore(address, "clone b");
        a.vm().resume();
        b.vm().resume();
        a.awaitAbove(saved);
        b.awaitAbove(saved);
        // Each has its own copy of the page it writes: pausing one leaves the other counting.
        a.vm().pause(PauseGuest.DEADLINE);
        long aPaused = a.read();
        long bBefore = b.read();
        b.awaitAbove(bBefore + 1000);
        assertEquals(aPaused, a.read(), "clone a's counter moved with clone b's");
        assertEquals(saved, counterInFile(address), "the memory file is never written (MAP_PRIVATE)");
        System.out.printf("clones: saved %d, a paused at %d, b at %d%n", saved, aPaused, b.read());
    }

    /** The counter as the memory file holds it: RAM from address 0 is at offset 0. */
    private long counterInFile(long address) throws IOException {
        try (FileChannel f = FileChannel.open(memory())) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            f.read(b, address);
            return b.flip().getLong();
        }
    }
}
