package io.kvmj.it.linux;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinuxRunTest {
    private static final String CONSOLE = """
            [    0.000000] Linux version 6.1.0
            nproc=0 printed before the job: not the job's
            %s
            nproc=2
            cmdline= console=ttyS0 quiet
            %s status=0
            [   20.000000] reboot: Power down
            """.formatted(Initramfs.JOB_START, Initramfs.JOB_END);

    private static LinuxRun run(String console, int status) {
        return new LinuxRun(Vmm.KVMJ, status, console, "kvmj stderr", Duration.ofSeconds(20));
    }

    @Test
    void valuesComeFromTheJobsOwnOutput() {
        LinuxRun run = run(CONSOLE, 0);

        assertEquals("nproc=2\ncmdline= console=ttyS0 quiet\n", run.jobOutput());
        assertEquals("2", run.value("nproc"));
        assertEquals("console=ttyS0 quiet", run.value("cmdline"));
        assertEquals(Optional.empty(), run.findValue("missing"));
        run.assertJobPassedAndPoweredOff();
    }

    @Test
    void missingValueFailsWithTheConsoleInTheMessage() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> run(CONSOLE, 0).value("marker"));

        assertTrue(e.getMessage().contains("no 'marker=' line"), e.getMessage());
        assertTrue(e.getMessage().contains("Linux version 6.1.0"), e.getMessage());
        assertTrue(e.getMessage().contains("kvmj stderr"), e.getMessage());
    }

    @Test
    void jobThatNeverEndedOrFailedOrAVmmErrorIsNotAPass() {
        String noEnd = CONSOLE.substring(0, CONSOLE.indexOf(Initramfs.JOB_END));
        assertThrows(AssertionFailedError.class, () -> run(noEnd, 0).assertJobPassedAndPoweredOff());
        String failed = CONSOLE.replace("status=0", "status=1");
        assertThrows(AssertionFailedError.class, () -> run(failed, 0).assertJobPassedAndPoweredOff());
        assertThrows(AssertionFailedError.class, () -> run(CONSOLE, 4).assertJobPassedAndPoweredOff());
        String modules = CONSOLE.replace("nproc=2", Initramfs.MODULES_FAILED);
        assertThrows(AssertionFailedError.class, () -> run(modules, 0).assertJobPassedAndPoweredOff());
        assertEquals("", run("no job here", 0).jobOutput());
    }
}
