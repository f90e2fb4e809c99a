package io.kvmj.it.linux;

import io.kvmj.it.Processes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A host tool run to completion (mke2fs, debugfs, stat, the kernel fetch script): both output streams read at
 * once so neither pipe can fill and stall the tool, and killed when it overruns its time.
 *
 * @param status the exit status
 * @param stdout the raw standard output (debugfs {@code cat} can be binary)
 * @param stderr the standard error, as text
 */
record HostCommand(int status, byte[] stdout, String stderr) {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /** Runs {@code command} with no stdin; an overrun or a missing tool is an {@link IOException}. */
    static HostCommand run(List<String> command) throws IOException, InterruptedException {
        Processes.Output o = Processes.capture(new ProcessBuilder(command), TIMEOUT);
        if (o.timedOut()) {
            throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
        }
        return new HostCommand(o.status(), o.stdout(), new String(o.stderr(), StandardCharsets.UTF_8));
    }

    /** Runs {@code command} and hands back its stdout as text; a non-zero status is an {@link IOException}. */
    static String check(List<String> command) throws IOException, InterruptedException {
        HostCommand r = run(command);
        if (r.status != 0) {
            throw new IOException(String.join(" ", command) + " failed with status " + r.status + ": " + r.stderr.strip());
        }
        return r.text();
    }

    String text() {
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
