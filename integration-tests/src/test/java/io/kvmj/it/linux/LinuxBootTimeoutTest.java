package io.kvmj.it.linux;

import io.kvmj.it.Environment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest that never ends must fail its test with the console in the message, not hang the build, and leave no
 * VMM process behind: the kit's own safety net, checked on kvmj.
 */
@Tag("linux")
class LinuxBootTimeoutTest {
    private static final Duration SHORT = Duration.ofSeconds(30);

    @Test
    void bootThatNeverEndsFailsWithTheConsoleAndKillsTheVmm() throws Exception {
        Environment.requireLinuxUserSpace();
        DebianKernel kernel = DebianKernel.fetch();
        // not quiet: the kernel's banner is on the console within the first second, long before the deadline
        LinuxMachine machine = LinuxMachine.of(kernel.bzImage(), Initramfs.forJob(kernel, List.of(), "sleep 100000\n"))
                .withCmdline("console=ttyS0 panic=-1");
        long childrenBefore = ProcessHandle.current().children().count();

        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> LinuxBoot.run(Vmm.KVMJ, machine, null, SHORT));

        assertTrue(failure.getMessage().contains("did not end within " + SHORT.toSeconds() + " s"), failure.getMessage());
        assertTrue(failure.getMessage().contains("Linux version " + kernel.version()),
                "the console is in the message: " + failure.getMessage());
        assertEquals(childrenBefore, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
                "no VMM process left behind");
    }
}
