package io.kvmj.it.linux;

import org.junit.jupiter.api.Assertions;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Boots a {@link LinuxMachine} on a VMM in a process of its own and waits for it to end. Timeouts are sized for
 * the nested machine (scripts/nested-kvm.sh), where Linux takes 15-30 s to reach its init; a VMM still running
 * at the deadline is killed and the test fails with its console. No VMM process outlives a call.
 */
public final class LinuxBoot {
    /** Time a whole boot may take: several times what the nested machine needs, for a loaded host. */
    public static final Duration TIMEOUT = Duration.ofMinutes(4);

    private LinuxBoot() {
    }

    /** Boots {@code machine} on {@code vmm} with no console input, within {@link #TIMEOUT}. */
    public static LinuxRun run(Vmm vmm, LinuxMachine machine) throws IOException, InterruptedException {
        return run(vmm, machine, null, TIMEOUT);
    }

    /**
     * Boots {@code machine} on {@code vmm} and waits for the VMM to exit.
     *
     * @param input   typed on the VMM's stdin once its marker shows, or null for none (stdin then /dev/null)
     * @param timeout the most the whole run may take; beyond it the VMM is killed and the test fails with the
     *                console so far
     * @throws IOException when the initramfs cannot be built or the VMM not started
     */
    public static LinuxRun run(Vmm vmm, LinuxMachine machine, ConsoleInput input, Duration timeout)
            throws IOException, InterruptedException {
        Path initrd = machine.initramfs().build();
        Path work = Files.createTempDirectory("kvmj-linux-");
        try {
            List<String> command = new ArrayList<>(vmm.command(machine, initrd, work, input != null));
            if (machine.net() != null) {
                command.addAll(0, NetNamespace.exec(machine.net().netns()));
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectError(work.resolve("stderr").toFile());
            if (input == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            LinuxRun run = await(vmm, builder, input, timeout);
            // in the test report: boot times are what the Linux tests' budget is made of
            System.out.printf("kvmj-linux-kit: %s ended with status %d after %.1f s; the job printed:%n%s",
                    vmm, run.status(), run.wallTime().toMillis() / 1000.0, run.jobOutput().indent(4));
            return run;
        } finally {
            deleteTree(work);
        }
    }

    /** Starts the VMM, types {@code input} when its marker shows, and waits for the exit or the deadline. */
    private static LinuxRun await(Vmm vmm, ProcessBuilder builder, ConsoleInput input, Duration timeout)
            throws IOException, InterruptedException {
        Path stderr = builder.redirectError().file().toPath();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream()) {
            ConsoleLog console = new ConsoleLog(process.getInputStream());
            if (input != null && console.awaitText(input.afterMarker(), deadline)) {
                stdin.write(input.text().getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            }
            // stdin stays open until the VMM ends: an end of input is not what the test is about
            boolean ended = process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            long end = System.nanoTime();
            if (!ended) {
                kill(process);
                console.awaitEnd();
                Assertions.fail(vmm + " did not end within " + timeout.toSeconds() + " s; killed it\n"
                        + "--- console ---\n" + console.text() + "\n--- stderr ---\n" + Files.readString(stderr));
            }
            console.awaitEnd();
            return new LinuxRun(vmm, process.exitValue(), console.text(), Files.readString(stderr),
                    Duration.ofNanos(end - start));
        } finally {
            kill(process);
        }
    }

    private static void kill(Process process) throws InterruptedException {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
