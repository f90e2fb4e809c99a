package io.kvmj.it;

import io.kvmj.vmm.Vm;
import io.kvmj.vmm.VmBuilder;
import io.kvmj.vmm.VmExitReason;
import io.kvmj.vmm.VmSpec;
import io.kvmj.vmm.arch.x86.CpuTemplate;
import io.kvmj.vmm.vcpu.Vcpu;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Pausing, resuming and stopping a running guest from the host, and releasing every fd afterwards. */
@Tag("kvm")
class VmLifecycleTest {
    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void pauseResumeAndStopABusyGuestThenReleaseEverything() throws Exception {
        Environment.requireKvm();
        Path exits = Environment.guest("exits");
        long fdsBefore = openFds();
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        // Enough exits to keep the guest busy for minutes; the host stops it long before.
        VmSpec spec = new VmSpec(exits, null, "count=100000000 mmio=0", 64 << 20, 2, false, 0xf4, serial, null,
                List.of(), false, CpuTemplate.NONE, false);
        try (Vm vm = VmBuilder.build(spec)) {
            vm.start();
            Thread.sleep(300);
            vm.pause(Duration.ofSeconds(10));
            for (Vcpu v : vm.vcpus()) {
                assertEquals(Vcpu.State.PAUSED, v.state(), "vCPU " + v.id());
            }
            vm.resume();
            Thread.sleep(100);
            assertEquals(Vcpu.State.RUNNING, vm.vcpus().getFirst().state());
            vm.requestStop(new VmExitReason.Stopped("test"));
            VmExitReason reason = vm.awaitExit(Duration.ofSeconds(10));
            assertInstanceOf(VmExitReason.Stopped.class, reason, "the host's stop wins: " + reason);
            for (Vcpu v : vm.vcpus()) {
                assertEquals(Vcpu.State.STOPPED, v.state());
            }
        }
        assertEquals(fdsBefore, openFds(), "every KVM fd, vCPU fd and eventfd is closed");
    }

    @Test
    void manyVmsInOneJvmLeakNothing() throws Exception {
        Environment.requireKvm();
        Path hello = Environment.guest("hello");
        long fdsBefore = openFds();
        for (int i = 0; i < 20; i++) {
            GuestRun run = Kvmj.inProcess(hello, "", 64, 1);
            assertEquals(GuestRun.debugExitStatus(0), run.status(), run.toString());
        }
        assertEquals(fdsBefore, openFds());
    }
}
