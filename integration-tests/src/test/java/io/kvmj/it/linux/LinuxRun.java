package io.kvmj.it.linux;

import org.junit.jupiter.api.Assertions;

import java.time.Duration;
import java.util.Optional;

/**
 * How a Linux guest's run ended: the VMM's exit status, its console and stderr, and the wall time from the VMM's
 * start to its exit. The checks fail with the whole run in the message, console included.
 *
 * @param vmm      the VMM that ran it
 * @param status   the VMM process's exit status (0: the guest powered off or reset the machine)
 * @param console  everything on the guest's serial console, {@code \n} line ends
 * @param stderr   what the VMM itself printed on stderr
 * @param wallTime from starting the VMM process to its exit
 */
public record LinuxRun(Vmm vmm, int status, String console, String stderr, Duration wallTime) {
    /** The console between {@link Initramfs#JOB_START} and {@link Initramfs#JOB_END}, or to its end. */
    public String jobOutput() {
        int start = console.indexOf(Initramfs.JOB_START);
        if (start < 0) {
            return "";
        }
        int from = console.indexOf('\n', start);
        int end = console.indexOf(Initramfs.JOB_END, start);
        return from < 0 ? "" : console.substring(from + 1, end < 0 ? console.length() : end);
    }

    /**
     * The value of a {@code key=value} line the job printed: the rest of the first line starting with
     * {@code key=}. Fails the test when there is none.
     */
    public String value(String key) {
        return findValue(key).orElseGet(() -> Assertions.fail("the job printed no '" + key + "=' line\n" + this));
    }

    /** As {@link #value(String)}, empty when the job printed no such line. */
    public Optional<String> findValue(String key) {
        for (String line : jobOutput().split("\n")) {
            if (line.startsWith(key + "=")) {
                return Optional.of(line.substring(key.length() + 1).strip());
            }
        }
        return Optional.empty();
    }

    /** Asserts that the job ran to its end with status 0 and the init's {@code poweroff -f} ended the VMM with 0. */
    public LinuxRun assertJobPassedAndPoweredOff() {
        Assertions.assertTrue(console.contains(Initramfs.JOB_START), "the job never started\n" + this);
        Assertions.assertFalse(console.contains(Initramfs.MODULES_FAILED), "modules failed to load\n" + this);
        Assertions.assertTrue(console.contains(Initramfs.JOB_END + " status=0"), "the job did not end with 0\n" + this);
        Assertions.assertEquals(0, status, "the VMM's status after poweroff -f\n" + this);
        return this;
    }

    @Override
    public String toString() {
        return vmm + ": status " + status + " after " + wallTime.toMillis() + " ms\n--- console ---\n" + console
                + "\n--- stderr ---\n" + stderr;
    }
}
