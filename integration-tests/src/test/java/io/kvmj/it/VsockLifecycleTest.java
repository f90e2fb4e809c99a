package io.kvmj.it;

import io.kvmj.virtio.mmio.VirtioMmioDevices;
import io.kvmj.vmm.ResetAction;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSession;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vsock device's Unix socket over a VM's life: bound when the VM is built, refused in one line when the path
 * is taken (and the path left alone), and removed when the VM closes, so that the machine a guest reset rebuilds
 * binds it again. What a guest does with the device: {@code linux.LinuxVsockTest}.
 */
@Tag("kvm")
class VsockLifecycleTest {
    @TempDir
    Path dir;

    private VmSpec crashGuest(String mode, Path uds) {
        return new VmSpec(Environment.guest("crash"), null, "mode=" + mode, 64L << 20, 1, false, 0xf4,
                new ByteArrayOutputStream(), null, List.of(VirtioMmioDevices.vsock(3, uds)), true, CpuTemplate.NONE,
                false);
    }

    @Test
    void aTakenPathRefusesTheVmInOneLineAndIsLeftAlone() throws Exception {
        Environment.requireKvm();
        Path taken = Files.writeString(dir.resolve("v.sock"), "someone's");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VmBuilder.build(crashGuest("triple", taken)).close());
        assertTrue(e.getMessage().startsWith("vsock: cannot listen on " + taken + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("EADDRINUSE"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals("someone's", Files.readString(taken));
    }

    @Test
    void eachMachineARestartBuildsBindsThePathAnewAndTheLastRemovesIt() throws Exception {
        Environment.requireKvm();
        Path uds = dir.resolve("v.sock");
        VmSession session = new VmSession(crashGuest("triple", uds), ResetAction.RESTART);
        CompletableFuture<VmExitReason> run = CompletableFuture.supplyAsync(() -> {
            try {
                return session.run();
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Kvmj.TIMEOUT.toSeconds());
        while (session.restarts() < 2 && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        session.requestStop(new VmExitReason.Stopped("test"));
        // a rebuild that found the path still bound would have ended run() with an exception
        VmExitReason reason = run.get(Kvmj.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertInstanceOf(VmExitReason.Stopped.class, reason);
        assertTrue(session.restarts() >= 2, "restarts: " + session.restarts());
        assertFalse(Files.exists(uds), "removed when the last machine closed");
    }
}
