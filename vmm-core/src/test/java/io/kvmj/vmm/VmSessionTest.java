package io.kvmj.vmm;

import io.kvmj.vmm.arch.x86.CpuTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A session's controls while it has no VM, without KVM: before its run, and after a run that could not build
 * its VM (here a kernel file that does not exist; on a host without KVM the missing /dev/kvm may come first).
 */
class VmSessionTest {
    @TempDir
    Path dir;

    private VmSession session() {
        VmSpec spec = new VmSpec(dir.resolve("no-such-kernel"), null, "", 64 << 20, 1, false, VmSpec.NO_DEBUG_EXIT,
                null, null, List.of(), true, CpuTemplate.NONE, false);
        return new VmSession(spec, ResetAction.EXIT);
    }

    @Test
    void beforeItsRunTheMachineIsNotRunningYet() {
        VmSession session = session();
        assertEquals(Vm.State.CREATED, session.state());
        assertEquals("cannot pause the machine: it is not running yet (starting or restarting)",
                assertThrows(IllegalStateException.class, () -> session.pause(Duration.ofSeconds(1))).getMessage());
        assertThrows(IllegalStateException.class, session::resume);
        assertEquals("cannot send Ctrl+Alt+Del to the machine: it is not running yet (starting or restarting)",
                assertThrows(IllegalStateException.class, session::sendCtrlAltDel).getMessage());
    }

    @Test
    void aRunThatCouldNotBuildItsVmHasEnded() {
        VmSession session = session();
        assertThrows(RuntimeException.class, session::run);
        assertEquals(Vm.State.STOPPED, session.state());
        assertEquals("cannot resume the machine: it has ended",
                assertThrows(IllegalStateException.class, session::resume).getMessage());
    }
}
